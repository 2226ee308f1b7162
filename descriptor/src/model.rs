//! The descriptor data model: one built library for one target.
//!
//! Field names are the wire names (snake_case). Optional fields and fields at
//! their default value are left out when encoding, so every value has exactly
//! one encoding; readers fill the defaults back in.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use semver::Version;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod decoding;
pub(crate) mod direct;

/// The version of the descriptor format this crate reads and writes.
pub const FORMAT_VERSION: FormatVersion = FormatVersion { major: 1, minor: 0 };

/// A descriptor: the complete ABI of one built library for one target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Descriptor {
    /// Version of the descriptor format, `major.minor`.
    pub format: FormatVersion,
    /// The library described.
    pub library: Library,
    /// What produced the descriptor.
    pub producer: Producer,
    /// The target the library was built for.
    pub target: Target,
    /// Every C-level type an item reaches, referenced by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<TypeDef>,
    /// Exported functions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<Function>,
    /// Exported global variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
    /// Named constants of the library's interface (macros, `const`s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constants: Vec<Constant>,
    /// Message types of the wire layer, referenced by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wire_types: Vec<WireTypeDef>,
    /// Return-code tables of the wire layer, referenced by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_tables: Vec<CodeTable>,
}

/// A descriptor format version: `major.minor`, written as a string such as `"1.0"`.
///
/// A reader accepts any minor of its own major and refuses other majors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FormatVersion {
    /// Incremented for changes an older reader cannot read correctly.
    pub major: u32,
    /// Incremented for additions an older reader may safely ignore.
    pub minor: u32,
}

/// The library a descriptor describes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Library {
    /// Library name, e.g. `geo`.
    pub name: String,
    /// Library version (semver).
    #[schemars(with = "String")]
    pub version: Version,
    /// The shared object name the dynamic linker records (ELF `DT_SONAME`,
    /// Mach-O install name), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soname: Option<String>,
}

/// What produced a descriptor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Producer {
    /// Source language of the library: `rust`, `c`, `nim`, `go`, ...
    pub language: String,
    /// Tool that wrote the descriptor, e.g. `abi-descriptor` or `abi-check embed`.
    pub tool: String,
    /// Version of that tool.
    pub version: String,
}

/// The target a library was built for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    /// Target triple, e.g. `x86_64-unknown-linux-gnu`.
    pub triple: String,
    /// Pointer width in bits: 16, 32 or 64.
    pub pointer_width: u16,
    /// Byte order.
    pub endian: Endian,
    /// Size of C `int` in bytes.
    pub c_int: u8,
    /// Size of C `long` in bytes.
    pub c_long: u8,
    /// Size of C `size_t` in bytes.
    pub size_t: u8,
    /// Whether C `char` is signed on this target.
    pub c_char_signed: bool,
    /// The convention that [`CallConv::C`] means on this target.
    pub default_abi: CallConv,
    /// Alignments (in bytes) of primitives whose alignment differs from their
    /// size on this target, e.g. `{"i64": 4, "f64": 4}` on 32-bit x86 Linux.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub primitive_align: BTreeMap<Primitive, u8>,
}

/// Byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Endian {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

/// A calling convention.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallConv {
    /// The target's default C convention ([`Target::default_abi`]).
    #[default]
    C,
    /// System V AMD64.
    Sysv64,
    /// Microsoft x64.
    Win64,
    /// 32-bit x86 `__stdcall`.
    Stdcall,
    /// 32-bit x86 `__fastcall`.
    Fastcall,
    /// `__vectorcall`.
    Vectorcall,
    /// 32-bit x86 `__thiscall`.
    Thiscall,
    /// ARM AAPCS.
    Aapcs,
}

/// A version-gated attribute shared by types and items: when it appeared and
/// whether it is deprecated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Deprecation {
    /// Library version that deprecated the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
    /// What to use instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A reference to a C-level type: a [`Primitive`] name or the id of an entry
/// in [`Descriptor::types`].
#[derive(Clone)]
pub struct TypeRef(RefName);

/// What a [`TypeRef`] holds: a primitive (its name is not allocated, and
/// [`TypeRef::primitive`] needs no parsing: most references in a
/// descriptor name one), or any other name, never a primitive's, with the
/// position of its entry as the last [`Index`](crate::Index) built over the
/// reference's descriptor found it (see [`Stamp`]).
#[derive(Debug)]
enum RefName {
    Primitive(Primitive),
    Named(Box<str>, Stamp),
}

