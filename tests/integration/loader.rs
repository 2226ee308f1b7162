//! The loader (`abi-loader`): libraries are checked against what the host
//! expects before they are loaded, and refused ones never run.
//!
//! Every C library built here has a constructor that writes a marker file
//! when the library is loaded; a refused library's marker must never appear,
//! and an accepted one's must (so the marker proves something). The Rust
//! fixture pair `geo` 1.0.0/2.0.0 (built by `rust_producer`) gives a real
//! breaking release; the `calc` library is a small real C library used from
//! Rust, from a C host and from a Go host through the C API.

#![cfg(target_os = "linux")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use abi_check::RuleId;
use abi_describe::Describe;
use abi_descriptor::{Descriptor, ItemRef, TypeKind};
use abi_loader::{Expectation, Library, LoadError, SymbolError};

use crate::fixtures_native::{c_compiler, host_target};
use crate::rust_producer::built;
use crate::support::{
    example, include_dir, library_source, require_tool, run, scratch, workspace_build,
};

// ---------------------------------------------------------------------------
// Building libraries.

/// A constructor that writes `marker` when the library is loaded.
fn constructor(marker: &Path) -> String {
    format!(
        "\n#include <stdio.h>\n__attribute__((constructor)) static void abi_test_mark(void) {{\n  FILE *f = fopen({:?}, \"w\");\n  if (f) {{ fputs(\"ran\", f); fclose(f); }}\n}}\n",
        marker.display().to_string()
    )
}

/// `source` plus a marker constructor, built with `cc` into `dir/name`;
/// returns the library and its marker path.
fn c_library(dir: &Path, name: &str, source: &str) -> Option<(PathBuf, PathBuf)> {
    Some(c_library_with(&c_compiler()?, dir, name, source))
}

fn c_library_with(cc: &Path, dir: &Path, name: &str, source: &str) -> (PathBuf, PathBuf) {
    let marker = dir.join(format!("{name}.ran"));
    let source = format!("{source}{}", constructor(&marker));
    let lib = crate::support::c_library(cc, &source, dir, name, None);
    (lib, marker)
}

/// A C array initialiser of `bytes`.
fn c_bytes(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("0x{b:02x}")).collect();
    format!("{{ {} }}", parts.join(", "))
}

/// `example(version)` for this host's target.
fn tile(version: &str) -> Descriptor {
    let mut d = example(version);
    d.target = host_target(&d.target);
    d.canonicalize();
    d
}

/// The `calc` descriptor (`loader/tests/calc.json`) for this host's target.
fn calc() -> Descriptor {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../loader/tests/calc.json");
    let mut d = abi_check::read_descriptor(&path).unwrap();
    d.target = host_target(&d.target);
    d.library.soname = None;
    d.canonicalize();
    d
}

/// A real `calc` library carrying `d`, with an exported function the
/// descriptor does not describe (`calc_secret`).
fn calc_library(dir: &Path, d: &Descriptor) -> Option<(PathBuf, PathBuf)> {
    let blob = d.to_blob().unwrap();
    let mut src = format!(
        "#include \"abi_descriptor.h\"\nABI_DESCRIPTOR_DEFINE({}, {})\n",
        blob.len(),
        c_bytes(&blob)
    );
    for f in &d.functions {
        match f.symbol.as_str() {
            "calc_add" => {
                src.push_str("ABI_DESCRIPTOR_EXPORT int calc_add(int a, int b) { return a + b; }\n")
            }
            "calc_neg" => {
                src.push_str("ABI_DESCRIPTOR_EXPORT int calc_neg(int a) { return -a; }\n")
            }
            other => panic!("calc has no `{other}`"),
        }
    }
    src.push_str("ABI_DESCRIPTOR_EXPORT int calc_secret(void) { return 42; }\n");
    c_library(dir, "libcalc.so", &src)
}

fn expectation(d: &Descriptor) -> Expectation {
    Expectation::from_bytes(&d.to_blob().unwrap()).unwrap()
}

/// Whether this process has `lib` mapped.
fn is_mapped(lib: &Path) -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let canonical = std::fs::canonicalize(lib).unwrap();
    maps.contains(&*canonical.to_string_lossy())
}

/// Asserts `error` refused the library without loading it.
fn assert_never_ran(lib: &Path, marker: &Path, error: &LoadError) {
    assert!(
        !marker.exists(),
        "{}: the refused library's constructor ran ({error})",
        lib.display()
    );
    assert!(
        !is_mapped(lib),
        "{}: the refused library is mapped",
        lib.display()
    );
}

fn rules(e: &LoadError) -> Vec<RuleId> {
    e.incompatibilities()
        .iter()
        .filter_map(|i| i.rule)
        .collect()
}

// ---------------------------------------------------------------------------
// The check.

