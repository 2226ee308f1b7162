//! Reading descriptors from files: the one reader the CLI and the loader share.
//!
//! A file is either a descriptor file (a blob, bare CBOR or JSON, told apart
//! by content) or a shared library (ELF, Mach-O or PE, for any architecture),
//! from which the embedded blob is read statically, as
//! `docs/symbol-contract.md` specifies: the exported data symbol
//! [`BLOB_SYMBOL`] first (dynamic symbol table, then the full symbol table),
//! then the dedicated section. Nothing in the library is executed.
//!
//! Libraries are mapped into memory, not read: only the pages of the
//! headers, symbol tables and blob are touched, so a large library costs
//! memory for those, not for its code. Like the dynamic loader, the reader
//! needs a library not to be truncated while it reads it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use abi_descriptor::{
    BLOB_HEADER_LEN, BLOB_MAGIC, BlobHeader, DecodeError, Decoded, Descriptor, EncodeError,
    ItemRef, Limits, Skimmed, ValidationErrors,
};
use object::read::ReadCache;
use object::{
    FileKind, Object, ObjectSection, ObjectSymbol, SectionIndex, SectionKind, SymbolKind,
};

use crate::exports::{Export, ExportKind, Exports};

/// The exported function every library provides: `const uint8_t *_abi_descriptor(void)`.
pub const DESCRIPTOR_FUNCTION: &str = "_abi_descriptor";
/// The exported data symbol holding the blob.
pub const BLOB_SYMBOL: &str = "_abi_descriptor_blob";
/// The section holding the blob in ELF files.
pub const ELF_SECTION: &str = ".abi_descriptor";
/// The section (in segment `__TEXT`) holding the blob in Mach-O files.
pub const MACHO_SECTION: &str = "__abi_descriptor";
/// The section holding the blob in PE files.
pub const PE_SECTION: &str = ".abidesc";

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
    /// The file looks like a binary but its headers cannot be parsed.
    #[error("`{path}` is not a readable {format} file")]
    Object {
        /// The file.
        path: PathBuf,
        /// The format its first bytes announce.
        format: &'static str,
        /// The cause.
        #[source]
        source: object::Error,
    },
    /// The file is a binary of a kind that cannot carry one descriptor.
    #[error("`{path}` is {what}; {hint}")]
    UnsupportedBinary {
        /// The file.
        path: PathBuf,
        /// What it is.
        what: String,
        /// What to do instead.
        hint: &'static str,
    },
    /// The library carries no descriptor at all.
    #[error(
        "`{path}` has no embedded descriptor: no `{BLOB_SYMBOL}` symbol and no `{section}` section (build it with `abi-check embed` or the `abi-describe` crate)"
    )]
    NoDescriptor {
        /// The file.
        path: PathBuf,
        /// The section that was looked for.
        section: &'static str,
        /// Whether the library exports `_abi_descriptor` nevertheless.
        has_function: bool,
    },
    /// A symbol or section names the blob, but the bytes are not in the file.
    #[error("`{path}`: the descriptor {location} {problem}")]
    BadEmbedding {
        /// The file.
        path: PathBuf,
        /// Where the blob was looked for.
        location: Box<Location>,
        /// What is wrong.
        problem: String,
    },
    /// The embedded blob does not decode.
    #[error("`{path}`: the descriptor {location} is not readable")]
    Embedded {
        /// The file.
        path: PathBuf,
        /// Where the blob was found.
        location: Box<Location>,
        /// The cause.
        #[source]
        source: DecodeError,
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
    /// The descriptor cannot be re-encoded as a blob.
    #[error("`{path}` cannot be encoded as a blob")]
    Encode {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: EncodeError,
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

/// The forms a descriptor can be read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileForm {
    /// A blob: header and canonical CBOR (`.abi`).
    Blob,
    /// Bare CBOR.
    Cbor,
    /// The JSON form.
    Json,
    /// Embedded in a shared library.
    Library,
}

/// Where in a library the blob was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// At an exported symbol of the dynamic symbol table (ELF) or export
    /// table (Mach-O, PE).
    DynamicSymbol {
        /// The symbol's name as the file spells it (Mach-O adds `_`).
        name: String,
        /// Its address.
        address: u64,
    },
    /// At a symbol of the full (static) symbol table.
    Symbol {
        /// The symbol's name as the file spells it.
        name: String,
        /// Its address.
        address: u64,
    },
    /// At the start of the dedicated section.
    Section {
        /// The section's name.
        name: &'static str,
        /// Its address.
        address: u64,
    },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DynamicSymbol { name, address } => {
                write!(f, "at exported symbol `{name}` (0x{address:x})")
            }
            Self::Symbol { name, address } => write!(f, "at symbol `{name}` (0x{address:x})"),
            Self::Section { name, address } => write!(f, "in section `{name}` (0x{address:x})"),
        }
    }
}

