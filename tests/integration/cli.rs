//! The `abi-check` command on built libraries: `dump`, `verify`, and
//! comparing two libraries, with their exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use abi_descriptor::Descriptor;

use crate::support::{
    abi_check_bin, c_library, example, library_source, require_tool, scratch, stub_library,
};

fn abi_check(args: &[&Path]) -> Output {
    Command::new(abi_check_bin())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// libtile v1 and v2 built as C libraries, once per test run.
fn libraries(cc: &Path) -> (PathBuf, PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf, PathBuf)> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = scratch("cli", "libtile");
            let v1 = stub_library(cc, &example("v1"), &dir, "libtile-v1.so");
            let v2 = stub_library(cc, &example("v2"), &dir, "libtile-v2.so");
            (dir, v1, v2)
        })
        .clone()
}

#[test]
fn dump_reads_a_library_statically() {
    let Some(cc) = require_tool("cc") else { return };
    let (_, v1, _) = libraries(&cc);
    let out = abi_check(&[Path::new("dump"), &v1]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut expected = example("v1");
    expected.canonicalize();
    let dumped = Descriptor::from_json(&text(&out.stdout)).unwrap();
    assert!(dumped == expected);

    let out = abi_check(&[
        Path::new("dump"),
        &v1,
        Path::new("--format"),
        Path::new("blob"),
    ]);
    assert_eq!(out.stdout, expected.to_blob().unwrap());
}

#[test]
fn verify_exits_0_1_or_2() {
    let Some(cc) = require_tool("cc") else { return };
    let (_, v1, _) = libraries(&cc);
    let dir = scratch("cli", "verify");
    let out = abi_check(&[Path::new("verify"), &v1]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "{}: verified tile 1.4.0 (7 functions, 1 variables, 19 types; ",
            v1.display()
        )),
        "{stdout}"
    );

    // A library exporting a function it does not describe: a warning, which
    // --strict turns into a failure.
    let mut d = example("v1");
    d.functions.retain(|f| f.symbol != "tile_render");
    d.types.retain(|t| {
        ![
            "*mut TileInfo",
            "*mut owned_bytes",
            "*mut usize",
            "TileProgressFn",
        ]
        .contains(&t.id.as_str())
    });
    let source = library_source(&d) + "ABI_DESCRIPTOR_EXPORT void tile_render(void) {}\n";
    let undescribed = c_library(
        &cc,
        &source,
        &dir,
        "libundescribed.so",
        Some("libtile.so.1"),
    );
    let out = abi_check(&[Path::new("verify"), &undescribed]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains(&format!(
        "warning: {}: function `tile_render` is exported but not described",
        undescribed.display()
    )));
    let out = abi_check(&[Path::new("verify"), Path::new("--strict"), &undescribed]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));

    // A described function the library does not export: a problem.
    let mut d = example("v1");
    d.library.soname = None;
    let source = library_source(&d).replace("ABI_DESCRIPTOR_EXPORT void tile_query(void) {}", "");
    let missing = c_library(&cc, &source, &dir, "libmissing.so", None);
    let out = abi_check(&[Path::new("verify"), &missing]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains(&format!(
        "error: {}: function `tile_query` is described but not exported",
        missing.display()
    )));

    // Not a library: exit 2, naming the file.
    let json = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/libtile/v1.json");
    let out = abi_check(&[Path::new("verify"), &json]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with(&format!(
        "error: `{}` is not a shared library",
        json.display()
    )));
}

#[test]
fn comparing_two_libraries_gives_the_same_report_as_their_descriptors() {
    let Some(cc) = require_tool("cc") else { return };
    let (_, v1, v2) = libraries(&cc);
    let json = Path::new("--format");
    let libs = abi_check(&[json, Path::new("json"), &v1, &v2]);
    assert_eq!(libs.status.code(), Some(1), "{}", text(&libs.stderr));
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/libtile");
    let files = abi_check(&[
        json,
        Path::new("json"),
        &examples.join("v1.json"),
        &examples.join("v2.json"),
    ]);
    assert_eq!(files.status.code(), Some(1));
    let libs: serde_json::Value = serde_json::from_slice(&libs.stdout).unwrap();
    let files: serde_json::Value = serde_json::from_slice(&files.stdout).unwrap();
    assert_eq!(libs["findings"], files["findings"]);
    assert_eq!(libs["findings"].as_array().unwrap().len(), 12);
    assert_eq!(libs["required_bump"], "major");
}
