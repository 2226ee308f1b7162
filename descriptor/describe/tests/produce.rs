//! The const-produced blob is a valid descriptor, byte-identical to what
//! `abi_descriptor::Descriptor::to_blob()` writes for it, and says what the
//! Rust source says.

use core::ffi::{c_char, c_int, c_void};
use core::mem::{ManuallyDrop, align_of, offset_of, size_of};
use core::ptr::NonNull;

use abi_describe::Describe;
use abi_descriptor::{
    CallConv, CallbackLifetime, CallbackThread, ConstValue, Descriptor, Endian, Mutability,
    Ownership, Primitive, Repr, Threading, TypeDef, TypeKind,
};

// ---------------------------------------------------------------------------
// A rich set of described types.

#[derive(Describe)]
#[repr(C)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Describe)]
#[repr(C)]
pub struct Mixed {
    pub flag: bool,
    pub wide: u64,
    pub small: i8,
    pub big: i128,
    pub half: u16,
    pub index: usize,
    pub offset: isize,
    pub single: f32,
    pub unsigned: u128,
    pub int: c_int,
    pub ch: c_char,
    pub bytes: [u8; 3],
    pub grid: [[i16; 4]; 2],
    pub at: Point,
}

/// A self-referential list node.
#[derive(Describe)]
#[repr(C)]
pub struct Node {
    pub next: *mut Node,
    pub prev: Option<&'static Node>,
    pub value: i32,
    pub head: *const Self,
}

/// Two structs that point at each other.
#[derive(Describe)]
#[repr(C)]
pub struct Parent {
    pub first: *mut Child,
    pub count: u32,
}

#[derive(Describe)]
#[repr(C)]
pub struct Child {
    pub parent: *const Parent,
    pub siblings: *const *mut Child,
}

#[derive(Describe)]
#[repr(C, packed)]
pub struct Packed {
    pub tag: u8,
    pub value: u32,
    pub more: u16,
}

#[derive(Describe)]
#[repr(C, align(32))]
pub struct Aligned {
    pub a: u8,
}

#[derive(Describe)]
#[repr(transparent)]
pub struct Meters(pub f64);

#[derive(Describe)]
#[repr(C)]
pub struct Pair(pub u8, pub Meters, pub [Point; 2]);

#[derive(Describe)]
#[repr(C)]
pub union Value {
    pub int: i64,
    pub real: f64,
    pub bytes: [u8; 12],
    pub point: ManuallyDrop<Point>,
    pub any: *mut c_void,
}

#[derive(Describe, Clone, Copy)]
#[repr(u8)]
pub enum Shape {
    Circle = 1,
    Square = 2,
    Triangle = 0,
}

#[derive(Describe)]
#[repr(i32)]
#[non_exhaustive]
pub enum Status {
    Ok = 0,
    NotFound = -2,
    Io = -1,
    Busy = 7,
}

#[derive(Describe)]
#[repr(C)]
pub enum Level {
    Low,
    Mid,
    High,
}

#[derive(Describe)]
#[repr(u64)]
pub enum Huge {
    Max = u64::MAX,
    Zero = 0,
}

#[derive(Describe)]
#[repr(i64)]
pub enum Tiny {
    Min = i64::MIN,
    Zero = 0,
}

#[derive(Describe)]
#[repr(C)]
#[abi(name = "geo_renamed_t", since = "0.9.0")]
#[deprecated(since = "1.0.0", note = "use Point")]
pub struct Renamed {
    pub a: u32,
    #[abi(since = "0.9.5")]
    pub b: u32,
}

#[derive(Describe)]
#[repr(u16)]
pub enum Versioned {
    Old = 1,
    #[abi(since = "1.0.0")]
    New = 2,
    #[deprecated(note = "use New")]
    Gone = 3,
}

#[derive(Describe)]
#[abi(opaque)]
pub struct Context {
    _private: Vec<u8>,
}

/// Non-ASCII names sort by their UTF-8 bytes.
#[derive(Describe)]
#[repr(C)]
pub struct Größe {
    pub wert: u8,
}

#[derive(Describe)]
#[repr(C)]
#[abi(name = "Ä_renamed")]
pub struct Umlaut {
    pub a: u8,
}

