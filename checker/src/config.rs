//! The configuration file, `abi-check.toml`: rule levels and suppressions.
//!
//! ```toml
//! # Make a rule stricter or quieter than its default level.
//! [rules]
//! enum_variant_added = "deny"
//! field_renamed = "allow"
//!
//! # Accept one known change, saying why, until a given release.
//! [[suppress]]
//! rule = "field_offset_changed"
//! path = "struct `TileInfo` field *"
//! reason = "TileInfo is only ever allocated by the library (#142)"
//! until = "2.0.0"
//! ```
//!
//! A suppression matches a finding when the rule ids are equal and its
//! `path` pattern matches the finding's whole path: `*` stands for any run
//! of characters (also none, also backticks and spaces), `?` for exactly one
//! character, and every other character for itself. A matched finding stays
//! in the report, marked with the suppression, and counted in the summary,
//! but no longer fails the check. With `until`, the suppression applies only
//! while the new release's version is lower than `until` (semver order, so
//! `2.0.0-rc.1` is lower than `2.0.0`); from that version on the finding
//! counts again and the report says the suppression expired.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use semver::Version;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::report::Finding;
use crate::rules::{Level, RULES, RuleId};

/// The name of the configuration file that [`Config::discover`] looks for.
pub const CONFIG_FILE_NAME: &str = "abi-check.toml";

/// Rule levels and suppressions, read from an `abi-check.toml` file.
///
/// The default configuration changes nothing: every rule at its default
/// level, no suppressions.
///
/// ```
/// use abi_check::{compare_with, Config};
/// use abi_descriptor::Descriptor;
///
/// let config = Config::parse(
///     r#"
///     [[suppress]]
///     rule = "constant_value_changed"
///     path = "constant `TILE_MAX_ZOOM`"
///     reason = "hosts only use it as an upper bound for a slider"
///     "#,
///     "abi-check.toml",
/// )?;
/// let old = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
/// let new = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
/// let report = compare_with(&old, &new, &config)?;
/// assert_eq!(report.summary.suppressed, 1);
/// let zoom = report
///     .findings
///     .iter()
///     .find(|f| f.path == "constant `TILE_MAX_ZOOM`")
///     .expect("the constant changed");
/// assert!(zoom.suppressed_by.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// Levels that replace the rules' default levels.
    pub levels: BTreeMap<RuleId, Level>,
    /// Suppressions, in file order; the first that matches a finding wins.
    pub suppressions: Vec<Suppression>,
}

/// One accepted change: a rule and a path pattern, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Suppression {
    /// The rule of the findings it suppresses.
    pub rule: RuleId,
    /// The pattern the finding's path must match (`*` and `?` wildcards).
    pub path: String,
    /// Why the change is acceptable.
    pub reason: String,
    /// The version from which it no longer applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Version>,
    /// Where it is written.
    pub origin: Origin,
}

/// A place in a configuration file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Origin {
    /// The file.
    pub file: PathBuf,
    /// The line, from 1.
    pub line: usize,
    /// The column, in characters from 1.
    pub column: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A suppression that suppressed nothing in a comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UnusedSuppression {
    /// The suppression.
    pub suppression: Suppression,
    /// Why it suppressed nothing.
    pub why: Unused,
}

/// Why a suppression suppressed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Unused {
    /// No finding matches its rule and path: the change it was written for
    /// is gone, or the pattern is wrong.
    NoMatch,
    /// The new version is at or past its `until`, so it no longer applies.
    Expired,
}

impl UnusedSuppression {
    /// One line for people, starting with where the suppression is written.
    pub fn message(&self) -> String {
        let s = &self.suppression;
        match (self.why, &s.until) {
            (Unused::Expired, Some(until)) => format!(
                "{}: suppression of `{}` (path \"{}\") expired with version {until}: it no longer applies; fix the change or remove the suppression",
                s.origin, s.rule, s.path
            ),
            _ => format!(
                "{}: suppression of `{}` (path \"{}\") matched no finding; remove it",
                s.origin, s.rule, s.path
            ),
        }
    }
}

