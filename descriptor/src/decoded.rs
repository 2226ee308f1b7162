//! A decoded descriptor with the canonical encoding it was decoded from.

use std::fmt;
use std::ops::Range;

use crate::codec::Limits;
use crate::entries::{Entries, Holding, NAMESPACE_TABLE};
use crate::error::{DecodeError, EncodeError};
use crate::fingerprint::{
    Fingerprint, ItemKind, ItemRef, entries, function_deps, type_refs, wire_refs,
};
use crate::model::direct::{Entry, Skim, serde_item};
use crate::model::{Descriptor, FORMAT_VERSION, Library};
use crate::narrow::released_by;

/// A descriptor decoded from a blob ([`Descriptor::decode_blob`]), with the
/// blob's body when the body is the descriptor's canonical encoding, as in
/// every blob this crate writes. What would otherwise take encoding the
/// descriptor again is then read from the body: its fingerprint is the
/// body's hash, which the blob header carries and decoding checked, and
/// [`holds`](Self::holds) compares the body's entries as they lie.
///
/// ```
/// use abi_descriptor::{Descriptor, Entries, ItemRef};
///
/// let v1 = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
/// let blob = v1.to_blob()?;
/// let decoded = Descriptor::decode_blob(&blob)?;
/// assert!(decoded.canonical_body().is_some());
/// assert_eq!(decoded.fingerprint()?, v1.fingerprint()?);
///
/// let host = Entries::of(&v1.narrowed(&[ItemRef::function("tile_format_name")]))?;
/// assert_eq!(decoded.holds(&host)?, v1.holds(&host)?);
/// // Decoded in canonical table order, as it was encoded.
/// assert_eq!(decoded.into_descriptor(), v1.canonical().into_owned());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Decoded<'b> {
    descriptor: Descriptor,
    encoding: Option<Encoding<'b>>,
}

/// The canonical encoding a descriptor was decoded from.
#[derive(Debug)]
pub(crate) struct Encoding<'b> {
    pub(crate) body: &'b [u8],
    /// The SHA-256 of `body`.
    pub(crate) fingerprint: Fingerprint,
    /// Where the entries of the non-empty tables lie in `body`, in the
    /// model's table order.
    pub(crate) spans: Vec<Range<usize>>,
}

impl<'b> Decoded<'b> {
    /// `descriptor`, with the encoding it was decoded from when that is
    /// its canonical encoding.
    pub(crate) fn new(descriptor: Descriptor, encoding: Option<Encoding<'b>>) -> Decoded<'b> {
        Decoded {
            descriptor,
            encoding,
        }
    }

    /// The descriptor.
    pub fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    /// The descriptor, without its encoding.
    pub fn into_descriptor(self) -> Descriptor {
        self.descriptor
    }

    /// The body the descriptor was decoded from, when it is its canonical
    /// encoding ([`Descriptor::to_cbor`] would write the same bytes).
    pub fn canonical_body(&self) -> Option<&'b [u8]> {
        self.encoding.as_ref().map(|e| e.body)
    }

    /// The descriptor's fingerprint ([`Descriptor::fingerprint`]): the
    /// body's hash when the body is canonical, else computed.
    pub fn fingerprint(&self) -> Result<Fingerprint, EncodeError> {
        match &self.encoding {
            Some(e) => Ok(e.fingerprint),
            None => self.descriptor.fingerprint(),
        }
    }

    /// [`Descriptor::holds`], comparing the body's entries where they lie
    /// when the body is canonical, instead of encoding the descriptor.
    pub fn holds(&self, expected: &Entries) -> Result<Holding, EncodeError> {
        let Some(e) = &self.encoding else {
            return self.descriptor.holds(expected);
        };
        Ok(Holding {
            fingerprint: e.fingerprint,
            unchanged: crate::entries::holds(&self.descriptor, e.body, Some(&e.spans), expected)?,
        })
    }
}

/// A blob whose header, length and hash were checked, and whose body was
/// located but not decoded ([`Descriptor::skim_blob`]): where each table
/// entry lies and under which key, the target's encoding, and the library's
/// name and version. It says whether the body holds a host's entries
/// unchanged ([`holds`](Self::holds)) at the cost of stepping over the body
/// once, a small part of decoding it; [`decode`](Self::decode) decodes it
/// in full.
///
/// Nothing else of the body is checked: a body skimmed may still fail to
/// decode, or decode to a descriptor that does not validate, in the entries
/// [`holds`](Self::holds) does not compare.
///
/// ```
/// use abi_descriptor::{Descriptor, Entries, ItemRef};
///
/// let v1 = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
/// let v2 = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
/// let host = Entries::of(&v1.narrowed(&[ItemRef::function("tile_format_name")]))?;
///
/// let blob = v1.to_blob()?;
/// let skimmed = Descriptor::skim_blob(&blob)?.expect("a blob the crate wrote");
/// assert!(skimmed.holds(&host));
///
/// // `TileFormat`, which `tile_format_name` takes, gained a variant in v2.
/// let blob = v2.to_blob()?;
/// let skimmed = Descriptor::skim_blob(&blob)?.expect("a blob the crate wrote");
/// assert_eq!(skimmed.library(), &v2.library);
/// assert!(!skimmed.holds(&host));
/// assert_eq!(skimmed.decode()?.into_descriptor(), v2.canonical().into_owned());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Skimmed<'b> {
    body: &'b [u8],
    body_hash: Fingerprint,
    skim: Skim<'b>,
}

