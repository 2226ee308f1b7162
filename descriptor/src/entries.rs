//! Comparing the entries of two descriptors by their canonical encodings.

use std::convert::Infallible;
use std::ops::Range;

use crate::canonical::Reused;
use crate::error::EncodeError;
use crate::fingerprint::{
    Fingerprint, ItemKind, ItemRef, cut_tables, entries, function_deps, type_refs, wire_refs,
};
use crate::model::Descriptor;
use crate::model::direct::Skim;

/// The canonical encoding of each entry of a descriptor and of its target,
/// with the references its entries make to names that are no entry of it:
/// what a host keeps of the descriptor it expects, so that a library's
/// descriptor can be checked to hold every entry of it unchanged by
/// comparing bytes, without hashing ([`Descriptor::holds`]).
///
/// ```
/// use abi_descriptor::{Descriptor, Entries, ItemRef};
///
/// let v1 = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
/// let v2 = Descriptor::from_json(include_str!("../../examples/libtile/v2.json"))?;
/// let names = Entries::of(&v1.narrowed(&[ItemRef::function("tile_format_name")]))?;
/// assert!(v1.holds(&names)?.unchanged);
/// // `TileFormat`, which `tile_format_name` takes, gained a variant in v2.
/// assert!(!v2.holds(&names)?.unchanged);
/// assert_eq!(v2.holds(&names)?.fingerprint, v2.fingerprint()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entries {
    /// The entries' encodings, back to back.
    bytes: Vec<u8>,
    /// The target's encoding.
    target: Vec<u8>,
    /// Per table ([`TABLES`]), in canonical order: each entry's key and
    /// where its encoding lies in `bytes`.
    tables: [Vec<(Vec<u8>, Range<usize>)>; TABLES],
    /// Per namespace (C types, wire types, code tables): the texts of
    /// references that name no entry, sorted.
    unresolved: [Vec<String>; 3],
    /// Who depends on what, for [`differing`]: see [`Dependents`].
    dependents: Dependents,
}

/// The edges of the fingerprint graph of the entries, reversed: for each
/// node, the nodes whose fingerprints cover it directly. The nodes are the
/// entries, numbered through the tables in [`TABLES`] order, then the
/// unresolved names, namespace by namespace; an entry covers the entries
/// its references name (the first, where a key repeats) and the
/// unresolved names it refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Dependents {
    /// The first node of each table.
    table_start: [usize; TABLES],
    /// The first node of each namespace's unresolved names.
    unresolved_start: [usize; 3],
    /// Where each node's dependents start in `dependents`; one more entry
    /// than there are nodes.
    start: Vec<u32>,
    dependents: Vec<u32>,
    /// The items (functions, variables, constants, in that order, each in
    /// canonical order), each with its node.
    items: Vec<(ItemRef, u32)>,
}

impl Dependents {
    /// The graph of the canonical descriptor `d`, whose keys are `keys`
    /// and whose unresolved names are `unresolved`.
    fn of(d: &Descriptor, keys: &[Vec<&[u8]>; TABLES], unresolved: &[Vec<String>; 3]) -> Self {
        let mut table_start = [0; TABLES];
        let mut nodes = 0;
        for (start, keys) in table_start.iter_mut().zip(keys) {
            *start = nodes;
            nodes += keys.len();
        }
        let mut unresolved_start = [0; 3];
        for (start, names) in unresolved_start.iter_mut().zip(unresolved) {
            *start = nodes;
            nodes += names.len();
        }
        // The node a reference in `namespace` to `name` leads to.
        let node = |namespace: usize, name: &str| -> Option<usize> {
            let table = NAMESPACE_TABLE[namespace];
            let found = entries(&keys[table], 0, name.as_bytes(), |k| *k);
            if !found.is_empty() {
                return Some(table_start[table] + found.start);
            }
            let names = &unresolved[namespace];
            let i = names.binary_search_by(|n| n.as_str().cmp(name)).ok()?;
            Some(unresolved_start[namespace] + i)
        };
        // (dependency, dependent) pairs.
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut edge = |from: usize, namespace: usize, name: &str| {
            if let Some(to) = node(namespace, name) {
                edges.push((to as u32, from as u32));
            }
        };
        for (i, t) in d.types.iter().enumerate() {
            type_refs(&t.kind).for_each(|r| edge(table_start[0] + i, 0, r.as_str()));
        }
        for (i, f) in d.functions.iter().enumerate() {
            for key in function_deps(f) {
                let namespace = usize::from(key.namespace()) - 1;
                edge(table_start[1] + i, namespace, key.text());
            }
        }
        for (i, v) in d.variables.iter().enumerate() {
            edge(table_start[2] + i, 0, v.ty.as_str());
        }
        for (i, c) in d.constants.iter().enumerate() {
            edge(table_start[3] + i, 0, c.ty.as_str());
        }
        for (i, t) in d.wire_types.iter().enumerate() {
            wire_refs(&t.kind).for_each(|r| edge(table_start[4] + i, 1, r.as_str()));
        }
        edges.sort_unstable();
        edges.dedup();
        let mut start = Vec::with_capacity(nodes + 1);
        let mut at = 0;
        for n in 0..nodes {
            start.push(at as u32);
            while edges.get(at).is_some_and(|&(to, _)| to as usize == n) {
                at += 1;
            }
        }
        start.push(at as u32);
        let item = |kind, table: usize, i: usize, name: &str| {
            (ItemRef::new(kind, name), (table_start[table] + i) as u32)
        };
        let items = (d.functions.iter().enumerate())
            .map(|(i, f)| item(ItemKind::Function, 1, i, &f.symbol))
            .chain(
                (d.variables.iter().enumerate())
                    .map(|(i, v)| item(ItemKind::Variable, 2, i, &v.symbol)),
            )
            .chain(
                (d.constants.iter().enumerate())
                    .map(|(i, c)| item(ItemKind::Constant, 3, i, &c.name)),
            )
            .collect();
        Dependents {
            table_start,
            unresolved_start,
            start,
            dependents: edges.into_iter().map(|(_, from)| from).collect(),
            items,
        }
    }

