//! Direct decoding of a descriptor in the shape writers produce.
//!
//! The serde decoders (derived, and [`decoding`](super::decoding) for the
//! type tables) accept every form the model allows and say what is wrong
//! with the rest. Most of their time goes to that generality: every map key
//! is checked as UTF-8 and matched through a visitor, every value goes
//! through a deserializer's dispatch. This module reads the two tables that
//! make up most of a descriptor, the C types and the functions, straight
//! from the bytes, in the shape a writer produces: definite lengths, text
//! keys, text, unsigned integers and booleans as the model encodes them.
//!
//! It never decides anything the serde decoders would decide otherwise. It
//! declines (returns `None`) at the first thing outside that shape: an
//! unknown or repeated key, a kind or field it does not read (a tagged
//! union, a buffer, an ownership with a release function, a deprecation, a
//! wire contract), a value of another CBOR type, a missing required field.
//! A declined entry is decoded from its own bytes by its serde decoder, and
//! when that fails too, the whole descriptor is declined and the serde
//! decoders read it from the start, with their error messages. The other
//! parts of the descriptor (format, library, producer, target and the
//! smaller tables) are decoded by their serde decoders from their bytes.
//!
//! The [`scan`] that bounds what the serde decoders allocate is not run
//! over what this module reads itself: it declines what the scan refuses
//! (a length past the end of the input, an indefinite length, a reserved
//! form, text that is not UTF-8, trailing bytes, nesting deeper than the
//! limit: it reads [`DEPTH`] levels, and declines a lower limit), allocates
//! no list for more elements than the rest of the input could hold, and
//! has the scan check each item it hands to a serde decoder.
//!
//! It also tells whether the input is the descriptor's canonical encoding,
//! the bytes [`Descriptor::to_cbor`] would write: every head in its
//! shortest form, every map's keys in canonical order, no field written at
//! its default, each part it hands to serde equal to its canonical
//! encoding, the tables in canonical order ([`Descriptor::is_canonical`])
//! and the format this reader's. Then it says where each table entry lies,
//! so that [`Decoded`](crate::Decoded) can take a fingerprint and entries
//! from the input instead of encoding the descriptor again.
//!
//! The crate's tests check, on random descriptors and on corrupted
//! encodings of them, that what this module returns is what the serde
//! decoders return, that the scan accepts it, and that it is known
//! canonical only when encoding it gives back the input, and always when
//! the input is a canonical encoding.

use std::cell::Cell;
use std::ops::Range;

use semver::Version;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::scan;

use super::{
    AliasType, ArrayType, CallConv, CallbackLifetime, CallbackThread, Descriptor, EnumType,
    FORMAT_VERSION, Field, Function, FunctionPointerType, Int, Library, Mutability, OpaqueType,
    Ownership, Param, PointerType, Repr, StructType, Threading, TypeDef, TypeKind, TypeRef,
    UnionMember, UnionType, Variant,
};

/// Decodes `bytes`, nested at most `max_depth` levels deep, or declines.
/// With `encoding`, also says, when `bytes` is the descriptor's canonical
/// encoding (what [`Descriptor::to_cbor`] writes), where the entries of its
/// tables lie in `bytes`: those of the non-empty tables, in the model's
/// table order. Without, none of that is looked into (it costs a check of
/// the table order and an encoding of what serde reads).
pub(crate) fn decode(
    bytes: &[u8],
    max_depth: usize,
    encoding: bool,
) -> Option<(Descriptor, Option<Spans>)> {
    if max_depth < DEPTH {
        return None;
    }
    // The values of the descriptor's map lie one level down, the entries of
    // its tables two.
    let (top, entry) = (max_depth - 1, max_depth - 2);
    // Once false, nothing more is checked or recorded for the encoding.
    let canonical = Cell::new(encoding);
    let mut r = Reader {
        bytes,
        pos: 0,
        canonical: &canonical,
    };
    let (mut format, mut library, mut producer, mut target) = (None, None, None, None);
    let (mut types, mut functions) = (None, None);
    let (mut variables, mut constants, mut wire_types, mut code_tables) = (None, None, None, None);
    // Per table, in the model's order: where its entries lie.
    let mut spans: [Spans; 6] = Default::default();
    r.each(|r, key| {
        // The smaller tables' entries are found before serde reads them.
        if let Some(table) = table_named(key).filter(|&table| table >= 2)
            && r.canonical.get()
        {
            r.at(r.pos).elements(&mut spans[table])?;
        }
        // A canonical encoding leaves a table out when it is empty.
        match key {
            b"format" => set(&mut format, r.serde(top)?),
            b"library" => set(&mut library, r.serde(top)?),
            b"producer" => set(&mut producer, r.serde(top)?),
            b"target" => set(&mut target, r.serde(top)?),
            b"types" => {
                let read =
                    r.list(|r| r.spanned(&mut spans[0], |r| r.entry(Reader::type_def, entry)));
                set(&mut types, read.map(|v| r.given(v))?)
            }
            b"functions" => {
                let read =
                    r.list(|r| r.spanned(&mut spans[1], |r| r.entry(Reader::function, entry)));
                set(&mut functions, read.map(|v| r.given(v))?)
            }
            b"variables" => set(&mut variables, r.serde(top).map(|v| r.given(v))?),
            b"constants" => set(&mut constants, r.serde(top).map(|v| r.given(v))?),
            b"wire_types" => set(&mut wire_types, r.serde(top).map(|v| r.given(v))?),
            b"code_tables" => set(&mut code_tables, r.serde(top).map(|v| r.given(v))?),
            _ => None,
        }
    })?;
    if r.pos != bytes.len() {
        return None;
    }
    let d = Descriptor {
        format: format?,
        library: library?,
        producer: producer?,
        target: target?,
        types: types.unwrap_or_default(),
        functions: functions.unwrap_or_default(),
        variables: variables.unwrap_or_default(),
        constants: constants.unwrap_or_default(),
        wire_types: wire_types.unwrap_or_default(),
        code_tables: code_tables.unwrap_or_default(),
    };
    // Canonical also means the canonical table order (and spellings), and
    // this reader's version of the format: a later minor is read as this one.
    let canonical = canonical.get() && d.format == FORMAT_VERSION && d.is_canonical();
    Some((d, canonical.then(|| spans.concat())))
}

