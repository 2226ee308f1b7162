//! Every report format, on the bundled example: snapshots, the shape SARIF
//! and JUnit consumers rely on, escaping, and when the text is coloured.
//!
//! Review snapshot changes with `cargo insta review`, or accept them with
//! `INSTA_UPDATE=always cargo test -p abi-check`.

use std::path::PathBuf;
use std::process::{Command, Output};

use abi_check::{Config, RenderOptions, Report, ReportFormat, compare, compare_with};
use abi_descriptor::Descriptor;
use serde_json::Value;

const V1: &str = "examples/libtile/v1.json";
const V2: &str = "examples/libtile/v2.json";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn example(path: &str) -> Descriptor {
    Descriptor::from_json(&std::fs::read_to_string(workspace().join(path)).unwrap()).unwrap()
}

/// The example's report, as `abi-check V1 V2` computes it.
fn report() -> Report {
    compare(&example(V1), &example(V2)).unwrap()
}

/// The example's report under a configuration that suppresses one failing
/// change, with a reason full of characters every format must escape, and
/// holds a suppression that matches nothing.
fn suppressed_report() -> Report {
    let config = Config::parse(
        r#"
[[suppress]]
rule = "constant_value_changed"
path = "constant `TILE_MAX_ZOOM`"
reason = "<b>hosts</b> & `sliders` | 50%: *bounded*, [see](x) #142"

[[suppress]]
rule = "function_removed"
path = "function `tile_gone`"
reason = "removed long ago"
"#,
        "abi-check.toml",
    )
    .unwrap();
    compare_with(&example(V1), &example(V2), &config).unwrap()
}

/// How the command renders: with the new release's file as given.
fn options() -> RenderOptions {
    RenderOptions::new().new_file(V2)
}

fn render(report: &Report, format: ReportFormat) -> String {
    report.render(format, &options())
}

/// The SARIF log with the tool's own version masked, so that releasing
/// abi-check does not change the snapshot.
fn sarif(report: &Report) -> String {
    let mut log: Value = serde_json::from_str(&render(report, ReportFormat::Sarif)).unwrap();
    let version = &mut log["runs"][0]["tool"]["driver"]["version"];
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    *version = Value::from("[version]");
    serde_json::to_string_pretty(&log).unwrap() + "\n"
}

// ---------------------------------------------------------------------------
// Snapshots

#[test]
fn text() {
    let text = render(&report(), ReportFormat::Text);
    assert_eq!(text, report().to_text());
    assert!(!text.contains('\x1b'));
    insta::assert_snapshot!(text);
}

#[test]
fn json() {
    let json = render(&report(), ReportFormat::Json);
    assert_eq!(json, report().to_json());
    insta::assert_snapshot!(json);
}

#[test]
fn markdown() {
    insta::assert_snapshot!(render(&report(), ReportFormat::Markdown));
}

#[test]
fn sarif_log() {
    insta::assert_snapshot!(sarif(&report()));
}

#[test]
fn junit() {
    insta::assert_snapshot!(render(&report(), ReportFormat::Junit));
}

#[test]
fn github() {
    insta::assert_snapshot!(render(&report(), ReportFormat::Github));
}

#[test]
fn suppressed_text() {
    insta::assert_snapshot!(render(&suppressed_report(), ReportFormat::Text));
}

#[test]
fn suppressed_markdown() {
    insta::assert_snapshot!(render(&suppressed_report(), ReportFormat::Markdown));
}

#[test]
fn suppressed_sarif() {
    insta::assert_snapshot!(sarif(&suppressed_report()));
}

#[test]
fn suppressed_junit() {
    insta::assert_snapshot!(render(&suppressed_report(), ReportFormat::Junit));
}

#[test]
fn suppressed_github() {
    insta::assert_snapshot!(render(&suppressed_report(), ReportFormat::Github));
}

// ---------------------------------------------------------------------------
// Every format tells the same story

#[test]
fn every_format_shows_the_verdict_and_every_finding() {
    let report = report();
    assert!(!report.compatible);
    let verdict = report.verdict();
    for format in ReportFormat::ALL {
        let out = render(&report, format);
        assert!(out.ends_with('\n'), "{format}");
        let escaped = match format {
            // JSON has `compatible` instead of the sentence.
            ReportFormat::Json => "\"compatible\": false".to_owned(),
            ReportFormat::Junit => verdict.replace('>', "&gt;"),
            _ => verdict.clone(),
        };
        assert!(out.contains(&escaped), "{format}: no verdict\n{out}");
        for f in &report.findings {
            assert!(out.contains(f.rule.as_str()), "{format}: no `{}`", f.rule);
        }
    }
}

