//! The diff engine: compares two descriptors and classifies every difference.
//!
//! [`diff`] runs the passes: the envelope (library and target) and the
//! items ([`items`]); then, or meanwhile on a second thread, the named types
//! ([`named`], which compares types used at a site through [`types`] and
//! [`contract`]), the wire types and code tables ([`wire`]). [`flow`] says
//! which way each type crosses the boundary, which picks between a breaking
//! and a compatible rule.

mod contract;
mod flow;
mod items;
mod named;
mod types;
mod wire;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use foldhash::{HashMap, HashMapExt};

use abi_descriptor::{Descriptor, Index, ItemKind, ItemRef, Primitive, Target};
use serde::Serialize;

use self::flow::{Flow, Node, Reach};
use crate::report::Finding;
use crate::rules::RuleId;

/// Whose finding it is: an item's signature (by kind and name; the
/// [`ItemRef`] is made only when a finding is), or a named type (whose items
/// are found when the finding is made).
#[derive(Clone, Copy, Debug)]
enum Owner<'a> {
    Item(ItemKind, &'a str),
    Type(&'a str),
    Wire(&'a str),
    Codes(&'a str),
    Library,
}

/// Where a finding is, as the parts it is made of: most places compared
/// have no finding, so the text is written only when one is made (in
/// [`Engine::report`]).
#[derive(Clone, Copy, Debug)]
enum Path<'p> {
    /// A fixed text: `library`.
    Text(&'p str),
    /// An entry named by its kind: `` function `f` ``, `` struct `S` ``,
    /// `` code table `T` ``.
    Entry(&'static str, &'p str),
    /// A wire type table entry: `` wire record `R` ``.
    Wire(&'static str, &'p str),
    /// A part of another place: `` function `f` return type ``.
    Part(&'p Path<'p>, &'static str),
    /// A named part of another place: `` struct `S` field `x` ``.
    Named(&'p Path<'p>, &'static str, &'p str),
    /// A parameter: by name, or by position when it has none.
    Param(&'p Path<'p>, usize, &'p str),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Text(text) => f.write_str(text),
            Path::Entry(kind, id) => write!(f, "{kind} `{id}`"),
            Path::Wire(kind, id) => write!(f, "wire {kind} `{id}`"),
            Path::Part(parent, part) => write!(f, "{parent} {part}"),
            Path::Named(parent, what, name) => write!(f, "{parent} {what} `{name}`"),
            Path::Param(parent, i, "") => write!(f, "{parent} parameter {i}"),
            Path::Param(parent, _, name) => write!(f, "{parent} parameter `{name}`"),
        }
    }
}

/// Compares two descriptors and returns every finding, unsorted.
///
/// The engine compares canonical forms: two spellings of one descriptor
/// (tables and lists in another order, `abi` naming the target's default
/// convention instead of `c`, an alignment override equal to the size) are
/// the same descriptor, encode to the same bytes and have the same
/// fingerprints, so they must not differ here either.
///
/// With `parallel`, the tables (named types, wire types, code tables) are
/// compared on a second thread while this one compares the envelope and the
/// items; the findings are the same, in the same order.
pub(crate) fn diff(old: &Descriptor, new: &Descriptor, parallel: bool) -> Vec<Finding> {
    // Decoded canonical CBOR is canonical already: no copy then.
    let (old, new) = (old.canonical(), new.canonical());
    let old_ix = Index::new(&old);
    let new_ix = Index::new(&new);
    let old_reach = Reach::new(&old, &old_ix);
    let new_reach = OnceLock::new();
    let engine = || Engine {
        old: &old_ix,
        new: &new_ix,
        old_reach: &old_reach,
        new_reach: &new_reach,
        findings: Vec::new(),
        active: Vec::new(),
        items_memo: HashMap::new(),
    };
    let items = || {
        let mut e = engine();
        e.envelope();
        e.items();
        e.findings
    };
    let tables = || {
        let mut e = engine();
        e.named_types();
        e.wire_types();
        e.code_tables();
        e.findings
    };
    let (mut findings, tables) = if parallel {
        let (tables, items) = crate::alongside(tables, items);
        (items, tables)
    } else {
        (items(), tables())
    };
    findings.extend(tables);
    findings
}

/// One pass of the comparison, over indexes and flows that every pass
/// shares.
struct Engine<'a, 's> {
    old: &'s Index<'a>,
    new: &'s Index<'a>,
    old_reach: &'s Reach<'a>,
    /// Asked only whether a type present only in the new descriptor is
    /// used: built the first time that is asked.
    new_reach: &'s OnceLock<Reach<'a>>,
    findings: Vec<Finding>,
    /// The anonymous pairs being compared, innermost last (a stack: each
    /// comparison ends before the one that started it).
    active: Vec<(&'a str, &'a str, Flow)>,
    items_memo: HashMap<Node<'a>, Vec<ItemRef>>,
}

fn opt_str<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

impl<'a> Engine<'a, '_> {
    fn report(&mut self, rule: RuleId, owner: &Owner<'a>, path: &Path<'_>, detail: String) {
        let items = match *owner {
            Owner::Item(kind, name) => vec![ItemRef::new(kind, name)],
            Owner::Type(id) => self
                .old_reach
                .items(self.old, Node::Type(id), &mut self.items_memo),
            Owner::Wire(id) => self
                .old_reach
                .items(self.old, Node::Wire(id), &mut self.items_memo),
            Owner::Codes(id) => {
                self.old_reach
                    .items(self.old, Node::Codes(id), &mut self.items_memo)
            }
            Owner::Library => Vec::new(),
        };
        self.findings
            .push(Finding::new(rule, path.to_string(), detail, items));
    }

    fn envelope(&mut self) {
        let (o, n) = (self.old.descriptor, self.new.descriptor);
        if o.library.name != n.library.name {
            self.report(
                RuleId::LibraryRenamed,
                &Owner::Library,
                &Path::Text("library"),
                format!("`{}` -> `{}`", o.library.name, n.library.name),
            );
        }
        for (field, a, b) in target_fields(&o.target, &n.target) {
            if a != b {
                self.report(
                    RuleId::TargetChanged,
                    &Owner::Library,
                    &Path::Part(&Path::Text("target"), field),
                    format!("{a} -> {b}"),
                );
            }
        }
        for (primitive, a, b) in alignment_changes(&o.target, &n.target) {
            self.report(
                RuleId::TargetChanged,
                &Owner::Library,
                &Path::Named(&Path::Text("target"), "alignment of", primitive.as_str()),
                format!("{a} -> {b}"),
            );
        }
    }

    fn metadata<T: PartialEq + std::fmt::Display>(
        &mut self,
        owner: &Owner<'a>,
        path: &Path<'_>,
        since: (&Option<T>, &Option<T>),
        deprecated: (
            Option<&abi_descriptor::Deprecation>,
            Option<&abi_descriptor::Deprecation>,
        ),
    ) {
        match deprecated {
            (None, Some(d)) => {
                let note = d
                    .note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                self.report(
                    RuleId::ItemDeprecated,
                    owner,
                    path,
                    format!("deprecated{note}"),
                );
            }
            (Some(_), None) => self.report(
                RuleId::MetadataChanged,
                owner,
                path,
                "no longer deprecated".to_owned(),
            ),
            (Some(a), Some(b)) if a != b => self.report(
                RuleId::MetadataChanged,
                owner,
                path,
                "deprecation note changed".to_owned(),
            ),
            _ => {}
        }
        if since.0 != since.1 {
            self.report(
                RuleId::MetadataChanged,
                owner,
                path,
                format!(
                    "since {} -> {}",
                    opt_str(since.0.as_ref()),
                    opt_str(since.1.as_ref())
                ),
            );
        }
    }
}

/// The target fields that matter for the ABI, as text.
fn target_fields(o: &Target, n: &Target) -> Vec<(&'static str, String, String)> {
    vec![
        ("triple", o.triple.clone(), n.triple.clone()),
        (
            "pointer_width",
            o.pointer_width.to_string(),
            n.pointer_width.to_string(),
        ),
        ("endian", spelling(&o.endian), spelling(&n.endian)),
        ("c_int", o.c_int.to_string(), n.c_int.to_string()),
        ("c_long", o.c_long.to_string(), n.c_long.to_string()),
        ("size_t", o.size_t.to_string(), n.size_t.to_string()),
        (
            "c_char_signed",
            o.c_char_signed.to_string(),
            n.c_char_signed.to_string(),
        ),
        (
            "default_abi",
            spelling(&o.default_abi),
            spelling(&n.default_abi),
        ),
    ]
}

/// The alignments that differ between two targets, for the primitives
/// either overrides. An override equal to the primitive's size is no
/// override, so it is compared as the size.
fn alignment_changes(o: &Target, n: &Target) -> Vec<(Primitive, u64, u64)> {
    let align = |t: &Target, p: Primitive| {
        t.primitive_align
            .get(&p)
            .map_or_else(|| p.size(t.pointer_width), |&a| u64::from(a))
    };
    let primitives: BTreeSet<Primitive> = o
        .primitive_align
        .keys()
        .chain(n.primitive_align.keys())
        .copied()
        .collect();
    primitives
        .into_iter()
        .map(|p| (p, align(o, p), align(n, p)))
        .filter(|(_, a, b)| a != b)
        .collect()
}

/// How a closed value is spelled in the descriptor: `call_scoped`, `sysv64`.
fn spelling<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => format!("<{e}>"),
    }
}