impl fmt::Debug for Skimmed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Skimmed")
            .field("library", &self.skim.library)
            .field("body_len", &self.body.len())
            .field("body_hash", &self.body_hash)
            .finish_non_exhaustive()
    }
}

impl<'b> Skimmed<'b> {
    /// The skim of `body`, whose SHA-256 is `body_hash`.
    pub(crate) fn new(body: &'b [u8], body_hash: Fingerprint, skim: Skim<'b>) -> Skimmed<'b> {
        Skimmed {
            body,
            body_hash,
            skim,
        }
    }

    /// The library the descriptor describes.
    pub fn library(&self) -> &Library {
        &self.skim.library
    }

    /// The SHA-256 of the body, as the header states it and the skim
    /// checked: the descriptor's fingerprint when the body is its canonical
    /// encoding, as in every blob [`Descriptor::to_blob`] writes.
    pub fn body_hash(&self) -> Fingerprint {
        self.body_hash
    }

    /// Whether the body holds `expected`'s target and every entry of it
    /// with the same encoding, each once, and no entry named by a reference
    /// that names none in `expected`: what [`Descriptor::holds`] says of the
    /// decoded descriptor in [`Holding::unchanged`], when the body is
    /// canonical. (Of a body that is not, it may say no where `holds` says
    /// yes, never the reverse.)
    pub fn holds(&self, expected: &Entries) -> bool {
        crate::entries::holds_skimmed(&self.skim, expected)
    }

    /// Decodes the body as [`Descriptor::decode_blob`] does.
    pub fn decode(&self) -> Result<Decoded<'b>, DecodeError> {
        crate::codec::decode_body(self.body, self.body_hash)
    }

    /// The items of `expected` that may not have the host's fingerprint
    /// here: every item, when the target's encoding differs; otherwise
    /// each item that reaches an entry of `expected` the body does not hold
    /// once with the same encoding, or a name `expected` leaves unresolved
    /// and the body holds an entry of. Functions, variables, then
    /// constants, each in canonical order; empty exactly when
    /// [`holds`](Self::holds) is true.
    ///
    /// An item not listed has, in a canonical body, the fingerprint it has
    /// in `expected`: nothing it covers differs.
    ///
    /// ```
    /// use abi_descriptor::{Descriptor, Entries, ItemRef};
    ///
    /// let v1 = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
    /// let v2 = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
    /// let host = Entries::of(&v1.narrowed(&v1.items()))?;
    /// let blob = v2.to_blob()?;
    /// let skimmed = Descriptor::skim_blob(&blob)?.expect("a blob the crate wrote");
    /// let differing = skimmed.differing(&host);
    /// // `TileFormat` gained a variant: `tile_format_name` takes it.
    /// assert!(differing.contains(&ItemRef::function("tile_format_name")));
    /// // Exactly the items whose fingerprints differ.
    /// let (old, new) = (v1.fingerprints()?.items, v2.fingerprints()?.items);
    /// for item in v1.items() {
    ///     assert_eq!(differing.contains(&item), old.get(&item) != new.get(&item));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn differing(&self, expected: &Entries) -> Vec<ItemRef> {
        crate::entries::differing_skimmed(&self.skim, expected)
    }

    /// The descriptor narrowed to `items` ([`Descriptor::into_narrowed`]),
    /// decoding only the envelope and the entries the items reach, each
    /// from where it lies in the body: what the body decoded in full would
    /// narrow to, when it decodes.
    ///
    /// The rest of the body is not decoded: a body whose other entries do
    /// not decode still gives the narrowing. When an entry the items reach
    /// does not decode, the body is decoded in full, for the error.
    ///
    /// ```
    /// use abi_descriptor::{Descriptor, ItemRef};
    ///
    /// let v2 = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
    /// let blob = v2.to_blob()?;
    /// let skimmed = Descriptor::skim_blob(&blob)?.expect("a blob the crate wrote");
    /// let items = [ItemRef::function("tile_format_name")];
    /// let narrowed = skimmed.decode_narrowed(&items)?;
    /// assert_eq!(narrowed, v2.canonical().narrowed(&items));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_narrowed(&self, items: &[ItemRef]) -> Result<Descriptor, DecodeError> {
        match self.decode_reached(items) {
            // Without a repeated key, what the items reach is the narrowing.
            Some((reached, false)) => Ok(reached),
            Some((reached, true)) => Ok(reached.into_narrowed(items)),
            None => Ok(self.decode()?.into_descriptor().into_narrowed(items)),
        }
    }

    /// The envelope and the entries `items` reach, following every
    /// reference narrowing follows (each entry of a repeated key), in table
    /// order, and whether a key the search looked up repeats (then
    /// narrowing, which follows the first entry of a key, may keep less);
    /// `None` when one of them does not decode.
    fn decode_reached(&self, items: &[ItemRef]) -> Option<(Descriptor, bool)> {
        let depth = Limits::DEFAULT.max_depth;
        let tables = &self.skim.tables;
        let mut seen = tables.each_ref().map(|table| vec![false; table.len()]);
        let mut repeated = false;
        let mut work: Vec<(usize, usize)> = Vec::new();
        // Every entry of `table` with the key `name`, once: a search, as the
        // skim found each table's entries in key order.
        let mut want = |table: usize, name: &str, work: &mut Vec<(usize, usize)>| {
            let found = entries(&tables[table], 0, name.as_bytes(), |(key, _)| *key);
            repeated |= found.len() > 1;
            for i in found {
                if !std::mem::replace(&mut seen[table][i], true) {
                    work.push((table, i));
                }
            }
        };
        for item in items {
            let table = match item.kind {
                ItemKind::Function => 1,
                ItemKind::Variable => 2,
                ItemKind::Constant => 3,
            };
            want(table, &item.name, &mut work);
        }
        // Room for the functions asked for and, in proportion, for the
        // types: growing a table of thousands of entries by doubling costs
        // more than decoding them (fresh pages at each step).
        let functions = items
            .iter()
            .filter(|i| i.kind == ItemKind::Function)
            .count();
        let functions = functions.min(tables[1].len());
        let types = tables[0].len() * functions / tables[1].len().max(1);
        let mut d = Descriptor {
            format: FORMAT_VERSION,
            library: self.skim.library.clone(),
            producer: serde_item(self.skim.producer, depth - 1)?,
            target: serde_item(self.skim.target, depth - 1)?,
            types: Vec::with_capacity(types),
            functions: Vec::with_capacity(functions),
            variables: Vec::new(),
            constants: Vec::new(),
            wire_types: Vec::new(),
            code_tables: Vec::new(),
        };
        // Each table's entries with their positions, sorted at the end.
        let mut at: [Vec<usize>; 6] = Default::default();
        while let Some((table, i)) = work.pop() {
            at[table].push(i);
            match crate::model::direct::entry(table, tables[table][i].1, depth)? {
                Entry::Type(t) => {
                    type_refs(&t.kind).for_each(|r| want(0, r.as_str(), &mut work));
                    if let Some(free) = released_by(&t.kind) {
                        want(1, free, &mut work);
                    }
                    d.types.push(t);
                }
                Entry::Function(f) => {
                    for key in function_deps(&f) {
                        let table = NAMESPACE_TABLE[usize::from(key.namespace()) - 1];
                        want(table, key.text(), &mut work);
                    }
                    d.functions.push(f);
                }
                Entry::Variable(v) => {
                    want(0, v.ty.as_str(), &mut work);
                    d.variables.push(v);
                }
                Entry::Constant(c) => {
                    want(0, c.ty.as_str(), &mut work);
                    d.constants.push(c);
                }
                Entry::Wire(t) => {
                    wire_refs(&t.kind).for_each(|r| want(4, r.as_str(), &mut work));
                    d.wire_types.push(t);
                }
                Entry::Codes(t) => d.code_tables.push(t),
            }
        }
        sort_by_position(&mut d.types, &at[0]);
        sort_by_position(&mut d.functions, &at[1]);
        sort_by_position(&mut d.variables, &at[2]);
        sort_by_position(&mut d.constants, &at[3]);
        sort_by_position(&mut d.wire_types, &at[4]);
        sort_by_position(&mut d.code_tables, &at[5]);
        Some((d, repeated))
    }
}

/// Puts `entries`, the `k`th of which lay at position `at[k]` of its
/// table, in table order.
fn sort_by_position<T>(entries: &mut Vec<T>, at: &[usize]) {
    if at.is_sorted() {
        return;
    }
    let mut placed: Vec<(usize, T)> = at.iter().copied().zip(entries.drain(..)).collect();
    placed.sort_unstable_by_key(|(i, _)| *i);
    entries.extend(placed.into_iter().map(|(_, t)| t));
}