/// An error reading a configuration file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has a key or value of the wrong shape.
    #[error("{at}: {message}")]
    Syntax {
        /// Where.
        at: Origin,
        /// What is wrong, as the TOML reader says it.
        message: String,
    },
    /// A rule id that is not in the catalogue.
    #[error("{at}: unknown rule `{id}`{}", did_you_mean(*suggestion))]
    UnknownRule {
        /// Where the id is written.
        at: Origin,
        /// The id as written.
        id: String,
        /// The closest rule id, if one is close.
        suggestion: Option<RuleId>,
    },
    /// A level that is not `allow`, `warn` or `deny`.
    #[error("{at}: unknown level `{level}` for rule `{rule}` (expected `allow`, `warn` or `deny`)")]
    UnknownLevel {
        /// Where the level is written.
        at: Origin,
        /// The rule.
        rule: RuleId,
        /// The level as written.
        level: String,
    },
    /// A suppression without a reason, or with an empty one.
    #[error(
        "{at}: suppression of `{rule}` (path \"{path}\") gives no reason: add `reason = \"...\"` saying why the change is acceptable"
    )]
    MissingReason {
        /// Where the suppression is written.
        at: Origin,
        /// Its rule id.
        rule: String,
        /// Its path pattern.
        path: String,
    },
    /// A suppression with an empty path pattern.
    #[error("{at}: suppression of `{rule}` has an empty `path` (use `*` to match every path)")]
    EmptyPath {
        /// Where the path is written.
        at: Origin,
        /// Its rule id.
        rule: String,
    },
    /// An `until` that is not a semantic version.
    #[error(
        "{at}: `until = \"{value}\"` is not a version (expected MAJOR.MINOR.PATCH, such as `2.0.0`)"
    )]
    BadUntil {
        /// Where the version is written.
        at: Origin,
        /// The version as written.
        value: String,
        /// The cause.
        #[source]
        source: semver::Error,
    },
}

fn did_you_mean(suggestion: Option<RuleId>) -> String {
    match suggestion {
        Some(id) => format!(" (did you mean `{id}`?)"),
        None => " (run `abi-check rules` for the list)".to_owned(),
    }
}

/// The file's shape, as TOML.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    suppress: Vec<Spanned<RawSuppression>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    rule: Spanned<String>,
    path: Spanned<String>,
    reason: Option<Spanned<String>>,
    until: Option<Spanned<String>>,
}