    /// Every item whose fingerprint covers one of the nodes marked in
    /// `changed`, in item order; marks them and what lies between.
    fn items_covering(&self, changed: &mut [bool]) -> Vec<ItemRef> {
        let mut work: Vec<u32> = (0..changed.len() as u32)
            .filter(|&n| changed[n as usize])
            .collect();
        while let Some(n) = work.pop() {
            let n = n as usize;
            let (from, to) = (self.start[n] as usize, self.start[n + 1] as usize);
            for &d in &self.dependents[from..to] {
                if !std::mem::replace(&mut changed[d as usize], true) {
                    work.push(d);
                }
            }
        }
        self.items
            .iter()
            .filter(|(_, n)| changed[*n as usize])
            .map(|(item, _)| item.clone())
            .collect()
    }
}

/// The tables, in the order a descriptor encodes them (that of
/// [`cut_tables`]): types, functions, variables, constants, wire types,
/// code tables.
pub(crate) const TABLES: usize = 6;
/// Where the namespaces' tables are among the [`TABLES`].
pub(crate) const NAMESPACE_TABLE: [usize; 3] = [0, 4, 5];

/// What [`Descriptor::holds`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Holding {
    /// The fingerprint of the whole descriptor that was searched.
    pub fingerprint: Fingerprint,
    /// Whether it holds the target and every entry with the same canonical
    /// encoding, each once, and no entry named by a reference that names
    /// none in the entries searched for.
    pub unchanged: bool,
}

/// Each entry's key, per table, in the descriptor's table order.
fn keys(d: &Descriptor) -> [Vec<&[u8]>; TABLES] {
    [
        d.types.iter().map(|t| t.id.as_bytes()).collect(),
        d.functions.iter().map(|f| f.symbol.as_bytes()).collect(),
        d.variables.iter().map(|v| v.symbol.as_bytes()).collect(),
        d.constants.iter().map(|c| c.name.as_bytes()).collect(),
        d.wire_types.iter().map(|t| t.id.as_bytes()).collect(),
        d.code_tables.iter().map(|t| t.id.as_bytes()).collect(),
    ]
}

/// The `i`th entry of table `table` of `d`, encoded.
fn encode_entry<'e>(
    d: &Descriptor,
    table: usize,
    i: usize,
    encoder: &'e mut Reused,
) -> Result<&'e [u8], EncodeError> {
    Ok(match table {
        0 => encoder.encode(&d.types[i])?,
        1 => encoder.encode(&d.functions[i])?,
        2 => encoder.encode(&d.variables[i])?,
        3 => encoder.encode(&d.constants[i])?,
        4 => encoder.encode(&d.wire_types[i])?,
        _ => encoder.encode(&d.code_tables[i])?,
    })
}

