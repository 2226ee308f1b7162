//! Canonical CBOR, the JSON form, and the blob that carries a descriptor in a
//! file or a library image.

use serde::Deserialize;

use crate::decoded::{Decoded, Skimmed};
use crate::error::{DecodeError, EncodeError};
use crate::fingerprint::Fingerprint;
use crate::model::{Descriptor, FORMAT_VERSION, FormatVersion};

/// Bounds that decoding enforces, so that hostile input cannot exhaust the
/// stack or memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest accepted encoded descriptor (CBOR or JSON), in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of CBOR arrays, maps and tags (JSON arrays and
    /// objects).
    pub max_depth: usize,
    /// Most entries accepted in any one table (`types`, `functions`, ...).
    pub max_table_len: usize,
}

impl Limits {
    /// The documented defaults: 64 MiB, 32 levels, 1,048,576 entries a table.
    pub const DEFAULT: Limits = Limits {
        max_bytes: 64 << 20,
        max_depth: 32,
        max_table_len: 1 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The 8 bytes that open a descriptor blob: PNG-style, so that a blob mangled
/// by text-mode transfers or read as text is recognised as broken.
pub const BLOB_MAGIC: [u8; 8] = *b"\x89ABI\r\n\x1a\n";
/// The blob header version this crate writes and reads.
pub const BLOB_HEADER_VERSION: u16 = 1;
/// Size of the blob header in bytes.
pub const BLOB_HEADER_LEN: usize = 48;

impl Descriptor {
    /// Sorts every table into canonical order: types and wire types by id,
    /// items by symbol or name, enum variants by value, union members and
    /// record fields by name, struct fields by offset (stably). Parameter
    /// order is meaningful and kept.
    pub fn canonicalize(&mut self) {
        use crate::model::{CallConv, TypeKind, WireKind};
        // Equivalent spellings get one form: an `abi` naming the target's
        // default convention is `c`, and an alignment equal to the
        // primitive's size is no override.
        let default_abi = self.target.default_abi;
        let normal = |abi: &mut CallConv| {
            if *abi == default_abi {
                *abi = CallConv::C;
            }
        };
        let width = self.target.pointer_width;
        self.target
            .primitive_align
            .retain(|p, align| p.size(width) != u64::from(*align));
        for f in &mut self.functions {
            normal(&mut f.abi);
        }
        for t in &mut self.types {
            if let TypeKind::FunctionPointer(f) = &mut t.kind {
                normal(&mut f.abi);
            }
        }
        self.types.sort_by(|a, b| a.id.cmp(&b.id));
        self.functions.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        self.variables.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        self.constants.sort_by(|a, b| a.name.cmp(&b.name));
        self.wire_types.sort_by(|a, b| a.id.cmp(&b.id));
        self.code_tables.sort_by(|a, b| a.id.cmp(&b.id));
        for t in &mut self.types {
            match &mut t.kind {
                TypeKind::Struct(s) => s.fields.sort_by_key(|f| f.offset),
                TypeKind::Extensible(s) => s.fields.sort_by_key(|f| f.offset),
                TypeKind::Union(u) => u.members.sort_by(|a, b| a.name.cmp(&b.name)),
                TypeKind::Enum(e) => e
                    .variants
                    .sort_by(|a, b| a.value.cmp(&b.value).then_with(|| a.name.cmp(&b.name))),
                TypeKind::TaggedUnion(u) => u
                    .variants
                    .sort_by(|a, b| a.tag.cmp(&b.tag).then_with(|| a.name.cmp(&b.name))),
                _ => {}
            }
        }
        for f in &mut self.functions {
            if let Some(w) = &mut f.wire {
                w.events.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        for t in &mut self.wire_types {
            match &mut t.kind {
                WireKind::Record(r) => r.fields.sort_by(|a, b| a.name.cmp(&b.name)),
                WireKind::Enum(e) => e.values.sort(),
                _ => {}
            }
        }
        for t in &mut self.code_tables {
            t.codes
                .sort_by(|a, b| a.value.cmp(&b.value).then_with(|| a.name.cmp(&b.name)));
        }
    }

    /// Whether [`canonicalize`](Self::canonicalize) would leave the
    /// descriptor as it is (it is idempotent, so this is also whether it
    /// is in canonical form). A descriptor decoded from canonical CBOR is.
    ///
    /// ```
    /// use abi_descriptor::Descriptor;
    ///
    /// let d = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
    /// let d = Descriptor::from_cbor(&d.to_cbor()?)?;
    /// assert!(d.is_canonical());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_canonical(&self) -> bool {
        use crate::model::{CallConv, TypeKind, WireKind};
        let default_abi = self.target.default_abi;
        let normal = |abi: CallConv| abi != default_abi || abi == CallConv::C;
        let width = self.target.pointer_width;
        self.target
            .primitive_align
            .iter()
            .all(|(p, align)| p.size(width) != u64::from(*align))
            && self.functions.iter().all(|f| normal(f.abi))
            && self.types.iter().all(|t| match &t.kind {
                TypeKind::FunctionPointer(f) => normal(f.abi),
                _ => true,
            })
            && self.types.is_sorted_by(|a, b| a.id <= b.id)
            && self.functions.is_sorted_by(|a, b| a.symbol <= b.symbol)
            && self.variables.is_sorted_by(|a, b| a.symbol <= b.symbol)
            && self.constants.is_sorted_by(|a, b| a.name <= b.name)
            && self.wire_types.is_sorted_by(|a, b| a.id <= b.id)
            && self.code_tables.is_sorted_by(|a, b| a.id <= b.id)
            && self.types.iter().all(|t| match &t.kind {
                TypeKind::Struct(s) => s.fields.is_sorted_by_key(|f| f.offset),
                TypeKind::Extensible(s) => s.fields.is_sorted_by_key(|f| f.offset),
                TypeKind::Union(u) => u.members.is_sorted_by(|a, b| a.name <= b.name),
                TypeKind::Enum(e) => e
                    .variants
                    .is_sorted_by(|a, b| (&a.value, &a.name) <= (&b.value, &b.name)),
                TypeKind::TaggedUnion(u) => u
                    .variants
                    .is_sorted_by(|a, b| (&a.tag, &a.name) <= (&b.tag, &b.name)),
                _ => true,
            })
            && self.functions.iter().all(|f| match &f.wire {
                Some(w) => w.events.is_sorted_by(|a, b| a.name <= b.name),
                None => true,
            })
            && self.wire_types.iter().all(|t| match &t.kind {
                WireKind::Record(r) => r.fields.is_sorted_by(|a, b| a.name <= b.name),
                WireKind::Enum(e) => e.values.is_sorted(),
                _ => true,
            })
            && self.code_tables.iter().all(|t| {
                t.codes
                    .is_sorted_by(|a, b| (&a.value, &a.name) <= (&b.value, &b.name))
            })
    }

    /// The descriptor in canonical form: itself when it already is (no
    /// copy), else a canonicalized copy.
    pub fn canonical(&self) -> std::borrow::Cow<'_, Descriptor> {
        if self.is_canonical() {
            std::borrow::Cow::Borrowed(self)
        } else {
            let mut copy = self.clone();
            copy.canonicalize();
            std::borrow::Cow::Owned(copy)
        }
    }

    /// Encodes the descriptor as canonical CBOR: tables in canonical order
    /// (see [`canonicalize`](Self::canonicalize)), map keys in RFC 8949
    /// deterministic order, definite lengths, shortest integer and float
    /// forms, fields at their default value left out. Equal descriptors
    /// encode to equal bytes.
    pub fn to_cbor(&self) -> Result<Vec<u8>, EncodeError> {
        encode_value(&*self.canonical())
    }

    /// Decodes CBOR (canonical or not) with the default [`Limits`].
    pub fn from_cbor(bytes: &[u8]) -> Result<Descriptor, DecodeError> {
        Self::from_cbor_with_limits(bytes, &Limits::DEFAULT)
    }

    /// Decodes CBOR within `limits`. The input is checked for size, nesting
    /// and length prefixes before anything is allocated for it; then the
    /// format version is checked: any minor of this reader's major is read
    /// (unknown fields are ignored), other majors are refused.
    pub fn from_cbor_with_limits(bytes: &[u8], limits: &Limits) -> Result<Descriptor, DecodeError> {
        decode_cbor(bytes, limits, false).map(|(d, _)| d)
    }

    /// Decodes a blob as [`from_blob`](Self::from_blob) does, and keeps its
    /// body when that is the descriptor's canonical encoding, as in every
    /// blob [`to_blob`](Self::to_blob) writes: see [`Decoded`].
    pub fn decode_blob(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
        let (header, body) = header_and_body(bytes, &Limits::DEFAULT)?;
        decode_body(body, header.hash)
    }

    /// Checks a blob's header, length and hash as
    /// [`decode_blob`](Self::decode_blob) does, and locates its body's parts
    /// without decoding them: see [`Skimmed`]. `None` when the body is not
    /// in the shape the crate's writers produce, or of another format
    /// version than [`FORMAT_VERSION`]: then only decoding it says what it
    /// holds.
    pub fn skim_blob(bytes: &[u8]) -> Result<Option<Skimmed<'_>>, DecodeError> {
        let limits = &Limits::DEFAULT;
        let (header, body) = header_and_body(bytes, limits)?;
        let skim = crate::model::direct::skim(body, limits.max_depth, limits.max_table_len);
        Ok(skim.map(|skim| Skimmed::new(body, header.hash, skim)))
    }
}

/// Decodes a blob's `body`, whose SHA-256 is `hash`, keeping it when it is
/// the descriptor's canonical encoding.
pub(crate) fn decode_body(body: &[u8], hash: Fingerprint) -> Result<Decoded<'_>, DecodeError> {
    let (descriptor, spans) = decode_cbor(body, &Limits::DEFAULT, true)?;
    let encoding = spans.map(|spans| crate::decoded::Encoding {
        body,
        fingerprint: hash,
        spans,
    });
    Ok(Decoded::new(descriptor, encoding))
}

