//! Checking a library against what a host expects of it: the check the
//! `abi-loader` crate makes before it loads a library, and that
//! `abi-check check-host` makes in CI without running either side.
//!
//! A host states its expectation as a descriptor: the one it was built
//! against, or one generated from its own declarations, narrowed to the
//! items it uses. [`check_host`] narrows the library's descriptor to the
//! same items, compares the two with the rule engine of [`compare`]
//! (old = what the host expects, new = the library), and refuses the library
//! on every finding that [`refuses`]. Items the host does not use are not
//! looked at: a library may break an unrelated function and still serve
//! this host.
//!
//! Hosts carry expectations in a dedicated section ([`EXPECTATION_SECTION`]
//! on ELF); [`read_expectations`] reads them statically.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use abi_descriptor::{
    BLOB_HEADER_LEN, BlobHeader, DecodeError, Decoded, Descriptor, EncodeError, Entries, Holding,
    ItemKind, ItemRef, Limits, Skimmed, ValidationErrors,
};
use foldhash::HashSet;
use object::read::ReadCache;
use object::{FileKind, Object, ObjectSection};

use crate::read::{LibraryFile, ReadError, read_descriptor};
use crate::report::{Finding, Side};
use crate::rules::{Bump, Level, RuleId};
use crate::verify::{described_problems, expectation_problems, host_problems};

/// The ELF section a host's expectations are placed in.
pub const EXPECTATION_SECTION: &str = ".abi_expectation";
/// The Mach-O section (in segment `__DATA`) a host's expectations are placed in.
pub const EXPECTATION_MACHO_SECTION: &str = "__abi_expect";
/// The PE section a host's expectations are placed in.
pub const EXPECTATION_PE_SECTION: &str = ".abiexp";

/// Whether `finding`, made between what a host expects (old) and a library
/// (new), makes the host refuse the library: a finding at level `deny` whose
/// rule requires a major release. Version numbers play no part (the host
/// checks compatibility, not release hygiene), so the SONAME rules never
/// refuse; nor do additions (minor), metadata changes (none) or rules at
/// `warn` and `allow`, such as a renamed library or an added union member.
///
/// Findings come from [`compare`](crate::compare) at the rules' default
/// levels; which way a type crosses the boundary is decided on the narrowed
/// descriptors, so an enum the host only passes in may gain variants while
/// one the library returns to the host may not (unless it is open).
pub fn refuses(finding: &Finding) -> bool {
    finding.level == Level::Deny
        && finding.bump == Bump::Major
        && !matches!(
            finding.rule,
            RuleId::SonameUnchanged | RuleId::SonameChanged
        )
}

/// The result of checking a library against a host's expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostCheck {
    /// What the host was built against.
    pub expected: Side,
    /// The library.
    pub library: Side,
    /// The items the host expects (and the release functions their pointers
    /// name), in descriptor order; shared with the expectation that made
    /// the check.
    pub items: Arc<[ItemRef]>,
    /// Whether the library's fingerprint of every expected item equals the
    /// host's: then nothing changed for this host and no diff was run.
    pub fingerprints_match: bool,
    /// Every finding among the host's items, refusing or not (none when
    /// the fingerprints match).
    pub findings: Vec<Finding>,
    /// Ways in which the library's descriptor does not describe the file it
    /// was read from (wrong architecture, a described function that is not
    /// exported, no `_abi_descriptor` function); empty when no file was
    /// checked.
    pub file_problems: Vec<String>,
}

impl HostCheck {
    /// Whether the host may use the library: no file problem and no
    /// refusing finding.
    pub fn accepted(&self) -> bool {
        self.file_problems.is_empty() && !self.findings.iter().any(refuses)
    }

