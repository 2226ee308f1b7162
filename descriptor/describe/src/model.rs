//! The compile-time description model: plain `Copy` data that constants and
//! statics are built from, and that the const encoder turns into a blob.
//!
//! It mirrors the descriptor model of `abi-descriptor` for what a Rust
//! library can state about itself; ids of anonymous types (pointers, arrays,
//! function pointers) are not stored but derived from the shape when
//! encoding (see the crate documentation).

/// A reference to a described type: either an anonymous type held inline
/// (a primitive, pointer, array or function pointer) or a named type
/// (struct, union, enum, opaque) that lives in a static.
///
/// Named types are referred to by a raw pointer so that a type may reach
/// itself through a pointer (`struct Node { next: *mut Node }`) without the
/// compiler evaluating the static's initializer while it evaluates it.
#[derive(Clone, Copy, Debug)]
pub struct TyRef(Slot);

#[derive(Clone, Copy, Debug)]
enum Slot {
    Inline(&'static Ty),
    Named(*const Ty),
}

// SAFETY: a `TyRef` only ever points to immutable `'static` data: an
// inline `&'static Ty`, or a static `Ty` (see `TyRef::named`). Reading it
// from any thread is sound.
unsafe impl Sync for TyRef {}
// SAFETY: as above; the pointee is immutable and lives forever.
unsafe impl Send for TyRef {}

impl TyRef {
    /// A reference to an anonymous type.
    pub const fn inline(ty: &'static Ty) -> TyRef {
        TyRef(Slot::Inline(ty))
    }

    /// A reference to a named type held in a static, taken with
    /// `&raw const STATIC`.
    ///
    /// # Safety
    ///
    /// `ty` must point to a `static` (not `static mut`) of type [`Ty`].
    pub const unsafe fn named(ty: *const Ty) -> TyRef {
        TyRef(Slot::Named(ty))
    }

    /// The referenced type.
    pub const fn get(self) -> &'static Ty {
        match self.0 {
            Slot::Inline(t) => t,
            // SAFETY: `named` requires a pointer to an immutable static.
            Slot::Named(p) => unsafe { &*p },
        }
    }
}

/// A described type.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// A primitive (`i32`, `usize`, `void`, ...).
    Primitive(Primitive),
    /// A data pointer.
    Pointer(Pointer),
    /// A fixed-length array.
    Array(Array),
    /// A function pointer.
    FnPtr(FnPtr),
    /// A `#[repr(C)]` (or packed, or transparent) struct.
    Struct(Struct),
    /// A `#[repr(C)]` union.
    Union(Union),
    /// A fieldless enum with an integer representation.
    Enum(Enum),
    /// A type handled only through pointers.
    Opaque(Opaque),
}

impl Ty {
    /// The `void` type.
    pub const VOID: Ty = Ty::Primitive(Primitive::Void);
}

/// A built-in type of exact width; the names are the descriptor's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Primitive {
    /// No value: `()` as a return type, `c_void` as a pointee.
    Void,
    /// `bool`.
    Bool,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `i128`.
    I128,
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `u128`.
    U128,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// C `char` (Rust's `c_char` is an alias of `i8` or `u8` and is
    /// described as that; this exists for hand-written descriptions).
    CChar,
    /// `isize`.
    Isize,
    /// `usize`.
    Usize,
}