/// The object file formats a library can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryFormat {
    /// ELF (Linux, the BSDs, ...).
    Elf,
    /// Mach-O (macOS, iOS).
    MachO,
    /// PE/COFF (Windows).
    Pe,
}

impl BinaryFormat {
    /// The format's usual name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Elf => "ELF",
            Self::MachO => "Mach-O",
            Self::Pe => "PE",
        }
    }

    /// The name of the section that holds the blob in this format.
    pub const fn section(self) -> &'static str {
        match self {
            Self::Elf => ELF_SECTION,
            Self::MachO => MACHO_SECTION,
            Self::Pe => PE_SECTION,
        }
    }
}

/// What a static read of a shared library found: its format, its exports
/// and the embedded descriptor blob (not yet decoded).
#[derive(Debug)]
pub struct LibraryFile {
    /// The file.
    pub path: PathBuf,
    /// Object file format.
    pub format: BinaryFormat,
    /// Architecture, as the `object` crate names it (`X86_64`, `Aarch64`, ...).
    pub architecture: String,
    /// Pointer width in bits.
    pub pointer_width: u16,
    /// Whether the file is little-endian.
    pub little_endian: bool,
    /// The shared object name the file records (ELF `DT_SONAME`), if any.
    pub soname: Option<String>,
    /// Every exported symbol.
    pub exports: Exports,
    /// The embedded blob, exactly as the file holds it: header and body.
    pub blob: Vec<u8>,
    /// Where the blob was found.
    pub location: Location,
}

impl LibraryFile {
    /// Decodes and validates the embedded descriptor.
    pub fn descriptor(&self) -> Result<Descriptor, ReadError> {
        self.decoded().map(Decoded::into_descriptor)
    }

    /// Decodes and validates the embedded descriptor, keeping the blob's
    /// body when it is the descriptor's canonical encoding (see
    /// [`Decoded`]).
    pub fn decoded(&self) -> Result<Decoded<'_>, ReadError> {
        decode_library_blob(&self.path, &self.location, &self.blob)
    }

    /// [`decoded`](Self::decoded) for a blob already
    /// [`skimmed`](Self::skimmed), whose hash was checked then.
    pub fn decode_skimmed<'b>(&self, skimmed: &Skimmed<'b>) -> Result<Decoded<'b>, ReadError> {
        embedded_validated(&self.path, &self.location, skimmed.decode())
    }

    /// The descriptor of a blob already [`skimmed`](Self::skimmed),
    /// narrowed to `items`, decoding only what they reach
    /// ([`Skimmed::decode_narrowed`]), then validated: the rest of the blob
    /// is neither decoded nor validated. The errors are those of
    /// [`decoded`](Self::decoded), for the whole blob when an entry the
    /// items reach does not decode, and for the narrowing when it does not
    /// validate.
    pub fn decode_narrowed(
        &self,
        skimmed: &Skimmed<'_>,
        items: &[ItemRef],
    ) -> Result<Descriptor, ReadError> {
        let narrowed = skimmed
            .decode_narrowed(items)
            .map_err(|source| embedded(&self.path, &self.location, source))?;
        invalid(&self.path, narrowed.validate())?;
        Ok(narrowed)
    }

    /// The embedded blob's header, length and hash checked, and its body
    /// located but not decoded (see [`Skimmed`]); `None` when only decoding
    /// the body says what it holds. The errors are those of
    /// [`decoded`](Self::decoded) for the header.
    pub fn skimmed(&self) -> Result<Option<Skimmed<'_>>, ReadError> {
        Descriptor::skim_blob(&self.blob)
            .map_err(|source| embedded(&self.path, &self.location, source))
    }

    /// The export named `name` (a C name), if the library exports it.
    pub fn export(&self, name: &str) -> Option<Export<'_>> {
        self.exports.get(name)
    }
}

