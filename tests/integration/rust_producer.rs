//! Rust libraries described with abi-describe: the fixture pair
//! `tests/fixtures/rust/{old,new}` (geo 1.0.0 and 2.0.0) is built once per
//! test run; each library carries a descriptor that reads statically, equals
//! what `_abi_descriptor()` returns, passes verification, survives
//! stripping, says what the Rust source says, and the two releases differ in
//! exactly the planted ways.

use std::ffi::c_char;
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use abi_check::RuleId;
use abi_descriptor::{
    CallbackLifetime, CallbackThread, ConstValue, Descriptor, Mutability, Ownership, Threading,
    TypeDef, TypeKind,
};

use crate::support::{check_library, fixtures, run, scratch};

/// The built libraries, copied to `<tmp>/fixtures/rust/{old,new}/`.
pub(crate) struct Built {
    pub(crate) old: PathBuf,
    pub(crate) new: PathBuf,
}

pub(crate) fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rust-fixtures-target");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        run(Command::new(cargo)
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(fixtures().join("rust/Cargo.toml"))
            .arg("--target-dir")
            .arg(&target_dir));
        let file = |lib: &str| {
            format!(
                "{}{lib}{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            )
        };
        let copy = |side: &str, lib: &str| {
            let to = scratch("rust", side).join(file("geo"));
            std::fs::copy(target_dir.join("release").join(file(lib)), &to).unwrap();
            to
        };
        Built {
            old: copy("old", "geo_v1"),
            new: copy("new", "geo_v2"),
        }
    })
}

fn old() -> Descriptor {
    abi_check::read_descriptor(&built().old).unwrap()
}

fn new() -> Descriptor {
    abi_check::read_descriptor(&built().new).unwrap()
}

fn ty<'a>(d: &'a Descriptor, id: &str) -> &'a TypeDef {
    d.types
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no type `{id}`"))
}

/// `(name, offset)` of a struct's fields, and its size and alignment.
fn layout(d: &Descriptor, id: &str) -> (u64, u64, Vec<(String, u64)>) {
    let TypeKind::Struct(s) = &ty(d, id).kind else {
        panic!("`{id}` is not a struct")
    };
    let fields = s
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.offset))
        .collect();
    (s.size, s.align, fields)
}

/// The fixture's types, declared again: their layout is what the
/// descriptors must state.
#[allow(dead_code)]
mod mirror {
    #[repr(C)]
    pub struct GeoPoint {
        pub x: f64,
        pub y: f64,
    }
    #[repr(C)]
    pub struct GeoRect {
        pub min: GeoPoint,
        pub max: GeoPoint,
    }
    #[repr(u8)]
    pub enum GeoShapeKind {
        Circle = 0,
    }
    #[repr(C)]
    pub union GeoShapeData {
        pub radius: f64,
        pub rect: std::mem::ManuallyDrop<GeoRect>,
        pub vertex_count: u32,
    }
    #[repr(C)]
    pub struct GeoShapeV1 {
        pub kind: GeoShapeKind,
        pub data: GeoShapeData,
        pub center: GeoPoint,
        pub next: *mut GeoShapeV1,
    }
    #[repr(C)]
    pub struct GeoShapeV2 {
        pub kind: GeoShapeKind,
        pub data: GeoShapeData,
        pub center: GeoPoint,
        pub next: *mut GeoShapeV2,
        pub flags: u32,
    }
}

macro_rules! expected_layout {
    ($t:ty { $($f:ident),* }) => {
        (
            size_of::<$t>() as u64,
            align_of::<$t>() as u64,
            vec![$((stringify!($f).to_owned(), offset_of!($t, $f) as u64)),*],
        )
    };
}

#[test]
fn each_release_describes_itself() {
    for lib in [&built().old, &built().new] {
        let d = check_library(lib, None);
        assert_eq!(d.library.name, "geo");
        assert_eq!(d.producer.language, "rust");
        assert_eq!(d.producer.tool, "abi-describe");
        // The embedded bytes are what abi-descriptor writes for them.
        assert_eq!(abi_check::read_blob(lib).unwrap(), d.to_blob().unwrap());
    }
    let (old, new) = (old(), new());
    assert_eq!(old.library.version.to_string(), "1.0.0");
    assert_eq!(new.library.version.to_string(), "2.0.0");
    assert_eq!(old.library.soname.as_deref(), Some("libgeo.so.1"));
    assert_eq!(new.library.soname.as_deref(), Some("libgeo.so.2"));
}

