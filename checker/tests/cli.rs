//! The `abi-check` command on real files: exit codes and output.

use std::path::PathBuf;
use std::process::{Command, Output};

fn abi_check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_abi-check"))
        .args(args)
        .current_dir(workspace())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const V1: &str = "examples/libtile/v1.json";
const V2: &str = "examples/libtile/v2.json";

#[test]
fn identical_descriptors_exit_0() {
    let out = abi_check(&[V1, V1]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("verdict: compatible: no ABI differences"));
}

#[test]
fn breaking_changes_with_a_minor_bump_exit_1() {
    let out = abi_check(&[V1, V2]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(
        "error[field_offset_changed]: struct `TileInfo` field `byte_size`: offset 24 -> 32"
    ));
    assert!(stdout.contains(
        "verdict: incompatible: the changes need a major release (2.0.0 or later) but 1.4.0 -> 1.5.0 is a minor bump"
    ));
    assert!(out.stderr.is_empty());
}

#[test]
fn json_format_serializes_the_report() {
    let out = abi_check(&["--format", "json", V1, V2]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["compatible"], false);
    assert_eq!(report["required_bump"], "major");
    assert_eq!(
        report["version_change"],
        serde_json::json!({"bump": "minor"})
    );
    assert_eq!(report["findings"].as_array().unwrap().len(), 12);
}

