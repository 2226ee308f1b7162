//! A serde serializer that writes canonical CBOR in one pass.
//!
//! Canonical here means RFC 8949 §4.2.1 deterministic encoding as the format
//! specifies it: definite lengths, the shortest head for every integer and
//! length, the shortest float that keeps the value's bits, and every map's
//! entries ordered by the bytes of their encoded keys. Items go straight
//! into one output buffer; a map's entries are written in the order serde
//! hands them over and put in key order when the map ends, by moving bytes
//! within the buffer. Nothing is built per value, so the cost is one pass
//! plus one copy of each map's bytes per nesting level.
//!
//! The bytes are those ciborium writes for the same value after sorting the
//! keys of its `Value` tree; the crate's tests check the two agree.

use std::fmt;
use std::ops::Range;

use serde::ser::{self, Serialize};

/// An error raised while serializing: only a value's own `Serialize`
/// implementation can fail.
#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<Error> for crate::EncodeError {
    fn from(e: Error) -> Self {
        crate::EncodeError::Serialize { message: e.0 }
    }
}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Encodes `value` as canonical CBOR.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut encoder = Encoder::default();
    value.serialize(&mut encoder)?;
    Ok(encoder.out)
}

/// A value's canonical CBOR hashed as [`sha256`] does, with the encoding
/// kept: when `value` is a struct whose tables (arrays) are values of its
/// own map, such as a descriptor, where each table element's encoding lies
/// in it, in the order the tables were written. The spans are `None` when
/// they cannot be known (an array of unknown length).
pub(crate) struct Hashed {
    pub(crate) digest: [u8; 32],
    pub(crate) bytes: Vec<u8>,
    pub(crate) spans: Option<Vec<Range<usize>>>,
}

/// Hashes `value` as [`sha256`] does and keeps its encoding and the spans of
/// its tables' elements (see [`Hashed`]).
pub(crate) fn sha256_with_spans<T: Serialize + ?Sized>(value: &T) -> Result<Hashed, Error> {
    hashed(value, true)
}

/// `value`'s canonical CBOR, hashed; with the spans of its tables' elements
/// when `spans` is set.
fn hashed<T: Serialize + ?Sized>(value: &T, spans: bool) -> Result<Hashed, Error> {
    use sha2::Digest;
    let mut encoder = Encoder {
        hasher: Some(sha2::Sha256::new()),
        spans: spans.then(Vec::new),
        ..Encoder::default()
    };
    value.serialize(&mut encoder)?;
    let mut hasher = encoder.hasher.take().unwrap_or_default();
    if !encoder.hashed {
        hasher.update(&encoder.out);
        // Not a map: its encoding was not hashed in place, nor are there
        // tables in it.
        encoder.spans = None;
    }
    Ok(Hashed {
        digest: hasher.finalize().into(),
        bytes: encoder.out,
        spans: encoder.spans,
    })
}

/// An encoder whose buffers are kept from one value to the next, for
/// encoding many small values.
#[derive(Default)]
pub(crate) struct Reused(Encoder);

impl Reused {
    /// Encodes `value` as canonical CBOR, into the kept buffer.
    pub(crate) fn encode<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<&[u8], Error> {
        let e = &mut self.0;
        e.out.clear();
        e.entries.clear();
        e.depth = 0;
        e.arrays = 0;
        value.serialize(&mut *e)?;
        Ok(&e.out)
    }
}

/// The SHA-256 of `value`'s canonical CBOR. When `value` is a map (a
/// struct), its entries are hashed in key order straight from where they
/// were written, without assembling the sorted encoding: one copy of the
/// encoding less than hashing [`to_vec`]'s result.
pub(crate) fn sha256<T: Serialize + ?Sized>(value: &T) -> Result<[u8; 32], Error> {
    Ok(hashed(value, false)?.digest)
}

const MAJOR_UNSIGNED: u8 = 0;
const MAJOR_NEGATIVE: u8 = 1;
const MAJOR_BYTES: u8 = 2;
const MAJOR_TEXT: u8 = 3;
const MAJOR_ARRAY: u8 = 4;
const MAJOR_MAP: u8 = 5;
const MAJOR_TAG: u8 = 6;
const FALSE: u8 = 0xf4;
const TRUE: u8 = 0xf5;
const NULL: u8 = 0xf6;
const TAG_BIGNUM_POSITIVE: u64 = 2;
const TAG_BIGNUM_NEGATIVE: u64 = 3;

/// One map entry written but not yet in place: its key starts at `key`, its
/// value at `value`, and it ends at `end` (offsets into the output).
#[derive(Clone, Copy)]
struct Entry {
    key: usize,
    value: usize,
    end: usize,
}