/// Where entries lie in the input.
pub(crate) type Spans = Vec<Range<usize>>;

/// A descriptor's encoding located rather than decoded ([`skim`]).
pub(crate) struct Skim<'a> {
    pub(crate) library: Library,
    /// The producer's encoding.
    pub(crate) producer: &'a [u8],
    /// The target's encoding.
    pub(crate) target: &'a [u8],
    /// Per table, in the model's table order: each entry's key (not
    /// checked as UTF-8) and encoding, in key order.
    pub(crate) tables: [Keyed<'a>; 6],
}

/// A table's entries, each with its key (not checked as UTF-8).
pub(crate) type Keyed<'a> = Vec<(&'a [u8], &'a [u8])>;

/// The key of each table's entries, in the model's table order.
const TABLE_KEYS: [(&[u8], &[u8]); 6] = [
    (b"types", b"id"),
    (b"functions", b"symbol"),
    (b"variables", b"symbol"),
    (b"constants", b"name"),
    (b"wire_types", b"id"),
    (b"code_tables", b"id"),
];

/// Which table, in the model's table order, the descriptor's key `key`
/// names.
fn table_named(key: &[u8]) -> Option<usize> {
    TABLE_KEYS.iter().position(|(name, _)| *name == key)
}

/// Locates the parts of `bytes` that say whether it holds a descriptor's
/// entries, without decoding them: the library (decoded), the target and
/// each table entry with its key. Declines what is not a well-formed map of
/// this reader's format (exactly) with the model's top-level keys, each
/// once, its tables arrays of maps each with one text key, in key order.
/// What it does not decode is only stepped over: it may not decode at all.
/// Declines tables of more than `max_table_len` entries too.
pub(crate) fn skim(bytes: &[u8], max_depth: usize, max_table_len: usize) -> Option<Skim<'_>> {
    if max_depth < DEPTH {
        return None;
    }
    // Nothing is checked for the canonical form.
    let canonical = Cell::new(false);
    let mut r = Reader {
        bytes,
        pos: 0,
        canonical: &canonical,
    };
    let (mut format, mut library, mut producer, mut target) = (None, None, None, None);
    let mut tables: [Option<Keyed<'_>>; 6] = Default::default();
    r.each(|r, key| {
        if let Some(table) = table_named(key) {
            return set(
                &mut tables[table],
                r.keyed(TABLE_KEYS[table].1, max_table_len)?,
            );
        }
        let start = r.pos;
        match key {
            b"format" => set(&mut format, r.serde::<super::FormatVersion>(max_depth - 1)?),
            b"library" => set(&mut library, r.serde(max_depth - 1)?),
            b"producer" => {
                r.skip()?;
                set(&mut producer, &bytes[start..r.pos])
            }
            b"target" => {
                r.skip()?;
                set(&mut target, &bytes[start..r.pos])
            }
            _ => None,
        }
    })?;
    if r.pos != bytes.len() || format? != FORMAT_VERSION {
        return None;
    }
    Some(Skim {
        library: library?,
        producer: producer?,
        target: target?,
        tables: tables.map(Option::unwrap_or_default),
    })
}

/// A table entry decoded from its own encoding `bytes` (as a [`Skim`]
/// locates it), nested at most `max_depth` levels deep counting from the
/// descriptor's map, as [`decode`] decodes it in place; `None` when it
/// does not decode.
pub(crate) fn entry(table: usize, bytes: &[u8], max_depth: usize) -> Option<Entry> {
    if max_depth < DEPTH {
        return None;
    }
    let depth = max_depth - 2;
    let canonical = Cell::new(false);
    let mut r = Reader {
        bytes,
        pos: 0,
        canonical: &canonical,
    };
    let entry = match table {
        0 => Entry::Type(r.entry(Reader::type_def, depth)?),
        1 => Entry::Function(r.entry(Reader::function, depth)?),
        2 => Entry::Variable(r.serde(depth)?),
        3 => Entry::Constant(r.serde(depth)?),
        4 => Entry::Wire(r.serde(depth)?),
        _ => Entry::Codes(r.serde(depth)?),
    };
    (r.pos == bytes.len()).then_some(entry)
}

