//! A decoded descriptor with the canonical encoding it was decoded from.

use std::fmt;
use std::ops::Range;

use crate::entries::{Entries, Holding};
use crate::error::{DecodeError, EncodeError};
use crate::fingerprint::Fingerprint;
use crate::model::direct::Skim;
use crate::model::{Descriptor, Library};

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
}
