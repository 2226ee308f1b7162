//! A decoded descriptor with the canonical encoding it was decoded from.

use std::ops::Range;

use crate::entries::{Entries, Holding};
use crate::error::EncodeError;
use crate::fingerprint::{Fingerprint, cut_tables};
use crate::model::Descriptor;

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
        let Some(tables) = cut_tables(&self.descriptor, e.body, &e.spans) else {
            return self.descriptor.holds(expected);
        };
        Ok(Holding {
            fingerprint: e.fingerprint,
            unchanged: crate::entries::holds_cut(&self.descriptor, Some(&tables), expected)?,
        })
    }
}