impl Primitive {
    /// The primitive's name as written in descriptors.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Void => "void",
            Self::Bool => "bool",
            Self::I8 => "i8",
            Self::I16 => "i16",
            Self::I32 => "i32",
            Self::I64 => "i64",
            Self::I128 => "i128",
            Self::U8 => "u8",
            Self::U16 => "u16",
            Self::U32 => "u32",
            Self::U64 => "u64",
            Self::U128 => "u128",
            Self::F32 => "f32",
            Self::F64 => "f64",
            Self::CChar => "c_char",
            Self::Isize => "isize",
            Self::Usize => "usize",
        }
    }

    /// The integer primitive of `size` bytes that carries a `#[repr(C)]`
    /// enum: signed unless a value needs the unsigned range.
    ///
    /// Panics (at compile time) for a size that is not 1, 2, 4 or 8.
    pub const fn for_c_enum(size: usize, variants: &[Variant]) -> Primitive {
        let bits = size as u32 * 8;
        let mut unsigned = false;
        let mut i = 0;
        while i < variants.len() {
            if bits < 128 && variants[i].value >= (1i128 << (bits - 1)) {
                unsigned = true;
            }
            i += 1;
        }
        match (size, unsigned) {
            (1, false) => Self::I8,
            (2, false) => Self::I16,
            (4, false) => Self::I32,
            (8, false) => Self::I64,
            (1, true) => Self::U8,
            (2, true) => Self::U16,
            (4, true) => Self::U32,
            (8, true) => Self::U64,
            _ => panic!("a `#[repr(C)]` enum is not 1, 2, 4 or 8 bytes"),
        }
    }
}

/// Who owns the memory behind a pointer once it has crossed the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// The receiver only borrows it (the default).
    Borrowed,
    /// Returned to the caller, who releases it with the function `free`
    /// names, which must be one of the library's described functions.
    CallerOwned {
        /// Symbol of the releasing function.
        free: &'static str,
    },
    /// Passed to the callee, which takes ownership and releases it.
    Transferred,
}

/// A data pointer.
#[derive(Clone, Copy, Debug)]
pub struct Pointer {
    /// The pointee (`void` for `c_void`).
    pub pointee: TyRef,
    /// Whether the pointee may be written through the pointer.
    pub mutable: bool,
    /// Whether the pointer may be null.
    pub nullable: bool,
    /// Who owns the pointee.
    pub ownership: Ownership,
}

/// A fixed-length array.
#[derive(Clone, Copy, Debug)]
pub struct Array {
    /// The element type.
    pub element: TyRef,
    /// The number of elements.
    pub len: u64,
}

/// How long a library keeps a callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifetime {
    /// Called only before the call that received it returns (the default).
    CallScoped,
    /// Kept and called later.
    Stored,
}

/// Which thread a library calls a callback on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackThread {
    /// The thread that made the call that received the callback (the default).
    Caller,
    /// A thread the library owns.
    Library,
    /// Any thread.
    Any,
}

/// The contract of a function pointer used as a callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Callback {
    /// Zero-based index of the parameter that carries the host's user data.
    pub user_data: Option<u32>,
    /// How long the library keeps the callback.
    pub lifetime: Lifetime,
    /// Which thread the library calls it on.
    pub thread: CallbackThread,
}

impl Callback {
    /// No user data, call-scoped, called on the caller's thread.
    pub const DEFAULT: Callback = Callback {
        user_data: None,
        lifetime: Lifetime::CallScoped,
        thread: CallbackThread::Caller,
    };
}

/// A function pointer (`extern "C" fn(..) -> R`, possibly in an `Option`).
#[derive(Clone, Copy, Debug)]
pub struct FnPtr {
    /// Parameter types, in order.
    pub params: &'static [TyRef],
    /// Return type (`void` for `()`).
    pub ret: TyRef,
    /// `extern "C-unwind"`: the callback may unwind into the library.
    pub may_unwind: bool,
    /// Whether null is accepted (`Option<extern "C" fn ..>`).
    pub nullable: bool,
    /// The callback contract.
    pub callback: Callback,
}

/// Deprecation of a type or an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deprecation {
    /// Library version that deprecated it (semver).
    pub since: Option<&'static str>,
    /// What to use instead.
    pub note: Option<&'static str>,
}

/// How a struct is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repr {
    /// `#[repr(C)]`, with or without `align(N)`.
    C,
    /// `#[repr(C, packed)]` or `#[repr(C, packed(N))]`.
    Packed,
    /// `#[repr(transparent)]`.
    Transparent,
}