#[derive(Default)]
struct Encoder {
    out: Vec<u8>,
    /// The entries of every open map, innermost last.
    entries: Vec<Entry>,
    /// Where a finished map's sorted bytes are assembled.
    scratch: Vec<u8>,
    /// How many maps are open.
    depth: usize,
    /// When set, the outermost map is hashed into it in key order instead
    /// of being put in order in `out`.
    hasher: Option<sha2::Sha256>,
    /// Whether the outermost map went into `hasher`.
    hashed: bool,
    /// When set, where each element of an array that is a value of the
    /// outermost map (a descriptor's tables) lies in `out`, in the order
    /// written.
    spans: Option<Vec<Range<usize>>>,
    /// How many arrays are open.
    arrays: usize,
}

impl Encoder {
    fn head(&mut self, major: u8, arg: u64) {
        write_head(&mut self.out, major, arg);
    }

    fn text(&mut self, s: &str) {
        self.head(MAJOR_TEXT, s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    fn signed(&mut self, v: i128) {
        if v >= 0 {
            self.unsigned(v as u128);
        } else {
            // -1 - v, without overflow for i128::MIN.
            let n = !(v as u128);
            match u64::try_from(n) {
                Ok(n) => self.head(MAJOR_NEGATIVE, n),
                Err(_) => self.bignum(TAG_BIGNUM_NEGATIVE, n),
            }
        }
    }

    fn unsigned(&mut self, v: u128) {
        match u64::try_from(v) {
            Ok(v) => self.head(MAJOR_UNSIGNED, v),
            Err(_) => self.bignum(TAG_BIGNUM_POSITIVE, v),
        }
    }

    fn bignum(&mut self, tag: u64, magnitude: u128) {
        let bytes = magnitude.to_be_bytes();
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        self.head(MAJOR_TAG, tag);
        self.head(MAJOR_BYTES, (bytes.len() - first) as u64);
        self.out.extend_from_slice(&bytes[first..]);
    }

    fn float(&mut self, v: f64) {
        let half = half::f16::from_f64(v);
        let single = v as f32;
        if f64::from(half).to_bits() == v.to_bits() {
            self.out.push(0xf9);
            self.out.extend_from_slice(&half.to_be_bytes());
        } else if f64::from(single).to_bits() == v.to_bits() {
            self.out.push(0xfa);
            self.out.extend_from_slice(&single.to_be_bytes());
        } else {
            self.out.push(0xfb);
            self.out.extend_from_slice(&v.to_be_bytes());
        }
    }

    /// Opens an array: with a known length the head is written now,
    /// otherwise when the array ends.
    fn open_array(&mut self, len: Option<usize>) -> Array<'_> {
        self.arrays += 1;
        if len.is_none() && self.depth == 1 {
            // Its head goes in front of its elements when it ends, which
            // would move them: spans are not kept for such an array.
            self.spans = None;
        }
        let start = self.out.len();
        if let Some(len) = len {
            self.head(MAJOR_ARRAY, len as u64);
        }
        Array {
            enc: self,
            start,
            known: len.is_some(),
            count: 0,
        }
    }

    fn open_map(&mut self) -> Map<'_> {
        self.depth += 1;
        Map {
            start: self.out.len(),
            base: self.entries.len(),
            enc: self,
        }
    }

    /// Opens the one-entry map `{variant: ...}` that wraps an enum variant
    /// with data; its single entry needs no sorting.
    fn variant(&mut self, variant: &str) {
        self.head(MAJOR_MAP, 1);
        self.text(variant);
    }
}

/// Writes the shortest head for `major` and `arg`.
fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let major = major << 5;
    match arg {
        0..=23 => out.push(major | arg as u8),
        24..=0xff => out.extend_from_slice(&[major | 24, arg as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&(arg as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend_from_slice(&(arg as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&arg.to_be_bytes());
        }
    }
}

/// An open array.
struct Array<'a> {
    enc: &'a mut Encoder,
    start: usize,
    known: bool,
    count: u64,
}

impl Array<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.count += 1;
        let enc = &mut *self.enc;
        let start = enc.out.len();
        value.serialize(&mut *enc)?;
        // A table's elements are final once written: the outermost map is
        // hashed where it was written, not moved.
        if enc.depth == 1
            && enc.arrays == 1
            && let Some(spans) = &mut enc.spans
        {
            spans.push(start..enc.out.len());
        }
        Ok(())
    }

    fn close(self) {
        self.enc.arrays -= 1;
        if !self.known {
            // Put the head, now that the count is known, before the items.
            let enc = self.enc;
            enc.scratch.clear();
            write_head(&mut enc.scratch, MAJOR_ARRAY, self.count);
            let head_len = enc.scratch.len();
            enc.out.splice(
                self.start..self.start,
                enc.scratch[..head_len].iter().copied(),
            );
        }
    }
}

