//! One-pass decoding of the entries of the type tables: [`TypeDef`] and
//! [`WireTypeDef`].
//!
//! An entry is one map that holds the entry's own keys (`id`, `since`,
//! `deprecated`), the `kind` tag and the fields of that kind, all at one
//! level. The derived decoder for that shape (`#[serde(flatten)]` over an
//! internally tagged enum) copies every entry into serde's private content
//! tree and decodes the copy a second time. This one reads the input once:
//!
//! - keys come in any order (canonical CBOR sorts them length-first, so `abi`,
//!   `len` and `tag` precede `kind`);
//! - once `kind` is known, each field of that kind is decoded straight from the
//!   input, and every other key is skipped without looking at its value;
//! - a field of some kind that comes before `kind` is held as a [`Raw`] value,
//!   then decoded when `kind` arrives, or dropped if that kind has no such
//!   field.
//!
//! It accepts what the derived decoder accepted: unknown keys and keys of
//! other kinds are ignored whatever their values, a key of the entry's kind
//! given twice is refused, defaults are the same, and a kind may still be
//! given by its index. Errors name the entry and the field (`type `Point`:
//! missing field `size` (kind `struct`)`, `invalid type: string "16", expected
//! an unsigned integer for field `size` of type `Point``).
//!
//! The differences concern CBOR forms that no writer produces. Inside a field
//! whose value is a list or a struct, ciborium's own rules apply, as they do
//! everywhere else in the model: a struct written as an array, text written as
//! a byte string, or a map key that is an integer or longer than 4 KiB is
//! refused rather than accepted, and a CBOR tag or bignum is read rather than
//! refused. A tag or bignum in the value of an ignored key is skipped rather
//! than refused.

use std::fmt;
use std::marker::PhantomData;

use semver::Version;
use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IgnoredAny, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::{Deserialize, Deserializer};

use super::{
    AliasType, ArrayType, BufferEncoding, BufferLength, BufferType, CallConv, CallbackLifetime,
    CallbackThread, Deprecation, EnumType, ExtensibleType, Field, FunctionPointerType, Mutability,
    OpaqueType, Ownership, Param, PointerType, Repr, StructType, Tag, TaggedUnionType,
    TaggedVariant, TypeDef, TypeKind, TypeRef, UnionMember, UnionType, Variant, Versioning,
    WireAlias, WireEnum, WireField, WireKind, WireList, WireMap, WireOption, WireRecord, WireRef,
    WireResult, WireTypeDef, yes,
};

impl<'de> Deserialize<'de> for TypeDef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entry = deserializer.deserialize_map(EntryVisitor::<TypePartial>(PhantomData))?;
        Ok(TypeDef {
            id: entry.id,
            since: entry.since.map(Box::new),
            deprecated: entry.deprecated.map(Box::new),
            kind: entry.kind,
        })
    }
}

impl<'de> Deserialize<'de> for WireTypeDef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entry = deserializer.deserialize_map(EntryVisitor::<WirePartial>(PhantomData))?;
        Ok(WireTypeDef {
            id: entry.id,
            since: entry.since.map(Box::new),
            deprecated: entry.deprecated.map(Box::new),
            kind: entry.kind,
        })
    }
}

// ---------------------------------------------------------------------------
// Messages.

/// The entry an error is about: `type `Point`: ` before a message, or nothing
/// while the entry's id is not known yet.
struct Subject<'a> {
    noun: &'static str,
    id: Option<&'a str>,
}

impl fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id {
            Some(id) => write!(f, "{} `{}`: ", self.noun, id),
            None => Ok(()),
        }
    }
}