// A copy is another reference: it has no position until an index finds one.
impl Clone for RefName {
    fn clone(&self) -> Self {
        match self {
            RefName::Primitive(p) => RefName::Primitive(*p),
            RefName::Named(name, _) => RefName::Named(name.clone(), Stamp::default()),
        }
    }
}

/// Where an [`Index`](crate::Index) found the entry a named reference names:
/// the index's serial number and the entry's position, written by the index
/// when it is built and read by its lookups.
///
/// Only an index writes and reads it, and an index reads only what it wrote
/// itself (the serial number tells), so that a reference looked up in an
/// index over another descriptor, or copied into one, is looked up by name.
/// While an index exists its descriptor cannot change (the index borrows
/// it), so what it wrote stays true; two indexes over one descriptor write
/// in turn, and the one overwritten looks names up instead.
#[derive(Debug, Default)]
pub(crate) struct Stamp(std::sync::atomic::AtomicU64);

impl Stamp {
    /// Bits of the position (the rest hold the serial number).
    pub(crate) const SLOT_BITS: u32 = 21;

    /// The largest position a stamp holds.
    pub(crate) const MAX_SLOT: u64 = (1 << Self::SLOT_BITS) - 1;

    /// Records what the index numbered `serial` found.
    pub(crate) fn set(&self, serial: u64, slot: u64) {
        let value = (serial << Self::SLOT_BITS) | slot;
        self.0.store(value, std::sync::atomic::Ordering::Relaxed);
    }

    /// What the index numbered `serial` recorded, if it was the last to.
    pub(crate) fn get(&self, serial: u64) -> Option<u64> {
        let value = self.0.load(std::sync::atomic::Ordering::Relaxed);
        (value >> Self::SLOT_BITS == serial).then_some(value & Self::MAX_SLOT)
    }
}

impl TypeRef {
    /// A reference to `id`.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        match id.parse::<Primitive>() {
            Ok(p) => Self::from(p),
            Err(_) => Self(RefName::Named(id.into_boxed_str(), Stamp::default())),
        }
    }

    /// The referenced id or primitive name.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            RefName::Primitive(p) => p.as_str(),
            RefName::Named(id, _) => id,
        }
    }

    /// The primitive this names, if it names one.
    pub fn primitive(&self) -> Option<Primitive> {
        match self.0 {
            RefName::Primitive(p) => Some(p),
            RefName::Named(..) => None,
        }
    }

    /// The stamp of a named reference; `None` for a primitive.
    pub(crate) fn stamp(&self) -> Option<&Stamp> {
        match &self.0 {
            RefName::Primitive(_) => None,
            RefName::Named(_, stamp) => Some(stamp),
        }
    }
}

impl fmt::Debug for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TypeRef").field(&self.as_str()).finish()
    }
}

// Compared, ordered and hashed as the names they hold.
impl PartialEq for TypeRef {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for TypeRef {}

impl PartialOrd for TypeRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TypeRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for TypeRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl JsonSchema for TypeRef {
    fn schema_name() -> Cow<'static, str> {
        "TypeRef".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A reference to a C-level type: a [`Primitive`] name or the id of an entry\nin [`Descriptor::types`].",
            "type": "string"
        })
    }
}

impl Default for TypeRef {
    fn default() -> Self {
        Self::from(Primitive::Void)
    }
}

impl From<Primitive> for TypeRef {
    fn from(p: Primitive) -> Self {
        Self(RefName::Primitive(p))
    }
}

impl From<&str> for TypeRef {
    fn from(s: &str) -> Self {
        match s.parse::<Primitive>() {
            Ok(p) => Self::from(p),
            Err(_) => Self(RefName::Named(s.into(), Stamp::default())),
        }
    }
}

impl From<String> for TypeRef {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TypeRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TypeRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = TypeRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a type reference (a primitive's name or a type id)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TypeRef, E> {
                Ok(TypeRef::from(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<TypeRef, E> {
                Ok(TypeRef::new(v))
            }
            // UTF-8 in a byte string is text too, as for a `String`.
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<TypeRef, E> {
                match std::str::from_utf8(v) {
                    Ok(s) => Ok(TypeRef::from(s)),
                    Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self)),
                }
            }
        }
        d.deserialize_string(Text)
    }
}

fn is_void(t: &TypeRef) -> bool {
    t.primitive() == Some(Primitive::Void)
}