#[test]
fn every_format_shows_the_suppressed_count_and_the_reason() {
    let report = suppressed_report();
    assert_eq!(report.summary.suppressed, 1);
    assert_eq!(report.unused_suppressions.len(), 1);
    let summary_formats = [
        ReportFormat::Text,
        ReportFormat::Markdown,
        ReportFormat::Github,
    ];
    for format in summary_formats {
        let out = render(&report, format);
        assert!(out.contains(", 1 suppressed"), "{format}\n{out}");
    }
    let json: Value = serde_json::from_str(&render(&report, ReportFormat::Json)).unwrap();
    assert_eq!(json["summary"]["suppressed"], 1);
    let log: Value = serde_json::from_str(&render(&report, ReportFormat::Sarif)).unwrap();
    assert_eq!(log["runs"][0]["properties"]["summary"]["suppressed"], 1);
    let junit = render(&report, ReportFormat::Junit);
    assert!(junit.contains(" skipped=\"1\""), "{junit}");
    // The unused suppression is reported everywhere but in JSON, which
    // serializes it.
    for format in ReportFormat::ALL {
        let out = render(&report, format);
        assert!(out.contains("tile_gone"), "{format}\n{out}");
    }
}

#[test]
fn reasons_are_escaped_for_each_format() {
    let report = suppressed_report();
    let markdown = render(&report, ReportFormat::Markdown);
    assert!(
        markdown
            .contains("\\<b>hosts\\</b> \\& `sliders` \\| 50%: \\*bounded\\*, \\[see\\](x) \\#142"),
        "{markdown}"
    );
    // No HTML but the `<details>` block's own.
    let tags: Vec<&str> = markdown
        .match_indices('<')
        .filter(|(i, _)| !markdown[..*i].ends_with('\\'))
        .map(|(i, _)| &markdown[i..i + markdown[i..].find('>').unwrap() + 1])
        .collect();
    assert_eq!(
        tags,
        ["<details>", "<summary>", "</summary>", "</details>"],
        "{markdown}"
    );

    let junit = render(&report, ReportFormat::Junit);
    assert!(
        junit.contains("&lt;b&gt;hosts&lt;/b&gt; &amp; `sliders` | 50%: *bounded*"),
        "{junit}"
    );
    assert!(!junit.contains("<b>"), "{junit}");

    let github = render(&report, ReportFormat::Github);
    let line = github
        .lines()
        .find(|l| l.contains("constant_value_changed"))
        .unwrap();
    // One line per command, `%` escaped in the message.
    assert!(line.contains("`sliders` | 50%25: *bounded*"), "{line}");
    assert!(line.contains("%0A"), "{line}");

    let log: Value = serde_json::from_str(&render(&report, ReportFormat::Sarif)).unwrap();
    let result = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "constant_value_changed")
        .unwrap();
    assert_eq!(
        result["suppressions"][0]["justification"],
        "<b>hosts</b> & `sliders` | 50%: *bounded*, [see](x) #142"
    );
    assert_eq!(result["suppressions"][0]["kind"], "external");
    assert_eq!(result["level"], "note");
}

// ---------------------------------------------------------------------------
// SARIF: the fields the 2.1.0 schema requires, the properties it allows on
// every object we write (it forbids any other), and its enumerations.

