//! Command-line options, one module per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod check_host;
mod compare;
mod config;
mod dump;
mod embed;
mod history;
mod rules;
mod verify;

/// Checks that a shared library's ABI is compatible with an earlier release.
///
/// Compares two releases of a library and reports every change, each
/// classified by a rule with a stable id, then checks that the library's
/// version bump is large enough for them. Each release is a built library
/// (`.so`, `.dylib`, `.dll`, whose embedded descriptor is read without running
/// it) or a descriptor file (`.abi`, CBOR or JSON). Rule levels and
/// suppressions (each with a reason) come from the nearest `abi-check.toml`;
/// see `--config`.
///
/// Examples:
///
///   abi-check libtile.so.1.4.0 libtile.so.1.5.0
///
///   abi-check examples/libtile/v1.json examples/libtile/v2.json
///
/// Exit status: 0 compatible (or only allowed changes), 1 incompatible changes
/// or a version bump too small for them, 2 the check could not complete.
#[derive(Debug, Parser)]
#[command(name = "abi-check", version, args_conflicts_with_subcommands = true)]
pub struct Opts {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    compare: CompareArgs,
}

/// Positional form: `abi-check OLD NEW`.
#[derive(Debug, Args)]
struct CompareArgs {
    /// The old release: a library or descriptor file.
    old: Option<PathBuf>,
    /// The new release: a library or descriptor file.
    new: Option<PathBuf>,
    #[command(flatten)]
    options: compare::Options,
}

#[derive(Debug, Subcommand)]
enum Command {
    Compare(compare::Opts),
    Dump(dump::Opts),
    Embed(embed::Opts),
    Validate(dump::ValidateOpts),
    Rules(rules::Opts),
    Explain(rules::ExplainOpts),
    History(history::Opts),
    Verify(verify::Opts),
    CheckHost(check_host::Opts),
}

/// How a successful run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Compatible,
    /// Exit 1.
    Incompatible,
}

impl Opts {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<Outcome> {
        match self.command {
            Some(Command::Compare(opts)) => opts.run(),
            Some(Command::Dump(opts)) => opts.run(),
            Some(Command::Embed(opts)) => opts.run(),
            Some(Command::Validate(opts)) => opts.run(),
            Some(Command::Rules(opts)) => opts.run(),
            Some(Command::Explain(opts)) => opts.run(),
            Some(Command::History(opts)) => opts.run(),
            Some(Command::Verify(opts)) => opts.run(),
            Some(Command::CheckHost(opts)) => opts.run(),
            None => match (self.compare.old, self.compare.new) {
                (Some(old), Some(new)) => compare::Opts {
                    old,
                    new,
                    options: self.compare.options,
                }
                .run(),
                _ => {
                    anyhow::bail!("expected two descriptors, OLD and NEW (see `abi-check --help`)")
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Opts::command().debug_assert();
    }
}
