//! Real C, Nim and Go libraries built from `tests/fixtures/{c,nim,go}`. Each
//! release's hand-written descriptor is embedded with `abi-check embed`, the
//! library is built with its own toolchain (`cc -shared`, `nim c --app:lib`,
//! `go build -buildmode=c-shared`), and must then carry exactly that
//! descriptor, statically and at run time. A descriptor that lies about a
//! layout must fail the library's build with a message naming the type, and
//! comparing the two releases must report the differences planted between
//! them.
//!
//! The fixture descriptors describe x86_64-unknown-linux-gnu; before
//! embedding, the tests replace their `target` with this host's (the
//! fixtures' layouts are those of every 64-bit LP64 target).

use std::ffi::{c_char, c_int, c_long};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use abi_check::{Report, RuleId, compare};
use abi_descriptor::{CallConv, Descriptor, Endian, Target, TypeKind};

use crate::support::{abi_check_bin, check_library, fixtures, require_tool, run, scratch};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    C,
    Nim,
    Go,
}

impl Lang {
    fn name(self) -> &'static str {
        match self {
            Lang::C => "c",
            Lang::Nim => "nim",
            Lang::Go => "go",
        }
    }

    /// The fixture's descriptor file in each side's directory.
    fn descriptor_file(self) -> &'static str {
        match self {
            Lang::C => "poly.json",
            Lang::Nim => "counter.json",
            Lang::Go => "geo.json",
        }
    }

    /// The toolchain, or `None` (after printing why) when it is missing.
    fn tool(self) -> Option<PathBuf> {
        match self {
            Lang::C => c_compiler(),
            Lang::Nim => require_tool("nim"),
            Lang::Go => require_tool("go"),
        }
    }

    /// Embeds `d` and builds the `side` sources into `dir`: the build's
    /// output, and where the library is when it succeeded.
    fn build(self, tool: &Path, side: &str, d: &Descriptor, dir: &Path) -> (Output, PathBuf) {
        match self {
            Lang::C => build_c(tool, side, d, dir, &[]),
            Lang::Nim => build_nim(tool, side, d, dir),
            Lang::Go => build_go(tool, side, d, dir),
        }
    }
}

/// `$CC`, or `cc`.
pub(crate) fn c_compiler() -> Option<PathBuf> {
    match std::env::var_os("CC") {
        Some(cc) if Path::new(&cc).is_absolute() => Some(PathBuf::from(cc)),
        Some(cc) => require_tool(&cc.to_string_lossy()),
        None => require_tool("cc"),
    }
}

/// This host's target, keeping what the host does not tell.
pub(crate) fn host_target(described: &Target) -> Target {
    let mut t = described.clone();
    let arch = std::env::consts::ARCH;
    t.triple = match std::env::consts::OS {
        "linux" if cfg!(target_env = "musl") => format!("{arch}-unknown-linux-musl"),
        "linux" => format!("{arch}-unknown-linux-gnu"),
        "macos" => format!("{arch}-apple-darwin"),
        os => format!("{arch}-unknown-{os}"),
    };
    t.pointer_width = usize::BITS as u16;
    t.endian = if cfg!(target_endian = "little") {
        Endian::Little
    } else {
        Endian::Big
    };
    t.c_int = size_of::<c_int>() as u8;
    t.c_long = size_of::<c_long>() as u8;
    t.size_t = size_of::<usize>() as u8;
    t.c_char_signed = c_char::MIN != 0;
    t.default_abi = match arch {
        "x86_64" => CallConv::Sysv64,
        "aarch64" | "arm" => CallConv::Aapcs,
        _ => t.default_abi,
    };
    t
}

/// The `side` release's fixture descriptor, for this host.
fn fixture_descriptor(lang: Lang, side: &str) -> Descriptor {
    let path = fixtures()
        .join(lang.name())
        .join(side)
        .join(lang.descriptor_file());
    let mut d = abi_check::read_descriptor(&path).unwrap();
    d.target = host_target(&d.target);
    if !cfg!(target_os = "linux") {
        d.library.soname = None;
    }
    d.canonicalize();
    d
}