/// An entry of one of a descriptor's tables ([`entry`]).
pub(crate) enum Entry {
    Type(TypeDef),
    Function(Function),
    Variable(super::Variable),
    Constant(super::Constant),
    Wire(super::WireTypeDef),
    Codes(super::CodeTable),
}

/// An item decoded by the serde decoders from its own encoding `bytes`,
/// nested at most `max_depth` levels deep ([`Reader::serde`]).
pub(crate) fn serde_item<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
    max_depth: usize,
) -> Option<T> {
    let canonical = Cell::new(false);
    let mut r = Reader {
        bytes,
        pos: 0,
        canonical: &canonical,
    };
    let value = r.serde(max_depth)?;
    (r.pos == bytes.len()).then_some(value)
}

/// Fills `slot`, or declines a key given twice.
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

const MAJOR_UNSIGNED: u8 = 0;
const MAJOR_NEGATIVE: u8 = 1;
const MAJOR_TEXT: u8 = 3;
const MAJOR_ARRAY: u8 = 4;
const MAJOR_MAP: u8 = 5;
const FALSE: u8 = 0xf4;
const TRUE: u8 = 0xf5;

/// The deepest nesting this module reads itself: a descriptor's map, a
/// table, an entry, a list in it (fields, parameters, variants, members),
/// an element of that list.
const DEPTH: usize = 5;

/// The most fields of a type's kind that may come before `kind`.
const MAX_EARLY: usize = 4;

/// A position in the input, and whether what was read so far is in
/// canonical form.
struct Reader<'a, 'c> {
    bytes: &'a [u8],
    pos: usize,
    canonical: &'c Cell<bool>,
}

impl<'a, 'c> Reader<'a, 'c> {
    /// An item's head: its major type and argument. Declines indefinite
    /// lengths and the reserved forms.
    fn head(&mut self) -> Option<(u8, u64)> {
        let initial = *self.bytes.get(self.pos)?;
        self.pos += 1;
        let info = initial & 0x1f;
        let arg = match info {
            0..=23 => u64::from(info),
            24..=27 => {
                let n = 1usize << (info - 24);
                let arg = self.bytes.get(self.pos..self.pos + n)?;
                self.pos += n;
                let arg = arg.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                // The shortest head: one byte more only for what the
                // shorter form cannot hold (a float's bits are no count).
                let major = initial >> 5;
                self.mark(
                    major == 7
                        || arg >= [24, 0x100, 0x1_0000, 0x1_0000_0000][n.trailing_zeros() as usize],
                );
                arg
            }
            _ => return None,
        };
        Some((initial >> 5, arg))
    }

    /// The argument of an item of major type `major`.
    fn expect(&mut self, major: u8) -> Option<u64> {
        match self.head()? {
            (m, arg) if m == major => Some(arg),
            _ => None,
        }
    }

