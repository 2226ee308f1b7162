//! Hostile input: truncated, random, mutated, oversized, deeply nested,
//! non-canonical and future-format encodings, and broken blobs.

use std::time::{Duration, Instant};

use abi_descriptor::{
    BLOB_HEADER_LEN, BLOB_MAGIC, BlobHeader, DecodeError, Descriptor, FORMAT_VERSION, Fingerprint,
    FormatVersion, Limits, blob_body,
};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::alloc::largest_allocation;
use crate::invalid::{BASE, base};
use crate::strategies::descriptor;

/// Allocations larger than this while refusing a hostile length prefix mean
/// the decoder trusted the prefix.
const SMALL: usize = 64 * 1024;

fn limits(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits::DEFAULT;
    f(&mut l);
    l
}

/// Writes a CBOR head: `major` type and argument, in its shortest form.
pub(crate) fn cbor_head(major: u8, arg: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    match arg {
        0..=23 => out.push(m | arg as u8),
        24..=0xff => out.extend([m | 24, arg as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((arg as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((arg as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(arg.to_be_bytes());
        }
    }
}

/// Minimal CBOR writer for hand-made inputs: a JSON value, with definite
/// lengths and keys in the order given.
pub(crate) fn cbor_write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xf6),
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                cbor_head(0, u, out);
            } else if let Some(i) = n.as_i64() {
                cbor_head(1, (-1 - i) as u64, out);
            } else {
                out.push(0xfb);
                out.extend(n.as_f64().expect("a float").to_be_bytes());
            }
        }
        Value::String(s) => {
            cbor_head(3, s.len() as u64, out);
            out.extend(s.as_bytes());
        }
        Value::Array(items) => {
            cbor_head(4, items.len() as u64, out);
            items.iter().for_each(|v| cbor_write(v, out));
        }
        Value::Object(map) => {
            cbor_head(5, map.len() as u64, out);
            for (k, v) in map {
                cbor_write(&Value::String(k.clone()), out);
                cbor_write(v, out);
            }
        }
    }
}

/// [`cbor_write`] into a new buffer.
fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    cbor_write(value, &mut out);
    out
}

/// The base descriptor in canonical order, as decoding CBOR gives it.
fn canonical_base() -> Descriptor {
    let mut d = base();
    d.canonicalize();
    d
}

fn base_value() -> Value {
    serde_json::from_str(BASE).expect("base JSON")
}

#[test]
fn the_cbor_writer_matches_the_library_on_the_base_descriptor() {
    // Decoding what `cbor` writes gives the same descriptor: the hand-made
    // inputs below are what they claim to be.
    let decoded = Descriptor::from_cbor(&cbor(&base_value())).expect("decodes");
    assert_eq!(decoded, base());
}

// ---------------------------------------------------------------------------
// Truncation.

#[test]
fn truncated_cbor_always_errors() {
    let cbor = base().to_cbor().expect("to_cbor");
    assert!(matches!(
        Descriptor::from_cbor(&[]),
        Err(DecodeError::Empty)
    ));
    for end in 1..cbor.len() {
        match Descriptor::from_cbor(&cbor[..end]) {
            Err(DecodeError::Cbor { offset, .. }) => {
                assert!(offset <= end, "{end}: offset {offset}")
            }
            other => panic!("truncated at {end}: {other:?}"),
        }
    }
    assert!(Descriptor::from_cbor(&cbor).is_ok());
}

#[test]
fn truncated_json_always_errors() {
    let json = base().to_json().expect("to_json");
    for (end, _) in json.char_indices() {
        let result = Descriptor::from_json(&json[..end]);
        assert!(
            matches!(result, Err(DecodeError::Json { .. } | DecodeError::Empty)),
            "truncated at {end}: {result:?}"
        );
    }
    assert!(Descriptor::from_json(&json).is_ok());
}