    /// The findings that refuse the library.
    pub fn refusals(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| refuses(f))
    }

    /// Why the library is refused, for people: a headline, one line per file
    /// problem and per refusing finding (rule id, where, expected -> found,
    /// and the items it reaches), and what to do. `library` names the file.
    pub fn explain(&self, library: &str) -> String {
        use std::fmt::Write;
        let (e, l) = (&self.expected, &self.library);
        let refusals: Vec<&Finding> = self.refusals().collect();
        let count = self.file_problems.len() + refusals.len();
        let mut out = format!(
            "`{library}` ({} {}): does not provide what this host was built against ({} {}), {count} incompatibilit{}",
            l.name,
            l.version,
            e.name,
            e.version,
            if count == 1 { "y" } else { "ies" }
        );
        for p in &self.file_problems {
            let _ = write!(out, "\n  - {p}");
        }
        if !refusals.is_empty() {
            out.push_str("\n  (rule: where: expected -> found)");
        }
        for f in refusals {
            let _ = write!(out, "\n  - {}: {}: {}", f.rule, f.path, f.detail);
            let reached: Vec<String> = f
                .items
                .iter()
                .filter(|i| i.to_string() != f.path)
                .map(ToString::to_string)
                .collect();
            if !reached.is_empty() {
                let _ = write!(out, " (used by {})", reached.join(", "));
            }
        }
        // Expectations derived from declarations name no version (0.0.0).
        let pin = if e.version == semver::Version::new(0, 0, 0) {
            format!(
                "pin {} to a release that provides what the host declares",
                e.name
            )
        } else {
            format!("pin {} to a release compatible with {}", e.name, e.version)
        };
        if self.file_problems.is_empty() {
            let _ = write!(
                out,
                "\nrebuild the host against {} {}, or {pin}",
                l.name, l.version
            );
        } else {
            let _ = write!(
                out,
                "\nthe library's descriptor does not describe the file: rebuild the library, or {pin}"
            );
        }
        out
    }
}

/// Every item of `d`, in table order: [`Descriptor::items`].
pub fn items_of(d: &Descriptor) -> Vec<ItemRef> {
    d.items()
}

/// Checks `library` against what a host `expected`, for the items of
/// `expected` only. When the library's fingerprint of every one of them
/// equals the host's, the check ends there (nothing the host uses changed);
/// otherwise both descriptors are narrowed to those items and compared,
/// old = `expected`, new = `library`. See [`refuses`] for which findings
/// refuse.
///
/// ```
/// use abi_check::{check_host, RuleId};
/// use abi_descriptor::{Descriptor, ItemRef};
///
/// let v1 = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
/// let v2 = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
///
/// // A host that only formats names does not care that `TileInfo` changed.
/// let host = v1.narrowed(&[ItemRef::function("tile_format_name")]);
/// assert!(check_host(&host, &v2)?.accepted());
///
/// // One that renders tiles does.
/// let host = v1.narrowed(&[ItemRef::function("tile_render")]);
/// let check = check_host(&host, &v2)?;
/// assert!(!check.accepted());
/// assert!(check.refusals().any(|f| f.rule == RuleId::FieldOffsetChanged));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_host(expected: &Descriptor, library: &Descriptor) -> Result<HostCheck, EncodeError> {
    HostExpectation::new(expected)?.check(library)
}

/// [`check_host`] for a library read from a file (`descriptor` is the
/// file's own, from [`LibraryFile::descriptor`]), which also checks that the
/// descriptor describes the file as far as the host is concerned: the checks
/// of [`verify`](crate::verify()) on the narrowed descriptor (the `_abi_descriptor` function,
/// architecture, pointer width, byte order, and that every expected item is
/// exported with the right kind). The SONAME is not checked: like the
/// version, it is a matter of releases, not of what the host can call.
pub fn check_host_file(
    expected: &Descriptor,
    file: &LibraryFile,
    descriptor: &Descriptor,
) -> Result<HostCheck, EncodeError> {
    HostExpectation::new(expected)?.check_file(file, descriptor)
}

/// A host's expectation made ready to check any number of libraries: the
/// expected descriptor narrowed to its items (and the release functions
/// their pointers name) and the canonical encodings of its entries, made
/// once.
/// [`check_host`] and [`check_host_file`] build one per call; a loader that
/// opens libraries repeatedly keeps one.
///
/// ```
/// use abi_check::HostExpectation;
/// use abi_descriptor::{Descriptor, ItemRef};
///
/// let v1 = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
/// let v2 = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
/// let host = HostExpectation::new(&v1.narrowed(&[ItemRef::function("tile_format_name")]))?;
/// assert!(host.check(&v1)?.fingerprints_match);
/// assert!(host.check(&v2)?.accepted());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct HostExpectation {
    descriptor: Arc<Descriptor>,
    items: Arc<[ItemRef]>,
    /// What a library must hold unchanged for every expected item to have
    /// the host's fingerprint.
    entries: Entries,
    side: Side,
}

impl HostExpectation {
    /// Prepares `expected` (a valid descriptor) for checks.
    pub fn new(expected: &Descriptor) -> Result<HostExpectation, EncodeError> {
        let descriptor = expected.narrowed(&items_of(expected));
        // Narrowing may add release functions; they are expected too.
        let items = items_of(&descriptor).into();
        let side = Side::of(&descriptor.library, descriptor.fingerprint()?);
        let entries = Entries::of(&descriptor)?;
        Ok(HostExpectation {
            descriptor: Arc::new(descriptor),
            items,
            entries,
            side,
        })
    }

