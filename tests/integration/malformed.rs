//! Malformed input, one table: each case makes a file, names the typed error
//! the library returns for it, and the words the CLI prints on exiting 2
//! (always with the file's path). Deeper coverage of each problem lives in
//! `descriptor/tests/hostile.rs`, `descriptor/tests/invalid.rs` and
//! `checker/tests/read.rs`; this table shows every one end to end.

use std::path::{Path, PathBuf};
use std::process::Command;

use abi_check::{ReadError, read_descriptor, read_library};
use abi_descriptor::{DecodeError, Descriptor, ValidationError};
use object::write::{Object, StandardSection, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
};
use serde_json::{Value, json};

use crate::support::{abi_check_bin, example, library_source, require_tool, scratch};

/// What reading a case's file must give.
enum Expect {
    /// `read_descriptor` fails with an error `matches` accepts; `abi-check
    /// dump FILE` exits 2 naming the file and saying `message`.
    Refused {
        matches: fn(&ReadError) -> bool,
        message: &'static str,
    },
    /// The file is read (statically) and holds a descriptor for `architecture`.
    Read { architecture: &'static str },
}

struct Case {
    name: &'static str,
    make: fn(&Path) -> PathBuf,
    expect: Expect,
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn blob() -> Vec<u8> {
    example("v1").to_blob().unwrap()
}

/// The v1 example as JSON, edited by `edit`.
fn edited_json(dir: &Path, name: &str, edit: fn(&mut Value)) -> PathBuf {
    let mut value: Value = serde_json::from_str(&example("v1").to_json().unwrap()).unwrap();
    edit(&mut value);
    write(dir, name, value.to_string().as_bytes())
}

/// `types` entry `id` of a JSON descriptor.
fn type_def<'a>(value: &'a mut Value, id: &str) -> &'a mut Value {
    value["types"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["id"] == id)
        .unwrap()
}

/// An object file for `arch`; with the blob `blob` at symbol
/// `_abi_descriptor_blob` in `.abi_descriptor` when given, and with the
/// function `_abi_descriptor` when `function`.
fn elf(arch: Architecture, blob: Option<&[u8]>, function: bool) -> Vec<u8> {
    let mut obj = Object::new(BinaryFormat::Elf, arch, Endianness::Little);
    let symbol = |obj: &mut Object, name: &[u8], section, value, size, kind| {
        obj.add_symbol(Symbol {
            name: name.to_vec(),
            value,
            size,
            kind,
            scope: SymbolScope::Dynamic,
            weak: false,
            section: SymbolSection::Section(section),
            flags: SymbolFlags::None,
        });
    };
    let text = obj.section_id(StandardSection::Text);
    let code = obj.append_section_data(text, &[0xc3], 1);
    symbol(&mut obj, b"tile_render", text, code, 1, SymbolKind::Text);
    if function {
        symbol(
            &mut obj,
            b"_abi_descriptor",
            text,
            code,
            1,
            SymbolKind::Text,
        );
    }
    if let Some(blob) = blob {
        let section = obj.add_section(
            Vec::new(),
            b".abi_descriptor".to_vec(),
            SectionKind::ReadOnlyData,
        );
        let at = obj.append_section_data(section, blob, 8);
        let size = blob.len() as u64;
        symbol(
            &mut obj,
            b"_abi_descriptor_blob",
            section,
            at,
            size,
            SymbolKind::Data,
        );
    }
    obj.write().unwrap()
}

fn invalid(e: &ReadError, pred: fn(&ValidationError) -> bool) -> bool {
    matches!(e, ReadError::Invalid { source, .. } if source.errors().iter().any(pred))
}

fn decode_error(e: &ReadError, pred: fn(&DecodeError) -> bool) -> bool {
    matches!(e, ReadError::Decode { source, .. } if pred(source))
}

