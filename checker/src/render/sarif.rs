//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format): one run of
//! abi-check, the rules the findings are instances of, and one result per
//! finding. A finding's path is its logical location, the exported items it
//! reaches are related locations, and the new release's file, when known, is
//! the physical location.

use super::needs;
use std::path::Path;

use serde::Serialize;

use super::markdown::{fence_for, inline};
use super::{abbreviate, covered, reached, severity};
use crate::config::Origin;
use crate::report::{Finding, Report, Side, Summary, VersionChange};
use crate::rules::{Bump, Level, RuleId};

/// The schema the log declares: the OASIS standard's, with its errata.
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    properties: RunProperties<'a>,
}

/// Only written to report configuration problems: suppressions that
/// suppressed nothing.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_configuration_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

/// A rule of the catalogue.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    /// The semver bump a change of this kind requires.
    bump: Bump,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    properties: ResultProperties,
}

/// A suppression from the configuration file, which SARIF calls external.
#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
    location: Location,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    /// The finding's own level (`deny`, `warn`, `allow`).
    abi_check_level: Level,
    /// The bump the finding requires.
    bump: Bump,
    /// Whether the finding fails the check.
    fails: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    fully_qualified_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
}

/// The verdict and the two sides, under `runs[0].properties`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    old: &'a Side,
    new: &'a Side,
    required_bump: Bump,
    version_change: VersionChange,
    summary: &'a Summary,
    compatible: bool,
    verdict: String,
}

pub(super) fn render(report: &Report, new_file: Option<&Path>) -> String {
    // The rules the findings are instances of, in order of first appearance.
    let mut used: Vec<RuleId> = Vec::new();
    let mut results = Vec::with_capacity(report.findings.len());
    let uri = new_file.map(file_uri);
    for f in &report.findings {
        let rule_index = match used.iter().position(|&r| r == f.rule) {
            Some(i) => i,
            None => {
                used.push(f.rule);
                used.len() - 1
            }
        };
        results.push(result(report, f, rule_index, uri.as_deref()));
    }
    let rules = used.iter().map(|&id| descriptor(id)).collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "abi-check",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            invocations: invocations(report),
            results,
            properties: RunProperties {
                old: &report.old,
                new: &report.new,
                required_bump: report.required_bump,
                version_change: report.version_change,
                summary: &report.summary,
                compatible: report.compatible,
                verdict: report.verdict(),
            },
        }],
    };
    let mut text = serde_json::to_string_pretty(&log)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize the SARIF log: {e}\"}}"));
    text.push('\n');
    text
}

fn descriptor(id: RuleId) -> ReportingDescriptor {
    let rule = id.rule();
    let example = format!("before: {}\nafter:  {}", rule.before, rule.after);
    let fence = fence_for(&example);
    ReportingDescriptor {
        id: id.as_str(),
        name: pascal_case(id.as_str()),
        short_description: Message {
            text: rule.name.to_owned(),
        },
        full_description: Message {
            text: rule.explanation.to_owned(),
        },
        help: MultiformatMessage {
            text: format!(
                "{}\n\nRequires a {} release.\n\n{example}",
                rule.explanation, rule.bump
            ),
            markdown: format!(
                "{}\n\nRequires a **{}** release.\n\n{fence}text\n{example}\n{fence}",
                inline(rule.explanation, false),
                rule.bump
            ),
        },
        default_configuration: Configuration {
            level: sarif_level(rule.level),
        },
        properties: RuleProperties {
            bump: rule.bump,
            tags: vec!["abi".to_owned(), format!("semver-{}", rule.bump)],
        },
    }
}