#[test]
fn a_compatible_newer_library_with_only_additions_is_accepted() {
    let dir = scratch("loader", "additions");
    let v1 = tile("v1");
    let mut newer = v1.clone();
    newer.library.version = example("v2").library.version; // 1.5.0
    // A new function, and a new value in the open enum the library returns.
    let mut stats = newer
        .functions
        .iter()
        .find(|f| f.symbol == "tile_cache_close")
        .unwrap()
        .clone();
    stats.symbol = "tile_cache_stats".into();
    newer.functions.push(stats);
    let status = newer
        .types
        .iter_mut()
        .find(|t| t.id == "TileStatus")
        .unwrap();
    let TypeKind::Enum(e) = &mut status.kind else {
        panic!("TileStatus is an enum")
    };
    let mut full = e.variants[0].clone();
    full.name = "TILE_ERR_FULL".into();
    full.value = (-3i64).into();
    e.variants.push(full);
    newer.canonicalize();
    newer.validate().unwrap();
    let Some((lib, marker)) = c_library(&dir, "libtile.so", &library_source(&newer)) else {
        return;
    };

    // SAFETY: a test library whose functions do nothing.
    let loaded = unsafe { Library::open(&lib, &expectation(&v1)) }
        .unwrap_or_else(|e| panic!("refused: {e}"));
    assert!(
        marker.exists(),
        "an accepted library is loaded: its constructor ran"
    );
    let report = loaded.report();
    assert!(
        !report.fingerprints_match,
        "TileStatus changed, so a diff ran"
    );
    let found: Vec<RuleId> = report.findings.iter().map(|f| f.rule).collect();
    assert!(found.contains(&RuleId::EnumVariantAdded), "{found:?}");
    // The new function is not the host's business.
    assert!(!found.contains(&RuleId::FunctionAdded), "{found:?}");
    // The check kept only the host's items; asked for, the whole
    // descriptor is decoded, the new function with it.
    assert_eq!(loaded.descriptor().unwrap(), &newer);
    loaded.close().unwrap();
}

#[test]
fn a_library_missing_a_function_the_host_needs_is_refused_before_it_runs() {
    let dir = scratch("loader", "missing");
    let v1 = tile("v1");
    let mut broken = v1.clone();
    broken.functions.retain(|f| f.symbol != "tile_cache_close");
    let Some((lib, marker)) = c_library(&dir, "libtile.so", &library_source(&broken)) else {
        return;
    };
    // SAFETY: never loaded (that is the point), and harmless if it were.
    let error = unsafe { Library::open(&lib, &expectation(&v1)) }.unwrap_err();
    assert_never_ran(&lib, &marker, &error);
    let LoadError::Incompatible(refusal) = &error else {
        panic!("expected an incompatibility, got {error}")
    };
    assert_eq!(refusal.incompatibilities.len(), 1, "{error}");
    let i = &refusal.incompatibilities[0];
    assert_eq!(i.rule, Some(RuleId::FunctionRemoved));
    assert_eq!(i.path, "function `tile_cache_close`");
    assert_eq!(
        (i.expected.as_deref(), i.found.as_str()),
        (Some("present"), "missing")
    );
    let message = error.to_string();
    assert!(message.starts_with("refusing `"), "{message}");
    assert!(
        message.contains("function_removed: function `tile_cache_close`: removed"),
        "{message}"
    );
    assert!(
        message.contains(
            "rebuild the host against tile 1.4.0, or pin tile to a release compatible with 1.4.0"
        ),
        "{message}"
    );

    // A host that does not use `tile_cache_close` takes the same library.
    let subset = expectation(&v1)
        .functions(&["tile_cache_open", "tile_render"])
        .unwrap();
    let checked = abi_loader::check(&lib, &subset).unwrap();
    assert!(checked.report().fingerprints_match);
}