#[derive(Describe)]
#[repr(C)]
#[abi(
    name = "a_type_name_that_is_long_enough_to_need_a_two_byte_text_head_in_cbor_because_it_has_more_than_two_hundred_and_fifty_five_bytes_of_text_which_is_quite_a_lot_for_a_c_identifier_but_the_format_does_not_limit_it_and_the_encoder_must_get_the_head_right_every_time_x"
)]
pub struct Long {
    pub a_field_name_longer_than_twenty_three: u8,
}

pub type ProgressFn = Option<extern "C" fn(done: u32, total: u32, user_data: *mut c_void)>;

#[derive(Describe)]
#[repr(C)]
pub struct Hooks {
    #[abi(callback(user_data = 1, lifetime = "stored", thread = "library"))]
    pub on_event: extern "C" fn(u32, *mut c_void) -> bool,
    pub on_progress: ProgressFn,
    pub unwinding: Option<unsafe extern "C-unwind" fn()>,
    #[abi(nonnull)]
    pub data: *mut c_void,
    #[abi(owned(free = "rich_buffer_free"))]
    pub buffer: *mut u8,
    pub ptr_to_array: *const [u16; 4],
}

// ---------------------------------------------------------------------------
// Exported items.

#[abi_describe::export(threading = "context_thread", may_block)]
#[unsafe(no_mangle)]
pub extern "C" fn rich_open(
    #[abi(nonnull)] path: *const c_char,
    options: Option<&Mixed>,
    #[abi(pointee(owned(free = "rich_close")))] out: &mut *mut Context,
) -> Status {
    let _ = (path, options, out);
    Status::Ok
}

#[abi_describe::export]
#[unsafe(no_mangle)]
pub extern "C" fn rich_close(#[abi(transferred)] ctx: *mut Context) {
    let _ = ctx;
}

#[abi_describe::export(ret(owned(free = "rich_buffer_free")))]
#[unsafe(no_mangle)]
pub extern "C" fn rich_read(
    ctx: &Context,
    #[abi(nonnull)] buf: *mut u8,
    #[abi(length_of = "buf")] len: usize,
) -> *mut u8 {
    let _ = (ctx, len);
    buf
}

#[abi_describe::export]
#[unsafe(no_mangle)]
pub extern "C" fn rich_buffer_free(#[abi(transferred)] buf: *mut u8) {
    let _ = buf;
}

#[abi_describe::export(since = "0.9.0")]
#[unsafe(no_mangle)]
pub extern "C" fn rich_walk(
    list: NonNull<Node>,
    #[abi(callback(user_data = 2, thread = "any"))] visit: extern "C" fn(
        *const Node,
        i32,
        *mut c_void,
    ) -> c_int,
    user_data: *mut c_void,
    _: u8,
) -> usize {
    let _ = (list, visit, user_data);
    0
}

#[abi_describe::export(threading = "main_thread")]
#[unsafe(export_name = "rich_renamed_symbol")]
pub extern "C-unwind" fn rich_unwinds(a: Pair, b: Value, c: Shape, d: Level) -> Huge {
    let _ = (a, b, c, d);
    Huge::Zero
}

#[abi_describe::export]
#[unsafe(no_mangle)]
#[deprecated(since = "1.0.0", note = "use rich_walk")]
pub unsafe extern "C" fn rich_everything(
    a: Packed,
    b: Aligned,
    c: Parent,
    d: Hooks,
    e: Tiny,
    f: Versioned,
    g: *mut Größe,
    h: *const Umlaut,
    i: *const Long,
    j: Option<NonNull<Point>>,
    k: Option<&mut Point>,
    l: &mut *const *mut Child,
) -> ProgressFn {
    let _ = (a, b, c, d, e, f, g, h, i, j, k, l);
    None
}

/// The export attribute may come after `no_mangle`.
#[unsafe(no_mangle)]
#[allow(deprecated)]
#[abi_describe::export]
pub extern "C" fn rich_old(r: *const Renamed) {
    let _ = r;
}

#[abi_describe::export]
#[unsafe(no_mangle)]
pub static RICH_ORIGIN: Point = Point { x: 0.0, y: 0.0 };

#[abi_describe::export(since = "0.9.0")]
#[unsafe(no_mangle)]
pub static mut RICH_COUNTER: u64 = 0;