/// A built-in type with an exact width. Referenced by name; never declared in
/// [`Descriptor::types`].
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Primitive {
    /// No value (only as a return type or pointee).
    Void,
    /// One byte, 0 or 1.
    Bool,
    /// Signed 8-bit integer.
    I8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 32-bit integer.
    I32,
    /// Signed 64-bit integer.
    I64,
    /// Signed 128-bit integer.
    I128,
    /// Unsigned 8-bit integer.
    U8,
    /// Unsigned 16-bit integer.
    U16,
    /// Unsigned 32-bit integer.
    U32,
    /// Unsigned 64-bit integer.
    U64,
    /// Unsigned 128-bit integer.
    U128,
    /// IEEE 754 binary32.
    F32,
    /// IEEE 754 binary64.
    F64,
    /// C `char`: one byte whose signedness is [`Target::c_char_signed`].
    CChar,
    /// Pointer-sized signed integer (`ptrdiff_t`, `intptr_t`, Rust `isize`).
    Isize,
    /// Pointer-sized unsigned integer (`size_t`, `uintptr_t`, Rust `usize`).
    Usize,
}

impl Primitive {
    /// Every primitive, in declaration order.
    pub const ALL: [Primitive; 17] = [
        Self::Void,
        Self::Bool,
        Self::I8,
        Self::I16,
        Self::I32,
        Self::I64,
        Self::I128,
        Self::U8,
        Self::U16,
        Self::U32,
        Self::U64,
        Self::U128,
        Self::F32,
        Self::F64,
        Self::CChar,
        Self::Isize,
        Self::Usize,
    ];

    /// The primitive's name as written in descriptors.
    pub const fn as_str(self) -> &'static str {
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

    /// Size in bytes on a target with the given pointer width in bits.
    pub const fn size(self, pointer_width: u16) -> u64 {
        match self {
            Self::Void => 0,
            Self::Bool | Self::I8 | Self::U8 | Self::CChar => 1,
            Self::I16 | Self::U16 => 2,
            Self::I32 | Self::U32 | Self::F32 => 4,
            Self::I64 | Self::U64 | Self::F64 => 8,
            Self::I128 | Self::U128 => 16,
            Self::Isize | Self::Usize => pointer_width as u64 / 8,
        }
    }

    /// Whether this is an integer type. `c_char`, `isize` and `usize` are;
    /// `bool`, the floats and `void` are not.
    pub const fn is_integer(self) -> bool {
        !matches!(self, Self::Void | Self::Bool | Self::F32 | Self::F64)
    }

    /// The inclusive range of values an integer primitive holds, or `None`
    /// for non-integers.
    pub fn int_range(self, target: &Target) -> Option<(i128, i128)> {
        let signed = match self {
            Self::I8 | Self::I16 | Self::I32 | Self::I64 | Self::I128 | Self::Isize => true,
            Self::U8 | Self::U16 | Self::U32 | Self::U64 | Self::U128 | Self::Usize => false,
            Self::CChar => target.c_char_signed,
            Self::Void | Self::Bool | Self::F32 | Self::F64 => return None,
        };
        let bits = self.size(target.pointer_width) * 8;
        // Values are carried as `Int`, which spans i64::MIN..=u64::MAX; wider
        // ranges are clamped to it.
        Some(match (signed, bits) {
            // A zero-width type (from an invalid pointer width) holds only 0.
            (_, 0) => (0, 0),
            (true, b) if b < 128 => (-(1i128 << (b - 1)), (1i128 << (b - 1)) - 1),
            (false, b) if b < 128 => (0, (1i128 << b) - 1),
            (true, _) => (i128::MIN, i128::MAX),
            (false, _) => (0, i128::MAX),
        })
    }
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Primitive {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        // A `match`, not a scan of `ALL`: every type reference is parsed.
        Ok(match s {
            "void" => Self::Void,
            "bool" => Self::Bool,
            "i8" => Self::I8,
            "i16" => Self::I16,
            "i32" => Self::I32,
            "i64" => Self::I64,
            "i128" => Self::I128,
            "u8" => Self::U8,
            "u16" => Self::U16,
            "u32" => Self::U32,
            "u64" => Self::U64,
            "u128" => Self::U128,
            "f32" => Self::F32,
            "f64" => Self::F64,
            "c_char" => Self::CChar,
            "isize" => Self::Isize,
            "usize" => Self::Usize,
            _ => return Err(()),
        })
    }
}

