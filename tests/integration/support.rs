//! What every fixture test needs: finding toolchains (or skipping without
//! them), a scratch directory per fixture, and the checks every built
//! library must pass.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use abi_descriptor::Descriptor;

/// Set by `.ci/run`: a missing toolchain fails the test instead of skipping it.
pub const REQUIRE_TOOLCHAINS: &str = "ABI_CHECK_REQUIRE_TOOLCHAINS";

/// The path of the program `name` on `PATH`, or `None` after printing why
/// the calling test skips. Panics instead when [`REQUIRE_TOOLCHAINS`] is set,
/// so that CI never skips.
pub fn require_tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let required = std::env::var_os(REQUIRE_TOOLCHAINS).is_some_and(|v| v != "0");
        assert!(
            !required,
            "`{name}` is not installed and {REQUIRE_TOOLCHAINS} is set; install it (see .ci/run)"
        );
        eprintln!(
            "skipped: `{name}` is not installed (set {REQUIRE_TOOLCHAINS}=1 to make this a failure)"
        );
    }
    found
}

/// A fresh directory for `case`/`side` under the tests' scratch directory,
/// emptied first.
pub fn scratch(case: &str, side: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fixtures")
        .join(case)
        .join(side);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The fixtures' source directory, `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Runs `cmd`, panicking with its output when it fails.
pub fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The blob that loading `lib` and calling its `_abi_descriptor()` returns,
/// obtained in a child process.
pub fn runtime_blob(lib: &Path) -> Vec<u8> {
    run(Command::new(env!("CARGO_BIN_EXE_call-descriptor")).arg(lib)).stdout
}

/// The checks every built library passes, returning its descriptor:
/// - the descriptor read statically equals `expected` (when given), and the
///   embedded bytes are exactly its canonical blob;
/// - calling `_abi_descriptor()` at run time returns the same bytes;
/// - `verify` finds no problem;
/// - a copy stripped with `strip --strip-all` still reads the same, statically
///   and at run time.
pub fn check_library(lib: &Path, expected: Option<&Descriptor>) -> Descriptor {
    let file = abi_check::read_library(lib).unwrap();
    let descriptor = file.descriptor().unwrap();
    if let Some(expected) = expected {
        let mut canonical = expected.clone();
        canonical.canonicalize();
        assert!(
            descriptor == canonical,
            "{}: the embedded descriptor is not the expected one",
            lib.display()
        );
        assert_eq!(
            file.blob,
            expected.to_blob().unwrap(),
            "{}: embedded bytes",
            lib.display()
        );
    }
    assert_eq!(
        file.blob,
        descriptor.to_blob().unwrap(),
        "{}: the embedded blob is not canonical",
        lib.display()
    );
    assert_eq!(
        runtime_blob(lib),
        file.blob,
        "{}: `_abi_descriptor()` returns other bytes than the file holds",
        lib.display()
    );
    // The loader's fast path takes a quicker look, through the GNU hash
    // table of the exports: it must find the same bytes.
    let probe = abi_check::probe_library(lib, &file.blob)
        .unwrap()
        .unwrap_or_else(|| panic!("{}: the quick look does not apply", lib.display()));
    assert!(
        probe.identical,
        "{}: the quick look reads other bytes",
        lib.display()
    );
    assert_eq!(
        probe.header_bytes[..],
        file.blob[..probe.header_bytes.len()]
    );
    let verification = abi_check::verify(&file, &descriptor);
    assert!(
        verification.passed(),
        "{}: {:?}",
        lib.display(),
        verification
    );

    let stripped = lib.with_extension("stripped.so");
    std::fs::copy(lib, &stripped).unwrap();
    if let Some(strip) = require_tool("strip") {
        run(Command::new(strip).arg("--strip-all").arg(&stripped));
        let file = abi_check::read_library(&stripped).unwrap();
        assert!(
            matches!(file.location, abi_check::Location::DynamicSymbol { .. }),
            "{}: a stripped library is read through its exports, not {}",
            stripped.display(),
            file.location
        );
        assert_eq!(file.descriptor().unwrap(), descriptor);
        assert_eq!(runtime_blob(&stripped), file.blob);
        let probe = abi_check::probe_library(&stripped, &file.blob).unwrap();
        assert!(probe.is_some_and(|p| p.identical), "{}", stripped.display());
    }
    descriptor
}

/// The `abi-check` binary of this workspace, built (once per test run) into
/// the same target directory as the tests.
pub fn abi_check_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| workspace_bin("abi-check", "abi-check"))
        .clone()
}

