//! The fuzz targets run as tests: over the committed seed corpus (which a
//! test keeps in step with the examples; `BLESS=1` rewrites it), over every
//! regression input in `fuzz/regressions/`, and over random and mutated
//! inputs from proptest.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use abi_descriptor::Descriptor;
use abi_fuzz_targets::{decode_cbor, decode_json, diff, pair, read_file};
use object::write::{Object, StandardSection, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
};
use proptest::prelude::*;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 4] = [
    ("decode_cbor", decode_cbor),
    ("decode_json", decode_json),
    ("read_file", read_file),
    ("diff", diff),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn example(name: &str) -> Descriptor {
    let path = fuzz_dir().join("../examples/libtile").join(name);
    Descriptor::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An object file of `format` for `arch` with `blob` as the data symbol
/// `_abi_descriptor_blob` in the dedicated section.
fn object_with_blob(format: BinaryFormat, arch: Architecture, blob: &[u8]) -> Vec<u8> {
    let mut obj = Object::new(format, arch, Endianness::Little);
    let section = match format {
        BinaryFormat::MachO => obj.add_section(
            b"__TEXT".to_vec(),
            b"__abi_descriptor".to_vec(),
            SectionKind::ReadOnlyData,
        ),
        BinaryFormat::Coff => {
            obj.add_section(Vec::new(), b".abidesc".to_vec(), SectionKind::ReadOnlyData)
        }
        _ => obj.add_section(
            Vec::new(),
            b".abi_descriptor".to_vec(),
            SectionKind::ReadOnlyData,
        ),
    };
    let offset = obj.append_section_data(section, blob, 8);
    let name: &[u8] = if format == BinaryFormat::MachO {
        b"__abi_descriptor_blob"
    } else {
        b"_abi_descriptor_blob"
    };
    obj.add_symbol(Symbol {
        name: name.to_vec(),
        value: offset,
        size: blob.len() as u64,
        kind: SymbolKind::Data,
        scope: SymbolScope::Dynamic,
        weak: false,
        section: SymbolSection::Section(section),
        flags: SymbolFlags::None,
    });
    let text = obj.section_id(StandardSection::Text);
    obj.append_section_data(text, &[0xc3], 1);
    obj.write().unwrap()
}

/// The seed corpus of every target, generated from the examples.
fn seeds() -> BTreeMap<&'static str, Vec<(String, Vec<u8>)>> {
    let (v1, v2) = (example("v1.json"), example("v2.json"));
    let (j1, j2) = (v1.to_json().unwrap(), v2.to_json().unwrap());
    let (c1, c2) = (v1.to_cbor().unwrap(), v2.to_cbor().unwrap());
    let (b1, b2) = (v1.to_blob().unwrap(), v2.to_blob().unwrap());
    let s = |name: &str, bytes: &[u8]| (name.to_owned(), bytes.to_vec());
    let mut out = BTreeMap::new();
    out.insert(
        "decode_cbor",
        vec![
            s("v1.cbor", &c1),
            s("v2.cbor", &c2),
            s("v1.abi", &b1),
            s("v2.abi", &b2),
            s("empty-map.cbor", &[0xa0]),
        ],
    );
    out.insert(
        "decode_json",
        vec![
            s("v1.json", j1.as_bytes()),
            s("v2.json", j2.as_bytes()),
            s("empty-object.json", b"{}"),
        ],
    );
    out.insert(
        "read_file",
        vec![
            s("v1.abi", &b1),
            s("v1.cbor", &c1),
            s("v1.json", j1.as_bytes()),
            s(
                "x86_64.o",
                &object_with_blob(BinaryFormat::Elf, Architecture::X86_64, &b1),
            ),
            s(
                "aarch64.o",
                &object_with_blob(BinaryFormat::Elf, Architecture::Aarch64, &b1),
            ),
            s(
                "macho.o",
                &object_with_blob(BinaryFormat::MachO, Architecture::Aarch64, &b1),
            ),
            s(
                "coff.o",
                &object_with_blob(BinaryFormat::Coff, Architecture::X86_64, &b1),
            ),
            s("mz.bin", b"MZ\x90\x00junk"),
            s("junk.bin", b"\x00\x01\x02 not a descriptor"),
        ],
    );
    out.insert(
        "diff",
        vec![
            s("v1-v2.cbor", &pair(&c1, &c2)),
            s("v1-v2.json", &pair(j1.as_bytes(), j2.as_bytes())),
            s("v2-v1.abi", &pair(&b2, &b1)),
            s("v1-v1.abi", &pair(&b1, &b1)),
        ],
    );
    out
}

/// Every generated seed is committed, byte for byte (extra files, such as
/// those a local fuzzing run adds, are allowed). `BLESS=1` writes them.
#[test]
fn seed_corpus_is_current() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut stale = Vec::new();
    for (target, files) in seeds() {
        let dir = fuzz_dir().join("corpus").join(target);
        for (name, bytes) in files {
            let path = dir.join(&name);
            if std::fs::read(&path).ok().as_deref() == Some(&bytes[..]) {
                continue;
            }
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &bytes).unwrap();
            } else {
                stale.push(format!("{target}/{name}"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "seed corpus out of date (run with BLESS=1): {stale:?}"
    );
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Each target runs over its seed corpus and over every regression input
/// (a crash libFuzzer once found, kept in `fuzz/regressions/TARGET/`).
#[test]
fn targets_survive_corpus_and_regressions() {
    let mut ran = 0;
    for (target, run) in TARGETS {
        for sub in ["corpus", "regressions"] {
            for file in files_in(&fuzz_dir().join(sub).join(target)) {
                run(&std::fs::read(&file).unwrap());
                ran += 1;
            }
        }
    }
    let seeds: usize = seeds().values().map(Vec::len).sum();
    assert!(
        ran >= seeds,
        "ran {ran} inputs, fewer than the {seeds} seeds"
    );
}

/// The seeds: every target's, flattened, for mutation.
fn all_seeds() -> Vec<Vec<u8>> {
    seeds()
        .into_values()
        .flatten()
        .map(|(_, bytes)| bytes)
        .collect()
}

/// `seed` with each `(position, byte)` written over it, and cut at `cut`.
fn mutate(seed: &[u8], edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for &(at, byte) in edits {
        if !bytes.is_empty() {
            let n = bytes.len();
            bytes[at % n] = byte;
        }
    }
    bytes.truncate(cut % (bytes.len() + 1));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn targets_survive_random_bytes(data in prop::collection::vec(any::<u8>(), 0..512)) {
        for (_, run) in TARGETS {
            run(&data);
        }
    }

    #[test]
    fn targets_survive_mutated_seeds(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let seeds = all_seeds();
        let seed = which.get(&seeds);
        let data = mutate(seed, &edits, cut.max(seed.len()));
        for (_, run) in TARGETS {
            run(&data);
        }
        let truncated = mutate(seed, &edits, cut);
        for (_, run) in TARGETS {
            run(&truncated);
        }
    }
}
