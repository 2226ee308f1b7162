//! Error types.

use std::fmt;

use crate::model::FormatVersion;

/// A descriptor could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input is larger than [`Limits::max_bytes`](crate::Limits::max_bytes).
    #[error("descriptor is {size} bytes, larger than the limit of {limit} bytes")]
    TooLarge {
        /// Input size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The input is empty.
    #[error("descriptor is empty")]
    Empty,
    /// The bytes are not well-formed CBOR, or use a form descriptors forbid.
    #[error("malformed CBOR at offset {offset:#x}: {reason}")]
    Cbor {
        /// Byte offset of the offending item.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// Arrays and maps nest deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("CBOR nests deeper than {limit} levels at offset {offset:#x}")]
    TooDeep {
        /// Byte offset where the limit was passed.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// A table holds more entries than [`Limits::max_table_len`](crate::Limits::max_table_len).
    #[error("`{table}` has {len} entries, more than the limit of {limit}")]
    TooManyEntries {
        /// The table, e.g. `functions`.
        table: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The descriptor uses a format major this reader does not read.
    #[error(
        "descriptor format {found} is not supported: this reader reads format {}.x (up to {supported}); {}",
        supported.major,
        if found.major > supported.major { "upgrade the reader" } else { "regenerate the descriptor" }
    )]
    UnsupportedFormat {
        /// The descriptor's format version.
        found: FormatVersion,
        /// The newest format version this reader knows.
        supported: FormatVersion,
    },
    /// The CBOR or JSON is well-formed but does not match the model.
    #[error("descriptor does not match the format: {message}")]
    Model {
        /// What did not match, as the decoder reported it.
        message: String,
    },
    /// The JSON form is not valid JSON or does not match the model.
    #[error("invalid JSON descriptor at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The blob does not start with the descriptor magic.
    #[error("not a descriptor blob: expected magic {expected:02x?}, found {found:02x?}")]
    BadMagic {
        /// The magic bytes.
        expected: [u8; 8],
        /// The bytes found (fewer when the input is shorter).
        found: Vec<u8>,
    },
    /// The blob header has a version this reader does not know.
    #[error(
        "descriptor blob header version {found} is not supported (this reader knows version {supported})"
    )]
    HeaderVersion {
        /// The header's version.
        found: u16,
        /// The version this reader knows.
        supported: u16,
    },
    /// The blob header states a header length shorter than the fixed header.
    #[error(
        "descriptor blob header length {found} is smaller than the fixed header of {minimum} bytes"
    )]
    HeaderLength {
        /// The stated header length.
        found: u16,
        /// The fixed header's length.
        minimum: u16,
    },
    /// The blob is shorter than its header says.
    #[error(
        "descriptor blob is truncated: header and body need {needed} bytes but only {available} are present"
    )]
    Truncated {
        /// Bytes the header claims.
        needed: u64,
        /// Bytes present.
        available: usize,
    },
    /// The header's hash does not match the body.
    #[error("descriptor hash mismatch: header says {expected}, the bytes hash to {found}")]
    HashMismatch {
        /// The hash in the header.
        expected: crate::Fingerprint,
        /// The hash of the bytes.
        found: crate::Fingerprint,
    },
}

/// A descriptor could not be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// Serialization failed.
    #[error("cannot encode descriptor: {message}")]
    Serialize {
        /// What failed.
        message: String,
    },
    /// The encoding exceeds [`Limits::max_bytes`](crate::Limits::max_bytes) of the
    /// default limits, so no reader would accept it.
    #[error("encoded descriptor is {size} bytes, larger than the limit of {limit} bytes")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

/// One problem found by [`Descriptor::validate`](crate::Descriptor::validate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// Where: e.g. `` struct `Point` field `y` ``.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ValidationError {}

/// Every problem [`Descriptor::validate`](crate::Descriptor::validate) found, in a stable order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    /// The problems.
    pub fn errors(&self) -> &[ValidationError] {
        &self.0
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "invalid descriptor: {one}"),
            many => {
                write!(f, "invalid descriptor: {} problems", many.len())?;
                for e in many {
                    write!(f, "\n  - {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ValidationErrors {}