#[abi_describe::export]
pub const RICH_MAX: u32 = 64;
#[abi_describe::export]
pub const RICH_NEG: i64 = i64::MIN;
#[abi_describe::export]
pub const RICH_BIG: u64 = u64::MAX;
#[abi_describe::export(name = "RICH_ENABLED_FLAG")]
pub const RICH_ENABLED: bool = true;
#[abi_describe::export]
pub const RICH_NAME: &str = "rich library ✓";
#[abi_describe::export]
pub const RICH_HALF: f64 = 0.5;
#[abi_describe::export]
pub const RICH_NEG_ZERO: f64 = -0.0;
#[abi_describe::export]
pub const RICH_F16_MAX: f64 = 65504.0;
#[abi_describe::export]
pub const RICH_F16_SUBNORMAL: f64 = 5.960464477539063e-8;
#[abi_describe::export]
pub const RICH_F32: f32 = 100000.5;
#[abi_describe::export]
pub const RICH_F32_TINY: f64 = 2.9802322387695312e-8;
#[abi_describe::export]
pub const RICH_F64: f64 = 0.1;
#[abi_describe::export]
pub const RICH_F64_HUGE: f64 = 1e300;
#[abi_describe::export(since = "0.9.0")]
#[deprecated(note = "no longer used")]
pub const RICH_LEVEL: u8 = 3;

fn rich() -> &'static [u8] {
    abi_describe::descriptor_blob! {
        name = "rich",
        version = "1.2.3-beta.1+build.5",
        soname = "librich.so.1",
        functions = [
            rich_open, rich_close, rich_read, rich_buffer_free, rich_walk, rich_unwinds,
            rich_everything, rich_old,
        ],
        variables = [RICH_ORIGIN, RICH_COUNTER],
        constants = [
            RICH_MAX, RICH_NEG, RICH_BIG, RICH_ENABLED, RICH_NAME, RICH_HALF, RICH_NEG_ZERO,
            RICH_F16_MAX, RICH_F16_SUBNORMAL, RICH_F32, RICH_F32_TINY, RICH_F64, RICH_F64_HUGE,
            RICH_LEVEL,
        ],
    }
}

/// Decodes `blob`, validates it and checks that re-encoding gives the same
/// bytes.
fn decode_canonical(blob: &[u8]) -> Descriptor {
    let d = Descriptor::from_blob(blob).unwrap();
    if let Err(e) = d.validate() {
        panic!("{e}\n{}", d.to_json().unwrap());
    }
    let again = d.to_blob().unwrap();
    if again != blob {
        let first = again.iter().zip(blob).position(|(a, b)| a != b);
        panic!(
            "re-encoding differs (lengths {} and {}, first difference at {first:?})\n{}",
            again.len(),
            blob.len(),
            d.to_json().unwrap()
        );
    }
    d
}

fn ty<'a>(d: &'a Descriptor, id: &str) -> &'a TypeDef {
    d.types
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no type `{id}` in {:?}", ids(d)))
}

fn ids(d: &Descriptor) -> Vec<&str> {
    d.types.iter().map(|t| t.id.as_str()).collect()
}

#[test]
fn the_rich_library_is_canonical_and_valid() {
    let d = decode_canonical(rich());
    assert_eq!(d.functions.len(), 8);
    assert_eq!(d.variables.len(), 2);
    assert_eq!(d.constants.len(), 14);
    // Each distinct type once: named types by name, anonymous ones by shape.
    let mut seen = ids(&d);
    seen.dedup();
    assert_eq!(seen.len(), d.types.len());
}