/// Writes `d` into `dir` and runs `abi-check embed` on it, writing `output`
/// in `dir`.
fn embed(d: &Descriptor, dir: &Path, lang: &str, args: &[&str], output: &str) -> PathBuf {
    let json = dir.join("descriptor.json");
    std::fs::write(&json, d.to_json().unwrap()).unwrap();
    let out = dir.join(output);
    run(Command::new(abi_check_bin())
        .arg("embed")
        .arg(&json)
        .args(["--lang", lang])
        .args(args)
        .arg("-o")
        .arg(&out));
    out
}

fn soname_flag(d: &Descriptor) -> Option<String> {
    d.library
        .soname
        .as_ref()
        .map(|s| format!("-Wl,-soname,{s}"))
}

fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn build_c(cc: &Path, side: &str, d: &Descriptor, dir: &Path, extra: &[&str]) -> (Output, PathBuf) {
    let src = fixtures().join("c").join(side);
    let mut args = vec!["--include", "poly.h"];
    args.extend_from_slice(extra);
    let generated = embed(d, dir, "c", &args, "poly_abi.c");
    let lib = dir.join("libpoly.so");
    let mut cmd = Command::new(cc);
    cmd.args([
        "-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
    ])
    .arg("-I")
    .arg(&src)
    .args(soname_flag(d))
    .arg(src.join("poly.c"))
    .arg(&generated)
    .arg("-o")
    .arg(&lib)
    .arg("-lm");
    (output(&mut cmd), lib)
}

fn build_nim(nim: &Path, side: &str, d: &Descriptor, dir: &Path) -> (Output, PathBuf) {
    let src = fixtures().join("nim").join(side);
    embed(
        d,
        dir,
        "nim",
        &["--include", "counter_types"],
        "counter_abi.nim",
    );
    let lib = dir.join("libcounter.so");
    let mut cmd = Command::new(nim);
    // nim-ffi's build: a library whose runtime the host starts by calling
    // `initializeLibrary`, which runs `libcounterNimMain`.
    cmd.args([
        "c",
        "--app:lib",
        "--noMain:on",
        "--nimMainPrefix:libcounter",
        "--gc:orc",
        "-d:release",
        "--hints:off",
    ])
    .arg(format!("--path:{}", dir.display()))
    .arg(format!("--path:{}", src.display()))
    // Modules both releases share, such as `cbor_lite`.
    .arg(format!("--path:{}", fixtures().join("nim").display()))
    .arg(format!("--nimcache:{}", dir.join("nimcache").display()))
    .args(soname_flag(d).map(|f| format!("--passL:{f}")))
    .arg(format!("-o:{}", lib.display()))
    .arg(src.join("counter.nim"));
    (output(&mut cmd), lib)
}

fn build_go(go: &Path, side: &str, d: &Descriptor, dir: &Path) -> (Output, PathBuf) {
    // A Go package is a directory: the sources and the generated file go
    // together.
    let src = fixtures().join("go").join(side);
    for file in ["go.mod", "geo.h", "geo.go"] {
        std::fs::copy(src.join(file), dir.join(file)).unwrap();
    }
    embed(d, dir, "go", &["--include", "geo.h"], "abi_descriptor.go");
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go");
    let lib = dir.join("libgeo.so");
    let mut cmd = Command::new(go);
    cmd.args(["build", "-buildmode=c-shared"])
        .args(soname_flag(d).map(|f| format!("-ldflags=-extldflags={f}")))
        .arg("-o")
        .arg(&lib)
        .arg(".")
        .current_dir(dir)
        .env("GOCACHE", cache.join("cache"))
        .env("GOPATH", cache.join("path"))
        .env("GOFLAGS", "")
        .env("GO111MODULE", "on")
        .env("CGO_ENABLED", "1");
    (output(&mut cmd), lib)
}

/// A built fixture library and the descriptor embedded in it.
struct Built {
    lib: PathBuf,
    descriptor: Descriptor,
}