/// A struct field.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Field name (`0`, `1`, ... for tuple structs).
    pub name: &'static str,
    /// Field type.
    pub ty: TyRef,
    /// Byte offset, from `offset_of!`.
    pub offset: u64,
    /// Library version the field appeared in.
    pub since: Option<&'static str>,
}

/// A struct.
#[derive(Clone, Copy, Debug)]
pub struct Struct {
    /// The type's name, its id in the descriptor.
    pub name: &'static str,
    /// Size in bytes, from `size_of`.
    pub size: u64,
    /// Alignment in bytes, from `align_of`.
    pub align: u64,
    /// Layout rule.
    pub repr: Repr,
    /// Fields in declaration order.
    pub fields: &'static [Field],
    /// Library version the type appeared in.
    pub since: Option<&'static str>,
    /// Set when deprecated.
    pub deprecated: Option<Deprecation>,
}

/// A union member.
#[derive(Clone, Copy, Debug)]
pub struct Member {
    /// Member name.
    pub name: &'static str,
    /// Member type.
    pub ty: TyRef,
}

/// A union.
#[derive(Clone, Copy, Debug)]
pub struct Union {
    /// The type's name.
    pub name: &'static str,
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
    /// Members.
    pub members: &'static [Member],
    /// Library version the type appeared in.
    pub since: Option<&'static str>,
    /// Set when deprecated.
    pub deprecated: Option<Deprecation>,
}

/// An enum variant.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    /// Variant name.
    pub name: &'static str,
    /// Its discriminant.
    pub value: i128,
    /// Library version the variant appeared in.
    pub since: Option<&'static str>,
    /// Set when deprecated.
    pub deprecated: Option<Deprecation>,
}

/// A fieldless enum.
#[derive(Clone, Copy, Debug)]
pub struct Enum {
    /// The type's name.
    pub name: &'static str,
    /// The integer primitive that carries the value.
    pub repr: Primitive,
    /// Variants.
    pub variants: &'static [Variant],
    /// `false` for `#[non_exhaustive]` enums, which may gain variants.
    pub exhaustive: bool,
    /// Library version the type appeared in.
    pub since: Option<&'static str>,
    /// Set when deprecated.
    pub deprecated: Option<Deprecation>,
}

/// A type the host handles only through pointers.
#[derive(Clone, Copy, Debug)]
pub struct Opaque {
    /// The type's name.
    pub name: &'static str,
    /// Library version the type appeared in.
    pub since: Option<&'static str>,
    /// Set when deprecated.
    pub deprecated: Option<Deprecation>,
}

/// Which threads may call a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threading {
    /// Any thread, concurrently (the default).
    Any,
    /// Only the thread that created the context the function is given.
    ContextThread,
    /// Only the process's main thread.
    MainThread,
}

/// A function parameter.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// Parameter name; empty when the pattern is not an identifier.
    pub name: &'static str,
    /// Parameter type.
    pub ty: TyRef,
    /// When this integer parameter is the length of a pointer parameter,
    /// that parameter's name.
    pub length_of: Option<&'static str>,
}

/// An exported function.
#[derive(Clone, Copy, Debug)]
pub struct Function {
    /// Exported symbol.
    pub symbol: &'static str,
    /// Parameters, in order.
    pub params: &'static [Param],
    /// Return type (`void` for `()`).
    pub ret: TyRef,
    /// Which threads may call it.
    pub threading: Threading,
    /// Whether it may block.
    pub may_block: bool,
    /// `extern "C-unwind"`: whether it may unwind into the caller.
    pub may_unwind: bool,
    /// Library version the function appeared in.
    pub since: Option<&'static str>,
    /// Set when deprecated.
    pub deprecated: Option<Deprecation>,
}

