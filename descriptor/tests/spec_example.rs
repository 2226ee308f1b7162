//! The worked example of docs/descriptor-format.md, section 9: the crate
//! produces exactly the bytes, offsets, header and fingerprints the
//! specification prints, and the specification still prints them.

use abi_descriptor::{BLOB_HEADER_LEN, Descriptor, Fingerprint, ItemKind, ItemRef, TypeKind};
use sha2::{Digest, Sha256};

fn spec() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/descriptor-format.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The JSON block of section 9.1.
fn example_json() -> String {
    let spec = spec();
    let section = spec.split_once("### 9.1 JSON form").expect("section 9.1").1;
    let block = section.split_once("```json\n").expect("a JSON block").1;
    block
        .split_once("```")
        .expect("the block ends")
        .0
        .to_owned()
}

fn example() -> Descriptor {
    Descriptor::from_json(&example_json()).expect("the example decodes")
}

fn unhex(text: &str) -> Vec<u8> {
    let digits: String = text.chars().filter(char::is_ascii_hexdigit).collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).expect("hex"))
        .collect()
}

fn text_key(key: &str) -> Vec<u8> {
    let mut out = vec![0x60 | key.len() as u8];
    out.extend(key.as_bytes());
    out
}

const FIRST_BYTES: &str = "
a9 65 74 79 70 65 73 8b a7 62 69 64 6b 46 46 49 43 61 6c 6c 42 61 63 6b 64 6b 69 6e 64
70 66 75 6e 63 74 69 6f 6e 5f 70 6f 69 6e 74 65 72 66 70 61 72 61 6d 73 84 a2 64 6e 61
6d 65 63 72 65 74 64 74 79 70 65 63 69 33 32 a2 64 6e 61 6d 65 63 6d 73 67 64 74 79 70
65 74 63 6f 6e 73 74 20 63 68 61 72 20 2a 20 28 73 69 7a 65 64 29 a3 64 6e 61 6d 65 63
6c 65 6e 64 74 79 70 65 65 75 73 69 7a 65 69 6c 65 6e 67 74 68 5f 6f 66";

const LAST_BYTES: &str = "
6b 636f64655f7461626c6573 81
a2 62 6964 67 6666695f726574
   65 636f646573 84
   a3 64 6e616d65 66 5245545f4f4b 65 66696e616c f5 65 76616c7565 00
   a3 64 6e616d65 67 5245545f455252 65 66696e616c f5 65 76616c7565 01
   a3 64 6e616d65 74 5245545f4d495353494e475f43414c4c4241434b 65 66696e616c f5 65 76616c7565 02
   a3 64 6e616d65 6e 5245545f5354414c455f5741524e 65 66696e616c f4 65 76616c7565 03";

const BLOB_HEADER: &str = "
89 41 42 49 0d 0a 1a 0a 01 00 30 00 b3 0b 00 00
06 d2 b0 0d 6d a3 8b 70 47 86 73 bb 56 be f7 4e
89 a6 61 0d bf 24 90 c3 bc 07 fd 9d dd fe e7 c9";

const DESCRIPTOR_FINGERPRINT: &str =
    "06d2b00d6da38b70478673bb56bef74e89a6610dbf2490c3bc07fd9dddfee7c9";

const ITEM_FINGERPRINTS: [(ItemKind, &str, &str); 6] = [
    (
        ItemKind::Function,
        "relay_add_event_listener",
        "6b507da10da86fdfd367435aeceff8512305f94404a34ce28fd891a453b18747",
    ),
    (
        ItemKind::Function,
        "relay_destroy",
        "2f90c61acc6a3016c4ae4701e309475704e8f736403a8d2614c0738ae17d3c96",
    ),
    (
        ItemKind::Function,
        "relay_publish",
        "4acbaa07e41b910a7217eed66e63dc210fe240da4487e245417bb82ad671d3a5",
    ),
    (
        ItemKind::Function,
        "relay_stats_free",
        "171cc56d3e5dd6ee0de6049100cf4a066d053d350c302de6d302948830720246",
    ),
    (
        ItemKind::Function,
        "relay_stats_get",
        "5509dfc2af5f3ad52ab7fd72a0c9480eb30d3192bb37b369849439a929ac1830",
    ),
    (
        ItemKind::Constant,
        "RELAY_ABI_VERSION",
        "5040d496535c7dbefc039db1148d79313f3b3537a483bb720084cdee1db43ffc",
    ),
];

#[test]
fn example_decodes_validates_and_is_already_canonical() {
    let d = example();
    d.validate().expect("the example is valid");
    let mut c = d.clone();
    c.canonicalize();
    assert_eq!(c, d, "the example is written in canonical order");
}

