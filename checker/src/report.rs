//! The report: findings, the semver verdict, and their renderings.

use abi_descriptor::{Fingerprint, ItemRef, Library};
use semver::Version;
use serde::Serialize;

use crate::config::{Suppression, UnusedSuppression};
use crate::rules::{Bump, Level, RuleId};

/// One change, classified by a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The rule it is an instance of.
    pub rule: RuleId,
    /// Its level (the rule's default unless configured otherwise).
    pub level: Level,
    /// The bump it requires.
    pub bump: Bump,
    /// Where, at the leaf: `` struct `TileInfo` field `byte_size` ``.
    pub path: String,
    /// What changed: `offset 24 -> 32`.
    pub detail: String,
    /// The exported items it reaches (for changes inside types), or the one
    /// item it is about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemRef>,
    /// The configured suppression that accepts it, if any: a suppressed
    /// finding is reported and counted but never fails the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_by: Option<Suppression>,
}

impl Finding {
    /// A finding of `rule` at its default level.
    pub fn new(rule: RuleId, path: String, detail: String, items: Vec<ItemRef>) -> Finding {
        let r = rule.rule();
        Finding {
            rule,
            level: r.level,
            bump: r.bump,
            path,
            detail,
            items,
            suppressed_by: None,
        }
    }

    /// Whether this finding alone fails the check when the library's version
    /// changed by `actual`. A suppressed finding never does.
    pub fn fails(&self, actual: Bump) -> bool {
        self.suppressed_by.is_none() && self.fails_unsuppressed(actual)
    }

    /// Whether it would fail the check without its suppression.
    fn fails_unsuppressed(&self, actual: Bump) -> bool {
        self.level == Level::Deny && (self.bump > actual || !self.rule.covered_by_version_bump())
    }
}

impl RuleId {
    /// Whether a large enough version bump makes a change of this rule
    /// acceptable. Release-process mistakes (an unchanged SONAME) are not
    /// fixed by any version number.
    pub fn covered_by_version_bump(self) -> bool {
        !matches!(self, RuleId::SonameUnchanged)
    }
}

/// One side of a comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Side {
    /// Library name.
    pub name: String,
    /// Library version.
    pub version: Version,
    /// SONAME, if recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soname: Option<String>,
    /// Fingerprint of the whole descriptor.
    pub fingerprint: Fingerprint,
}

impl Side {
    pub(crate) fn of(library: &Library, fingerprint: Fingerprint) -> Side {
        Side {
            name: library.name.clone(),
            version: library.version.clone(),
            soname: library.soname.clone(),
            fingerprint,
        }
    }
}

/// How the library version changed between the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionChange {
    /// The new version is not lower; the bump it amounts to, with Cargo's
    /// pre-1.0 rule (`0.y` to `0.y+1` counts as major, `0.y.z` to `0.y.z+1`
    /// as minor; any change of `0.0.z` as major).
    Bump(Bump),
    /// The new version is lower than the old one.
    Downgrade,
}

impl VersionChange {
    /// The change from `old` to `new`.
    pub fn between(old: &Version, new: &Version) -> VersionChange {
        if new < old {
            return VersionChange::Downgrade;
        }
        // Which component is the first "compatibility" one: the first
        // non-zero of major, minor, patch (Cargo's rule for 0.y.z and 0.0.z).
        let breaking_major = new.major != old.major
            || (old.major == 0 && new.minor != old.minor)
            || (old.major == 0 && old.minor == 0 && new.patch != old.patch);
        let bump = if breaking_major {
            Bump::Major
        } else if new.minor != old.minor || (old.major == 0 && new.patch != old.patch) {
            Bump::Minor
        } else if new != old {
            Bump::Patch
        } else {
            Bump::None
        };
        VersionChange::Bump(bump)
    }

    /// The bump it amounts to; a downgrade amounts to none.
    pub fn bump(self) -> Bump {
        match self {
            VersionChange::Bump(b) => b,
            VersionChange::Downgrade => Bump::None,
        }
    }
}

/// Counts of findings by level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Deny-level findings.
    pub deny: usize,
    /// Warn-level findings.
    pub warn: usize,
    /// Allow-level findings.
    pub allow: usize,
    /// Deny-level findings the version bump does not cover.
    pub failing: usize,
    /// Findings a configured suppression accepts (also counted by level).
    pub suppressed: usize,
}

/// The result of comparing two descriptors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The old library.
    pub old: Side,
    /// The new library.
    pub new: Side,
    /// Every finding, most severe first, then by path.
    pub findings: Vec<Finding>,
    /// The largest bump any finding requires.
    pub required_bump: Bump,
    /// How the version actually changed.
    pub version_change: VersionChange,
    /// Counts.
    pub summary: Summary,
    /// `true` when no finding fails the check.
    pub compatible: bool,
    /// Configured suppressions that accepted no finding: stale, or past
    /// their `until` version.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unused_suppressions: Vec<UnusedSuppression>,
}

/// Puts findings in report order (the most severe first, then by path,
/// rule and detail) and drops repeats.
pub(crate) fn order(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (b.level, b.bump)
            .cmp(&(a.level, a.bump))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.detail.cmp(&b.detail))
    });
    findings.dedup();
}