/// An open map: its entries are recorded from `base` in the encoder's
/// entry stack.
struct Map<'a> {
    enc: &'a mut Encoder,
    start: usize,
    base: usize,
}

impl Map<'_> {
    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let at = self.enc.out.len();
        key.serialize(&mut *self.enc)?;
        let value = self.enc.out.len();
        self.enc.entries.push(Entry {
            key: at,
            value,
            end: value,
        });
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if self.enc.entries.len() <= self.base {
            return Err(Error("a map value without a key".to_owned()));
        }
        value.serialize(&mut *self.enc)?;
        let end = self.enc.out.len();
        if let Some(entry) = self.enc.entries.last_mut() {
            entry.end = end;
        }
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let at = self.enc.out.len();
        self.enc.text(key);
        let value_at = self.enc.out.len();
        value.serialize(&mut *self.enc)?;
        let end = self.enc.out.len();
        self.enc.entries.push(Entry {
            key: at,
            value: value_at,
            end,
        });
        Ok(())
    }

    /// Writes the head and the entries in key order in place of what was
    /// written (or, for the outermost map when hashing, hashes them in key
    /// order).
    fn close(self) {
        use sha2::Digest;
        let enc = self.enc;
        enc.depth -= 1;
        let Encoder {
            out,
            entries,
            scratch,
            depth,
            hasher,
            hashed,
            ..
        } = enc;
        let mine = &mut entries[self.base..];
        scratch.clear();
        write_head(scratch, MAJOR_MAP, mine.len() as u64);
        let in_order = mine
            .windows(2)
            .all(|w| out[w[0].key..w[0].value] <= out[w[1].key..w[1].value]);
        if !in_order {
            mine.sort_by(|a, b| out[a.key..a.value].cmp(&out[b.key..b.value]));
        }
        match hasher {
            Some(h) if *depth == 0 && self.start == 0 => {
                h.update(&scratch[..]);
                for e in mine.iter() {
                    h.update(&out[e.key..e.end]);
                }
                *hashed = true;
            }
            _ if in_order => {
                out.splice(self.start..self.start, scratch.iter().copied());
            }
            _ => {
                for e in mine.iter() {
                    scratch.extend_from_slice(&out[e.key..e.end]);
                }
                out.truncate(self.start);
                out.extend_from_slice(scratch);
            }
        }
        entries.truncate(self.base);
    }
}

impl<'a> ser::Serializer for &'a mut Encoder {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = Map<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push(if v { TRUE } else { FALSE });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.signed(v.into());
        Ok(())
    }

    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.signed(v.into());
        Ok(())
    }

    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.signed(v.into());
        Ok(())
    }

    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.signed(v.into());
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.signed(v);
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.unsigned(v.into());
        Ok(())
    }

    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.unsigned(v.into());
        Ok(())
    }

    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.unsigned(v.into());
        Ok(())
    }

    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.unsigned(v.into());
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.unsigned(v);
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(v.into());
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.text(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.text(v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.head(MAJOR_BYTES, v.len() as u64);
        self.out.extend_from_slice(v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.out.push(NULL);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push(NULL);
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.text(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.variant(variant);
        value.serialize(self)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Array<'a>, Error> {
        Ok(self.open_array(len))
    }

    fn serialize_tuple(self, len: usize) -> Result<Array<'a>, Error> {
        Ok(self.open_array(Some(len)))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Array<'a>, Error> {
        Ok(self.open_array(Some(len)))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Array<'a>, Error> {
        self.variant(variant);
        Ok(self.open_array(Some(len)))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Map<'a>, Error> {
        Ok(self.open_map())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Map<'a>, Error> {
        Ok(self.open_map())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Map<'a>, Error> {
        self.variant(variant);
        Ok(self.open_map())
    }
}

/// The four ways serde hands over the items of an array.
macro_rules! array_impls {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Array<'_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }

            fn end(self) -> Result<(), Error> {
                self.close();
                Ok(())
            }
        }
    )*};
}

array_impls!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }

    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

/// The two ways serde hands over the fields of a struct.
macro_rules! struct_impls {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Map<'_> {
            type Ok = ();
            type Error = Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }

            fn end(self) -> Result<(), Error> {
                self.close();
                Ok(())
            }
        }
    )*};
}

struct_impls!(SerializeStruct, SerializeStructVariant);