#[test]
fn example_encodes_to_the_documented_bytes() {
    let body = example().to_cbor().expect("to_cbor");
    assert_eq!(body.len(), 2995);
    let first = unhex(FIRST_BYTES);
    assert_eq!(first.len(), 0x8c);
    assert_eq!(body[..first.len()], first[..]);
    let last = unhex(LAST_BYTES);
    assert_eq!(body[body.len() - last.len()..], last[..]);
    assert_eq!(last.len(), 12 + 151, "key and the last 151 bytes");

    // The descriptor map's keys at the documented offsets.
    let keys = [
        (0x0001, "types"),
        (0x04c6, "format"),
        (0x04d1, "target"),
        (0x0551, "library"),
        (0x0588, "producer"),
        (0x05b3, "constants"),
        (0x05eb, "functions"),
        (0x0979, "wire_types"),
        (0x0b10, "code_tables"),
    ];
    for (offset, key) in keys {
        let encoded = text_key(key);
        assert_eq!(
            body[offset..offset + encoded.len()],
            encoded[..],
            "`{key}` at {offset:#06x}"
        );
    }
    // types: array(11) of 1215 bytes, up to `format`.
    assert_eq!(body[0x0007], 0x8b);
    assert_eq!(0x04c6 - 0x0007, 1215);
    // format: text(3) "1.0".
    assert_eq!(body[0x04cd..0x04d1], [0x63, 0x31, 0x2e, 0x30]);
    // target: map(8) of 121 bytes, up to `library`.
    assert_eq!(body[0x04d8], 0xa8);
    assert_eq!(0x0551 - 0x04d8, 121);
    assert_eq!(body[0x0559], 0xa3, "library: map(3)");
    assert_eq!(body[0x0591], 0xa3, "producer: map(3)");
    assert_eq!(body[0x05bd], 0x81, "constants: array(1)");
    assert_eq!(body[0x05f5], 0x85, "functions: array(5)");
    assert_eq!(body[0x0984], 0x84, "wire_types: array(4)");
}

#[test]
fn example_blob_has_the_documented_header() {
    let blob = example().to_blob().expect("to_blob");
    assert_eq!(blob.len(), 3043);
    assert_eq!(blob[..BLOB_HEADER_LEN], unhex(BLOB_HEADER)[..]);
    assert_eq!(
        blob[BLOB_HEADER_LEN..],
        example().to_cbor().expect("to_cbor")[..]
    );
}

#[test]
fn example_has_the_documented_fingerprints() {
    let fingerprints = example().fingerprints().expect("fingerprints");
    assert_eq!(fingerprints.descriptor.to_string(), DESCRIPTOR_FINGERPRINT);
    assert_eq!(fingerprints.items.len(), ITEM_FINGERPRINTS.len());
    for (kind, name, hex) in ITEM_FINGERPRINTS {
        let item = ItemRef {
            kind,
            name: name.to_owned(),
        };
        assert_eq!(
            fingerprints
                .items
                .get(&item)
                .map(Fingerprint::to_string)
                .as_deref(),
            Some(hex),
            "{item}"
        );
    }
    // The specification prints the same values.
    let spec = spec();
    assert!(spec.contains(&format!("descriptor fingerprint: {DESCRIPTOR_FINGERPRINT}")));
    for (kind, name, hex) in ITEM_FINGERPRINTS {
        let line = format!("item {} `{name}`: {hex}", kind.as_str());
        assert!(spec.contains(&line), "the specification lacks {line:?}");
    }
}

/// Recomputes the constant's fingerprint from the formula in section 9.4,
/// with SHA-256 directly.
#[test]
fn constant_fingerprint_follows_the_documented_formula() {
    let body = example().to_cbor().expect("to_cbor");
    let target = &body[0x04d8..0x0551];
    let constant = unhex(
        "a3 64 6e616d65 71 52454c41595f4142495f56455253494f4e 64 74797065 63 753332
         65 76616c7565 a1 63 696e74 03",
    );
    assert_eq!(constant.len(), 45);
    let mut h = Sha256::new();
    h.update(b"abi-descriptor/1/item\0");
    h.update(b"constant");
    h.update([0]);
    h.update((target.len() as u64).to_le_bytes());
    h.update(target);
    h.update((constant.len() as u64).to_le_bytes());
    h.update(&constant);
    let expected = Fingerprint::from_bytes(h.finalize().into());
    let item = ItemRef {
        kind: ItemKind::Constant,
        name: "RELAY_ABI_VERSION".into(),
    };
    assert_eq!(
        example().fingerprints().expect("fingerprints").items[&item],
        expected
    );
}

/// "A change to `relay_state` changes the fingerprints of `relay_stats_free`
/// and `relay_stats_get`, and of no other item."
#[test]
fn changing_relay_state_changes_exactly_two_items() {
    let d = example();
    let mut changed = d.clone();
    let state = changed
        .types
        .iter_mut()
        .find(|t| t.id == "relay_state")
        .expect("relay_state");
    let TypeKind::Enum(e) = &mut state.kind else {
        panic!("relay_state is an enum")
    };
    e.exhaustive = true;
    let before = d.fingerprints().expect("fingerprints");
    let after = changed.fingerprints().expect("fingerprints");
    let mut changed_items: Vec<String> = before
        .items
        .iter()
        .filter(|(item, fp)| after.items[*item] != **fp)
        .map(|(item, _)| item.to_string())
        .collect();
    changed_items.sort();
    assert_eq!(
        changed_items,
        ["function `relay_stats_free`", "function `relay_stats_get`"]
    );
    assert_ne!(before.descriptor, after.descriptor);
}