// The random descriptors of the descriptor crate's tests.
#[cfg(test)]
#[path = "../../../descriptor/tests/strategies.rs"]
#[allow(dead_code, clippy::unwrap_used)]
mod strategies;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use abi_descriptor::{Descriptor, Index, ItemKind, ItemRef};
    use foldhash::HashMap;
    use proptest::prelude::*;

    use super::diff;
    use super::flow::{Node, Reach};
    use super::strategies::{self, mutation, reachable};

    #[test]
    fn the_example_compares_alike_on_one_thread_and_two() {
        let v1 = Descriptor::from_json(include_str!("../../../examples/libtile/v1.json")).unwrap();
        let v2 = Descriptor::from_json(include_str!("../../../examples/libtile/v2.json")).unwrap();
        for (old, new) in [(&v1, &v2), (&v2, &v1)] {
            let sequential = diff(old, new, false);
            assert!(!sequential.is_empty());
            assert_eq!(diff(old, new, true), sequential);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The items a type's findings name are those whose types reach
        /// it, in order of kind and name, asked in any order.
        #[test]
        fn a_type_is_reached_by_the_items_it_is_reachable_from(d in strategies::descriptor()) {
            let ix = Index::new(&d);
            let reach = Reach::new(&d, &ix);
            let mut memo = HashMap::default();
            let mut items: Vec<(ItemKind, &str, Vec<&str>)> = Vec::new();
            for f in &d.functions {
                let roots = f.params.iter().map(|p| p.ty.as_str()).chain([f.ret.as_str()]);
                items.push((ItemKind::Function, &f.symbol, roots.collect()));
            }
            items.extend(d.variables.iter().map(|v| (ItemKind::Variable, v.symbol.as_str(), vec![v.ty.as_str()])));
            items.extend(d.constants.iter().map(|c| (ItemKind::Constant, c.name.as_str(), vec![c.ty.as_str()])));
            let reached: Vec<_> = items
                .iter()
                .map(|(kind, name, roots)| (ItemRef::new(*kind, *name), reachable(&d, roots.iter().copied())))
                .collect();
            for t in d.types.iter().rev() {
                let mut expected: Vec<ItemRef> = reached
                    .iter()
                    .filter(|(_, types)| types.contains(t.id.as_str()))
                    .map(|(item, _)| item.clone())
                    .collect();
                expected.sort();
                prop_assert_eq!(reach.items(&ix, Node::Type(&t.id), &mut memo), expected.clone());
                // Asked again, from the memo.
                prop_assert_eq!(reach.items(&ix, Node::Type(&t.id), &mut memo), expected);
            }
        }

        /// Comparing the tables on a second thread changes neither the
        /// findings nor their order, on unrelated descriptors and on
        /// mutations of one (which differ in a few places).
        #[test]
        fn the_findings_do_not_depend_on_the_threads(
            a in strategies::descriptor(),
            b in strategies::descriptor(),
            edits in prop::collection::vec(
                prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
                16,
            ),
        ) {
            let mut pairs = vec![(a.clone(), b)];
            pairs.extend(edits.iter().filter_map(|e| mutation(&a, e)).map(|m| (a.clone(), m)));
            for (old, new) in &pairs {
                for (old, new) in [(old, new), (new, old)] {
                    prop_assert_eq!(diff(old, new, true), diff(old, new, false));
                }
            }
        }
    }
}