#[test]
fn layouts_come_from_the_compiler() {
    let d = decode_canonical(rich());
    let check = |id: &str, size: usize, align: usize, offsets: &[(&str, usize)]| {
        let TypeKind::Struct(s) = &ty(&d, id).kind else {
            panic!("`{id}` is not a struct")
        };
        assert_eq!((s.size, s.align), (size as u64, align as u64), "{id}");
        let found: Vec<(&str, u64)> = s
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.offset))
            .collect();
        let want: Vec<(&str, u64)> = offsets.iter().map(|&(n, o)| (n, o as u64)).collect();
        assert_eq!(found, want, "{id}");
    };
    check(
        "Mixed",
        size_of::<Mixed>(),
        align_of::<Mixed>(),
        &[
            ("flag", offset_of!(Mixed, flag)),
            ("wide", offset_of!(Mixed, wide)),
            ("small", offset_of!(Mixed, small)),
            ("big", offset_of!(Mixed, big)),
            ("half", offset_of!(Mixed, half)),
            ("index", offset_of!(Mixed, index)),
            ("offset", offset_of!(Mixed, offset)),
            ("single", offset_of!(Mixed, single)),
            ("unsigned", offset_of!(Mixed, unsigned)),
            ("int", offset_of!(Mixed, int)),
            ("ch", offset_of!(Mixed, ch)),
            ("bytes", offset_of!(Mixed, bytes)),
            ("grid", offset_of!(Mixed, grid)),
            ("at", offset_of!(Mixed, at)),
        ],
    );
    check(
        "Packed",
        size_of::<Packed>(),
        align_of::<Packed>(),
        &[
            ("tag", offset_of!(Packed, tag)),
            ("value", offset_of!(Packed, value)),
            ("more", offset_of!(Packed, more)),
        ],
    );
    assert_eq!(size_of::<Packed>(), 7);
    check("Aligned", 32, 32, &[("a", 0)]);
    check(
        "Pair",
        size_of::<Pair>(),
        align_of::<Pair>(),
        &[
            ("0", offset_of!(Pair, 0)),
            ("1", offset_of!(Pair, 1)),
            ("2", offset_of!(Pair, 2)),
        ],
    );
    check("Meters", 8, 8, &[("0", 0)]);
    let reprs: Vec<(&str, Repr)> = ["Packed", "Aligned", "Meters", "Point"]
        .iter()
        .map(|id| match &ty(&d, id).kind {
            TypeKind::Struct(s) => (*id, s.repr),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        reprs,
        [
            ("Packed", Repr::Packed),
            ("Aligned", Repr::C),
            ("Meters", Repr::Transparent),
            ("Point", Repr::C)
        ]
    );
    let TypeKind::Union(u) = &ty(&d, "Value").kind else {
        panic!()
    };
    assert_eq!(
        (u.size, u.align),
        (size_of::<Value>() as u64, align_of::<Value>() as u64)
    );
    let members: Vec<(&str, &str)> = u
        .members
        .iter()
        .map(|m| (m.name.as_str(), m.ty.as_str()))
        .collect();
    assert_eq!(
        members,
        [
            ("any", "*mut void"),
            ("bytes", "[u8; 12]"),
            ("int", "i64"),
            ("point", "Point"),
            ("real", "f64"),
        ]
    );
    let field_types: Vec<&str> = match &ty(&d, "Mixed").kind {
        TypeKind::Struct(s) => s.fields.iter().map(|f| f.ty.as_str()).collect(),
        _ => unreachable!(),
    };
    let c_char = if c_char::MIN == 0 { "u8" } else { "i8" };
    assert_eq!(
        field_types,
        [
            "bool",
            "u64",
            "i8",
            "i128",
            "u16",
            "usize",
            "isize",
            "f32",
            "u128",
            "i32",
            c_char,
            "[u8; 3]",
            "[[i16; 4]; 2]",
            "Point"
        ]
    );
    let TypeKind::Array(a) = &ty(&d, "[[i16; 4]; 2]").kind else {
        panic!()
    };
    assert_eq!((a.element.as_str(), a.len), ("[i16; 4]", 2));
}

