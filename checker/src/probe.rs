//! The loader's quick look at a shared library: its target and its blob,
//! read with a handful of positioned reads.
//!
//! [`read_library`](crate::read_library) maps the whole file and lets the
//! `object` crate find the blob. For the loader's fast path, where the
//! library is about to be loaded by the dynamic loader anyway, mapping the
//! file costs more than everything else the look does: the mapping itself,
//! a page fault for every run of pages touched, and unmapping it again.
//! So this look reads only the bytes it needs, straight into small
//! buffers: the ELF header, the section table, the buckets and chain of
//! the GNU hash table that lead to [`BLOB_SYMBOL`], that symbol's entry
//! and name, and the blob.

use std::fs::File;
use std::path::Path;

use abi_descriptor::{BLOB_HEADER_LEN, BlobHeader};
use object::read::elf::{FileHeader, SectionHeader as _, Sym as _};
use object::{Endian as _, Endianness, FileKind, Object as _, elf, pod};

use crate::read::{BLOB_SYMBOL, BinaryFormat, ReadError};

/// What [`probe_library`] finds: the file's target and the header of the
/// blob its exported [`BLOB_SYMBOL`] points to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// Object file format (always ELF: the quick route covers ELF only).
    pub format: BinaryFormat,
    /// Architecture, spelt as in [`LibraryFile::architecture`](crate::LibraryFile::architecture).
    pub architecture: String,
    /// Pointer width in bits.
    pub pointer_width: u16,
    /// Whether the file is little-endian.
    pub little_endian: bool,
    /// The blob header as the file holds it.
    pub header_bytes: [u8; BLOB_HEADER_LEN],
    /// The parsed header: the body's length and SHA-256.
    pub header: BlobHeader,
    /// Whether the file's blob, header and body, is byte for byte the
    /// `known` blob the caller passed.
    pub identical: bool,
}

/// Looks at as little of a shared library as it takes to learn its target
/// and the header of its blob: the ELF header, the section table, the
/// entries of the GNU hash table of the exported symbols that lead to
/// [`BLOB_SYMBOL`], and the 48 bytes it points to; and, when that header is
/// `known`'s (a blob the caller trusts), the body, compared byte for byte
/// with `known`'s. This is the loader's fast path, for a library embedding
/// exactly the descriptor the host already has: comparing bytes proves what
/// hashing would, more cheaply. Pass an empty `known` for the header alone.
///
/// The file is read with positioned reads, not mapped: for a file the
/// dynamic loader is about to map anyway, mapping it first costs more than
/// reading the few kilobytes of structure and the blob.
///
/// Returns `Ok(None)` whenever the quick route does not apply: a file that
/// is not ELF, has no GNU hash table, or does not export [`BLOB_SYMBOL`],
/// and any malformed structure or failed read (the full reader,
/// [`read_library`](crate::read_library), then reports what is wrong).
/// Only a file that cannot be opened is an error.
pub fn probe_library(path: &Path, known: &[u8]) -> Result<Option<Probe>, ReadError> {
    let file = File::open(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    // Large enough for the ELF header of either class.
    let Some(head) = read_at(&file, 0, size_of::<elf::FileHeader64<Endianness>>()) else {
        return Ok(None);
    };
    let look = Look { file: &file };
    Ok(match FileKind::parse(head.bytes()) {
        Ok(FileKind::Elf64) => look.elf::<elf::FileHeader64<Endianness>>(head.bytes(), known),
        Ok(FileKind::Elf32) => look.elf::<elf::FileHeader32<Endianness>>(head.bytes(), known),
        _ => None,
    })
}

/// Bytes read from a file, in a buffer aligned for any ELF structure.
struct Aligned {
    words: Vec<u64>,
    len: usize,
}

impl Aligned {
    /// `len` zero bytes.
    fn zeroed(len: usize) -> Aligned {
        Aligned {
            words: vec![0; len.div_ceil(8)],
            len,
        }
    }

    fn bytes(&self) -> &[u8] {
        &pod::bytes_of_slice(&self.words)[..self.len]
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut pod::bytes_of_slice_mut(&mut self.words)[..self.len]
    }

    /// The bytes as `count` values of `T`.
    fn slice<T: pod::Pod>(&self, count: usize) -> Option<&[T]> {
        pod::slice_from_bytes(self.bytes(), count)
            .ok()
            .map(|(s, _)| s)
    }
}

/// Reads exactly `len` bytes at `offset`, or nothing.
fn read_at(file: &File, offset: u64, len: usize) -> Option<Aligned> {
    let mut buf = Aligned::zeroed(len);
    read_exact_at(file, offset, buf.bytes_mut())?;
    Some(buf)
}

#[cfg(unix)]
fn read_exact_at(file: &File, offset: u64, buf: &mut [u8]) -> Option<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset).ok()
}