/// The `side` release of the `lang` fixture, built once per test run into
/// `<tmp>/fixtures/<lang>/<side>/`, or `None` without the toolchain.
fn library(lang: Lang, side: &'static str) -> Option<&'static Built> {
    static BUILT: [OnceLock<Option<Built>>; 6] = [const { OnceLock::new() }; 6];
    let slot = lang as usize * 2 + usize::from(side == "new");
    BUILT[slot]
        .get_or_init(|| {
            let tool = lang.tool()?;
            let descriptor = fixture_descriptor(lang, side);
            let dir = scratch(lang.name(), side);
            let (out, lib) = lang.build(&tool, side, &descriptor, &dir);
            assert!(
                out.status.success(),
                "building the {} fixture's {side} release failed\n{}",
                lang.name(),
                text(&out)
            );
            Some(Built { lib, descriptor })
        })
        .as_ref()
}

/// Standard output and error of a build, for assertions and messages.
fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Builds `side` with `d`, which must fail, and returns the build's output.
fn build_must_fail(lang: Lang, side: &str, case: &str, d: &Descriptor) -> Option<String> {
    let tool = lang.tool()?;
    let dir = scratch(lang.name(), case);
    let (out, lib) = lang.build(&tool, side, d, &dir);
    let text = text(&out);
    assert!(
        !out.status.success(),
        "the {} build with a lying descriptor succeeded\n{text}",
        lang.name()
    );
    assert!(!lib.exists(), "{}", lib.display());
    Some(text)
}

/// Sets the declared size of the struct `id`.
fn set_struct_size(d: &mut Descriptor, id: &str, size: u64) {
    let def = d.types.iter_mut().find(|t| t.id == id).unwrap();
    match &mut def.kind {
        TypeKind::Struct(s) => s.size = size,
        other => panic!("`{id}` is a {}", other.as_str()),
    }
}

/// The report of comparing the two built releases, with the descriptors
/// read back from the libraries.
fn report(lang: Lang) -> Option<Report> {
    let old = abi_check::read_descriptor(&library(lang, "old")?.lib).unwrap();
    let new = abi_check::read_descriptor(&library(lang, "new")?.lib).unwrap();
    Some(compare(&old, &new).unwrap())
}

/// The findings of comparing the two built releases, as `(rule, path)`.
fn findings(lang: Lang) -> Option<Vec<(RuleId, String)>> {
    let report = report(lang)?;
    assert!(report.compatible, "1.0.0 -> 2.0.0 is a major bump");
    let mut found: Vec<(RuleId, String)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.path.clone()))
        .collect();
    found.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    Some(found)
}

fn expected(list: &[(RuleId, &str)]) -> Vec<(RuleId, String)> {
    let mut list: Vec<(RuleId, String)> = list.iter().map(|(r, p)| (*r, (*p).to_owned())).collect();
    list.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    list
}

// ---------------------------------------------------------------------------
// The generated sources, without building them.

#[test]
fn generated_sources_hold_the_blob_and_name_their_descriptor() {
    for lang in [Lang::C, Lang::Nim, Lang::Go] {
        let d = fixture_descriptor(lang, "old");
        let dir = scratch(lang.name(), "generated");
        let name = match lang {
            Lang::C => "abi.c",
            Lang::Nim => "abi.nim",
            Lang::Go => "abi.go",
        };
        let source = std::fs::read_to_string(embed(&d, &dir, lang.name(), &[], name)).unwrap();
        let first = source.lines().next().unwrap();
        match lang {
            Lang::C => assert!(first.starts_with("// Generated by `abi-check embed` from `")),
            Lang::Nim => assert!(first.starts_with("# Generated by `abi-check embed` from `")),
            // Go's marker of generated files.
            Lang::Go => assert!(
                first.starts_with("// Code generated by `abi-check embed` from `")
                    && first.ends_with(". DO NOT EDIT."),
                "{first}"
            ),
        }
        let fingerprint = d.fingerprints().unwrap().descriptor.to_string();
        assert!(
            source.contains(&format!("Descriptor fingerprint: {fingerprint}")),
            "{source}"
        );
        // The array holds exactly the canonical blob, 16 bytes a line.
        let blob = d.to_blob().unwrap();
        let rows: Vec<&str> = source
            .lines()
            .filter(|l| l.trim_start().starts_with("0x"))
            .collect();
        assert_eq!(rows.len(), blob.len().div_ceil(16));
        assert!(
            rows[..rows.len() - 1]
                .iter()
                .all(|r| r.matches("0x").count() == 16)
        );
        let bytes: Vec<u8> = rows
            .iter()
            .flat_map(|r| r.split(',').map(str::trim).filter(|c| !c.is_empty()))
            .map(|c| u8::from_str_radix(c.trim_start_matches("0x"), 16).unwrap())
            .collect();
        assert_eq!(bytes, blob, "{}", lang.name());
        assert!(source.contains(&format!("_abi_descriptor_blob[{}]", blob.len())));
        assert!(source.contains("section(\".abi_descriptor\")"));
        assert!(source.contains("section(\"__TEXT,__abi_descriptor\")"));
        assert!(source.contains("__declspec(allocate(\".abidesc\"))"));
    }
}

