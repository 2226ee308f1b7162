//! Properties of the engine on random valid descriptors (the generator of
//! the descriptor crate's tests) and on random mutations of them.

use std::collections::{BTreeSet, HashMap, HashSet};

use abi_check::compare;
use abi_descriptor::{Descriptor, type_refs, wire_refs};
use proptest::prelude::*;

use crate::strategies::{Shuffler, descriptor, descriptor_and_seed, mutation};

/// A finding on one line, for failure messages: `rule: path: detail`.
pub(crate) fn line(f: &abi_check::Finding) -> String {
    format!("{}: {}: {}", f.rule, f.path, f.detail)
}

/// `d` without the types, wire types and code tables that no item reaches:
/// the engine reports them added, removed or changed, but no item
/// fingerprint covers them (docs/versioning.md, section 2).
fn reached_only(d: &Descriptor) -> Descriptor {
    let types: HashMap<&str, _> = d.types.iter().map(|t| (t.id.as_str(), t)).collect();
    let wire_types: HashMap<&str, _> = d.wire_types.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut work: Vec<&str> = Vec::new();
    let mut wire_work: Vec<&str> = Vec::new();
    let mut codes: HashSet<&str> = HashSet::new();
    for f in &d.functions {
        work.extend(f.params.iter().map(|p| p.ty.as_str()));
        work.push(f.ret.as_str());
        if let Some(w) = &f.wire {
            let messages = w.request.iter().chain(&w.reply).chain(&w.error);
            wire_work.extend(messages.map(|r| r.as_str()));
            wire_work.extend(w.events.iter().map(|e| e.payload.as_str()));
            codes.extend(w.codes.as_deref());
        }
    }
    work.extend(d.variables.iter().map(|v| v.ty.as_str()));
    work.extend(d.constants.iter().map(|c| c.ty.as_str()));
    let mut reached: HashSet<&str> = HashSet::new();
    while let Some(id) = work.pop() {
        if let Some(t) = types.get(id)
            && reached.insert(id)
        {
            work.extend(type_refs(&t.kind).map(|r| r.as_str()));
        }
    }
    let mut wire_reached: HashSet<&str> = HashSet::new();
    while let Some(id) = wire_work.pop() {
        if let Some(t) = wire_types.get(id)
            && wire_reached.insert(id)
        {
            wire_work.extend(wire_refs(&t.kind).map(|r| r.as_str()));
        }
    }
    let mut out = d.clone();
    out.types.retain(|t| reached.contains(t.id.as_str()));
    out.wire_types
        .retain(|t| wire_reached.contains(t.id.as_str()));
    out.code_tables.retain(|t| codes.contains(t.id.as_str()));
    out
}

/// `a` and `b` with what the engine compares but no item fingerprint covers
/// normalised away, as docs/versioning.md (section 2) lists it: the types,
/// wire types and code tables no item reaches are left out, and `b` takes
/// `a`'s `library` (its name and SONAME are compared, no item covers them).
fn comparable(a: &Descriptor, b: &Descriptor) -> (Descriptor, Descriptor) {
    let (a, mut b) = (reached_only(a), reached_only(b));
    b.library = a.library.clone();
    (a, b)
}

/// A 64-bit little-endian x86 ELF library whose descriptor is `d`, exporting
/// its functions and variables but the first function.
fn library_file(d: &Descriptor) -> abi_check::LibraryFile {
    use abi_check::{Export, ExportKind};
    let functions = d.functions.iter().skip(1);
    let exports = functions
        .map(|f| (f.symbol.as_str(), ExportKind::Function))
        .chain(
            d.variables
                .iter()
                .map(|v| (v.symbol.as_str(), ExportKind::Data)),
        )
        .chain([("_abi_descriptor", ExportKind::Function)])
        .map(|(name, kind)| Export { name, kind })
        .collect();
    abi_check::LibraryFile {
        path: "libproperty.so".into(),
        format: abi_check::BinaryFormat::Elf,
        architecture: "X86_64".into(),
        pointer_width: 64,
        little_endian: true,
        soname: None,
        exports,
        blob: d.to_blob().unwrap(),
        location: abi_check::Location::Section {
            name: ".abi_descriptor",
            address: 0,
        },
    }
}

/// Whether `compare(a, b)` finds nothing, and whether the item fingerprints
/// of `a` and `b` are equal (same items, each with the same fingerprint),
/// once [`comparable`].
fn verdicts(a: &Descriptor, b: &Descriptor) -> (bool, bool) {
    let (a, b) = comparable(a, b);
    let report = compare(&a, &b).unwrap();
    let fingerprints = |d: &Descriptor| d.fingerprints().unwrap().items;
    (
        report.findings.is_empty(),
        fingerprints(&a) == fingerprints(&b),
    )
}