    /// The bytes of a text string, not checked as UTF-8: a map key, which
    /// is compared with the keys the model knows, all ASCII.
    fn key(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.expect(MAJOR_TEXT)?).ok()?;
        let text = self.bytes.get(self.pos..self.pos.checked_add(len)?)?;
        self.pos += len;
        Some(text)
    }

    /// A text string.
    fn text(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.key()?).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.text().map(str::to_owned)
    }

    fn type_ref(&mut self) -> Option<TypeRef> {
        self.text().map(TypeRef::from)
    }

    fn version(&mut self) -> Option<Box<Version>> {
        let text = self.text()?;
        let version = Version::parse(text).ok()?;
        self.mark(version.to_string() == text);
        Some(Box::new(version))
    }

    fn uint(&mut self) -> Option<u64> {
        self.expect(MAJOR_UNSIGNED)
    }

    /// An integer of an enum's variant ([`Int`] holds down to `i64::MIN`).
    fn int(&mut self) -> Option<Int> {
        match self.head()? {
            (MAJOR_UNSIGNED, v) => Some(Int::from(v)),
            (MAJOR_NEGATIVE, n) => i64::try_from(n).ok().map(|n| Int::from(-1 - n)),
            _ => None,
        }
    }

    fn bool(&mut self) -> Option<bool> {
        let b = match *self.bytes.get(self.pos)? {
            FALSE => false,
            TRUE => true,
            _ => return None,
        };
        self.pos += 1;
        Some(b)
    }

    /// The number of entries of a map.
    fn map(&mut self) -> Option<u64> {
        self.expect(MAJOR_MAP)
    }

    /// An array, each element read by `element`.
    fn list<T>(&mut self, mut element: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let len = self.expect(MAJOR_ARRAY)?;
        // Trust the length only as far as the input could hold that many
        // elements (one byte each at least), and as the serde decoders do,
        // up to 1 MiB.
        let cap = usize::try_from(len)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len() - self.pos)
            .min((1 << 20) / std::mem::size_of::<T>().max(1));
        let mut out = Vec::with_capacity(cap);
        for _ in 0..len {
            out.push(element(self)?);
        }
        Some(out)
    }

    /// Steps over one item, nested items included.
    fn skip(&mut self) -> Option<()> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            let (major, arg) = self.head()?;
            match major {
                2 | 3 => {
                    let len = usize::try_from(arg).ok()?;
                    self.pos = self.pos.checked_add(len)?;
                    if self.pos > self.bytes.len() {
                        return None;
                    }
                }
                4 => pending = pending.checked_add(arg)?,
                5 => pending = pending.checked_add(arg.checked_mul(2)?)?,
                6 => pending += 1,
                _ => {}
            }
        }
        Some(())
    }

    /// One item decoded by the serde decoders from its own bytes, once
    /// [`scan`] accepts them with `max_depth` levels of nesting.
    /// Whether its bytes are canonical is asked of the canonical encoder.
    fn serde<T: DeserializeOwned + Serialize>(&mut self, max_depth: usize) -> Option<T> {
        let start = self.pos;
        self.skip()?;
        let item = &self.bytes[start..self.pos];
        scan(item, max_depth).ok()?;
        // As for a whole descriptor: cbor4ii, and ciborium for what it
        // refuses (a half-precision float, for one).
        let value = cbor4ii::serde::from_slice(item)
            .ok()
            .or_else(|| ciborium::from_reader(item).ok())?;
        if self.canonical.get() {
            self.mark(crate::canonical::to_vec(&value).is_ok_and(|b| b == item));
        }
        Some(value)
    }

    /// A table entry read by `direct`, or, when it declines, by the
    /// entry's serde decoder (see [`Reader::serde`]).
    fn entry<T: DeserializeOwned + Serialize>(
        &mut self,
        direct: fn(&mut Self) -> Option<T>,
        max_depth: usize,
    ) -> Option<T> {
        let start = self.pos;
        if let Some(entry) = direct(self) {
            return Some(entry);
        }
        self.pos = start;
        self.serde(max_depth)
    }

    /// A reader of the value at `pos`.
    fn at(&self, pos: usize) -> Reader<'a, 'c> {
        Reader {
            bytes: self.bytes,
            pos,
            canonical: self.canonical,
        }
    }

    /// Notes that what was read is not in canonical form, unless `canonical`.
    fn mark(&self, canonical: bool) {
        if !canonical {
            self.canonical.set(false);
        }
    }

    /// `value`, noting that a canonical encoding leaves it out when it is
    /// the default.
    fn given<T: Default + PartialEq>(&self, value: T) -> T {
        self.mark(value != T::default());
        value
    }

    /// Reads a map, each value by `value` given its key.
    fn each(&mut self, mut value: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        let mut previous: &[u8] = &[];
        for i in 0..self.map()? {
            let key = self.key()?;
            // Canonical keys come in the order of their encodings: shorter
            // first, then byte by byte.
            self.mark(i == 0 || (previous.len(), previous) < (key.len(), key));
            previous = key;
            value(self, key)?;
        }
        Some(())
    }

    /// What `read` reads, with where it lay added to `spans` while the
    /// input may be canonical.
    fn spanned<T>(
        &mut self,
        spans: &mut Spans,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        let start = self.pos;
        let value = read(self)?;
        if self.canonical.get() {
            spans.push(start..self.pos);
        }
        Some(value)
    }

    /// Each element of an array of maps, with the text its `key` maps to
    /// (not checked as UTF-8); declines a map without that key or with it
    /// twice, elements out of key order, and more than `max_len` elements.
    fn keyed(&mut self, key: &[u8], max_len: usize) -> Option<Keyed<'a>> {
        let len = self.expect(MAJOR_ARRAY)?;
        if len > u64::try_from(max_len).ok()? {
            return None;
        }
        let mut out: Keyed<'a> = Vec::new();
        for _ in 0..len {
            let start = self.pos;
            let mut found = None;
            for _ in 0..self.map()? {
                if self.key()? == key {
                    set(&mut found, self.key()?)?;
                } else {
                    self.skip()?;
                }
            }
            let found = found?;
            if out.last().is_some_and(|(last, _)| *last > found) {
                return None;
            }
            out.push((found, &self.bytes[start..self.pos]));
        }
        Some(out)
    }

    /// Where each element of an array lies, added to `spans`.
    fn elements(&mut self, spans: &mut Spans) -> Option<()> {
        for _ in 0..self.expect(MAJOR_ARRAY)? {
            let start = self.pos;
            self.skip()?;
            spans.push(start..self.pos);
        }
        Some(())
    }

    fn function(&mut self) -> Option<Function> {
        let (mut symbol, mut params, mut ret, mut abi, mut variadic) =
            (None, None, None, None, None);
        let (mut threading, mut may_block, mut may_unwind, mut since) = (None, None, None, None);
        self.each(|r, key| match key {
            b"symbol" => set(&mut symbol, r.string()?),
            b"params" => set(&mut params, r.list(Reader::param).map(|v| r.given(v))?),
            b"return" => set(&mut ret, r.type_ref().map(|v| r.given(v))?),
            b"abi" => set(&mut abi, r.named(CALL_CONVS).map(|v| r.given(v))?),
            b"variadic" => set(&mut variadic, r.bool().map(|v| r.given(v))?),
            b"threading" => set(&mut threading, r.named(THREADINGS).map(|v| r.given(v))?),
            b"may_block" => set(&mut may_block, r.bool().map(|v| r.given(v))?),
            b"may_unwind" => set(&mut may_unwind, r.bool().map(|v| r.given(v))?),
            b"since" => set(&mut since, r.version()?),
            _ => None,
        })?;
        Some(Function {
            symbol: symbol?,
            params: params.unwrap_or_default(),
            ret: ret.unwrap_or_default(),
            abi: abi.unwrap_or_default(),
            variadic: variadic.unwrap_or_default(),
            threading: threading.unwrap_or_default(),
            may_block: may_block.unwrap_or_default(),
            may_unwind: may_unwind.unwrap_or_default(),
            wire: None,
            since,
            deprecated: None,
        })
    }

    fn param(&mut self) -> Option<Param> {
        let (mut name, mut ty) = (None, None);
        self.each(|r, key| match key {
            b"name" => set(&mut name, r.string().map(|v| r.given(v))?),
            b"type" => set(&mut ty, r.type_ref()?),
            _ => None,
        })?;
        Some(Param {
            name: name.unwrap_or_default(),
            ty: ty?,
            length_of: None,
        })
    }

    fn type_def(&mut self) -> Option<TypeDef> {
        let (mut id, mut since, mut kind) = (None, None, None::<Kind>);
        // The kind's fields that come before `kind` (in canonical order
        // `abi`, `len` and `tag` do), read once the kind is known.
        let mut early = [(&[][..], 0); MAX_EARLY];
        let mut early_len = 0;
        self.each(|r, key| match key {
            b"id" => set(&mut id, r.string()?),
            b"since" => set(&mut since, r.version()?),
            b"kind" => {
                let mut named = Kind::named(r.key()?)?;
                for &(key, pos) in &early[..early_len] {
                    named.field(key, &mut r.at(pos))?;
                }
                set(&mut kind, named)
            }
            _ => match &mut kind {
                Some(kind) => kind.field(key, r),
                None => {
                    *early.get_mut(early_len)? = (key, r.pos);
                    early_len += 1;
                    r.skip()
                }
            },
        })?;
        Some(TypeDef {
            id: id?,
            since,
            deprecated: None,
            kind: kind?.finish()?,
        })
    }

    fn field(&mut self) -> Option<Field> {
        let (mut name, mut ty, mut offset, mut since) = (None, None, None, None);
        self.each(|r, key| match key {
            b"name" => set(&mut name, r.string()?),
            b"type" => set(&mut ty, r.type_ref()?),
            b"offset" => set(&mut offset, r.uint()?),
            b"since" => set(&mut since, r.version()?),
            _ => None,
        })?;
        Some(Field {
            name: name?,
            ty: ty?,
            offset: offset?,
            since,
        })
    }

    fn union_member(&mut self) -> Option<UnionMember> {
        let (mut name, mut ty) = (None, None);
        self.each(|r, key| match key {
            b"name" => set(&mut name, r.string()?),
            b"type" => set(&mut ty, r.type_ref()?),
            _ => None,
        })?;
        Some(UnionMember {
            name: name?,
            ty: ty?,
        })
    }

    fn variant(&mut self) -> Option<Variant> {
        let (mut name, mut value, mut since) = (None, None, None);
        self.each(|r, key| match key {
            b"name" => set(&mut name, r.string()?),
            b"value" => set(&mut value, r.int()?),
            b"since" => set(&mut since, r.version()?),
            _ => None,
        })?;
        Some(Variant {
            name: name?,
            value: value?,
            since,
            deprecated: None,
        })
    }

    /// A unit variant of an enum, written as its name: one of `variants`.
    fn named<T: Clone>(&mut self, variants: &[(&[u8], T)]) -> Option<T> {
        let name = self.key()?;
        variants
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    }
}

