//! Reading descriptors from files: the one reader the CLI and the loader share.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use abi_descriptor::{BLOB_MAGIC, DecodeError, Descriptor, Limits, ValidationErrors};

/// A descriptor could not be read from a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read `{path}`")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than any descriptor file may be.
    #[error(
        "`{path}` is {size} bytes, larger than the limit of {limit} bytes for descriptor files"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The file is a shared library or executable; reading descriptors out
    /// of binaries is not supported by this reader.
    #[error(
        "`{path}` is a binary ({format}); reading descriptors out of libraries is not supported yet, pass a descriptor file (.abi, .cbor or .json)"
    )]
    Binary {
        /// The file.
        path: PathBuf,
        /// What it looks like: ELF, Mach-O, PE.
        format: &'static str,
    },
    /// The content is not a valid encoding of a descriptor.
    #[error("`{path}` is not a readable descriptor")]
    Decode {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: DecodeError,
    },
    /// The descriptor decodes but is not well-formed.
    #[error("`{path}` holds an invalid descriptor")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        #[source]
        source: ValidationErrors,
    },
}

/// The forms a descriptor file can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileForm {
    /// A blob: header and canonical CBOR (`.abi`).
    Blob,
    /// Bare CBOR.
    Cbor,
    /// The JSON form.
    Json,
}

/// Reads, decodes and validates the descriptor in `path`: a blob, bare CBOR
/// or JSON, told apart by content, not by extension.
pub fn read_descriptor(path: &Path) -> Result<Descriptor, ReadError> {
    let bytes = read_bounded(path)?;
    let descriptor = decode(path, &bytes)?.0;
    descriptor.validate().map_err(|source| ReadError::Invalid {
        path: path.to_owned(),
        source,
    })?;
    Ok(descriptor)
}

/// Decodes descriptor bytes read from `path` (used in error messages), and
/// says which form they were in. Does not validate.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<(Descriptor, FileForm), ReadError> {
    if let Some(format) = binary_format(bytes) {
        return Err(ReadError::Binary {
            path: path.to_owned(),
            format,
        });
    }
    let decode_error = |source| ReadError::Decode {
        path: path.to_owned(),
        source,
    };
    if bytes.starts_with(&BLOB_MAGIC) {
        return Descriptor::from_blob(bytes)
            .map(|d| (d, FileForm::Blob))
            .map_err(decode_error);
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            decode_error(DecodeError::Json {
                line: 1,
                column: 1,
                message: format!("not UTF-8: {e}"),
            })
        })?;
        return Descriptor::from_json(text)
            .map(|d| (d, FileForm::Json))
            .map_err(decode_error);
    }
    Descriptor::from_cbor(bytes)
        .map(|d| (d, FileForm::Cbor))
        .map_err(decode_error)
}

/// Reads a file of at most the descriptor size limit (plus a blob header),
/// without trusting its reported size.
fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let limit = (Limits::DEFAULT.max_bytes + abi_descriptor::BLOB_HEADER_LEN) as u64;
    let file = File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        let size = std::fs::metadata(path)
            .map(|m| m.len())
            .unwrap_or(bytes.len() as u64);
        return Err(ReadError::TooLarge {
            path: path.to_owned(),
            size,
            limit,
        });
    }
    Ok(bytes)
}

fn binary_format(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x7f, b'E', b'L', b'F', ..] => Some("ELF"),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf, ..]
        | [0xce | 0xcf, 0xfa, 0xed, 0xfe, ..]
        | [0xca, 0xfe, 0xba, 0xbe, ..] => Some("Mach-O"),
        [b'M', b'Z', ..] => Some("PE"),
        _ => None,
    }
}