/// Reads, decodes and validates the descriptor in `path`: a shared library
/// or a descriptor file (blob, bare CBOR or JSON), told apart by content,
/// not by extension.
pub fn read_descriptor(path: &Path) -> Result<Descriptor, ReadError> {
    read_source(path).map(|(d, _, _)| d)
}

/// Like [`read_descriptor`], and also returns the form it was read from and
/// the blob: the exact bytes embedded in a library or held in a `.abi`
/// file, or the canonical blob for bare CBOR and JSON.
pub fn read_source(path: &Path) -> Result<(Descriptor, FileForm, Vec<u8>), ReadError> {
    let (descriptor, form, blob) = read_unvalidated(path)?;
    validated(path, descriptor).map(|d| (d, form, blob))
}

/// Reads the descriptors of `old` and `new` as two calls of
/// [`read_descriptor`] do, with the same results and errors, the two on two
/// threads: each file is read, decoded and validated on its own.
pub fn read_descriptor_pair(
    old: &Path,
    new: &Path,
) -> (Result<Descriptor, ReadError>, Result<Descriptor, ReadError>) {
    crate::alongside(|| read_descriptor(old), || read_descriptor(new))
}

/// `descriptor`, read from `path`, if it is valid.
fn validated(path: &Path, descriptor: Descriptor) -> Result<Descriptor, ReadError> {
    invalid(path, descriptor.validate()).map(|()| descriptor)
}

/// The error for a descriptor read from `path` that failed validation.
fn invalid(path: &Path, checked: Result<(), ValidationErrors>) -> Result<(), ReadError> {
    checked.map_err(|source| ReadError::Invalid {
        path: path.to_owned(),
        source,
    })
}

/// [`read_source`] without the validation.
fn read_unvalidated(path: &Path) -> Result<(Descriptor, FileForm, Vec<u8>), ReadError> {
    Ok(match open(path)? {
        Opened::Library(lib) => {
            let descriptor = decode_embedded(&lib.path, &lib.blob, &lib.location)?;
            (descriptor, FileForm::Library, lib.blob)
        }
        Opened::Bytes(bytes) => {
            let (descriptor, form) = decode(path, &bytes)?;
            let blob = match form {
                FileForm::Blob => bytes,
                _ => descriptor.to_blob().map_err(|source| ReadError::Encode {
                    path: path.to_owned(),
                    source,
                })?,
            };
            (descriptor, form, blob)
        }
    })
}

/// Reads the blob of `path`: the exact bytes embedded in a library or held
/// in a `.abi` file, or the canonical blob of a CBOR or JSON descriptor.
pub fn read_blob(path: &Path) -> Result<Vec<u8>, ReadError> {
    read_source(path).map(|(_, _, blob)| blob)
}

/// Reads a shared library statically: its format, exports and embedded
/// blob. Fails when `path` is not a shared library or executable, or
/// carries no blob; the blob is not decoded (see [`LibraryFile::descriptor`]).
pub fn read_library(path: &Path) -> Result<LibraryFile, ReadError> {
    match open(path)? {
        Opened::Library(lib) => Ok(*lib),
        Opened::Bytes(_) => Err(ReadError::UnsupportedBinary {
            path: path.to_owned(),
            what: "not a shared library (no ELF, Mach-O or PE header)".into(),
            hint: "pass a `.so`, `.dylib` or `.dll`",
        }),
    }
}