/// An entry of the type table.
// `Deserialize` is hand-written (model/decoding.rs): it reads the entry in one
// pass, where the derived one would buffer it to resolve the flattened,
// internally tagged `TypeKind`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct TypeDef {
    /// Unique id. Named C types use their C name (`Point`); anonymous types
    /// (pointers, arrays, function pointers) use any unique string.
    pub id: String,
    /// Library version the type appeared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
    /// Set when the type is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Box<Deprecation>>,
    /// What the type is.
    #[serde(flatten)]
    pub kind: TypeKind,
}

/// The kinds of C-level type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    /// A type the host only handles through pointers (or by value with a
    /// known size but no visible fields).
    Opaque(OpaqueType),
    /// Another name for a type (`typedef`); judged on the underlying type.
    Alias(AliasType),
    /// A pointer.
    Pointer(PointerType),
    /// A struct with visible fields.
    Struct(StructType),
    /// A C union.
    Union(UnionType),
    /// A C-like enum with an integer representation.
    Enum(EnumType),
    /// A tagged union: an integer tag and a payload per variant (Rust
    /// `#[repr(C, u8)] enum`, or a C `struct { tag; union { ... } }`).
    TaggedUnion(TaggedUnionType),
    /// A fixed-length array.
    Array(ArrayType),
    /// A byte or string buffer: a pointer plus a length or terminator.
    Buffer(BufferType),
    /// A function pointer, e.g. a callback.
    FunctionPointer(FunctionPointerType),
    /// A struct that grows by appending fields, versioned by a size or
    /// version field and only ever passed by pointer.
    Extensible(ExtensibleType),
}

impl TypeKind {
    /// The kind's name as written in descriptors.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Opaque(_) => "opaque",
            Self::Alias(_) => "alias",
            Self::Pointer(_) => "pointer",
            Self::Struct(_) => "struct",
            Self::Union(_) => "union",
            Self::Enum(_) => "enum",
            Self::TaggedUnion(_) => "tagged_union",
            Self::Array(_) => "array",
            Self::Buffer(_) => "buffer",
            Self::FunctionPointer(_) => "function_pointer",
            Self::Extensible(_) => "extensible",
        }
    }
}

/// An opaque type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OpaqueType {
    /// Size in bytes when the host may hold the type by value; absent for
    /// pointer-only handles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Alignment in bytes; present exactly when `size` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub align: Option<u64>,
}

/// A typedef.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AliasType {
    /// The aliased type.
    pub target: TypeRef,
}

/// Whether the memory behind a pointer may be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mutability {
    /// Read only (`const T *`).
    Const,
    /// Writable (`T *`).
    Mut,
}

/// Who owns the memory behind a pointer once it has crossed the boundary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    /// The receiver may use it only for the duration of the call (or the
    /// lifetime the API documents) and never frees it.
    #[default]
    Borrowed,
    /// Returned to the caller, who must release it with `free`.
    CallerOwned {
        /// Symbol of the function that releases it.
        free: String,
    },
    /// Passed to the callee, which takes ownership and releases it.
    Transferred,
}

impl Ownership {
    /// The variant's name as written in descriptors.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Borrowed => "borrowed",
            Self::CallerOwned { .. } => "caller_owned",
            Self::Transferred => "transferred",
        }
    }
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// A pointer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PointerType {
    /// The type pointed to (`void` for `void *`).
    pub pointee: TypeRef,
    /// Whether the pointee may be written through this pointer.
    pub mutability: Mutability,
    /// Whether the pointer may be null.
    #[serde(default, skip_serializing_if = "is_default")]
    pub nullable: bool,
    /// Who owns the pointee.
    #[serde(default, skip_serializing_if = "is_default")]
    pub ownership: Ownership,
}

/// How a struct is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Repr {
    /// C layout: fields in order, each at its natural alignment.
    #[default]
    C,
    /// Packed: fields may sit at any offset; `align` gives the packing.
    Packed,
    /// One non-zero-sized field, laid out exactly as that field.
    Transparent,
}

/// A struct field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Field type.
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// Byte offset from the start of the struct.
    pub offset: u64,
    /// Library version the field was appended in (extensible structs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
}

/// A struct.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StructType {
    /// Layout rule.
    #[serde(default, skip_serializing_if = "is_default")]
    pub repr: Repr,
    /// Size in bytes, including trailing padding.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
    /// Fields in declaration order.
    pub fields: Vec<Field>,
}

