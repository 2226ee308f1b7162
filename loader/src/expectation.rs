//! What a host expects of a library: a descriptor, narrowed to the items
//! the host uses.

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
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    descriptor: Descriptor,
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
        Ok(Expectation { descriptor })
    }

    /// This expectation narrowed to `items` and what they reach (see
    /// [`Descriptor::narrowed`]); every item must be in it.
    pub fn narrowed(&self, items: &[ItemRef]) -> Result<Expectation, ExpectationError> {
        let have = abi_check::items_of(&self.descriptor);
        if let Some(missing) = items.iter().find(|i| !have.contains(i)) {
            return Err(ExpectationError::UnknownItem {
                item: missing.clone(),
                library: self.descriptor.library.name.clone(),
            });
        }
        Ok(Expectation {
            descriptor: self.descriptor.narrowed(items),
        })
    }

    /// This expectation narrowed to the functions `symbols` (see
    /// [`Expectation::narrowed`]).
    pub fn functions(&self, symbols: &[&str]) -> Result<Expectation, ExpectationError> {
        let items: Vec<ItemRef> = symbols.iter().map(|s| ItemRef::function(*s)).collect();
        self.narrowed(&items)
    }

    /// The expected descriptor.
    pub fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    /// The items the host expects.
    pub fn items(&self) -> Vec<ItemRef> {
        abi_check::items_of(&self.descriptor)
    }
}
