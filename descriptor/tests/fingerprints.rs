//! Fingerprints with fixed inputs: what an item's fingerprint covers and
//! what it does not.

use std::collections::BTreeSet;

use abi_descriptor::{
    Descriptor, Entries, Fingerprint, ItemRef, TypeDef, TypeKind, TypeRef, WireKind, WireRef,
};

use crate::invalid::base;

/// The items whose fingerprints differ between `a` and `b`.
fn changed(a: &Descriptor, b: &Descriptor) -> BTreeSet<String> {
    let (fa, fb) = (
        a.fingerprints().expect("fingerprints"),
        b.fingerprints().expect("fingerprints"),
    );
    assert_eq!(
        fa.items.keys().collect::<Vec<_>>(),
        fb.items.keys().collect::<Vec<_>>()
    );
    fa.items
        .iter()
        .filter(|(item, fp)| fb.items[*item] != **fp)
        .map(|(item, _)| item.to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn type_kind<'a>(d: &'a mut Descriptor, id: &str) -> &'a mut TypeKind {
    &mut d
        .types
        .iter_mut()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no type {id}"))
        .kind
}

#[test]
fn changes_reach_exactly_the_items_that_depend_on_them() {
    let d = base();
    // `Point` is reached by `geo_norm` (through `*Point`) and `geo_origin`.
    let mut m = d.clone();
    if let TypeKind::Struct(s) = type_kind(&mut m, "Point") {
        s.fields[1].ty = TypeRef::new("i64");
    }
    assert_eq!(
        changed(&d, &m),
        set(&["function `geo_norm`", "variable `geo_origin`"])
    );
    // `*void` is reached by `geo_fill`, `geo_call` (directly and through
    // `cb_t`).
    let mut m = d.clone();
    if let TypeKind::Pointer(p) = type_kind(&mut m, "*void") {
        p.nullable = true;
    }
    assert_eq!(
        changed(&d, &m),
        set(&["function `geo_call`", "function `geo_fill`"])
    );
    // The wire reply type is reached by `geo_call` only.
    let mut m = d.clone();
    if let WireKind::Record(r) = &mut m.wire_types[0].kind {
        r.fields[0].optional = true;
    }
    assert_eq!(changed(&d, &m), set(&["function `geo_call`"]));
    // So is the code table.
    let mut m = d.clone();
    m.code_tables[0].codes[1].name = "RET_PROGRESS".into();
    assert_eq!(changed(&d, &m), set(&["function `geo_call`"]));
    // A type nothing reaches changes no item, only the descriptor.
    let mut m = d.clone();
    if let TypeKind::Union(u) = type_kind(&mut m, "Num") {
        u.members[0].name = "g".into();
    }
    assert!(changed(&d, &m).is_empty());
    assert_ne!(
        d.fingerprints().expect("fingerprints").descriptor,
        m.fingerprints().expect("fingerprints").descriptor
    );
    // The target is part of every item.
    let mut m = d.clone();
    m.target.triple = "x86_64-unknown-freebsd".into();
    assert_eq!(changed(&d, &m).len(), 5 + 1 + 4);
    // The caller-owned `free` function is named, not followed: changing
    // `geo_free` itself changes only `geo_free`.
    let mut m = d.clone();
    m.functions[1].may_block = true;
    assert_eq!(changed(&d, &m), set(&["function `geo_free`"]));
}