#[test]
fn the_blob_written_by_dump_compares_like_the_json() {
    let dir = std::env::temp_dir().join(format!("abi-check-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let blob = dir.join("v2.abi");
    let out = abi_check(&["dump", V2, "--format", "blob"]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(&blob, &out.stdout).unwrap();
    let via_blob = abi_check(&[V1, blob.to_str().unwrap()]);
    let via_json = abi_check(&[V1, V2]);
    assert_eq!(via_blob.status.code(), Some(1));
    assert_eq!(text(&via_blob.stdout), text(&via_json.stdout));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unreadable_and_invalid_input_exit_2_naming_the_file() {
    let out = abi_check(&[V1, "no/such/file.abi"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot read `no/such/file.abi`\n  caused by: "));

    let dir = std::env::temp_dir().join(format!("abi-check-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    // A struct whose field ends past its size.
    let v1 = std::fs::read_to_string(workspace().join(V1)).unwrap();
    std::fs::write(
        &bad,
        v1.replace(r#""size": 16, "align": 4"#, r#""size": 12, "align": 4"#),
    )
    .unwrap();
    let out = abi_check(&[V1, bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: `{}` holds an invalid descriptor",
            bad.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("struct `TileRect` field `height`: offset 12 plus size 4 of `u32` ends past the struct's size 12"),
        "{stderr}"
    );

    let garbage = dir.join("garbage.cbor");
    std::fs::write(&garbage, [0x9b, 0, 0, 0, 1, 0, 0, 0, 0]).unwrap();
    let out = abi_check(&[garbage.to_str().unwrap(), V1]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("array claims 4294967296 items"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(abi_check(&[V1]).status.code(), Some(2));
    assert_eq!(
        abi_check(&["--format", "yaml", V1, V2]).status.code(),
        Some(2)
    );
    let out = abi_check(&["explain", "no_such_rule"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no rule `no_such_rule`"));
}

#[test]
fn every_rule_explains_itself() {
    let out = abi_check(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    for rule in abi_check::RULES {
        assert!(text(&out.stdout).contains(rule.id.as_str()));
        let out = abi_check(&["explain", rule.id.as_str()]);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).starts_with(&format!("{}: {}\n", rule.id, rule.name)));
    }
}

// -- the configuration file and `history` ------------------------------------

/// Runs the command in `dir`, where `abi-check.toml` is looked for.
fn abi_check_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_abi-check"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A fresh temporary directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("abi-check-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A release of the `glyph` fixture chain, as an absolute path.
fn glyph(version: &str) -> String {
    workspace()
        .join(format!("checker/tests/fixtures/history/v{version}.json"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// 1.0.0 -> 1.2.0 changes one variant's value in a minor release: exactly
/// one failing finding.
const VALUE_CHANGED: &str = "enum `GlyphStatus` variant `GLYPH_ERR_DECODE`";

fn suppression(path: &str, reason: Option<&str>, until: Option<&str>) -> String {
    let mut s = format!("[[suppress]]\nrule = \"enum_variant_value_changed\"\npath = '{path}'\n");
    if let Some(reason) = reason {
        s += &format!("reason = \"{reason}\"\n");
    }
    if let Some(until) = until {
        s += &format!("until = \"{until}\"\n");
    }
    s
}

#[test]
fn a_suppression_with_a_reason_turns_exit_1_into_0() {
    let dir = scratch("suppressed");
    let (old, new) = (glyph("1.0.0"), glyph("1.2.0"));
    let out = abi_check_in(&dir, &[&old, &new]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    std::fs::write(
        dir.join("abi-check.toml"),
        suppression(
            VALUE_CHANGED,
            Some("hosts treat every negative status alike"),
            None,
        ),
    )
    .unwrap();
    let out = abi_check_in(&dir, &[&old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(" 1 error(s), 0 warning(s), ")
            && stdout.contains(" note(s), 1 suppressed\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("= suppressed at ")
            && stdout.contains("hosts treat every negative status alike"),
        "{stdout}"
    );
    assert!(
        stdout.contains("verdict: compatible: 1 change(s) that would fail are suppressed"),
        "{stdout}"
    );

    // JSON keeps the suppressed finding, with its suppression.
    let out = abi_check_in(&dir, &["--format", "json", &old, &new]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["suppressed"], 1);
    assert_eq!(report["compatible"], true);
    let finding = &report["findings"][0];
    assert_eq!(finding["path"], VALUE_CHANGED);
    assert_eq!(
        finding["suppressed_by"]["reason"],
        "hosts treat every negative status alike"
    );
    assert_eq!(finding["suppressed_by"]["origin"]["line"], 1);

    // `--no-config` ignores the file.
    let out = abi_check_in(&dir, &["--no-config", &old, &new]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_suppression_without_a_reason_exits_2_naming_the_file() {
    let dir = scratch("no-reason");
    let config = dir.join("abi-check.toml");
    std::fs::write(
        &config,
        format!("# accepted\n\n{}", suppression(VALUE_CHANGED, None, None)),
    )
    .unwrap();
    let out = abi_check_in(&dir, &[&glyph("1.0.0"), &glyph("1.2.0")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: abi-check.toml:3:1: suppression of `enum_variant_value_changed` (path \"{VALUE_CHANGED}\") gives no reason"
        )),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    std::fs::write(&config, suppression(VALUE_CHANGED, Some("  "), None)).unwrap();
    let out = abi_check_in(&dir, &[&glyph("1.0.0"), &glyph("1.2.0")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("gives no reason"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_rule_in_the_config_exits_2_with_a_suggestion() {
    let dir = scratch("unknown-rule");
    std::fs::write(
        dir.join("abi-check.toml"),
        "[rules]\nenum_varient_added = \"deny\"\n",
    )
    .unwrap();
    let out = abi_check_in(&dir, &[&glyph("1.0.0"), &glyph("1.1.0")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("abi-check.toml:2:1: unknown rule `enum_varient_added` (did you mean `enum_variant_added`?)"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_config_is_found_by_walking_up_from_a_subdirectory() {
    let dir = scratch("walk-up");
    let deep = dir.join("build").join("out");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(
        dir.join("abi-check.toml"),
        suppression(
            "enum `GlyphStatus` variant *",
            Some("statuses are advisory"),
            None,
        ),
    )
    .unwrap();
    let out = abi_check_in(&deep, &[&glyph("1.0.0"), &glyph("1.2.0")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(", 1 suppressed\n"), "{stdout}");
    // Named relative to the current directory.
    assert!(
        stdout.contains("= suppressed at ../../abi-check.toml:1:1: statuses are advisory\n"),
        "{stdout}"
    );

    // A level from the same file: the rename of 1.1.0 becomes a failure.
    std::fs::write(
        dir.join("abi-check.toml"),
        "[rules]\nenum_variant_renamed = \"deny\"\n",
    )
    .unwrap();
    let out = abi_check_in(&deep, &[&glyph("1.0.0"), &glyph("1.1.0")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("error[enum_variant_renamed]"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_explicit_config_is_used_instead_of_the_nearest_one() {
    let dir = scratch("explicit");
    let elsewhere = dir.join("ci").join("strict.toml");
    std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    std::fs::write(
        &elsewhere,
        suppression(VALUE_CHANGED, Some("reviewed in the release notes"), None),
    )
    .unwrap();
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let (old, new) = (glyph("1.0.0"), glyph("1.2.0"));
    let out = abi_check_in(&work, &[&old, &new]);
    assert_eq!(out.status.code(), Some(1));
    let config = elsewhere.to_str().unwrap();
    let out = abi_check_in(&work, &["--config", config, &old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = abi_check_in(&work, &["compare", &old, &new, "--config", config]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A nearer file with a typo does not matter when `--config` is given...
    std::fs::write(work.join("abi-check.toml"), "[rules\n").unwrap();
    let out = abi_check_in(&work, &["--config", config, &old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // ...but does otherwise, and a missing `--config` file is an error.
    let out = abi_check_in(&work, &[&old, &new]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("abi-check.toml:1:"),
        "{}",
        text(&out.stderr)
    );
    let out = abi_check_in(&work, &["--config", "missing.toml", &old, &new]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot read `missing.toml`\n  caused by: "));
    // `--config` and `--no-config` contradict each other.
    let out = abi_check_in(&work, &["--config", config, "--no-config", &old, &new]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_suppression_stops_applying_at_its_until_version() {
    let dir = scratch("until");
    let config = dir.join("abi-check.toml");
    let (old, new) = (glyph("1.0.0"), glyph("1.2.0"));
    // The new release is 1.2.0: `until = "1.3.0"` still applies...
    std::fs::write(
        &config,
        suppression(VALUE_CHANGED, Some("until 1.3"), Some("1.3.0")),
    )
    .unwrap();
    let out = abi_check_in(&dir, &[&old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // ...`until = "1.2.0"` has passed.
    std::fs::write(
        &config,
        suppression(VALUE_CHANGED, Some("until 1.2"), Some("1.2.0")),
    )
    .unwrap();
    let out = abi_check_in(&dir, &[&old, &new]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("error[enum_variant_value_changed]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(path \"enum `GlyphStatus` variant `GLYPH_ERR_DECODE`\") expired with version 1.2.0: it no longer applies"),
        "{stdout}"
    );
    assert!(!stdout.contains("suppressed"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_suppression_that_matches_nothing_is_reported() {
    let dir = scratch("stale");
    std::fs::write(
        dir.join("abi-check.toml"),
        "[[suppress]]\nrule = \"function_removed\"\npath = \"function `glyph_old`\"\nreason = \"gone\"\n",
    )
    .unwrap();
    let out = abi_check_in(&dir, &[&glyph("1.1.0"), &glyph("1.2.0")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains(
            "abi-check.toml:1:1: suppression of `function_removed` (path \"function `glyph_old`\") matched no finding; remove it\n"
        ),
        "{}",
        text(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn history_catches_a_break_made_of_two_compatible_steps() {
    let dir = scratch("history-break");
    let chain = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"].map(glyph);
    let mut args = vec!["history"];
    args.extend(chain.iter().map(String::as_str));
    let out = abi_check_in(&dir, &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("glyph: 1.0.0 -> 1.1.0 -> 1.2.0 -> 1.3.0\n"),
        "{stdout}"
    );
    for step in ["1.0.0 -> 1.1.0", "1.1.0 -> 1.2.0", "1.2.0 -> 1.3.0"] {
        assert!(
            stdout.contains(&format!("step {step}: compatible")),
            "{stdout}"
        );
    }
    assert!(stdout.contains(
        "end to end 1.0.0 -> 1.2.0: incompatible: the changes need a major release (2.0.0 or later) but 1.0.0 -> 1.2.0 is a minor bump\n  error[enum_variant_value_changed]: enum `GlyphStatus` variant `GLYPH_ERR_DECODE`: -2 -> -4\n"
    ), "{stdout}");
    assert!(stdout.ends_with(
        "summary: 3 step(s), 0 failing; 2 end-to-end comparison(s), 2 failing\nverdict: incompatible: every step passes, but 1.2.0 breaks hosts built against 1.0.0\n"
    ), "{stdout}");

    args.insert(1, "--format");
    args.insert(2, "json");
    let out = abi_check_in(&dir, &args);
    assert_eq!(out.status.code(), Some(1));
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h["compatible"], false);
    assert_eq!(h["steps"].as_array().unwrap().len(), 3);
    assert!(
        h["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["report"]["compatible"] == true)
    );
    assert_eq!(h["end_to_end"][0]["from"], 0);
    assert_eq!(h["end_to_end"][0]["to"], 2);
    assert_eq!(
        h["end_to_end"][0]["report"]["findings"][0]["rule"],
        "enum_variant_value_changed"
    );

    // A suppression with a reason accepts the end-to-end change.
    std::fs::write(
        dir.join("abi-check.toml"),
        suppression(
            VALUE_CHANGED,
            Some("the old value was never returned"),
            None,
        ),
    )
    .unwrap();
    args.drain(1..3);
    let out = abi_check_in(&dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("; 2 suppressed finding(s)\n"),
        "{}",
        text(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn history_with_compatible_steps_exits_0() {
    let dir = scratch("history-ok");
    let out = abi_check_in(
        &dir,
        &["history", &glyph("1.1.0"), &glyph("1.2.0"), &glyph("1.3.0")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("end to end 1.1.0 -> 1.3.0: compatible"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "verdict: compatible: 2 step(s) and 1 end-to-end comparison(s) pass (1.1.0 -> 1.3.0)\n"
        ),
        "{stdout}"
    );
    // One release is a usage error; an unreadable one cannot be checked.
    assert_eq!(
        abi_check_in(&dir, &["history", &glyph("1.1.0")])
            .status
            .code(),
        Some(2)
    );
    let out = abi_check_in(&dir, &["history", &glyph("1.1.0"), "no-such.abi"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot read `no-such.abi`"));
    std::fs::remove_dir_all(&dir).unwrap();
}