    /// The expected descriptor, narrowed.
    pub fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    /// The expected descriptor, narrowed, shared: for a library found to
    /// hold it unchanged ([`check_skimmed`](Self::check_skimmed)), it is
    /// what the library says of the host's items.
    pub fn shared_descriptor(&self) -> Arc<Descriptor> {
        Arc::clone(&self.descriptor)
    }

    /// The items the host expects, in descriptor order.
    pub fn items(&self) -> &[ItemRef] {
        &self.items
    }

    /// Checks `library` as [`check_host`] does.
    pub fn check(&self, library: &Descriptor) -> Result<HostCheck, EncodeError> {
        let holding = library.holds(&self.entries)?;
        Ok(self.made(&self.narrowing(library, holding), holding, None))
    }

    /// Checks a library read from a file as [`check_host_file`] does.
    pub fn check_file(
        &self,
        file: &LibraryFile,
        descriptor: &Descriptor,
    ) -> Result<HostCheck, EncodeError> {
        let holding = descriptor.holds(&self.entries)?;
        Ok(self.made(&self.narrowing(descriptor, holding), holding, Some(file)))
    }

    /// [`check_file`](Self::check_file) for the descriptor as the file's
    /// blob decodes ([`LibraryFile::decoded`]): when the blob's body is its
    /// canonical encoding, as in every blob the crates of this project
    /// write, the library's entries are compared where they lie in the body
    /// and its fingerprint is the body's hash; nothing is encoded.
    pub fn check_decoded(
        &self,
        file: &LibraryFile,
        decoded: &Decoded<'_>,
    ) -> Result<HostCheck, EncodeError> {
        let (descriptor, holding) = (decoded.descriptor(), decoded.holds(&self.entries)?);
        Ok(self.made(&self.narrowing(descriptor, holding), holding, Some(file)))
    }