/// [`Descriptor::from_cbor_with_limits`]; with `encoding`, also where the
/// entries of the tables lie in `bytes` when `bytes` is the descriptor's
/// canonical encoding.
fn decode_cbor(
    bytes: &[u8],
    limits: &Limits,
    encoding: bool,
) -> Result<(Descriptor, Option<crate::model::direct::Spans>), DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(DecodeError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    // The direct decoder first, for input in the shape writers produce.
    // It checks what it reads as the scan would, and has the scan check
    // what it hands to serde decoders.
    if let Some((d, spans)) = crate::model::direct::decode(bytes, limits.max_depth, encoding) {
        return Ok((d.checked(limits)?, spans));
    }
    scan(bytes, limits.max_depth)?;
    // Then the serde decoders: cbor4ii's, and when it refuses the input,
    // ciborium's, whose error gives the offset (and whatever ciborium
    // reads is read, as before the faster decoders).
    if let Ok(d) = cbor4ii::serde::from_slice::<Descriptor>(bytes) {
        return Ok((d.checked(limits)?, None));
    }
    let parsed: Result<Descriptor, _> = ciborium::from_reader(bytes);
    match parsed {
        Ok(d) => Ok((d.checked(limits)?, None)),
        Err(e) => {
            // A descriptor of another major may not fit this model at
            // all: name the version rather than the first mismatch.
            if let Ok(peek) = ciborium::from_reader::<FormatPeek, _>(bytes) {
                check_format(peek.format)?;
            }
            Err(DecodeError::Model {
                message: cbor_error_message(e),
            })
        }
    }
}