#[test]
fn truncated_blob_always_errors() {
    let blob = base().to_blob().expect("to_blob");
    for end in 0..blob.len() {
        let result = Descriptor::from_blob(&blob[..end]);
        match (end, &result) {
            (0..8, Err(DecodeError::BadMagic { found, .. })) => assert_eq!(found, &blob[..end]),
            (8..BLOB_HEADER_LEN, Err(DecodeError::Truncated { needed, available })) => {
                assert_eq!((*needed, *available), (BLOB_HEADER_LEN as u64, end));
            }
            (_, Err(DecodeError::Truncated { needed, available })) => {
                assert_eq!((*needed, *available), (blob.len() as u64, end));
            }
            _ => panic!("truncated at {end}: {result:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Truncating any generated descriptor's CBOR anywhere is an error.
    #[test]
    fn truncated_generated_cbor_always_errors(d in descriptor()) {
        let cbor = d.to_cbor().expect("to_cbor");
        for end in 0..cbor.len() {
            prop_assert!(Descriptor::from_cbor(&cbor[..end]).is_err(), "truncated at {}", end);
        }
    }
}

// ---------------------------------------------------------------------------
// Random and mutated bytes.

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(Descriptor::from_cbor(&bytes).is_err());
        prop_assert!(Descriptor::from_blob(&bytes).is_err());
        let _ = Descriptor::from_json(&String::from_utf8_lossy(&bytes));
        let _ = BlobHeader::parse(&bytes);
    }

    /// Random bytes behind a valid start, so the decoder gets past the first
    /// item.
    #[test]
    fn random_bytes_after_a_valid_prefix_never_panic(
        keep in 0usize..400,
        tail in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let cbor = base().to_cbor().expect("to_cbor");
        let mut bytes = cbor[..keep.min(cbor.len())].to_vec();
        bytes.extend(tail);
        let _ = Descriptor::from_cbor(&bytes);
    }
}

/// `bytes` with each edit's byte written at its index.
fn overwritten(mut bytes: Vec<u8>, edits: &[(prop::sample::Index, u8)]) -> Vec<u8> {
    for (at, byte) in edits {
        let i = at.index(bytes.len());
        bytes[i] = *byte;
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Overwriting bytes of a valid encoding never makes decoding panic, and
    /// whatever still decodes can be re-encoded, fingerprinted and validated.
    #[test]
    fn mutated_cbor_never_panics(
        d in descriptor(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let bytes = overwritten(d.to_cbor().expect("to_cbor"), &edits);
        if let Ok(decoded) = Descriptor::from_cbor(&bytes) {
            let again = decoded.to_cbor().expect("a decoded descriptor encodes");
            prop_assert_eq!(
                Descriptor::from_cbor(&again).expect("its encoding decodes"),
                { let mut c = decoded.clone(); c.canonicalize(); c }
            );
            let _ = decoded.fingerprints().expect("a decoded descriptor fingerprints");
            let _ = decoded.validate();
        }
    }

    /// Descriptors are decoded by a fast slice decoder, and by ciborium
    /// only for the error message when that fails: whatever decodes, intact
    /// or mutated, decodes to what ciborium makes of the same bytes.
    #[test]
    fn decoding_agrees_with_ciborium(
        d in descriptor(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let bytes = overwritten(d.to_cbor().expect("to_cbor"), &edits);
        if let Ok(decoded) = Descriptor::from_cbor(&bytes) {
            let mut reference: Descriptor = ciborium::from_reader(&bytes[..])
                .expect("ciborium decodes what the fast decoder decodes");
            // Decoding reads any minor version of the format as its own.
            if reference.format.major == decoded.format.major {
                reference.format = decoded.format;
            }
            prop_assert_eq!(decoded, reference);
        } else if edits.is_empty() {
            prop_assert!(false, "an intact encoding does not decode");
        }
    }

    /// The same for the JSON form, byte by byte.
    #[test]
    fn mutated_json_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0x20u8..0x7f), 1..8),
    ) {
        let mut bytes = base().to_json().expect("to_json").into_bytes();
        for (at, byte) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *byte;
        }
        let text = String::from_utf8(bytes).expect("ASCII edits keep UTF-8");
        if let Ok(decoded) = Descriptor::from_json(&text) {
            let _ = decoded.to_cbor().expect("encodes");
            let _ = decoded.validate();
        }
    }
}

// ---------------------------------------------------------------------------
// Hostile length prefixes and nesting.

/// Decodes `bytes`, checking that it takes well under a second and
/// allocates nothing near what the input claims.
fn decode_small(bytes: &[u8], limits: &Limits) -> Result<Descriptor, DecodeError> {
    let start = Instant::now();
    let (result, largest) = largest_allocation(|| Descriptor::from_cbor_with_limits(bytes, limits));
    assert!(
        largest < SMALL,
        "allocated {largest} bytes at once for {} input bytes",
        bytes.len()
    );
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    result
}

