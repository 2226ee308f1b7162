//! Reading descriptors out of binaries of every format and architecture,
//! and every way the embedding can be wrong. The binaries are object files
//! written with the `object` crate, so no cross toolchain is needed: the
//! reader only looks at symbol tables and sections, which object files have
//! just as libraries do. PE needs an image, not an object file: real DLLs,
//! like real shared libraries, are read in the cross-crate tests.

use std::path::{Path, PathBuf};

use abi_check::{
    BLOB_SYMBOL, BinaryFormat, DESCRIPTOR_FUNCTION, Location, ReadError, read_descriptor,
    read_library,
};
use abi_descriptor::{DecodeError, Descriptor};
use object::write::{Object, Symbol, SymbolSection};
use object::{Architecture, Endianness, SectionKind, SymbolFlags, SymbolKind, SymbolScope};

/// The example in canonical order, as decoding gives it back.
fn example() -> Descriptor {
    let mut d = Descriptor::from_json(include_str!("../../examples/libtile/v1.json")).unwrap();
    d.canonicalize();
    d
}

/// How the test object carries the blob.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Carry {
    /// Section and symbol, as producers write them.
    SymbolInSection,
    /// The section only.
    SectionOnly,
    /// The symbol, in an ordinary read-only data section.
    SymbolOnly,
}

fn section_name(format: object::BinaryFormat) -> (&'static [u8], &'static [u8]) {
    match format {
        object::BinaryFormat::MachO => (b"__TEXT", b"__abi_descriptor"),
        _ => (b"", b".abi_descriptor"),
    }
}

/// An object file for `arch` with `blob` embedded as `carry` says, plus a
/// `_abi_descriptor` function and some code before the blob so that it does
/// not sit at offset 0.
fn object_file(
    format: object::BinaryFormat,
    arch: Architecture,
    endian: Endianness,
    blob: &[u8],
    carry: Carry,
) -> Vec<u8> {
    let mut obj = Object::new(format, arch, endian);
    let text = obj.section_id(object::write::StandardSection::Text);
    let code = obj.append_section_data(text, &[0x90; 32], 16);
    obj.add_symbol(exported(
        DESCRIPTOR_FUNCTION,
        code,
        32,
        SymbolKind::Text,
        SymbolSection::Section(text),
    ));
    let (segment, name) = section_name(format);
    let section = match carry {
        Carry::SymbolOnly => obj.section_id(object::write::StandardSection::ReadOnlyData),
        _ => obj.add_section(segment.to_vec(), name.to_vec(), SectionKind::ReadOnlyData),
    };
    if carry == Carry::SymbolOnly {
        // Something else first, so the blob is not at the section's start.
        obj.append_section_data(section, b"unrelated data", 1);
    }
    if carry == Carry::SectionOnly {
        obj.append_section_data(section, blob, 1);
    } else {
        let symbol = obj.add_symbol(exported(
            BLOB_SYMBOL,
            0,
            0,
            SymbolKind::Data,
            SymbolSection::Undefined,
        ));
        obj.add_symbol_data(symbol, section, blob, 1);
    }
    obj.write().unwrap()
}

/// An exported symbol: `value` and `size` within `section`.
fn exported(name: &str, value: u64, size: u64, kind: SymbolKind, section: SymbolSection) -> Symbol {
    Symbol {
        name: name.as_bytes().to_vec(),
        value,
        size,
        kind,
        scope: SymbolScope::Dynamic,
        weak: false,
        section,
        flags: SymbolFlags::None,
    }
}