// The variants the model writes by name, with their names (an ownership
// with a release function is a map, which this module declines).
const CALL_CONVS: &[(&[u8], CallConv)] = &[
    (b"c", CallConv::C),
    (b"sysv64", CallConv::Sysv64),
    (b"win64", CallConv::Win64),
    (b"stdcall", CallConv::Stdcall),
    (b"fastcall", CallConv::Fastcall),
    (b"vectorcall", CallConv::Vectorcall),
    (b"thiscall", CallConv::Thiscall),
    (b"aapcs", CallConv::Aapcs),
];
const THREADINGS: &[(&[u8], Threading)] = &[
    (b"any", Threading::Any),
    (b"context_thread", Threading::ContextThread),
    (b"main_thread", Threading::MainThread),
];
const MUTABILITIES: &[(&[u8], Mutability)] =
    &[(b"const", Mutability::Const), (b"mut", Mutability::Mut)];
const OWNERSHIPS: &[(&[u8], Ownership)] = &[
    (b"borrowed", Ownership::Borrowed),
    (b"transferred", Ownership::Transferred),
];
const REPRS: &[(&[u8], Repr)] = &[
    (b"c", Repr::C),
    (b"packed", Repr::Packed),
    (b"transparent", Repr::Transparent),
];
const LIFETIMES: &[(&[u8], CallbackLifetime)] = &[
    (b"call_scoped", CallbackLifetime::CallScoped),
    (b"stored", CallbackLifetime::Stored),
];
const THREADS: &[(&[u8], CallbackThread)] = &[
    (b"caller", CallbackThread::Caller),
    (b"library", CallbackThread::Library),
    (b"any", CallbackThread::Any),
];