/// The properties SARIF 2.1.0 allows on an object, by object kind.
fn allowed(kind: &str) -> &'static [&'static str] {
    match kind {
        "log" => &[
            "$schema",
            "version",
            "runs",
            "inlineExternalProperties",
            "properties",
        ],
        "run" => &[
            "tool",
            "invocations",
            "conversion",
            "language",
            "versionControlProvenance",
            "originalUriBaseIds",
            "artifacts",
            "logicalLocations",
            "graphs",
            "results",
            "automationDetails",
            "runAggregates",
            "baselineGuid",
            "redactionTokens",
            "defaultEncoding",
            "defaultSourceLanguage",
            "newlineSequences",
            "columnKind",
            "externalPropertyFileReferences",
            "threadFlowLocations",
            "taxonomies",
            "addresses",
            "translations",
            "policies",
            "webRequests",
            "webResponses",
            "specialLocations",
            "properties",
        ],
        "tool" => &["driver", "extensions", "properties"],
        "driver" => &[
            "guid",
            "name",
            "organization",
            "product",
            "productSuite",
            "shortDescription",
            "fullDescription",
            "fullName",
            "version",
            "semanticVersion",
            "dottedQuadFileVersion",
            "releaseDateUtc",
            "downloadUri",
            "informationUri",
            "globalMessageStrings",
            "notifications",
            "rules",
            "taxa",
            "locations",
            "language",
            "contents",
            "isComprehensive",
            "localizedDataSemanticVersion",
            "minimumRequiredLocalizedDataSemanticVersion",
            "associatedComponent",
            "translationMetadata",
            "supportedTaxonomies",
            "properties",
        ],
        "rule" => &[
            "id",
            "deprecatedIds",
            "guid",
            "deprecatedGuids",
            "name",
            "deprecatedNames",
            "shortDescription",
            "fullDescription",
            "messageStrings",
            "defaultConfiguration",
            "helpUri",
            "help",
            "relationships",
            "properties",
        ],
        "configuration" => &["enabled", "level", "rank", "parameters", "properties"],
        "multiformat" => &["text", "markdown", "properties"],
        "message" => &["text", "markdown", "id", "arguments", "properties"],
        "result" => &[
            "ruleId",
            "ruleIndex",
            "rule",
            "kind",
            "level",
            "message",
            "analysisTarget",
            "locations",
            "guid",
            "correlationGuid",
            "occurrenceCount",
            "partialFingerprints",
            "fingerprints",
            "stacks",
            "codeFlows",
            "graphs",
            "graphTraversals",
            "relatedLocations",
            "suppressions",
            "baselineState",
            "rank",
            "attachments",
            "hostedViewerUri",
            "workItemUris",
            "provenance",
            "fixes",
            "taxa",
            "webRequest",
            "webResponse",
            "properties",
        ],
        "location" => &[
            "id",
            "physicalLocation",
            "logicalLocations",
            "message",
            "annotations",
            "relationships",
            "properties",
        ],
        "physical" => &[
            "address",
            "artifactLocation",
            "region",
            "contextRegion",
            "properties",
        ],
        "artifact" => &["uri", "uriBaseId", "index", "description", "properties"],
        "region" => &[
            "startLine",
            "startColumn",
            "endLine",
            "endColumn",
            "charOffset",
            "charLength",
            "byteOffset",
            "byteLength",
            "snippet",
            "message",
            "sourceLanguage",
            "properties",
        ],
        "logical" => &[
            "name",
            "index",
            "fullyQualifiedName",
            "decoratedName",
            "parentIndex",
            "kind",
            "properties",
        ],
        "suppression" => &[
            "guid",
            "kind",
            "status",
            "justification",
            "location",
            "properties",
        ],
        "invocation" => &[
            "commandLine",
            "arguments",
            "responseFiles",
            "startTimeUtc",
            "endTimeUtc",
            "exitCode",
            "ruleConfigurationOverrides",
            "notificationConfigurationOverrides",
            "toolExecutionNotifications",
            "toolConfigurationNotifications",
            "exitCodeDescription",
            "exitSignalName",
            "exitSignalNumber",
            "processStartFailureMessage",
            "executionSuccessful",
            "machine",
            "account",
            "processId",
            "executableLocation",
            "workingDirectory",
            "environmentVariables",
            "stdin",
            "stdout",
            "stderr",
            "stdoutStderr",
            "properties",
        ],
        "notification" => &[
            "locations",
            "message",
            "level",
            "threadId",
            "timeUtc",
            "exception",
            "descriptor",
            "associatedRule",
            "properties",
        ],
        other => panic!("no SARIF object kind `{other}`"),
    }
}

/// Checks that `value` is an object of `kind` with every `required`
/// property and no property the schema does not allow.
fn object<'a>(value: &'a Value, kind: &str, required: &[&str], at: &str) -> &'a Value {
    let map = value
        .as_object()
        .unwrap_or_else(|| panic!("{at}: not an object"));
    for key in required {
        assert!(map.contains_key(*key), "{at}: `{key}` is required");
    }
    for key in map.keys() {
        assert!(
            allowed(kind).contains(&key.as_str()),
            "{at}: `{key}` is not a property of a SARIF {kind}"
        );
    }
    value
}

