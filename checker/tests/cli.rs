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