    /// [`check_decoded`](Self::check_decoded), taking the decoded library:
    /// when an item the host uses differs, the library is narrowed to the
    /// host's items by moving them out of it ([`Descriptor::into_narrowed`])
    /// instead of copying them, and the rest is dropped. Returns the check
    /// and what is left of the library's descriptor.
    ///
    /// ```
    /// use abi_check::{HostExpectation, Judged, read_library};
    /// # fn check(path: &std::path::Path, host: &HostExpectation) -> Result<(), Box<dyn std::error::Error>> {
    /// let file = read_library(path)?;
    /// let (check, judged) = host.check_decoded_into(&file, file.decoded()?)?;
    /// match judged {
    ///     // Every item the host uses is unchanged; nothing was compared.
    ///     Judged::Whole(_) => assert!(check.fingerprints_match),
    ///     // What was compared with the expectation.
    ///     Judged::Narrowed(_) => assert!(!check.fingerprints_match),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_decoded_into(
        &self,
        file: &LibraryFile,
        decoded: Decoded<'_>,
    ) -> Result<(HostCheck, Judged), EncodeError> {
        let holding = decoded.holds(&self.entries)?;
        let library = decoded.into_descriptor();
        if holding.unchanged {
            let check = self.made(&library, holding, Some(file));
            return Ok((check, Judged::Whole(library)));
        }
        let narrowed = library.into_narrowed(&self.items);
        let check = self.made(&narrowed, holding, Some(file));
        Ok((check, Judged::Narrowed(narrowed)))
    }

    /// [`check_file`](Self::check_file) for a library whose blob was only
    /// skimmed ([`LibraryFile::skimmed`]), when that is enough: when the
    /// body holds every entry of the expectation unchanged, the check
    /// [`check_decoded`](Self::check_decoded) would make, without decoding
    /// the library (every fingerprint matches, so nothing is compared, and
    /// the exports of the host's items are looked up as the expectation
    /// describes them, as the library does). The library's fingerprint
    /// reported is then the body's hash ([`Skimmed::body_hash`]). `None`
    /// when the body does not hold them: only a check of the decoded
    /// library says what changed.
    pub fn check_skimmed(&self, file: &LibraryFile, skimmed: &Skimmed<'_>) -> Option<HostCheck> {
        skimmed
            .holds(&self.entries)
            .then(|| self.held(file, skimmed))
    }

    /// The check of a library whose `skimmed` body holds every entry of
    /// the expectation.
    fn held(&self, file: &LibraryFile, skimmed: &Skimmed<'_>) -> HostCheck {
        HostCheck {
            expected: self.side.clone(),
            library: Side::of(skimmed.library(), skimmed.body_hash()),
            items: Arc::clone(&self.items),
            fingerprints_match: true,
            findings: Vec::new(),
            file_problems: expectation_problems(file, &self.descriptor),
        }
    }

    /// The findings between the expectation narrowed to some items,
    /// `expected`, and the library narrowed to the same, refusing or not,
    /// in report order.
    fn findings(&self, expected: &Descriptor, library: &Descriptor) -> Vec<Finding> {
        let config = crate::Config::default();
        let (mut findings, _) = crate::judge(expected, library, &config, false);
        crate::report::order(&mut findings);
        findings
    }

    /// [`check_skimmed`](Self::check_skimmed) when the body holds every
    /// entry of the expectation, and otherwise a check that decodes and
    /// compares only the items that differ: those whose fingerprint the
    /// library may not give them ([`Skimmed::differing`]). The library is
    /// decoded narrowed to them, without the rest of its body
    /// ([`LibraryFile::decode_narrowed`]), and validated; the expectation
    /// is narrowed to them too, and the two are compared. The other items
    /// have the host's fingerprints: the library holds them, and what they
    /// reach, as the host expects, and comparing them would find nothing.
    ///
    /// Returns the check, with the library's descriptor narrowed to the
    /// items compared (`None` when none is). Its findings and file
    /// problems are those [`check_decoded`](Self::check_decoded) finds in
    /// the library decoded in full, when that decodes and validates; an
    /// entry no differing item reaches is not decoded, and may not decode.
    ///
    /// ```
    /// use abi_check::{HostExpectation, read_library};
    /// # fn check(path: &std::path::Path, host: &HostExpectation) -> Result<(), Box<dyn std::error::Error>> {
    /// let file = read_library(path)?;
    /// if let Some(skimmed) = file.skimmed()? {
    ///     let (check, compared) = host.check_skimmed_into(&file, &skimmed)?;
    ///     // Nothing was compared exactly when every fingerprint matches.
    ///     assert_eq!(compared.is_none(), check.fingerprints_match);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_skimmed_into(
        &self,
        file: &LibraryFile,
        skimmed: &Skimmed<'_>,
    ) -> Result<(HostCheck, Option<Descriptor>), ReadError> {
        let differing = skimmed.differing(&self.entries);
        if differing.is_empty() {
            return Ok((self.held(file, skimmed), None));
        }
        let (compared, expected, library) = self.compared(file, skimmed, differing)?;
        let findings = self.findings(&expected, &library);
        let functions = described(
            ItemKind::Function,
            &compared,
            self.descriptor.functions.iter().map(|f| f.symbol.as_str()),
            library.functions.iter().map(|f| f.symbol.as_str()),
        );
        let variables = described(
            ItemKind::Variable,
            &compared,
            self.descriptor.variables.iter().map(|v| v.symbol.as_str()),
            library.variables.iter().map(|v| v.symbol.as_str()),
        );
        let file_problems = described_problems(file, &library.target, functions, variables);
        let check = HostCheck {
            expected: self.side.clone(),
            library: Side::of(skimmed.library(), skimmed.body_hash()),
            items: Arc::clone(&self.items),
            fingerprints_match: false,
            findings,
            file_problems,
        };
        Ok((check, Some(library)))
    }

    /// The items compared in a library whose `skimmed` body does not give
    /// the items `differing` the host's fingerprints, with the expectation
    /// and the library narrowed to them. Those are the items that differ,
    /// and the host's items that either narrowing brings in with them (the
    /// functions that release what they return), until neither brings in
    /// more: both narrowings then hold the same host items, as they would
    /// narrowed to all of them.
    fn compared<'e>(
        &'e self,
        file: &LibraryFile,
        skimmed: &Skimmed<'_>,
        mut items: Vec<ItemRef>,
    ) -> Result<(Vec<ItemRef>, Cow<'e, Descriptor>, Descriptor), ReadError> {
        let mut hosts: Option<HashSet<&ItemRef>> = None;
        loop {
            let library = file.decode_narrowed(skimmed, &items)?;
            // Every item: the expectation (narrowed to its items) is its
            // own narrowing, and no other item can come in.
            if items.len() == self.items.len() {
                return Ok((items, Cow::Borrowed(&*self.descriptor), library));
            }
            let expected = self.descriptor.narrowed(&items);
            let have: HashSet<&ItemRef> = items.iter().collect();
            let mut more: Vec<ItemRef> = (expected.items().into_iter())
                .chain(library.items())
                .filter(|item| !have.contains(item))
                .collect();
            // Most narrowings bring in nothing: the host's items are looked
            // for only among what they do bring in.
            if !more.is_empty() {
                let hosts = hosts.get_or_insert_with(|| self.items.iter().collect());
                more.retain(|item| hosts.contains(item));
            }
            if more.is_empty() {
                return Ok((items, Cow::Owned(expected), library));
            }
            more.sort_unstable();
            more.dedup();
            items.extend(more);
        }
    }

    /// What of `library` is compared with the expectation: nothing, when
    /// `holding` (what searching it for the expectation's entries found)
    /// says every item has the host's fingerprint, and `library` is given
    /// back whole; otherwise `library` narrowed to the host's items.
    fn narrowing<'l>(&self, library: &'l Descriptor, holding: Holding) -> Cow<'l, Descriptor> {
        // The expectation is narrowed to its items, so the library holding
        // its entries unchanged is every item having the host's
        // fingerprint; comparing encodings spares hashing them.
        match holding.unchanged {
            true => Cow::Borrowed(library),
            false => library.narrow(&self.items),
        }
    }

    /// The check of `library`, whose search for the expectation's entries
    /// found `holding`: when an item differs, `library` is the library
    /// narrowed to the host's items ([`narrowing`](Self::narrowing)), and
    /// is compared with the expectation; otherwise it is whole, and
    /// nothing is compared. With the problems of the library's `file`, if
    /// one was read.
    fn made(
        &self,
        library: &Descriptor,
        holding: Holding,
        file: Option<&LibraryFile>,
    ) -> HostCheck {
        let findings = match holding.unchanged {
            true => Vec::new(),
            false => self.findings(&self.descriptor, library),
        };
        let file_problems = match file {
            None => Vec::new(),
            // With every fingerprint equal, the library reaches exactly
            // what the host does: the host's items.
            Some(file) if holding.unchanged => host_problems(file, library, &self.items),
            // The narrowing holds the host's items and the release
            // functions they reach: the items whose exports matter.
            Some(file) => expectation_problems(file, library),
        };
        HostCheck {
            expected: self.side.clone(),
            library: Side::of(&library.library, holding.fingerprint),
            items: Arc::clone(&self.items),
            fingerprints_match: holding.unchanged,
            findings,
            file_problems,
        }
    }
}

