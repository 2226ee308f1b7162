//! `abi-check check-host HOST LIBRARY`.

use std::path::PathBuf;

use abi_check::{FileForm, HostCheck};
use clap::Args;

use super::Outcome;

/// Checks a library against what a host expects of it, without running
/// either: the loader's check, for CI.
///
/// HOST is a host executable or library that embeds its expectations
/// (`#[abi_describe::expectation]` in Rust, or a descriptor blob in the
/// section `.abi_expectation` on ELF, `__DATA,__abi_expect` on Mach-O,
/// `.abiexp` on PE), or the descriptor file the host was built against.
/// The expectations for LIBRARY's library name are checked: only the items
/// the host expects, with the rules of `abi-check compare`, in the host's
/// direction; a finding refuses the library when its rule is at level
/// `deny` and requires a major release. Version numbers play no part.
/// LIBRARY is a built library (its descriptor must also describe the file)
/// or a descriptor file.
///
/// Exit status: 0 the host can use the library, 1 it would refuse it, 2 the
/// check could not complete.
///
/// Example: abi-check check-host target/release/viewer libgeo.so.2
#[derive(Debug, Args)]
pub struct Opts {
    /// The host binary, or the descriptor it was built against.
    host: PathBuf,
    /// The library (`.so`, `.dylib`, `.dll`) or a descriptor file.
    library: PathBuf,
}

impl Opts {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let expectations = abi_check::read_expectations(&self.host)?;
        let (descriptor, form, _) = abi_check::read_source(&self.library)?;
        let name = &descriptor.library.name;
        let mine: Vec<_> = expectations
            .iter()
            .filter(|e| &e.library.name == name)
            .collect();
        if mine.is_empty() {
            let declared: Vec<String> = expectations
                .iter()
                .map(|e| format!("`{}`", e.library.name))
                .collect();
            anyhow::bail!(
                "`{}` expects nothing of library `{name}` (it declares expectations of {})",
                self.host.display(),
                declared.join(", ")
            );
        }
        let file = match form {
            FileForm::Library => Some(abi_check::read_library(&self.library)?),
            _ => None,
        };
        let lib = self.library.display().to_string();
        let host = self.host.display();
        let mut refused = false;
        for expected in mine {
            let check: HostCheck = match &file {
                Some(f) => abi_check::check_host_file(expected, f, &descriptor)?,
                None => abi_check::check_host(expected, &descriptor)?,
            };
            if check.accepted() {
                let how = if check.fingerprints_match {
                    "the fingerprints of every expected item match".to_owned()
                } else {
                    format!("{} compatible change(s) among them", check.findings.len())
                };
                println!(
                    "{lib}: {} {} provides what `{host}` expects of {} {} ({} items): {how}",
                    check.library.name,
                    check.library.version,
                    check.expected.name,
                    check.expected.version,
                    check.items.len(),
                );
            } else {
                refused = true;
                println!("{}", check.explain(&lib));
            }
        }
        Ok(if refused {
            Outcome::Incompatible
        } else {
            Outcome::Compatible
        })
    }
}