impl Descriptor {
    /// Encodes the JSON form, pretty-printed, in canonical table order.
    pub fn to_json(&self) -> Result<String, EncodeError> {
        let mut canonical = self.clone();
        canonical.canonicalize();
        serde_json::to_string_pretty(&canonical).map_err(|e| EncodeError::Serialize {
            message: e.to_string(),
        })
    }

    /// Decodes the JSON form with the default [`Limits`].
    pub fn from_json(text: &str) -> Result<Descriptor, DecodeError> {
        Self::from_json_with_limits(text, &Limits::DEFAULT)
    }

    /// Decodes the JSON form within `limits`.
    pub fn from_json_with_limits(text: &str, limits: &Limits) -> Result<Descriptor, DecodeError> {
        if text.trim().is_empty() {
            return Err(DecodeError::Empty);
        }
        if text.len() > limits.max_bytes {
            return Err(DecodeError::TooLarge {
                size: text.len(),
                limit: limits.max_bytes,
            });
        }
        check_json_depth(text.as_bytes(), limits.max_depth)?;
        match serde_json::from_str::<Descriptor>(text) {
            Ok(d) => d.checked(limits),
            Err(e) => {
                if let Ok(peek) = serde_json::from_str::<FormatPeek>(text) {
                    check_format(peek.format)?;
                }
                Err(DecodeError::Json {
                    line: e.line(),
                    column: e.column(),
                    message: json_error_message(&e),
                })
            }
        }
    }