/// C types, wire types and code tables are separate namespaces: a function
/// whose parameter type is C type `A` does not depend on wire type `A`, and
/// the other way round.
#[test]
fn type_and_wire_namespaces_are_separate() {
    let text = crate::invalid::BASE
        .replacen(
            r#""types": ["#,
            r#""types": [ { "id": "A", "kind": "alias", "target": "u8" },"#,
            1,
        )
        .replacen(
            r#""wire_types": ["#,
            r#""wire_types": [ { "id": "A", "kind": "alias", "target": "u8" },"#,
            1,
        )
        .replacen(
            r#"{ "symbol": "geo_free", "params": [ { "name": "s", "type": "str_t" } ] }"#,
            r#"{ "symbol": "geo_free", "params": [ { "name": "s", "type": "str_t" } ] },
               { "symbol": "c_side", "params": [ { "name": "a", "type": "A" } ] },
               { "symbol": "wire_side", "wire": { "encoding": "cbor", "request": "A" } }"#,
            1,
        );
    let d = Descriptor::from_json(&text).expect("decodes");
    d.validate().expect("valid");
    let mut c_changed = d.clone();
    if let TypeKind::Alias(a) = type_kind(&mut c_changed, "A") {
        a.target = TypeRef::new("u16");
    }
    assert_eq!(changed(&d, &c_changed), set(&["function `c_side`"]));
    let mut wire_changed = d.clone();
    let w = wire_changed
        .wire_types
        .iter_mut()
        .find(|w| w.id == "A")
        .expect("wire A");
    if let WireKind::Alias(a) = &mut w.kind {
        a.target = WireRef::new("u16");
    }
    assert_eq!(changed(&d, &wire_changed), set(&["function `wire_side`"]));
    // The two `A`s have the same encoding but not the same node hash, so
    // the two functions, which differ only in that, differ.
    let fps = d.fingerprints().expect("fingerprints");
    assert_ne!(
        fps.items[&ItemRef::function("c_side")],
        fps.items[&ItemRef::function("wire_side")]
    );
}

/// Fingerprints work on invalid descriptors: dangling references are hashed
/// by name, and where ids repeat the first entry wins.
#[test]
fn fingerprints_of_invalid_descriptors() {
    let mut dangling = base();
    dangling.functions[0].params[0].ty = TypeRef::new("Nope");
    let fps = dangling.fingerprints().expect("fingerprints");
    let mut renamed = dangling.clone();
    renamed.functions[0].params[0].ty = TypeRef::new("Nope2");
    assert_ne!(
        fps.items[&ItemRef::function("geo_norm")],
        renamed.fingerprints().expect("fingerprints").items[&ItemRef::function("geo_norm")]
    );

    // A second `Point`: the first one is what items depend on.
    let d = base();
    let mut repeated = d.clone();
    repeated.types.push(TypeDef {
        id: "Point".into(),
        since: None,
        deprecated: None,
        kind: TypeKind::Opaque(Default::default()),
    });
    assert!(repeated.validate().is_err());
    assert!(changed(&d, &repeated).is_empty());
    let mut first_changed = repeated.clone();
    if let TypeKind::Struct(s) = &mut first_changed.types[0].kind {
        s.size = 32;
    }
    assert_eq!(
        changed(&repeated, &first_changed),
        set(&["function `geo_norm`", "variable `geo_origin`"])
    );
}

