//! The loader's quick look (`probe_library`) against the full reader, on
//! shared objects of several classes, byte orders and architectures written
//! with the `object` crate: the quick look finds the blob through the GNU
//! hash table as the dynamic loader would, and must find what the full
//! reader finds, or decline.

use std::path::Path;

use abi_check::{BLOB_SYMBOL, Location, probe_library, read_library};
use abi_descriptor::{BLOB_HEADER_LEN, Descriptor};

use crate::read::write_temp;
use object::Endianness;
use object::elf;
use object::write::elf::{FileHeader, SectionHeader, Sym, Writer};

fn blob() -> Vec<u8> {
    let mut d = Descriptor::from_json(include_str!("../../examples/libtile/v1.json")).unwrap();
    d.canonicalize();
    d.to_blob().unwrap()
}

/// How the test library is laid out.
#[derive(Clone, Copy, Debug)]
struct Shape {
    machine: u16,
    is_64: bool,
    endian: Endianness,
    /// Other exported symbols, sharing the blob symbol's buckets and chains.
    decoys: usize,
    buckets: u32,
    /// Whether the blob symbol is exported at all.
    export_blob: bool,
}

/// A shared object (`ET_DYN`) with `.gnu.hash`, `.dynsym`, `.dynstr`, and an
/// `.abi_descriptor` section holding `blob` at a non-zero address, followed
/// by padding.
fn shared_object(shape: Shape, blob: &[u8]) -> Vec<u8> {
    let mut names: Vec<Vec<u8>> = (0..shape.decoys)
        .map(|i| format!("decoy_function_{i}").into_bytes())
        .collect();
    if shape.export_blob {
        names.push(BLOB_SYMBOL.as_bytes().to_vec());
    }
    // The GNU hash table needs its symbols sorted by bucket.
    names.sort_by_key(|n| elf::gnu_hash(n) % shape.buckets);

    let mut out = Vec::new();
    let mut w = Writer::new(shape.endian, shape.is_64, &mut out);
    w.reserve_file_header();
    let ids: Vec<_> = names.iter().map(|n| w.add_dynamic_string(n)).collect();
    w.reserve_null_dynamic_symbol_index();
    for _ in &names {
        w.reserve_dynamic_symbol_index();
    }
    w.reserve_dynsym_section_index();
    w.reserve_dynstr_section_index();
    w.reserve_gnu_hash_section_index();
    let data_name = w.add_section_name(b".abi_descriptor");
    let data_index = w.reserve_section_index();
    w.reserve_shstrtab_section_index();
    let count = names.len() as u32;
    let hash_offset = w.reserve_gnu_hash(2, shape.buckets, count);
    let dynsym_offset = w.reserve_dynsym();
    let dynstr_offset = w.reserve_dynstr();
    let padding = 64;
    let data_offset = w.reserve(blob.len() + padding, 32);
    w.reserve_shstrtab();
    w.reserve_section_headers();

    // Addresses are file offsets plus a load base, so that a reader that
    // confused the two would read the wrong bytes.
    let base = 0x40_0000;
    w.write_file_header(&FileHeader {
        os_abi: elf::ELFOSABI_NONE,
        abi_version: 0,
        e_type: elf::ET_DYN,
        e_machine: shape.machine,
        e_entry: 0,
        e_flags: 0,
    })
    .unwrap();
    w.write_gnu_hash(1, 6, 2, shape.buckets, count, |i| {
        elf::gnu_hash(&names[i as usize])
    });
    w.write_null_dynamic_symbol();
    for (name, id) in names.iter().zip(&ids) {
        let is_blob = name == BLOB_SYMBOL.as_bytes();
        w.write_dynamic_symbol(&Sym {
            name: Some(*id),
            section: Some(data_index),
            st_info: (elf::STB_GLOBAL << 4) | elf::STT_OBJECT,
            st_other: elf::STV_DEFAULT,
            st_shndx: 0,
            st_value: base + data_offset as u64 + if is_blob { 16 } else { 0 },
            st_size: if is_blob { blob.len() as u64 } else { 16 },
        });
    }
    w.write_dynstr();
    w.write_align(32);
    w.write(&[0xee; 16]);
    w.write(blob);
    w.write(&vec![0; padding - 16]);
    w.write_shstrtab();
    w.write_null_section_header();
    w.write_dynsym_section_header(base + dynsym_offset as u64, 1);
    w.write_dynstr_section_header(base + dynstr_offset as u64);
    w.write_gnu_hash_section_header(base + hash_offset as u64);
    w.write_section_header(&SectionHeader {
        name: Some(data_name),
        sh_type: elf::SHT_PROGBITS,
        sh_flags: elf::SHF_ALLOC.into(),
        sh_addr: base + data_offset as u64,
        sh_offset: data_offset as u64,
        sh_size: (blob.len() + padding) as u64,
        sh_link: 0,
        sh_info: 0,
        sh_addralign: 32,
        sh_entsize: 0,
    });
    w.write_shstrtab_section_header();
    out
}

/// Every target with every layout, and the architecture's name as the
/// readers spell it.
fn shapes() -> Vec<(Shape, &'static str)> {
    let targets = [
        (elf::EM_X86_64, true, Endianness::Little, "X86_64"),
        (elf::EM_AARCH64, true, Endianness::Little, "Aarch64"),
        (elf::EM_386, false, Endianness::Little, "I386"),
        (elf::EM_ARM, false, Endianness::Little, "Arm"),
        (elf::EM_PPC64, true, Endianness::Big, "PowerPc64"),
        (elf::EM_S390, true, Endianness::Big, "S390x"),
        (elf::EM_PPC, false, Endianness::Big, "PowerPc"),
        (elf::EM_RISCV, true, Endianness::Little, "Riscv64"),
    ];
    let mut shapes = Vec::new();
    for (machine, is_64, endian, name) in targets {
        for (decoys, buckets) in [(0, 1), (7, 1), (300, 17), (300, 1024)] {
            let shape = Shape {
                machine,
                is_64,
                endian,
                decoys,
                buckets,
                export_blob: true,
            };
            shapes.push((shape, name));
        }
    }
    shapes
}

