//! The memory bound of `docs/limits.md`: decoding and validating a large
//! valid descriptor keeps at most a fixed multiple of its encoded size live.

use abi_descriptor::Descriptor;
use serde_json::{Value, json};

use crate::alloc::peak_live;

/// The documented bound (docs/limits.md): peak live bytes while decoding,
/// validating, encoding or fingerprinting at most this many times the
/// encoded size (the canonical CBOR's, the JSON text's for JSON).
const BOUND: usize = 8;

/// A descriptor shaped like a real library's: `n` functions of up to four
/// parameters over `n / 4` structs of primitive, pointer and nested fields,
/// with pointer types to each struct and a few enums and callbacks.
fn large(n: usize) -> Descriptor {
    let structs = n / 4;
    let mut types = Vec::new();
    let prims = ["i8", "i16", "i32", "i64", "u32", "f64", "usize", "bool"];
    for s in 0..structs {
        let mut fields = Vec::new();
        let mut offset = 0u64;
        for f in 0..(1 + s % 6) {
            let ty = match f % 3 {
                0 => prims[(s + f) % prims.len()].to_owned(),
                1 if s > 0 => format!("PS{}", s - 1),
                _ => "i64".to_owned(),
            };
            fields.push(json!({ "name": format!("field_{f}"), "type": ty, "offset": offset }));
            offset += 8;
        }
        types.push(json!({
            "id": format!("S{s}"), "kind": "struct", "size": offset, "align": 8, "fields": fields
        }));
        types.push(json!({
            "id": format!("PS{s}"), "kind": "pointer", "pointee": format!("S{s}"), "mutability": "mut"
        }));
    }
    for e in 0..(n / 20).max(1) {
        types.push(json!({
            "id": format!("E{e}"), "kind": "enum", "repr": "i32",
            "variants": [ { "name": format!("E{e}_A"), "value": 0 }, { "name": format!("E{e}_B"), "value": 1 } ]
        }));
    }
    let functions: Vec<Value> = (0..n)
        .map(|i| {
            let params: Vec<Value> = (0..(i % 5))
                .map(|p| {
                    let ty = match p % 3 {
                        0 => format!("PS{}", (i + p) % structs),
                        1 => format!("E{}", (i + p) % (n / 20).max(1)),
                        _ => prims[(i + p) % prims.len()].to_owned(),
                    };
                    json!({ "name": format!("arg_{p}"), "type": ty })
                })
                .collect();
            json!({ "symbol": format!("lib_function_{i}"), "params": params, "return": "i32" })
        })
        .collect();
    let d = json!({
        "format": "1.0",
        "library": { "name": "large", "version": "1.0.0" },
        "producer": { "language": "c", "tool": "memory-test", "version": "1" },
        "target": {
            "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little",
            "c_int": 4, "c_long": 8, "size_t": 8, "c_char_signed": true, "default_abi": "sysv64"
        },
        "types": types,
        "functions": functions,
    });
    let d = Descriptor::from_json(&d.to_string()).expect("the large descriptor decodes");
    d.validate().expect("the large descriptor is valid");
    d
}

#[test]
fn decoding_a_large_descriptor_keeps_a_bounded_multiple_of_its_size_live() {
    let d = large(20_000);
    let cbor = d.to_cbor().expect("to_cbor");
    let blob = d.to_blob().expect("to_blob");
    let json = d.to_json().expect("to_json");
    assert!(cbor.len() > 1 << 20, "a large input: {} bytes", cbor.len());

    let (decoded, from_cbor) = peak_live(|| Descriptor::from_cbor(&cbor).expect("from_cbor"));
    let (_, from_blob) = peak_live(|| Descriptor::from_blob(&blob).expect("from_blob"));
    let (_, from_json) = peak_live(|| Descriptor::from_json(&json).expect("from_json"));
    let (valid, validate) = peak_live(|| decoded.validate());
    valid.expect("valid");
    let (_, encode) = peak_live(|| decoded.to_cbor().expect("to_cbor"));
    let (_, fingerprint) = peak_live(|| decoded.fingerprint().expect("fingerprint"));
    eprintln!(
        "CBOR {} bytes, JSON {} bytes; peak live: from_cbor {from_cbor}, from_blob {from_blob}, \
         from_json {from_json}, validate {validate}, to_cbor {encode}, fingerprint {fingerprint}",
        cbor.len(),
        json.len()
    );
    for (what, peak, input) in [
        ("from_cbor", from_cbor, cbor.len()),
        ("from_blob", from_blob, blob.len()),
        ("from_json", from_json, json.len()),
        ("validate", validate, cbor.len()),
        ("to_cbor", encode, cbor.len()),
        ("fingerprint", fingerprint, cbor.len()),
    ] {
        assert!(
            peak <= BOUND * input,
            "{what}: peak {peak} bytes live for {input} bytes of input, over {BOUND}x"
        );
    }
    // The model is what decoding keeps: the bound is not met by accident of
    // a tracker that sees nothing.
    assert!(from_cbor > cbor.len(), "{from_cbor}");
}

/// The tracker counts frees: memory allocated and freed inside the measured
/// call does not add up.
#[test]
fn the_tracker_counts_live_bytes_not_allocated_bytes() {
    let ((), peak) = peak_live(|| {
        for _ in 0..100 {
            drop(vec![1u8; 1 << 16]);
        }
    });
    assert!((1 << 16..2 << 16).contains(&peak), "{peak}");
}