/// Decodes descriptor bytes read from `path` (used in error messages), and
/// says which form they were in. Does not validate. Binaries are refused:
/// read them with [`read_descriptor`] or [`read_library`].
pub fn decode(path: &Path, bytes: &[u8]) -> Result<(Descriptor, FileForm), ReadError> {
    if let Some(format) = binary_format(bytes) {
        return Err(ReadError::UnsupportedBinary {
            path: path.to_owned(),
            what: format!("a binary ({format})"),
            hint: "read it from the file with `read_descriptor`",
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

fn decode_embedded(path: &Path, blob: &[u8], location: &Location) -> Result<Descriptor, ReadError> {
    Descriptor::from_blob(blob).map_err(|source| embedded(path, location, source))
}

/// Decodes and validates `blob`, the blob [`read_library`] found in the
/// library `path` at `location`, as [`LibraryFile::decoded`] does: for a
/// blob kept from a [`LibraryFile`] to be decoded later.
pub fn decode_library_blob<'b>(
    path: &Path,
    location: &Location,
    blob: &'b [u8],
) -> Result<Decoded<'b>, ReadError> {
    embedded_validated(path, location, Descriptor::decode_blob(blob))
}

/// What decoding the blob found in `path` at `location` gave, validated,
/// with the errors of [`LibraryFile::decoded`].
fn embedded_validated<'b>(
    path: &Path,
    location: &Location,
    decoded: Result<Decoded<'b>, DecodeError>,
) -> Result<Decoded<'b>, ReadError> {
    let decoded = decoded.map_err(|source| embedded(path, location, source))?;
    invalid(path, decoded.descriptor().validate())?;
    Ok(decoded)
}

/// The error for a blob embedded in `path` at `location` that does not decode.
fn embedded(path: &Path, location: &Location, source: DecodeError) -> ReadError {
    ReadError::Embedded {
        path: path.to_owned(),
        location: Box::new(location.clone()),
        source,
    }
}

enum Opened {
    Library(Box<LibraryFile>),
    Bytes(Vec<u8>),
}

fn open(path: &Path) -> Result<Opened, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut magic = [0u8; 4];
    let mut seen = 0;
    while seen < magic.len() {
        match file.read(&mut magic[seen..]).map_err(io)? {
            0 => break,
            n => seen += n,
        }
    }
    match binary_format(&magic[..seen]) {
        Some(format) => {
            // Reopen so the cache reads from the start.
            let file = File::open(path).map_err(io)?;
            read_binary(path, format, file).map(|lib| Opened::Library(Box::new(lib)))
        }
        None => read_bounded(path).map(Opened::Bytes),
    }
}

/// Reads a file of at most the descriptor size limit (plus a blob header),
/// without trusting its reported size.
fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let limit = (Limits::DEFAULT.max_bytes + BLOB_HEADER_LEN) as u64;
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
        | [0xca, 0xfe, 0xba, 0xbe, ..]
        | [0xbe, 0xba, 0xfe, 0xca, ..] => Some("Mach-O"),
        [b'M', b'Z', ..] => Some("PE"),
        _ => None,
    }
}

fn read_binary(path: &Path, announced: &'static str, file: File) -> Result<LibraryFile, ReadError> {
    // SAFETY: a private read-only mapping, read only through bounds-checked
    // slices; like the dynamic loader, the reader needs the file not to be
    // truncated while it reads it. Where the file cannot be mapped, it is
    // read through a cache of the ranges touched instead.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => read_object(path, announced, &*map),
        Err(_) => read_object(path, announced, &ReadCache::new(file)),
    }
}

fn read_object<'data, R: object::ReadRef<'data>>(
    path: &Path,
    announced: &'static str,
    data: R,
) -> Result<LibraryFile, ReadError> {
    let object_error = |source| ReadError::Object {
        path: path.to_owned(),
        format: announced,
        source,
    };
    let unsupported = |what: String, hint| ReadError::UnsupportedBinary {
        path: path.to_owned(),
        what,
        hint,
    };
    let format = match FileKind::parse(data).map_err(object_error)? {
        FileKind::Elf32 | FileKind::Elf64 => BinaryFormat::Elf,
        FileKind::MachO32 | FileKind::MachO64 => BinaryFormat::MachO,
        FileKind::Pe32 | FileKind::Pe64 => BinaryFormat::Pe,
        FileKind::MachOFat32 | FileKind::MachOFat64 => {
            return Err(unsupported(
                "a universal (fat) Mach-O binary".into(),
                "extract one architecture with `lipo -thin ARCH` and check it",
            ));
        }
        kind => {
            return Err(unsupported(
                format!("a {kind:?} file, not a shared library"),
                "pass a `.so`, `.dylib` or `.dll`",
            ));
        }
    };
    let obj = object::File::parse(data).map_err(object_error)?;
    let (exports, blob_symbol) = exports(&obj, format);
    let (blob, location) = find_blob(path, &obj, format, &exports, blob_symbol)?;
    let soname = match &obj {
        object::File::Elf32(f) => elf_soname(f),
        object::File::Elf64(f) => elf_soname(f),
        _ => None,
    };
    Ok(LibraryFile {
        path: path.to_owned(),
        format,
        architecture: format!("{:?}", obj.architecture()),
        pointer_width: if obj.is_64() { 64 } else { 32 },
        little_endian: obj.is_little_endian(),
        soname,
        exports,
        blob,
        location,
    })
}

