#![doc = include_str!("../README.md")]
//!
//! # The pieces
//!
//! The macros build constants of the description model ([`Ty`], [`Function`],
//! [`Library`], ...); [`blob_len`] and [`blob`] turn a [`Library`] into the
//! blob during constant evaluation. The [`Describe`] trait gives each type's
//! description; implement it by hand only for types the derive cannot see,
//! such as a foreign opaque handle:
//!
//! ```
//! use abi_describe::{Describe, Opaque, Ty, TyRef};
//!
//! pub struct ForeignHandle(*mut core::ffi::c_void);
//!
//! static HANDLE: Ty = Ty::Opaque(Opaque { name: "foreign_handle", since: None, deprecated: None });
//!
//! impl Describe for ForeignHandle {
//!     // SAFETY: `HANDLE` is an immutable static.
//!     const TY: TyRef = unsafe { TyRef::named(&raw const HANDLE) };
//! }
//! ```

#![no_std]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

// The macros name this crate `::abi_describe`, also in its own tests.
extern crate self as abi_describe;

mod describe;
mod encode;
mod model;
mod sha256;
pub mod target;

/// Derives [`Describe`](trait@Describe) for a `#[repr(C)]` struct or union
/// or a fieldless enum with `#[repr(C)]` or an integer representation; see
/// the crate documentation for the `#[abi(...)]` keys.
pub use abi_describe_derive::Describe;
/// The descriptor blob of the listed items as a `&'static [u8; N]`
/// expression, without exporting anything; takes the same input as
/// [`library!`].
pub use abi_describe_derive::descriptor_blob;
/// Derives what a host expects of a library from the declarations of an
/// `extern "C"` block: `#[abi_describe::expectation(GEO_ABI, library =
/// "geo")]` keeps the block and defines `pub static GEO_ABI: [u8; N]`, the
/// descriptor blob of the declared functions and statics (with the
/// `#[derive(Describe)]` types they use), placed in the host's expectation
/// section (ELF `.abi_expectation`, Mach-O `__DATA,__abi_expect`, PE
/// `.abiexp`) where `abi-check check-host` finds it. The `abi-loader` crate
/// checks a library against it before loading. Declarations take
/// `#[abi(threading = "...", may_block, since = "...", ret(...))]` and their
/// parameters `#[abi(...)]`, as with [`export`]; `version = "1.2.0"` gives
/// the version the host was written against (default `0.0.0`).
pub use abi_describe_derive::expectation;
/// Describes an exported function, static or constant so that
/// [`library!`] can list it; see the crate documentation for its options.
pub use abi_describe_derive::export;
/// Embeds the library's descriptor: defines `_abi_descriptor_blob` in its
/// own section and `_abi_descriptor()`; see the crate documentation.
pub use abi_describe_derive::library;
pub use describe::Describe;
pub use encode::{FORMAT, HEADER_LEN, MAGIC, MAX_BODY, MAX_ID_BYTES, MAX_TYPES, blob, blob_len};
pub use model::{
    Array, Callback, CallbackThread, ConstValue, Constant, Deprecation, Enum, Field, FnPtr,
    Function, Library, Lifetime, Member, Opaque, Ownership, Param, Pointer, Primitive, Repr,
    Struct, Threading, Ty, TyRef, Union, Variable, Variant, pointee, with_callback, with_nullable,
    with_ownership, with_pointee,
};
pub use sha256::sha256;