pub(crate) fn write_temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("read");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn every_format_and_architecture_is_read_statically() {
    let d = example();
    let blob = d.to_blob().unwrap();
    let cases = [
        (
            object::BinaryFormat::Elf,
            Architecture::X86_64,
            Endianness::Little,
            "X86_64",
            64,
        ),
        (
            object::BinaryFormat::Elf,
            Architecture::Aarch64,
            Endianness::Little,
            "Aarch64",
            64,
        ),
        (
            object::BinaryFormat::Elf,
            Architecture::Arm,
            Endianness::Little,
            "Arm",
            32,
        ),
        (
            object::BinaryFormat::Elf,
            Architecture::I386,
            Endianness::Little,
            "I386",
            32,
        ),
        (
            object::BinaryFormat::Elf,
            Architecture::PowerPc64,
            Endianness::Big,
            "PowerPc64",
            64,
        ),
        (
            object::BinaryFormat::Elf,
            Architecture::S390x,
            Endianness::Big,
            "S390x",
            64,
        ),
        (
            object::BinaryFormat::Elf,
            Architecture::Riscv64,
            Endianness::Little,
            "Riscv64",
            64,
        ),
        (
            object::BinaryFormat::MachO,
            Architecture::Aarch64,
            Endianness::Little,
            "Aarch64",
            64,
        ),
        (
            object::BinaryFormat::MachO,
            Architecture::X86_64,
            Endianness::Little,
            "X86_64",
            64,
        ),
    ];
    for (format, arch, endian, arch_name, width) in cases {
        for carry in [
            Carry::SymbolInSection,
            Carry::SectionOnly,
            Carry::SymbolOnly,
        ] {
            let bytes = object_file(format, arch, endian, &blob, carry);
            let what = format!("{format:?} {arch:?} {carry:?}");
            let path = write_temp(&format!("{format:?}-{arch:?}-{carry:?}.o"), &bytes);
            let lib = read_library(&path).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(lib.blob, blob, "{what}");
            assert_eq!(lib.architecture, arch_name, "{what}");
            assert_eq!(lib.pointer_width, width, "{what}");
            assert_eq!(lib.little_endian, endian == Endianness::Little, "{what}");
            let expected_format = match format {
                object::BinaryFormat::MachO => BinaryFormat::MachO,
                _ => BinaryFormat::Elf,
            };
            assert_eq!(lib.format, expected_format, "{what}");
            match (carry, &lib.location) {
                (Carry::SectionOnly, Location::Section { name, .. }) => {
                    assert_eq!(*name, expected_format.section(), "{what}");
                }
                // Mach-O exports are its global symbols; object files of the
                // other formats have no dynamic table.
                (_, Location::DynamicSymbol { .. }) if format == object::BinaryFormat::MachO => {}
                (_, Location::Symbol { name, .. }) if format != object::BinaryFormat::MachO => {
                    assert_eq!(name, BLOB_SYMBOL, "{what}");
                }
                (_, other) => panic!("{what}: found at {other}"),
            }
            assert!(lib.descriptor().unwrap() == d, "{what}");
            assert!(read_descriptor(&path).unwrap() == d, "{what}");
            assert!(
                lib.export(DESCRIPTOR_FUNCTION).is_some() || format != object::BinaryFormat::MachO,
                "{what}: {:?}",
                lib.exports
            );
        }
    }
}

#[test]
fn verify_refuses_a_library_built_for_another_target() {
    let d = example(); // x86_64-unknown-linux-gnu
    let bytes = object_file(
        object::BinaryFormat::Elf,
        Architecture::Aarch64,
        Endianness::Little,
        &d.to_blob().unwrap(),
        Carry::SymbolInSection,
    );
    let path = write_temp("wrong-arch.o", &bytes);
    let lib = read_library(&path).unwrap();
    let v = abi_check::verify(&lib, &lib.descriptor().unwrap());
    assert!(!v.passed());
    assert!(
        v.problems.contains(
            &"the descriptor is for `x86_64-unknown-linux-gnu` but the file is built for Aarch64"
                .to_owned()
        ),
        "{v:?}"
    );
}

#[test]
fn a_library_without_a_descriptor_is_refused_by_name() {
    let mut obj = Object::new(
        object::BinaryFormat::Elf,
        Architecture::X86_64,
        Endianness::Little,
    );
    let text = obj.section_id(object::write::StandardSection::Text);
    let code = obj.append_section_data(text, &[0xc3], 1);
    obj.add_symbol(exported(
        DESCRIPTOR_FUNCTION,
        code,
        1,
        SymbolKind::Text,
        SymbolSection::Section(text),
    ));
    let path = write_temp("no-descriptor.o", &obj.write().unwrap());
    let err = read_library(&path).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::NoDescriptor {
                has_function: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "`{}` has no embedded descriptor: no `_abi_descriptor_blob` symbol and no `.abi_descriptor` section (build it with `abi-check embed` or the `abi-describe` crate)",
            path.display()
        )
    );
}