#[test]
fn fingerprint_text_forms() {
    let fp = Fingerprint::of_bytes(b"abc");
    assert_eq!(
        fp.to_string(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        format!("{fp:?}"),
        "Fingerprint(ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad)"
    );
    assert_eq!(Fingerprint::from_hex(&fp.to_string()), Some(fp));
    assert_eq!(
        Fingerprint::from_hex(&fp.to_string().to_uppercase()),
        Some(fp)
    );
    assert_eq!(Fingerprint::from_hex(&fp.to_string()[..63]), None);
    assert_eq!(Fingerprint::from_hex(&format!("{}0", fp)), None);
    assert_eq!(Fingerprint::from_hex(&"g".repeat(64)), None);
    assert_eq!(Fingerprint::from_hex(&"é".repeat(32)), None);
    let json = serde_json::to_string(&fp).expect("serializes");
    assert_eq!(json, format!("\"{fp}\""));
    assert_eq!(
        serde_json::from_str::<Fingerprint>(&json).expect("deserializes"),
        fp
    );
    assert!(serde_json::from_str::<Fingerprint>("\"00\"").is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

    /// The fingerprints of some items, computed alone or from the encoding
    /// of the whole descriptor, are those every item gets, and those the
    /// descriptor narrowed to them gets: an item's fingerprint depends only
    /// on what it reaches. Items the descriptor lacks get none.
    #[test]
    fn item_fingerprints_are_the_full_ones((d, seed) in crate::strategies::descriptor_and_seed()) {
        let all = d.fingerprints().expect("fingerprints");
        let mut rng = crate::strategies::Shuffler::new(seed);
        let mut items: Vec<ItemRef> = all.items.keys().cloned().collect();
        rng.shuffle(&mut items);
        items.truncate(items.len() / 2);
        items.push(ItemRef::function("no_such_function"));
        let some = d.item_fingerprints(&items).expect("fingerprints");
        let expected: Vec<(&ItemRef, &Fingerprint)> =
            all.items.iter().filter(|(i, _)| items.contains(i)).collect();
        proptest::prop_assert_eq!(some.iter().collect::<Vec<_>>(), expected.clone());
        let with_descriptor = d.fingerprints_of(&items).expect("fingerprints");
        proptest::prop_assert_eq!(with_descriptor.descriptor, all.descriptor);
        proptest::prop_assert_eq!(with_descriptor.items.iter().collect::<Vec<_>>(), expected);
        let narrowed = d.narrowed(&items).fingerprints().expect("fingerprints");
        for (item, fp) in &some {
            proptest::prop_assert_eq!(narrowed.items.get(item), Some(fp), "{}", item);
        }
    }
}

/// `d` with the entries of `other` that it lacks (by table and key) added,
/// and with some of its own entries dropped or replaced by `other`'s entry of
/// the same table, renamed to the dropped one's key: a library that kept
/// some of a host's entries, changed others and gained new ones.
fn edited(d: &Descriptor, other: &Descriptor, rng: &mut crate::strategies::Shuffler) -> Descriptor {
    let mut e = d.clone();
    let mut pick = |n: usize| {
        let mut v: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut v);
        v.first().copied()
    };
    if let (Some(i), Some(j)) = (pick(e.types.len()), pick(other.types.len())) {
        let id = e.types[i].id.clone();
        e.types[i] = other.types[j].clone();
        e.types[i].id = id;
    }
    if let Some(i) = pick(e.functions.len()) {
        e.functions.remove(i);
    }
    if let (Some(i), Some(j)) = (pick(e.functions.len()), pick(other.functions.len())) {
        let symbol = e.functions[i].symbol.clone();
        e.functions[i] = other.functions[j].clone();
        e.functions[i].symbol = symbol;
    }
    for f in &other.functions {
        if !e.functions.iter().any(|g| g.symbol == f.symbol) {
            e.functions.push(f.clone());
        }
    }
    for t in &other.types {
        if !e.types.iter().any(|u| u.id == t.id) {
            e.types.push(t.clone());
        }
    }
    e
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// A descriptor holds the entries of another narrowed to some items
    /// unchanged exactly when each of those items has the same fingerprint
    /// in both, and the holding's fingerprint is the descriptor's: on the
    /// descriptor itself, on unrelated ones, and on copies that gained,
    /// lost or changed entries.
    #[test]
    fn holding_the_entries_is_having_the_fingerprints(
        (d, seed) in crate::strategies::descriptor_and_seed(),
        other in crate::strategies::descriptor(),
    ) {
        let mut rng = crate::strategies::Shuffler::new(seed);
        let mut items = d.items();
        rng.shuffle(&mut items);
        items.truncate(items.len().div_ceil(2));
        let host = d.narrowed(&items);
        // Narrowing borrows exactly when it would keep everything: as it
        // does for the host's own items.
        let borrowed = |d: &Descriptor, items: &[ItemRef]| {
            matches!(d.narrow(items), std::borrow::Cow::Borrowed(_))
        };
        proptest::prop_assert_eq!(borrowed(&d, &items), host == d);
        proptest::prop_assert!(borrowed(&host, &items));
        proptest::prop_assert_eq!(borrowed(&d, &d.items()), d.narrowed(&d.items()) == d);
        // Moving the kept entries out keeps the same ones as copying them.
        proptest::prop_assert_eq!(&d.clone().into_narrowed(&items), &host);
        proptest::prop_assert_eq!(other.clone().into_narrowed(&items), other.narrowed(&items));
        let expected = host.fingerprints().expect("fingerprints");
        let entries = Entries::of(&host).expect("entries");
        let edited = edited(&d, &other, &mut rng);
        for library in [&d, &host, &other, &edited] {
            let theirs = library.fingerprints().expect("fingerprints");
            let same = expected
                .items
                .iter()
                .all(|(item, fp)| theirs.items.get(item) == Some(fp));
            let holding = library.holds(&entries).expect("holds");
            proptest::prop_assert_eq!(holding.fingerprint, theirs.descriptor);
            proptest::prop_assert_eq!(holding.unchanged, same);
            // The same, decoded from its blob: compared where the entries
            // lie in the body, with the header's hash as the fingerprint.
            let blob = library.to_blob().expect("to_blob");
            let decoded = Descriptor::decode_blob(&blob).expect("decode_blob");
            proptest::prop_assert!(decoded.canonical_body().is_some());
            proptest::prop_assert_eq!(decoded.fingerprint().expect("fingerprint"), theirs.descriptor);
            proptest::prop_assert_eq!(decoded.holds(&entries).expect("holds"), holding);
            // And skimmed, not decoded.
            let skimmed = Descriptor::skim_blob(&blob).expect("skim_blob");
            let skimmed = skimmed.expect("a blob the crate wrote is skimmed");
            proptest::prop_assert_eq!(skimmed.holds(&entries), same);
            proptest::prop_assert_eq!(skimmed.body_hash(), theirs.descriptor);
            proptest::prop_assert_eq!(skimmed.library(), &library.library);
            // Item by item: the items it lists are those whose
            // fingerprints differ, in canonical order.
            let differing = skimmed.differing(&entries);
            let changed: Vec<ItemRef> = host
                .canonical()
                .items()
                .into_iter()
                .filter(|item| theirs.items.get(item) != expected.items.get(item))
                .collect();
            proptest::prop_assert_eq!(&differing, &changed);
            // Decoding only what they reach gives what decoding it all and
            // narrowing gives, for them and for every item.
            let whole = decoded.into_descriptor();
            for items in [&differing, &items, &library.items()] {
                let narrowed = skimmed.decode_narrowed(items).expect("decode_narrowed");
                proptest::prop_assert_eq!(narrowed, whole.narrowed(items));
            }
        }
    }
}

/// Decoding what some items reach leaves the other entries undecoded: a
/// body whose other entries do not decode still gives their narrowing, and
/// the error of the whole body is given when an entry they reach is
/// broken.
#[test]
fn decoding_what_items_reach_leaves_the_rest_undecoded() {
    let v1 = Descriptor::from_json(include_str!("../../examples/libtile/v1.json")).unwrap();
    let blob = v1.to_blob().unwrap();
    let mut body = blob[abi_descriptor::BLOB_HEADER_LEN..].to_vec();
    // `TileRect`'s kind, `struct`, becomes one no reader knows.
    let find = |body: &[u8], text: &[u8], from: usize| {
        body[from..]
            .windows(text.len())
            .position(|w| w == text)
            .map(|i| from + i)
            .unwrap()
    };
    let rect = find(&body, b"\x68TileRect", 0);
    let kind = find(&body, b"\x66struct", rect) + 1;
    body[kind..kind + 6].copy_from_slice(b"strucx");
    let broken = abi_descriptor::blob_from_body(&body).unwrap();
    let whole = Descriptor::decode_blob(&broken).unwrap_err();
    assert!(whole.to_string().contains("strucx"), "{whole}");

    let skimmed = Descriptor::skim_blob(&broken).unwrap().unwrap();
    // `tile_format_name` reaches `TileFormat` and `path` only.
    let items = [ItemRef::function("tile_format_name")];
    assert_eq!(
        skimmed.decode_narrowed(&items).unwrap(),
        v1.canonical().narrowed(&items)
    );
    // Every item reaches `TileRect`: the whole body's error.
    let error = skimmed.decode_narrowed(&v1.items()).unwrap_err();
    assert_eq!(error.to_string(), whole.to_string());
}