#[test]
fn enums_keep_their_representation_and_values() {
    let d = decode_canonical(rich());
    let check = |id: &str, repr: &str, exhaustive: bool, variants: &[(&str, i128)]| {
        let TypeKind::Enum(e) = &ty(&d, id).kind else {
            panic!("`{id}` is not an enum")
        };
        assert_eq!((e.repr.as_str(), e.exhaustive), (repr, exhaustive), "{id}");
        let found: Vec<(&str, i128)> = e
            .variants
            .iter()
            .map(|v| (v.name.as_str(), v.value.get()))
            .collect();
        assert_eq!(found, variants, "{id}");
    };
    check(
        "Shape",
        "u8",
        true,
        &[("Triangle", 0), ("Circle", 1), ("Square", 2)],
    );
    check(
        "Status",
        "i32",
        false,
        &[("NotFound", -2), ("Io", -1), ("Ok", 0), ("Busy", 7)],
    );
    assert_eq!(size_of::<Level>(), 4);
    check("Level", "i32", true, &[("Low", 0), ("Mid", 1), ("High", 2)]);
    check(
        "Huge",
        "u64",
        true,
        &[("Zero", 0), ("Max", u64::MAX.into())],
    );
    check(
        "Tiny",
        "i64",
        true,
        &[("Min", i64::MIN.into()), ("Zero", 0)],
    );
    let TypeKind::Enum(e) = &ty(&d, "Versioned").kind else {
        panic!()
    };
    assert_eq!(
        e.variants[1]
            .since
            .as_ref()
            .map(|v| v.to_string())
            .as_deref(),
        Some("1.0.0")
    );
    assert_eq!(
        e.variants[2]
            .deprecated
            .as_ref()
            .and_then(|d| d.note.as_deref()),
        Some("use New")
    );
}

#[test]
fn cycles_and_shared_shapes_give_one_entry_each() {
    let d = decode_canonical(rich());
    // `*mut Node` points back at `Node`, which holds it.
    let TypeKind::Struct(node) = &ty(&d, "Node").kind else {
        panic!()
    };
    assert_eq!(node.fields[0].ty.as_str(), "*mut Node");
    assert_eq!(node.fields[1].ty.as_str(), "*const Node");
    // `Self` in a field is the type itself.
    assert_eq!(node.fields[3].ty.as_str(), "*const Node");
    let TypeKind::Pointer(p) = &ty(&d, "*mut Node").kind else {
        panic!()
    };
    assert_eq!((p.pointee.as_str(), p.nullable), ("Node", true));
    // `NonNull<Node>` is a non-null mutable pointer: `&mut Node`.
    let TypeKind::Pointer(p) = &ty(&d, "&mut Node").kind else {
        panic!()
    };
    assert_eq!((p.mutability, p.nullable), (Mutability::Mut, false));
    // Mutual pointers.
    let TypeKind::Struct(child) = &ty(&d, "Child").kind else {
        panic!()
    };
    assert_eq!(child.fields[0].ty.as_str(), "*const Parent");
    assert_eq!(child.fields[1].ty.as_str(), "*const *mut Child");
    ty(&d, "*mut Child");
    // `Option<&mut Point>` and `Option<NonNull<Point>>` are the same shape.
    let f = d
        .functions
        .iter()
        .find(|f| f.symbol == "rich_everything")
        .unwrap();
    assert_eq!(f.params[9].ty.as_str(), "*mut Point");
    assert_eq!(f.params[10].ty.as_str(), "*mut Point");
    assert_eq!(ids(&d).iter().filter(|id| **id == "*mut Point").count(), 1);
}