#[test]
fn a_host_using_a_subset_accepts_a_library_whose_other_items_broke() {
    let (old, new) = (&built().old, &built().new);
    let v1 = Expectation::from_bytes(&abi_check::read_blob(old).unwrap()).unwrap();

    // Everything geo 1.0.0 offers: 2.0.0 breaks it.
    let error = abi_loader::check(new, &v1).unwrap_err();
    let found = rules(&error);
    for rule in [
        RuleId::FunctionRemoved,
        RuleId::EnumVariantAddedBreaking,
        RuleId::FieldAdded,
        RuleId::StructSizeChanged,
        RuleId::ThreadingTightened,
        RuleId::ConstantValueChanged,
    ] {
        assert!(found.contains(&rule), "{rule} not in {found:?}:\n{error}");
    }
    let message = error.to_string();
    assert!(
        message.contains(
            "rebuild the host against geo 2.0.0, or pin geo to a release compatible with 1.0.0"
        ),
        "{message}"
    );

    // A host that measures points and rectangles and keeps worlds is not
    // affected: the items it uses did not change at all.
    let subset = v1
        .narrowed(&[
            ItemRef::function("geo_distance"),
            ItemRef::function("geo_rect_area"),
            ItemRef::function("geo_world_new"),
            ItemRef::function("geo_world_bounds"),
            ItemRef::new(abi_descriptor::ItemKind::Variable, "GEO_ORIGIN"),
        ])
        .unwrap();
    // SAFETY: the fixture library is trusted test code.
    let lib = unsafe { Library::open(new, &subset) }.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        lib.report().fingerprints_match,
        "fast path: nothing the host uses changed"
    );
    // `geo_world_free` comes with `geo_world_new`, whose pointer it frees.
    assert!(
        lib.report()
            .items
            .contains(&ItemRef::function("geo_world_free"))
    );

    // SAFETY: the symbol is not used after `lib` is dropped.
    let distance =
        unsafe { lib.function::<extern "C" fn(GeoPoint, GeoPoint) -> f64>("geo_distance") }
            .unwrap();
    let (a, b) = (GeoPoint { x: 0.0, y: 0.0 }, GeoPoint { x: 3.0, y: 4.0 });
    assert_eq!(distance(a, b), 5.0);
    // SAFETY: as above.
    let area =
        unsafe { lib.function::<extern "C" fn(&'static GeoRect) -> f64>("geo_rect_area") }.unwrap();
    static RECT: GeoRect = GeoRect {
        min: GeoPoint { x: 1.0, y: 1.0 },
        max: GeoPoint { x: 3.0, y: 4.0 },
    };
    assert_eq!(area(&RECT), 6.0);
}

#[test]
fn a_library_embedding_the_expected_descriptor_takes_the_fast_path() {
    let (old, new) = (&built().old, &built().new);
    let v1 = Expectation::from_bytes(&abi_check::read_blob(old).unwrap()).unwrap();
    let subset = v1.functions(&["geo_distance"]).unwrap();

    // The library the host was built against: accepted by byte identity,
    // with the report the expectation made of its own source.
    for expected in [&v1, &subset] {
        let checked = abi_loader::check(old, expected).unwrap_or_else(|e| panic!("{e}"));
        assert!(checked.identical(), "the fast path applies");
        assert!(checked.report().fingerprints_match);
        assert!(checked.report().findings.is_empty());
        assert_eq!(*checked.report().items, expected.items());
        // The whole descriptor, not just the host's part.
        assert_eq!(
            checked.descriptor().unwrap(),
            &abi_check::read_descriptor(old).unwrap()
        );
        // SAFETY: the fixture library is trusted test code.
        let lib = unsafe { checked.load() }.unwrap_or_else(|e| panic!("{e}"));
        assert!(lib.identical());
    }

    // Another release that still serves the subset host: judged in full.
    let checked = abi_loader::check(new, &subset).unwrap_or_else(|e| panic!("{e}"));
    assert!(!checked.identical());
    assert!(checked.report().fingerprints_match);
}

/// geo's types, as a host declares them.
#[derive(Describe, Clone, Copy)]
#[repr(C)]
pub struct GeoPoint {
    pub x: f64,
    pub y: f64,
}

#[derive(Describe)]
#[repr(C)]
pub struct GeoRect {
    pub min: GeoPoint,
    pub max: GeoPoint,
}

/// A host that got `GeoPoint` wrong.
mod wrong {
    use abi_describe::Describe;

    #[derive(Describe, Clone, Copy)]
    #[repr(C)]
    pub struct GeoPoint {
        pub x: f32,
        pub y: f32,
    }
}

#[test]
fn typed_symbols_with_a_wrong_rust_signature_are_refused() {
    let new = &built().new;
    let geo = Expectation::from_bytes(&abi_check::read_blob(new).unwrap())
        .unwrap()
        .functions(&["geo_distance", "geo_rect_area"])
        .unwrap();
    // SAFETY: the fixture library is trusted test code.
    let lib = unsafe { Library::open(new, &geo) }.unwrap();

    let refused = |e: SymbolError| match e {
        SymbolError::Mismatch {
            incompatibilities,
            message,
            ..
        } => (
            incompatibilities
                .iter()
                .filter_map(|i| i.rule)
                .collect::<Vec<_>>(),
            message,
        ),
        other => panic!("expected a mismatch, got {other}"),
    };
    // SAFETY (all lookups below): the symbols are refused, or not called.
    let (found, message) = refused(
        unsafe { lib.function::<extern "C" fn(GeoPoint) -> f64>("geo_distance") }.unwrap_err(),
    );
    assert_eq!(found, [RuleId::ParamCountChanged], "{message}");
    assert!(
        message.contains("does not match function `geo_distance`"),
        "{message}"
    );
    assert!(
        message.contains(
            "param_count_changed: function `geo_distance`: expected 1, found 2 parameters"
        ),
        "{message}"
    );
    assert!(
        message.contains("change the Rust type to the described signature"),
        "{message}"
    );

    let (found, message) = refused(
        unsafe { lib.function::<extern "C" fn(GeoPoint, GeoPoint) -> f32>("geo_distance") }
            .unwrap_err(),
    );
    assert_eq!(found, [RuleId::ReturnTypeChanged], "{message}");

    // A pointer the host may pass as null, where the library wants non-null.
    let (found, message) = refused(
        unsafe { lib.function::<extern "C" fn(*const GeoRect) -> f64>("geo_rect_area") }
            .unwrap_err(),
    );
    assert_eq!(found, [RuleId::NullabilityChanged], "{message}");

    // Floats where the library has doubles: the layout is compared.
    let (found, message) = refused(
        unsafe {
            lib.function::<extern "C" fn(wrong::GeoPoint, wrong::GeoPoint) -> f64>("geo_distance")
        }
        .unwrap_err(),
    );
    assert!(found.contains(&RuleId::StructSizeChanged), "{message}");
    assert!(found.contains(&RuleId::FieldTypeChanged), "{message}");

    // Unwinding where the library promises none is fine; the reverse is not
    // (checked on the C-unwind side in `calc`).
    let ok =
        unsafe { lib.function::<extern "C-unwind" fn(GeoPoint, GeoPoint) -> f64>("geo_distance") };
    assert!(ok.is_ok());

    // Not a function pointer, and not described.
    assert!(matches!(
        unsafe { lib.function::<i32>("geo_distance") },
        Err(SymbolError::NotAFunction { .. })
    ));
    assert!(matches!(
        unsafe { lib.function::<extern "C" fn() -> u32>("geo_version") },
        Err(SymbolError::NotDescribed { .. })
    ));
}

#[test]
fn typed_symbols_are_only_handed_out_for_described_functions() {
    let dir = scratch("loader", "calc-typed");
    let d = calc();
    let Some((lib, _)) = calc_library(&dir, &d) else {
        return;
    };
    // SAFETY: `calc` is trusted test code.
    let calc = unsafe { Library::open(&lib, &expectation(&d)) }.unwrap();
    assert!(calc.report().fingerprints_match);
    // SAFETY: used while `calc` is loaded.
    let add = unsafe { calc.function::<extern "C" fn(i32, i32) -> i32>("calc_add") }.unwrap();
    assert_eq!(add(2, 3), 5);
    // `calc_secret` is exported, but the descriptor does not describe it.
    let error = unsafe { calc.function::<extern "C" fn() -> i32>("calc_secret") }.unwrap_err();
    assert!(matches!(error, SymbolError::NotDescribed { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("only described functions are handed out"),
        "{error}"
    );
    // An unsigned parameter where the library takes a signed one.
    let error = unsafe { calc.function::<extern "C" fn(u32) -> i32>("calc_neg") }.unwrap_err();
    let SymbolError::Mismatch {
        incompatibilities, ..
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!(incompatibilities[0].rule, Some(RuleId::ParamTypeChanged));
    assert_eq!(incompatibilities[0].path, "function `calc_neg` parameter 0");
    assert_eq!(incompatibilities[0].expected.as_deref(), Some("`u32`"));
    assert_eq!(incompatibilities[0].found, "`i32`");
}

/// A library that holds what the host expects unchanged is accepted
/// without its descriptor being decoded: the rest of it is decoded when
/// first asked for. Here the rest does not validate (`calc_neg` takes a type
/// the descriptor does not define), which a host of `calc_add` alone never
/// meets, and a host of both is refused for.
#[test]
fn the_rest_of_a_library_that_holds_the_host_s_items_is_decoded_when_asked_for() {
    let dir = scratch("loader", "calc-lazy");
    let d = calc();
    let mut broken = d.clone();
    let neg = broken
        .functions
        .iter_mut()
        .find(|f| f.symbol == "calc_neg")
        .unwrap();
    neg.params[0].ty = abi_descriptor::TypeRef::new("Missing");
    assert!(broken.validate().is_err());
    let Some((lib, marker)) = calc_library(&dir, &broken) else {
        return;
    };

    let add_only = expectation(&d).functions(&["calc_add"]).unwrap();
    // SAFETY: `calc` is trusted test code.
    let calc = unsafe { Library::open(&lib, &add_only) }.unwrap_or_else(|e| panic!("{e}"));
    assert!(calc.report().fingerprints_match);
    assert!(!calc.identical());
    // The host's function, checked against what the check found.
    // SAFETY: used while `calc` is loaded.
    let add = unsafe { calc.function::<extern "C" fn(i32, i32) -> i32>("calc_add") }.unwrap();
    assert_eq!(add(2, 3), 5);
    let error = unsafe { calc.function::<extern "C" fn(u32, i32) -> i32>("calc_add") }.unwrap_err();
    assert!(matches!(error, SymbolError::Mismatch { .. }), "{error}");
    // The rest needs the whole descriptor, which does not validate.
    let error = calc.descriptor().unwrap_err();
    assert!(
        matches!(error, abi_check::ReadError::Invalid { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("libcalc.so"), "{error}");
    let error = unsafe { calc.function::<extern "C" fn(i32) -> i32>("calc_neg") }.unwrap_err();
    assert!(matches!(error, SymbolError::Descriptor { .. }), "{error}");
    calc.close().unwrap();

    // A host of `calc_neg` too needs what does not validate.
    std::fs::remove_file(&marker).unwrap();
    let error = unsafe { Library::open(&lib, &expectation(&d)) }.unwrap_err();
    assert!(matches!(error, LoadError::Read { .. }), "{error}");
    assert_never_ran(&lib, &marker, &error);

    // A library whose whole descriptor is valid gives it when asked.
    let dir = scratch("loader", "calc-lazy-valid");
    let mut grown = d.clone();
    grown.library.version = "1.1.0".parse().unwrap();
    let Some((lib, _)) = calc_library(&dir, &grown) else {
        return;
    };
    // SAFETY: as above.
    let calc = unsafe { Library::open(&lib, &add_only) }.unwrap_or_else(|e| panic!("{e}"));
    assert!(calc.report().fingerprints_match && !calc.identical());
    assert_eq!(calc.report().library.version, grown.library.version);
    assert_eq!(calc.descriptor().unwrap(), &grown);
    // SAFETY: as above.
    let neg = unsafe { calc.function::<extern "C" fn(i32) -> i32>("calc_neg") }.unwrap();
    assert_eq!(neg(2), -2);
}

// ---------------------------------------------------------------------------
// Refused before loading: nothing of the library runs.

#[test]
fn refused_libraries_run_no_constructor_c_or_rust() {
    let dir = scratch("loader", "constructors");
    let v1 = tile("v1");
    let mut broken = v1.clone();
    broken.functions.retain(|f| f.symbol != "tile_render");
    let Some((c_lib, c_marker)) = c_library(&dir, "libtile_c.so", &library_source(&broken)) else {
        return;
    };
    // SAFETY: never loaded.
    let error = unsafe { Library::open(&c_lib, &expectation(&v1)) }.unwrap_err();
    assert_eq!(rules(&error), [RuleId::FunctionRemoved]);
    assert_never_ran(&c_lib, &c_marker, &error);

    // A Rust library whose `.init_array` entry writes the marker.
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let rust = |name: &str, d: &Descriptor| {
        let marker = dir.join(format!("{name}.ran"));
        let blob = d.to_blob().unwrap();
        let mut src = format!(
            "#![allow(non_upper_case_globals)]\n\
             extern \"C\" fn mark() {{ let _ = std::fs::write({:?}, \"ran\"); }}\n\
             #[used]\n#[unsafe(link_section = \".init_array\")]\n\
             static INIT: extern \"C\" fn() = mark;\n\
             #[unsafe(no_mangle)]\n#[unsafe(link_section = \".abi_descriptor\")]\n\
             pub static _abi_descriptor_blob: [u8; {}] = {:?};\n\
             #[unsafe(no_mangle)]\npub extern \"C\" fn _abi_descriptor() -> *const u8 {{ _abi_descriptor_blob.as_ptr() }}\n",
            marker.display().to_string(),
            blob.len(),
            blob
        );
        for f in &d.functions {
            writeln!(
                src,
                "#[unsafe(no_mangle)]\npub extern \"C\" fn {}() {{}}",
                f.symbol
            )
            .unwrap();
        }
        for v in &d.variables {
            writeln!(
                src,
                "#[unsafe(no_mangle)]\npub static {}: i32 = 1;",
                v.symbol
            )
            .unwrap();
        }
        let file = dir.join(format!("{name}.rs"));
        std::fs::write(&file, src).unwrap();
        let lib = dir.join(format!("lib{name}.so"));
        run(Command::new(&rustc)
            .args(["--edition", "2024", "--crate-type", "cdylib", "-O", "-o"])
            .arg(&lib)
            .arg(&file));
        (lib, marker)
    };
    let (rust_lib, rust_marker) = rust("tile_rust_broken", &broken);
    // SAFETY: never loaded.
    let error = unsafe { Library::open(&rust_lib, &expectation(&v1)) }.unwrap_err();
    assert_eq!(rules(&error), [RuleId::FunctionRemoved], "{error}");
    assert_never_ran(&rust_lib, &rust_marker, &error);

    // The same Rust library with a compatible descriptor is loaded, and its
    // `.init_array` entry runs: the marker proves it.
    let (rust_ok, ok_marker) = rust("tile_rust_ok", &v1);
    // SAFETY: its functions do nothing; its constructor writes a file.
    let lib = unsafe { Library::open(&rust_ok, &expectation(&v1)) }.unwrap();
    assert!(
        ok_marker.exists(),
        "the accepted library's `.init_array` ran"
    );
    drop(lib);
}

#[test]
fn a_library_without_a_descriptor_is_refused() {
    let dir = scratch("loader", "no-descriptor");
    let src =
        "__attribute__((visibility(\"default\"))) int calc_add(int a, int b) { return a + b; }\n";
    let Some((lib, marker)) = c_library(&dir, "libcalc.so", src) else {
        return;
    };
    // SAFETY: never loaded.
    let error = unsafe { Library::open(&lib, &expectation(&calc())) }.unwrap_err();
    assert_never_ran(&lib, &marker, &error);
    let LoadError::Read { source, .. } = &error else {
        panic!("{error}")
    };
    assert!(
        matches!(
            **source,
            abi_check::ReadError::NoDescriptor {
                has_function: false,
                ..
            }
        ),
        "{source}"
    );
    let message = format!("{error}: {source}");
    assert!(
        message.contains("no valid descriptor can be read from the file (nothing of it was run)"),
        "{message}"
    );
    assert!(message.contains("has no embedded descriptor"), "{message}");
}

#[test]
fn a_garbage_descriptor_is_refused() {
    let dir = scratch("loader", "garbage");
    let good = calc().to_blob().unwrap();
    // A blob whose body no longer matches its hash, and bytes that are no
    // blob at all.
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    let mut noise = b"not a descriptor, just bytes".to_vec();
    noise.resize(good.len(), b'!');
    for (name, blob) in [("libflipped.so", flipped), ("libnoise.so", noise)] {
        let src = format!(
            "#include \"abi_descriptor.h\"\nABI_DESCRIPTOR_DEFINE({}, {})\nABI_DESCRIPTOR_EXPORT int calc_add(int a, int b) {{ return a + b; }}\n",
            blob.len(),
            c_bytes(&blob)
        );
        let Some((lib, marker)) = c_library(&dir, name, &src) else {
            return;
        };
        // SAFETY: never loaded.
        let error = unsafe { Library::open(&lib, &expectation(&calc())) }.unwrap_err();
        assert_never_ran(&lib, &marker, &error);
        let LoadError::Read { source, .. } = &error else {
            panic!("{name}: {error}")
        };
        assert!(
            matches!(**source, abi_check::ReadError::Embedded { .. }),
            "{name}: {source}"
        );
        assert!(
            source.to_string().contains("is not readable"),
            "{name}: {source}"
        );
    }
}

#[test]
fn a_descriptor_for_another_architecture_is_refused() {
    let dir = scratch("loader", "other-arch");
    let host = calc();
    let mut aarch64 = host.clone();
    aarch64.target.triple = "aarch64-unknown-linux-gnu".into();
    aarch64.target.default_abi = abi_descriptor::CallConv::Aapcs;
    aarch64.target.c_char_signed = false;
    aarch64.canonicalize();
    if std::env::consts::ARCH != "x86_64" {
        eprintln!("skipped: the test describes an x86_64 library as aarch64");
        return;
    }
    // This machine's library, described as an aarch64 one.
    let Some((lib, marker)) = calc_library(&dir, &aarch64) else {
        return;
    };
    // SAFETY: never loaded.
    let error = unsafe { Library::open(&lib, &expectation(&host)) }.unwrap_err();
    assert_never_ran(&lib, &marker, &error);
    let LoadError::Incompatible(refusal) = &error else {
        panic!("{error}")
    };
    let problems: Vec<&str> = refusal
        .incompatibilities
        .iter()
        .filter(|i| i.rule.is_none())
        .map(|i| i.found.as_str())
        .collect();
    assert_eq!(
        problems,
        ["the descriptor is for `aarch64-unknown-linux-gnu` but the file is built for X86_64"],
        "{error}"
    );
    assert!(rules(&error).contains(&RuleId::TargetChanged), "{error}");
    assert!(
        error
            .to_string()
            .contains("does not describe the file: rebuild the library"),
        "{error}"
    );

    // A real aarch64 library, described as such.
    let Some(cross) = require_tool("aarch64-linux-gnu-gcc") else {
        return;
    };
    let blob = aarch64.to_blob().unwrap();
    let src = format!(
        "#include \"abi_descriptor.h\"\nABI_DESCRIPTOR_DEFINE({}, {})\nABI_DESCRIPTOR_EXPORT int calc_add(int a, int b) {{ return a + b; }}\nABI_DESCRIPTOR_EXPORT int calc_neg(int a) {{ return -a; }}\n",
        blob.len(),
        c_bytes(&blob)
    );
    let (lib, marker) = c_library_with(&cross, &dir, "libcalc-aarch64.so", &src);
    let error = abi_loader::check(&lib, &expectation(&host)).unwrap_err();
    assert!(!marker.exists());
    let LoadError::Architecture { found, host, .. } = &error else {
        panic!("{error}")
    };
    assert_eq!(found, "Aarch64 (64-bit, little-endian)");
    assert_eq!(host, "X86_64 (64-bit, little-endian)");
}

// ---------------------------------------------------------------------------
// Refused after loading: the run-time descriptor differs.

#[test]
fn a_library_whose_runtime_descriptor_differs_is_refused_and_unloaded() {
    let dir = scratch("loader", "runtime");
    let d = calc();
    let blob = d.to_blob().unwrap();
    let mut other = d.clone();
    other.library.version = example("v2").library.version;
    let other_blob = other.to_blob().unwrap();
    let src = format!(
        "#include \"abi_descriptor.h\"\n\
         ABI_DESCRIPTOR_BLOB_ATTRIBUTES const uint8_t _abi_descriptor_blob[{}] = {};\n\
         static const uint8_t runtime_blob[{}] = {};\n\
         ABI_DESCRIPTOR_EXPORT const uint8_t *_abi_descriptor(void) {{ return runtime_blob; }}\n\
         ABI_DESCRIPTOR_EXPORT int calc_add(int a, int b) {{ return a + b; }}\n\
         ABI_DESCRIPTOR_EXPORT int calc_neg(int a) {{ return -a; }}\n",
        blob.len(),
        c_bytes(&blob),
        other_blob.len(),
        c_bytes(&other_blob)
    );
    let Some((lib, marker)) = c_library(&dir, "libcalc.so", &src) else {
        return;
    };
    // The static check passes: the file's blob is the expected one.
    let checked = abi_loader::check(&lib, &expectation(&d)).unwrap();
    assert!(!marker.exists());
    // SAFETY: test code; its constructor writes a file.
    let error = unsafe { checked.load() }.unwrap_err();
    let LoadError::RuntimeDescriptor { problem, .. } = &error else {
        panic!("{error}")
    };
    assert!(
        problem.starts_with(
            "`_abi_descriptor()` returns other bytes than the file holds (first difference at byte"
        ),
        "{problem}"
    );
    assert!(error.to_string().contains("(unloaded again)"), "{error}");
    // It was loaded (its constructor ran) and then unloaded.
    assert!(marker.exists());
    assert!(!is_mapped(&lib), "the refused library is still mapped");
}

// ---------------------------------------------------------------------------
// Expectations from the host's own declarations.

/// geo, as this host declares the part of it that it uses (the test only
/// reads the expectation; a real host would call the functions).
#[allow(dead_code)]
mod host_declarations {
    use super::{GeoPoint, GeoRect};

    #[abi_describe::expectation(GEO_USED, library = "geo", version = "1.0.0")]
    unsafe extern "C" {
        pub fn geo_distance(a: GeoPoint, b: GeoPoint) -> f64;
        pub fn geo_rect_area(rect: &GeoRect) -> f64;
    }
}

/// A host that declares `geo_distance` with one parameter.
#[allow(dead_code, clashing_extern_declarations)]
mod wrong_declarations {
    use super::GeoPoint;

    #[abi_describe::expectation(GEO_WRONG, library = "geo", version = "1.0.0")]
    unsafe extern "C" {
        pub fn geo_distance(a: GeoPoint) -> f64;
    }
}

#[test]
fn host_declarations_are_the_expectation() {
    let used = Expectation::from_bytes(&host_declarations::GEO_USED).unwrap();
    let d = used.descriptor();
    assert_eq!(d.library.name, "geo");
    let symbols: Vec<&str> = d.functions.iter().map(|f| f.symbol.as_str()).collect();
    assert_eq!(symbols, ["geo_distance", "geo_rect_area"]);

    // The declarations say exactly what geo 2.0.0 describes: fast path.
    // SAFETY: the fixture library is trusted test code.
    let lib = unsafe { Library::open(&built().new, &used) }.unwrap_or_else(|e| panic!("{e}"));
    assert!(lib.report().fingerprints_match);
    drop(lib);

    // A declaration that drifted from the library is refused.
    let wrong = Expectation::from_bytes(&wrong_declarations::GEO_WRONG).unwrap();
    let error = abi_loader::check(&built().new, &wrong).unwrap_err();
    assert_eq!(rules(&error), [RuleId::ParamCountChanged], "{error}");

    // Both expectations are in this test binary's expectation section.
    let exe = std::env::current_exe().unwrap();
    let found = abi_check::read_expectations(&exe).unwrap();
    let blobs: Vec<Vec<u8>> = found.iter().map(|d| d.to_blob().unwrap()).collect();
    assert!(blobs.contains(&host_declarations::GEO_USED.to_vec()));
    assert!(blobs.contains(&wrong_declarations::GEO_WRONG.to_vec()));
}

// ---------------------------------------------------------------------------
// `abi-check check-host`: the same check, statically, for CI.

#[test]
fn check_host_checks_a_host_binary_against_a_library() {
    let Some(cc) = c_compiler() else {
        return;
    };
    let dir = scratch("loader", "check-host");
    let v1 = tile("v1");
    let uses = v1.narrowed(&[
        ItemRef::function("tile_cache_open"),
        ItemRef::function("tile_cache_close"),
    ]);
    // A C host with two expectations in its `.abi_expectation` section.
    let mut host_src = String::new();
    for (i, d) in [&uses, &calc()].into_iter().enumerate() {
        let blob = d.to_blob().unwrap();
        writeln!(
            host_src,
            "__attribute__((used, section(\".abi_expectation\"))) static const unsigned char expectation{i}[{}] = {};",
            blob.len(),
            c_bytes(&blob)
        )
        .unwrap();
    }
    host_src.push_str("int main(void) { return 0; }\n");
    std::fs::write(dir.join("host.c"), host_src).unwrap();
    let host = dir.join("host");
    run(Command::new(&cc)
        .arg(dir.join("host.c"))
        .arg("-o")
        .arg(&host));

    let mut newer = v1.clone();
    newer.functions.retain(|f| f.symbol != "tile_render");
    let (ok_lib, _) = c_library_with(&cc, &dir, "libtile_ok.so", &library_source(&newer));
    let mut broken = v1.clone();
    broken.functions.retain(|f| f.symbol != "tile_cache_close");
    let (bad_lib, bad_marker) =
        c_library_with(&cc, &dir, "libtile_bad.so", &library_source(&broken));

    let check_host = |lib: &Path| {
        let out = Command::new(crate::support::abi_check_bin())
            .arg("check-host")
            .arg(&host)
            .arg(lib)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, stdout, stderr) = check_host(&ok_lib);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "tile 1.4.0 provides what `{}` expects of tile 1.4.0 (2 items): the fingerprints of every expected item match",
            host.display()
        )),
        "{stdout}"
    );
    let (code, stdout, stderr) = check_host(&bad_lib);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("function_removed: function `tile_cache_close`: removed"),
        "{stdout}"
    );
    assert!(!bad_marker.exists(), "check-host runs nothing");

    // The calc expectation applies to calc.
    let (calc_lib, _) = calc_library(&dir, &calc()).unwrap();
    let (code, stdout, _) = check_host(&calc_lib);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("calc 1.0.0 provides what"), "{stdout}");

    // A host with no expectation section.
    let (code, _, stderr) = check_host_args(&[&ok_lib, &ok_lib]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("embeds no expectation: no `.abi_expectation` section"),
        "{stderr}"
    );

    // This test binary: the declared geo expectations, one of them wrong.
    let exe = std::env::current_exe().unwrap();
    let (code, stdout, stderr) = check_host_args(&[&exe, &built().new]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("geo 2.0.0 provides what"), "{stdout}");
    assert!(
        stdout.contains("param_count_changed: function `geo_distance`"),
        "{stdout}"
    );
}

fn check_host_args(args: &[&Path]) -> (Option<i32>, String, String) {
    let out = Command::new(crate::support::abi_check_bin())
        .arg("check-host")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

// ---------------------------------------------------------------------------
// The C API, from C and from Go.

/// The loader's cdylib, built once per test run into the tests' target
/// directory.
fn loader_cdylib() -> PathBuf {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| workspace_build("abi-loader", &["--lib"]).join("libabi_loader.so"))
        .clone()
}

fn loader_include() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../loader/include")
}