/// What differs between `a` and `b` once [`comparable`], for a failure
/// message: the JSON values that differ, the findings, and the items whose
/// fingerprints differ.
fn explain(a: &Descriptor, b: &Descriptor) -> String {
    fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value;
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for k in x.keys().chain(y.keys()).collect::<BTreeSet<_>>() {
                    let p = format!("{path}/{k}");
                    match (x.get(k), y.get(k)) {
                        (Some(u), Some(v)) => walk(&p, u, v, out),
                        (u, v) => out.push(format!("{p}: {u:?} -> {v:?}")),
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (u, v)) in x.iter().zip(y).enumerate() {
                    walk(&format!("{path}/{i}"), u, v, out);
                }
            }
            (u, v) if u != v => out.push(format!("{path}: {u} -> {v}")),
            _ => {}
        }
    }
    let (a, b) = comparable(a, b);
    let json = |d: &Descriptor| -> serde_json::Value {
        serde_json::from_str(&d.to_json().unwrap()).unwrap()
    };
    let mut differences = Vec::new();
    walk("", &json(&a), &json(&b), &mut differences);
    let findings: Vec<String> = compare(&a, &b).unwrap().findings.iter().map(line).collect();
    let (fa, fb) = (
        a.fingerprints().unwrap().items,
        b.fingerprints().unwrap().items,
    );
    let items: BTreeSet<String> = fa
        .keys()
        .chain(fb.keys())
        .filter(|k| fa.get(*k) != fb.get(*k))
        .map(ToString::to_string)
        .collect();
    format!(
        "differences:\n  {}\nfindings:\n  {}\nitems whose fingerprints differ:\n  {}",
        differences.join("\n  "),
        findings.join("\n  "),
        items.into_iter().collect::<Vec<_>>().join("\n  ")
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_descriptor_compared_with_itself_has_no_finding(d in descriptor()) {
        let report = compare(&d, &d).unwrap();
        prop_assert!(report.findings.is_empty(), "{:?}", report.findings);
        prop_assert!(report.compatible);
    }

    /// Generated descriptors list their tables in generation order, not in
    /// canonical order: the same descriptor spelled two ways.
    #[test]
    fn a_descriptor_compared_with_its_canonical_form_has_no_finding(d in descriptor()) {
        let mut canonical = d.clone();
        canonical.canonicalize();
        for (old, new) in [(&d, &canonical), (&canonical, &d)] {
            let report = compare(old, new).unwrap();
            prop_assert!(report.findings.is_empty(), "{:?}", report.findings);
        }
    }

    #[test]
    fn findings_are_empty_exactly_when_fingerprints_are_equal(
        a in descriptor(),
        b in descriptor(),
    ) {
        let (empty, same) = verdicts(&a, &b);
        prop_assert_eq!(empty, same, "{}", explain(&a, &b));
    }

    /// Decoding a mutation never panics, valid or not. A valid mutation
    /// compares with itself without a finding, and with its original, in
    /// both directions, without panicking and with findings exactly when
    /// the fingerprints differ. Most mutations do not decode or do not
    /// validate, so each descriptor is mutated several times.
    #[test]
    fn a_mutation_has_findings_exactly_when_its_fingerprints_differ(
        a in descriptor(),
        mutations in prop::collection::vec(
            prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
            32,
        ),
    ) {
        for edits in &mutations {
            let Some(b) = mutation(&a, edits) else { continue };
            prop_assert!(compare(&b, &b).unwrap().findings.is_empty());
            for (old, new) in [(&a, &b), (&b, &a)] {
                compare(old, new).unwrap();
                let (empty, same) = verdicts(old, new);
                prop_assert_eq!(empty, same, "{}", explain(old, new));
            }
        }
    }

    /// A host check that decodes and compares only the items whose
    /// fingerprints differ makes the check that decoding the whole library
    /// and comparing every item of the host makes: the same findings, file
    /// problems and fingerprints, on the host's own library, on unrelated
    /// ones and on mutations of its own.
    #[test]
    fn checking_the_differing_items_is_checking_them_all(
        (d, seed) in descriptor_and_seed(),
        other in descriptor(),
        mutations in prop::collection::vec(
            prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
            8,
        ),
    ) {
        let mut items = d.items();
        Shuffler::new(seed).shuffle(&mut items);
        items.truncate(items.len().div_ceil(2));
        let host = abi_check::HostExpectation::new(&d.narrowed(&items)).unwrap();
        let mutated = mutations.iter().filter_map(|edits| mutation(&d, edits));
        // Each function removed in turn (what its types reach may stay).
        let removed = (0..d.functions.len()).map(|i| {
            let mut removed = d.clone();
            removed.functions.remove(i);
            removed
        });
        for library in [d.clone(), other].into_iter().chain(mutated).chain(removed) {
            let file = library_file(&library);
            // A library that does not validate whole may still give the
            // narrowing to the items compared: not judged here.
            let Ok(decoded) = file.decoded() else { continue };
            let whole = host.check_decoded(&file, &decoded).unwrap();
            let skimmed = file.skimmed().unwrap().expect("a blob the crate wrote");
            let (check, compared) = host.check_skimmed_into(&file, &skimmed).unwrap();
            prop_assert_eq!(&check, &whole);
            // What was compared: the library narrowed to the host's items
            // whose fingerprints differ (and the release functions they
            // bring in).
            let (theirs, ours) = (library.fingerprints().unwrap(), host.descriptor().fingerprints().unwrap());
            let differing: Vec<_> = host
                .items()
                .iter()
                .filter(|item| theirs.items.get(*item) != ours.items.get(*item))
                .collect();
            prop_assert_eq!(compared.is_some(), !differing.is_empty());
            if let Some(compared) = compared {
                let kept = compared.items();
                prop_assert_eq!(&compared, &library.canonical().narrowed(&kept));
                let present = library.items();
                for item in differing.into_iter().filter(|i| present.contains(i)) {
                    prop_assert!(kept.contains(item), "{:?} not compared", item);
                }
            }
        }
    }
}
