//! A chain of releases, checked step by step and end to end.
//!
//! Comparing each release with the one before is not enough: two steps that
//! each pass can together break hosts built against the first release. A
//! variant renamed in 1.1 (a warning) and its old name re-added with a new
//! value in 1.2 (an allowed addition) changes the value hosts built against
//! 1.0 send; a constant removed in one release and re-added with another
//! value in the next does the same. So [`history`] also compares every
//! release with the release hosts may have been built against: the first of
//! its major series in the chain.

use std::fmt::Write as _;

use abi_descriptor::{Descriptor, EncodeError};
use serde::Serialize;

use crate::config::{Config, UnusedSuppression};
use crate::report::{Report, Side, VersionChange};
use crate::rules::{Bump, Level};

/// One comparison in a history: two releases, by their index in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Comparison {
    /// Index of the older release in [`History::releases`].
    pub from: usize,
    /// Index of the newer release.
    pub to: usize,
    /// The comparison's report.
    pub report: Report,
}

/// The result of checking a chain of releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct History {
    /// The releases, in the order given (oldest first).
    pub releases: Vec<Side>,
    /// Each release against the one before it.
    pub steps: Vec<Comparison>,
    /// Each release against the first release of its major series in the
    /// chain (the first release, or the first after the latest major bump
    /// before it), where that is not already a step.
    pub end_to_end: Vec<Comparison>,
    /// Suppressions that suppressed nothing in any comparison.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unused_suppressions: Vec<UnusedSuppression>,
    /// `true` when every step and every end-to-end comparison passes.
    pub compatible: bool,
}

/// An error checking a history.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// Fewer than two releases.
    #[error("a history needs at least two releases, got {found}")]
    TooFewReleases {
        /// How many were given.
        found: usize,
    },
    /// A descriptor could not be encoded for its fingerprint.
    #[error("cannot fingerprint a descriptor")]
    Encode(#[from] EncodeError),
}

/// Checks a chain of releases, oldest first, with the default
/// configuration. See [`history_with`].
///
/// ```
/// use abi_check::history;
/// use abi_descriptor::Descriptor;
///
/// let v1 = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
/// let v2 = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
/// let h = history(&[v1.clone(), v1, v2])?;
/// assert_eq!(h.steps.len(), 2);
/// assert!(h.steps[0].report.compatible); // 1.4.0 -> 1.4.0, no change
/// assert!(!h.steps[1].report.compatible); // 1.4.0 -> 1.5.0 breaks
/// assert_eq!((h.end_to_end[0].from, h.end_to_end[0].to), (0, 2));
/// assert!(!h.compatible);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn history(releases: &[Descriptor]) -> Result<History, HistoryError> {
    history_with(releases, &Config::default())
}

