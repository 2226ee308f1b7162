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
//!
//! The `jemalloc` feature (on by default) makes the `abi-check` binary
//! allocate with jemalloc, except on MSVC targets; it needs a C compiler and
//! `make` to build. The library itself never sets an allocator, so a
//! program that depends on it with `default-features = false` builds no C.

#![deny(missing_docs)]

mod c;
mod config;
mod diff;
mod embed;
mod exports;
mod history;
mod host;
mod listing;
mod probe;
mod read;
mod render;
mod report;
mod rules;
mod verify;

use abi_descriptor::{Descriptor, EncodeError};

pub use config::{
    CONFIG_FILE_NAME, Config, ConfigError, Origin, Suppression, Unused, UnusedSuppression,
};
pub use embed::{EmbedError, EmbedLanguage, EmbedOptions, embed_source};
pub use exports::{Export, ExportKind, Exports};
pub use history::{Comparison, History, HistoryError, history, history_with};
pub use host::{
    EXPECTATION_MACHO_SECTION, EXPECTATION_PE_SECTION, EXPECTATION_SECTION, ExpectationError,
    HostCheck, HostExpectation, Judged, check_host, check_host_file, items_of, read_expectations,
    refuses,
};
pub use listing::listing;
pub use probe::{Probe, probe_library};
pub use read::{
    BLOB_SYMBOL, BinaryFormat, DESCRIPTOR_FUNCTION, ELF_SECTION, FileForm, LibraryFile, Location,
    MACHO_SECTION, PE_SECTION, ReadError, decode, decode_library_blob, read_blob, read_descriptor,
    read_descriptor_pair, read_library, read_source,
};
pub use render::{RenderOptions, ReportFormat};
pub use report::{Finding, Report, Side, Summary, VersionChange};
pub use rules::{Bump, Level, RULES, Rule, RuleId};
pub use verify::{Verification, verify};

/// Compares `old` with `new`: every difference becomes a finding, and the
/// report weighs them against the library's version change. Both
/// descriptors should have passed [`Descriptor::validate`]; on invalid ones
/// the comparison still ends, but dangling references are skipped.
///
/// Every rule is at its default level and nothing is suppressed; see
/// [`compare_with`] to apply an `abi-check.toml` [`Config`].
pub fn compare(old: &Descriptor, new: &Descriptor) -> Result<Report, EncodeError> {
    compare_with(old, new, &Config::default())
}

/// Compares `old` with `new` like [`compare`], under `config`: its rule
/// levels replace the defaults, and the findings its suppressions match are
/// marked, counted in [`Summary::suppressed`], and no longer fail the check.
/// Suppressions that matched nothing are listed in
/// [`Report::unused_suppressions`].
///
/// For descriptors of thousands of items the report's fingerprints are
/// computed on a second (scoped) thread while the engine runs.
///
/// ```
/// use abi_check::{compare_with, Config, Level, RuleId};
/// use abi_descriptor::Descriptor;
///
/// let config = Config::parse("[rules]\nfunction_added = \"deny\"\n", "abi-check.toml")?;
/// let old = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
/// let new = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
/// let report = compare_with(&old, &new, &config)?;
/// let added = report
///     .findings
///     .iter()
///     .find(|f| f.rule == RuleId::FunctionAdded)
///     .expect("a function was added");
/// assert_eq!(added.level, Level::Deny);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compare_with(
    old: &Descriptor,
    new: &Descriptor,
    config: &Config,
) -> Result<Report, EncodeError> {
    // Canonical forms once, for the diff and the fingerprints alike (no copy
    // of a descriptor that already is canonical).
    let (old, new) = (old.canonical(), new.canonical());
    let (old, new) = (&*old, &*new);
    // The fingerprints are computed while the engine runs, on a second
    // thread when the descriptors are large enough to make it worth one;
    // on larger ones still, the engine also compares the tables on a thread
    // of their own.
    let fingerprints =
        || -> Result<_, EncodeError> { Ok((old.fingerprint()?, new.fingerprint()?)) };
    let entries = old.functions.len() + old.types.len() + new.functions.len() + new.types.len();
    let (fingerprints, (findings, unused)) = if entries >= PARALLEL_FROM {
        alongside(fingerprints, || {
            judge(old, new, config, entries >= SPLIT_ENGINE_FROM)
        })
    } else {
        (fingerprints(), judge(old, new, config, false))
    };
    let (old_fingerprint, new_fingerprint) = fingerprints?;
    let old_side = report::Side::of(&old.library, old_fingerprint);
    let new_side = report::Side::of(&new.library, new_fingerprint);
    let mut report = Report::new(old_side, new_side, findings);
    report.unused_suppressions = unused;
    Ok(report)
}

/// `(background(), here())`, with `background` run on a second (scoped)
/// thread while `here` runs on this one; where no thread can be started,
/// the two run in turn.
pub(crate) fn alongside<A: Send, B>(
    background: impl Fn() -> A + Sync,
    here: impl FnOnce() -> B,
) -> (A, B) {
    std::thread::scope(|s| {
        let Ok(thread) = std::thread::Builder::new().spawn_scoped(s, &background) else {
            return (background(), here());
        };
        let b = here();
        let a = thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}

/// Items and types (both sides together) from which [`compare_with`]
/// computes the fingerprints on a second thread: below this, starting the
/// thread costs more than it saves.
const PARALLEL_FROM: usize = 2000;

/// Items and types (both sides together) from which the engine also
/// compares the tables on a thread of their own. With three threads on two
/// cores, the gain shows on large descriptors only (a fifth less wall time
/// at 100,000 functions, none at 10,000, where the third thread's allocator
/// arena raised the peak memory by a seventh).
const SPLIT_ENGINE_FROM: usize = 100_000;

/// The findings of [`compare_with`] and the suppressions that matched
/// nothing, without the report's fingerprints. With `parallel`, the engine
/// compares the tables on a second thread (see [`diff::diff`]).
pub(crate) fn judge(
    old: &Descriptor,
    new: &Descriptor,
    config: &Config,
    parallel: bool,
) -> (Vec<Finding>, Vec<UnusedSuppression>) {
    let mut findings = diff::diff(old, new, parallel);
    config.apply_levels(&mut findings);
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
    config.apply_levels(&mut findings);
    let unused = config.apply_suppressions(&mut findings, &new.library.version);
    (findings, unused)
}