// ---------------------------------------------------------------------------
// C

#[test]
fn c_releases_carry_their_descriptors() {
    for side in ["old", "new"] {
        if let Some(built) = library(Lang::C, side) {
            check_library(&built.lib, Some(&built.descriptor));
        }
    }
}

#[test]
fn c_lying_struct_size_fails_the_build() {
    let mut d = fixture_descriptor(Lang::C, "old");
    set_struct_size(&mut d, "PolyInfo", 32);
    if let Some(text) = build_must_fail(Lang::C, "old", "lying-size", &d) {
        assert!(
            text.contains("abi-check: struct `PolyInfo`: the descriptor says size 32"),
            "{text}"
        );
    }
}

#[test]
fn c_lying_prototype_fails_the_build() {
    // By pointer instead of by value: the header says otherwise.
    let mut d = fixture_descriptor(Lang::C, "old");
    let f = d
        .functions
        .iter_mut()
        .find(|f| f.symbol == "poly_builder_add")
        .unwrap();
    f.params[1].ty = "*const PolyPoint".into();
    if let Some(text) = build_must_fail(Lang::C, "old", "lying-prototype", &d) {
        assert!(
            text.contains(
                "abi-check: function `poly_builder_add`: the descriptor says `PolyStatus poly_builder_add(PolyBuilder *, const PolyPoint *)`"
            ),
            "{text}"
        );
    }
}

#[test]
fn c_stale_descriptor_fails_the_build_of_the_next_release() {
    // The 1.0.0 descriptor embedded into 2.0.0 sources: every moved layout
    // and changed value is reported.
    let d = fixture_descriptor(Lang::C, "old");
    if let Some(text) = build_must_fail(Lang::C, "new", "stale", &d) {
        for message in [
            "struct `PolyPoint`: the descriptor says size 8",
            "struct `PolyPoint` field `y`: the descriptor says offset 4",
            "extensible `PolyOptions`: the descriptor says size 8",
            "constant `POLY_MAX_POINTS`: the descriptor says value 1024",
        ] {
            assert!(text.contains(message), "{message}\n{text}");
        }
    }
}

#[test]
fn c_tag_types_name_structs_by_tag() {
    let Some(cc) = c_compiler() else { return };
    let d = fixture_descriptor(Lang::C, "old");
    let dir = scratch("c", "tagged");
    let (out, lib) = build_c(&cc, "old", &d, &dir, &["--c-tag-types"]);
    assert!(out.status.success(), "{}", text(&out));
    let source = std::fs::read_to_string(dir.join("poly_abi.c")).unwrap();
    assert!(source.contains("sizeof(struct PolyInfo) == 24"), "{source}");
    assert!(source.contains("sizeof(union PolyValue) == 8"));
    assert!(source.contains("sizeof(enum PolyStatus) == 4"));
    assert!(source.contains("struct PolyBuilder *(*)(void)"));
    assert_eq!(abi_check::read_descriptor(&lib).unwrap(), d);
}