/// Checks a chain of releases, oldest first: each release against the one
/// before it, and each against the first release of its major series in
/// the chain, all under `config`.
pub fn history_with(releases: &[Descriptor], config: &Config) -> Result<History, HistoryError> {
    if releases.len() < 2 {
        return Err(HistoryError::TooFewReleases {
            found: releases.len(),
        });
    }
    let compare = |from: usize, to: usize| -> Result<Comparison, HistoryError> {
        Ok(Comparison {
            from,
            to,
            report: crate::compare_with(&releases[from], &releases[to], config)?,
        })
    };
    let mut steps = Vec::with_capacity(releases.len() - 1);
    let mut end_to_end = Vec::new();
    let mut base = 0;
    for to in 1..releases.len() {
        let step = compare(to - 1, to)?;
        if step.report.version_change == VersionChange::Bump(Bump::Major) {
            base = to;
        } else if to - base >= 2 {
            end_to_end.push(compare(base, to)?);
        }
        steps.push(step);
    }
    let all: Vec<&Comparison> = steps.iter().chain(&end_to_end).collect();
    let unused_suppressions = all
        .last()
        .map(|last| {
            last.report
                .unused_suppressions
                .iter()
                .filter(|u| {
                    all.iter().all(|c| {
                        c.report
                            .unused_suppressions
                            .iter()
                            .any(|o| o.suppression == u.suppression)
                    })
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let compatible = all.iter().all(|c| c.report.compatible);
    Ok(History {
        releases: steps
            .iter()
            .map(|s| s.report.old.clone())
            .chain(steps.last().map(|s| s.report.new.clone()))
            .collect(),
        steps,
        end_to_end,
        unused_suppressions,
        compatible,
    })
}

impl History {
    /// How a release is named in the text: its version, with the library's
    /// name when the chain holds more than one name.
    fn label(&self, i: usize) -> String {
        let r = &self.releases[i];
        if self.releases.iter().all(|o| o.name == r.name) {
            r.version.to_string()
        } else {
            format!("{} {}", r.name, r.version)
        }
    }

    /// One line saying whether the chain passes and why.
    pub fn verdict(&self) -> String {
        let failing_steps = self.steps.iter().filter(|c| !c.report.compatible).count();
        let failing_spans: Vec<&Comparison> = self
            .end_to_end
            .iter()
            .filter(|c| !c.report.compatible)
            .collect();
        let first = self.label(0);
        let last = self.label(self.releases.len() - 1);
        if self.compatible {
            format!(
                "compatible: {} step(s) and {} end-to-end comparison(s) pass ({first} -> {last})",
                self.steps.len(),
                self.end_to_end.len()
            )
        } else if failing_steps > 0 {
            format!(
                "incompatible: {failing_steps} of {} step(s) and {} of {} end-to-end comparison(s) fail ({first} -> {last})",
                self.steps.len(),
                failing_spans.len(),
                self.end_to_end.len()
            )
        } else {
            let c = failing_spans[0];
            format!(
                "incompatible: every step passes, but {} breaks hosts built against {}",
                self.label(c.to),
                self.label(c.from)
            )
        }
    }

    /// The history for people: one block per comparison, then the verdict.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let chain: Vec<String> = (0..self.releases.len()).map(|i| self.label(i)).collect();
        let _ = writeln!(out, "{}: {}\n", self.releases[0].name, chain.join(" -> "));
        for c in &self.steps {
            self.block(&mut out, "step", c);
        }
        if !self.end_to_end.is_empty() {
            out.push('\n');
        }
        for c in &self.end_to_end {
            self.block(&mut out, "end to end", c);
        }
        if !self.unused_suppressions.is_empty() {
            out.push('\n');
        }
        for u in &self.unused_suppressions {
            let _ = writeln!(out, "warning: {}", u.message());
        }
        let failing = |cs: &[Comparison]| cs.iter().filter(|c| !c.report.compatible).count();
        let suppressed: usize = self
            .steps
            .iter()
            .chain(&self.end_to_end)
            .map(|c| c.report.summary.suppressed)
            .sum();
        let _ = write!(
            out,
            "\nsummary: {} step(s), {} failing; {} end-to-end comparison(s), {} failing",
            self.steps.len(),
            failing(&self.steps),
            self.end_to_end.len(),
            failing(&self.end_to_end),
        );
        if suppressed > 0 {
            let _ = write!(out, "; {suppressed} suppressed finding(s)");
        }
        let _ = writeln!(out, "\nverdict: {}", self.verdict());
        out
    }

    fn block(&self, out: &mut String, kind: &str, c: &Comparison) {
        let _ = writeln!(
            out,
            "{kind} {} -> {}: {}",
            self.label(c.from),
            self.label(c.to),
            c.report.verdict()
        );
        let actual = c.report.version_change.bump();
        for f in &c.report.findings {
            let label = match f.level {
                Level::Deny if f.fails(actual) => "error",
                Level::Deny | Level::Warn => "warning",
                Level::Allow => "note",
            };
            let _ = write!(out, "  {label}[{}]: {}: {}", f.rule, f.path, f.detail);
            if let Some(s) = &f.suppressed_by {
                let _ = write!(out, " (suppressed at {}: {})", s.origin, s.reason);
            }
            out.push('\n');
        }
    }

    /// The history as JSON: this type serialized, pretty-printed.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::rules::RuleId;

    fn fixture(name: &str) -> Descriptor {
        let path = format!(
            "{}/tests/fixtures/history/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        Descriptor::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn with_version(d: &Descriptor, version: &str) -> Descriptor {
        let mut d = d.clone();
        d.library.version = semver::Version::parse(version).unwrap();
        d
    }

    #[test]
    fn two_compatible_steps_that_break_end_to_end_fail() {
        let chain = ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0"].map(fixture);
        let h = history(&chain).unwrap();
        assert_eq!(h.releases.len(), 4);
        assert!(h.steps.iter().all(|s| s.report.compatible));
        let spans: Vec<(usize, usize)> = h.end_to_end.iter().map(|c| (c.from, c.to)).collect();
        assert_eq!(spans, [(0, 2), (0, 3)]);
        let e2e = &h.end_to_end[0].report;
        assert!(!e2e.compatible);
        assert_eq!(e2e.summary.failing, 1);
        assert_eq!(e2e.findings[0].rule, RuleId::EnumVariantValueChanged);
        assert_eq!(
            e2e.findings[0].path,
            "enum `GlyphStatus` variant `GLYPH_ERR_DECODE`"
        );
        assert!(!h.compatible);
        assert_eq!(
            h.verdict(),
            "incompatible: every step passes, but 1.2.0 breaks hosts built against 1.0.0"
        );
        let text = h.to_text();
        assert!(
            text.starts_with("glyph: 1.0.0 -> 1.1.0 -> 1.2.0 -> 1.3.0\n"),
            "{text}"
        );
        assert!(text.contains(
            "end to end 1.0.0 -> 1.2.0: incompatible: the changes need a major release (2.0.0 or later) but 1.0.0 -> 1.2.0 is a minor bump\n  error[enum_variant_value_changed]: enum `GlyphStatus` variant `GLYPH_ERR_DECODE`: -2 -> -4\n"
        ), "{text}");
    }

    #[test]
    fn a_major_bump_starts_a_new_baseline() {
        let [a, b, c] = ["v1.0.0", "v1.1.0", "v1.2.0"].map(fixture);
        // 1.0.0 -> 2.0.0 (the rename) -> 2.1.0 (the re-added variant): the
        // value change is covered by 2.0.0, so nothing compares 1.0.0 with
        // 2.1.0, and 2.0.0 -> 2.1.0 is only a step.
        let chain = [
            a.clone(),
            with_version(&b, "2.0.0"),
            with_version(&c, "2.1.0"),
        ];
        let h = history(&chain).unwrap();
        assert!(h.end_to_end.is_empty());
        assert!(h.compatible, "{}", h.to_text());
        // With one more release in the 2.x series, 2.0.0 is its baseline.
        let chain = [
            a,
            with_version(&b, "2.0.0"),
            with_version(&b, "2.0.1"),
            with_version(&c, "2.1.0"),
        ];
        let h = history(&chain).unwrap();
        let spans: Vec<(usize, usize)> = h.end_to_end.iter().map(|c| (c.from, c.to)).collect();
        assert_eq!(spans, [(1, 3)]);
    }

    #[test]
    fn a_failing_step_fails_the_history() {
        // 1.0.0 -> 1.2.0 directly changes a variant's value in a minor release.
        let h = history(&["v1.0.0", "v1.2.0", "v1.3.0"].map(fixture)).unwrap();
        assert!(!h.steps[0].report.compatible);
        assert!(h.steps[1].report.compatible);
        assert!(!h.compatible);
        assert_eq!(
            h.verdict(),
            "incompatible: 1 of 2 step(s) and 1 of 1 end-to-end comparison(s) fail (1.0.0 -> 1.3.0)"
        );
    }

    #[test]
    fn fewer_than_two_releases_is_an_error() {
        let e = history(&[fixture("v1.0.0")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a history needs at least two releases, got 1"
        );
    }

    #[test]
    fn suppressions_apply_to_every_comparison_and_unused_ones_are_reported_once() {
        let chain = ["v1.0.0", "v1.1.0", "v1.2.0"].map(fixture);
        let config = Config::parse(
            r#"
[[suppress]]
rule = "enum_variant_value_changed"
path = "enum `GlyphStatus` variant *"
reason = "hosts map every negative status to a generic error"

[[suppress]]
rule = "function_removed"
path = "*"
reason = "nothing is removed here"
"#,
            "abi-check.toml",
        )
        .unwrap();
        let h = history_with(&chain, &config).unwrap();
        assert!(h.compatible, "{}", h.to_text());
        assert_eq!(h.end_to_end[0].report.summary.suppressed, 1);
        assert_eq!(h.unused_suppressions.len(), 1);
        assert_eq!(
            h.unused_suppressions[0].suppression.rule,
            RuleId::FunctionRemoved
        );
        assert!(h.to_text().contains("; 1 suppressed finding(s)\n"));
    }
}