fn result(report: &Report, f: &Finding, rule_index: usize, uri: Option<&str>) -> SarifResult {
    let fails = f.fails(report.version_change.bump());
    let rule = f.rule.rule();
    let mut text = format!(
        "{}: {} ({}; {})",
        f.path,
        f.detail,
        rule.name,
        needs(f.bump)
    );
    let items = reached(f);
    if !items.is_empty() {
        text.push_str(&format!("; reaches {}", abbreviate(items, 6)));
    }
    if covered(report, f) {
        text.push_str(&format!(
            "; covered by the {} version bump",
            report.version_change.bump()
        ));
    }
    let physical_location = uri.map(|uri| PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri.to_owned(),
        },
        region: None,
    });
    let related_locations = if items.is_empty() {
        Vec::new()
    } else {
        f.items
            .iter()
            .enumerate()
            .map(|(i, item)| Location {
                id: Some(i + 1),
                physical_location: None,
                logical_locations: vec![LogicalLocation {
                    name: Some(item.name.clone()),
                    fully_qualified_name: item.to_string(),
                    kind: match item.kind.as_str() {
                        "function" => Some("function"),
                        "variable" => Some("variable"),
                        _ => None,
                    },
                }],
                message: Some(Message {
                    text: format!("reached through {}", item),
                }),
            })
            .collect()
    };
    SarifResult {
        rule_id: f.rule.as_str(),
        rule_index,
        level: sarif_level(severity(report, f)),
        message: Message { text },
        locations: vec![Location {
            id: None,
            physical_location,
            logical_locations: vec![LogicalLocation {
                name: None,
                fully_qualified_name: f.path.clone(),
                kind: None,
            }],
            message: None,
        }],
        related_locations,
        suppressions: f
            .suppressed_by
            .iter()
            .map(|s| SarifSuppression {
                kind: "external",
                status: "accepted",
                justification: s.reason.clone(),
                location: at(&s.origin),
            })
            .collect(),
        properties: ResultProperties {
            abi_check_level: f.level,
            bump: f.bump,
            fails,
        },
    }
}

/// A place in a configuration file.
fn at(origin: &Origin) -> Location {
    Location {
        id: None,
        physical_location: Some(PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: file_uri(&origin.file),
            },
            region: Some(Region {
                start_line: origin.line,
                start_column: origin.column,
            }),
        }),
        logical_locations: Vec::new(),
        message: None,
    }
}

/// The unused suppressions, as configuration notifications.
fn invocations(report: &Report) -> Vec<Invocation> {
    if report.unused_suppressions.is_empty() {
        return Vec::new();
    }
    let notifications = report
        .unused_suppressions
        .iter()
        .map(|u| Notification {
            level: "warning",
            message: Message { text: u.message() },
            locations: vec![at(&u.suppression.origin)],
        })
        .collect();
    vec![Invocation {
        execution_successful: true,
        tool_configuration_notifications: notifications,
    }]
}

/// SARIF's level for one of ours.
fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "note",
    }
}

/// `field_offset_changed` as `FieldOffsetChanged`: SARIF's rule names are
/// identifiers.
fn pascal_case(id: &str) -> String {
    id.split('_')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `path` as a URI reference: relative paths stay relative, absolute ones
/// become `file:` URIs; anything but unreserved characters and `/` is
/// percent-encoded.
fn file_uri(path: &Path) -> String {
    let slashed = super::slashed(path);
    let (prefix, rest) = if slashed.starts_with('/') {
        ("file://", slashed.as_str())
    } else if path.is_absolute() {
        // A Windows drive path, `C:/dir/file`: the drive's colon stays.
        match slashed.split_once(':') {
            Some((drive, rest)) => {
                let mut uri = format!("file:///{drive}:");
                uri.push_str(&percent_encode(rest));
                return uri;
            }
            None => ("file:///", slashed.as_str()),
        }
    } else {
        ("", slashed.as_str())
    };
    format!("{prefix}{}", percent_encode(rest))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("field_offset_changed"), "FieldOffsetChanged");
        assert_eq!(pascal_case("soname_unchanged"), "SonameUnchanged");
    }

    #[test]
    fn file_uris_are_relative_or_file_urls_and_encoded() {
        assert_eq!(
            file_uri(Path::new("examples/libtile/v2.json")),
            "examples/libtile/v2.json"
        );
        assert_eq!(
            file_uri(Path::new("build dir/lib#1.so")),
            "build%20dir/lib%231.so"
        );
        assert_eq!(file_uri(Path::new("a:b.so")), "a%3Ab.so");
        if cfg!(unix) {
            assert_eq!(
                file_uri(Path::new("/tmp/libtile.so.1")),
                "file:///tmp/libtile.so.1"
            );
        }
    }
}
