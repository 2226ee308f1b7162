//! A library's descriptor: decoded when the library was checked, or when
//! first asked for.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use abi_check::{Location, ReadError, decode_library_blob};
use abi_descriptor::Descriptor;

/// The descriptor of a checked library.
#[derive(Debug)]
pub(crate) enum Described {
    /// Decoded when the library was checked (on the fast path, the
    /// descriptor the expectation was read from, which the library embeds).
    Whole(Arc<Descriptor>),
    /// Known only as far as the host's items go: the check found the
    /// host's entries unchanged in the blob's body without decoding it, or
    /// decoded the items that differ from the host's and compared them.
    Lazily(Box<Lazily>),
}

/// A library's blob, to decode when its descriptor is first asked for,
/// and what the check found of it meanwhile.
pub(crate) struct Lazily {
    /// The whole blob, as the file holds it.
    pub(crate) blob: Vec<u8>,
    /// Where the file holds it.
    pub(crate) location: Location,
    /// What the library says of the host's items that were compared: the
    /// library narrowed to them.
    pub(crate) compared: Option<Descriptor>,
    /// What it says of the others, which it holds unchanged: the host's
    /// expectation.
    pub(crate) held: Arc<Descriptor>,
    whole: OnceLock<Descriptor>,
}

impl fmt::Debug for Lazily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lazily")
            .field("blob_len", &self.blob.len())
            .field("location", &self.location)
            .field("decoded", &self.whole.get().is_some())
            .finish_non_exhaustive()
    }
}

impl Described {
    /// A library's descriptor to decode from `blob` when asked for, known
    /// meanwhile as `compared` and `held` say (see [`Lazily`]).
    pub(crate) fn lazily(
        blob: Vec<u8>,
        location: Location,
        compared: Option<Descriptor>,
        held: Arc<Descriptor>,
    ) -> Described {
        Described::Lazily(Box::new(Lazily {
            blob,
            location,
            compared,
            held,
            whole: OnceLock::new(),
        }))
    }

    /// The library's descriptor, decoded and validated from the blob of
    /// the library `path` the first time it is asked for. A blob that does
    /// not decode is decoded again at each call, for its error.
    pub(crate) fn whole(&self, path: &Path) -> Result<&Descriptor, ReadError> {
        match self {
            Described::Whole(d) => Ok(d),
            Described::Lazily(lazily) => {
                if let Some(d) = lazily.whole.get() {
                    return Ok(d);
                }
                let decoded = decode_library_blob(path, &lazily.location, &lazily.blob)?;
                Ok(lazily.whole.get_or_init(|| decoded.into_descriptor()))
            }
        }
    }

    /// The library's descriptor when it describes what `describes` looks
    /// for: what is known without decoding the library first (the host's
    /// items, which it holds unchanged), then, only when that does not
    /// describe it, the whole descriptor, decoded now. `None` when neither
    /// describes it.
    pub(crate) fn describing(
        &self,
        path: &Path,
        describes: impl Fn(&Descriptor) -> bool,
    ) -> Result<Option<&Descriptor>, ReadError> {
        let lazily = match self {
            Described::Whole(d) => return Ok(describes(d).then_some(&**d)),
            Described::Lazily(lazily) => lazily,
        };
        if let Some(d) = lazily.whole.get() {
            return Ok(describes(d).then_some(d));
        }
        // The items compared as the library describes them, then the
        // others as the host does (and the library, which holds them).
        let known = lazily.compared.iter().chain([&*lazily.held]);
        if let Some(d) = known.into_iter().find(|d| describes(d)) {
            return Ok(Some(d));
        }
        let d = self.whole(path)?;
        Ok(describes(d).then_some(d))
    }
}