impl Report {
    pub(crate) fn new(old: Side, new: Side, mut findings: Vec<Finding>) -> Report {
        order(&mut findings);
        let version_change = VersionChange::between(&old.version, &new.version);
        let actual = version_change.bump();
        let required_bump = findings.iter().map(|f| f.bump).max().unwrap_or(Bump::None);
        let mut summary = Summary::default();
        for f in &findings {
            match f.level {
                Level::Deny => summary.deny += 1,
                Level::Warn => summary.warn += 1,
                Level::Allow => summary.allow += 1,
            }
            if f.fails(actual) {
                summary.failing += 1;
            }
            if f.suppressed_by.is_some() {
                summary.suppressed += 1;
            }
        }
        Report {
            old,
            new,
            compatible: summary.failing == 0,
            findings,
            required_bump,
            version_change,
            summary,
            unused_suppressions: Vec::new(),
        }
    }

    /// The smallest version that would cover every finding.
    pub fn suggested_version(&self) -> Version {
        let v = &self.old.version;
        let bump = self.required_bump;
        match (bump, v.major, v.minor) {
            (Bump::None, ..) => v.clone(),
            (Bump::Major, 0, 0) | (Bump::Minor, 0, 0) | (Bump::Patch, 0, 0) => {
                Version::new(0, 0, v.patch + 1)
            }
            (Bump::Major, 0, m) => Version::new(0, m + 1, 0),
            (Bump::Minor | Bump::Patch, 0, m) => Version::new(0, m, v.patch + 1),
            (Bump::Major, ..) => Version::new(v.major + 1, 0, 0),
            (Bump::Minor, ..) => Version::new(v.major, v.minor + 1, 0),
            (Bump::Patch, ..) => Version::new(v.major, v.minor, v.patch + 1),
        }
    }

    /// One line saying whether the check passes and why.
    pub fn verdict(&self) -> String {
        let change = format!("{} -> {}", self.old.version, self.new.version);
        let actual = match self.version_change {
            VersionChange::Downgrade => "a downgrade".to_owned(),
            VersionChange::Bump(Bump::None) => "no version change".to_owned(),
            VersionChange::Bump(b) => format!("a {b} bump"),
        };
        let waived = self
            .findings
            .iter()
            .filter(|f| {
                f.suppressed_by.is_some() && f.fails_unsuppressed(self.version_change.bump())
            })
            .count();
        if self.compatible && waived > 0 {
            if self.required_bump > self.version_change.bump() {
                format!(
                    "compatible: {waived} change(s) that would fail are suppressed; strictly the changes call for a {} release ({}) and {change} is {actual}",
                    self.required_bump,
                    self.suggested_version()
                )
            } else {
                format!(
                    "compatible: {waived} change(s) that would fail are suppressed ({change} is {actual})"
                )
            }
        } else if self.compatible {
            if self.findings.is_empty() {
                format!("compatible: no ABI differences ({change})")
            } else if self.required_bump <= self.version_change.bump() {
                format!(
                    "compatible: the changes need a {} release and {change} is {actual}",
                    self.required_bump
                )
            } else {
                format!(
                    "compatible: no denied changes; strictly the changes call for a {} release ({}) and {change} is {actual}",
                    self.required_bump,
                    self.suggested_version()
                )
            }
        } else if self
            .findings
            .iter()
            .any(|f| f.fails(self.version_change.bump()) && !f.rule.covered_by_version_bump())
        {
            format!(
                "incompatible: {} change(s) that no version bump makes safe ({change})",
                self.summary.failing
            )
        } else {
            format!(
                "incompatible: the changes need a {} release ({} or later) but {change} is {actual}",
                self.required_bump,
                self.suggested_version()
            )
        }
    }

    /// The report for people, without colour: [`Report::render`] with
    /// [`ReportFormat::Text`](crate::ReportFormat::Text).
    pub fn to_text(&self) -> String {
        self.render(crate::ReportFormat::Text, &crate::RenderOptions::new())
    }

    /// The report as JSON: this type serialized, pretty-printed.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn version_change_follows_cargo_pre_1_0_rules() {
        let cases = [
            ("1.4.0", "1.4.0", VersionChange::Bump(Bump::None)),
            ("1.4.0", "1.4.1", VersionChange::Bump(Bump::Patch)),
            ("1.4.0", "1.5.0", VersionChange::Bump(Bump::Minor)),
            ("1.4.0", "2.0.0", VersionChange::Bump(Bump::Major)),
            ("0.3.1", "0.4.0", VersionChange::Bump(Bump::Major)),
            ("0.3.1", "0.3.2", VersionChange::Bump(Bump::Minor)),
            ("0.0.3", "0.0.4", VersionChange::Bump(Bump::Major)),
            ("1.4.0", "1.3.9", VersionChange::Downgrade),
            ("1.4.0-rc.1", "1.4.0", VersionChange::Bump(Bump::Patch)),
        ];
        for (old, new, want) in cases {
            assert_eq!(
                VersionChange::between(&v(old), &v(new)),
                want,
                "{old} -> {new}"
            );
        }
    }
}