/// A type entry's kind being read: the kind with its fields at their
/// defaults, and which fields were read (a bit per field, in the order of
/// [`Kind::field`]).
struct Kind {
    kind: TypeKind,
    read: u16,
}

impl Kind {
    /// The kind named `name`, if it is one this module reads.
    fn named(name: &[u8]) -> Option<Kind> {
        let kind = match name {
            b"pointer" => TypeKind::Pointer(PointerType {
                pointee: TypeRef::default(),
                mutability: Mutability::Const,
                nullable: false,
                ownership: Ownership::Borrowed,
            }),
            b"struct" => TypeKind::Struct(StructType {
                repr: Repr::C,
                size: 0,
                align: 0,
                fields: Vec::new(),
            }),
            b"enum" => TypeKind::Enum(EnumType {
                repr: TypeRef::default(),
                variants: Vec::new(),
                exhaustive: true,
            }),
            b"array" => TypeKind::Array(ArrayType {
                element: TypeRef::default(),
                len: 0,
            }),
            b"function_pointer" => TypeKind::FunctionPointer(FunctionPointerType {
                abi: CallConv::C,
                params: Vec::new(),
                ret: TypeRef::default(),
                variadic: false,
                may_unwind: false,
                user_data: None,
                lifetime: CallbackLifetime::CallScoped,
                thread: CallbackThread::Caller,
                nullable: false,
            }),
            b"alias" => TypeKind::Alias(AliasType {
                target: TypeRef::default(),
            }),
            b"opaque" => TypeKind::Opaque(OpaqueType::default()),
            b"union" => TypeKind::Union(UnionType {
                size: 0,
                align: 0,
                members: Vec::new(),
            }),
            _ => return None,
        };
        Some(Kind { kind, read: 0 })
    }

    /// Reads the value of the field `key`; declines a key the kind does
    /// not have, or has read already.
    fn field(&mut self, key: &[u8], r: &mut Reader<'_, '_>) -> Option<()> {
        use TypeKind as K;
        let bit = match (&mut self.kind, key) {
            (K::Pointer(p), b"pointee") => {
                p.pointee = r.type_ref()?;
                0
            }
            (K::Pointer(p), b"mutability") => {
                p.mutability = r.named(MUTABILITIES)?;
                1
            }
            (K::Pointer(p), b"nullable") => {
                p.nullable = r.bool().map(|v| r.given(v))?;
                2
            }
            (K::Pointer(p), b"ownership") => {
                p.ownership = r.named(OWNERSHIPS).map(|v| r.given(v))?;
                3
            }
            (K::Struct(s), b"size") => {
                s.size = r.uint()?;
                0
            }
            (K::Struct(s), b"align") => {
                s.align = r.uint()?;
                1
            }
            (K::Struct(s), b"fields") => {
                s.fields = r.list(Reader::field)?;
                2
            }
            (K::Struct(s), b"repr") => {
                s.repr = r.named(REPRS).map(|v| r.given(v))?;
                3
            }
            (K::Enum(e), b"repr") => {
                e.repr = r.type_ref()?;
                0
            }
            (K::Enum(e), b"variants") => {
                e.variants = r.list(Reader::variant)?;
                1
            }
            (K::Enum(e), b"exhaustive") => {
                e.exhaustive = r.bool()?;
                r.mark(!e.exhaustive);
                2
            }
            (K::Array(a), b"element") => {
                a.element = r.type_ref()?;
                0
            }
            (K::Array(a), b"len") => {
                a.len = r.uint()?;
                1
            }
            (K::Alias(a), b"target") => {
                a.target = r.type_ref()?;
                0
            }
            (K::Opaque(o), b"size") => {
                o.size = Some(r.uint()?);
                0
            }
            (K::Opaque(o), b"align") => {
                o.align = Some(r.uint()?);
                1
            }
            (K::Union(u), b"size") => {
                u.size = r.uint()?;
                0
            }
            (K::Union(u), b"align") => {
                u.align = r.uint()?;
                1
            }
            (K::Union(u), b"members") => {
                u.members = r.list(Reader::union_member)?;
                2
            }
            (K::FunctionPointer(f), key) => match key {
                b"abi" => {
                    f.abi = r.named(CALL_CONVS).map(|v| r.given(v))?;
                    0
                }
                b"params" => {
                    f.params = r.list(Reader::param)?;
                    r.mark(!f.params.is_empty());
                    1
                }
                b"return" => {
                    f.ret = r.type_ref().map(|v| r.given(v))?;
                    2
                }
                b"variadic" => {
                    f.variadic = r.bool().map(|v| r.given(v))?;
                    3
                }
                b"may_unwind" => {
                    f.may_unwind = r.bool().map(|v| r.given(v))?;
                    4
                }
                b"user_data" => {
                    f.user_data = Some(u32::try_from(r.uint()?).ok()?);
                    5
                }
                b"lifetime" => {
                    f.lifetime = r.named(LIFETIMES).map(|v| r.given(v))?;
                    6
                }
                b"thread" => {
                    f.thread = r.named(THREADS).map(|v| r.given(v))?;
                    7
                }
                b"nullable" => {
                    f.nullable = r.bool().map(|v| r.given(v))?;
                    8
                }
                _ => return None,
            },
            _ => return None,
        };
        let bit = 1u16 << bit;
        if self.read & bit != 0 {
            return None;
        }
        self.read |= bit;
        Some(())
    }