/// An exported global variable.
#[derive(Clone, Copy, Debug)]
pub struct Variable {
    /// Exported symbol.
    pub symbol: &'static str,
    /// The variable's type.
    pub ty: TyRef,
    /// `static mut`: whether the host may write it.
    pub mutable: bool,
    /// Library version the variable appeared in.
    pub since: Option<&'static str>,
    /// Set when deprecated.
    pub deprecated: Option<Deprecation>,
}

/// The value of a constant.
#[derive(Clone, Copy, Debug)]
pub enum ConstValue {
    /// An integer, from `i64::MIN` to `u64::MAX`.
    Int(i128),
    /// A finite float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Text(&'static str),
}

/// A named constant of the interface.
#[derive(Clone, Copy, Debug)]
pub struct Constant {
    /// Constant name.
    pub name: &'static str,
    /// Its type.
    pub ty: TyRef,
    /// Its value.
    pub value: ConstValue,
    /// Library version the constant appeared in.
    pub since: Option<&'static str>,
    /// Set when deprecated.
    pub deprecated: Option<Deprecation>,
}

/// A whole library: what [`blob`](crate::blob) encodes.
#[derive(Clone, Copy, Debug)]
pub struct Library {
    /// Library name.
    pub name: &'static str,
    /// Library version (semver).
    pub version: &'static str,
    /// The SONAME or install name, if any.
    pub soname: Option<&'static str>,
    /// Exported functions.
    pub functions: &'static [&'static Function],
    /// Exported variables.
    pub variables: &'static [&'static Variable],
    /// Constants.
    pub constants: &'static [&'static Constant],
}

// ---------------------------------------------------------------------------
// Contracts: const functions the `export` attribute uses to adjust the type
// of one parameter or return value.

/// `t` with its outermost pointer or function pointer made nullable or not.
///
/// Panics (at compile time) when `t` is neither.
pub const fn with_nullable(t: TyRef, nullable: bool) -> Ty {
    match *t.get() {
        Ty::Pointer(p) => Ty::Pointer(Pointer { nullable, ..p }),
        Ty::FnPtr(f) => Ty::FnPtr(FnPtr { nullable, ..f }),
        _ => panic!("`nullable` and `nonnull` apply only to pointers and function pointers"),
    }
}

/// `t` with the ownership of its outermost pointer replaced.
///
/// Panics (at compile time) when `t` is not a data pointer.
pub const fn with_ownership(t: TyRef, ownership: Ownership) -> Ty {
    match *t.get() {
        Ty::Pointer(p) => Ty::Pointer(Pointer { ownership, ..p }),
        _ => panic!("`owned` and `transferred` apply only to pointers"),
    }
}

/// `t`, a function pointer, with a callback contract.
///
/// Panics (at compile time) when `t` is not a function pointer or
/// `user_data` is not one of its parameters.
pub const fn with_callback(t: TyRef, callback: Callback) -> Ty {
    match *t.get() {
        Ty::FnPtr(f) => {
            if let Some(i) = callback.user_data
                && i as usize >= f.params.len()
            {
                panic!("`user_data` is not the index of one of the callback's parameters");
            }
            Ty::FnPtr(FnPtr { callback, ..f })
        }
        _ => panic!("`callback(...)` applies only to function pointers"),
    }
}

/// The pointee of `t`, a data pointer.
///
/// Panics (at compile time) when `t` is not a data pointer.
pub const fn pointee(t: TyRef) -> TyRef {
    match *t.get() {
        Ty::Pointer(p) => p.pointee,
        _ => panic!("`pointee(...)` applies only to pointers"),
    }
}

/// `t`, a data pointer, pointing to `pointee` instead.
///
/// Panics (at compile time) when `t` is not a data pointer.
pub const fn with_pointee(t: TyRef, pointee: TyRef) -> Ty {
    match *t.get() {
        Ty::Pointer(p) => Ty::Pointer(Pointer { pointee, ..p }),
        _ => panic!("`pointee(...)` applies only to pointers"),
    }
}
