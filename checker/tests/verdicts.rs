//! The loader's verdict against the checker's, on random valid descriptors
//! and valid mutations of them. The loader (`abi-loader`) judges a library
//! with [`HostExpectation`]: the host's items, a fingerprint fast path, then
//! the engine on both sides narrowed to those items, refusing on the
//! findings [`refuses`] names. The checker compares whole descriptors.

use abi_check::{HostExpectation, compare, items_of, refuses};
use abi_descriptor::{Descriptor, ItemRef};
use proptest::prelude::*;

use crate::properties::line;
use crate::strategies::{descriptor, mutation};

/// Whether the checker, comparing whole descriptors, finds a change that
/// would make a host refuse the new one.
fn checker_refuses(old: &Descriptor, new: &Descriptor) -> bool {
    compare(old, new).unwrap().findings.iter().any(refuses)
}

/// The findings that refuse, one line each.
fn rules(findings: &[abi_check::Finding]) -> Vec<String> {
    findings.iter().filter(|f| refuses(f)).map(line).collect()
}

fn check_pair(a: &Descriptor, b: &Descriptor, mask: &[bool]) -> Result<(), TestCaseError> {
    // A host expecting everything `a` offers agrees with the checker.
    let full = HostExpectation::new(a).unwrap().check(b).unwrap();
    let whole = compare(a, b).unwrap();
    prop_assert_eq!(
        full.accepted(),
        !checker_refuses(a, b),
        "loader refusals {:?}, checker refusals {:?}",
        rules(&full.findings),
        rules(&whole.findings)
    );
    // The fast path never accepts what a comparison would refuse: equal
    // fingerprints mean the engine finds nothing among the host's items
    // (the library's own name and SONAME are no item's: docs/versioning.md,
    // section 2).
    if full.fingerprints_match {
        let items = full.items.clone();
        let found = compare(&a.narrowed(&items), &b.narrowed(&items)).unwrap();
        let about_items: Vec<String> = found
            .findings
            .iter()
            .filter(|f| f.path != "library")
            .map(line)
            .collect();
        prop_assert!(about_items.is_empty(), "{:?}", about_items);
    }
    // A host using a subset of the items is refused only if the whole
    // check refuses too: narrowing never invents an incompatibility.
    let items: Vec<ItemRef> = items_of(a)
        .into_iter()
        .zip(mask.iter().cycle())
        .filter(|(_, keep)| **keep)
        .map(|(i, _)| i)
        .collect();
    if !items.is_empty() {
        let subset = HostExpectation::new(&a.narrowed(&items))
            .unwrap()
            .check(b)
            .unwrap();
        if !subset.accepted() {
            prop_assert!(
                !full.accepted(),
                "a subset host refuses ({:?}) what the full host accepts",
                rules(&subset.findings)
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn loader_and_checker_agree_on_random_pairs(
        a in descriptor(),
        b in descriptor(),
        mask in prop::collection::vec(any::<bool>(), 1..8),
    ) {
        check_pair(&a, &b, &mask)?;
    }

    /// Most mutations do not decode or do not validate, so each descriptor
    /// is mutated several times.
    #[test]
    fn loader_and_checker_agree_on_mutations(
        a in descriptor(),
        mutations in prop::collection::vec(
            prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
            32,
        ),
        mask in prop::collection::vec(any::<bool>(), 1..8),
    ) {
        for edits in &mutations {
            let Some(b) = mutation(&a, edits) else { continue };
            check_pair(&a, &b, &mask)?;
            check_pair(&b, &a, &mask)?;
        }
    }
}