/// Builds the binary `bin` of the workspace's package `package` into the
/// same target directory and profile as the tests, and returns its path.
pub fn workspace_bin(package: &str, bin: &str) -> PathBuf {
    let profile_dir = workspace_build(package, &["--bin", bin]);
    profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX))
}

/// Builds `targets` (`--bin NAME`, `--lib`) of the workspace's package
/// `package` into the same target directory and profile as the tests, and
/// returns that profile's directory, where the built files are.
pub fn workspace_build(package: &str, targets: &[&str]) -> PathBuf {
    // The test executable is `<target>/<profile>/deps/integration-*`.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let target_dir = profile_dir.parent().unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-q", "-p", package])
        .args(targets)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    run(&mut cmd);
    profile_dir.to_path_buf()
}

/// The directory of `abi_descriptor.h`.
pub fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../descriptor/include")
}

/// The bundled example `examples/libtile/{version}.json`.
pub fn example(version: &str) -> Descriptor {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/libtile")
        .join(format!("{version}.json"));
    Descriptor::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A C file defining `descriptor`'s blob through the header, plus a stub for
/// every described function and variable, so that the library exports
/// exactly what it describes.
pub fn library_source(descriptor: &Descriptor) -> String {
    let blob = descriptor.to_blob().unwrap();
    let mut c = String::from("#include \"abi_descriptor.h\"\n\n");
    let bytes: Vec<String> = blob.iter().map(|b| format!("0x{b:02x}")).collect();
    writeln!(
        c,
        "ABI_DESCRIPTOR_DEFINE({}, {{ {} }})\n",
        blob.len(),
        bytes.join(", ")
    )
    .unwrap();
    for f in &descriptor.functions {
        writeln!(c, "ABI_DESCRIPTOR_EXPORT void {}(void) {{}}", f.symbol).unwrap();
    }
    for v in &descriptor.variables {
        writeln!(c, "ABI_DESCRIPTOR_EXPORT const int {} = 1;", v.symbol).unwrap();
    }
    c
}

/// `descriptor` built with `cc` into `dir/name` from [`library_source`],
/// with the descriptor's SONAME.
pub fn stub_library(cc: &Path, descriptor: &Descriptor, dir: &Path, name: &str) -> PathBuf {
    let soname = descriptor.library.soname.as_deref();
    c_library(cc, &library_source(descriptor), dir, name, soname)
}

/// The C source `source` built with `cc` into the shared library
/// `dir/name`, with `abi_descriptor.h` on the include path.
pub fn c_library(cc: &Path, source: &str, dir: &Path, name: &str, soname: Option<&str>) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    let lib = dir.join(name);
    let mut cmd = Command::new(cc);
    cmd.args(["-shared", "-fPIC", "-I"]).arg(include_dir());
    if let Some(soname) = soname {
        cmd.arg(format!("-Wl,-soname,{soname}"));
    }
    run(cmd.arg(&src).arg("-o").arg(&lib));
    lib
}

/// The text, Markdown and JSON renderings of `report`, for snapshots. The
/// fingerprints cover this host's target, so they are masked, as is the
/// scratch directory.
pub fn masked_reports(report: &abi_check::Report) -> Vec<(abi_check::ReportFormat, String)> {
    use abi_check::{RenderOptions, ReportFormat};
    let fingerprints = [
        report.old.fingerprint.to_string(),
        report.new.fingerprint.to_string(),
    ];
    [
        ReportFormat::Text,
        ReportFormat::Markdown,
        ReportFormat::Json,
    ]
    .into_iter()
    .map(|format| {
        let mut out = report.render(format, &RenderOptions::new());
        for fingerprint in &fingerprints {
            out = out.replace(fingerprint.as_str(), "[fingerprint]");
        }
        (format, out.replace(env!("CARGO_TARGET_TMPDIR"), "[tmp]"))
    })
    .collect()
}