#[test]
fn layouts_match_the_rust_source() {
    use mirror::*;
    for d in [old(), new()] {
        assert_eq!(layout(&d, "GeoPoint"), expected_layout!(GeoPoint { x, y }));
        assert_eq!(
            layout(&d, "GeoRect"),
            expected_layout!(GeoRect { min, max })
        );
        let TypeKind::Union(u) = &ty(&d, "GeoShapeData").kind else {
            panic!("not a union")
        };
        assert_eq!(
            (u.size, u.align),
            (
                size_of::<GeoShapeData>() as u64,
                align_of::<GeoShapeData>() as u64
            )
        );
        let members: Vec<(&str, &str)> = u
            .members
            .iter()
            .map(|m| (m.name.as_str(), m.ty.as_str()))
            .collect();
        assert_eq!(
            members,
            [
                ("radius", "f64"),
                ("rect", "GeoRect"),
                ("vertex_count", "u32")
            ]
        );
        let TypeKind::Enum(e) = &ty(&d, "GeoStatus").kind else {
            panic!("not an enum")
        };
        assert_eq!(e.repr.as_str(), "i32");
        assert!(!e.exhaustive, "`#[non_exhaustive]` makes the enum open");
        assert!(matches!(ty(&d, "GeoWorld").kind, TypeKind::Opaque(_)));
    }
    assert_eq!(
        layout(&old(), "GeoShape"),
        expected_layout!(GeoShapeV1 {
            kind,
            data,
            center,
            next
        })
    );
    assert_eq!(
        layout(&new(), "GeoShape"),
        expected_layout!(GeoShapeV2 {
            kind,
            data,
            center,
            next,
            flags
        })
    );
    let variants = |d: &Descriptor| match &ty(d, "GeoShapeKind").kind {
        TypeKind::Enum(e) => {
            assert_eq!(e.repr.as_str(), "u8");
            e.variants
                .iter()
                .map(|v| (v.name.clone(), v.value.get()))
                .collect::<Vec<_>>()
        }
        _ => panic!("not an enum"),
    };
    let names = |v: &[(&str, i128)]| {
        v.iter()
            .map(|&(n, x)| (n.to_owned(), x))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        variants(&old()),
        names(&[("Circle", 0), ("Rect", 1), ("Polygon", 2)])
    );
    assert_eq!(
        variants(&new()),
        names(&[("Circle", 0), ("Rect", 1), ("Polygon", 2), ("Triangle", 3)])
    );
    // The list pointer leads back to the struct.
    let old = old();
    let TypeKind::Pointer(next) = &ty(&old, "*mut GeoShape").kind else {
        panic!("not a pointer")
    };
    assert_eq!(next.pointee.as_str(), "GeoShape");
}