/// The C fixture's 1.0.0 release cross-built with `cc` into
/// `<tmp>/fixtures/c/<case>/<lib_name>`, embedding `d`: the build's output
/// and the library.
fn cross_build(
    cc: &Path,
    d: &Descriptor,
    case: &str,
    lib_name: &str,
    flags: &[&str],
) -> (Output, PathBuf) {
    let dir = scratch("c", case);
    let generated = embed(d, &dir, "c", &["--include", "poly.h"], "poly_abi.c");
    let src = fixtures().join("c/old");
    let lib = dir.join(lib_name);
    let out = output(
        Command::new(cc)
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-shared"])
            .args(flags)
            .arg("-I")
            .arg(&src)
            .arg(src.join("poly.c"))
            .arg(&generated)
            .arg("-o")
            .arg(&lib),
    );
    (out, lib)
}

/// The C fixture's 1.0.0 descriptor, for `target`.
fn c_descriptor_for(target: impl FnOnce(&mut Target)) -> Descriptor {
    let mut d = abi_check::read_descriptor(&fixtures().join("c/old/poly.json")).unwrap();
    target(&mut d.target);
    d.canonicalize();
    d
}

#[test]
fn c_fixture_for_aarch64_linux_checks_its_unsigned_char() {
    let Some(cc) = require_tool("aarch64-linux-gnu-gcc") else {
        return;
    };
    let d = c_descriptor_for(|t| {
        t.triple = "aarch64-unknown-linux-gnu".into();
        t.c_char_signed = false;
        t.default_abi = CallConv::Aapcs;
    });
    let flags = ["-fPIC", "-Wl,-soname,libpoly.so.1"];
    let (out, lib) = cross_build(&cc, &d, "aarch64", "libpoly.so", &flags);
    assert!(out.status.success(), "{}", text(&out));
    let file = abi_check::read_library(&lib).unwrap();
    assert_eq!(file.architecture, "Aarch64");
    assert_eq!(file.descriptor().unwrap(), d);
    let verification = abi_check::verify(&file, &d);
    assert!(verification.passed(), "{verification:?}");

    // A descriptor that keeps x86_64's signed `char` does not build.
    let mut lying = d.clone();
    lying.target.c_char_signed = true;
    let (out, _) = cross_build(&cc, &lying, "aarch64-lying", "libpoly.so", &flags);
    assert!(!out.status.success());
    assert!(
        text(&out).contains(
            "abi-check: target `aarch64-unknown-linux-gnu`: the descriptor says C `char` is signed"
        ),
        "{}",
        text(&out)
    );
}

#[test]
fn c_fixture_for_windows_carries_the_descriptor_in_abidesc() {
    let Some(cc) = require_tool("x86_64-w64-mingw32-gcc") else {
        return;
    };
    let mut d = c_descriptor_for(|t| {
        t.triple = "x86_64-pc-windows-gnu".into();
        t.c_long = 4;
        t.default_abi = CallConv::Win64;
    });
    d.library.soname = None;
    // poly.h does not mark its functions dllexport: an explicit export (the
    // descriptor's) turns off the linker's automatic export of the others.
    let flags = ["-Wl,--export-all-symbols"];
    let (out, dll) = cross_build(&cc, &d, "windows", "poly.dll", &flags);
    assert!(out.status.success(), "{}", text(&out));
    let file = abi_check::read_library(&dll).unwrap();
    assert_eq!(file.format, abi_check::BinaryFormat::Pe);
    assert_eq!(file.descriptor().unwrap(), d);
    assert_eq!(file.blob, d.to_blob().unwrap());
    assert!(
        matches!(file.location, abi_check::Location::DynamicSymbol { .. }),
        "{}",
        file.location
    );
    let verification = abi_check::verify(&file, &d);
    assert!(verification.passed(), "{verification:?}");
    if let Some(objdump) = require_tool("x86_64-w64-mingw32-objdump") {
        let headers =
            String::from_utf8(run(Command::new(objdump).arg("-h").arg(&dll)).stdout).unwrap();
        assert!(headers.contains(".abidesc"), "{headers}");
    }
}

