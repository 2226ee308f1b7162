//! What a host expects of a library: a descriptor, narrowed to the items
//! the host uses.

use std::sync::Arc;

use abi_check::{HostCheck, HostExpectation};
use abi_descriptor::{BLOB_MAGIC, Descriptor, ItemRef};

use crate::error::ExpectationError;

/// What a host expects of a library: the descriptor it was built against
/// (or one derived from its own declarations with
/// `#[abi_describe::expectation]`), optionally narrowed to the items it
/// actually uses. Only those items are checked when a library is opened.
///
/// ```
/// use abi_loader::Expectation;
///
/// // In a host: `include_bytes!("../abi/tile-1.4.0.abi")`, a blob written by
/// // `abi-check dump --format blob`; JSON works too.
/// let json = include_str!("../../examples/libtile/v1.json");
/// let all = Expectation::from_bytes(json.as_bytes())?;
/// assert_eq!(all.descriptor().functions.len(), 7);
///
/// // This host only opens and closes caches.
/// let used = all.functions(&["tile_cache_open", "tile_cache_close"])?;
/// assert_eq!(used.descriptor().functions.len(), 2);
///
/// // Naming an item the descriptor does not have is a mistake.
/// assert!(all.functions(&["tile_cache_flush"]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// An expectation is prepared once: its items' fingerprints are computed
/// when it is made, not at every open. It also keeps the descriptor it was
/// read from, as a canonical blob: a library embedding exactly that blob
/// needs no decoding and no comparison when it is opened (the fast path of
/// [`check`](crate::check)).
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    host: HostExpectation,
    source: Arc<Source>,
    /// What checking the source itself reports: the report of a fast-path
    /// open. `None` when the source would be refused (it never is: the
    /// source contains the expectation).
    known: Option<Arc<HostCheck>>,
}

/// The full descriptor an expectation was read from, and its canonical
/// blob (whose header carries the SHA-256 of its canonical CBOR).
#[derive(Debug, PartialEq)]
pub(crate) struct Source {
    pub(crate) descriptor: Arc<Descriptor>,
    pub(crate) blob: Vec<u8>,
}

impl Expectation {
    /// Reads an expectation from descriptor bytes: a blob (header and
    /// canonical CBOR, the `.abi` form and what `#[abi_describe::expectation]`
    /// produces), bare CBOR, or JSON. The descriptor must be valid.
    pub fn from_bytes(bytes: &[u8]) -> Result<Expectation, ExpectationError> {
        let descriptor = if bytes.starts_with(&BLOB_MAGIC) {
            Descriptor::from_blob(bytes)
        } else if bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{')
        {
            match std::str::from_utf8(bytes) {
                Ok(text) => Descriptor::from_json(text),
                Err(e) => Err(abi_descriptor::DecodeError::Json {
                    line: 1,
                    column: 1,
                    message: format!("not UTF-8: {e}"),
                }),
            }
        } else {
            Descriptor::from_cbor(bytes)
        }
        .map_err(ExpectationError::Decode)?;
        Expectation::from_descriptor(descriptor)
    }

    /// An expectation of every item of `descriptor`, which must be valid.
    pub fn from_descriptor(descriptor: Descriptor) -> Result<Expectation, ExpectationError> {
        descriptor.validate().map_err(ExpectationError::Invalid)?;
        let blob = descriptor.to_blob().map_err(ExpectationError::Encode)?;
        let source = Arc::new(Source {
            descriptor: Arc::new(descriptor),
            blob,
        });
        Expectation::prepare(&source.descriptor.clone(), source)
    }

    fn prepare(
        expected: &Descriptor,
        source: Arc<Source>,
    ) -> Result<Expectation, ExpectationError> {
        let host = HostExpectation::new(expected).map_err(ExpectationError::Encode)?;
        let known = host
            .check(&source.descriptor)
            .map_err(ExpectationError::Encode)?;
        let known = (known.fingerprints_match && known.accepted()).then(|| Arc::new(known));
        Ok(Expectation {
            host,
            source,
            known,
        })
    }

    /// This expectation narrowed to `items` and what they reach (see
    /// [`Descriptor::narrowed`]); every item must be in it.
    pub fn narrowed(&self, items: &[ItemRef]) -> Result<Expectation, ExpectationError> {
        let have = self.host.items();
        if let Some(missing) = items.iter().find(|i| !have.contains(i)) {
            return Err(ExpectationError::UnknownItem {
                item: missing.clone(),
                library: self.host.descriptor().library.name.clone(),
            });
        }
        Expectation::prepare(&self.host.descriptor().narrowed(items), self.source.clone())
    }

    /// This expectation narrowed to the functions `symbols` (see
    /// [`Expectation::narrowed`]).
    pub fn functions(&self, symbols: &[&str]) -> Result<Expectation, ExpectationError> {
        let items: Vec<ItemRef> = symbols.iter().map(|s| ItemRef::function(*s)).collect();
        self.narrowed(&items)
    }

    /// The expected descriptor.
    pub fn descriptor(&self) -> &Descriptor {
        self.host.descriptor()
    }

    /// The items the host expects.
    pub fn items(&self) -> Vec<ItemRef> {
        self.host.items().to_vec()
    }

    /// The prepared check.
    pub(crate) fn host(&self) -> &HostExpectation {
        &self.host
    }

    /// The descriptor this expectation was read from and what a library
    /// embedding exactly it is reported, if the fast path applies.
    pub(crate) fn known(&self) -> Option<(&Source, &Arc<HostCheck>)> {
        self.known.as_ref().map(|k| (&*self.source, k))
    }
}
