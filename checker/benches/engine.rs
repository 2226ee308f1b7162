//! Micro benchmarks of the engine on a synthetic descriptor of 1,000
//! functions and 250 structs, shaped like the libraries `bench/gen.py`
//! writes: decoding (canonical CBOR and the blob), canonical encoding,
//! fingerprints, validation, the diff, and the check a loader makes of a
//! library against a host's expectation.
//!
//! `cargo bench -p abi-check --bench engine` (add `-- --quick` for a short
//! run). `bench/run.sh` runs the end-to-end comparison with other tools.

use std::hint::black_box;

use abi_descriptor::{Descriptor, Threading};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

/// Functions in the benchmarked descriptor.
const FUNCTIONS: usize = 1000;

/// A small deterministic generator (64-bit LCG, high bits).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Primitives and their size (= alignment on x86_64).
const PRIMS: [(&str, u64); 13] = [
    ("i8", 1),
    ("i16", 2),
    ("i32", 4),
    ("i64", 8),
    ("u8", 1),
    ("u16", 2),
    ("u32", 4),
    ("u64", 8),
    ("f32", 4),
    ("f64", 8),
    ("bool", 1),
    ("c_char", 1),
    ("usize", 8),
];

/// The synthetic library: N functions, N/4 structs, N/20 enums and
/// callbacks, x86_64 layouts. `breaking` widens a field of one struct,
/// removes one function and changes one parameter's type; `extra` adds
/// functions.
fn synthetic(n: usize, breaking: bool, extra: usize) -> Descriptor {
    let mut rng = Rng(0x5eed);
    let structs = n / 4;
    let enums = (n / 20).max(2);
    let callbacks = (n / 20).max(2);
    let mut types: Vec<Value> = Vec::new();
    let mut pointers = std::collections::BTreeSet::new();
    let mut pointer = |s: usize, constant: bool| {
        let m = if constant { "const" } else { "mut" };
        pointers.insert((format!("*{m} S{s}"), format!("S{s}"), m));
        format!("*{m} S{s}")
    };
    for e in 0..enums {
        let variants: Vec<Value> = (0..2 + e % 5)
            .map(|v| json!({ "name": format!("E{e}_V{v}"), "value": v }))
            .collect();
        types.push(
            json!({ "id": format!("E{e}"), "kind": "enum", "repr": "u32", "variants": variants }),
        );
    }
    for c in 0..callbacks {
        let mut params = vec![json!({ "name": "p0", "type": pointer(rng.below(structs), true) })];
        params.push(json!({ "name": "p1", "type": "*mut void" }));
        types.push(json!({ "id": format!("Cb{c}"), "kind": "function_pointer",
                           "params": params, "return": "i32", "user_data": 1 }));
    }
    types.push(
        json!({ "id": "*mut void", "kind": "pointer", "pointee": "void",
                       "mutability": "mut", "nullable": true }),
    );
    // Fields: (name, type, size, align); by-value structs only of lower index.
    let mut layouts: Vec<(u64, u64)> = Vec::new();
    for s in 0..structs {
        let mut fields = Vec::new();
        let (mut offset, mut align) = (0u64, 1u64);
        for f in 0..1 + rng.below(8) {
            let r = rng.below(100);
            let (ty, size, al) = if r < 60 {
                let (p, sz) = PRIMS[rng.below(PRIMS.len())];
                let p = if breaking && s == structs / 2 && f == 0 {
                    "i64"
                } else {
                    p
                };
                let sz = if p == "i64" { 8 } else { sz };
                (p.to_owned(), sz, sz)
            } else if r < 75 {
                (pointer(rng.below(structs), rng.below(2) == 0), 8, 8)
            } else if r < 83 {
                (format!("E{}", rng.below(enums)), 4, 4)
            } else if r < 90 {
                (format!("Cb{}", rng.below(callbacks)), 8, 8)
            } else if s > 0 {
                let inner = rng.below(s);
                let (sz, al) = layouts[inner];
                (format!("S{inner}"), sz, al)
            } else {
                ("u64".to_owned(), 8, 8)
            };
            offset = offset.div_ceil(al) * al;
            fields.push(json!({ "name": format!("f{f}"), "type": ty, "offset": offset }));
            offset += size;
            align = align.max(al);
        }
        let size = offset.div_ceil(align) * align;
        layouts.push((size, align));
        types.push(
            json!({ "id": format!("S{s}"), "kind": "struct", "size": size,
                           "align": align, "fields": fields }),
        );
    }
    let mut functions = Vec::new();
    for f in 0..n + extra {
        let mut params = Vec::new();
        for p in 0..rng.below(6) {
            let r = rng.below(100);
            let ty = if r < 40 {
                let prim = PRIMS[rng.below(PRIMS.len())].0;
                if breaking && f == n / 3 && p == 0 {
                    "i128"
                } else {
                    prim
                }
                .to_owned()
            } else if r < 75 {
                pointer(rng.below(structs), rng.below(2) == 0)
            } else if r < 85 {
                format!("E{}", rng.below(enums))
            } else if r < 95 {
                format!("Cb{}", rng.below(callbacks))
            } else {
                format!("S{}", rng.below(structs))
            };
            params.push(json!({ "name": format!("a{p}"), "type": ty }));
        }
        if breaking && f == n / 2 {
            continue;
        }
        let prefix = if f < n { "synth_fn_" } else { "synth_new_fn_" };
        functions
            .push(json!({ "symbol": format!("{prefix}{f}"), "params": params, "return": "i32" }));
    }
    for (id, pointee, m) in pointers {
        types.push(json!({ "id": id, "kind": "pointer", "pointee": pointee, "mutability": m }));
    }
    let version = if breaking || extra > 0 {
        "1.1.0"
    } else {
        "1.0.0"
    };
    let d = json!({
        "format": "1.0",
        "library": { "name": "synth", "version": version, "soname": "libsynth.so.1" },
        "producer": { "language": "c", "tool": "checker/benches/engine.rs", "version": "1" },
        "target": { "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little",
                    "c_int": 4, "c_long": 8, "size_t": 8, "c_char_signed": true,
                    "default_abi": "sysv64" },
        "types": types,
        "functions": functions,
    });
    let d = Descriptor::from_json(&d.to_string()).expect("the synthetic descriptor decodes");
    d.validate().expect("the synthetic descriptor is valid");
    d
}

