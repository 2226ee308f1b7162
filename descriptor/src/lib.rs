//! The abi-check descriptor format.
//!
//! A descriptor describes the ABI of one built library for one target: its
//! types (with sizes, alignments and field offsets), its exported functions,
//! variables and constants, the contract around them (ownership, threading,
//! unwinding, callbacks), and, for libraries that exchange encoded messages,
//! the wire layer (payload schemas, return codes, events).
//!
//! Descriptors travel as canonical CBOR, so equal descriptors are equal bytes
//! and a SHA-256 of the bytes is a stable [`Fingerprint`]. A JSON form exists
//! for people. `docs/descriptor-format.md` specifies both.
//!
//! ```
//! use abi_descriptor::Descriptor;
//!
//! let json = r#"{
//!   "format": "1.0",
//!   "library": { "name": "geo", "version": "1.2.0" },
//!   "producer": { "language": "c", "tool": "hand", "version": "1" },
//!   "target": {
//!     "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little",
//!     "c_int": 4, "c_long": 8, "size_t": 8, "c_char_signed": true, "default_abi": "sysv64"
//!   },
//!   "types": [
//!     { "id": "Point", "kind": "struct", "size": 16, "align": 8, "fields": [
//!       { "name": "x", "type": "f64", "offset": 0 },
//!       { "name": "y", "type": "f64", "offset": 8 } ] },
//!     { "id": "*const Point", "kind": "pointer", "pointee": "Point", "mutability": "const" }
//!   ],
//!   "functions": [
//!     { "symbol": "geo_norm", "params": [ { "name": "p", "type": "*const Point" } ], "return": "f64" }
//!   ]
//! }"#;
//!
//! let descriptor = Descriptor::from_json(json)?;
//! descriptor.validate()?;
//!
//! // Canonical CBOR: decoding and re-encoding gives the same bytes.
//! let cbor = descriptor.to_cbor()?;
//! assert_eq!(Descriptor::from_cbor(&cbor)?.to_cbor()?, cbor);
//!
//! // One fingerprint for the whole descriptor, one per item.
//! let fingerprints = descriptor.fingerprints()?;
//! assert_eq!(fingerprints.items.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Model types are plain data
//!
//! The model's structs have public fields and enums are exhaustive: adding a
//! variant or a required field is a format-major change (see
//! `docs/versioning.md`) and so a breaking change of this crate too, and code
//! that matches on kinds (such as the checker) should fail to compile rather
//! than silently ignore a new kind.

#![deny(missing_docs)]

// The unit tests share the integration tests' generators, which name the
// crate as its users do.
#[cfg(test)]
extern crate self as abi_descriptor;
#[cfg(test)]
#[allow(dead_code)]
#[path = "../tests/strategies.rs"]
mod strategies;

mod canonical;
mod codec;
mod decoded;
mod entries;
mod error;
mod fingerprint;
mod index;
mod model;
mod narrow;
mod schema;
mod validate;

pub use codec::{
    BLOB_HEADER_LEN, BLOB_HEADER_VERSION, BLOB_MAGIC, BlobHeader, Limits, blob_body, blob_from_body,
};
pub use decoded::{Decoded, Skimmed};
pub use entries::{Entries, Holding};
pub use error::{DecodeError, EncodeError, ValidationError, ValidationErrors};
pub use fingerprint::{Fingerprint, Fingerprints, ItemKind, ItemRef, type_refs, wire_refs};
pub use index::{Index, Layout, Resolved};
pub use model::*;
pub use schema::json_schema;