    /// Encodes the descriptor as a blob: the 48-byte header followed by the
    /// canonical CBOR. This is the content of a `.abi` file and of the data
    /// `_abi_descriptor()` points to.
    pub fn to_blob(&self) -> Result<Vec<u8>, EncodeError> {
        let body = self.to_cbor()?;
        blob_from_body(&body)
    }

    /// Decodes a blob: checks the header, the length and the hash, then
    /// decodes the body with the default [`Limits`].
    pub fn from_blob(bytes: &[u8]) -> Result<Descriptor, DecodeError> {
        let body = blob_body(bytes, &Limits::DEFAULT)?;
        Self::from_cbor(body)
    }

    /// The post-decode checks shared by CBOR and JSON: format major and
    /// table sizes.
    fn checked(mut self, limits: &Limits) -> Result<Descriptor, DecodeError> {
        check_format(self.format)?;
        // A newer minor's fields that this reader does not know were dropped
        // while decoding: what it holds is a descriptor of its own version.
        if self.format.minor > FORMAT_VERSION.minor {
            self.format = FORMAT_VERSION;
        }
        let tables = [
            ("types", self.types.len()),
            ("functions", self.functions.len()),
            ("variables", self.variables.len()),
            ("constants", self.constants.len()),
            ("wire_types", self.wire_types.len()),
            ("code_tables", self.code_tables.len()),
        ];
        for (table, len) in tables {
            if len > limits.max_table_len {
                return Err(DecodeError::TooManyEntries {
                    table,
                    len,
                    limit: limits.max_table_len,
                });
            }
        }
        // Tables grow by doubling while they are decoded; give back what
        // the last doubling did not use.
        self.types.shrink_to_fit();
        self.functions.shrink_to_fit();
        self.variables.shrink_to_fit();
        self.constants.shrink_to_fit();
        self.wire_types.shrink_to_fit();
        self.code_tables.shrink_to_fit();
        Ok(self)
    }
}

/// Encodes one value as CBOR with map keys in deterministic order. Tables
/// inside it are encoded in the order they are in.
pub(crate) fn encode_value<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, EncodeError> {
    Ok(crate::canonical::to_vec(value)?)
}

/// Wraps canonical CBOR `body` in a blob header.
pub fn blob_from_body(body: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let len = u32::try_from(body.len())
        .ok()
        .filter(|_| body.len() <= Limits::DEFAULT.max_bytes)
        .ok_or(EncodeError::TooLarge {
            size: body.len(),
            limit: Limits::DEFAULT.max_bytes,
        })?;
    let mut out = Vec::with_capacity(BLOB_HEADER_LEN + body.len());
    out.extend_from_slice(&BLOB_MAGIC);
    out.extend_from_slice(&BLOB_HEADER_VERSION.to_le_bytes());
    out.extend_from_slice(&(BLOB_HEADER_LEN as u16).to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(Fingerprint::of_bytes(body).as_bytes());
    out.extend_from_slice(body);
    Ok(out)
}

/// The parsed fixed header of a blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobHeader {
    /// Header version.
    pub version: u16,
    /// Header length in bytes (where the body starts).
    pub header_len: u16,
    /// Body length in bytes.
    pub body_len: u32,
    /// SHA-256 of the body.
    pub hash: Fingerprint,
}

