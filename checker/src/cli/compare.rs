//! `abi-check compare OLD NEW`.

use std::io::Write;
use std::path::PathBuf;

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
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For people.
    Text,
    /// The report type, serialized.
    Json,
}

impl Opts {
    /// Runs the comparison and prints the report.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let old = abi_check::read_descriptor(&self.old)?;
        let new = abi_check::read_descriptor(&self.new)?;
        let report = abi_check::compare(&old, &new).context("cannot compare the descriptors")?;
        let text = match self.options.format {
            Format::Text => report.to_text(),
            Format::Json => report.to_json(),
        };
        std::io::stdout().lock().write_all(text.as_bytes())?;
        Ok(if report.compatible {
            Outcome::Compatible
        } else {
            Outcome::Incompatible
        })
    }
}