#[test]
fn c_releases_compare_with_the_planted_differences() {
    let Some(found) = findings(Lang::C) else {
        return;
    };
    assert_eq!(
        found,
        expected(&[
            (RuleId::ConstantValueChanged, "constant `POLY_MAX_POINTS`"),
            (RuleId::StructSizeChanged, "struct `PolyPoint`"),
            (RuleId::StructAlignChanged, "struct `PolyPoint`"),
            (RuleId::FieldTypeChanged, "struct `PolyPoint` field `x`"),
            (RuleId::FieldTypeChanged, "struct `PolyPoint` field `y`"),
            (RuleId::FieldOffsetChanged, "struct `PolyPoint` field `y`"),
            (
                RuleId::EnumVariantAdded,
                "enum `PolyStatus` variant `POLY_ERR_DEGENERATE`"
            ),
            (
                RuleId::ExtensibleFieldAppended,
                "extensible `PolyOptions` field `max_points`"
            ),
            (RuleId::FunctionAdded, "function `poly_version`"),
        ])
    );
}

// ---------------------------------------------------------------------------
// Nim

#[test]
fn nim_releases_carry_their_descriptors() {
    for side in ["old", "new"] {
        if let Some(built) = library(Lang::Nim, side) {
            check_library(&built.lib, Some(&built.descriptor));
        }
    }
}

#[test]
fn nim_lying_struct_size_fails_the_build() {
    let mut d = fixture_descriptor(Lang::Nim, "old");
    set_struct_size(&mut d, "CounterSnapshot", 24);
    if let Some(text) = build_must_fail(Lang::Nim, "old", "lying-size", &d) {
        assert!(
            text.contains(
                "abi-check: struct `CounterSnapshot`: size is 16 but the descriptor says 24"
            ),
            "{text}"
        );
    }
}

#[test]
fn nim_lying_enum_size_fails_the_build() {
    // The classic Nim mistake, seen from the other side: an enum without
    // `{.size.}` is one byte, not a C `int`.
    let mut d = fixture_descriptor(Lang::Nim, "old");
    let def = d.types.iter_mut().find(|t| t.id == "CounterState").unwrap();
    let TypeKind::Enum(e) = &mut def.kind else {
        panic!("`CounterState` is an enum")
    };
    e.repr = "u8".into();
    if let Some(text) = build_must_fail(Lang::Nim, "old", "lying-enum", &d) {
        assert!(
            text.contains(
                "abi-check: enum `CounterState`: size (repr `u8`) is 4 but the descriptor says 1"
            ),
            "{text}"
        );
    }
}

/// Runs the nim-ffi-style host `tests/fixtures/nim/host.c` against a built
/// release and returns what it printed.
fn run_nim_host(side: &'static str) -> Option<String> {
    let built = library(Lang::Nim, side)?;
    let cc = c_compiler()?;
    let dir = built.lib.parent().unwrap();
    let host = dir.join("host");
    let mut cmd = Command::new(cc);
    cmd.args(["-std=c11", "-Wall", "-Werror"]);
    if side == "new" {
        cmd.arg("-DCOUNTER_V2");
    }
    run(cmd
        .arg(fixtures().join("nim/host.c"))
        .arg("-o")
        .arg(&host)
        .arg("-ldl"));
    Some(String::from_utf8(run(Command::new(&host).arg(&built.lib)).stdout).unwrap())
}

/// CBOR of `{"value": 12, "limited": true}`.
const ADD_REPLY: &str = "a26576616c75650c676c696d69746564f5";
/// CBOR of `{"eventType": "limit_reached", "payload": {"value": 12}}`.
const LIMIT_EVENT: &str =
    "a2696576656e74547970656d6c696d69745f72656163686564677061796c6f6164a16576616c75650c";
/// `bad request: not a map`, as UTF-8.
const BAD_REQUEST: &str = "62616420726571756573743a206e6f742061206d6170";