#[test]
fn signatures_and_contracts_match_the_rust_source() {
    let d = old();
    let f = |name: &str| d.functions.iter().find(|f| f.symbol == name).unwrap();
    let params = |name: &str| {
        f(name)
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, p.ty))
            .collect::<Vec<_>>()
    };

    assert_eq!(params("geo_distance"), ["a: GeoPoint", "b: GeoPoint"]);
    assert_eq!(f("geo_distance").ret.as_str(), "f64");

    // An out-pointer to a pointer the caller must free.
    let out = "&mut *mut GeoWorld (owned, free: geo_world_free)";
    assert_eq!(params("geo_world_new"), [format!("out: {out}")]);
    assert_eq!(f("geo_world_new").ret.as_str(), "GeoStatus");
    let TypeKind::Pointer(p) = &ty(&d, out).kind else {
        panic!("not a pointer")
    };
    assert_eq!((p.mutability, p.nullable), (Mutability::Mut, false));
    let TypeKind::Pointer(inner) = &ty(&d, p.pointee.as_str()).kind else {
        panic!("not a pointer")
    };
    assert_eq!(
        inner.ownership,
        Ownership::CallerOwned {
            free: "geo_world_free".to_owned()
        }
    );
    assert_eq!(inner.pointee.as_str(), "GeoWorld");
    assert_eq!(
        params("geo_world_free"),
        ["world: *mut GeoWorld (transferred)"]
    );

    // A caller-owned return value.
    let c_char = if c_char::MIN == 0 { "u8" } else { "i8" };
    assert_eq!(
        f("geo_shape_describe").ret.as_str(),
        format!("*mut {c_char} (owned, free: geo_string_free)")
    );

    // A callback with user data.
    let visit = "Option<extern \"C\" fn(*const GeoShape, *mut void) -> bool> (user_data: 1)";
    assert_eq!(
        params("geo_world_visit"),
        [
            "world: &GeoWorld".to_owned(),
            format!("visit: {visit}"),
            "user_data: *mut void".to_owned()
        ]
    );
    let TypeKind::FunctionPointer(cb) = &ty(&d, visit).kind else {
        panic!("not a function pointer")
    };
    assert_eq!(cb.user_data, Some(1));
    assert!(cb.nullable);
    assert_eq!(
        (cb.lifetime, cb.thread),
        (CallbackLifetime::CallScoped, CallbackThread::Caller)
    );

    assert!(f("geo_world_bounds").may_block);
    assert_eq!(
        params("geo_world_bounds"),
        ["world: &GeoWorld", "out: &mut GeoRect"]
    );
    assert_eq!(f("geo_world_add").threading, Threading::Any);
    assert_eq!(
        new()
            .functions
            .iter()
            .find(|f| f.symbol == "geo_world_add")
            .unwrap()
            .threading,
        Threading::ContextThread
    );

    let origin = &d.variables[0];
    assert_eq!(
        (
            origin.symbol.as_str(),
            origin.ty.as_str(),
            origin.mutability
        ),
        ("GEO_ORIGIN", "GeoPoint", Mutability::Const)
    );
    let major = &d.constants[0];
    assert_eq!(
        (major.name.as_str(), major.ty.as_str(), &major.value),
        ("GEO_VERSION_MAJOR", "u32", &ConstValue::Int(1.into()))
    );
}

#[test]
fn the_releases_differ_in_exactly_the_planted_ways() {
    let report = abi_check::compare(&old(), &new()).unwrap();
    let mut found: Vec<(RuleId, String)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.path.clone()))
        .collect();
    found.sort();
    let mut planted = vec![
        (
            RuleId::FunctionAdded,
            "function `geo_world_count`".to_owned(),
        ),
        (RuleId::FunctionRemoved, "function `geo_version`".to_owned()),
        (
            RuleId::FieldAdded,
            "struct `GeoShape` field `flags`".to_owned(),
        ),
        (RuleId::StructSizeChanged, "struct `GeoShape`".to_owned()),
        (
            RuleId::EnumVariantAddedBreaking,
            "enum `GeoShapeKind` variant `Triangle`".to_owned(),
        ),
        (
            RuleId::ThreadingTightened,
            "function `geo_world_add`".to_owned(),
        ),
        (
            RuleId::ConstantValueChanged,
            "constant `GEO_VERSION_MAJOR`".to_owned(),
        ),
    ];
    planted.sort();
    assert_eq!(found, planted, "{}", report.to_text());
    // 1.0.0 -> 2.0.0 is a major release, which these changes need.
    assert!(report.compatible, "{}", report.to_text());
}

/// The text, Markdown and JSON reports of comparing the two releases, as
/// snapshots named `geo_<format>`.
#[test]
fn reports() {
    if !cfg!(target_os = "linux") {
        eprintln!("skipped: the report snapshots are of Linux builds");
        return;
    }
    let report = abi_check::compare(&old(), &new()).unwrap();
    for (format, out) in crate::support::masked_reports(&report) {
        insta::assert_snapshot!(format!("geo_{format}"), out);
    }
}
