//! `abi-check compare OLD NEW`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use abi_check::{RenderOptions, ReportFormat};
use anyhow::Context;
use clap::{Args, ValueEnum};

use super::Outcome;

/// Compares two releases: libraries or descriptor files.
///
/// Example: abi-check compare libgeo-1.2.so libgeo-1.3.so --format json
#[derive(Debug, Args)]
pub struct Opts {
    /// The old release: a library (`.so`, `.dylib`, `.dll`) or descriptor file.
    pub old: PathBuf,
    /// The new release: a library or descriptor file.
    pub new: PathBuf,
    #[command(flatten)]
    pub options: Options,
}

/// Options of a comparison.
#[derive(Debug, Args)]
pub struct Options {
    /// Output format.
    ///
    /// Every format renders the same report; only `text` is ever coloured.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// When to colour the text report.
    ///
    /// `auto` colours it when standard output is a terminal and the
    /// `NO_COLOR` environment variable is unset or empty.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    #[command(flatten)]
    config: super::config::ConfigArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For people: one block per finding, the summary and the verdict.
    Text,
    /// The report type, serialized.
    Json,
    /// Markdown, for a pull-request comment or a CI job summary.
    Markdown,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// JUnit XML: a test case per finding and one for the version.
    Junit,
    /// GitHub Actions workflow commands: an annotation per finding.
    Github,
}

impl From<Format> for ReportFormat {
    fn from(f: Format) -> ReportFormat {
        match f {
            Format::Text => ReportFormat::Text,
            Format::Json => ReportFormat::Json,
            Format::Markdown => ReportFormat::Markdown,
            Format::Sarif => ReportFormat::Sarif,
            Format::Junit => ReportFormat::Junit,
            Format::Github => ReportFormat::Github,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// When standard output is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always, even when `NO_COLOR` is set.
    Always,
    /// Never.
    Never,
}

/// Whether to colour a report in `format`: only text, and with `auto` only
/// on a terminal without a non-empty `NO_COLOR`.
fn use_color(
    format: Format,
    choice: ColorChoice,
    terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
) -> bool {
    format == Format::Text
        && match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && no_color.is_none_or(|v| v.is_empty()),
        }
}

impl Opts {
    /// Runs the comparison and prints the report.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let config = self.options.config.load()?;
        let (old, new) = abi_check::read_descriptor_pair(&self.old, &self.new);
        let (old, new) = (old?, new?);
        let report = abi_check::compare_with(&old, &new, &config)
            .context("cannot compare the descriptors")?;
        let stdout = std::io::stdout();
        let color = use_color(
            self.options.format,
            self.options.color,
            stdout.is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        );
        let options = RenderOptions::new().color(color).new_file(&self.new);
        let text = report.render(self.options.format.into(), &options);
        stdout.lock().write_all(text.as_bytes())?;
        let outcome = if report.compatible {
            Outcome::Compatible
        } else {
            Outcome::Incompatible
        };
        // The process ends next: its memory goes back to the system at once,
        // without freeing the descriptors' many small allocations one by one.
        std::mem::forget((old, new, report));
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn color_follows_the_terminal_no_color_and_the_option() {
        use ColorChoice::*;
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        // auto: a terminal without NO_COLOR (or with it empty) only.
        assert!(use_color(Format::Text, Auto, true, None));
        assert!(use_color(Format::Text, Auto, true, empty));
        assert!(!use_color(Format::Text, Auto, true, set));
        assert!(!use_color(Format::Text, Auto, false, None));
        // The option overrides both.
        assert!(use_color(Format::Text, Always, false, set));
        assert!(!use_color(Format::Text, Never, true, None));
        // Never for machine formats.
        for format in [
            Format::Json,
            Format::Markdown,
            Format::Sarif,
            Format::Junit,
            Format::Github,
        ] {
            assert!(!use_color(format, Always, true, None), "{format:?}");
            assert!(!use_color(format, Auto, true, None), "{format:?}");
        }
    }
}