fn engine(c: &mut Criterion) {
    let base = synthetic(FUNCTIONS, false, 0);
    let breaking = synthetic(FUNCTIONS, true, 0);
    let additive = synthetic(FUNCTIONS, false, FUNCTIONS / 10);
    let cbor = base.to_cbor().expect("encodes");
    let blob = base.to_blob().expect("encodes");
    assert!(
        !abi_check::compare(&base, &breaking)
            .expect("compares")
            .compatible
    );
    assert!(
        abi_check::compare(&base, &additive)
            .expect("compares")
            .compatible
    );

    let mut g = c.benchmark_group(format!("{FUNCTIONS}_functions"));
    g.throughput(Throughput::Bytes(cbor.len() as u64));
    g.bench_function("decode_cbor", |b| {
        b.iter(|| Descriptor::from_cbor(black_box(&cbor)).expect("decodes"))
    });
    g.bench_function("decode_blob", |b| {
        b.iter(|| Descriptor::from_blob(black_box(&blob)).expect("decodes"))
    });
    g.bench_function("validate", |b| {
        b.iter(|| black_box(&base).validate().expect("valid"))
    });
    // What a loader's full check does with an embedded blob.
    g.bench_function("decode_blob_and_validate", |b| {
        b.iter(|| {
            let d = Descriptor::from_blob(black_box(&blob)).expect("decodes");
            d.validate().expect("valid");
            d
        })
    });
    g.bench_function("encode_canonical", |b| {
        b.iter(|| black_box(&base).to_cbor().expect("encodes"))
    });
    g.bench_function("canonicalize", |b| {
        b.iter_batched(
            || base.clone(),
            |mut d| {
                d.canonicalize();
                d
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("fingerprints", |b| {
        b.iter(|| black_box(&base).fingerprints().expect("encodes"))
    });
    g.bench_function("diff_identical", |b| {
        b.iter(|| abi_check::compare(black_box(&base), black_box(&base)).expect("compares"))
    });
    g.bench_function("diff_additive", |b| {
        b.iter(|| abi_check::compare(black_box(&base), black_box(&additive)).expect("compares"))
    });
    g.bench_function("diff_breaking", |b| {
        b.iter(|| abi_check::compare(black_box(&base), black_box(&breaking)).expect("compares"))
    });
    // A loader's check of a decoded library against the host's prepared
    // expectation (made once, as `abi_loader::Expectation` does): equal item
    // fingerprints (no comparison), and the full check (every function
    // differs compatibly, so everything is compared).
    let mut expected = base.clone();
    for f in &mut expected.functions {
        f.threading = Threading::ContextThread;
    }
    let full_host = abi_check::HostExpectation::new(&expected).expect("prepares");
    let same_host = abi_check::HostExpectation::new(&base).expect("prepares");
    let full = full_host.check(&base).expect("checks");
    assert!(full.accepted() && !full.fingerprints_match);
    let same = same_host.check(&base).expect("checks");
    assert!(same.accepted() && same.fingerprints_match);
    g.bench_function("fingerprint", |b| {
        b.iter(|| black_box(&base).fingerprint().expect("encodes"))
    });
    g.bench_function("host_check_fingerprints_match", |b| {
        b.iter(|| same_host.check(black_box(&base)).expect("checks"))
    });
    g.bench_function("host_check_full", |b| {
        b.iter(|| full_host.check(black_box(&base)).expect("checks"))
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
