//! `abi-check rules` and `abi-check explain RULE`.

use std::io::Write;

use anyhow::bail;
use clap::Args;

use super::Outcome;

/// Lists the rule catalogue: id, required bump, default level and name.
///
/// Example: abi-check rules
#[derive(Debug, Args)]
pub struct Opts {}

impl Opts {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let mut out = std::io::stdout().lock();
        let width = abi_check::RULES
            .iter()
            .map(|r| r.id.as_str().len())
            .max()
            .unwrap_or(0);
        for r in abi_check::RULES {
            writeln!(
                out,
                "{:width$}  {:5}  {:5}  {}",
                r.id.as_str(),
                r.bump.as_str(),
                r.level.as_str(),
                r.name
            )?;
        }
        Ok(Outcome::Compatible)
    }
}

/// Explains one rule, with an example.
///
/// Example: abi-check explain field_offset_changed
#[derive(Debug, Args)]
pub struct ExplainOpts {
    /// The rule's id, as `abi-check rules` lists it.
    rule: String,
}

impl ExplainOpts {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let Some(id) = abi_check::RuleId::parse(&self.rule) else {
            bail!(
                "no rule `{}` (run `abi-check rules` for the list)",
                self.rule
            );
        };
        let r = id.rule();
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}: {}", r.id, r.name)?;
        writeln!(
            out,
            "requires: a {} release; default level: {}\n",
            r.bump, r.level
        )?;
        writeln!(out, "{}\n", r.explanation)?;
        writeln!(out, "before:  {}", r.before)?;
        writeln!(out, "after:   {}", r.after)?;
        Ok(Outcome::Compatible)
    }
}