impl BlobHeader {
    /// Parses the header at the start of `bytes` without looking at the body.
    pub fn parse(bytes: &[u8]) -> Result<BlobHeader, DecodeError> {
        if bytes.len() < BLOB_MAGIC.len() || bytes[..8] != BLOB_MAGIC {
            return Err(DecodeError::BadMagic {
                expected: BLOB_MAGIC,
                found: bytes[..bytes.len().min(8)].to_vec(),
            });
        }
        let header: &[u8; BLOB_HEADER_LEN] = bytes
            .get(..BLOB_HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(DecodeError::Truncated {
                needed: BLOB_HEADER_LEN as u64,
                available: bytes.len(),
            })?;
        let u16_at = |i: usize| u16::from_le_bytes([header[i], header[i + 1]]);
        let version = u16_at(8);
        if version != BLOB_HEADER_VERSION {
            return Err(DecodeError::HeaderVersion {
                found: version,
                supported: BLOB_HEADER_VERSION,
            });
        }
        let header_len = u16_at(10);
        if usize::from(header_len) < BLOB_HEADER_LEN {
            return Err(DecodeError::HeaderLength {
                found: header_len,
                minimum: BLOB_HEADER_LEN as u16,
            });
        }
        let body_len = u32::from_le_bytes([header[12], header[13], header[14], header[15]]);
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&header[16..48]);
        Ok(BlobHeader {
            version,
            header_len,
            body_len,
            hash: Fingerprint::from_bytes(hash),
        })
    }

    /// Total blob length: header plus body.
    pub fn total_len(&self) -> u64 {
        u64::from(self.header_len) + u64::from(self.body_len)
    }
}

/// Checks a blob's header, length and hash, and returns its body. Bytes after
/// the body are ignored (a blob may sit inside a larger section).
pub fn blob_body<'a>(bytes: &'a [u8], limits: &Limits) -> Result<&'a [u8], DecodeError> {
    header_and_body(bytes, limits).map(|(_, body)| body)
}

/// [`blob_body`], with the header.
fn header_and_body<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<(BlobHeader, &'a [u8]), DecodeError> {
    let header = BlobHeader::parse(bytes)?;
    if header.body_len as usize > limits.max_bytes {
        return Err(DecodeError::TooLarge {
            size: header.body_len as usize,
            limit: limits.max_bytes,
        });
    }
    let start = usize::from(header.header_len);
    let body =
        bytes
            .get(start..start + header.body_len as usize)
            .ok_or(DecodeError::Truncated {
                needed: header.total_len(),
                available: bytes.len(),
            })?;
    let found = Fingerprint::of_bytes(body);
    if found != header.hash {
        return Err(DecodeError::HashMismatch {
            expected: header.hash,
            found,
        });
    }
    Ok((header, body))
}

#[derive(Deserialize)]
struct FormatPeek {
    format: FormatVersion,
}

fn check_format(found: FormatVersion) -> Result<(), DecodeError> {
    if found.major == FORMAT_VERSION.major {
        Ok(())
    } else {
        Err(DecodeError::UnsupportedFormat {
            found,
            supported: FORMAT_VERSION,
        })
    }
}

fn cbor_error_message(e: ciborium::de::Error<std::io::Error>) -> String {
    match e {
        ciborium::de::Error::Io(e) => format!("read error: {e}"),
        ciborium::de::Error::Syntax(offset) => format!("syntax error at offset {offset:#x}"),
        ciborium::de::Error::Semantic(Some(offset), msg) => {
            format!("{msg} (at offset {offset:#x})")
        }
        ciborium::de::Error::Semantic(None, msg) => msg,
        ciborium::de::Error::RecursionLimitExceeded => "nesting too deep".to_owned(),
    }
}