#[test]
fn contracts_reach_the_descriptor() {
    let d = decode_canonical(rich());
    let f = |name: &str| d.functions.iter().find(|f| f.symbol == name).unwrap();

    let open = f("rich_open");
    assert_eq!(open.threading, Threading::ContextThread);
    assert!(open.may_block);
    assert!(!open.may_unwind);
    let params: Vec<(&str, &str)> = open
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.ty.as_str()))
        .collect();
    let c_char = if c_char::MIN == 0 { "u8" } else { "i8" };
    let path = format!("&{c_char}");
    let out = "&mut *mut Context (owned, free: rich_close)";
    assert_eq!(
        params,
        [
            ("path", path.as_str()),
            ("options", "*const Mixed"),
            ("out", out)
        ]
    );
    assert_eq!(open.ret.as_str(), "Status");
    let TypeKind::Pointer(p) = &ty(&d, "*mut Context (owned, free: rich_close)").kind else {
        panic!()
    };
    assert_eq!(
        (p.pointee.as_str(), &p.ownership, p.nullable),
        (
            "Context",
            &Ownership::CallerOwned {
                free: "rich_close".to_owned()
            },
            true
        )
    );
    assert!(matches!(ty(&d, "Context").kind, TypeKind::Opaque(_)));

    let close = f("rich_close");
    assert_eq!(close.params[0].ty.as_str(), "*mut Context (transferred)");
    assert_eq!(close.ret.as_str(), "void");

    let read = f("rich_read");
    assert_eq!(read.params[0].ty.as_str(), "&Context");
    assert_eq!(read.params[1].ty.as_str(), "&mut u8");
    assert_eq!(read.params[2].length_of.as_deref(), Some("buf"));
    assert_eq!(read.ret.as_str(), "*mut u8 (owned, free: rich_buffer_free)");

    let walk = f("rich_walk");
    assert_eq!(walk.since.as_ref().unwrap().to_string(), "0.9.0");
    assert_eq!(walk.params[3].name, "");
    let cb_id = "extern \"C\" fn(*const Node, i32, *mut void) -> i32 (user_data: 2, any thread)";
    assert_eq!(walk.params[1].ty.as_str(), cb_id);
    let TypeKind::FunctionPointer(cb) = &ty(&d, cb_id).kind else {
        panic!()
    };
    assert_eq!(
        (cb.user_data, cb.thread, cb.lifetime),
        (Some(2), CallbackThread::Any, CallbackLifetime::CallScoped)
    );
    assert!(!cb.nullable);

    let unwinds = f("rich_renamed_symbol");
    assert!(unwinds.may_unwind);
    assert_eq!(unwinds.threading, Threading::MainThread);
    assert_eq!(unwinds.abi, CallConv::C);

    let everything = f("rich_everything");
    let dep = everything.deprecated.as_deref().unwrap();
    assert_eq!(dep.note.as_deref(), Some("use rich_walk"));
    assert_eq!(dep.since.as_ref().unwrap().to_string(), "1.0.0");
    let progress = "Option<extern \"C\" fn(u32, u32, *mut void)>";
    assert_eq!(everything.ret.as_str(), progress);
    let TypeKind::FunctionPointer(p) = &ty(&d, progress).kind else {
        panic!()
    };
    assert!(p.nullable && p.user_data.is_none() && p.ret.as_str() == "void");

    let TypeKind::Struct(hooks) = &ty(&d, "Hooks").kind else {
        panic!()
    };
    let hook_types: Vec<&str> = hooks.fields.iter().map(|f| f.ty.as_str()).collect();
    assert_eq!(
        hook_types,
        [
            "extern \"C\" fn(u32, *mut void) -> bool (user_data: 1, stored, library thread)",
            progress,
            "Option<extern \"C-unwind\" fn()>",
            "&mut void",
            "*mut u8 (owned, free: rich_buffer_free)",
            "*const [u16; 4]",
        ]
    );
    let TypeKind::FunctionPointer(e) = &ty(&d, hook_types[0]).kind else {
        panic!()
    };
    assert_eq!(
        (e.user_data, e.lifetime, e.thread),
        (Some(1), CallbackLifetime::Stored, CallbackThread::Library)
    );
    let TypeKind::FunctionPointer(u) = &ty(&d, hook_types[2]).kind else {
        panic!()
    };
    assert!(u.may_unwind && u.nullable && u.params.is_empty());

    let renamed = ty(&d, "geo_renamed_t");
    assert_eq!(renamed.since.as_ref().unwrap().to_string(), "0.9.0");
    assert_eq!(
        renamed.deprecated.as_deref().unwrap().note.as_deref(),
        Some("use Point")
    );
    let TypeKind::Struct(s) = &renamed.kind else {
        panic!()
    };
    assert_eq!(s.fields[1].since.as_ref().unwrap().to_string(), "0.9.5");
}