#[test]
fn the_quick_look_finds_what_the_full_reader_finds() {
    let blob = blob();
    for (shape, architecture) in shapes() {
        let what = format!("{shape:?}");
        let path = write_temp("probe-lib.so", &shared_object(shape, &blob));
        let full = read_library(&path).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            matches!(full.location, Location::DynamicSymbol { .. }),
            "{what}: {}",
            full.location
        );
        assert_eq!(full.blob, blob, "{what}");

        let probe = probe_library(&path, &blob)
            .unwrap()
            .unwrap_or_else(|| panic!("{what}: the quick look does not apply"));
        assert!(probe.identical, "{what}");
        assert_eq!(probe.architecture, architecture, "{what}");
        assert_eq!(probe.architecture, full.architecture, "{what}");
        assert_eq!(probe.pointer_width, full.pointer_width, "{what}");
        assert_eq!(probe.little_endian, full.little_endian, "{what}");
        assert_eq!(probe.header_bytes[..], blob[..BLOB_HEADER_LEN], "{what}");
        assert_eq!(probe.header.body_len as usize, blob.len() - BLOB_HEADER_LEN);

        // The header alone, and a blob that differs in its last byte or is
        // longer than the section: read, not identical.
        let header_only = probe_library(&path, &[]).unwrap().unwrap();
        assert!(!header_only.identical, "{what}");
        assert_eq!(header_only.header_bytes, probe.header_bytes, "{what}");
        let mut other = blob.clone();
        *other.last_mut().unwrap() ^= 1;
        assert!(
            !probe_library(&path, &other).unwrap().unwrap().identical,
            "{what}"
        );
        let mut longer = blob.clone();
        longer.extend([0; 4096]);
        assert!(
            !probe_library(&path, &longer).unwrap().unwrap().identical,
            "{what}"
        );
    }
}

#[test]
fn the_quick_look_declines_what_it_cannot_read() {
    let blob = blob();
    let shape = Shape {
        machine: elf::EM_X86_64,
        is_64: true,
        endian: Endianness::Little,
        decoys: 40,
        buckets: 8,
        export_blob: true,
    };
    let good = shared_object(shape, &blob);

    // No exported blob symbol: the full reader looks further.
    let hidden = shared_object(
        Shape {
            export_blob: false,
            ..shape
        },
        &blob,
    );
    let path = write_temp("probe-hidden.so", &hidden);
    assert!(probe_library(&path, &blob).unwrap().is_none());

    // Cut anywhere: in the headers, the tables, the blob or the section
    // table at the end. Never a panic; never a look that claims the blob.
    for len in (0..good.len()).step_by(97).chain([good.len() - 1]) {
        let path = write_temp("probe-cut.so", &good[..len]);
        if let Some(probe) = probe_library(&path, &blob).unwrap() {
            assert!(!probe.identical, "cut at {len}");
        }
    }

    // A bloom shift no table can have.
    let mut bad = good.clone();
    let hash = find_section(&good, elf::SHT_GNU_HASH);
    bad[hash + 12..hash + 16].copy_from_slice(&40u32.to_le_bytes());
    let path = write_temp("probe-bad-hash.so", &bad);
    assert!(probe_library(&path, &blob).unwrap().is_none());

    // Chains that never end, and a bloom filter that lets every name
    // through: the walk stops at the end of the table, whether the name is
    // there or not.
    let endless = |file: &[u8], symbols: usize| {
        let mut file = file.to_vec();
        let hash = find_section(&file, elf::SHT_GNU_HASH);
        file[hash + 16..hash + 32].fill(0xff);
        let chains = hash + 16 + 2 * 8 + 8 * 4;
        for at in (chains..chains + symbols * 4).step_by(4) {
            let value = u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
            file[at..at + 4].copy_from_slice(&(value & !1).to_le_bytes());
        }
        file
    };
    let path = write_temp("probe-endless.so", &endless(&good, 41));
    assert!(probe_library(&path, &blob).unwrap().unwrap().identical);
    let path = write_temp("probe-endless-hidden.so", &endless(&hidden, 40));
    assert!(probe_library(&path, &blob).unwrap().is_none());

    // Not ELF at all, and a file that does not exist.
    let path = write_temp(
        "text.so",
        b"just some text, long enough to be read as a header",
    );
    assert!(probe_library(&path, &blob).unwrap().is_none());
    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("read/probe-missing.so");
    let error = probe_library(&missing, &blob).unwrap_err();
    assert!(error.to_string().contains("missing.so"), "{error}");
}

/// The file offset of the first section of type `kind` in a little-endian
/// ELF64 file.
fn find_section(file: &[u8], kind: u32) -> usize {
    let u64_at = |at: usize| u64::from_le_bytes(file[at..at + 8].try_into().unwrap()) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
    let shoff = u64_at(0x28);
    let shnum = u16::from_le_bytes([file[0x3c], file[0x3d]]) as usize;
    (0..shnum)
        .map(|i| shoff + i * 64)
        .find(|h| u32_at(h + 4) == kind)
        .map(|h| u64_at(h + 24))
        .unwrap()
}
