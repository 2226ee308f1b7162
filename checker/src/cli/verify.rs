//! `abi-check verify LIBRARY`.

use std::path::PathBuf;

use clap::Args;

use super::Outcome;

/// Checks that a built library carries a descriptor that describes it.
///
/// Reads the descriptor statically (nothing in the library runs), checks that
/// it is well-formed and that its hash matches its bytes, that the library
/// exports `_abi_descriptor`, that it was built for the descriptor's target,
/// and that every described function and variable is exported. Exported
/// functions the descriptor does not describe are listed as warnings.
///
/// Exit status: 0 verified (warnings allowed unless --strict), 1 problems
/// found, 2 the library could not be read.
///
/// Example: abi-check verify target/release/libgeo.so
#[derive(Debug, Args)]
pub struct Opts {
    /// The library (`.so`, `.dylib`, `.dll`).
    library: PathBuf,
    /// Fail on warnings too.
    #[arg(long)]
    strict: bool,
}

impl Opts {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let lib = abi_check::read_library(&self.library)?;
        let descriptor = lib.descriptor()?;
        let v = abi_check::verify(&lib, &descriptor);
        let name = self.library.display();
        for p in &v.problems {
            println!("error: {name}: {p}");
        }
        for w in &v.warnings {
            println!("warning: {name}: {w}");
        }
        let fingerprint = descriptor.fingerprints()?.descriptor;
        if v.passed() && (!self.strict || v.warnings.is_empty()) {
            println!(
                "{name}: verified {} {} ({} functions, {} variables, {} types; {})",
                descriptor.library.name,
                descriptor.library.version,
                descriptor.functions.len(),
                descriptor.variables.len(),
                descriptor.types.len(),
                fingerprint,
            );
            Ok(Outcome::Compatible)
        } else {
            println!(
                "{name}: verification failed: {} problems, {} warnings",
                v.problems.len(),
                v.warnings.len()
            );
            Ok(Outcome::Incompatible)
        }
    }
}