#[test]
fn nim_releases_work_as_nim_ffi_libraries() {
    for side in ["old", "new"] {
        let Some(printed) = run_nim_host(side) else {
            return;
        };
        let lines: Vec<&str> = printed.lines().collect();
        // The descriptor is read before `initializeLibrary` starts the runtime.
        assert_eq!(lines[0], "descriptor before init: ok", "{printed}");
        // The constructor's reply is the context's address, a CBOR uint.
        assert!(lines[1].starts_with("create ret=0 cbor=1"), "{printed}");
        let mut rest = vec![
            "context: ok".to_owned(),
            "listener: 1".to_owned(),
            "unknown event listener: 0".to_owned(),
            format!("add ret=0 cbor={ADD_REPLY}"),
            format!("event ret=0 cbor={LIMIT_EVENT}"),
            "add: 0".to_owned(),
            format!("bad ret=1 cbor={BAD_REQUEST}"),
            "bad add: 1".to_owned(),
            "snapshot: 0".to_owned(),
            "snapshot value=12 adds=1 state=2".to_owned(),
            "remove listener: 0".to_owned(),
        ];
        if side == "old" {
            rest.push("destroy ret=0 cbor=f6".to_owned());
        }
        rest.push("destroy: 0".to_owned());
        assert_eq!(lines[2..], rest, "{side}: {printed}");
    }
}

#[test]
fn nim_releases_compare_with_the_planted_differences() {
    let Some(found) = findings(Lang::Nim) else {
        return;
    };
    let planted = [
        (
            RuleId::EnumVariantAddedBreaking,
            "enum `CounterState` variant `COUNTER_RESET`",
        ),
        (RuleId::ParamCountChanged, "function `counter_destroy`"),
        (RuleId::WireContractChanged, "function `counter_destroy`"),
        (RuleId::StructSizeChanged, "struct `CounterSnapshot`"),
        (
            RuleId::FieldTypeChanged,
            "struct `CounterSnapshot` field `adds`",
        ),
        (
            RuleId::FieldOffsetChanged,
            "struct `CounterSnapshot` field `state`",
        ),
        (
            RuleId::WireRequiredFieldAdded,
            "wire record `AddReq` field `times`",
        ),
        (
            RuleId::WireEventAdded,
            "function `counter_add_event_listener` event `reset`",
        ),
        (RuleId::FunctionAdded, "function `counter_reset`"),
    ];
    assert_eq!(found, expected(&planted));
}

// ---------------------------------------------------------------------------
// Go

#[test]
fn go_releases_carry_their_descriptors() {
    for side in ["old", "new"] {
        if let Some(built) = library(Lang::Go, side) {
            check_library(&built.lib, Some(&built.descriptor));
        }
    }
}

#[test]
fn go_lying_struct_size_fails_the_build() {
    let mut d = fixture_descriptor(Lang::Go, "old");
    set_struct_size(&mut d, "GeoQuery", 48);
    if let Some(text) = build_must_fail(Lang::Go, "old", "lying-size", &d) {
        assert!(
            text.contains("abi-check: struct `GeoQuery`: the descriptor says size 48"),
            "{text}"
        );
    }
}

#[test]
fn go_releases_compare_with_the_planted_differences() {
    let Some(found) = findings(Lang::Go) else {
        return;
    };
    let planted = [
        (RuleId::StructSizeChanged, "struct `GeoQuery`"),
        (RuleId::FieldAdded, "struct `GeoQuery` field `radius`"),
        (RuleId::FieldOffsetChanged, "struct `GeoQuery` field `unit`"),
        (
            RuleId::EnumVariantAdded,
            "enum `GeoUnit` variant `GEO_UNIT_MILES`",
        ),
        (RuleId::FunctionAdded, "function `geo_bearing`"),
    ];
    assert_eq!(found, expected(&planted));
}

// ---------------------------------------------------------------------------
// Reports

/// The text, Markdown and JSON reports of comparing the two built releases,
/// as snapshots named `<lang>_<format>`.
fn snapshot_reports(lang: Lang) {
    if !cfg!(target_os = "linux") {
        // Elsewhere the descriptors carry no SONAME.
        eprintln!("skipped: the report snapshots are of Linux builds");
        return;
    }
    let Some(report) = report(lang) else {
        return;
    };
    for (format, out) in crate::support::masked_reports(&report) {
        insta::assert_snapshot!(format!("{}_{format}", lang.name()), out);
    }
}

#[test]
fn c_reports() {
    snapshot_reports(Lang::C);
}

#[test]
fn nim_reports() {
    snapshot_reports(Lang::Nim);
}

#[test]
fn go_reports() {
    snapshot_reports(Lang::Go);
}