/// The tracker behind [`decode_small`] sees allocations, so its bound means
/// something.
#[test]
fn the_allocation_tracker_sees_large_allocations() {
    let (v, largest) = largest_allocation(|| vec![7u8; 1 << 20]);
    assert_eq!(v.len(), 1 << 20);
    assert!(largest >= 1 << 20, "{largest}");
    let cbor = base().to_cbor().expect("to_cbor");
    let (_, largest) = largest_allocation(|| Descriptor::from_cbor(&cbor));
    assert!(largest > 0 && largest < SMALL, "{largest}");
}

fn expect_cbor_error(result: Result<Descriptor, DecodeError>, at: usize, says: &str) {
    match result {
        Err(e @ DecodeError::Cbor { .. }) => {
            let DecodeError::Cbor { offset, reason } = &e else {
                unreachable!()
            };
            assert_eq!(*offset, at, "{e}");
            assert!(reason.contains(says), "{e}");
            assert!(e.to_string().contains(says), "{e}");
        }
        other => panic!("expected a CBOR error saying {says:?}, got {other:?}"),
    }
}

#[test]
fn array_claiming_2_pow_32_items_is_refused_without_allocating() {
    // A top-level array of 2^32 items.
    let bytes = [0x9b, 0, 0, 0, 1, 0, 0, 0, 0];
    expect_cbor_error(
        decode_small(&bytes, &Limits::DEFAULT),
        0,
        "array claims 4294967296 items but only 0 bytes remain",
    );
    // `{"types": <array of 2^32 items>, ...}` followed by some real bytes.
    let mut bytes = vec![0xa1, 0x65];
    bytes.extend(b"types");
    bytes.extend([0x9b, 0, 0, 0, 1, 0, 0, 0, 0]);
    bytes.extend([0u8; 100]);
    expect_cbor_error(
        decode_small(&bytes, &Limits::DEFAULT),
        7,
        "array claims 4294967296 items but only 100 bytes remain",
    );
}

#[test]
fn map_claiming_2_pow_32_entries_is_refused_without_allocating() {
    let bytes = [0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x60];
    expect_cbor_error(
        decode_small(&bytes, &Limits::DEFAULT),
        0,
        "map claims 4294967296 entries but only 2 bytes remain",
    );
}

#[test]
fn byte_string_claiming_4_gib_is_refused_without_allocating() {
    // 4 GiB = 2^32 bytes.
    let bytes = [0x5b, 0, 0, 0, 1, 0, 0, 0, 0, 0xaa];
    expect_cbor_error(
        decode_small(&bytes, &Limits::DEFAULT),
        0,
        "string claims 4294967296 bytes but only 1 remain",
    );
    // As a text key inside the top-level map.
    let mut bytes = vec![0xa1, 0x7b, 0, 0, 0, 1, 0, 0, 0, 0];
    bytes.extend(b"format");
    expect_cbor_error(
        decode_small(&bytes, &Limits::DEFAULT),
        1,
        "string claims 4294967296 bytes but only 6 remain",
    );
    // The largest 32-bit length, as the value of `format`.
    let mut bytes = vec![0xa1, 0x66];
    bytes.extend(b"format");
    bytes.extend([0x7a, 0xff, 0xff, 0xff, 0xff]);
    expect_cbor_error(
        decode_small(&bytes, &Limits::DEFAULT),
        8,
        "string claims 4294967295 bytes but only 0 remain",
    );
}