fn json_error_message(e: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; the error variant carries
    // them separately.
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Walks CBOR `bytes` once, without recursion or allocation beyond a stack
/// bounded by `max_depth`, and checks: every head is well-formed, every
/// length prefix fits in the remaining input, every text string is UTF-8,
/// no indefinite lengths, nesting within `max_depth`, exactly one top-level
/// item and no trailing bytes.
///
/// After this, a decoder cannot be led to allocate for more elements or bytes
/// than the input holds.
pub(crate) fn scan(bytes: &[u8], max_depth: usize) -> Result<(), DecodeError> {
    // Each entry counts the items still expected in an open array, map or tag.
    let mut open: Vec<u64> = Vec::new();
    let mut pos = 0usize;
    let err = |offset: usize, reason: String| DecodeError::Cbor { offset, reason };
    loop {
        let start = pos;
        let initial = *bytes
            .get(pos)
            .ok_or_else(|| err(pos, "unexpected end of input".to_owned()))?;
        pos += 1;
        let major = initial >> 5;
        let info = initial & 0x1f;
        let arg: u64 = match info {
            0..=23 => u64::from(info),
            24..=27 => {
                let n = 1usize << (info - 24);
                let arg_bytes = bytes.get(pos..pos + n).ok_or_else(|| {
                    err(start, "unexpected end of input in an item head".to_owned())
                })?;
                pos += n;
                arg_bytes
                    .iter()
                    .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
            }
            31 => {
                return Err(err(
                    start,
                    "indefinite-length items are not allowed in descriptors".to_owned(),
                ));
            }
            _ => {
                return Err(err(
                    start,
                    format!("reserved additional information {info}"),
                ));
            }
        };
        let remaining = (bytes.len() - pos) as u64;
        let children = match major {
            0 | 1 => 0,
            2 | 3 => {
                if arg > remaining {
                    return Err(err(
                        start,
                        format!("string claims {arg} bytes but only {remaining} remain"),
                    ));
                }
                let end = pos + arg as usize;
                // Text must be UTF-8, in fields this reader ignores too.
                if major == 3 {
                    let text = &bytes[pos..end];
                    if !text.is_ascii() && std::str::from_utf8(text).is_err() {
                        return Err(err(start, "text string is not valid UTF-8".to_owned()));
                    }
                }
                pos = end;
                0
            }
            4 => {
                if arg > remaining {
                    return Err(err(
                        start,
                        format!("array claims {arg} items but only {remaining} bytes remain"),
                    ));
                }
                arg
            }
            5 => {
                if arg.saturating_mul(2) > remaining {
                    return Err(err(
                        start,
                        format!("map claims {arg} entries but only {remaining} bytes remain"),
                    ));
                }
                arg * 2
            }
            6 => 1,
            _ => {
                if info == 24 && arg < 32 {
                    return Err(err(start, format!("simple value {arg} in two bytes")));
                }
                0
            }
        };
        // This item fills one slot of its parent.
        if let Some(top) = open.last_mut() {
            *top -= 1;
        }
        if children > 0 {
            if open.len() >= max_depth {
                return Err(DecodeError::TooDeep {
                    offset: start,
                    limit: max_depth,
                });
            }
            open.push(children);
        }
        while open.last() == Some(&0) {
            open.pop();
        }
        if open.is_empty() {
            break;
        }
    }
    if pos != bytes.len() {
        return Err(err(
            pos,
            format!("{} trailing bytes after the descriptor", bytes.len() - pos),
        ));
    }
    Ok(())
}

/// Checks JSON nesting depth before parsing, so the parser's own recursion
/// stays bounded.
fn check_json_depth(text: &[u8], max_depth: usize) -> Result<(), DecodeError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut line = 1usize;
    let mut column = 0usize;
    for &b in text {
        column += 1;
        if b == b'\n' {
            line += 1;
            column = 0;
        }
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Err(DecodeError::Json {
                        line,
                        column,
                        message: format!("nesting deeper than {max_depth} levels"),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}
