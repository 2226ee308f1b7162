//! `Index`: lookups, alias resolution and layouts.

use abi_descriptor::{
    BufferLength, Descriptor, Index, Layout, Primitive, Resolved, TypeKind, TypeRef, type_refs,
};
use proptest::prelude::*;

use crate::invalid::base;
use crate::strategies::{descriptor, primitive_layout};

/// Layout computed from the model directly (recursively; generated
/// descriptors have no by-value cycles).
fn expected_layout(d: &Descriptor, r: &str) -> Option<Layout> {
    if let Ok(p) = r.parse::<Primitive>() {
        return primitive_layout(p, &d.target);
    }
    let t = d.types.iter().find(|t| t.id == r)?;
    let pointer = u64::from(d.target.pointer_width / 8);
    let pointer = Layout {
        size: pointer,
        align: pointer,
    };
    let declared = |size, align| Some(Layout { size, align });
    match &t.kind {
        TypeKind::Opaque(o) => declared(o.size?, o.align?),
        TypeKind::Alias(a) => expected_layout(d, a.target.as_str()),
        TypeKind::Pointer(_) | TypeKind::FunctionPointer(_) => Some(pointer),
        TypeKind::Struct(s) => declared(s.size, s.align),
        TypeKind::Union(u) => declared(u.size, u.align),
        TypeKind::TaggedUnion(u) => declared(u.size, u.align),
        TypeKind::Extensible(x) => declared(x.size, x.align),
        TypeKind::Enum(e) => expected_layout(d, e.repr.as_str()),
        TypeKind::Array(a) => {
            let l = expected_layout(d, a.element.as_str())?;
            declared(l.size.checked_mul(a.len)?, l.align)
        }
        TypeKind::Buffer(b) => match &b.length {
            BufferLength::Inline(i) => declared(i.size, i.align),
            _ => Some(pointer),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn index_finds_every_entry_and_computes_layouts(d in descriptor()) {
        let ix = Index::new(&d);
        for t in &d.types {
            prop_assert_eq!(ix.type_def(&t.id), Some(t));
            let r = TypeRef::new(t.id.as_str());
            prop_assert!(ix.exists(&r));
            prop_assert_eq!(ix.layout(&r), expected_layout(&d, &t.id), "layout of {}", t.id);
            prop_assert_eq!(ix.type_path(&t.id), format!("{} `{}`", t.kind.as_str(), t.id));
            // Resolving follows aliases to the first non-alias.
            let mut current = t;
            let resolved = loop {
                match &current.kind {
                    TypeKind::Alias(a) => match a.target.primitive() {
                        Some(p) => break Resolved::Primitive(p),
                        None => current = ix.type_def(a.target.as_str()).expect("declared"),
                    },
                    _ => break Resolved::Def(current),
                }
            };
            prop_assert_eq!(ix.resolve(&r), resolved);
        }
        for p in Primitive::ALL {
            let r = TypeRef::from(p);
            prop_assert_eq!(ix.layout(&r), primitive_layout(p, &d.target));
            prop_assert_eq!(ix.resolve(&r), Resolved::Primitive(p));
        }
        for f in &d.functions {
            prop_assert_eq!(ix.function(&f.symbol), Some(f));
        }
        for w in &d.wire_types {
            prop_assert_eq!(ix.wire_type(&w.id), Some(w));
        }
        for c in &d.code_tables {
            prop_assert_eq!(ix.code_table(&c.id), Some(c));
        }
    }
}

/// Every type reference of `d`, its items' and its types'.
fn references(d: &Descriptor) -> Vec<&TypeRef> {
    let mut refs = Vec::new();
    for f in &d.functions {
        refs.extend(f.params.iter().map(|p| &p.ty));
        refs.push(&f.ret);
    }
    refs.extend(d.variables.iter().map(|v| &v.ty));
    refs.extend(d.constants.iter().map(|c| &c.ty));
    for t in &d.types {
        refs.extend(type_refs(&t.kind));
    }
    refs
}

/// What `target` must find: the entry `type_def` finds by name.
fn expect_targets(ix: &Index<'_>, refs: &[&TypeRef]) -> Result<(), TestCaseError> {
    for r in refs {
        prop_assert_eq!(ix.target(r), ix.type_def(r.as_str()), "reference {}", r);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// An index finds the entry of a reference by the position it stamped
    /// on it, and only of the references it stamped: a second index over
    /// the same descriptor, an index over a copy or over another
    /// descriptor, and an index over the descriptor changed after the
    /// first was dropped all find what a lookup by name finds.
    #[test]
    fn target_finds_what_the_name_finds(d in descriptor(), other in descriptor()) {
        let refs = references(&d);
        let first = Index::new(&d);
        expect_targets(&first, &refs)?;
        // Positions are the entries' own, not those of equal entries.
        for (i, t) in d.types.iter().enumerate() {
            prop_assert_eq!(first.position(t), Some(i));
            prop_assert_eq!(first.position(&t.clone()), None);
        }
        // A second index restamps the references; the first still finds
        // the same entries (by name now).
        let second = Index::new(&d);
        expect_targets(&first, &refs)?;
        expect_targets(&second, &refs)?;
        // References of another descriptor, and copies that carry no stamp.
        let elsewhere = Index::new(&other);
        expect_targets(&elsewhere, &refs)?;
        expect_targets(&second, &references(&other))?;
        let copy = d.clone();
        let copy_index = Index::new(&copy);
        expect_targets(&copy_index, &refs)?;
        expect_targets(&second, &references(&copy))?;
        drop((first, second, elsewhere, copy_index));
        // The table reversed under the stamps of an index that no longer
        // exists: a new index stamps again.
        let mut changed = d.clone();
        let _ = Index::new(&changed);
        changed.types.reverse();
        let ix = Index::new(&changed);
        expect_targets(&ix, &references(&changed))?;
    }
}

#[test]
fn target_of_a_missing_name_or_a_repeated_id() {
    let mut d = with_types(
        r#"{ "id": "Point", "kind": "opaque" },
           { "id": "a_missing", "kind": "alias", "target": "Missing" }"#,
    );
    let ix = Index::new(&d);
    let missing = match &d.types[1].kind {
        TypeKind::Alias(a) => &a.target,
        _ => unreachable!("the second type is an alias"),
    };
    assert_eq!(ix.target(missing), None);
    // The first of two entries with one id, as by name.
    let point = TypeRef::new("Point");
    assert!(matches!(
        ix.target(&point).map(|t| &t.kind),
        Some(TypeKind::Opaque(_))
    ));
    drop(ix);
    // A primitive names an entry only where a type has a primitive's name.
    d.types[0].id = "i32".into();
    let ix = Index::new(&d);
    assert!(matches!(
        ix.target(&TypeRef::from(Primitive::I32)).map(|t| &t.kind),
        Some(TypeKind::Opaque(_))
    ));
    assert_eq!(
        Index::new(&base()).target(&TypeRef::from(Primitive::I32)),
        None
    );
}

fn with_types(json_types: &str) -> Descriptor {
    let text =
        crate::invalid::BASE.replacen(r#""types": ["#, &format!(r#""types": [ {json_types},"#), 1);
    Descriptor::from_json(&text).expect("decodes")
}

#[test]
fn layouts_of_fixed_types() {
    let d = with_types(
        r#"{ "id": "u16x3", "kind": "array", "element": "u16", "len": 3 },
           { "id": "u16x3x4", "kind": "array", "element": "u16x3", "len": 4 },
           { "id": "huge", "kind": "array", "element": "u64", "len": 4611686018427387904 },
           { "id": "ColorAlias", "kind": "alias", "target": "Color" },
           { "id": "VoidAlias", "kind": "alias", "target": "void" },
           { "id": "L", "kind": "alias", "target": "M" },
           { "id": "M", "kind": "alias", "target": "L" },
           { "id": "Sized", "kind": "opaque", "size": 24, "align": 8 }"#,
    );
    let ix = Index::new(&d);
    let layout = |r: &str| ix.layout(&TypeRef::new(r)).map(|l| (l.size, l.align));
    assert_eq!(layout("u16x3"), Some((6, 2)));
    assert_eq!(layout("u16x3x4"), Some((24, 2)));
    assert_eq!(layout("huge"), None, "2^62 * 8 overflows u64");
    assert_eq!(
        layout("Color"),
        Some((1, 1)),
        "an enum is laid out as its repr"
    );
    assert_eq!(layout("ColorAlias"), Some((1, 1)));
    assert_eq!(layout("VoidAlias"), None);
    assert_eq!(layout("void"), None);
    assert_eq!(layout("Handle"), None, "pointer-only opaque");
    assert_eq!(layout("Sized"), Some((24, 8)));
    assert_eq!(layout("L"), None, "alias cycle");
    assert_eq!(layout("Nope"), None);
    assert_eq!(layout("*Point"), Some((8, 8)));
    assert_eq!(layout("cb_t"), Some((8, 8)));
    assert_eq!(
        layout("str_t"),
        Some((8, 8)),
        "a nul-terminated buffer is a pointer"
    );
    assert_eq!(
        layout("slice_t"),
        Some((16, 8)),
        "an inline buffer as declared"
    );
    assert_eq!(layout("Opts"), Some((8, 4)));
    assert_eq!(layout("usize"), Some((8, 8)));
    assert_eq!(layout("i128"), Some((16, 16)));

    assert_eq!(ix.resolve(&TypeRef::new("L")), Resolved::AliasCycle);
    assert_eq!(ix.resolve(&TypeRef::new("Nope")), Resolved::Missing("Nope"));
    assert_eq!(
        ix.resolve(&TypeRef::new("VoidAlias")),
        Resolved::Primitive(Primitive::Void)
    );
    assert!(!ix.exists(&TypeRef::new("Nope")));
    assert!(ix.exists(&TypeRef::new("c_char")));
    assert_eq!(ix.type_path("Nope"), "type `Nope`");
    assert_eq!(ix.type_path("Point"), "struct `Point`");
}

#[test]
fn layouts_follow_the_target() {
    let mut d = base();
    d.target.pointer_width = 16;
    d.target.size_t = 2;
    d.target.primitive_align.insert(Primitive::I64, 2);
    let ix = Index::new(&d);
    let layout = |r: &str| ix.layout(&TypeRef::new(r)).map(|l| (l.size, l.align));
    assert_eq!(layout("usize"), Some((2, 2)));
    assert_eq!(layout("isize"), Some((2, 2)));
    assert_eq!(layout("*Point"), Some((2, 2)));
    assert_eq!(layout("cb_t"), Some((2, 2)));
    assert_eq!(layout("i64"), Some((8, 2)));
    assert_eq!(layout("u64"), Some((8, 8)));
}

#[test]
fn first_entry_wins_where_ids_repeat() {
    let d = with_types(r#"{ "id": "Point", "kind": "opaque" }"#);
    let ix = Index::new(&d);
    assert!(matches!(
        ix.type_def("Point").map(|t| &t.kind),
        Some(TypeKind::Opaque(_))
    ));
    assert_eq!(ix.layout(&TypeRef::new("Point")), None);
}

#[test]
fn primitive_names_parse_back_and_nothing_else_does() {
    for p in Primitive::ALL {
        assert_eq!(p.as_str().parse::<Primitive>(), Ok(p), "{p}");
    }
    let others = "i i1 i12 i256 I32 voi voids c_cha size Point *mut";
    for name in others.split(' ').chain(["", "i32 ", "void*"]) {
        assert_eq!(name.parse::<Primitive>(), Err(()), "{name:?}");
    }
}