/// Where a value sits: `field `size` of type `Point``.
#[derive(Clone, Copy)]
struct Place<'a> {
    noun: &'static str,
    id: Option<&'a str>,
    field: &'static str,
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}`", self.field)?;
        match self.id {
            Some(id) => write!(f, " of {} `{}`", self.noun, id),
            None => Ok(()),
        }
    }
}

fn duplicate<E: de::Error>(at: Place<'_>) -> E {
    let subject = Subject {
        noun: at.noun,
        id: at.id,
    };
    E::custom(format_args!("{subject}duplicate field `{}`", at.field))
}

// ---------------------------------------------------------------------------
// Field values.

/// A value of a kind's field, decoded with an error that names the field
/// where the value's shape allows.
trait FieldValue: Sized {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, at: Place<'_>) -> Result<Self, D::Error>;
}

/// An enum: a unit variant written as its name, or any variant as a map of
/// one entry. Errors for unknown variants come from the enum's derived
/// decoder.
///
/// A map is held as a [`Raw`] value and decoded from that, which checks what
/// follows a unit variant's name: ciborium's own enum access would leave the
/// value of `{"borrowed": 1}` unread in the input.
struct EnumVisitor<'a, T>(Place<'a>, PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for EnumVisitor<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string or map for {}", self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::deserialize(v.into_deserializer())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let raw = RawVisitor.visit_map(map)?;
        T::deserialize(RawDeserializer::<A::Error>::new(raw))
    }
}

macro_rules! enum_field_values {
    ($($ty:ty),* $(,)?) => {$(
        impl FieldValue for $ty {
            fn decode<'de, D: Deserializer<'de>>(d: D, at: Place<'_>) -> Result<Self, D::Error> {
                d.deserialize_any(EnumVisitor(at, PhantomData))
            }
        }
    )*};
}

enum_field_values!(
    Repr,
    Mutability,
    Ownership,
    BufferEncoding,
    BufferLength,
    CallConv,
    CallbackLifetime,
    CallbackThread,
    Versioning,
);

/// A struct: its errors (a missing or mistyped field) come from its derived
/// decoder.
impl FieldValue for Tag {
    fn decode<'de, D: Deserializer<'de>>(d: D, _: Place<'_>) -> Result<Self, D::Error> {
        Tag::deserialize(d)
    }
}

/// An unsigned integer of at most `max`.
struct UintVisitor<'a> {
    at: Place<'a>,
    max: u64,
}

impl Visitor<'_> for UintVisitor<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.max == u64::MAX {
            write!(f, "an unsigned integer for {}", self.at)
        } else {
            write!(f, "an unsigned integer up to {} for {}", self.max, self.at)
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        if v <= self.max {
            Ok(v)
        } else {
            Err(E::invalid_value(Unexpected::Unsigned(v), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::invalid_value(Unexpected::Signed(v), &self)),
        }
    }
}

/// An unsigned integer of at most `max`, or null (absent).
struct OptionalUintVisitor<'a> {
    at: Place<'a>,
    max: u64,
}

impl<'a> OptionalUintVisitor<'a> {
    fn inner(&self) -> UintVisitor<'a> {
        UintVisitor {
            at: self.at,
            max: self.max,
        }
    }
}

impl<'de> Visitor<'de> for OptionalUintVisitor<'_> {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an unsigned integer or null for {}", self.at)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<u64>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<u64>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(self.inner()).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<u64>, E> {
        self.inner().visit_u64(v).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<u64>, E> {
        self.inner().visit_i64(v).map(Some)
    }
}

impl FieldValue for u64 {
    fn decode<'de, D: Deserializer<'de>>(d: D, at: Place<'_>) -> Result<Self, D::Error> {
        d.deserialize_any(UintVisitor { at, max: u64::MAX })
    }
}

impl FieldValue for Option<u64> {
    fn decode<'de, D: Deserializer<'de>>(d: D, at: Place<'_>) -> Result<Self, D::Error> {
        d.deserialize_any(OptionalUintVisitor { at, max: u64::MAX })
    }
}

impl FieldValue for Option<u32> {
    fn decode<'de, D: Deserializer<'de>>(d: D, at: Place<'_>) -> Result<Self, D::Error> {
        let v = d.deserialize_any(OptionalUintVisitor {
            at,
            max: u32::MAX.into(),
        })?;
        // The visitor refuses anything above `u32::MAX`.
        Ok(v.and_then(|v| u32::try_from(v).ok()))
    }
}

struct BoolVisitor<'a>(Place<'a>);

impl Visitor<'_> for BoolVisitor<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a boolean for {}", self.0)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
}

impl FieldValue for bool {
    fn decode<'de, D: Deserializer<'de>>(d: D, at: Place<'_>) -> Result<Self, D::Error> {
        d.deserialize_any(BoolVisitor(at))
    }
}

/// Text: a string, or bytes that are UTF-8 (as for `String`).
/// Text for a field: a `String`, or a [`TypeRef`], which keeps no copy of a
/// primitive's name.
struct TextVisitor<'a, T>(Place<'a>, PhantomData<T>);

impl<T: for<'s> From<&'s str> + From<String>> Visitor<'_> for TextVisitor<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string for {}", self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(T::from(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<T, E> {
        match std::str::from_utf8(v) {
            Ok(s) => Ok(T::from(s)),
            Err(_) => Err(E::invalid_value(Unexpected::Bytes(v), &self)),
        }
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<T, E> {
        String::from_utf8(v)
            .map(T::from)
            .map_err(|e| E::invalid_value(Unexpected::Bytes(e.as_bytes()), &self))
    }
}

impl FieldValue for TypeRef {
    fn decode<'de, D: Deserializer<'de>>(d: D, at: Place<'_>) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor(at, PhantomData))
    }
}

impl FieldValue for WireRef {
    fn decode<'de, D: Deserializer<'de>>(d: D, at: Place<'_>) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor::<String>(at, PhantomData))
            .map(WireRef)
    }
}

/// A list whose elements decode with their own (derived) decoders.
struct ListVisitor<'a, T>(Place<'a>, PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for ListVisitor<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list for {}", self.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // As serde does: trust a length hint only up to 1 MiB of elements.
        let cap = seq.size_hint().unwrap_or(0);
        let cap = cap.min((1 << 20) / std::mem::size_of::<T>().max(1));
        let mut out = Vec::with_capacity(cap);
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }
}

impl<T: DeserializeOwned> FieldValue for Vec<T> {
    fn decode<'de, D: Deserializer<'de>>(d: D, at: Place<'_>) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor(at, PhantomData))
    }
}

// ---------------------------------------------------------------------------
// The kinds.

/// The kinds of one table: what [`EntryVisitor`] needs to know about them.
/// Implemented by the partial-kind enums that `kinds!` generates.
trait Kinds: Sized {
    /// Every key any kind has.
    type Key: Copy;
    /// The finished kind.
    type Kind;
    /// What an entry is called in messages: `type`, `wire type`.
    const NOUN: &'static str;
    /// What the entry visitor expects: the derived decoder's `struct TypeDef`.
    const EXPECTING: &'static str;
    /// The kind names, in declaration order (the index a kind may be given by).
    const NAMES: &'static [&'static str];

    /// The key named `name`, if some kind has it.
    fn key(name: &str) -> Option<Self::Key>;
    /// An empty kind named `name`.
    fn named(name: &str) -> Option<Self>;
    /// Whether this kind has `key`.
    fn accepts(&self, key: Self::Key) -> bool;
    /// Decodes the value of `key`, which this kind has, into this kind.
    fn decode<'de, D: Deserializer<'de>>(
        &mut self,
        key: Self::Key,
        id: Option<&str>,
        d: D,
    ) -> Result<(), D::Error>;
    /// The finished kind, or an error naming the first missing required field.
    fn finish<E: de::Error>(self, id: &str) -> Result<Self::Kind, E>;
}

/// Reads a defaulted or required slot of a partial kind.
macro_rules! take {
    ($slot:expr, $missing:expr, required) => {
        match $slot {
            Some(v) => v,
            None => return Err($missing),
        }
    };
    ($slot:expr, $missing:expr, default) => {
        $slot.unwrap_or_default()
    };
    ($slot:expr, $missing:expr, yes) => {
        $slot.unwrap_or_else(yes)
    };
}

/// Generates the key enum, one partial struct per kind (every field an
/// `Option`), and the enum of partial kinds implementing [`Kinds`].
///
/// A field is `name: Type = KEY how`, where `how` is `required`, `default`
/// (`Default::default()`) or `yes` (`true`), as the model's serde attributes
/// say.
macro_rules! kinds {
    (
        $Partial:ident for $Kind:ident, noun $noun:literal, expecting $expecting:literal;
        keys $Key:ident { $($K:ident = $key:literal),* $(,)? }
        $(
            $Variant:ident($Ty:ident) = $name:literal as $P:ident {
                $($field:ident: $fty:ty = $FK:ident $how:ident),* $(,)?
            }
        )*
    ) => {
        /// Every key of every kind.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) enum $Key {
            $($K,)*
        }

        impl $Key {
            /// The key as written.
            const fn name(self) -> &'static str {
                match self {
                    $(Self::$K => $key,)*
                }
            }
        }

        $(
            #[derive(Default)]
            pub(super) struct $P {
                $($field: Option<$fty>,)*
            }
        )*

        /// A kind being decoded.
        pub(super) enum $Partial {
            $($Variant($P),)*
        }

        impl Kinds for $Partial {
            type Key = $Key;
            type Kind = $Kind;
            const NOUN: &'static str = $noun;
            const EXPECTING: &'static str = $expecting;
            const NAMES: &'static [&'static str] = &[$($name,)*];

            fn key(name: &str) -> Option<$Key> {
                match name {
                    $($key => Some($Key::$K),)*
                    _ => None,
                }
            }

            fn named(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$Variant($P::default())),)*
                    _ => None,
                }
            }

            fn accepts(&self, key: $Key) -> bool {
                match self {
                    $(Self::$Variant(_) => matches!(key, $($Key::$FK)|*),)*
                }
            }

            fn decode<'de, D: Deserializer<'de>>(
                &mut self,
                key: $Key,
                id: Option<&str>,
                d: D,
            ) -> Result<(), D::Error> {
                let at = Place { noun: $noun, id, field: key.name() };
                match self {
                    $(Self::$Variant(p) => match key {
                        $($Key::$FK => {
                            if p.$field.is_some() {
                                return Err(duplicate(at));
                            }
                            p.$field = Some(<$fty as FieldValue>::decode(d, at)?);
                        })*
                        // Not reached: callers decode only keys the kind
                        // accepts. Skipping the value is what a derived
                        // decoder does with a key it does not know.
                        #[allow(unreachable_patterns)]
                        _ => {
                            IgnoredAny::deserialize(d)?;
                        }
                    },)*
                }
                Ok(())
            }

            fn finish<E: de::Error>(self, id: &str) -> Result<$Kind, E> {
                let missing = |kind: &str, field: &str| {
                    let subject = Subject { noun: $noun, id: Some(id) };
                    E::custom(format_args!(
                        "{subject}missing field `{field}` (kind `{kind}`)"
                    ))
                };
                Ok(match self {
                    $(Self::$Variant(p) => $Kind::$Variant($Ty {
                        $($field: take!(p.$field, missing($name, $Key::$FK.name()), $how),)*
                    }),)*
                })
            }
        }

        /// Fails to compile when the model gains a kind that is not here.
        #[allow(dead_code)]
        fn covers(kind: &$Kind) -> &'static str {
            match kind {
                $($Kind::$Variant(_) => $name,)*
            }
        }
    };
}

mod types {
    use super::*;

    kinds! {
        TypePartial for TypeKind, noun "type", expecting "struct TypeDef";
        keys TypeKey {
            Size = "size",
            Align = "align",
            Target = "target",
            Pointee = "pointee",
            Mutability = "mutability",
            Nullable = "nullable",
            Ownership = "ownership",
            Repr = "repr",
            Fields = "fields",
            Members = "members",
            Variants = "variants",
            Exhaustive = "exhaustive",
            Tag = "tag",
            PayloadOffset = "payload_offset",
            Element = "element",
            Len = "len",
            Encoding = "encoding",
            Length = "length",
            Abi = "abi",
            Params = "params",
            Return = "return",
            Variadic = "variadic",
            MayUnwind = "may_unwind",
            UserData = "user_data",
            Lifetime = "lifetime",
            Thread = "thread",
            Versioning = "versioning",
        }
        Opaque(OpaqueType) = "opaque" as OpaquePartial {
            size: Option<u64> = Size default,
            align: Option<u64> = Align default,
        }
        Alias(AliasType) = "alias" as AliasPartial {
            target: TypeRef = Target required,
        }
        Pointer(PointerType) = "pointer" as PointerPartial {
            pointee: TypeRef = Pointee required,
            mutability: Mutability = Mutability required,
            nullable: bool = Nullable default,
            ownership: Ownership = Ownership default,
        }
        Struct(StructType) = "struct" as StructPartial {
            repr: Repr = Repr default,
            size: u64 = Size required,
            align: u64 = Align required,
            fields: Vec<Field> = Fields required,
        }
        Union(UnionType) = "union" as UnionPartial {
            size: u64 = Size required,
            align: u64 = Align required,
            members: Vec<UnionMember> = Members required,
        }
        Enum(EnumType) = "enum" as EnumPartial {
            repr: TypeRef = Repr required,
            variants: Vec<Variant> = Variants required,
            exhaustive: bool = Exhaustive yes,
        }
        TaggedUnion(TaggedUnionType) = "tagged_union" as TaggedUnionPartial {
            size: u64 = Size required,
            align: u64 = Align required,
            tag: Tag = Tag required,
            payload_offset: u64 = PayloadOffset required,
            variants: Vec<TaggedVariant> = Variants required,
            exhaustive: bool = Exhaustive yes,
        }
        Array(ArrayType) = "array" as ArrayPartial {
            element: TypeRef = Element required,
            len: u64 = Len required,
        }
        Buffer(BufferType) = "buffer" as BufferPartial {
            encoding: BufferEncoding = Encoding required,
            length: BufferLength = Length required,
            mutability: Mutability = Mutability required,
            nullable: bool = Nullable default,
            ownership: Ownership = Ownership default,
        }
        FunctionPointer(FunctionPointerType) = "function_pointer" as FunctionPointerPartial {
            abi: CallConv = Abi default,
            params: Vec<Param> = Params default,
            ret: TypeRef = Return default,
            variadic: bool = Variadic default,
            may_unwind: bool = MayUnwind default,
            user_data: Option<u32> = UserData default,
            lifetime: CallbackLifetime = Lifetime default,
            thread: CallbackThread = Thread default,
            nullable: bool = Nullable default,
        }
        Extensible(ExtensibleType) = "extensible" as ExtensiblePartial {
            size: u64 = Size required,
            align: u64 = Align required,
            versioning: Versioning = Versioning required,
            fields: Vec<Field> = Fields required,
        }
    }
}

mod wire {
    use super::*;

    kinds! {
        WirePartial for WireKind, noun "wire type", expecting "struct WireTypeDef";
        keys WireKey {
            Fields = "fields",
            Element = "element",
            MapKey = "key",
            MapValue = "value",
            SomeType = "some",
            OkType = "ok",
            ErrType = "err",
            Values = "values",
            Exhaustive = "exhaustive",
            Target = "target",
        }
        Record(WireRecord) = "record" as RecordPartial {
            fields: Vec<WireField> = Fields required,
        }
        List(WireList) = "list" as ListPartial {
            element: WireRef = Element required,
        }
        Map(WireMap) = "map" as MapPartial {
            key: WireRef = MapKey required,
            value: WireRef = MapValue required,
        }
        Option(WireOption) = "option" as OptionPartial {
            some: WireRef = SomeType required,
        }
        Result(WireResult) = "result" as ResultPartial {
            ok: WireRef = OkType required,
            err: WireRef = ErrType required,
        }
        Enum(WireEnum) = "enum" as EnumPartial {
            values: Vec<String> = Values required,
            exhaustive: bool = Exhaustive yes,
        }
        Alias(WireAlias) = "alias" as AliasPartial {
            target: WireRef = Target required,
        }
    }
}

use types::TypePartial;
use wire::WirePartial;

// ---------------------------------------------------------------------------
// The entry.

/// A decoded entry: the fields [`TypeDef`] and [`WireTypeDef`] share.
struct Entry<K> {
    id: String,
    since: Option<Version>,
    deprecated: Option<Deprecation>,
    kind: K,
}

/// A key of an entry.
enum EntryKey<K> {
    Id,
    Since,
    Deprecated,
    Kind,
    /// A field of some kind.
    Field(K),
    /// A key no kind has: ignored.
    Other,
}

struct EntryKeySeed<P>(PhantomData<P>);

impl<'de, P: Kinds> DeserializeSeed<'de> for EntryKeySeed<P> {
    type Value = EntryKey<P::Key>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<P: Kinds> Visitor<'_> for EntryKeySeed<P> {
    type Value = EntryKey<P::Key>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(match v {
            "id" => EntryKey::Id,
            "since" => EntryKey::Since,
            "deprecated" => EntryKey::Deprecated,
            "kind" => EntryKey::Kind,
            _ => match P::key(v) {
                Some(k) => EntryKey::Field(k),
                None => EntryKey::Other,
            },
        })
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Ok(EntryKey::Other),
        }
    }
}

/// The value of `kind`: a kind's name (text or UTF-8 bytes) or its index in
/// declaration order, as the derived decoder accepted.
///
/// A value that names no kind is consumed and returned as a [`BadKind`], so
/// that the error can name the entry once its `id` is known (`kind` often
/// precedes `id` in hand-written JSON) and, as with the derived decoder, a
/// missing `id` is reported first.
struct KindSeed<P>(PhantomData<P>);

/// A `kind` value that names no kind.
enum BadKind {
    /// A name that is not a kind's.
    Name(String),
    /// An index past the last kind.
    Index(u64),
    /// Not a name or an index: what it is instead (`boolean `true``).
    Type(String),
}

impl BadKind {
    fn error<P: Kinds, E: de::Error>(&self, id: &str) -> E {
        let subject = Subject {
            noun: P::NOUN,
            id: Some(id),
        };
        match self {
            BadKind::Name(name) => {
                let names = P::NAMES.join("`, `");
                E::custom(format_args!(
                    "{subject}unknown variant `{name}`, expected one of `{names}`"
                ))
            }
            BadKind::Index(i) => E::custom(format_args!(
                "{subject}invalid value: integer `{i}`, expected variant index 0 <= i < {}",
                P::NAMES.len()
            )),
            BadKind::Type(what) => E::custom(format_args!(
                "invalid type: {what}, expected the name of a {} kind for {}",
                P::NOUN,
                place::<P>(Some(id), "kind")
            )),
        }
    }
}

impl<'de, P: Kinds> DeserializeSeed<'de> for KindSeed<P> {
    type Value = Result<P, BadKind>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn bad<P, E>(what: Unexpected<'_>) -> Result<Result<P, BadKind>, E> {
    Ok(Err(BadKind::Type(what.to_string())))
}

impl<'de, P: Kinds> Visitor<'de> for KindSeed<P> {
    type Value = Result<P, BadKind>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the name of a {} kind for field `kind`", P::NOUN)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(P::named(v).ok_or_else(|| BadKind::Name(v.to_owned())))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        self.visit_str(&String::from_utf8_lossy(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(usize::try_from(v)
            .ok()
            .and_then(|i| P::NAMES.get(i))
            .and_then(|name| P::named(name))
            .ok_or(BadKind::Index(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        bad(Unexpected::Signed(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        bad(Unexpected::Float(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        bad(Unexpected::Bool(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        bad(Unexpected::Unit)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        bad(Unexpected::Unit)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        bad(Unexpected::Seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        bad(Unexpected::Map)
    }
}

/// Decodes the value of a key the entry's kind has into the kind.
struct FieldSeed<'a, P: Kinds> {
    kind: &'a mut P,
    key: P::Key,
    id: Option<&'a str>,
}

impl<'de, P: Kinds> DeserializeSeed<'de> for FieldSeed<'_, P> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.kind.decode(self.key, self.id, d)
    }
}

fn place<'a, P: Kinds>(id: Option<&'a str>, field: &'static str) -> Place<'a> {
    Place {
        noun: P::NOUN,
        id,
        field,
    }
}

struct EntryVisitor<P>(PhantomData<P>);

impl<'de, P: Kinds> Visitor<'de> for EntryVisitor<P> {
    type Value = Entry<P::Kind>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(P::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id: Option<String> = None;
        let mut since: Option<Option<Version>> = None;
        let mut deprecated: Option<Option<Deprecation>> = None;
        let mut kind: Option<Result<P, BadKind>> = None;
        // Fields met before `kind`, in input order.
        let mut early: Vec<(P::Key, Raw)> = Vec::new();
        while let Some(key) = map.next_key_seed(EntryKeySeed::<P>(PhantomData))? {
            match key {
                EntryKey::Id => {
                    if id.is_some() {
                        return Err(duplicate(place::<P>(id.as_deref(), "id")));
                    }
                    id = Some(map.next_value()?);
                }
                EntryKey::Since => {
                    if since.is_some() {
                        return Err(duplicate(place::<P>(id.as_deref(), "since")));
                    }
                    since = Some(map.next_value()?);
                }
                EntryKey::Deprecated => {
                    if deprecated.is_some() {
                        return Err(duplicate(place::<P>(id.as_deref(), "deprecated")));
                    }
                    deprecated = Some(map.next_value()?);
                }
                EntryKey::Kind => {
                    if kind.is_some() {
                        return Err(duplicate(place::<P>(id.as_deref(), "kind")));
                    }
                    let mut k = map.next_value_seed(KindSeed::<P>(PhantomData))?;
                    if let Ok(k) = &mut k {
                        for (key, raw) in early.drain(..) {
                            if k.accepts(key) {
                                let raw = RawDeserializer::<A::Error>::new(raw);
                                k.decode(key, id.as_deref(), raw)?;
                            }
                        }
                    }
                    early.clear();
                    kind = Some(k);
                }
                EntryKey::Field(key) => match &mut kind {
                    Some(Ok(k)) if k.accepts(key) => map.next_value_seed(FieldSeed {
                        kind: k,
                        key,
                        id: id.as_deref(),
                    })?,
                    // Not a field of this kind, or the kind is unknown.
                    Some(_) => {
                        map.next_value::<IgnoredAny>()?;
                    }
                    None => early.push((key, map.next_value()?)),
                },
                EntryKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = id.ok_or_else(|| de::Error::missing_field("id"))?;
        let kind = match kind {
            Some(Ok(kind)) => kind.finish(&id)?,
            Some(Err(bad)) => return Err(bad.error::<P, A::Error>(&id)),
            None => {
                let subject = Subject {
                    noun: P::NOUN,
                    id: Some(&id),
                };
                return Err(de::Error::custom(format_args!(
                    "{subject}missing field `kind`"
                )));
            }
        };
        Ok(Entry {
            id,
            since: since.unwrap_or_default(),
            deprecated: deprecated.unwrap_or_default(),
            kind,
        })
    }
}

// ---------------------------------------------------------------------------
// Values held until `kind` is known.

/// A self-describing value, as read by `deserialize_any`. Holds the value of
/// a field met before the entry's `kind`, or an enum written as a map; decoded
/// from again with [`RawDeserializer`], which follows the rules of serde's
/// own buffered content (what the derived decoder used for every field).
#[derive(Debug)]
enum Raw {
    /// CBOR null or undefined.
    None,
    /// JSON null.
    Unit,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Text(String),
    Bytes(Vec<u8>),
    Seq(Vec<Raw>),
    Map(Vec<(Raw, Raw)>),
}

impl Raw {
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Raw::None => Unexpected::Option,
            Raw::Unit => Unexpected::Unit,
            Raw::Bool(b) => Unexpected::Bool(*b),
            Raw::U64(v) => Unexpected::Unsigned(*v),
            Raw::I64(v) => Unexpected::Signed(*v),
            Raw::F64(v) => Unexpected::Float(*v),
            Raw::Text(s) => Unexpected::Str(s),
            Raw::Bytes(b) => Unexpected::Bytes(b),
            Raw::Seq(_) => Unexpected::Seq,
            Raw::Map(_) => Unexpected::Map,
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::I64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::U64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::F64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Text(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Bytes(v.to_owned()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Raw, E> {
        Ok(Raw::Bytes(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Unit)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

/// Decodes from a [`Raw`] value, with error type `E` (the input's).
struct RawDeserializer<E> {
    raw: Raw,
    error: PhantomData<E>,
}

impl<E> RawDeserializer<E> {
    fn new(raw: Raw) -> Self {
        RawDeserializer {
            raw,
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for Raw {
    type Deserializer = RawDeserializer<E>;

    fn into_deserializer(self) -> RawDeserializer<E> {
        RawDeserializer::new(self)
    }
}

fn visit_seq<'de, V: Visitor<'de>, E: de::Error>(items: Vec<Raw>, v: V) -> Result<V::Value, E> {
    let mut seq = SeqDeserializer::new(items.into_iter());
    let value = v.visit_seq(&mut seq)?;
    seq.end()?;
    Ok(value)
}

fn visit_map<'de, V: Visitor<'de>, E: de::Error>(
    entries: Vec<(Raw, Raw)>,
    v: V,
) -> Result<V::Value, E> {
    let mut map = MapDeserializer::new(entries.into_iter());
    let value = v.visit_map(&mut map)?;
    map.end()?;
    Ok(value)
}

impl<'de, E: de::Error> Deserializer<'de> for RawDeserializer<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        match self.raw {
            Raw::None => v.visit_none(),
            Raw::Unit => v.visit_unit(),
            Raw::Bool(b) => v.visit_bool(b),
            Raw::U64(n) => v.visit_u64(n),
            Raw::I64(n) => v.visit_i64(n),
            Raw::F64(n) => v.visit_f64(n),
            Raw::Text(s) => v.visit_string(s),
            Raw::Bytes(b) => v.visit_byte_buf(b),
            Raw::Seq(items) => visit_seq(items, v),
            Raw::Map(entries) => visit_map(entries, v),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        match self.raw {
            Raw::None => v.visit_none(),
            Raw::Unit => v.visit_unit(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, E> {
        v.visit_newtype_struct(self)
    }

    /// A unit variant is its name; any other variant a map of one entry.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, E> {
        match self.raw {
            Raw::Text(name) => v.visit_enum(RawEnum {
                name: Raw::Text(name),
                value: None,
                error: PhantomData,
            }),
            Raw::Map(mut entries) if entries.len() == 1 => match entries.pop() {
                Some((name, value)) => v.visit_enum(RawEnum {
                    name,
                    value: Some(value),
                    error: PhantomData,
                }),
                None => Err(E::invalid_value(Unexpected::Map, &"map with a single key")),
            },
            Raw::Map(_) => Err(E::invalid_value(Unexpected::Map, &"map with a single key")),
            other => Err(E::invalid_type(other.unexpected(), &"string or map")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier
    }
}

/// An enum value held in a [`Raw`]: its variant name and, unless it is a
/// unit variant written as a bare name, its content.
struct RawEnum<E> {
    name: Raw,
    value: Option<Raw>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> EnumAccess<'de> for RawEnum<E> {
    type Error = E;
    type Variant = RawVariant<E>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), E> {
        let variant = seed.deserialize(RawDeserializer::<E>::new(self.name))?;
        Ok((
            variant,
            RawVariant {
                value: self.value,
                error: PhantomData,
            },
        ))
    }
}

struct RawVariant<E> {
    value: Option<Raw>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> VariantAccess<'de> for RawVariant<E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        match self.value {
            None => Ok(()),
            Some(value) => <()>::deserialize(RawDeserializer::<E>::new(value)),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, E> {
        match self.value {
            Some(value) => seed.deserialize(RawDeserializer::new(value)),
            None => Err(E::invalid_type(Unexpected::UnitVariant, &"newtype variant")),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, E> {
        match self.value {
            Some(Raw::Seq(items)) => visit_seq(items, v),
            Some(other) => Err(E::invalid_type(other.unexpected(), &"tuple variant")),
            None => Err(E::invalid_type(Unexpected::UnitVariant, &"tuple variant")),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, E> {
        match self.value {
            Some(Raw::Map(entries)) => visit_map(entries, v),
            Some(Raw::Seq(items)) => visit_seq(items, v),
            Some(other) => Err(E::invalid_type(other.unexpected(), &"struct variant")),
            None => Err(E::invalid_type(Unexpected::UnitVariant, &"struct variant")),
        }
    }
}