#[test]
fn variables_and_constants() {
    let d = decode_canonical(rich());
    let vars: Vec<(&str, &str, Mutability)> = d
        .variables
        .iter()
        .map(|v| (v.symbol.as_str(), v.ty.as_str(), v.mutability))
        .collect();
    assert_eq!(
        vars,
        [
            ("RICH_COUNTER", "u64", Mutability::Mut),
            ("RICH_ORIGIN", "Point", Mutability::Const)
        ]
    );
    let c = |name: &str| {
        let c = d.constants.iter().find(|c| c.name == name).unwrap();
        (c.ty.as_str(), c.value.clone())
    };
    assert_eq!(c("RICH_MAX"), ("u32", ConstValue::Int(64.into())));
    assert_eq!(c("RICH_NEG"), ("i64", ConstValue::Int(i64::MIN.into())));
    assert_eq!(c("RICH_BIG"), ("u64", ConstValue::Int(u64::MAX.into())));
    assert_eq!(c("RICH_ENABLED_FLAG"), ("bool", ConstValue::Bool(true)));
    assert_eq!(
        c("RICH_NAME"),
        ("&u8", ConstValue::Text("rich library ✓".to_owned()))
    );
    for (name, ty, value) in [
        ("RICH_HALF", "f64", 0.5),
        ("RICH_NEG_ZERO", "f64", -0.0),
        ("RICH_F16_MAX", "f64", 65504.0),
        ("RICH_F16_SUBNORMAL", "f64", 5.960464477539063e-8),
        ("RICH_F32", "f32", 100000.5),
        ("RICH_F32_TINY", "f64", 2.9802322387695312e-8),
        ("RICH_F64", "f64", 0.1),
        ("RICH_F64_HUGE", "f64", 1e300),
    ] {
        assert_eq!(c(name), (ty, ConstValue::Float(value)), "{name}");
    }
    let level = d.constants.iter().find(|c| c.name == "RICH_LEVEL").unwrap();
    assert!(level.since.is_some() && level.deprecated.is_some());
}

/// The float constants use the shortest of the three CBOR float widths.
#[test]
fn floats_use_the_shortest_width() {
    #[abi_describe::export]
    pub const F_HALF: f64 = 0.5;
    #[abi_describe::export]
    pub const F_SUB: f64 = 5.960464477539063e-8;
    #[abi_describe::export]
    pub const F_SINGLE: f64 = 2.9802322387695312e-8;
    #[abi_describe::export]
    pub const F_DOUBLE: f64 = 0.1;
    let value_of = |blob: &[u8]| {
        // The constant's value is the last item of its map: `"value" {"float": x}`.
        let key = b"\x65value\xa1\x65float";
        let at = blob.windows(key.len()).position(|w| w == key).unwrap() + key.len();
        blob[at..].to_vec()
    };
    let half =
        abi_describe::descriptor_blob! { name = "f", version = "1.0.0", constants = [F_HALF] };
    let sub = abi_describe::descriptor_blob! { name = "f", version = "1.0.0", constants = [F_SUB] };
    let single =
        abi_describe::descriptor_blob! { name = "f", version = "1.0.0", constants = [F_SINGLE] };
    let double =
        abi_describe::descriptor_blob! { name = "f", version = "1.0.0", constants = [F_DOUBLE] };
    for blob in [&half[..], &sub[..], &single[..], &double[..]] {
        decode_canonical(blob);
    }
    assert_eq!(value_of(half), [0xf9, 0x38, 0x00]);
    assert_eq!(value_of(sub), [0xf9, 0x00, 0x01]);
    assert_eq!(value_of(single), [0xfa, 0x33, 0x00, 0x00, 0x00]);
    assert_eq!(value_of(double)[0], 0xfb);
}

#[test]
fn long_texts_and_long_tables_get_wider_heads() {
    let blob = rich();
    let d = decode_canonical(blob);
    let long = d
        .types
        .iter()
        .find(|t| t.id.starts_with("a_type_name"))
        .unwrap();
    assert!(long.id.len() > 255);
    // A text of more than 255 bytes has a 3-byte head `79 xx xx`.
    let mut head = vec![0x79];
    head.extend_from_slice(&(long.id.len() as u16).to_be_bytes());
    head.extend_from_slice(long.id.as_bytes());
    assert!(blob.windows(head.len()).any(|w| w == head));
    assert!(d.types.len() > 23, "{} types", d.types.len());
}

#[test]
fn tables_are_in_canonical_order() {
    let d = decode_canonical(rich());
    let type_ids = ids(&d);
    let mut sorted = type_ids.clone();
    sorted.sort();
    assert_eq!(type_ids, sorted);
    // By UTF-8 bytes: upper case before lower case, non-ASCII last.
    let pos = |id: &str| type_ids.iter().position(|t| *t == id).unwrap();
    assert!(pos("Größe") < pos("geo_renamed_t"));
    assert_eq!(type_ids.last(), Some(&"Ä_renamed"));
    let symbols: Vec<&str> = d.functions.iter().map(|f| f.symbol.as_str()).collect();
    let mut sorted = symbols.clone();
    sorted.sort();
    assert_eq!(symbols, sorted);
}