fn check_message(value: &Value, kind: &str, at: &str) {
    object(value, kind, &["text"], at);
    assert!(
        value["text"].as_str().is_some_and(|t| !t.is_empty()),
        "{at}"
    );
}

fn check_location(value: &Value, at: &str) {
    object(value, "location", &[], at);
    if let Some(physical) = value.get("physicalLocation") {
        object(physical, "physical", &["artifactLocation"], at);
        let artifact = object(&physical["artifactLocation"], "artifact", &["uri"], at);
        assert!(
            artifact["uri"].as_str().is_some_and(|u| !u.contains(' ')),
            "{at}"
        );
        if let Some(region) = physical.get("region") {
            object(region, "region", &[], at);
            assert!(region["startLine"].as_u64().is_some_and(|l| l >= 1), "{at}");
        }
    }
    for logical in value["logicalLocations"].as_array().into_iter().flatten() {
        object(logical, "logical", &[], at);
        assert!(logical["fullyQualifiedName"].is_string(), "{at}");
    }
    if let Some(message) = value.get("message") {
        check_message(message, "message", at);
    }
}

const LEVELS: [&str; 4] = ["none", "note", "warning", "error"];

fn check_sarif(report: &Report) -> Value {
    let log: Value = serde_json::from_str(&render(report, ReportFormat::Sarif)).unwrap();
    object(&log, "log", &["version", "runs"], "log");
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .unwrap()
            .ends_with("sarif-schema-2.1.0.json")
    );
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = object(&runs[0], "run", &["tool"], "run");
    let tool = object(&run["tool"], "tool", &["driver"], "tool");
    let driver = object(&tool["driver"], "driver", &["name"], "driver");
    assert_eq!(driver["name"], "abi-check");
    assert!(driver["version"].is_string());
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    let rules = driver["rules"].as_array().unwrap();
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("rule {i}");
        object(rule, "rule", &["id"], &at);
        let id = abi_check::RuleId::parse(rule["id"].as_str().unwrap()).unwrap();
        let catalogue = id.rule();
        check_message(&rule["shortDescription"], "multiformat", &at);
        check_message(&rule["fullDescription"], "multiformat", &at);
        check_message(&rule["help"], "multiformat", &at);
        assert_eq!(rule["shortDescription"]["text"], catalogue.name);
        assert_eq!(rule["fullDescription"]["text"], catalogue.explanation);
        object(&rule["defaultConfiguration"], "configuration", &[], &at);
        let want = match catalogue.level {
            abi_check::Level::Deny => "error",
            abi_check::Level::Warn => "warning",
            abi_check::Level::Allow => "note",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], want, "{at}");
        assert!(
            rules[..i].iter().all(|r| r["id"] != rule["id"]),
            "{at}: rules are unique"
        );
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    for (i, (result, finding)) in results.iter().zip(&report.findings).enumerate() {
        let at = format!("result {i}");
        object(result, "result", &["message"], &at);
        check_message(&result["message"], "message", &at);
        assert_eq!(result["ruleId"], finding.rule.as_str(), "{at}");
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "{at}: ruleIndex");
        assert!(LEVELS.contains(&result["level"].as_str().unwrap()), "{at}");
        let locations = result["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1, "{at}");
        check_location(&locations[0], &at);
        assert_eq!(
            locations[0]["logicalLocations"][0]["fullyQualifiedName"],
            finding.path.as_str()
        );
        for related in result["relatedLocations"].as_array().into_iter().flatten() {
            check_location(related, &at);
        }
        for s in result["suppressions"].as_array().into_iter().flatten() {
            object(s, "suppression", &["kind"], &at);
            assert!(["inSource", "external"].contains(&s["kind"].as_str().unwrap()));
            assert!(
                ["accepted", "underReview", "rejected"].contains(&s["status"].as_str().unwrap())
            );
            check_location(&s["location"], &at);
        }
    }
    for invocation in run["invocations"].as_array().into_iter().flatten() {
        object(
            invocation,
            "invocation",
            &["executionSuccessful"],
            "invocation",
        );
        for n in invocation["toolConfigurationNotifications"]
            .as_array()
            .into_iter()
            .flatten()
        {
            object(n, "notification", &["message"], "notification");
            check_message(&n["message"], "message", "notification");
            assert!(LEVELS.contains(&n["level"].as_str().unwrap()));
            for l in n["locations"].as_array().into_iter().flatten() {
                check_location(l, "notification");
            }
        }
    }
    log
}