/// The symbols of the host's items of `kind` as a library narrowed to the
/// items `compared` describes them: those items as that narrowing does
/// (`library`), the others as the expectation does (`expected`), as the
/// library holds them unchanged. In the library's table order, as a
/// narrowing of the whole library would list them.
fn described<'s>(
    kind: ItemKind,
    compared: &[ItemRef],
    expected: impl Iterator<Item = &'s str>,
    library: impl Iterator<Item = &'s str>,
) -> Vec<&'s str> {
    let compared: HashSet<&str> = (compared.iter())
        .filter(|i| i.kind == kind)
        .map(|i| i.name.as_str())
        .collect();
    let unchanged = expected.filter(|symbol| !compared.contains(*symbol));
    sorted_union(unchanged.collect(), library.collect())
}

/// The names of `a` and of `b`, sorted, each once. Tables in canonical
/// order are sorted already, and are merged without sorting them again.
fn sorted_union<'s>(mut a: Vec<&'s str>, mut b: Vec<&'s str>) -> Vec<&'s str> {
    for names in [&mut a, &mut b] {
        if !names.is_sorted() {
            names.sort_unstable();
        }
    }
    let mut union = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y < x => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        };
        let Some(name) = next else {
            break;
        };
        if union.last() != Some(&name) {
            union.push(name);
        }
    }
    union
}

/// What a host check that took a library's descriptor
/// ([`HostExpectation::check_decoded_into`]) gives back of it.
#[derive(Clone, Debug, PartialEq)]
pub enum Judged {
    /// The whole descriptor: every item the host uses is unchanged, and
    /// nothing was compared.
    Whole(Descriptor),
    /// The descriptor narrowed to the host's items and what they reach: an
    /// item differs, and this is what was compared with the expectation.
    Narrowed(Descriptor),
}