fn cases() -> Vec<Case> {
    use Expect::{Read, Refused};
    vec![
        Case {
            name: "empty file",
            make: |dir| write(dir, "empty.abi", b""),
            expect: Refused {
                matches: |e| decode_error(e, |d| matches!(d, DecodeError::Empty)),
                message: "descriptor is empty",
            },
        },
        Case {
            name: "truncated descriptor",
            make: |dir| {
                let blob = blob();
                write(dir, "truncated.abi", &blob[..blob.len() / 2])
            },
            expect: Refused {
                matches: |e| decode_error(e, |d| matches!(d, DecodeError::Truncated { .. })),
                message: "truncated",
            },
        },
        Case {
            name: "wrong magic (embedded in a library)",
            make: |dir| {
                let mut blob = blob();
                blob[1] = b'X';
                write(
                    dir,
                    "magic.o",
                    &elf(Architecture::X86_64, Some(&blob), true),
                )
            },
            expect: Refused {
                matches: |e| {
                    matches!(
                        e,
                        ReadError::Embedded {
                            source: DecodeError::BadMagic { .. },
                            ..
                        }
                    )
                },
                message: "not a descriptor blob: expected magic",
            },
        },
        Case {
            name: "header length larger than the file",
            make: |dir| {
                let mut blob = blob();
                blob[10..12].copy_from_slice(&u16::MAX.to_le_bytes());
                write(dir, "header.abi", &blob)
            },
            expect: Refused {
                matches: |e| {
                    decode_error(e, |d| {
                        matches!(
                            d,
                            DecodeError::HeaderLength { .. } | DecodeError::Truncated { .. }
                        )
                    })
                },
                message: "header",
            },
        },
        Case {
            name: "a newer format major",
            make: |dir| edited_json(dir, "newer.json", |v| v["format"] = json!("2.0")),
            expect: Refused {
                matches: |e| {
                    decode_error(e, |d| matches!(d, DecodeError::UnsupportedFormat { .. }))
                },
                message: "2.0",
            },
        },
        Case {
            name: "CBOR nested a million levels deep",
            make: |dir| write(dir, "deep.cbor", &vec![0x81; 1_000_000]),
            expect: Refused {
                matches: |e| decode_error(e, |d| matches!(d, DecodeError::TooDeep { .. })),
                message: "CBOR nests deeper than 32 levels",
            },
        },
        Case {
            name: "an array claiming 2^32 elements",
            make: |dir| {
                // {"types": [<2^32 elements>...]}
                let mut cbor = vec![0xa1, 0x65];
                cbor.extend(b"types");
                cbor.push(0x9b);
                cbor.extend((1u64 << 32).to_be_bytes());
                write(dir, "huge.cbor", &cbor)
            },
            expect: Refused {
                matches: |e| {
                    // Refused by the pre-scan, before anything is allocated.
                    decode_error(
                        e,
                        |d| matches!(d, DecodeError::Cbor { reason, .. } if reason.contains("4294967296")),
                    )
                },
                message: "array claims 4294967296 items",
            },
        },
        Case {
            name: "dangling type reference",
            make: |dir| {
                edited_json(dir, "dangling.json", |v| {
                    type_def(v, "TileRect")["fields"][0]["type"] = json!("Missing");
                })
            },
            expect: Refused {
                matches: |e| invalid(e, |v| format!("{v}").contains("`Missing`")),
                message: "Missing",
            },
        },
        Case {
            name: "by-value type cycle",
            make: |dir| {
                edited_json(dir, "cycle.json", |v| {
                    type_def(v, "TileRect")["fields"][0]["type"] = json!("TileRect");
                })
            },
            expect: Refused {
                matches: |e| invalid(e, |v| format!("{v}").contains("contains itself by value")),
                message: "contains itself by value",
            },
        },
        Case {
            name: "duplicate names",
            make: |dir| {
                edited_json(dir, "duplicate.json", |v| {
                    let functions = v["functions"].as_array_mut().unwrap();
                    let first = functions[0].clone();
                    functions.push(first);
                })
            },
            expect: Refused {
                matches: |e| invalid(e, |v| format!("{v}").contains("declared more than once")),
                message: "declared more than once",
            },
        },
        Case {
            name: "overlapping fields",
            make: |dir| {
                edited_json(dir, "overlap.json", |v| {
                    type_def(v, "TileRect")["fields"][1]["offset"] = json!(2);
                })
            },
            expect: Refused {
                matches: |e| invalid(e, |v| format!("{v}").contains("overlap")),
                message: "holds an invalid descriptor",
            },
        },
        Case {
            name: "non-ELF file",
            make: |dir| write(dir, "script.so", b"#!/bin/sh\necho not a library\n"),
            expect: Refused {
                matches: |e| matches!(e, ReadError::Decode { .. }),
                message: "is not a readable descriptor",
            },
        },
        Case {
            name: "ELF for another architecture (read statically)",
            make: |dir| {
                write(
                    dir,
                    "aarch64.o",
                    &elf(Architecture::Aarch64, Some(&blob()), true),
                )
            },
            expect: Read {
                architecture: "Aarch64",
            },
        },
        Case {
            name: "library without the symbol",
            make: |dir| write(dir, "bare.o", &elf(Architecture::X86_64, None, false)),
            expect: Refused {
                matches: |e| {
                    matches!(
                        e,
                        ReadError::NoDescriptor {
                            has_function: false,
                            ..
                        }
                    )
                },
                message: "has no embedded descriptor",
            },
        },
        Case {
            name: "symbol present but section missing",
            make: |dir| {
                write(
                    dir,
                    "function-only.o",
                    &elf(Architecture::X86_64, None, true),
                )
            },
            expect: Refused {
                matches: |e| {
                    matches!(
                        e,
                        ReadError::NoDescriptor {
                            has_function: true,
                            ..
                        }
                    )
                },
                message: "no `_abi_descriptor_blob` symbol and no `.abi_descriptor` section",
            },
        },
        Case {
            name: "descriptor hash not matching its bytes",
            make: |dir| {
                let mut blob = blob();
                let last = blob.len() - 1;
                blob[last] ^= 1;
                write(dir, "hash.abi", &blob)
            },
            expect: Refused {
                matches: |e| decode_error(e, |d| matches!(d, DecodeError::HashMismatch { .. })),
                message: "descriptor hash mismatch",
            },
        },
    ]
}

