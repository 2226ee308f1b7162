//! Property tests over random valid descriptors: validity of the generator,
//! round trips through JSON, CBOR and the blob, canonical order, and
//! fingerprints.

use std::collections::{BTreeSet, HashSet};

use abi_descriptor::{
    BLOB_HEADER_LEN, BLOB_HEADER_VERSION, BlobHeader, BufferLength, ConstValue, Descriptor,
    Fingerprint, ItemKind, ItemRef, Limits, Ownership, Repr, TypeKind, TypeRef, Versioning,
    blob_body,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use crate::strategies::{
    Shuffler, descriptor, descriptor_and_seed, permute, reachable, to_json_shuffled,
};

fn canonical(d: &Descriptor) -> Descriptor {
    let mut c = d.clone();
    c.canonicalize();
    c
}

fn has_struct_with_fields(d: &Descriptor) -> bool {
    d.types
        .iter()
        .any(|t| matches!(&t.kind, TypeKind::Struct(s) if !s.fields.is_empty()))
}

/// The type references an item starts from.
fn item_roots(d: &Descriptor, item: &ItemRef) -> Vec<String> {
    let refs: Vec<&TypeRef> = match item.kind {
        ItemKind::Function => {
            let f = d
                .functions
                .iter()
                .find(|f| f.symbol == item.name)
                .expect("function");
            f.params
                .iter()
                .map(|p| &p.ty)
                .chain(std::iter::once(&f.ret))
                .collect()
        }
        ItemKind::Variable => {
            let v = d
                .variables
                .iter()
                .find(|v| v.symbol == item.name)
                .expect("variable");
            vec![&v.ty]
        }
        ItemKind::Constant => {
            let c = d
                .constants
                .iter()
                .find(|c| c.name == item.name)
                .expect("constant");
            vec![&c.ty]
        }
    };
    refs.into_iter().map(|r| r.as_str().to_owned()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_descriptors_validate(d in descriptor()) {
        let result = d.validate();
        prop_assert!(
            result.is_ok(),
            "{}\n{}",
            result.err().map(|e| e.to_string()).unwrap_or_default(),
            d.to_json().expect("json")
        );
    }

    #[test]
    fn json_to_model_to_cbor_to_model_gives_the_canonical_descriptor(d in descriptor()) {
        let canon = canonical(&d);
        let json = d.to_json().expect("to_json");
        let from_json = Descriptor::from_json(&json).expect("from_json");
        prop_assert_eq!(&from_json, &canon);
        let cbor = from_json.to_cbor().expect("to_cbor");
        prop_assert_eq!(&cbor, &d.to_cbor().expect("to_cbor"));
        let from_cbor = Descriptor::from_cbor(&cbor).expect("from_cbor");
        prop_assert_eq!(&from_cbor, &canon);
    }

    #[test]
    fn json_text_round_trips_exactly(d in descriptor()) {
        let json = d.to_json().expect("to_json");
        let again = Descriptor::from_json(&json).expect("from_json").to_json().expect("to_json");
        prop_assert_eq!(again, json);
    }

    #[test]
    fn cbor_reencodes_byte_identically(d in descriptor()) {
        let cbor = d.to_cbor().expect("to_cbor");
        let decoded = Descriptor::from_cbor(&cbor).expect("from_cbor");
        // Decoding canonical bytes gives tables already in canonical order.
        prop_assert_eq!(&canonical(&decoded), &decoded);
        prop_assert_eq!(decoded.to_cbor().expect("to_cbor"), cbor);
    }

    #[test]
    fn cbor_is_what_a_sorted_ciborium_value_tree_encodes_to(d in descriptor()) {
        // The one-pass encoder against the obvious construction: build
        // ciborium's `Value` tree, sort every map by encoded key (RFC 8949
        // §4.2.1), write it.
        let cbor = d.to_cbor().expect("to_cbor");
        let mut tree = ciborium::Value::serialized(&canonical(&d)).expect("value tree");
        sort_value_maps(&mut tree);
        let mut expected = Vec::new();
        ciborium::into_writer(&tree, &mut expected).expect("write");
        prop_assert_eq!(cbor, expected);
    }

    #[test]
    fn blob_round_trips(d in descriptor()) {
        let cbor = d.to_cbor().expect("to_cbor");
        let blob = d.to_blob().expect("to_blob");
        prop_assert_eq!(blob.len(), BLOB_HEADER_LEN + cbor.len());
        let header = BlobHeader::parse(&blob).expect("header");
        prop_assert_eq!(header.version, BLOB_HEADER_VERSION);
        prop_assert_eq!(usize::from(header.header_len), BLOB_HEADER_LEN);
        prop_assert_eq!(header.body_len as usize, cbor.len());
        prop_assert_eq!(header.hash, Fingerprint::of_bytes(&cbor));
        prop_assert_eq!(header.total_len(), blob.len() as u64);
        prop_assert_eq!(blob_body(&blob, &Limits::DEFAULT).expect("body"), &cbor[..]);
        prop_assert_eq!(Descriptor::from_blob(&blob).expect("from_blob"), canonical(&d));
    }

    #[test]
    fn table_order_changes_neither_cbor_nor_fingerprints((d, seed) in descriptor_and_seed()) {
        let mut shuffled = d.clone();
        permute(&mut shuffled, &mut Shuffler::new(seed));
        prop_assert_eq!(canonical(&shuffled), canonical(&d));
        prop_assert_eq!(shuffled.to_cbor().expect("to_cbor"), d.to_cbor().expect("to_cbor"));
        prop_assert_eq!(shuffled.to_json().expect("to_json"), d.to_json().expect("to_json"));
        prop_assert_eq!(
            shuffled.fingerprints().expect("fingerprints"),
            d.fingerprints().expect("fingerprints")
        );
        prop_assert!(shuffled.validate().is_ok());
    }

    #[test]
    fn json_key_order_changes_neither_cbor_nor_fingerprints((d, seed) in descriptor_and_seed()) {
        let value: serde_json::Value =
            serde_json::from_str(&d.to_json().expect("to_json")).expect("json value");
        let scrambled = to_json_shuffled(&value, &mut Shuffler::new(seed));
        let decoded = Descriptor::from_json(&scrambled).expect("from scrambled json");
        prop_assert_eq!(&decoded, &canonical(&d));
        prop_assert_eq!(decoded.to_cbor().expect("to_cbor"), d.to_cbor().expect("to_cbor"));
        prop_assert_eq!(
            decoded.fingerprints().expect("fingerprints"),
            d.fingerprints().expect("fingerprints")
        );
    }

    #[test]
    fn fingerprints_are_deterministic(d in descriptor()) {
        let cbor = d.to_cbor().expect("to_cbor");
        let first = d.fingerprints().expect("fingerprints");
        prop_assert_eq!(&d.clone().fingerprints().expect("fingerprints"), &first);
        prop_assert_eq!(
            &Descriptor::from_cbor(&cbor).expect("from_cbor").fingerprints().expect("fingerprints"),
            &first
        );
        prop_assert_eq!(first.descriptor, Fingerprint::of_bytes(&cbor));
        let expected: BTreeSet<ItemRef> = d
            .functions
            .iter()
            .map(|f| ItemRef::function(&f.symbol))
            .chain(d.variables.iter().map(|v| ItemRef { kind: ItemKind::Variable, name: v.symbol.clone() }))
            .chain(d.constants.iter().map(|c| ItemRef { kind: ItemKind::Constant, name: c.name.clone() }))
            .collect();
        prop_assert_eq!(first.items.keys().cloned().collect::<BTreeSet<_>>(), expected);
        // Fingerprints print as 64 hex digits and parse back.
        let hex = first.descriptor.to_string();
        prop_assert_eq!(hex.len(), 64);
        prop_assert_eq!(Fingerprint::from_hex(&hex), Some(first.descriptor));
    }

    #[test]
    fn changing_a_struct_field_changes_exactly_the_items_that_reach_it(
        (d, seed) in descriptor_and_seed().prop_filter("needs a struct with fields", |(d, _)| has_struct_with_fields(d)),
        change_type in any::<bool>(),
    ) {
        let structs: Vec<usize> = d
            .types
            .iter()
            .enumerate()
            .filter(|(_, t)| matches!(&t.kind, TypeKind::Struct(s) if !s.fields.is_empty()))
            .map(|(i, _)| i)
            .collect();
        let which = structs[(seed % structs.len() as u64) as usize];
        let id = d.types[which].id.clone();
        let mut changed = d.clone();
        let TypeKind::Struct(s) = &mut changed.types[which].kind else { unreachable!() };
        let at = ((seed >> 32) % s.fields.len() as u64) as usize;
        let field = &mut s.fields[at];
        if change_type {
            field.ty = TypeRef::new(if field.ty.as_str() == "u8" { "i16" } else { "u8" });
        } else {
            field.offset += 1;
        }

        let before = d.fingerprints().expect("fingerprints");
        let after = changed.fingerprints().expect("fingerprints");
        prop_assert_ne!(before.descriptor, after.descriptor);
        prop_assert_eq!(before.items.len(), after.items.len());
        for (item, fp) in &before.items {
            let roots = item_roots(&d, item);
            let reaches = reachable(&d, roots.iter().map(String::as_str)).contains(id.as_str());
            let now = after.items.get(item).expect("same items");
            prop_assert_eq!(
                fp != now,
                reaches,
                "{} reaches struct `{}`: {}, but its fingerprint {}",
                item,
                id,
                reaches,
                if fp != now { "changed" } else { "did not change" }
            );
        }
    }
}

/// The generator really produces every kind the format has: sample a fixed
/// set of descriptors and list what they contain.
#[test]
fn strategy_covers_every_kind() {
    let mut runner = TestRunner::deterministic();
    let strategy = descriptor();
    let mut seen: HashSet<String> = HashSet::new();
    let mut see = |s: &str| {
        seen.insert(s.to_owned());
    };
    for _ in 0..300 {
        let d = strategy
            .new_tree(&mut runner)
            .expect("a value tree")
            .current();
        see(&format!("pointer_width {}", d.target.pointer_width));
        see(&format!("endian {:?}", d.target.endian));
        let function_symbols: HashSet<&str> =
            d.functions.iter().map(|f| f.symbol.as_str()).collect();
        let ownership = |o: &Ownership| match o {
            Ownership::CallerOwned { free } => {
                assert!(function_symbols.contains(free.as_str()));
                "ownership caller_owned".to_owned()
            }
            other => format!("ownership {}", other.as_str()),
        };
        for t in &d.types {
            see(t.kind.as_str());
            if t.since.is_some() {
                see("type since");
            }
            if t.deprecated.is_some() {
                see("type deprecated");
            }
            match &t.kind {
                TypeKind::Opaque(o) => see(if o.size.is_some() {
                    "opaque sized"
                } else {
                    "opaque unsized"
                }),
                TypeKind::Pointer(p) => {
                    see(&ownership(&p.ownership));
                    if reachable(&d, refs_of_pointee(p)).contains(t.id.as_str()) {
                        see("pointer cycle");
                    }
                    if p.pointee.as_str() == "c_char" {
                        see("pointer to c_char");
                    }
                }
                TypeKind::Struct(s) => {
                    see(&format!("struct repr {:?}", s.repr));
                    if s.repr == Repr::C && s.fields.len() >= 2 {
                        see("struct with several fields");
                    }
                }
                TypeKind::Union(u) if u.members.len() >= 2 => see("union with several members"),
                TypeKind::Enum(e) => {
                    see(&format!("enum repr {}", e.repr));
                    if !e.exhaustive {
                        see("open enum");
                    }
                }
                TypeKind::TaggedUnion(u) => {
                    if u.tag.ty.primitive().is_none() {
                        see("tagged union with enum tag");
                    }
                    if u.variants.iter().any(|v| v.payload.is_none()) {
                        see("tagged variant without payload");
                    }
                }
                TypeKind::Buffer(b) => {
                    see(&ownership(&b.ownership));
                    see(match b.length {
                        BufferLength::NulTerminated => "buffer nul_terminated",
                        BufferLength::Separate => "buffer separate",
                        BufferLength::Inline(_) => "buffer inline",
                    });
                }
                TypeKind::FunctionPointer(f) if f.user_data.is_some() => {
                    see("function pointer user_data");
                }
                TypeKind::Extensible(x) => {
                    see(match x.versioning {
                        Versioning::SizeField(_) => "extensible size_field",
                        Versioning::VersionField(_) => "extensible version_field",
                    });
                    if x.fields.iter().any(|f| f.since.is_some())
                        && x.fields.iter().any(|f| f.since.is_none())
                    {
                        see("extensible with appended fields");
                    }
                }
                _ => {}
            }
        }
        for w in &d.wire_types {
            see(&format!("wire {}", w.kind.as_str()));
        }
        for f in &d.functions {
            if f.params.iter().any(|p| p.length_of.is_some()) {
                see("length_of");
            }
            if let Some(w) = &f.wire {
                see("wire call");
                if w.callback_param.is_some() {
                    see("wire callback_param");
                }
                if w.request_param.is_some() {
                    see("wire request_param");
                }
                if w.codes.is_some() {
                    see("wire codes");
                }
                if !w.events.is_empty() {
                    see("wire events");
                }
                if [&w.request, &w.reply, &w.error]
                    .into_iter()
                    .flatten()
                    .any(|r| d.wire_types.iter().any(|t| t.id == r.as_str()))
                {
                    see("wire call referencing a wire type");
                }
            }
            if f.since.is_some() {
                see("function since");
            }
        }
        if !d.variables.is_empty() {
            see("variable");
        }
        for c in &d.constants {
            see(match &c.value {
                ConstValue::Int(_) => "constant int",
                ConstValue::Float(_) => "constant float",
                ConstValue::Bool(_) => "constant bool",
                ConstValue::Text(_) => "constant text",
            });
        }
        if !d.code_tables.is_empty() {
            see("code table");
        }
    }
    let expected = [
        "pointer_width 16",
        "pointer_width 32",
        "pointer_width 64",
        "endian Big",
        "endian Little",
        "opaque",
        "alias",
        "pointer",
        "struct",
        "union",
        "enum",
        "tagged_union",
        "array",
        "buffer",
        "function_pointer",
        "extensible",
        "type since",
        "type deprecated",
        "opaque sized",
        "opaque unsized",
        "ownership borrowed",
        "ownership caller_owned",
        "ownership transferred",
        "pointer cycle",
        "pointer to c_char",
        "struct repr C",
        "struct repr Packed",
        "struct repr Transparent",
        "struct with several fields",
        "union with several members",
        "open enum",
        "tagged union with enum tag",
        "tagged variant without payload",
        "buffer nul_terminated",
        "buffer separate",
        "buffer inline",
        "function pointer user_data",
        "extensible size_field",
        "extensible version_field",
        "extensible with appended fields",
        "wire record",
        "wire list",
        "wire map",
        "wire option",
        "wire result",
        "wire enum",
        "wire alias",
        "length_of",
        "wire call",
        "wire callback_param",
        "wire request_param",
        "wire codes",
        "wire events",
        "wire call referencing a wire type",
        "function since",
        "variable",
        "constant int",
        "constant float",
        "constant bool",
        "constant text",
        "code table",
        "enum repr u8",
        "enum repr i64",
        "enum repr c_char",
    ];
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|e| !seen.contains(*e))
        .collect();
    assert!(
        missing.is_empty(),
        "the generator never produced: {missing:?}"
    );
}

fn refs_of_pointee(p: &abi_descriptor::PointerType) -> Vec<&str> {
    vec![p.pointee.as_str()]
}

/// Sorts every map of `value` by the bytes of its encoded keys, recursively.
fn sort_value_maps(value: &mut ciborium::Value) {
    use ciborium::Value;
    let encoded = |v: &Value| {
        let mut out = Vec::new();
        ciborium::into_writer(v, &mut out).expect("write key");
        out
    };
    match value {
        Value::Map(entries) => {
            entries.sort_by_cached_key(|(k, _)| encoded(k));
            for (_, v) in entries {
                sort_value_maps(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_value_maps),
        Value::Tag(_, inner) => sort_value_maps(inner),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The fingerprint hashed in key order without assembling the encoding
    /// is the hash of the encoding.
    #[test]
    fn the_fingerprint_is_the_hash_of_the_canonical_cbor((d, seed) in descriptor_and_seed()) {
        let mut shuffled = d.clone();
        permute(&mut shuffled, &mut Shuffler::new(seed));
        let expected = Fingerprint::of_bytes(&d.to_cbor().expect("to_cbor"));
        prop_assert_eq!(d.fingerprint().expect("fingerprint"), expected);
        prop_assert_eq!(shuffled.fingerprint().expect("fingerprint"), expected);
        prop_assert_eq!(d.fingerprints().expect("fingerprints").descriptor, expected);
    }
}