/// The libraries the foreign hosts open: a good `calc`, one without
/// `calc_neg`, and one without a descriptor.
struct CalcCases {
    expected: PathBuf,
    good: PathBuf,
    missing: PathBuf,
    bare: PathBuf,
    missing_marker: PathBuf,
    bare_marker: PathBuf,
}

fn calc_cases(dir: &Path) -> Option<CalcCases> {
    let d = calc();
    let expected = dir.join("calc.abi");
    std::fs::write(&expected, d.to_blob().unwrap()).unwrap();
    let good_dir = dir.join("good");
    std::fs::create_dir_all(&good_dir).unwrap();
    let (good, _) = calc_library(&good_dir, &d)?;
    let mut partial = d.clone();
    partial.functions.retain(|f| f.symbol != "calc_neg");
    let missing_dir = dir.join("missing");
    std::fs::create_dir_all(&missing_dir).unwrap();
    let (missing, m1) = calc_library(&missing_dir, &partial)?;
    let (bare, m2) = c_library(
        dir,
        "libbare.so",
        "__attribute__((visibility(\"default\"))) int calc_add(int a, int b) { return a + b; }\n",
    )?;
    Some(CalcCases {
        expected,
        good,
        missing,
        bare,
        missing_marker: m1,
        bare_marker: m2,
    })
}

