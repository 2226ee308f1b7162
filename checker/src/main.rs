//! The `abi-check` command line.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

mod cli;

/// Descriptors are trees of many small strings and vectors: jemalloc
/// allocates and frees them faster, and in less memory, than glibc's
/// allocator.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Exit status: compatible, or only allowed changes.
const EXIT_COMPATIBLE: u8 = 0;
/// Exit status: incompatible changes, or a version bump too small for them.
const EXIT_INCOMPATIBLE: u8 = 1;
/// Exit status: the check could not complete (bad input, unreadable file, usage).
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let opts = match cli::Opts::try_parse() {
        Ok(opts) => opts,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_COMPATIBLE
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match opts.run() {
        Ok(cli::Outcome::Compatible) => ExitCode::from(EXIT_COMPATIBLE),
        Ok(cli::Outcome::Incompatible) => ExitCode::from(EXIT_INCOMPATIBLE),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(EXIT_COMPATIBLE);
            }
            let mut stderr = io::stderr().lock();
            let _ = writeln!(stderr, "error: {e}");
            for cause in e.chain().skip(1) {
                let _ = writeln!(stderr, "  caused by: {cause}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}