#[test]
fn cbor_nested_a_million_levels_is_too_deep() {
    let mut bytes = vec![0x81; 1_000_000];
    bytes.push(0x00);
    match decode_small(&bytes, &Limits::DEFAULT) {
        Err(e @ DecodeError::TooDeep { .. }) => {
            let DecodeError::TooDeep { offset, limit } = e else {
                unreachable!()
            };
            assert_eq!((offset, limit), (32, 32));
            assert_eq!(
                e.to_string(),
                "CBOR nests deeper than 32 levels at offset 0x20"
            );
        }
        other => panic!("{other:?}"),
    }
    // Maps and tags nest too.
    let mut maps: Vec<u8> = [0xa1, 0x60].repeat(500_000);
    maps.push(0x00);
    assert!(matches!(
        decode_small(&maps, &Limits::DEFAULT),
        Err(DecodeError::TooDeep {
            offset: 64,
            limit: 32
        })
    ));
    let mut tags = vec![0xc6; 1_000_000];
    tags.push(0x00);
    assert!(matches!(
        decode_small(&tags, &Limits::DEFAULT),
        Err(DecodeError::TooDeep {
            offset: 32,
            limit: 32
        })
    ));
    // A smaller limit is honoured exactly.
    let three = limits(|l| l.max_depth = 3);
    assert!(
        decode_small(&[0x81, 0x81, 0x81, 0x00], &three)
            .is_err_and(|e| !matches!(e, DecodeError::TooDeep { .. }))
    );
    assert!(matches!(
        decode_small(&[0x81, 0x81, 0x81, 0x81, 0x00], &three),
        Err(DecodeError::TooDeep {
            offset: 3,
            limit: 3
        })
    ));
}

