//! Compare two abi-check descriptors and classify every change.
//!
//! [`compare`] matches items by symbol and types by name, reports each change
//! once at its leaf (`` struct `TileInfo` field `byte_size` ``: offset 24 -> 32)
//! with the exported items it reaches, and classifies it by a rule of the
//! closed catalogue [`RULES`]. The [`Report`] then weighs the findings against
//! the library's version bump.
//!
//! ```
//! use abi_check::{compare, RuleId};
//! use abi_descriptor::Descriptor;
//!
//! let old = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
//! let new = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
//! let report = compare(&old, &new)?;
//!
//! assert!(!report.compatible); // 1.4.0 -> 1.5.0 is too small a bump
//! let moved = report
//!     .findings
//!     .iter()
//!     .find(|f| f.rule == RuleId::FieldOffsetChanged)
//!     .expect("a field moved");
//! assert_eq!(moved.path, "struct `TileInfo` field `byte_size`");
//! assert_eq!(moved.detail, "offset 24 -> 32");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod c;
mod diff;
mod embed;
mod listing;
mod read;
mod report;
mod rules;
mod verify;

use abi_descriptor::{Descriptor, EncodeError, Fingerprint};

pub use embed::{EmbedError, EmbedLanguage, EmbedOptions, embed_source};
pub use listing::listing;
pub use read::{
    BLOB_SYMBOL, BinaryFormat, DESCRIPTOR_FUNCTION, ELF_SECTION, Export, ExportKind, FileForm,
    LibraryFile, Location, MACHO_SECTION, PE_SECTION, ReadError, decode, read_blob,
    read_descriptor, read_library, read_source,
};
pub use report::{Finding, Report, Side, Summary, VersionChange};
pub use rules::{Bump, Level, RULES, Rule, RuleId};
pub use verify::{Verification, verify};

/// Compares `old` with `new`: every difference becomes a finding, and the
/// report weighs them against the library's version change. Both
/// descriptors should have passed [`Descriptor::validate`]; on invalid ones
/// the comparison still ends, but dangling references are skipped.
pub fn compare(old: &Descriptor, new: &Descriptor) -> Result<Report, EncodeError> {
    let mut findings = diff::diff(old, new);
    if let (Some(a), Some(b)) = (&old.library.soname, &new.library.soname) {
        let required_major = findings
            .iter()
            .any(|f| f.bump == Bump::Major && f.level == Level::Deny);
        let released_major = VersionChange::between(&old.library.version, &new.library.version)
            .bump()
            == Bump::Major;
        // With a smaller version bump, the version is what is wrong; with a
        // major one, an unchanged SONAME still lets old hosts load the library.
        if required_major && released_major && a == b {
            findings.push(Finding::new(
                RuleId::SonameUnchanged,
                "library".to_owned(),
                format!("SONAME `{a}` kept across an incompatible release"),
                Vec::new(),
            ));
        } else if !required_major && a != b {
            findings.push(Finding::new(
                RuleId::SonameChanged,
                "library".to_owned(),
                format!("`{a}` -> `{b}` without an incompatible change"),
                Vec::new(),
            ));
        }
    }
    let old_side = report::Side::of(old, Fingerprint::of_bytes(&old.to_cbor()?));
    let new_side = report::Side::of(new, Fingerprint::of_bytes(&new.to_cbor()?));
    Ok(Report::new(old_side, new_side, findings))
}