/// A union member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UnionMember {
    /// Member name.
    pub name: String,
    /// Member type.
    #[serde(rename = "type")]
    pub ty: TypeRef,
}

/// A union.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UnionType {
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
    /// Members, all at offset 0.
    pub members: Vec<UnionMember>,
}

/// An integer value of up to 64 bits, signed or unsigned (`i64::MIN..=u64::MAX`).
///
/// Encoded as a plain integer in JSON and CBOR.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Int(i128);

impl Int {
    /// The smallest representable value.
    pub const MIN: Int = Int(i64::MIN as i128);
    /// The largest representable value.
    pub const MAX: Int = Int(u64::MAX as i128);

    /// `value`, if it lies within `i64::MIN..=u64::MAX`.
    pub const fn new(value: i128) -> Option<Int> {
        if value >= Self::MIN.0 && value <= Self::MAX.0 {
            Some(Int(value))
        } else {
            None
        }
    }

    /// The value.
    pub const fn get(self) -> i128 {
        self.0
    }
}

impl From<i64> for Int {
    fn from(v: i64) -> Self {
        Int(v.into())
    }
}

impl From<u64> for Int {
    fn from(v: u64) -> Self {
        Int(v.into())
    }
}

impl From<i32> for Int {
    fn from(v: i32) -> Self {
        Int(v.into())
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Int {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match u64::try_from(self.0) {
            Ok(v) => s.serialize_u64(v),
            // `Int` never holds values below i64::MIN.
            Err(_) => s.serialize_i64(self.0 as i64),
        }
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IntVisitor;
        impl Visitor<'_> for IntVisitor {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer between -2^63 and 2^64-1")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(v.into())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                Ok(v.into())
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Int, E> {
                Int::new(v).ok_or_else(|| E::custom(format!("integer {v} is out of range")))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Int, E> {
                i128::try_from(v)
                    .ok()
                    .and_then(Int::new)
                    .ok_or_else(|| E::custom(format!("integer {v} is out of range")))
            }
        }
        d.deserialize_any(IntVisitor)
    }
}

impl JsonSchema for Int {
    fn schema_name() -> Cow<'static, str> {
        "Int".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An integer between -2^63 and 2^64-1.",
            "type": "integer",
            "minimum": i64::MIN,
            "maximum": u64::MAX,
        })
    }
}

fn is_true(b: &bool) -> bool {
    *b
}

fn yes() -> bool {
    true
}

/// An enum variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Variant {
    /// Variant name.
    pub name: String,
    /// Its integer value.
    pub value: Int,
    /// Library version the variant appeared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
    /// Set when the variant is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Box<Deprecation>>,
}

/// A C-like enum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EnumType {
    /// The integer primitive that carries the value.
    pub repr: TypeRef,
    /// The variants.
    pub variants: Vec<Variant>,
    /// `true` (the default) when no value outside `variants` ever crosses the
    /// boundary, so a receiver may `switch` without a default arm; `false`
    /// for open enums that may gain values.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub exhaustive: bool,
}

/// Where the tag of a tagged union sits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Tag {
    /// The tag's type: an integer primitive or an enum.
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// Byte offset of the tag.
    pub offset: u64,
}

/// A variant of a tagged union.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaggedVariant {
    /// Variant name.
    pub name: String,
    /// Tag value that selects it.
    pub tag: Int,
    /// Payload type, absent for a variant without data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<TypeRef>,
    /// Library version the variant appeared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
}

/// A tagged union.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaggedUnionType {
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
    /// The tag.
    pub tag: Tag,
    /// Byte offset of the payload.
    pub payload_offset: u64,
    /// The variants.
    pub variants: Vec<TaggedVariant>,
    /// As for [`EnumType::exhaustive`].
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub exhaustive: bool,
}

/// A fixed-length array.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ArrayType {
    /// Element type.
    pub element: TypeRef,
    /// Number of elements.
    pub len: u64,
}

/// What a buffer's bytes mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BufferEncoding {
    /// UTF-8 text.
    Utf8,
    /// Arbitrary bytes.
    Bytes,
}

/// How a buffer's length is known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BufferLength {
    /// A lone pointer to data ending at the first NUL byte (`const char *`).
    NulTerminated,
    /// A lone pointer whose length travels separately: in the parameter or
    /// field that names it with `length_of`.
    Separate,
    /// A by-value pointer-and-length pair (Go's `GoString`, a Rust slice
    /// passed as `#[repr(C)] struct { ptr, len }`).
    Inline(InlineBuffer),
}