/// Even with the depth limit lifted, deep nesting inside an unknown field
/// is an error, not a stack overflow.
#[test]
fn cbor_nested_deeply_with_the_depth_limit_lifted_does_not_overflow_the_stack() {
    let mut bytes = vec![0xa1, 0x61, b'x'];
    bytes.extend(vec![0x81; 1_000_000]);
    bytes.push(0x00);
    let unlimited = limits(|l| l.max_depth = usize::MAX);
    match Descriptor::from_cbor_with_limits(&bytes, &unlimited) {
        Err(DecodeError::Model { message }) => assert_eq!(message, "nesting too deep"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_nested_a_million_levels_is_an_error() {
    let text = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    match Descriptor::from_json(&text) {
        Err(DecodeError::Json {
            line,
            column,
            message,
        }) => {
            assert_eq!((line, column), (1, 33));
            assert_eq!(message, "nesting deeper than 32 levels");
        }
        other => panic!("{other:?}"),
    }
    // Inside the descriptor, after a string holding brackets (which do not count).
    let text = format!(
        "{{\"producer\": {{\"tool\": \"[[[[{{{{\"}},\n \"format\": {}",
        "{\"a\": [".repeat(500_000)
    );
    match Descriptor::from_json(&text) {
        Err(DecodeError::Json { line, column, .. }) => assert_eq!((line, column), (2, 123)),
        other => panic!("{other:?}"),
    }
    // With the limit lifted the parser's own recursion limit still holds.
    let text = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    let unlimited = limits(|l| l.max_depth = usize::MAX);
    assert!(matches!(
        Descriptor::from_json_with_limits(&text, &unlimited),
        Err(DecodeError::Json { .. })
    ));
}

#[test]
fn indefinite_lengths_are_refused() {
    expect_cbor_error(
        Descriptor::from_cbor(&[0xbf, 0xff]),
        0,
        "indefinite-length items are not allowed",
    );
    // An indefinite array as the value of `types`, and an indefinite text string.
    let mut bytes = vec![0xa1, 0x65];
    bytes.extend(b"types");
    bytes.extend([0x9f, 0xff]);
    expect_cbor_error(Descriptor::from_cbor(&bytes), 7, "indefinite-length");
    expect_cbor_error(
        Descriptor::from_cbor(&[0x7f, 0x61, b'a', 0xff]),
        0,
        "indefinite-length",
    );
}

#[test]
fn reserved_and_non_canonical_simple_heads_are_refused() {
    expect_cbor_error(
        Descriptor::from_cbor(&[0x1c]),
        0,
        "reserved additional information 28",
    );
    expect_cbor_error(
        Descriptor::from_cbor(&[0xf8, 0x14]),
        0,
        "simple value 20 in two bytes",
    );
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = base().to_cbor().expect("to_cbor");
    let len = bytes.len();
    bytes.push(0x00);
    expect_cbor_error(
        Descriptor::from_cbor(&bytes),
        len,
        "1 trailing bytes after the descriptor",
    );
    // A second complete descriptor behind the first.
    let mut twice = base().to_cbor().expect("to_cbor");
    twice.extend(base().to_cbor().expect("to_cbor"));
    expect_cbor_error(Descriptor::from_cbor(&twice), len, "trailing bytes");
    // JSON too.
    let json = format!("{} {{}}", base().to_json().expect("to_json"));
    assert!(matches!(
        Descriptor::from_json(&json),
        Err(DecodeError::Json { .. })
    ));
}

#[test]
fn empty_input_is_empty() {
    assert!(matches!(
        Descriptor::from_cbor(&[]),
        Err(DecodeError::Empty)
    ));
    assert!(matches!(Descriptor::from_json(""), Err(DecodeError::Empty)));
    assert!(matches!(
        Descriptor::from_json(" \n\t\r\n"),
        Err(DecodeError::Empty)
    ));
    assert_eq!(
        Descriptor::from_cbor(&[]).expect_err("empty").to_string(),
        "descriptor is empty"
    );
}

#[test]
fn input_over_the_size_limit_is_too_large() {
    let cbor = base().to_cbor().expect("to_cbor");
    let json = base().to_json().expect("to_json");
    let small = limits(|l| l.max_bytes = 100);
    match Descriptor::from_cbor_with_limits(&cbor, &small) {
        Err(DecodeError::TooLarge { size, limit }) => assert_eq!((size, limit), (cbor.len(), 100)),
        other => panic!("{other:?}"),
    }
    match Descriptor::from_json_with_limits(&json, &small) {
        Err(DecodeError::TooLarge { size, limit }) => assert_eq!((size, limit), (json.len(), 100)),
        other => panic!("{other:?}"),
    }
    // The limit is inclusive.
    let exact = limits(|l| l.max_bytes = cbor.len());
    assert!(Descriptor::from_cbor_with_limits(&cbor, &exact).is_ok());
    let below = limits(|l| l.max_bytes = cbor.len() - 1);
    assert!(matches!(
        Descriptor::from_cbor_with_limits(&cbor, &below),
        Err(DecodeError::TooLarge { .. })
    ));
    // A blob whose header states a body over the limit is refused before
    // the body is looked at.
    let blob = base().to_blob().expect("to_blob");
    match blob_body(&blob, &small) {
        Err(DecodeError::TooLarge { size, limit }) => assert_eq!((size, limit), (cbor.len(), 100)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tables_over_the_entry_limit_are_refused() {
    let cbor = base().to_cbor().expect("to_cbor");
    let two = limits(|l| l.max_table_len = 4);
    match Descriptor::from_cbor_with_limits(&cbor, &two) {
        Err(DecodeError::TooManyEntries { table, len, limit }) => {
            assert_eq!((table, len, limit), ("types", 14, 4));
        }
        other => panic!("{other:?}"),
    }
    let json = base().to_json().expect("to_json");
    let many = limits(|l| l.max_table_len = 14);
    match Descriptor::from_json_with_limits(&json, &many) {
        Ok(d) => assert_eq!(d.types.len(), 14),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Format versions.

fn with_format(format: &str) -> Value {
    let mut v = base_value();
    v["format"] = json!(format);
    v
}

#[test]
fn format_2_0_is_unsupported_in_cbor_and_json() {
    let check = |result: Result<Descriptor, DecodeError>, what: &str| match result {
        Err(e @ DecodeError::UnsupportedFormat { .. }) => {
            let DecodeError::UnsupportedFormat { found, supported } = &e else {
                unreachable!()
            };
            assert_eq!(*found, FormatVersion { major: 2, minor: 0 }, "{what}");
            assert_eq!(*supported, FORMAT_VERSION, "{what}");
            let text = e.to_string();
            assert!(
                text.contains("2.0") && text.contains("1.0") && text.contains("upgrade the reader"),
                "{what}: {text}"
            );
        }
        other => panic!("{what}: {other:?}"),
    };
    let v = with_format("2.0");
    check(Descriptor::from_json(&v.to_string()), "JSON");
    check(Descriptor::from_cbor(&cbor(&v)), "CBOR");
    // A 2.0 descriptor need not fit this reader's model at all.
    let alien = json!({ "format": "2.0", "everything": ["is", "different"] });
    check(Descriptor::from_json(&alien.to_string()), "alien JSON");
    check(Descriptor::from_cbor(&cbor(&alien)), "alien CBOR");
}

#[test]
fn format_0_9_asks_to_regenerate() {
    let v = with_format("0.9");
    for result in [
        Descriptor::from_json(&v.to_string()),
        Descriptor::from_cbor(&cbor(&v)),
    ] {
        let e = result.expect_err("0.9 is another major");
        assert!(matches!(e, DecodeError::UnsupportedFormat { .. }), "{e:?}");
        assert!(e.to_string().contains("regenerate the descriptor"), "{e}");
    }
}

#[test]
fn malformed_format_versions_are_refused() {
    for bad in [
        "1",
        "1.0.0",
        "01.0",
        "1.00",
        "v1.0",
        "1.-1",
        "",
        "1.99999999999",
    ] {
        let v = with_format(bad);
        assert!(
            matches!(
                Descriptor::from_json(&v.to_string()),
                Err(DecodeError::Json { .. })
            ),
            "{bad:?}"
        );
        assert!(
            matches!(
                Descriptor::from_cbor(&cbor(&v)),
                Err(DecodeError::Model { .. })
            ),
            "{bad:?}"
        );
    }
}

/// A newer minor with fields this reader does not know, at the top level,
/// in a function, in a type and in a nested value: they are ignored.
#[test]
fn newer_minor_with_unknown_fields_is_read() {
    let mut v = with_format("1.7");
    v["future_table"] = json!([{ "id": "x", "stuff": [1, 2, { "deep": null }] }]);
    v["functions"][0]["future_flag"] = json!(true);
    v["functions"][3]["wire"]["future_wire"] = json!({ "a": 1.5 });
    v["types"][0]["future_type_field"] = json!("hello");
    v["types"][0]["fields"][0]["future_field_attr"] = json!(-3);
    v["target"]["future_target_attr"] = json!(16);
    let expect = |mut d: Descriptor, what: &str| {
        assert_eq!(d.format.major, 1, "{what}");
        d.format = FORMAT_VERSION;
        assert_eq!(d, base(), "{what}");
    };
    expect(
        Descriptor::from_json(&v.to_string()).expect("1.7 JSON is read"),
        "JSON",
    );
    expect(
        Descriptor::from_cbor(&cbor(&v)).expect("1.7 CBOR is read"),
        "CBOR",
    );
}

/// New kinds are a format-major change: an unknown kind is an error, not
/// silently dropped.
#[test]
fn unknown_type_kind_is_an_error() {
    let mut v = base_value();
    v["types"][0]["kind"] = json!("vector");
    assert!(matches!(
        Descriptor::from_json(&v.to_string()),
        Err(DecodeError::Json { .. })
    ));
    assert!(matches!(
        Descriptor::from_cbor(&cbor(&v)),
        Err(DecodeError::Model { .. })
    ));
}

#[test]
fn out_of_range_integers_are_refused() {
    for value in ["18446744073709551616", "-9223372036854775809", "1e3", "1.0"] {
        let text = BASE.replacen(r#"{ "int": 100 }"#, &format!(r#"{{ "int": {value} }}"#), 1);
        assert_ne!(text, BASE);
        assert!(
            matches!(Descriptor::from_json(&text), Err(DecodeError::Json { .. })),
            "{value} accepted"
        );
    }
    // In CBOR, as a negative integer below i64::MIN: -2^64.
    let mut v = base_value();
    v["constants"][0]["value"] = json!({ "int": 0 });
    let mut bytes = cbor(&v);
    let needle = [0xa1, 0x63, b'i', b'n', b't', 0x00];
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the int constant");
    bytes.splice(
        at + 5..at + 6,
        [0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    );
    assert!(Descriptor::from_cbor(&bytes).is_err());
}

// ---------------------------------------------------------------------------
// Blobs.

#[test]
fn blob_with_bad_magic_is_refused() {
    let mut blob = base().to_blob().expect("to_blob");
    blob[1] = b'X';
    match Descriptor::from_blob(&blob) {
        Err(DecodeError::BadMagic { expected, found }) => {
            assert_eq!(expected, BLOB_MAGIC);
            assert_eq!(found, blob[..8]);
        }
        other => panic!("{other:?}"),
    }
    // A blob passed through a text-mode CRLF -> LF conversion.
    let blob = base().to_blob().expect("to_blob");
    let mangled: Vec<u8> = {
        let mut out = Vec::new();
        let mut i = 0;
        while i < blob.len() {
            if blob[i] == b'\r' && blob.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            out.push(blob[i]);
            i += 1;
        }
        out
    };
    assert!(matches!(
        Descriptor::from_blob(&mangled),
        Err(DecodeError::BadMagic { .. })
    ));
    assert!(matches!(
        Descriptor::from_blob(b"\x89AB"),
        Err(DecodeError::BadMagic { found, .. }) if found == b"\x89AB"
    ));
}

#[test]
fn blob_with_header_version_2_is_refused() {
    let mut blob = base().to_blob().expect("to_blob");
    blob[8..10].copy_from_slice(&2u16.to_le_bytes());
    match Descriptor::from_blob(&blob) {
        Err(
            e @ DecodeError::HeaderVersion {
                found: 2,
                supported: 1,
            },
        ) => {
            assert!(e.to_string().contains("version 2"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn blob_with_a_short_header_length_is_refused() {
    let mut blob = base().to_blob().expect("to_blob");
    blob[10..12].copy_from_slice(&40u16.to_le_bytes());
    assert!(matches!(
        Descriptor::from_blob(&blob),
        Err(DecodeError::HeaderLength {
            found: 40,
            minimum: 48
        })
    ));
}

#[test]
fn blob_with_a_longer_header_is_read_past_it() {
    let cbor = base().to_cbor().expect("to_cbor");
    let mut blob = base().to_blob().expect("to_blob");
    blob[10..12].copy_from_slice(&64u16.to_le_bytes());
    blob.splice(BLOB_HEADER_LEN..BLOB_HEADER_LEN, [0xee; 16]);
    assert_eq!(blob_body(&blob, &Limits::DEFAULT).expect("body"), &cbor[..]);
    assert_eq!(
        Descriptor::from_blob(&blob).expect("decodes"),
        canonical_base()
    );
}

#[test]
fn blob_body_longer_than_the_file_is_truncated() {
    let mut blob = base().to_blob().expect("to_blob");
    let body_len = blob.len() - BLOB_HEADER_LEN;
    blob[12..16].copy_from_slice(&(body_len as u32 + 1).to_le_bytes());
    match Descriptor::from_blob(&blob) {
        Err(DecodeError::Truncated { needed, available }) => {
            assert_eq!(needed, blob.len() as u64 + 1);
            assert_eq!(available, blob.len());
        }
        other => panic!("{other:?}"),
    }
    // A header claiming 4 GiB - 1 is refused without allocating.
    blob[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    let (result, largest) = largest_allocation(|| Descriptor::from_blob(&blob));
    assert!(largest < SMALL, "{largest}");
    assert!(matches!(result, Err(DecodeError::TooLarge { size, .. }) if size == u32::MAX as usize));
}

#[test]
fn blob_with_a_flipped_body_byte_fails_the_hash() {
    let blob = base().to_blob().expect("to_blob");
    let header = BlobHeader::parse(&blob).expect("header");
    for at in [BLOB_HEADER_LEN, blob.len() / 2, blob.len() - 1] {
        let mut broken = blob.clone();
        broken[at] ^= 0x01;
        match Descriptor::from_blob(&broken) {
            Err(e @ DecodeError::HashMismatch { .. }) => {
                let DecodeError::HashMismatch { expected, found } = &e else {
                    unreachable!()
                };
                assert_eq!(*expected, header.hash);
                assert_eq!(*found, Fingerprint::of_bytes(&broken[BLOB_HEADER_LEN..]));
                let text = e.to_string();
                assert!(text.contains(&expected.to_string()), "{text}");
                assert!(text.contains(&found.to_string()), "{text}");
            }
            other => panic!("flipped byte {at}: {other:?}"),
        }
    }
    // A flipped hash byte too.
    let mut broken = blob.clone();
    broken[20] ^= 0x80;
    assert!(matches!(
        Descriptor::from_blob(&broken),
        Err(DecodeError::HashMismatch { .. })
    ));
}

#[test]
fn bytes_after_the_blob_body_are_ignored() {
    let blob = base().to_blob().expect("to_blob");
    let mut padded = blob.clone();
    padded.extend([0u8, 0xff, 0x81, 0x00, b'x'].repeat(100));
    assert_eq!(
        blob_body(&padded, &Limits::DEFAULT).expect("body"),
        &blob[BLOB_HEADER_LEN..]
    );
    assert_eq!(
        Descriptor::from_blob(&padded).expect("decodes"),
        canonical_base()
    );
}

// ---------------------------------------------------------------------------
// Non-canonical but readable input, and duplicate keys.

/// The offset of the encoded text key `key` in `bytes`.
fn key_at(bytes: &[u8], key: &str) -> usize {
    let mut needle = vec![0x60 | key.len() as u8];
    needle.extend(key.as_bytes());
    bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("no key {key}"))
}

#[test]
fn duplicate_keys_are_refused() {
    let mut bytes = base().to_cbor().expect("to_cbor");
    assert_eq!(bytes[0], 0xaa, "a map of 10 entries");
    bytes[0] = 0xab;
    bytes.extend([
        0x66, b'f', b'o', b'r', b'm', b'a', b't', 0x63, b'1', b'.', b'0',
    ]);
    match Descriptor::from_cbor(&bytes) {
        Err(e @ DecodeError::Model { .. }) => assert_eq!(
            e.to_string(),
            "descriptor does not match the format: duplicate field `format`"
        ),
        other => panic!("{other:?}"),
    }
    match Descriptor::from_json(r#"{"format": "1.0", "format": "1.0"}"#) {
        Err(DecodeError::Json {
            line,
            column,
            message,
        }) => {
            assert_eq!((line, column), (1, 26));
            assert_eq!(message, "duplicate field `format`");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn model_errors_name_the_problem() {
    let mut v = base_value();
    v["target"]["endian"] = json!("middle");
    let e = Descriptor::from_cbor(&cbor(&v)).expect_err("no such endian");
    assert_eq!(
        e.to_string(),
        "descriptor does not match the format: unknown variant `middle`, expected `little` or `big`"
    );
    match Descriptor::from_json("{\n  \"format\": }") {
        Err(e @ DecodeError::Json { .. }) => assert_eq!(
            e.to_string(),
            "invalid JSON descriptor at line 2, column 13: expected value"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn self_described_cbor_tag_is_skipped() {
    let body = base().to_cbor().expect("to_cbor");
    let mut tagged = vec![0xd9, 0xd9, 0xf7];
    tagged.extend(&body);
    let decoded = Descriptor::from_cbor(&tagged).expect("tag 55799 decodes");
    assert_eq!(decoded, canonical_base());
    assert_eq!(decoded.to_cbor().expect("to_cbor"), body);
}

#[test]
fn non_shortest_heads_are_read_and_re_encoded_canonically() {
    let body = base().to_cbor().expect("to_cbor");
    let mut long = body.clone();
    // `format` as text with a one-byte length, the top-level map with a
    // two-byte count, and `pointer_width` 64 in eight bytes.
    let at = key_at(&long, "format");
    long.splice(at..at + 1, [0x78, 0x06]);
    let pw = key_at(&long, "pointer_width") + 14;
    assert_eq!(long[pw..pw + 2], [0x18, 0x40]);
    long.splice(pw..pw + 2, [0x1b, 0, 0, 0, 0, 0, 0, 0, 0x40]);
    long.splice(0..1, [0xb9, 0x00, 0x0a]);
    let decoded = Descriptor::from_cbor(&long).expect("non-shortest heads decode");
    assert_eq!(decoded, canonical_base());
    assert_eq!(decoded.to_cbor().expect("to_cbor"), body);
}

#[test]
fn invalid_utf8_text_is_refused() {
    let mut bytes = base().to_cbor().expect("to_cbor");
    // The library name "geo" becomes "g\xffo".
    let at = bytes
        .windows(4)
        .position(|w| w == [0x63, b'g', b'e', b'o'])
        .expect("the library name");
    bytes[at + 2] = 0xff;
    match Descriptor::from_cbor(&bytes) {
        Err(DecodeError::Cbor { offset, reason }) => {
            assert_eq!(offset, at, "the offset of the text string");
            assert_eq!(reason, "text string is not valid UTF-8");
        }
        other => panic!("{other:?}"),
    }
    assert!(Descriptor::from_json(r#"{"format": "\ud800"}"#).is_err());
}

#[test]
fn blob_body_over_the_default_limit_cannot_be_wrapped() {
    let body = vec![0u8; (64 << 20) + 1];
    match abi_descriptor::blob_from_body(&body) {
        Err(abi_descriptor::EncodeError::TooLarge { size, limit }) => {
            assert_eq!((size, limit), (body.len(), 64 << 20));
        }
        other => panic!("{:?}", other.map(|b| b.len())),
    }
}