/// The texts of every reference `d`'s entries make, per namespace.
fn references(d: &Descriptor) -> [Vec<&str>; 3] {
    let mut out: [Vec<&str>; 3] = Default::default();
    for t in &d.types {
        out[0].extend(type_refs(&t.kind).map(|r| r.as_str()));
    }
    for f in &d.functions {
        for key in function_deps(f) {
            out[usize::from(key.namespace()) - 1].push(key.text());
        }
    }
    out[0].extend(d.variables.iter().map(|v| v.ty.as_str()));
    out[0].extend(d.constants.iter().map(|c| c.ty.as_str()));
    for t in &d.wire_types {
        out[1].extend(wire_refs(&t.kind).map(|r| r.as_str()));
    }
    out
}

impl Entries {
    /// The entries of `d` (brought into canonical form first).
    pub fn of(d: &Descriptor) -> Result<Entries, EncodeError> {
        let d = d.canonical();
        let mut encoder = Reused::default();
        let mut bytes = Vec::new();
        let keys = keys(&d);
        let mut tables: [Vec<(Vec<u8>, Range<usize>)>; TABLES] = Default::default();
        for (table, keys) in keys.iter().enumerate() {
            for (i, key) in keys.iter().enumerate() {
                let start = bytes.len();
                bytes.extend_from_slice(encode_entry(&d, table, i, &mut encoder)?);
                tables[table].push((key.to_vec(), start..bytes.len()));
            }
        }
        let target = encoder.encode(&d.target)?.to_vec();
        let mut unresolved: [Vec<String>; 3] = Default::default();
        for (namespace, mut texts) in references(&d).into_iter().enumerate() {
            let ids = &keys[NAMESPACE_TABLE[namespace]];
            texts.sort_unstable();
            texts.dedup();
            unresolved[namespace] = texts
                .into_iter()
                .filter(|text| entries(ids, 0, text.as_bytes(), |k| *k).is_empty())
                .map(str::to_owned)
                .collect();
        }
        let dependents = Dependents::of(&d, &keys, &unresolved);
        Ok(Entries {
            bytes,
            target,
            tables,
            unresolved,
            dependents,
        })
    }

    /// The items of these entries: the functions, variables and constants,
    /// each in canonical order.
    pub fn items(&self) -> impl ExactSizeIterator<Item = &ItemRef> {
        self.dependents.items.iter().map(|(item, _)| item)
    }
}

impl Descriptor {
    /// Searches this descriptor for `expected`'s target and entries, comparing
    /// canonical encodings, and computes its fingerprint from the same
    /// encoding.
    ///
    /// When `expected` is a descriptor [`narrowed`](Self::narrowed) to its
    /// items, as a host's expectation is, [`Holding::unchanged`] says
    /// whether every one of those items has the same fingerprint here
    /// ([`fingerprints_of`](Self::fingerprints_of)): an item's fingerprint
    /// covers the target, the item and what it reaches, and the references
    /// it follows (which give an edge of the fingerprint graph only where an
    /// entry has the name; none of `expected`'s unresolved names may be one
    /// here). It costs one encoding of this descriptor and a comparison of
    /// bytes, instead of hashing every item and type. An entry whose id or
    /// symbol repeats here (in descriptors that do not validate) counts as
    /// changed.
    pub fn holds(&self, expected: &Entries) -> Result<Holding, EncodeError> {
        let d = self.canonical();
        let hashed = crate::canonical::sha256_with_spans(&*d)?;
        let fingerprint = Fingerprint::from_bytes(hashed.digest);
        let unchanged = holds(&d, &hashed.bytes, hashed.spans.as_deref(), expected)?;
        Ok(Holding {
            fingerprint,
            unchanged,
        })
    }
}

/// Whether the canonical descriptor `d`, whose encoding is `bytes` with its
/// table entries at `spans`, holds `expected` unchanged.
pub(crate) fn holds(
    d: &Descriptor,
    bytes: &[u8],
    spans: Option<&[Range<usize>]>,
    expected: &Entries,
) -> Result<bool, EncodeError> {
    let encoded = spans.and_then(|spans| cut_tables(d, bytes, spans));
    holds_cut(d, encoded.as_ref(), expected)
}

/// Whether the canonical descriptor `d` holds `expected` unchanged, each
/// entry taken from `encoded` (per table, in the model's table order) when
/// given, else encoded.
fn holds_cut(
    d: &Descriptor,
    encoded: Option<&[Vec<&[u8]>; TABLES]>,
    expected: &Entries,
) -> Result<bool, EncodeError> {
    let mut encoder = Reused::default();
    if encoder.encode(&d.target)? != expected.target.as_slice() {
        return Ok(false);
    }
    holds_keyed(&keys(d), expected, |table, i, wanted| {
        Ok(match encoded {
            Some(tables) => tables[table][i] == wanted,
            None => encode_entry(d, table, i, &mut encoder)? == wanted,
        })
    })
}

