//! The benchmark harness (`bench/`) run at a small size, so that what
//! `bench/run.sh` runs at full size keeps working between its runs: the
//! generator's libraries build (every layout their descriptors state is a
//! static assertion in the C that embeds them), `abi-check`, `abidiff` and
//! `abi-dumper` + `abi-compliance-checker` agree on every verdict, the
//! breaking variant's three changes are each reported, the loader
//! benchmark takes each path it claims to time, and the report renders.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{abi_check_bin, require_tool, run, scratch, workspace_bin};

/// The generator's size: small enough for a test, large enough that each
/// kind of type and change turns up.
const N: u64 = 100;

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_benchmark_harness_runs_at_a_small_size() {
    for tool in [
        "python3",
        "cc",
        "abidiff",
        "abi-dumper",
        "abi-compliance-checker",
    ] {
        if require_tool(tool).is_none() {
            return;
        }
    }
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench");
    let data = scratch("bench", "data");
    let loader = workspace_bin("abi-loader-bench", "abi-loader-bench");
    run(Command::new("python3")
        .arg(bench.join("run.py"))
        .arg("--abi-check")
        .arg(abi_check_bin())
        .arg("--loader-bench")
        .arg(&loader)
        .arg("--data")
        .arg(&data)
        .args(["--quick", "--sizes", &N.to_string()])
        .args(["--loader-iterations", "5", "--jobs", "1"]));

    let results = read_json(&data.join("results.json"));
    let size = &results["sizes"][0];
    assert_eq!(size["n"], N);
    assert_eq!(size["build"]["functions"], N);
    assert!(size["build"]["structs"].as_u64().unwrap() >= N / 5);

    // Every tool: the additive pair compatible, the breaking pair not.
    let pairs = &size["pairs"];
    for tool in ["abi-check", "abidiff", "abi-dumper+acc"] {
        assert_eq!(
            pairs["additive"][tool]["breaking"], false,
            "{tool}: {pairs}"
        );
        assert_eq!(pairs["breaking"][tool]["breaking"], true, "{tool}: {pairs}");
    }
    assert_eq!(pairs["additive"]["abi-check"]["exit"], 0);
    assert_eq!(pairs["breaking"]["abi-check"]["exit"], 1);

    // abi-check's own report of the breaking pair names each change the
    // generator made, under the rule for it.
    let changes = read_json(&data.join(format!("N{N}/changes.json")));
    let report = read_json(&data.join(format!("N{N}/abi-check-breaking.json")));
    let findings = report["findings"].as_array().unwrap();
    let found = |rule: &str, path: String| {
        assert!(
            findings
                .iter()
                .any(|f| f["rule"] == rule && f["path"] == path.as_str()),
            "no {rule} at {path} in {findings:#?}"
        );
    };
    let removed = changes["function_removed"].as_str().unwrap();
    found("function_removed", format!("function `{removed}`"));
    let param = &changes["param_type"];
    found(
        "param_type_changed",
        format!(
            "function `{}` parameter `{}`",
            param["function"].as_str().unwrap(),
            param["param"].as_str().unwrap()
        ),
    );
    let field = &changes["struct_field_type"];
    found(
        "field_type_changed",
        format!(
            "struct `{}` field `{}`",
            field["struct"].as_str().unwrap(),
            field["field"].as_str().unwrap()
        ),
    );
    for tool in ["abi-check", "abidiff"] {
        let detects = pairs["breaking"][tool]["detects"].as_object().unwrap();
        assert_eq!(detects.len(), 3, "{tool}: {detects:?}");
        assert!(detects.values().all(|d| d == true), "{tool}: {detects:?}");
    }

    // The loader benchmark took the path each of its timings is named for.
    let loader = &results["loader"]["sizes"][N.to_string()];
    assert_eq!(loader["fast_path_taken"], true, "{loader}");
    assert_eq!(loader["matched_taken"], true, "{loader}");
    assert_eq!(loader["one_taken"], true, "{loader}");
    assert_eq!(loader["full_check_taken"], true, "{loader}");
    for mode in ["plain", "fast", "fast_check", "matched", "one", "full"] {
        assert_eq!(loader[mode]["iterations"], 5, "{mode}: {loader}");
        assert!(loader[mode]["median_us"].as_f64().unwrap() > 0.0);
    }

    // The report renders from those results.
    let out = data.join("benchmarks.md");
    run(Command::new("python3")
        .arg(bench.join("render.py"))
        .arg("--results")
        .arg(data.join("results.json"))
        .arg("--criterion")
        .arg(data.join("no-criterion"))
        .arg("--out")
        .arg(&out)
        .arg("--no-plot"));
    let doc = std::fs::read_to_string(&out).unwrap();
    for heading in ["## abi-check against abidiff", "## Loader", "## Targets"] {
        assert!(doc.contains(heading), "no `{heading}` in {doc}");
    }
    let verdicts = format!("| {N} | found / found / found | found / found / found |");
    assert!(doc.contains(&verdicts), "no `{verdicts}` in {doc}");
}