/// A host's expectations could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectationError {
    /// The file is not a binary, and not a readable descriptor file either.
    #[error(transparent)]
    Descriptor(#[from] ReadError),
    /// The file could not be opened or read.
    #[error("cannot read `{path}`")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is a binary whose headers cannot be parsed.
    #[error("`{path}` is not a readable executable or library")]
    Object {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: object::Error,
    },
    /// The binary has no expectation section, or an empty one.
    #[error(
        "`{path}` embeds no expectation: no `{section}` section (declare the host's expectation with `#[abi_describe::expectation]`, or pass the descriptor it was built against)"
    )]
    NoExpectation {
        /// The file.
        path: PathBuf,
        /// The section looked for.
        section: &'static str,
    },
    /// An expectation in the section does not decode.
    #[error(
        "`{path}`: expectation {index} in section `{section}` (at offset {offset:#x}) is not readable"
    )]
    Decode {
        /// The file.
        path: PathBuf,
        /// The section.
        section: &'static str,
        /// Which expectation (from 0).
        index: usize,
        /// Its offset in the section.
        offset: usize,
        /// The cause.
        #[source]
        source: Box<DecodeError>,
    },
    /// An expectation decodes but is not a valid descriptor.
    #[error("`{path}`: expectation {index} in section `{section}` is not a valid descriptor")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The section.
        section: &'static str,
        /// Which expectation (from 0).
        index: usize,
        /// Every problem.
        #[source]
        source: ValidationErrors,
    },
}

/// Reads what the host `path` expects of the libraries it loads, without
/// running it: every blob in its expectation section ([`EXPECTATION_SECTION`]
/// on ELF, `__DATA,`[`EXPECTATION_MACHO_SECTION`] on Mach-O,
/// [`EXPECTATION_PE_SECTION`] on PE), one per library the host declares.
/// The section holds blobs back to back; zero bytes between them (padding)
/// are skipped. A file that is not a binary is read as a descriptor file
/// (blob, CBOR or JSON): the descriptor a host was built against.
pub fn read_expectations(path: &Path) -> Result<Vec<Descriptor>, ExpectationError> {
    let io = |source| ExpectationError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let cache = ReadCache::new(file);
    let section_name = match FileKind::parse(&cache) {
        Ok(FileKind::Elf32 | FileKind::Elf64) => EXPECTATION_SECTION,
        Ok(FileKind::MachO32 | FileKind::MachO64) => EXPECTATION_MACHO_SECTION,
        Ok(FileKind::Pe32 | FileKind::Pe64) => EXPECTATION_PE_SECTION,
        _ => return Ok(vec![read_descriptor(path)?]),
    };
    let obj = object::File::parse(&cache).map_err(|source| ExpectationError::Object {
        path: path.to_owned(),
        source,
    })?;
    let none = || ExpectationError::NoExpectation {
        path: path.to_owned(),
        section: section_name,
    };
    let section = obj.section_by_name(section_name).ok_or_else(none)?;
    let data = section.data().map_err(|source| ExpectationError::Object {
        path: path.to_owned(),
        source,
    })?;
    let out = split_blobs(data).map_err(|(index, offset, source)| ExpectationError::Decode {
        path: path.to_owned(),
        section: section_name,
        index,
        offset,
        source: Box::new(source),
    })?;
    if out.is_empty() {
        return Err(none());
    }
    for (index, d) in out.iter().enumerate() {
        d.validate().map_err(|source| ExpectationError::Invalid {
            path: path.to_owned(),
            section: section_name,
            index,
            source,
        })?;
    }
    Ok(out)
}

