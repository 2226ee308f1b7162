//! `abi-check history V1 V2 V3...`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::Outcome;
use super::config::ConfigArgs;

/// Checks a chain of releases, step by step and end to end.
///
/// Compares each release with the one before it, and each with the first
/// release of its major series in the chain (the first release given, or
/// the first after a major version bump). Two steps that each pass can
/// together break hosts built against the earlier release: a variant
/// renamed in 1.1 and its old name re-added with another value in 1.2 is
/// caught by comparing 1.0 with 1.2.
///
/// Exits 1 when any step or end-to-end comparison fails.
///
/// Example: abi-check history libtile-1.0.abi libtile-1.1.abi libtile-1.2.abi
#[derive(Debug, Args)]
pub struct Opts {
    /// The releases, oldest first: libraries or descriptor files.
    #[arg(required = true, num_args = 2.., value_name = "RELEASE")]
    releases: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For people: one block per comparison, then the verdict.
    Text,
    /// The history type, serialized.
    Json,
}

impl Opts {
    /// Runs the checks and prints the history.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let config = self.config.load()?;
        let releases = self
            .releases
            .iter()
            .map(|path| abi_check::read_descriptor(path))
            .collect::<Result<Vec<_>, _>>()?;
        let history =
            abi_check::history_with(&releases, &config).context("cannot check the history")?;
        let text = match self.format {
            Format::Text => history.to_text(),
            Format::Json => history.to_json(),
        };
        std::io::stdout().lock().write_all(text.as_bytes())?;
        Ok(if history.compatible {
            Outcome::Compatible
        } else {
            Outcome::Incompatible
        })
    }
}