/// Layout of a by-value pointer-and-length pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InlineBuffer {
    /// Size of the pair in bytes.
    pub size: u64,
    /// Alignment of the pair in bytes.
    pub align: u64,
    /// Byte offset of the data pointer.
    pub ptr_offset: u64,
    /// Byte offset of the length.
    pub len_offset: u64,
    /// The length's integer type.
    pub len_type: TypeRef,
}

/// A byte or string buffer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BufferType {
    /// What the bytes mean.
    pub encoding: BufferEncoding,
    /// How the length is known.
    pub length: BufferLength,
    /// Whether the receiver may write the bytes.
    pub mutability: Mutability,
    /// Whether the data pointer may be null.
    #[serde(default, skip_serializing_if = "is_default")]
    pub nullable: bool,
    /// Who owns the bytes.
    #[serde(default, skip_serializing_if = "is_default")]
    pub ownership: Ownership,
}

/// How long the library keeps a callback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallbackLifetime {
    /// Called only before the call that received it returns.
    #[default]
    CallScoped,
    /// Kept and called later, until unregistered or the context is destroyed.
    Stored,
}

/// Which thread a callback runs on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallbackThread {
    /// The thread that made the call that received the callback.
    #[default]
    Caller,
    /// A thread the library owns.
    Library,
    /// Any thread.
    Any,
}

/// A function parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Param {
    /// Parameter name (may be empty when unknown).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Parameter type.
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// When this integer parameter carries the length of a buffer or pointer
    /// parameter, that parameter's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_of: Option<String>,
}

/// A function pointer type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FunctionPointerType {
    /// Calling convention.
    #[serde(default, skip_serializing_if = "is_default")]
    pub abi: CallConv,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Return type (`void` when absent).
    #[serde(default, skip_serializing_if = "is_void", rename = "return")]
    pub ret: TypeRef,
    /// Whether it takes C variadic arguments.
    #[serde(default, skip_serializing_if = "is_default")]
    pub variadic: bool,
    /// Whether the callback may unwind (panic, throw) into the library.
    #[serde(default, skip_serializing_if = "is_default")]
    pub may_unwind: bool,
    /// Index of the parameter that carries the host's opaque user data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<u32>,
    /// How long the library keeps the callback.
    #[serde(default, skip_serializing_if = "is_default")]
    pub lifetime: CallbackLifetime,
    /// Which thread the library calls it on.
    #[serde(default, skip_serializing_if = "is_default")]
    pub thread: CallbackThread,
    /// Whether a null function pointer is accepted.
    #[serde(default, skip_serializing_if = "is_default")]
    pub nullable: bool,
}

/// How an extensible struct tells its version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Versioning {
    /// The named field holds the struct's size as the writer knew it
    /// (Win32's `cbSize`).
    SizeField(String),
    /// The named field holds a version number; later versions append fields.
    VersionField(String),
}

/// A struct that grows by appending fields, always passed by pointer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExtensibleType {
    /// Size of this version in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
    /// How the version is told.
    pub versioning: Versioning,
    /// Fields in declaration order; appended fields carry `since`.
    pub fields: Vec<Field>,
}

/// Which threads may call a function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Threading {
    /// Any thread, concurrently.
    #[default]
    Any,
    /// Only the thread that created the context the function is given.
    ContextThread,
    /// Only the process's main thread.
    MainThread,
}

impl Threading {
    /// The variant's name as written in descriptors.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::ContextThread => "context_thread",
            Self::MainThread => "main_thread",
        }
    }
}

/// An exported function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Function {
    /// Exported symbol name, as the dynamic linker sees it.
    pub symbol: String,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Return type (`void` when absent).
    #[serde(default, skip_serializing_if = "is_void", rename = "return")]
    pub ret: TypeRef,
    /// Calling convention.
    #[serde(default, skip_serializing_if = "is_default")]
    pub abi: CallConv,
    /// Whether it takes C variadic arguments.
    #[serde(default, skip_serializing_if = "is_default")]
    pub variadic: bool,
    /// Which threads may call it.
    #[serde(default, skip_serializing_if = "is_default")]
    pub threading: Threading,
    /// Whether it may block the calling thread (I/O, locks, waits).
    #[serde(default, skip_serializing_if = "is_default")]
    pub may_block: bool,
    /// Whether it may unwind (panic, throw) into the caller.
    #[serde(default, skip_serializing_if = "is_default")]
    pub may_unwind: bool,
    /// The encoded-message contract, for functions that take and return
    /// encoded payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<Box<WireCall>>,
    /// Library version the function appeared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
    /// Set when the function is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Box<Deprecation>>,
}