fn dump(path: &Path) -> std::process::Output {
    Command::new(abi_check_bin())
        .arg("dump")
        .arg(path)
        .output()
        .unwrap()
}

#[test]
fn every_malformed_input_is_refused_with_its_error() {
    let dir = scratch("malformed", "files");
    for case in cases() {
        let path = (case.make)(&dir);
        let read = read_descriptor(&path);
        let out = dump(&path);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match case.expect {
            Expect::Refused { matches, message } => {
                let error = read.expect_err(case.name);
                assert!(matches(&error), "{}: unexpected error {error:?}", case.name);
                assert_eq!(out.status.code(), Some(2), "{}: {stderr}", case.name);
                let path = path.display().to_string();
                assert!(
                    stderr.contains(&path),
                    "{}: names no file: {stderr}",
                    case.name
                );
                assert!(
                    stderr.contains(message),
                    "{}: says no `{message}`: {stderr}",
                    case.name
                );
            }
            Expect::Read { architecture } => {
                let descriptor = read.unwrap_or_else(|e| panic!("{}: {e}", case.name));
                assert_eq!(
                    descriptor.to_cbor().unwrap(),
                    example("v1").to_cbor().unwrap(),
                    "{}",
                    case.name
                );
                let lib = read_library(&path).unwrap();
                assert_eq!(lib.architecture, architecture, "{}", case.name);
                assert_eq!(out.status.code(), Some(0), "{}: {stderr}", case.name);
            }
        }
    }
}

/// The last row of the table: a descriptor that describes a function the
/// library does not export. It reads, but `verify` reports the function
/// and the CLI fails naming the file.
#[test]
fn a_descriptor_that_disagrees_with_the_dynamic_symbol_table_fails_verify() {
    let Some(cc) = require_tool("cc") else {
        return;
    };
    let dir = scratch("malformed", "disagree");
    let descriptor: Descriptor = example("v1");
    let source =
        library_source(&descriptor).replace("ABI_DESCRIPTOR_EXPORT void tile_render(void) {}", "");
    let lib = crate::support::c_library(&cc, &source, &dir, "libdisagree.so", None);
    let file = read_library(&lib).unwrap();
    let read = file.descriptor().unwrap();
    let verification = abi_check::verify(&file, &read);
    assert!(!verification.passed());
    assert!(
        verification
            .problems
            .iter()
            .any(|p| p.contains("tile_render")),
        "{:?}",
        verification.problems
    );
    let out = Command::new(abi_check_bin())
        .arg("verify")
        .arg(&lib)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(&lib.display().to_string()), "{stdout}");
    assert!(stdout.contains("tile_render"), "{stdout}");
}