const C_HOST: &str = r#"#include <stdio.h>
#include <stdlib.h>
#include "abi_loader.h"

/* host LIBRARY EXPECTED.abi [FUNCTION...] */
int main(int argc, char **argv) {
    FILE *f = fopen(argv[2], "rb");
    static uint8_t expected[1 << 16];
    size_t len = fread(expected, 1, sizeof expected, f);
    fclose(f);
    abi_loader_library *lib = NULL;
    abi_loader_error *err = NULL;
    abi_loader_status status = abi_loader_open(argv[1], expected, len,
        (const char *const *)(argv + 3), (size_t)(argc - 3), &lib, &err);
    printf("status %d\n", (int)status);
    if (status != ABI_LOADER_OK) {
        for (size_t i = 0; i < abi_loader_error_count(err); i++) {
            const abi_loader_incompatibility *x = abi_loader_error_incompatibility(err, i);
            printf("incompatibility %s | %s | %s | %s\n", x->rule, x->path, x->expected, x->found);
        }
        printf("message %s\n", abi_loader_error_message(err));
        abi_loader_error_free(err);
        return 1;
    }
    int (*add)(int, int) = (int (*)(int, int))abi_loader_symbol(lib, "calc_add");
    printf("calc_add(2, 3) = %d\n", add(2, 3));
    printf("calc_secret %s\n", abi_loader_symbol(lib, "calc_secret") ? "handed out" : "refused");
    abi_loader_close(lib);
    return 0;
}
"#;