/// An exported global variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Variable {
    /// Exported symbol name.
    pub symbol: String,
    /// The variable's type.
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// Whether the host may write it.
    pub mutability: Mutability,
    /// Library version the variable appeared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
    /// Set when the variable is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Box<Deprecation>>,
}

/// The value of a constant.
///
/// Floats compare by their bits, as they are encoded: `0.0` and `-0.0` are
/// different constants.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConstValue {
    /// An integer.
    Int(Int),
    /// A finite floating-point number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Text(String),
}

impl PartialEq for ConstValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Float(a), Self::Float(b)) => a.to_bits() == b.to_bits(),
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Text(a), Self::Text(b)) => a == b,
            _ => false,
        }
    }
}

/// A named constant of the interface (a `#define`, `const`, or enum-like value).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Constant {
    /// Constant name.
    pub name: String,
    /// Its C type.
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// Its value.
    pub value: ConstValue,
    /// Library version the constant appeared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
    /// Set when the constant is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Box<Deprecation>>,
}

// ---------------------------------------------------------------------------
// The wire layer.

/// How a function's payloads are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayloadEncoding {
    /// CBOR (RFC 8949).
    Cbor,
    /// JSON (RFC 8259), UTF-8.
    Json,
    /// Uninterpreted bytes.
    Raw,
}

/// The encoded-message contract of one function.
///
/// For nim-ffi's shape, `int f(void *ctx, FFICallBack cb, void *user_data,
/// const uint8_t *req, size_t len)`: `request_param` is `req`, `callback_param`
/// is `cb`, and the reply or error arrives through the callback with a code
/// from `codes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WireCall {
    /// Payload encoding.
    pub encoding: PayloadEncoding,
    /// The parameter that carries the encoded request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_param: Option<String>,
    /// The request message type (absent when the function takes none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<WireRef>,
    /// The callback parameter through which replies, errors and events arrive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_param: Option<String>,
    /// The reply message type on success (the wire primitive `null` for a
    /// void reply; absent when the function replies through no message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<WireRef>,
    /// The error payload type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireRef>,
    /// Id of the return-code table (in [`Descriptor::code_tables`]) that
    /// gives the codes this function and its callback use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes: Option<String>,
    /// Events that listeners registered through this function receive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
}

/// An event a library delivers to listeners.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// The event's name on the wire.
    pub name: String,
    /// Its payload type.
    pub payload: WireRef,
    /// Library version the event appeared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
    /// Set when the event is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Box<Deprecation>>,
}

/// A table of return codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CodeTable {
    /// Unique id.
    pub id: String,
    /// The codes.
    pub codes: Vec<ReturnCode>,
}

/// A return code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReturnCode {
    /// Its value.
    pub value: Int,
    /// Its name, e.g. `RET_OK`.
    pub name: String,
    /// `true` when it ends the call; `false` for progress notices after which
    /// another code follows.
    #[serde(rename = "final")]
    pub is_final: bool,
}

/// A reference to a wire type: a [`WirePrimitive`] name or the id of an
/// entry in [`Descriptor::wire_types`].
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct WireRef(pub String);

impl WireRef {
    /// A reference to `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The referenced id or primitive name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primitive this names, if it names one.
    pub fn primitive(&self) -> Option<WirePrimitive> {
        self.0.parse().ok()
    }
}

impl fmt::Display for WireRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A built-in wire type.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum WirePrimitive {
    /// The null value (a void reply).
    Null,
    /// A boolean.
    Bool,
    /// Signed integer that must fit 8 bits.
    I8,
    /// Signed integer that must fit 16 bits.
    I16,
    /// Signed integer that must fit 32 bits.
    I32,
    /// Signed integer that must fit 64 bits.
    I64,
    /// Unsigned integer that must fit 8 bits.
    U8,
    /// Unsigned integer that must fit 16 bits.
    U16,
    /// Unsigned integer that must fit 32 bits.
    U32,
    /// Unsigned integer that must fit 64 bits.
    U64,
    /// binary32 float.
    F32,
    /// binary64 float.
    F64,
    /// UTF-8 text (CBOR major type 3).
    Text,
    /// A byte string (CBOR major type 2), not an array of integers.
    Bytes,
}