#[test]
fn sarif_has_the_shape_the_schema_requires() {
    let report = report();
    let log = check_sarif(&report);
    let results = log["runs"][0]["results"].as_array().unwrap();
    // Failing deny findings are errors, allowed ones notes; every result
    // points at the new release's file.
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels.iter().filter(|l| **l == "error").count(), 7);
    assert_eq!(levels.iter().filter(|l| **l == "note").count(), 5);
    for r in results {
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            V2
        );
    }
    // The struct change lists the function it reaches.
    let size = results
        .iter()
        .find(|r| r["ruleId"] == "struct_size_changed")
        .unwrap();
    assert_eq!(
        size["relatedLocations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "function `tile_render`"
    );
    assert_eq!(log["runs"][0]["properties"]["compatible"], false);

    check_sarif(&suppressed_report());
}

#[test]
fn sarif_without_findings_or_file_is_still_valid() {
    let v1 = example(V1);
    let report = compare(&v1, &v1).unwrap();
    let log: Value =
        serde_json::from_str(&report.render(ReportFormat::Sarif, &RenderOptions::new())).unwrap();
    check_sarif(&report);
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"],
        Value::Array(Vec::new())
    );
}

#[test]
fn a_covered_deny_finding_is_a_warning_in_annotations() {
    // With a major release, the breaking changes are covered: they stay
    // `deny` in the report, but annotations do not call them errors.
    let mut v2 = example(V2);
    v2.library.version = semver::Version::new(2, 0, 0);
    v2.library.soname = Some("libtile.so.2".to_owned());
    let report = compare(&example(V1), &v2).unwrap();
    assert!(report.compatible);
    let log = check_sarif(&report);
    let levels: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert!(!levels.contains(&"error"), "{levels:?}");
    let github = render(&report, ReportFormat::Github);
    assert!(!github.contains("::error"), "{github}");
    assert!(
        github.contains("covered by the major version bump"),
        "{github}"
    );
    let junit = render(&report, ReportFormat::Junit);
    assert!(!junit.contains("<failure"), "{junit}");
    assert!(junit.contains("failures=\"0\""), "{junit}");
}

// ---------------------------------------------------------------------------
// JUnit: well-formed XML whose counts match its test cases.

/// A minimal XML 1.0 well-formedness check: one root, balanced and properly
/// nested tags, quoted attributes, and no `<` or stray `&` in text or
/// attribute values. Returns the elements in document order, with their
/// attributes (entity references left as written).
fn parse_xml(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
    fn check_text(s: &str, at: usize) {
        assert!(!s.contains('<'), "raw `<` at {at}");
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            let entity = &rest[i..];
            let end = entity
                .find(';')
                .unwrap_or_else(|| panic!("unterminated entity at {at}"));
            let name = &entity[1..end];
            let known = ["amp", "lt", "gt", "quot", "apos"].contains(&name)
                || name.strip_prefix('#').is_some_and(|n| {
                    n.parse::<u32>().is_ok()
                        || n.strip_prefix('x')
                            .is_some_and(|h| u32::from_str_radix(h, 16).is_ok())
                });
            assert!(known, "unknown entity `&{name};` at {at}");
            rest = &entity[end + 1..];
        }
        assert!(
            s.chars()
                .all(|c| c >= ' ' || matches!(c, '\t' | '\n' | '\r')),
            "control character at {at}"
        );
    }

    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("an XML declaration");
    let mut elements = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut pos = 0;
    while pos < body.len() {
        let rest = &body[pos..];
        let Some(lt) = rest.find('<') else {
            check_text(rest, pos);
            assert!(rest.trim().is_empty(), "text after the root");
            break;
        };
        check_text(&rest[..lt], pos);
        if open.is_empty() {
            assert!(rest[..lt].trim().is_empty(), "text outside the root");
        }
        let gt = rest[lt..].find('>').expect("an unterminated tag") + lt;
        let tag = &rest[lt + 1..gt];
        pos += gt + 1;
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "mismatched `</{name}>`");
            continue;
        }
        let (tag, empty) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "bad element name `{name}`"
        );
        let mut parsed = Vec::new();
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() {
                break;
            }
            let (key, after) = attrs.split_once("=\"").expect("a quoted attribute");
            let close = after.find('"').expect("a closing quote");
            let value = &after[..close];
            check_text(value, pos);
            assert!(!value.contains('\n'), "a raw line break in an attribute");
            assert!(
                parsed.iter().all(|(k, _): &(String, String)| k != key),
                "duplicate attribute `{key}`"
            );
            parsed.push((key.to_owned(), value.to_owned()));
            attrs = &after[close + 1..];
        }
        if open.is_empty() {
            roots += 1;
        }
        elements.push((name.to_owned(), parsed));
        if !empty {
            open.push(name.to_owned());
        }
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    assert_eq!(roots, 1, "one root element");
    elements
}