#[test]
fn envelope_names_the_library_producer_and_target() {
    let d = decode_canonical(rich());
    assert_eq!(d.library.name, "rich");
    assert_eq!(d.library.version.to_string(), "1.2.3-beta.1+build.5");
    assert_eq!(d.library.soname.as_deref(), Some("librich.so.1"));
    assert_eq!(d.producer.language, "rust");
    assert_eq!(d.producer.tool, "abi-describe");
    assert_eq!(d.producer.version, env!("CARGO_PKG_VERSION"));
    let t = &d.target;
    assert_eq!(t.triple, abi_describe::target::TRIPLE);
    assert!(t.triple.starts_with(std::env::consts::ARCH), "{}", t.triple);
    assert!(t.triple.contains(std::env::consts::OS), "{}", t.triple);
    assert_eq!(t.pointer_width, usize::BITS as u16);
    assert_eq!(
        t.endian,
        if cfg!(target_endian = "little") {
            Endian::Little
        } else {
            Endian::Big
        }
    );
    assert_eq!(t.c_int as usize, size_of::<c_int>());
    assert_eq!(t.c_long as usize, size_of::<core::ffi::c_long>());
    assert_eq!(t.size_t as usize, size_of::<usize>());
    assert_eq!(t.c_char_signed, c_char::MIN != 0);
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        assert_eq!(t.default_abi, CallConv::Sysv64);
        assert!(t.primitive_align.is_empty());
    }
    for p in Primitive::ALL {
        if let Some(&align) = t.primitive_align.get(&p) {
            assert_ne!(u64::from(align), p.size(t.pointer_width));
        }
    }
}

#[test]
fn defaults_come_from_the_crate() {
    #[abi_describe::export]
    #[unsafe(no_mangle)]
    pub extern "C" fn defaults_nothing() {}
    let d = decode_canonical(abi_describe::descriptor_blob! { functions = [defaults_nothing] });
    assert_eq!(d.library.name, env!("CARGO_PKG_NAME"));
    assert_eq!(d.library.version.to_string(), env!("CARGO_PKG_VERSION"));
    assert_eq!(d.library.soname, None);
    assert!(d.types.is_empty());
    let f = &d.functions[0];
    assert!(f.params.is_empty() && f.ret.as_str() == "void" && f.threading == Threading::Any);
}

#[test]
fn an_empty_library_is_valid() {
    let d = decode_canonical(abi_describe::descriptor_blob! { name = "empty", version = "0.0.1" });
    assert!(d.functions.is_empty() && d.types.is_empty());
}

#[test]
fn the_header_carries_length_and_hash() {
    use sha2::Digest;
    let blob = rich();
    assert_eq!(&blob[..8], b"\x89ABI\r\n\x1a\n");
    assert_eq!(u16::from_le_bytes([blob[8], blob[9]]), 1);
    assert_eq!(u16::from_le_bytes([blob[10], blob[11]]), 48);
    let len = u32::from_le_bytes([blob[12], blob[13], blob[14], blob[15]]) as usize;
    assert_eq!(len, blob.len() - 48);
    assert_eq!(blob[16..48], sha2::Sha256::digest(&blob[48..])[..]);
    assert_eq!(abi_describe::sha256(&blob[48..]), blob[16..48]);
}

/// Many functions: an array head of two bytes, and sorting of many names.
#[test]
fn many_items() {
    macro_rules! many {
        ($($name:ident)*) => {
            $(
                #[abi_describe::export]
                #[unsafe(no_mangle)]
                pub extern "C" fn $name(x: u32) -> u32 { x }
            )*
            let blob = abi_describe::descriptor_blob! { name = "many", version = "1.0.0", functions = [$($name),*] };
            let d = decode_canonical(blob);
            assert_eq!(d.functions.len(), [$(stringify!($name)),*].len());
        };
    }
    many!(m_z m_y m_x m_w m_v m_u m_t m_s m_r m_q m_p m_o m_n m_m m_l m_k m_j m_i m_h m_g m_f m_e m_d m_c m_b m_a m_aa m_ab);
}