/// Whether the tables whose entries have the keys `keys` (per table, in
/// key order) hold every entry of `expected`, once, and none that its
/// unresolved references name; `same(table, i, wanted)` says whether the
/// `i`th entry of `table` is encoded as `wanted`. The target is not looked
/// at.
pub(crate) fn holds_keyed<E>(
    keys: &[Vec<&[u8]>; TABLES],
    expected: &Entries,
    mut same: impl FnMut(usize, usize, &[u8]) -> Result<bool, E>,
) -> Result<bool, E> {
    for (table, (keys, wanted)) in keys.iter().zip(&expected.tables).enumerate() {
        let mut from = 0;
        for (key, span) in wanted {
            let found = entries(keys, from, key.as_slice(), |k| *k);
            if found.len() != 1 || !same(table, found.start, &expected.bytes[span.clone()])? {
                return Ok(false);
            }
            from = found.end;
        }
    }
    for (namespace, names) in expected.unresolved.iter().enumerate() {
        let ids = &keys[NAMESPACE_TABLE[namespace]];
        let mut from = 0;
        for name in names {
            let found = entries(ids, from, name.as_bytes(), |k| *k);
            if !found.is_empty() {
                return Ok(false);
            }
            from = found.end;
        }
    }
    Ok(true)
}

/// The items of `expected` whose fingerprint the tables whose entries have
/// the keys `keys` may not give them ([`holds_keyed`] for each item):
/// every item when the target differs (`same_target` false), else those
/// that reach an entry these tables do not hold once with the same
/// encoding, or a name `expected` leaves unresolved and these tables hold.
/// None exactly when [`holds_keyed`] says the tables hold `expected`.
pub(crate) fn differing_keyed(
    keys: &[Vec<&[u8]>; TABLES],
    same_target: bool,
    expected: &Entries,
    mut same: impl FnMut(usize, usize, &[u8]) -> bool,
) -> Vec<ItemRef> {
    let graph = &expected.dependents;
    if !same_target {
        return expected.items().cloned().collect();
    }
    let mut changed = vec![false; graph.start.len() - 1];
    for (table, (keys, wanted)) in keys.iter().zip(&expected.tables).enumerate() {
        let mut from = 0;
        for (i, (key, span)) in wanted.iter().enumerate() {
            let found = entries(keys, from, key.as_slice(), |k| *k);
            if found.len() != 1 || !same(table, found.start, &expected.bytes[span.clone()]) {
                changed[graph.table_start[table] + i] = true;
            }
            from = found.end;
        }
    }
    for (namespace, names) in expected.unresolved.iter().enumerate() {
        let ids = &keys[NAMESPACE_TABLE[namespace]];
        let mut from = 0;
        for (i, name) in names.iter().enumerate() {
            let found = entries(ids, from, name.as_bytes(), |k| *k);
            if !found.is_empty() {
                changed[graph.unresolved_start[namespace] + i] = true;
            }
            from = found.end;
        }
    }
    graph.items_covering(&mut changed)
}

/// [`differing_keyed`] for the descriptor encoded as `skim` locates it.
pub(crate) fn differing_skimmed(skim: &Skim<'_>, expected: &Entries) -> Vec<ItemRef> {
    let keys = skim_keys(skim);
    let same_target = skim.target == expected.target.as_slice();
    differing_keyed(&keys, same_target, expected, |table, i, wanted| {
        skim.tables[table][i].1 == wanted
    })
}

/// Whether the descriptor encoded as `skim` locates it holds `expected`
/// unchanged, as [`holds_cut`] would say of it decoded.
pub(crate) fn holds_skimmed(skim: &Skim<'_>, expected: &Entries) -> bool {
    if skim.target != expected.target.as_slice() {
        return false;
    }
    let keys = skim_keys(skim);
    let same = |table: usize, i: usize, wanted: &[u8]| {
        Ok::<_, Infallible>(skim.tables[table][i].1 == wanted)
    };
    match holds_keyed(&keys, expected, same) {
        Ok(held) => held,
        Err(never) => match never {},
    }
}

/// Each entry's key, per table, as `skim` located them.
fn skim_keys<'a>(skim: &Skim<'a>) -> [Vec<&'a [u8]>; TABLES] {
    skim.tables
        .each_ref()
        .map(|table| table.iter().map(|(key, _)| *key).collect())
}