/// Runs a foreign host on the three cases and checks what it printed.
fn check_foreign_host(host: &Path, cases: &CalcCases) {
    let run_host = |lib: &Path, functions: &[&str]| {
        let out = Command::new(host)
            .arg(lib)
            .arg(&cases.expected)
            .args(functions)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run_host(&cases.good, &["calc_add"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        out, "status 0\ncalc_add(2, 3) = 5\ncalc_secret refused\n",
        "{err}"
    );

    let (code, out, err) = run_host(&cases.missing, &[]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.starts_with("status 1\nincompatibility function_removed | function `calc_neg` | present | missing\nmessage refusing `"), "{out}");
    assert!(out.contains("rebuild the host against calc 1.0.0"), "{out}");
    assert!(!cases.missing_marker.exists(), "the refused library ran");
    // The same library serves a host that does not call `calc_neg`, and is
    // loaded for it: its constructor runs.
    let (code, out, _) = run_host(&cases.missing, &["calc_add"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(cases.missing_marker.exists(), "the accepted library ran");

    let (code, out, _) = run_host(&cases.bare, &["calc_add"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with("status 2\nmessage refusing `"), "{out}");
    assert!(out.contains("has no embedded descriptor"), "{out}");

    let (code, out, _) = run_host(&cases.good, &["calc_mul"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with("status 5\n"), "{out}");
    assert!(out.contains("has no function `calc_mul`"), "{out}");

    assert!(!cases.bare_marker.exists(), "the refused library ran");
}

#[test]
fn a_c_host_uses_the_c_api() {
    let Some(cc) = c_compiler() else {
        return;
    };
    let dir = scratch("loader", "c-host");
    let Some(cases) = calc_cases(&dir) else {
        return;
    };
    let cdylib = loader_cdylib();
    std::fs::write(dir.join("host.c"), C_HOST).unwrap();
    let host = dir.join("host");
    run(Command::new(&cc)
        .arg(dir.join("host.c"))
        .arg("-I")
        .arg(loader_include())
        .arg("-I")
        .arg(include_dir())
        .arg(format!("-L{}", cdylib.parent().unwrap().display()))
        .arg(format!("-Wl,-rpath,{}", cdylib.parent().unwrap().display()))
        .arg("-labi_loader")
        .arg("-o")
        .arg(&host));
    check_foreign_host(&host, &cases);
}

const GO_HOST: &str = r#"package main

/*
#cgo CFLAGS: -I@INCLUDE@
#cgo LDFLAGS: -L@LIBDIR@ -Wl,-rpath,@LIBDIR@ -labi_loader
#include <stdlib.h>
#include "abi_loader.h"

typedef int (*add_fn)(int, int);
static int call_add(void *f, int a, int b) { return ((add_fn)f)(a, b); }
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"
)

// host LIBRARY EXPECTED.abi [FUNCTION...]
func main() {
	expected, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	path := C.CString(os.Args[1])
	defer C.free(unsafe.Pointer(path))
	names := make([]*C.char, len(os.Args)-3+1)
	for i, name := range os.Args[3:] {
		names[i] = C.CString(name)
	}
	var lib *C.abi_loader_library
	var cerr *C.abi_loader_error
	bytes := C.CBytes(expected)
	defer C.free(bytes)
	status := C.abi_loader_open(path, (*C.uint8_t)(bytes), C.size_t(len(expected)),
		&names[0], C.size_t(len(os.Args)-3), &lib, &cerr)
	fmt.Printf("status %d\n", int(status))
	if status != C.ABI_LOADER_OK {
		n := int(C.abi_loader_error_count(cerr))
		for i := 0; i < n; i++ {
			x := C.abi_loader_error_incompatibility(cerr, C.size_t(i))
			fmt.Printf("incompatibility %s | %s | %s | %s\n", C.GoString(x.rule),
				C.GoString(x.path), C.GoString(x.expected), C.GoString(x.found))
		}
		fmt.Printf("message %s\n", C.GoString(C.abi_loader_error_message(cerr)))
		C.abi_loader_error_free(cerr)
		os.Exit(1)
	}
	add := C.CString("calc_add")
	secret := C.CString("calc_secret")
	fmt.Printf("calc_add(2, 3) = %d\n", int(C.call_add(C.abi_loader_symbol(lib, add), 2, 3)))
	state := "refused"
	if C.abi_loader_symbol(lib, secret) != nil {
		state = "handed out"
	}
	fmt.Printf("calc_secret %s\n", state)
	C.abi_loader_close(lib)
}
"#;

#[test]
fn a_go_host_uses_the_c_api() {
    let Some(go) = require_tool("go") else {
        return;
    };
    let dir = scratch("loader", "go-host");
    let Some(cases) = calc_cases(&dir) else {
        return;
    };
    let cdylib = loader_cdylib();
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let program = GO_HOST
        .replace(
            "@INCLUDE@",
            &loader_include()
                .canonicalize()
                .unwrap()
                .display()
                .to_string(),
        )
        .replace("@LIBDIR@", &cdylib.parent().unwrap().display().to_string());
    std::fs::write(src.join("main.go"), program).unwrap();
    std::fs::write(src.join("go.mod"), "module loaderhost\n\ngo 1.19\n").unwrap();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go");
    let host = dir.join("host");
    run(Command::new(go)
        .args(["build", "-o"])
        .arg(&host)
        .arg(".")
        .current_dir(&src)
        .env("GOCACHE", cache.join("cache"))
        .env("GOPATH", cache.join("path"))
        .env("GOFLAGS", "")
        .env("GO111MODULE", "on")
        .env("CGO_ENABLED", "1"));
    check_foreign_host(&host, &cases);
}
