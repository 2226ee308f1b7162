//! `abi-check dump FILE` and `abi-check validate FILE`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::Outcome;

/// Prints a library's or file's descriptor, or a readable C-like listing of it.
///
/// `--format text` writes the ABI as an annotated C header: types in
/// dependency order with offsets and sizes, prototypes with their threading,
/// ownership and callback contract, and the wire layer. The JSON form stays
/// the default, for scripts.
///
/// Example: abi-check dump target/release/libgeo.so --format text
#[derive(Debug, Args)]
pub struct Opts {
    /// A library (`.so`, `.dylib`, `.dll`) or descriptor file (`.abi`, CBOR or JSON).
    file: PathBuf,
    /// Output format: the JSON form, canonical CBOR, a blob (`.abi`), or a
    /// readable listing.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The JSON form.
    Json,
    /// Canonical CBOR, raw bytes.
    Cbor,
    /// Header and canonical CBOR: the content of a `.abi` file.
    Blob,
    /// A readable C-like listing of the ABI, annotated with the contract.
    Text,
}

impl Opts {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let d = abi_check::read_descriptor(&self.file)?;
        let bytes = match self.format {
            Format::Json => {
                let mut text = d.to_json()?;
                text.push('\n');
                text.into_bytes()
            }
            Format::Cbor => d.to_cbor()?,
            Format::Blob => d.to_blob()?,
            Format::Text => abi_check::listing(&d)?.into_bytes(),
        };
        std::io::stdout()
            .lock()
            .write_all(&bytes)
            .context("cannot write to standard output")?;
        Ok(Outcome::Compatible)
    }
}

/// Checks that a descriptor is well-formed and prints its fingerprints.
///
/// Example: abi-check validate libtile.abi
#[derive(Debug, Args)]
pub struct ValidateOpts {
    /// A library (`.so`, `.dylib`, `.dll`) or descriptor file (`.abi`, CBOR or JSON).
    file: PathBuf,
}

impl ValidateOpts {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let d = abi_check::read_descriptor(&self.file)?;
        let fingerprints = d.fingerprints()?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}: valid descriptor of {} {} (format {}), {} function(s), {} type(s)",
            self.file.display(),
            d.library.name,
            d.library.version,
            d.format,
            d.functions.len(),
            d.types.len()
        )?;
        writeln!(out, "fingerprint {}", fingerprints.descriptor)?;
        for (item, fp) in &fingerprints.items {
            writeln!(out, "  {fp}  {item}")?;
        }
        Ok(Outcome::Compatible)
    }
}