impl WirePrimitive {
    /// Every wire primitive, in declaration order.
    pub const ALL: [WirePrimitive; 14] = [
        Self::Null,
        Self::Bool,
        Self::I8,
        Self::I16,
        Self::I32,
        Self::I64,
        Self::U8,
        Self::U16,
        Self::U32,
        Self::U64,
        Self::F32,
        Self::F64,
        Self::Text,
        Self::Bytes,
    ];

    /// The primitive's name as written in descriptors.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "bool",
            Self::I8 => "i8",
            Self::I16 => "i16",
            Self::I32 => "i32",
            Self::I64 => "i64",
            Self::U8 => "u8",
            Self::U16 => "u16",
            Self::U32 => "u32",
            Self::U64 => "u64",
            Self::F32 => "f32",
            Self::F64 => "f64",
            Self::Text => "text",
            Self::Bytes => "bytes",
        }
    }
}

impl fmt::Display for WirePrimitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WirePrimitive {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == s)
            .ok_or(())
    }
}

/// An entry of the wire type table.
// `Deserialize` is hand-written (model/decoding.rs), as for `TypeDef`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct WireTypeDef {
    /// Unique id.
    pub id: String,
    /// Library version the type appeared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
    /// Set when the type is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Box<Deprecation>>,
    /// What the type is.
    #[serde(flatten)]
    pub kind: WireKind,
}

/// The kinds of wire type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WireKind {
    /// A map with text keys, one per field.
    Record(WireRecord),
    /// A homogeneous list.
    List(WireList),
    /// A map from keys to values.
    Map(WireMap),
    /// A value or null.
    Option(WireOption),
    /// `{"ok": T}` or `{"err": E}`.
    Result(WireResult),
    /// One of a set of text values.
    Enum(WireEnum),
    /// Another name for a wire type.
    Alias(WireAlias),
}

impl WireKind {
    /// The kind's name as written in descriptors.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Record(_) => "record",
            Self::List(_) => "list",
            Self::Map(_) => "map",
            Self::Option(_) => "option",
            Self::Result(_) => "result",
            Self::Enum(_) => "enum",
            Self::Alias(_) => "alias",
        }
    }
}

/// A record field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WireField {
    /// The key on the wire.
    pub name: String,
    /// The value type.
    #[serde(rename = "type")]
    pub ty: WireRef,
    /// `true` when the key may be absent (Nim `Option[T]`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub optional: bool,
    /// Library version the field appeared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub since: Option<Box<Version>>,
}

/// A record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WireRecord {
    /// The fields.
    pub fields: Vec<WireField>,
}

/// A list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WireList {
    /// Element type.
    pub element: WireRef,
}

/// A map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WireMap {
    /// Key type.
    pub key: WireRef,
    /// Value type.
    pub value: WireRef,
}

/// An optional value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WireOption {
    /// The type when present.
    pub some: WireRef,
}

/// A result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WireResult {
    /// The success type.
    pub ok: WireRef,
    /// The error type.
    pub err: WireRef,
}

/// An enum carried as its text names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WireEnum {
    /// The names.
    pub values: Vec<String>,
    /// As for [`EnumType::exhaustive`].
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub exhaustive: bool,
}

/// A wire alias.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WireAlias {
    /// The aliased type.
    pub target: WireRef,
}

// ---------------------------------------------------------------------------
// Format version encoding.

impl fmt::Display for FormatVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for FormatVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("format version `{s}` is not of the form `major.minor`");
        let (major, minor) = s.split_once('.').ok_or_else(bad)?;
        let num = |p: &str| {
            if p.is_empty()
                || !p.bytes().all(|b| b.is_ascii_digit())
                || (p.len() > 1 && p.starts_with('0'))
            {
                Err(bad())
            } else {
                p.parse::<u32>().map_err(|_| bad())
            }
        };
        Ok(FormatVersion {
            major: num(major)?,
            minor: num(minor)?,
        })
    }
}

impl Serialize for FormatVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FormatVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

impl JsonSchema for FormatVersion {
    fn schema_name() -> Cow<'static, str> {
        "FormatVersion".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Descriptor format version, `major.minor`.",
            "type": "string",
            "pattern": "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$",
        })
    }
}