impl Config {
    /// Parses the text of a configuration file; `path` is only used in
    /// error messages and suppression origins.
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let at = |offset: usize| origin(text, path, offset);
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            at: at(e.span().map_or(0, |s| s.start)),
            message: e.message().trim_end().to_owned(),
        })?;
        let mut levels = BTreeMap::new();
        for (id, level) in &raw.rules {
            let rule = parse_rule(id, &at)?;
            let Some(value) = Level::parse(level.get_ref()) else {
                return Err(ConfigError::UnknownLevel {
                    at: at(level.span().start),
                    rule,
                    level: level.get_ref().clone(),
                });
            };
            levels.insert(rule, value);
        }
        let mut suppressions = Vec::with_capacity(raw.suppress.len());
        for entry in &raw.suppress {
            let s = entry.get_ref();
            let start = at(entry.span().start);
            let reason = s.reason.as_ref().map(|r| r.get_ref().trim()).unwrap_or("");
            if reason.is_empty() {
                return Err(ConfigError::MissingReason {
                    at: start,
                    rule: s.rule.get_ref().clone(),
                    path: s.path.get_ref().clone(),
                });
            }
            let rule = parse_rule(&s.rule, &at)?;
            if s.path.get_ref().is_empty() {
                return Err(ConfigError::EmptyPath {
                    at: at(s.path.span().start),
                    rule: rule.as_str().to_owned(),
                });
            }
            let until = match &s.until {
                None => None,
                Some(v) => Some(Version::parse(v.get_ref().trim()).map_err(|source| {
                    ConfigError::BadUntil {
                        at: at(v.span().start),
                        value: v.get_ref().clone(),
                        source,
                    }
                })?),
            };
            suppressions.push(Suppression {
                rule,
                path: s.path.get_ref().clone(),
                reason: reason.to_owned(),
                until,
                origin: start,
            });
        }
        Ok(Config {
            path: Some(path.to_owned()),
            levels,
            suppressions,
        })
    }

    /// Reads and parses the configuration file at `path`.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Finds the nearest `abi-check.toml` in `start` or one of its parent
    /// directories, up to the filesystem root, and reads it. `Ok(None)`
    /// when there is none.
    pub fn discover(start: impl AsRef<Path>) -> Result<Option<Config>, ConfigError> {
        match Config::find(start) {
            Some(path) => Config::from_path(path).map(Some),
            None => Ok(None),
        }
    }

    /// The path of the nearest `abi-check.toml` in `start` or one of its
    /// parent directories.
    pub fn find(start: impl AsRef<Path>) -> Option<PathBuf> {
        start
            .as_ref()
            .ancestors()
            .map(|dir| dir.join(CONFIG_FILE_NAME))
            .find(|candidate| candidate.is_file())
    }

    /// The level of `rule` under this configuration.
    pub fn level(&self, rule: RuleId) -> Level {
        self.levels.get(&rule).copied().unwrap_or(rule.rule().level)
    }

    /// Sets each finding's level to the configured one.
    pub(crate) fn apply_levels(&self, findings: &mut [Finding]) {
        for f in findings {
            f.level = self.level(f.rule);
        }
    }

    /// Marks each finding that a suppression matches, and returns the
    /// suppressions that matched none. `new_version` is the new release's
    /// version, which `until` is compared with.
    pub(crate) fn apply_suppressions(
        &self,
        findings: &mut [Finding],
        new_version: &Version,
    ) -> Vec<UnusedSuppression> {
        let mut used = vec![false; self.suppressions.len()];
        for f in findings.iter_mut() {
            let hit = self
                .suppressions
                .iter()
                .enumerate()
                .find(|(_, s)| s.applies_to(new_version) && s.matches(f));
            if let Some((i, s)) = hit {
                used[i] = true;
                f.suppressed_by = Some(s.clone());
            }
        }
        self.suppressions
            .iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .map(|(s, _)| UnusedSuppression {
                suppression: s.clone(),
                why: if s.applies_to(new_version) {
                    Unused::NoMatch
                } else {
                    Unused::Expired
                },
            })
            .collect()
    }
}

impl Suppression {
    /// Whether it matches `finding`: the same rule, and its path pattern
    /// matches the finding's whole path. Does not look at `until`.
    pub fn matches(&self, finding: &Finding) -> bool {
        self.rule == finding.rule && glob_matches(&self.path, &finding.path)
    }

    /// Whether it applies when the new release has version `new`: always
    /// without `until`, otherwise while `new < until`.
    pub fn applies_to(&self, new: &Version) -> bool {
        self.until.as_ref().is_none_or(|until| new < until)
    }
}

fn parse_rule(id: &Spanned<String>, at: &impl Fn(usize) -> Origin) -> Result<RuleId, ConfigError> {
    RuleId::parse(id.get_ref()).ok_or_else(|| ConfigError::UnknownRule {
        at: at(id.span().start),
        id: id.get_ref().clone(),
        suggestion: closest_rule(id.get_ref()),
    })
}