fn attr<'a>(element: &'a (String, Vec<(String, String)>), key: &str) -> &'a str {
    element
        .1
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("`{}` has no `{key}`", element.0))
}

fn check_junit(report: &Report) {
    let xml = render(report, ReportFormat::Junit);
    let elements = parse_xml(&xml);
    let count = |name: &str| elements.iter().filter(|e| e.0 == name).count();
    let suites: Vec<_> = elements.iter().filter(|e| e.0 == "testsuite").collect();
    assert_eq!(suites.len(), 1, "one test suite");
    assert_eq!(elements[0].0, "testsuites");
    let suite = suites[0];
    assert_eq!(count("testcase"), report.findings.len() + 1);
    for (name, key) in [
        ("testcase", "tests"),
        ("failure", "failures"),
        ("skipped", "skipped"),
    ] {
        assert_eq!(attr(suite, key), count(name).to_string(), "{key}");
    }
    assert_eq!(attr(&elements[0], "tests"), attr(suite, "tests"));
    assert_eq!(attr(&elements[0], "failures"), attr(suite, "failures"));
    let failing = report
        .findings
        .iter()
        .filter(|f| f.fails(report.version_change.bump()))
        .count()
        + usize::from(!report.compatible);
    assert_eq!(count("failure"), failing);
}

#[test]
fn junit_is_well_formed_and_counts_its_failures() {
    check_junit(&report());
    check_junit(&suppressed_report());
    let v1 = example(V1);
    check_junit(&compare(&v1, &v1).unwrap());
}

#[test]
fn the_xml_check_catches_what_it_should() {
    for bad in [
        "<a><b></a></b>",
        "<a>1 < 2</a>",
        "<a>&nbsp;</a>",
        "<a x=\"1\" x=\"2\"/>",
        "<a/><b/>",
        "<a>",
    ] {
        let xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{bad}\n");
        assert!(
            std::panic::catch_unwind(|| parse_xml(&xml)).is_err(),
            "accepted {bad}"
        );
    }
}

// ---------------------------------------------------------------------------
// The command: `--format` picks a rendering, `--color` and `NO_COLOR` decide
// on colour.

fn abi_check(args: &[&str], no_color: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_abi-check"));
    cmd.args(args)
        .current_dir(workspace())
        .env_remove("NO_COLOR");
    if let Some(value) = no_color {
        cmd.env("NO_COLOR", value);
    }
    cmd.output().unwrap()
}

#[test]
fn the_command_prints_every_format_of_the_library() {
    let report = report();
    for format in ReportFormat::ALL {
        for args in [
            vec!["--format", format.as_str(), V1, V2],
            vec!["compare", V1, V2, "--format", format.as_str()],
        ] {
            let out = abi_check(&args, None);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert_eq!(
                String::from_utf8(out.stdout).unwrap(),
                render(&report, format),
                "{args:?}"
            );
        }
    }
}

#[test]
fn piped_output_is_not_coloured() {
    // Tests run with standard output captured: not a terminal.
    let out = abi_check(&[V1, V2], None);
    assert!(!out.stdout.contains(&0x1b));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), report().to_text());
}