#[test]
fn a_blob_symbol_in_bss_is_refused() {
    let mut obj = Object::new(
        object::BinaryFormat::Elf,
        Architecture::X86_64,
        Endianness::Little,
    );
    let bss = obj.section_id(object::write::StandardSection::UninitializedData);
    let symbol = obj.add_symbol(exported(
        BLOB_SYMBOL,
        0,
        0,
        SymbolKind::Data,
        SymbolSection::Undefined,
    ));
    obj.add_symbol_bss(symbol, bss, 4096, 8);
    let path = write_temp("bss.o", &obj.write().unwrap());
    let err = read_library(&path).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("lies in a section without file data (bss)"),
        "{err}"
    );
}

#[test]
fn a_blob_running_past_its_section_is_refused() {
    let blob = example().to_blob().unwrap();
    // The header promises the whole body; the section holds half of it.
    let bytes = object_file(
        object::BinaryFormat::Elf,
        Architecture::X86_64,
        Endianness::Little,
        &blob[..blob.len() / 2],
        Carry::SymbolInSection,
    );
    let path = write_temp("short.o", &bytes);
    let err = read_library(&path).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&format!(
            "needs {} bytes but section `.abi_descriptor` ends first",
            blob.len()
        )),
        "{message}"
    );
}

#[test]
fn a_blob_whose_hash_does_not_match_is_refused() {
    let mut blob = example().to_blob().unwrap();
    let last = blob.len() - 1;
    blob[last] ^= 1;
    let bytes = object_file(
        object::BinaryFormat::Elf,
        Architecture::X86_64,
        Endianness::Little,
        &blob,
        Carry::SymbolInSection,
    );
    let path = write_temp("bad-hash.o", &bytes);
    let lib = read_library(&path).unwrap();
    let err = lib.descriptor().unwrap_err();
    match &err {
        ReadError::Embedded { source, .. } => {
            assert!(
                matches!(source, DecodeError::HashMismatch { .. }),
                "{source:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .ends_with("the descriptor at symbol `_abi_descriptor_blob` (0x0) is not readable"),
        "{err}"
    );
}

#[test]
fn a_universal_binary_is_refused_with_advice() {
    // fat_header: magic, one architecture (x86_64), then padding.
    let mut bytes = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1];
    bytes.extend([
        0x01, 0, 0, 0x07, 0, 0, 0, 3, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0, 12,
    ]);
    bytes.resize(8192, 0);
    let path = write_temp("fat.dylib", &bytes);
    let err = read_library(&path).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "is a universal (fat) Mach-O binary; extract one architecture with `lipo -thin ARCH` and check it"
        ),
        "{err}"
    );
}

#[test]
fn a_truncated_elf_header_is_a_read_error_naming_the_format() {
    let path = write_temp("truncated.so", b"\x7fELF\x02\x01\x01\x00");
    let err = read_descriptor(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("`{}` is not a readable ELF file", path.display())
    );
}

/// Reading two descriptors at once gives what two reads give, in every
/// combination of a valid, an invalid and an unreadable file.
#[test]
fn a_pair_reads_as_two_reads() {
    let valid = write_temp("pair-valid.json", example().to_json().unwrap().as_bytes());
    let mut broken = example();
    broken.functions[0].params[0].ty = "NoSuchType".into();
    let invalid = write_temp("pair-invalid.json", broken.to_json().unwrap().as_bytes());
    let garbage = write_temp("pair-garbage.abi", b"\x89ABI\r\n\x1a\nnot a blob");
    let missing = valid.with_file_name("pair-missing.json");
    let files = [&valid, &invalid, &garbage, &missing];
    let outcome = |r: Result<Descriptor, ReadError>| match r {
        Ok(d) => format!("ok {}", d.functions.len()),
        Err(e) => format!("error: {e}"),
    };
    for old in files {
        for new in files {
            let (a, b) = abi_check::read_descriptor_pair(old, new);
            assert_eq!(
                outcome(a),
                outcome(read_descriptor(old)),
                "{}",
                old.display()
            );
            assert_eq!(
                outcome(b),
                outcome(read_descriptor(new)),
                "{}",
                new.display()
            );
        }
    }
}
