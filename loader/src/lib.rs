//! `dlopen` with validation: a host states what it expects of a library,
//! and the loader refuses an incompatible library before any of its code
//! runs.
//!
//! ```no_run
//! use abi_loader::{Expectation, Library};
//!
//! // What this host was built against: the library's descriptor (here as
//! // JSON; a host usually embeds the `.abi` blob with `include_bytes!`),
//! // narrowed to the functions the host calls.
//! let expected = Expectation::from_bytes(include_bytes!("../tests/calc.json"))?
//!     .functions(&["calc_add"])?;
//!
//! // SAFETY: libcalc is trusted once it is shown to be compatible; opening
//! // runs its initialisers.
//! let lib = unsafe { Library::open("/opt/calc/lib/libcalc.so", &expected) }?;
//!
//! // The Rust type is checked against the described signature.
//! // SAFETY: `add` is not used after `lib` is dropped.
//! let add = unsafe { lib.function::<extern "C" fn(i32, i32) -> i32>("calc_add") }?;
//! assert_eq!(add(2, 3), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is checked, and when
//!
//! [`Library::open`] (or [`check`] then [`Checked::load`]):
//!
//! 1. **Before loading**, the file is read statically (the reader of
//!    `abi-check`, [`abi_check::read_library`]): a file without a
//!    descriptor, with garbage in its place, or built for another
//!    architecture than this process is refused, and so is one whose
//!    descriptor does not describe the file (architecture, pointer width,
//!    byte order, the expected items not exported, `_abi_descriptor`
//!    missing).
//! 2. **Consumer-scoped**: only the items the host expects are judged.
//!    When the library's fingerprint of each equals the host's, the library
//!    is accepted without a structural comparison. Otherwise both
//!    descriptors are narrowed to those items and compared by the checker's
//!    engine ([`abi_check::check_host`]), in the host's direction: a finding
//!    refuses the library when its rule is at level `deny` and requires a
//!    major release ([`abi_check::refuses`]). So an added function, or a
//!    variant added to an enum the host only passes in, is fine; a removed
//!    function, a moved field, or a variant added to an exhaustive enum the
//!    library returns to the host is not. Version numbers play no part.
//! 3. **After loading**, `_abi_descriptor()` is called and its bytes are
//!    compared with the bytes checked; if they differ the library is
//!    unloaded again and refused.
//!
//! **The fast path.** An [`Expectation`] keeps the blob of the descriptor
//! it was read from. A library that embeds exactly that blob (the library
//! the host was built against) is accepted after reading only its ELF
//! headers, its exported-symbol hash table and the blob itself, compared
//! byte for byte ([`abi_check::probe_library`]): nothing is decoded or
//! compared, the expectation's own verdict applies, and after loading only
//! the blob's header is compared. Step 1's check of the exports is skipped
//! on this path (a function missing from the file fails at
//! [`Library::function`], never at a call); [`Library::identical`] says
//! whether the fast path was taken.
//!
//! **Items unchanged.** When the library's blob is in the form every
//! producer writes it in, step 2 first looks for the host's entries in the
//! blob's body without decoding it ([`abi_descriptor::Skimmed`]): a body
//! that holds every one of them byte for byte, and nothing the expectation
//! leaves unresolved, gives every item the host's fingerprint, whatever the
//! rest of it holds. Then the rest is not decoded or validated until it is
//! asked for: [`Library::descriptor`] decodes it then (and says why, if it
//! cannot be), and so does [`Library::function`] for a function the host
//! does not expect. A library with a body damaged behind an intact header
//! is still refused (the body's hash is checked first).
//!
//! **Items compared.** When items the host uses differ, only they are
//! decoded and compared ([`abi_check::HostExpectation::check_skimmed_into`]):
//! the skim says which items reach an entry the body does not hold as the
//! host does ([`abi_descriptor::Skimmed::differing`]); the library is
//! decoded narrowed to those items, from where their entries lie in the
//! body, validated, and compared with the expectation narrowed to the same
//! items. The other items have the host's fingerprints, and comparing them
//! would find nothing. [`Library::function`] finds a function compared in
//! that narrowing and the others in the expectation, and
//! [`Library::descriptor`] decodes the whole blob the first time it is
//! asked for. A blob in another form is decoded and validated whole, and
//! narrowed to the host's items by moving them out of it
//! ([`abi_check::HostExpectation::check_decoded_into`]).
//!
//! A library refused in steps 1 and 2 is never loaded: no constructor, no
//! initialiser of it runs. A refusal lists every incompatibility (rule id,
//! where, expected and found) and says what to do:
//!
//! ```
//! use abi_loader::{Expectation, LoadError};
//!
//! let expected = Expectation::from_bytes(include_bytes!("../tests/calc.json"))?;
//! // This program carries no descriptor, so it is refused without being loaded.
//! let me = std::env::current_exe()?;
//! let error = abi_loader::check(&me, &expected).unwrap_err();
//! assert!(matches!(error, LoadError::Read { .. }));
//! assert!(error.to_string().contains("no valid descriptor can be read"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Stating the expectation
//!
//! - From the descriptor the host was built against: [`Expectation::from_bytes`]
//!   of the baseline `.abi` (or JSON), optionally narrowed with
//!   [`Expectation::functions`] or [`Expectation::narrowed`].
//! - From the host's own declarations: `#[abi_describe::expectation(...)]` on
//!   an `extern "C"` block derives the expectation from the Rust signatures
//!   and `#[derive(Describe)]` types at compile time and places it in the
//!   host binary's `.abi_expectation` section, where
//!   `abi-check check-host HOST LIB` finds it.
//!
//! # Typed symbols
//!
//! [`Library::function`] hands out a function only if the descriptor
//! describes it and the Rust function pointer type matches the description
//! (checked by the same engine).
//!
//! # C API
//!
//! The `cdylib` exports the same check for hosts in other languages;
//! `include/abi_loader.h` declares it.

#![deny(missing_docs)]

mod capi;
mod described;
mod error;
mod expectation;
mod library;
mod signature;

pub use abi_check::{HostCheck, refuses};
pub use error::{ExpectationError, Incompatibility, LoadError, Refusal, SymbolError};
pub use expectation::Expectation;
pub use library::{Checked, Library, Symbol, check};