    /// The kind, if every field it requires was read.
    fn finish(self) -> Option<TypeKind> {
        let required: u16 = match self.kind {
            TypeKind::Pointer(_) => 0b11,
            TypeKind::Struct(_) => 0b111,
            TypeKind::Enum(_) => 0b11,
            TypeKind::Array(_) => 0b11,
            TypeKind::Alias(_) => 0b1,
            TypeKind::Union(_) => 0b111,
            _ => 0,
        };
        (self.read & required == required).then_some(self.kind)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::Limits;

    use crate::strategies;

    /// A reader of `bytes` from the start.
    fn reader<'a>(bytes: &'a [u8], canonical: &'a Cell<bool>) -> Reader<'a, 'a> {
        Reader {
            bytes,
            pos: 0,
            canonical,
        }
    }

    /// What the serde decoders make of `bytes`.
    fn by_serde<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
        cbor4ii::serde::from_slice(bytes)
            .ok()
            .or_else(|| ciborium::from_reader(bytes).ok())
    }

    /// Whether this module reads `t` itself, rather than handing it to its
    /// serde decoder.
    fn read_directly(t: &TypeDef) -> bool {
        let owned = |o: &Ownership| matches!(o, Ownership::CallerOwned { .. });
        let params_plain = |p: &[Param]| p.iter().all(|p| p.length_of.is_none());
        t.deprecated.is_none()
            && match &t.kind {
                TypeKind::Pointer(p) => !owned(&p.ownership),
                TypeKind::Enum(e) => e.variants.iter().all(|v| v.deprecated.is_none()),
                TypeKind::FunctionPointer(f) => params_plain(&f.params),
                TypeKind::Struct(_)
                | TypeKind::Array(_)
                | TypeKind::Alias(_)
                | TypeKind::Opaque(_)
                | TypeKind::Union(_) => true,
                _ => false,
            }
    }

    fn function_read_directly(f: &Function) -> bool {
        f.wire.is_none() && f.deprecated.is_none() && f.params.iter().all(|p| p.length_of.is_none())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Every canonical encoding is read, to what the serde decoders
        /// read; every entry of the kinds this module reads is read by it.
        #[test]
        fn reads_what_serde_reads(d in strategies::descriptor()) {
            let bytes = d.to_cbor().expect("to_cbor");
            let (direct, spans) = decode(&bytes, Limits::DEFAULT.max_depth, true).expect("read directly");
            prop_assert_eq!(Some(direct.clone()), by_serde::<Descriptor>(&bytes));
            let mut canonical = d.clone();
            canonical.canonicalize();
            prop_assert_eq!(&direct, &canonical);
            // Known canonical, with each entry where its encoding lies.
            let spans = spans.expect("known canonical");
            let tables = crate::fingerprint::cut_tables(&direct, &bytes, &spans).expect("spans add up");
            for (i, t) in direct.types.iter().enumerate() {
                prop_assert_eq!(tables[0][i], &crate::canonical::to_vec(t).expect("encodes")[..]);
            }
            for (i, f) in direct.functions.iter().enumerate() {
                prop_assert_eq!(tables[1][i], &crate::canonical::to_vec(f).expect("encodes")[..]);
            }
            for (i, v) in direct.variables.iter().enumerate() {
                prop_assert_eq!(tables[2][i], &crate::canonical::to_vec(v).expect("encodes")[..]);
            }
            for (i, c) in direct.code_tables.iter().enumerate() {
                prop_assert_eq!(tables[5][i], &crate::canonical::to_vec(c).expect("encodes")[..]);
            }
            let cell = Cell::new(true);
            for t in d.types.iter().filter(|t| read_directly(t)) {
                let bytes = crate::canonical::to_vec(t).expect("encodes");
                let read = reader(&bytes, &cell).type_def();
                prop_assert_eq!(read.as_ref(), Some(t), "type `{}`", t.id);
            }
            for f in d.functions.iter().filter(|f| function_read_directly(f)) {
                let bytes = crate::canonical::to_vec(f).expect("encodes");
                let read = reader(&bytes, &cell).function();
                prop_assert_eq!(read.as_ref(), Some(f), "function `{}`", f.symbol);
            }
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        /// On damaged encodings, what this module reads, the scan accepts and
        /// the serde decoders read the same: it never accepts what the
        /// decoders behind it would refuse, nor reads it otherwise.
        #[test]
        fn reads_nothing_the_scan_and_serde_would_not(
            d in strategies::descriptor(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..3),
            cut in any::<prop::sample::Index>(),
            depth in 0usize..8,
        ) {
            let mut bytes = d.to_cbor().expect("to_cbor");
            for (at, byte) in &edits {
                let i = at.index(bytes.len());
                bytes[i] = *byte;
            }
            for bytes in [&bytes[..], &bytes[..cut.index(bytes.len())]] {
                for max_depth in [Limits::DEFAULT.max_depth, depth] {
                    if let Some((direct, spans)) = decode(bytes, max_depth, true) {
                        prop_assert!(scan(bytes, max_depth).is_ok(), "the scan refuses it");
                        // Not asked about the encoding, it reads the same.
                        prop_assert_eq!(
                            decode(bytes, max_depth, false),
                            Some((direct.clone(), None))
                        );
                        // Known canonical only when it is.
                        if spans.is_some() {
                            prop_assert_eq!(&direct.to_cbor().expect("encodes")[..], bytes);
                        }
                        prop_assert_eq!(Some(direct), by_serde::<Descriptor>(bytes));
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        /// On damaged encodings, a skim never finds unchanged what the
        /// descriptor they decode to (when they decode) does not hold
        /// unchanged, and reads the library as decoding does. The
        /// expectation is a narrowing of the descriptor, so that damage
        /// elsewhere leaves it held.
        #[test]
        fn skims_nothing_decoding_would_contradict(
            (d, seed) in strategies::descriptor_and_seed(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..3),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut items = d.items();
            strategies::Shuffler::new(seed).shuffle(&mut items);
            items.truncate(items.len().div_ceil(2));
            let expected = crate::Entries::of(&d.narrowed(&items)).expect("entries");
            let limits = Limits::DEFAULT;
            let mut bytes = d.to_cbor().expect("to_cbor");
            let intact = skim(&bytes, limits.max_depth, limits.max_table_len)
                .expect("a canonical encoding is skimmed");
            prop_assert!(crate::entries::holds_skimmed(&intact, &expected));
            for (at, byte) in &edits {
                let i = at.index(bytes.len());
                bytes[i] = *byte;
            }
            for bytes in [&bytes[..], &bytes[..cut.index(bytes.len())]] {
                let Some(skim) = skim(bytes, limits.max_depth, limits.max_table_len) else {
                    continue;
                };
                let Ok(decoded) = Descriptor::from_cbor(bytes) else {
                    continue;
                };
                prop_assert_eq!(&skim.library, &decoded.library);
                if crate::entries::holds_skimmed(&skim, &expected) {
                    prop_assert!(decoded.holds(&expected).expect("holds").unchanged);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Encodings that are not canonical (each map's keys in the model's
        /// order, with the tables as generated and in canonical order) are
        /// read, and known canonical only when they are.
        #[test]
        fn knows_a_canonical_encoding_from_others(d in strategies::descriptor()) {
            let mut sorted = d.clone();
            sorted.canonicalize();
            let canonical = sorted.to_cbor().expect("to_cbor");
            for d in [&d, &sorted] {
                let mut bytes = Vec::new();
                let value = ciborium::Value::serialized(d).expect("a value");
                ciborium::into_writer(&value, &mut bytes).expect("encodes");
                let (read, spans) = decode(&bytes, Limits::DEFAULT.max_depth, true).expect("read directly");
                prop_assert_eq!(&read, d);
                prop_assert_eq!(spans.is_some(), bytes == canonical);
            }
        }
    }

    /// Entries outside the shape this module reads, each read by its serde
    /// decoder instead.
    #[test]
    fn hands_what_it_does_not_read_to_serde() {
        let text = include_str!("../../../examples/libtile/v2.json");
        let d = Descriptor::from_json(text).expect("example");
        let bytes = d.to_cbor().expect("to_cbor");
        assert_eq!(
            decode(&bytes, Limits::DEFAULT.max_depth, true).map(|(d, _)| d),
            Some({
                let mut c = d.clone();
                c.canonicalize();
                c
            })
        );
        // A key no writer writes: the entry is the serde decoder's, which
        // ignores it.
        let mut entry = ciborium::Value::serialized(&d.functions[0]).expect("value");
        if let ciborium::Value::Map(m) = &mut entry {
            m.push(("future_field".into(), 1.into()));
        }
        let mut bytes = Vec::new();
        ciborium::into_writer(&entry, &mut bytes).expect("encodes");
        let cell = Cell::new(true);
        assert_eq!(reader(&bytes, &cell).function(), None);
        assert_eq!(
            reader(&bytes, &cell).entry(Reader::function, 8).as_ref(),
            Some(&d.functions[0])
        );
    }
}