/// The `DT_SONAME` entry of an ELF file's dynamic section.
fn elf_soname<'data, Elf, R>(f: &object::read::elf::ElfFile<'data, Elf, R>) -> Option<String>
where
    Elf: object::read::elf::FileHeader,
    R: object::ReadRef<'data>,
{
    use object::read::elf::Dyn;
    let endian = f.endian();
    let sections = f.elf_section_table();
    let (entries, link) = sections.dynamic(endian, f.data()).ok()??;
    let strings = sections.strings(endian, f.data(), link).ok()?;
    let entry = entries
        .iter()
        .find(|d| d.tag32(endian) == Some(object::elf::DT_SONAME))?;
    let name = strings.get(entry.val32(endian)?).ok()?;
    String::from_utf8(name.to_vec()).ok()
}

/// The C name of a symbol as the file spells it: Mach-O prefixes `_`.
fn c_name(format: BinaryFormat, name: &str) -> Option<&str> {
    match format {
        BinaryFormat::MachO => name.strip_prefix('_'),
        BinaryFormat::Elf | BinaryFormat::Pe => Some(name),
    }
}

/// Where a symbol points: its name as the file spells it, its address and
/// the section it names, if any.
type Symbol = (String, u64, Option<SectionIndex>);

/// Where `s`, spelt `name`, points.
fn located<'data, R: object::ReadRef<'data>>(
    s: &object::Symbol<'data, '_, R>,
    name: &str,
) -> Symbol {
    (name.to_owned(), s.address(), s.section_index())
}

/// The file's exports, and the export that names the blob ([`BLOB_SYMBOL`]),
/// found on the same pass: for ELF any definition of that name in the
/// dynamic symbol table.
fn exports<'data, R: object::ReadRef<'data>>(
    obj: &object::File<'data, R>,
    format: BinaryFormat,
) -> (Exports, Option<Symbol>) {
    let kind_of = |kind: SymbolKind| match kind {
        SymbolKind::Text => ExportKind::Function,
        SymbolKind::Data | SymbolKind::Tls => ExportKind::Data,
        _ => ExportKind::Unknown,
    };
    let mut out = Exports::default();
    let mut blob = None;
    match format {
        BinaryFormat::Elf => {
            for s in obj.dynamic_symbols().filter(|s| s.is_definition()) {
                let Ok(name) = s.name() else { continue };
                if blob.is_none() && name == BLOB_SYMBOL {
                    blob = Some(located(&s, name));
                }
                if s.is_global() {
                    out.insert(name, kind_of(s.kind()));
                }
            }
        }
        // Mach-O has no separate dynamic table: its exports are the global
        // definitions of the symbol table.
        BinaryFormat::MachO => {
            for s in obj.symbols().filter(|s| s.is_definition() && s.is_global()) {
                let Ok(spelt) = s.name() else { continue };
                let Some(name) = c_name(format, spelt) else {
                    continue;
                };
                if blob.is_none() && name == BLOB_SYMBOL {
                    blob = Some(located(&s, spelt));
                }
                out.insert(name, kind_of(s.kind()));
            }
        }
        BinaryFormat::Pe => {
            for e in obj.exports().unwrap_or_default() {
                let Ok(name) = std::str::from_utf8(e.name()) else {
                    continue;
                };
                if blob.is_none() && name == BLOB_SYMBOL {
                    blob = Some((name.to_owned(), e.address(), None));
                }
                let kind = obj
                    .sections()
                    .find(|s| (s.address()..s.address() + s.size()).contains(&e.address()))
                    .map_or(ExportKind::Unknown, |s| match s.kind() {
                        SectionKind::Text => ExportKind::Function,
                        _ => ExportKind::Data,
                    });
                out.insert(name, kind);
            }
        }
    }
    (out, blob)
}