#[cfg(not(unix))]
fn read_exact_at(mut file: &File, offset: u64, buf: &mut [u8]) -> Option<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset)).ok()?;
    file.read_exact(buf).ok()
}

/// Reads `N` bytes at `offset` within `section`.
fn read_array<const N: usize>(file: &File, section: Span, offset: u64) -> Option<[u8; N]> {
    if offset.checked_add(N as u64)? > section.size {
        return None;
    }
    let mut bytes = [0; N];
    read_exact_at(file, section.offset.checked_add(offset)?, &mut bytes)?;
    Some(bytes)
}

/// The sections the look needs, by their place in the file.
#[derive(Clone, Copy)]
struct Span {
    offset: u64,
    size: u64,
}

struct Look<'a> {
    file: &'a File,
}

impl Look<'_> {
    fn elf<Elf: FileHeader<Endian = Endianness>>(
        &self,
        head: &[u8],
        known: &[u8],
    ) -> Option<Probe> {
        let header = Elf::parse(head).ok()?;
        let endian = header.endian().ok()?;
        let span = |s: &Elf::SectionHeader| Span {
            offset: s.sh_offset(endian).into(),
            size: s.sh_size(endian).into(),
        };

        // The section table. A table too large for `e_shnum` (whose count
        // is then in section 0) is left to the full reader.
        let shoff: u64 = header.e_shoff(endian).into();
        let count = usize::from(header.e_shnum(endian));
        let entry = size_of::<Elf::SectionHeader>();
        if shoff == 0 || count == 0 || usize::from(header.e_shentsize(endian)) != entry {
            return None;
        }
        let table = read_at(self.file, shoff, count * entry)?;
        let sections: &[Elf::SectionHeader] = table.slice(count)?;

        // The GNU hash table, the dynamic symbols it indexes, their names.
        let hash = sections
            .iter()
            .find(|s| s.sh_type(endian) == elf::SHT_GNU_HASH)?;
        let symbols = sections.get(hash.sh_link(endian) as usize)?;
        let strings = sections.get(symbols.sh_link(endian) as usize)?;
        if symbols.sh_type(endian) != elf::SHT_DYNSYM || strings.sh_type(endian) != elf::SHT_STRTAB
        {
            return None;
        }
        let symbol = self.find::<Elf>(
            endian,
            span(hash),
            span(symbols),
            span(strings),
            BLOB_SYMBOL.as_bytes(),
        )?;

        // The section the symbol lies in, and the blob within it.
        let index = usize::from(symbol.st_shndx(endian));
        if index == usize::from(elf::SHN_UNDEF) || index >= usize::from(elf::SHN_LORESERVE) {
            return None;
        }
        let section = sections.get(index)?;
        if section.sh_type(endian) == elf::SHT_NOBITS {
            return None;
        }
        let address: u64 = symbol.st_value(endian).into();
        let start: u64 = section.sh_addr(endian).into();
        let blob = span(section);
        let at = address.checked_sub(start)?;
        let header_bytes: [u8; BLOB_HEADER_LEN] = read_array(self.file, blob, at)?;
        let parsed = BlobHeader::parse(&header_bytes).ok()?;
        let identical = known.get(..BLOB_HEADER_LEN) == Some(&header_bytes[..])
            && self.holds(blob, at, known)?;
        Some(Probe {
            format: BinaryFormat::Elf,
            architecture: architecture::<Elf>(head)?,
            pointer_width: if header.is_class_64() { 64 } else { 32 },
            little_endian: header.is_little_endian(),
            header_bytes,
            header: parsed,
            identical,
        })
    }

    /// The dynamic symbol named `name`, found as the dynamic loader finds
    /// it: through the bloom filter, bucket and chain of the GNU hash table
    /// (the layout `object::read::elf::GnuHashTable` reads, for the same
    /// answer), reading only the entries on the way.
    fn find<Elf: FileHeader<Endian = Endianness>>(
        &self,
        endian: Endianness,
        hash: Span,
        symbols: Span,
        strings: Span,
        name: &[u8],
    ) -> Option<Elf::Sym> {
        let file = self.file;
        let u32_at =
            |offset: u64| read_array::<4>(file, hash, offset).map(|b| endian.read_u32_bytes(b));
        let bucket_count = u32_at(0)?;
        let symbol_base = u32_at(4)?;
        let bloom_count = u32_at(8)?;
        let bloom_shift = u32_at(12)?;
        if bucket_count == 0 || bloom_count == 0 || bloom_shift >= 32 {
            return None;
        }
        let word = size_of::<Elf::Word>() as u64;
        let word_bits = word as u32 * 8;
        let buckets = 16 + u64::from(bloom_count) * word;
        let chains = buckets + u64::from(bucket_count) * 4;

        let h = elf::gnu_hash(name);
        let at = 16 + u64::from((h / word_bits) & (bloom_count - 1)) * word;
        let filter = if word == 8 {
            endian.read_u64_bytes(read_array(file, hash, at)?)
        } else {
            u64::from(u32_at(at)?)
        };
        if filter & (1 << (h % word_bits)) == 0
            || filter & (1 << ((h >> bloom_shift) % word_bits)) == 0
        {
            return None;
        }
        let mut index = u32_at(buckets + u64::from(h % bucket_count) * 4)?;
        if index == 0 {
            return None;
        }
        let entry = size_of::<Elf::Sym>() as u64;
        // The chain ends at an entry with its low bit set, or at the end of
        // the table: each step reads one 4-byte entry inside the section.
        loop {
            let value = u32_at(chains + u64::from(index.checked_sub(symbol_base)?) * 4)?;
            if value | 1 == h | 1 {
                if (u64::from(index) + 1) * entry > symbols.size {
                    return None;
                }
                let sym = read_at(
                    file,
                    symbols.offset.checked_add(u64::from(index) * entry)?,
                    entry as usize,
                )?;
                let sym = *sym.slice::<Elf::Sym>(1)?.first()?;
                let at = u64::from(sym.st_name(endian));
                if at.checked_add(name.len() as u64 + 1)? <= strings.size {
                    let mut found = vec![0; name.len() + 1];
                    read_exact_at(file, strings.offset.checked_add(at)?, &mut found)?;
                    if found[..name.len()] == *name && found[name.len()] == 0 {
                        return (!sym.is_undefined(endian)).then_some(sym);
                    }
                }
            }
            if value & 1 != 0 {
                return None;
            }
            index = index.checked_add(1)?;
        }
    }

    /// Whether the section `blob` holds `known` at `at`, read in pieces
    /// into a buffer on the stack: a heap buffer this large would often be
    /// fresh pages, each a page fault, as costly as the read.
    fn holds(&self, blob: Span, at: u64, known: &[u8]) -> Option<bool> {
        const PIECE: usize = 16 * 1024;
        if at.checked_add(known.len() as u64)? > blob.size {
            return Some(false);
        }
        let mut offset = blob.offset.checked_add(at)?;
        // The last piece ends here, so no offset below overflows.
        offset.checked_add(known.len() as u64)?;
        let mut buf = [0; PIECE];
        for piece in known.chunks(PIECE) {
            let buf = &mut buf[..piece.len()];
            read_exact_at(self.file, offset, buf)?;
            if buf != piece {
                return Some(false);
            }
            offset += piece.len() as u64;
        }
        Some(true)
    }
}

/// The architecture `object` names for this ELF header, spelt as
/// [`read_library`](crate::read_library) spells it. `object` names
/// architectures only for a parsed file, so this parses a copy of the header
/// that points at no program header and no section, a file of its own.
fn architecture<Elf: FileHeader<Endian = Endianness>>(head: &[u8]) -> Option<String> {
    let mut copy = Aligned::zeroed(size_of::<Elf>());
    copy.bytes_mut()
        .copy_from_slice(head.get(..size_of::<Elf>())?);
    // `e_phoff` and `e_shoff`, one after the other.
    let offsets = if size_of::<Elf::Word>() == 8 {
        32..48
    } else {
        28..36
    };
    copy.bytes_mut().get_mut(offsets)?.fill(0);
    let file = object::read::elf::ElfFile::<Elf, &[u8]>::parse(copy.bytes()).ok()?;
    Some(format!("{:?}", file.architecture()))
}