#[test]
fn color_always_colours_the_text_only() {
    let out = abi_check(&["--color", "always", V1, V2], Some("1"));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "\x1b[1;31merror[\x1b[0m\x1b[1mconstant_value_changed\x1b[0m\x1b[1;31m]\x1b[0m"
        ),
        "{text:?}"
    );
    assert!(text.contains("\x1b[1;36mnote[\x1b[0m"), "{text:?}");
    // Without the escapes, it is the plain report.
    assert_eq!(strip_ansi(&text), report().to_text());

    for format in ["json", "markdown", "sarif", "junit", "github"] {
        let out = abi_check(&["--color", "always", "--format", format, V1, V2], None);
        assert!(!out.stdout.contains(&0x1b), "{format}");
    }
    let out = abi_check(&["--color", "never", V1, V2], None);
    assert!(!out.stdout.contains(&0x1b));
    assert_eq!(
        abi_check(&["--color", "sometimes", V1, V2], None)
            .status
            .code(),
        Some(2)
    );
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\x1b') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('m').unwrap();
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    out
}

/// Runs the command on a pseudo-terminal with `script` (util-linux), or
/// returns `None` when `script` is not available.
fn on_terminal(no_color: Option<&str>) -> Option<String> {
    if !cfg!(target_os = "linux") || !PathBuf::from("/usr/bin/script").exists() {
        eprintln!("skipped: no `/usr/bin/script` to run the command on a terminal");
        return None;
    }
    let command = format!("{} {V1} {V2}", env!("CARGO_BIN_EXE_abi-check"));
    let mut cmd = Command::new("/usr/bin/script");
    cmd.args(["-q", "-e", "-c", &command, "/dev/null"])
        .current_dir(workspace())
        .env_remove("NO_COLOR");
    if let Some(value) = no_color {
        cmd.env("NO_COLOR", value);
    }
    let out = cmd.output().unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let Some(coloured) = on_terminal(None) else {
        return;
    };
    assert!(coloured.contains("\x1b[1;31merror["), "{coloured:?}");
    let empty = on_terminal(Some("")).unwrap();
    assert!(
        empty.contains("\x1b[1;31merror["),
        "an empty NO_COLOR is unset: {empty:?}"
    );
    let plain = on_terminal(Some("1")).unwrap();
    assert!(plain.contains("error[constant_value_changed]"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}

/// `d` with every function repeated `copies` times under new symbols.
fn enlarged(d: &Descriptor, copies: usize) -> Descriptor {
    let mut big = d.clone();
    big.functions = (0..copies)
        .flat_map(|i| {
            d.functions.iter().map(move |f| {
                let mut f = f.clone();
                f.symbol = format!("{}_{i}", f.symbol);
                f
            })
        })
        .collect();
    big
}

/// Large descriptors get their report's fingerprints from a second
/// thread: the same fingerprints, and the same findings as in turn.
#[test]
fn large_descriptors_report_the_same_fingerprints_and_findings() {
    let (v1, v2) = (example(V1), example(V2));
    let copies = 2000 / v1.functions.len() + 1;
    let (old, new) = (enlarged(&v1, copies), enlarged(&v2, copies));
    assert!(old.functions.len() + new.functions.len() >= 4000);
    let report = compare(&old, &new).unwrap();
    assert_eq!(report.old.fingerprint, old.fingerprint().unwrap());
    assert_eq!(report.new.fingerprint, new.fingerprint().unwrap());
    // Each finding of the small pair about a function is made for every
    // copy of it.
    let found: Vec<(String, String, String)> = report
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.path.clone(), f.detail.clone()))
        .collect();
    let small = compare(&v1, &v2).unwrap();
    let mut about_functions = 0;
    for f in &small.findings {
        let Some(symbol) = v1
            .functions
            .iter()
            .map(|g| format!("function `{}`", g.symbol))
            .find(|p| f.path.starts_with(p.as_str()))
        else {
            continue;
        };
        about_functions += 1;
        for i in 0..copies {
            let copy = format!("{}_{i}`", symbol.trim_end_matches('`'));
            let path = f.path.replacen(&symbol, &copy, 1);
            assert!(
                found.contains(&(f.rule.to_string(), path.clone(), f.detail.clone())),
                "{} {path}: {}",
                f.rule,
                f.detail
            );
        }
    }
    assert!(about_functions > 0, "the example changes some function");
    assert_eq!(report.compatible, compare(&v1, &v2).unwrap().compatible);
}