/// Finds the blob: through the exported [`BLOB_SYMBOL`] (`dynamic`), else
/// the symbol table's, else the blob section.
fn find_blob<'data, R: object::ReadRef<'data>>(
    path: &Path,
    obj: &object::File<'data, R>,
    format: BinaryFormat,
    exports: &Exports,
    dynamic: Option<Symbol>,
) -> Result<(Vec<u8>, Location), ReadError> {
    let is_blob = |name: &str| c_name(format, name) == Some(BLOB_SYMBOL);
    if let Some((name, address, section)) = dynamic {
        let location = Location::DynamicSymbol { name, address };
        return blob_at(path, obj, location, address, section);
    }
    if let Some((name, address, section)) = obj.symbols().find_map(|s| {
        let name = s.name().ok().filter(|&n| is_blob(n))?;
        s.is_definition().then(|| located(&s, name))
    }) {
        let location = Location::Symbol { name, address };
        return blob_at(path, obj, location, address, section);
    }
    let section_name = format.section();
    if let Some(section) = obj.section_by_name(section_name) {
        let address = section.address();
        let location = Location::Section {
            name: section_name,
            address,
        };
        return blob_at(path, obj, location, address, Some(section.index()));
    }
    Err(ReadError::NoDescriptor {
        path: path.to_owned(),
        section: section_name,
        has_function: exports.get(DESCRIPTOR_FUNCTION).is_some()
            || obj.symbols().any(|s| {
                s.is_definition()
                    && s.name()
                        .is_ok_and(|n| c_name(format, n) == Some(DESCRIPTOR_FUNCTION))
            }),
    })
}

/// Reads the blob that starts at `address`, in section `section` when the
/// symbol names one (relocatable objects have every section at address 0),
/// else in the section containing the address: its header first, then as
/// many bytes as the header announces (bounded by the descriptor size limit).
fn blob_at<'data, R: object::ReadRef<'data>>(
    path: &Path,
    obj: &object::File<'data, R>,
    location: Location,
    address: u64,
    section: Option<SectionIndex>,
) -> Result<(Vec<u8>, Location), ReadError> {
    let bad = |location: &Location, problem: String| ReadError::BadEmbedding {
        path: path.to_owned(),
        location: Box::new(location.clone()),
        problem,
    };
    let header_len = BLOB_HEADER_LEN as u64;
    let contains = |s: &object::Section<'data, '_, R>| {
        address >= s.address() && address - s.address() < s.size()
    };
    let section = match section {
        Some(index) => obj.section_by_index(index).ok().filter(contains),
        None => obj.sections().find(contains),
    };
    let Some(section) = section else {
        return Err(bad(&location, "lies in no section of the file".into()));
    };
    if matches!(
        section.kind(),
        SectionKind::UninitializedData | SectionKind::UninitializedTls
    ) {
        return Err(bad(
            &location,
            "lies in a section without file data (bss)".into(),
        ));
    }
    let read = |len: u64| match section.data_range(address, len) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(bad(
            &location,
            format!(
                "needs {len} bytes but section `{}` ends first",
                section.name().unwrap_or("?")
            ),
        )),
        Err(e) => Err(bad(&location, format!("cannot be read: {e}"))),
    };
    let header = read(header_len)?;
    let parsed = BlobHeader::parse(header).map_err(|source| ReadError::Embedded {
        path: path.to_owned(),
        location: Box::new(location.clone()),
        source,
    })?;
    let limit = Limits::DEFAULT.max_bytes;
    if parsed.body_len as usize > limit {
        return Err(ReadError::Embedded {
            path: path.to_owned(),
            location: Box::new(location),
            source: DecodeError::TooLarge {
                size: parsed.body_len as usize,
                limit,
            },
        });
    }
    let bytes = read(parsed.total_len())?.to_vec();
    Ok((bytes, location))
}