/// The rule id closest to `id`, if it is close enough to be a typo.
fn closest_rule(id: &str) -> Option<RuleId> {
    let normalized = id.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    RULES
        .iter()
        .map(|r| (edit_distance(&normalized, r.id.as_str()), r.id))
        .filter(|&(d, _)| d <= 3.max(normalized.len() / 6))
        .min()
        .map(|(_, id)| id)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Whether `pattern` matches the whole of `text`: `*` is any run of
/// characters, `?` one character, everything else itself.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and how much of the text it has taken.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// The line and column of byte `offset` in `text`.
fn origin(text: &str, path: &Path, offset: usize) -> Origin {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Origin {
        file: path.to_owned(),
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, "conf/abi-check.toml")
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    fn finding(rule: RuleId, path: &str) -> Finding {
        Finding::new(rule, path.to_owned(), "x".to_owned(), Vec::new())
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn parses_levels_and_suppressions() {
        let config = parse(
            r#"
# levels
[rules]
enum_variant_added = "deny"
field_renamed = "allow"

[[suppress]]
rule = "field_offset_changed"
path = 'struct `TileInfo` field *'
reason = "  only the library allocates it  "
until = "2.0.0"

[[suppress]]
rule = "constant_value_changed"
path = "constant `TILE_MAX_ZOOM`"
reason = "an upper bound only"
"#,
        )
        .unwrap();
        assert_eq!(config.level(RuleId::EnumVariantAdded), Level::Deny);
        assert_eq!(config.level(RuleId::FieldRenamed), Level::Allow);
        assert_eq!(config.level(RuleId::FunctionRemoved), Level::Deny);
        assert_eq!(config.levels.len(), 2);
        let [first, second] = config.suppressions.as_slice() else {
            panic!("two suppressions: {:?}", config.suppressions)
        };
        assert_eq!(first.rule, RuleId::FieldOffsetChanged);
        assert_eq!(first.path, "struct `TileInfo` field *");
        assert_eq!(first.reason, "only the library allocates it");
        assert_eq!(first.until, Some(v("2.0.0")));
        assert_eq!(first.origin.file, Path::new("conf/abi-check.toml"));
        assert_eq!((first.origin.line, second.origin.line), (7, 13));
        assert_eq!(second.until, None);
        assert_eq!(
            config.path.as_deref(),
            Some(Path::new("conf/abi-check.toml"))
        );
    }

    #[test]
    fn an_empty_file_changes_nothing() {
        let config = parse("").unwrap();
        assert!(config.levels.is_empty() && config.suppressions.is_empty());
        for rule in RULES {
            assert_eq!(config.level(rule.id), rule.level);
        }
    }

    #[test]
    fn unknown_rule_names_file_line_and_id_with_a_suggestion() {
        assert_eq!(
            err("[rules]\nfield_renamed = \"warn\"\nenum_varient_added = \"deny\"\n"),
            "conf/abi-check.toml:3:1: unknown rule `enum_varient_added` (did you mean `enum_variant_added`?)"
        );
        assert_eq!(
            err("[[suppress]]\nrule = \"function-removed\"\npath = \"*\"\nreason = \"r\"\n"),
            "conf/abi-check.toml:2:8: unknown rule `function-removed` (did you mean `function_removed`?)"
        );
        assert_eq!(
            err("[rules]\nfrobnicate = \"deny\"\n"),
            "conf/abi-check.toml:2:1: unknown rule `frobnicate` (run `abi-check rules` for the list)"
        );
        match parse("[rules]\nenum_varient_added = \"deny\"\n").unwrap_err() {
            ConfigError::UnknownRule {
                at, suggestion, id, ..
            } => {
                assert_eq!((at.line, at.column), (2, 1));
                assert_eq!(id, "enum_varient_added");
                assert_eq!(suggestion, Some(RuleId::EnumVariantAdded));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_level_is_an_error() {
        assert_eq!(
            err("[rules]\n\nfield_renamed = \"error\"\n"),
            "conf/abi-check.toml:3:17: unknown level `error` for rule `field_renamed` (expected `allow`, `warn` or `deny`)"
        );
    }

    #[test]
    fn a_suppression_needs_a_reason() {
        let text = "[[suppress]]\nrule = \"field_added\"\npath = \"struct `A` field `b`\"\n";
        let e = parse(text).unwrap_err();
        assert!(matches!(e, ConfigError::MissingReason { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "conf/abi-check.toml:1:1: suppression of `field_added` (path \"struct `A` field `b`\") gives no reason: add `reason = \"...\"` saying why the change is acceptable"
        );
        let blank = format!("# header\n\n{text}reason = \"   \"\n");
        assert!(
            err(&blank).starts_with("conf/abi-check.toml:3:1: suppression of `field_added`"),
            "{}",
            err(&blank)
        );
    }

    #[test]
    fn shape_errors_carry_the_toml_span() {
        // A misspelt key.
        let e = err("[[suppress]]\nrule = \"field_added\"\npath = \"*\"\nresaon = \"x\"\n");
        assert!(
            e.starts_with("conf/abi-check.toml:4:1: unknown field `resaon`"),
            "{e}"
        );
        // A missing path.
        let e = err("[[suppress]]\nrule = \"field_added\"\nreason = \"x\"\n");
        assert!(
            e.starts_with("conf/abi-check.toml:1:1: missing field `path`"),
            "{e}"
        );
        // Not TOML at all.
        let e = err("[rules\n");
        assert!(e.starts_with("conf/abi-check.toml:1:"), "{e}");
        // An unknown table.
        let e = err("[rule]\nx = 1\n");
        assert!(
            e.starts_with("conf/abi-check.toml:1:2: unknown field `rule`"),
            "{e}"
        );
        // A level of the wrong type.
        let e = err("[rules]\nfield_added = 3\n");
        assert!(
            e.starts_with("conf/abi-check.toml:2:15: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn bad_until_and_empty_path_are_errors() {
        let e = parse(
            "[[suppress]]\nrule = \"field_added\"\npath = \"*\"\nreason = \"r\"\nuntil = \"2.0\"\n",
        )
        .unwrap_err();
        assert!(matches!(e, ConfigError::BadUntil { .. }));
        assert!(
            e.to_string()
                .starts_with("conf/abi-check.toml:5:9: `until = \"2.0\"` is not a version"),
            "{e}"
        );
        assert_eq!(
            err("[[suppress]]\nrule = \"field_added\"\npath = \"\"\nreason = \"r\"\n"),
            "conf/abi-check.toml:3:8: suppression of `field_added` has an empty `path` (use `*` to match every path)"
        );
    }

    #[test]
    fn glob_matches_whole_paths() {
        let path = "struct `TileInfo` field `byte_size`";
        for (pattern, want) in [
            (path, true),
            ("struct `TileInfo` field *", true),
            ("struct `TileInfo`*", true),
            ("*`byte_size`", true),
            ("*", true),
            ("struct `TileInfo` field `byte_siz?`", true),
            ("struct `Tile*` field `*`", true),
            ("struct `TileInfo`", false),
            ("struct `TileInfo` field `byte`", false),
            ("struct `TileInfo` field `byte_size`?", false),
            ("*`zoom`", false),
            ("STRUCT `TileInfo` field *", false),
        ] {
            assert_eq!(glob_matches(pattern, path), want, "{pattern}");
        }
        assert!(glob_matches("a*b*c", "aXbYbZc"));
        assert!(!glob_matches("a*b*c", "aXbYbZ"));
        assert!(glob_matches("", ""));
        assert!(glob_matches("**", ""));
        assert!(glob_matches("?é?", "aéb"));
    }

    #[test]
    fn suppressions_apply_until_the_new_version_reaches_until() {
        let config = parse(
            "[[suppress]]\nrule = \"field_added\"\npath = \"struct `A` *\"\nreason = \"r\"\nuntil = \"2.0.0\"\n",
        )
        .unwrap();
        let s = &config.suppressions[0];
        assert!(s.applies_to(&v("1.9.9")));
        assert!(s.applies_to(&v("2.0.0-rc.1")));
        assert!(!s.applies_to(&v("2.0.0")));
        assert!(!s.applies_to(&v("2.0.1")));

        let mut findings = vec![
            finding(RuleId::FieldAdded, "struct `A` field `x`"),
            finding(RuleId::FieldAdded, "struct `B` field `x`"),
            finding(RuleId::FieldRemoved, "struct `A` field `y`"),
        ];
        let unused = config.apply_suppressions(&mut findings, &v("1.5.0"));
        assert!(unused.is_empty());
        assert_eq!(findings[0].suppressed_by.as_ref(), Some(s));
        assert!(findings[1].suppressed_by.is_none());
        assert!(findings[2].suppressed_by.is_none());
        assert!(!findings[0].fails(crate::rules::Bump::None));
        assert!(findings[1].fails(crate::rules::Bump::None));

        let mut findings = vec![finding(RuleId::FieldAdded, "struct `A` field `x`")];
        let unused = config.apply_suppressions(&mut findings, &v("2.0.0"));
        assert!(findings[0].suppressed_by.is_none());
        assert_eq!(unused.len(), 1);
        assert_eq!(unused[0].why, Unused::Expired);
        assert_eq!(
            unused[0].message(),
            "conf/abi-check.toml:1:1: suppression of `field_added` (path \"struct `A` *\") expired with version 2.0.0: it no longer applies; fix the change or remove the suppression"
        );
    }

    #[test]
    fn a_suppression_that_matches_nothing_is_reported() {
        let config = parse(
            "[[suppress]]\nrule = \"field_added\"\npath = \"struct `Gone` *\"\nreason = \"r\"\n",
        )
        .unwrap();
        let mut findings = vec![finding(RuleId::FieldAdded, "struct `A` field `x`")];
        let unused = config.apply_suppressions(&mut findings, &v("1.0.0"));
        assert_eq!(unused.len(), 1);
        assert_eq!(unused[0].why, Unused::NoMatch);
        assert!(
            unused[0]
                .message()
                .ends_with("matched no finding; remove it")
        );
    }

    #[test]
    fn the_first_matching_suppression_wins() {
        let config = parse(
            "[[suppress]]\nrule = \"field_added\"\npath = \"*`x`\"\nreason = \"first\"\n\n[[suppress]]\nrule = \"field_added\"\npath = \"*\"\nreason = \"second\"\n",
        )
        .unwrap();
        let mut findings = vec![
            finding(RuleId::FieldAdded, "struct `A` field `x`"),
            finding(RuleId::FieldAdded, "struct `A` field `y`"),
        ];
        assert!(
            config
                .apply_suppressions(&mut findings, &v("1.0.0"))
                .is_empty()
        );
        let reasons: Vec<&str> = findings
            .iter()
            .map(|f| f.suppressed_by.as_ref().unwrap().reason.as_str())
            .collect();
        assert_eq!(reasons, ["first", "second"]);
    }

    #[test]
    fn discover_walks_up_to_the_nearest_file() {
        let root = std::env::temp_dir().join(format!("abi-check-config-{}", std::process::id()));
        let deep = root.join("a").join("b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(
            root.join(CONFIG_FILE_NAME),
            "[rules]\nfield_renamed = \"deny\"\n",
        )
        .unwrap();
        let found = Config::discover(&deep).unwrap().unwrap();
        assert_eq!(found.path, Some(root.join(CONFIG_FILE_NAME)));
        assert_eq!(found.level(RuleId::FieldRenamed), Level::Deny);

        std::fs::write(root.join("a").join(CONFIG_FILE_NAME), "[rules]\n").unwrap();
        let nearer = Config::discover(&deep).unwrap().unwrap();
        assert_eq!(nearer.path, Some(root.join("a").join(CONFIG_FILE_NAME)));
        assert_eq!(nearer.level(RuleId::FieldRenamed), Level::Warn);

        std::fs::write(root.join("a").join(CONFIG_FILE_NAME), "[rules\n").unwrap();
        let e = Config::discover(&deep).unwrap_err();
        assert!(e.to_string().contains("abi-check.toml:1:"), "{e}");
        std::fs::remove_dir_all(&root).unwrap();

        let missing = Config::from_path(root.join("nothing.toml")).unwrap_err();
        assert!(matches!(missing, ConfigError::Read { .. }));
        assert!(missing.to_string().starts_with("cannot read `"));
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("field_added", "field_added"), 0);
        assert_eq!(closest_rule("field_aded"), Some(RuleId::FieldAdded));
        assert_eq!(closest_rule("zzz"), None);
    }
}