/// Decodes the blobs laid back to back in `data`, skipping zero bytes
/// between them; an error says which blob, at which offset.
fn split_blobs(data: &[u8]) -> Result<Vec<Descriptor>, (usize, usize, DecodeError)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        if data[at] == 0 {
            at += 1;
            continue;
        }
        let index = out.len();
        let rest = &data[at..];
        let header = BlobHeader::parse(rest).map_err(|e| (index, at, e))?;
        let len = header.total_len();
        if header.body_len as usize > Limits::DEFAULT.max_bytes {
            return Err((
                index,
                at,
                DecodeError::TooLarge {
                    size: header.body_len as usize,
                    limit: Limits::DEFAULT.max_bytes,
                },
            ));
        }
        let Some(blob) = usize::try_from(len).ok().and_then(|n| rest.get(..n)) else {
            return Err((
                index,
                at,
                DecodeError::Truncated {
                    needed: len,
                    available: rest.len(),
                },
            ));
        };
        out.push(Descriptor::from_blob(blob).map_err(|e| (index, at, e))?);
        at += blob.len().max(BLOB_HEADER_LEN);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn v1() -> Descriptor {
        Descriptor::from_json(include_str!("../../examples/libtile/v1.json")).unwrap()
    }

    fn v2() -> Descriptor {
        Descriptor::from_json(include_str!("../../examples/libtile/v2.json")).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn a_sorted_union_is_the_names_sorted_once(
            a in proptest::collection::vec("[a-d]{0,3}", 0..12),
            b in proptest::collection::vec("[a-d]{0,3}", 0..12),
            sort_a: bool,
            sort_b: bool,
        ) {
            let (mut a, mut b): (Vec<&str>, Vec<&str>) =
                (a.iter().map(|s| s.as_str()).collect(), b.iter().map(|s| s.as_str()).collect());
            // Sorted inputs take the merge alone; others are sorted first.
            if sort_a {
                a.sort_unstable();
            }
            if sort_b {
                b.sort_unstable();
            }
            let mut expected: Vec<&str> = a.iter().chain(&b).copied().collect();
            expected.sort_unstable();
            expected.dedup();
            proptest::prop_assert_eq!(sorted_union(a, b), expected);
        }
    }

    #[test]
    fn the_same_library_takes_the_fast_path() {
        let check = check_host(&v1(), &v1()).unwrap();
        assert!(check.fingerprints_match);
        assert!(check.findings.is_empty());
        assert!(check.accepted());
        assert_eq!(check.items.len(), items_of(&v1()).len());
    }

    #[test]
    fn additions_are_accepted_after_a_diff() {
        let host = v1().narrowed(&[ItemRef::function("tile_format_name")]);
        let mut lib = v1();
        lib.library.version = semver::Version::new(1, 5, 0);
        let mut added = lib.functions[0].clone();
        added.symbol = "tile_new_thing".into();
        lib.functions.push(added);
        // An exhaustive enum the host only passes in gains a variant.
        let format = lib.types.iter_mut().find(|t| t.id == "TileFormat").unwrap();
        let abi_descriptor::TypeKind::Enum(e) = &mut format.kind else {
            panic!("TileFormat is an enum")
        };
        let mut avif = e.variants[0].clone();
        avif.name = "TILE_FORMAT_AVIF".into();
        avif.value = 2.into();
        e.variants.push(avif);
        let check = check_host(&host, &lib).unwrap();
        assert!(!check.fingerprints_match);
        assert!(
            check
                .findings
                .iter()
                .any(|f| f.rule == RuleId::EnumVariantAdded),
            "{:?}",
            check.findings
        );
        assert!(check.accepted(), "{}", check.explain("libtile.so"));
        // The new function is not among the host's items.
        assert!(
            !check
                .findings
                .iter()
                .any(|f| f.rule == RuleId::FunctionAdded)
        );
    }

    /// A 64-bit x86 ELF file that exports `d`'s functions and variables but
    /// `missing`, with another SONAME than `d` gives.
    fn file_of(d: &Descriptor, missing: &[&str]) -> LibraryFile {
        use crate::exports::{Export, ExportKind};
        use crate::read::Location;
        let export = |name, kind| Export { name, kind };
        let exports = d
            .functions
            .iter()
            .map(|f| export(f.symbol.as_str(), ExportKind::Function))
            .chain(
                d.variables
                    .iter()
                    .map(|v| export(v.symbol.as_str(), ExportKind::Data)),
            )
            .filter(|e| !missing.contains(&e.name))
            .chain([export("_abi_descriptor", ExportKind::Function)])
            .collect();
        LibraryFile {
            path: PathBuf::from("libtile.so"),
            format: crate::BinaryFormat::Elf,
            architecture: "X86_64".into(),
            pointer_width: 64,
            little_endian: true,
            soname: Some("libtile.so.9".into()),
            exports,
            blob: Vec::new(),
            location: Location::Section {
                name: ".abi_descriptor",
                address: 0,
            },
        }
    }

    #[test]
    fn the_file_is_checked_for_the_hosts_items_only() {
        let lib = v1();
        let host =
            HostExpectation::new(&lib.narrowed(&[ItemRef::function("tile_render")])).unwrap();
        // What the host does not use is not looked for, and the SONAME is
        // a matter of releases.
        let file = file_of(&lib, &["tile_query", "tile_version_string"]);
        let check = host.check_file(&file, &lib).unwrap();
        assert!(check.file_problems.is_empty(), "{:?}", check.file_problems);
        assert!(check.accepted());
        let whole = crate::verify(&file, &lib).problems;
        assert_eq!(whole.len(), 3, "{whole:?}");
        assert!(whole.iter().any(|p| p.contains("SONAME")), "{whole:?}");

        // The function that frees what the host's function hands out is
        // used too; the file's pointer width always matters.
        let mut file = file_of(&lib, &["tile_bytes_free"]);
        let check = host.check_file(&file, &lib).unwrap();
        assert_eq!(
            check.file_problems,
            ["function `tile_bytes_free` is described but not exported"]
        );
        assert!(!check.accepted());
        file.pointer_width = 32;
        let check = host.check_file(&file, &lib).unwrap();
        assert_eq!(check.file_problems.len(), 2, "{:?}", check.file_problems);
        assert!(check.file_problems[0].contains("32-bit"));
    }

    /// Checking the blob as it decodes, compared where its entries lie in
    /// its body, reports what checking the decoded descriptor does; and
    /// checking it skimmed reports the same whenever the fingerprints
    /// match, and declines otherwise: for hosts of each function and of
    /// everything, against both releases, with every export and without
    /// one of them.
    #[test]
    fn the_decoded_blob_is_checked_as_its_descriptor() {
        let (v1, v2) = (v1(), v2());
        let mut hosts = vec![v1.clone(), v2.clone()];
        hosts.extend(
            v1.functions
                .iter()
                .map(|f| v1.narrowed(&[ItemRef::function(&f.symbol)])),
        );
        let mut skimmed_checks = 0;
        for lib in [&v1, &v2] {
            for missing in [&[][..], &["tile_render"]] {
                let mut file = file_of(lib, missing);
                file.blob = lib.to_blob().unwrap();
                let decoded = file.decoded().unwrap();
                assert!(decoded.canonical_body().is_some());
                let skimmed = file.skimmed().unwrap().unwrap();
                for host in &hosts {
                    let host = HostExpectation::new(host).unwrap();
                    let check = host.check_decoded(&file, &decoded).unwrap();
                    assert_eq!(check, host.check_file(&file, lib).unwrap());
                    match host.check_skimmed(&file, &skimmed) {
                        Some(skimmed) => {
                            assert!(check.fingerprints_match);
                            assert_eq!(skimmed, check);
                            skimmed_checks += 1;
                        }
                        None => assert!(!check.fingerprints_match),
                    }
                }
            }
        }
        assert!(skimmed_checks > hosts.len(), "{skimmed_checks}");
    }

    #[test]
    fn a_missing_function_is_refused_and_explained() {
        let mut lib = v1();
        lib.functions.retain(|f| f.symbol != "tile_cache_close");
        let check = check_host(&v1(), &lib).unwrap();
        assert!(!check.accepted());
        let refusals: Vec<_> = check.refusals().collect();
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert_eq!(refusals[0].rule, RuleId::FunctionRemoved);
        let text = check.explain("libtile.so");
        assert!(
            text.contains("function_removed: function `tile_cache_close`: removed"),
            "{text}"
        );
        assert!(
            text.contains("rebuild the host against tile 1.4.0, or pin tile"),
            "{text}"
        );
        // An expectation that names no version (declarations) says so.
        let mut declared = v1();
        declared.library.version = semver::Version::new(0, 0, 0);
        let text = check_host(&declared, &lib).unwrap().explain("libtile.so");
        assert!(
            text.ends_with("or pin tile to a release that provides what the host declares"),
            "{text}"
        );
    }

    #[test]
    fn only_the_hosts_items_are_judged() {
        let host = v1().narrowed(&[ItemRef::function("tile_render")]);
        let check = check_host(&host, &v2()).unwrap();
        assert!(!check.accepted());
        for f in check.refusals() {
            assert!(
                f.items.is_empty() || f.items.iter().any(|i| check.items.contains(i)),
                "{f:?} reaches none of the host's items"
            );
        }
    }

    #[test]
    fn soname_and_version_rules_never_refuse() {
        for rule in [RuleId::SonameUnchanged, RuleId::SonameChanged] {
            let f = Finding::new(rule, "library".into(), String::new(), Vec::new());
            assert!(!refuses(&f));
        }
        let f = Finding::new(
            RuleId::FunctionRemoved,
            "function `f`".into(),
            "removed".into(),
            Vec::new(),
        );
        assert!(refuses(&f));
        let f = Finding::new(
            RuleId::FunctionAdded,
            "function `f`".into(),
            "added".into(),
            Vec::new(),
        );
        assert!(!refuses(&f));
    }

    #[test]
    fn blobs_back_to_back_with_padding() {
        let a = v1().narrowed(&[ItemRef::function("tile_format_name")]);
        let b = v2();
        let mut data = a.to_blob().unwrap();
        data.extend([0, 0, 0]);
        data.extend(b.to_blob().unwrap());
        data.extend([0; 5]);
        let got = split_blobs(&data).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].functions.len(), 1);
        assert_eq!(got[1].library.version, b.library.version);

        let mut bad = a.to_blob().unwrap();
        bad.extend(b"garbage!");
        let (index, offset, _) = split_blobs(&bad).unwrap_err();
        assert_eq!((index, offset), (1, a.to_blob().unwrap().len()));
    }
}
