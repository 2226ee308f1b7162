//! SHA-256 fingerprints of a whole descriptor and of each item.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::canonical::Reused;
use crate::error::EncodeError;
use crate::model::{
    Constant, Descriptor, Function, TypeKind, TypeRef, Variable, WireKind, WireRef,
};

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// SHA-256 of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(bytes).into())
    }

    /// Wraps a digest.
    pub const fn from_bytes(bytes: [u8; 32]) -> Fingerprint {
        Fingerprint(bytes)
    }

    /// The digest.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses 64 hexadecimal digits.
    pub fn from_hex(hex: &str) -> Option<Fingerprint> {
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Fingerprint::from_hex(&s)
            .ok_or_else(|| serde::de::Error::custom("expected 64 hexadecimal digits"))
    }
}

/// The kind of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// An exported function.
    Function,
    /// An exported variable.
    Variable,
    /// A constant.
    Constant,
}

impl ItemKind {
    /// The kind's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Function => "function",
            Self::Variable => "variable",
            Self::Constant => "constant",
        }
    }
}

/// Names one item of a descriptor: a function, variable or constant.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ItemRef {
    /// The item's kind.
    pub kind: ItemKind,
    /// Its symbol (functions, variables) or name (constants).
    pub name: String,
}

impl ItemRef {
    /// A reference to the item of `kind` called `name`.
    pub fn new(kind: ItemKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }

    /// A function's reference.
    pub fn function(symbol: impl Into<String>) -> Self {
        Self::new(ItemKind::Function, symbol)
    }
}

impl fmt::Display for ItemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind.as_str(), self.name)
    }
}

/// The fingerprints of a descriptor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprints {
    /// SHA-256 of the canonical CBOR: equal exactly when the descriptors are.
    pub descriptor: Fingerprint,
    /// One per item. An item's fingerprint covers the item, the target, and
    /// every type, wire type and code table it reaches (Merkle-style, so a
    /// change anywhere below an item changes the item's fingerprint, and a
    /// change elsewhere does not).
    pub items: BTreeMap<ItemRef, Fingerprint>,
}

/// Domain separation tags: no two kinds of hashed thing share an input form.
const TAG_SCC: &[u8] = b"abi-descriptor/1/scc\0";
const TAG_NODE: &[u8] = b"abi-descriptor/1/node\0";
const TAG_ITEM: &[u8] = b"abi-descriptor/1/item\0";

impl Descriptor {
    /// The descriptor's fingerprint: the SHA-256 of its canonical CBOR
    /// ([`to_cbor`](Self::to_cbor)), which is what a blob header carries,
    /// computed without keeping the encoding.
    ///
    /// ```
    /// use abi_descriptor::{Descriptor, Fingerprint};
    ///
    /// let d = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
    /// assert_eq!(d.fingerprint()?, Fingerprint::of_bytes(&d.to_cbor()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fingerprint(&self) -> Result<Fingerprint, EncodeError> {
        Ok(Fingerprint(crate::canonical::sha256(&*self.canonical())?))
    }

    /// Computes every fingerprint. Dangling references are hashed by name, so
    /// this works on descriptors that do not validate.
    pub fn fingerprints(&self) -> Result<Fingerprints, EncodeError> {
        fingerprints(&self.canonical(), None)
    }

    /// The descriptor's fingerprint and the fingerprints of the listed
    /// items that it has: [`fingerprints`](Self::fingerprints) restricted to
    /// those items, computed from one encoding of the descriptor.
    ///
    /// ```
    /// use abi_descriptor::{Descriptor, ItemRef};
    ///
    /// let d = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
    /// let item = ItemRef::function("tile_format_name");
    /// let some = d.fingerprints_of(std::slice::from_ref(&item))?;
    /// let all = d.fingerprints()?;
    /// assert_eq!(some.descriptor, all.descriptor);
    /// assert_eq!(some.items.len(), 1);
    /// assert_eq!(some.items[&item], all.items[&item]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fingerprints_of(&self, items: &[ItemRef]) -> Result<Fingerprints, EncodeError> {
        fingerprints(&self.canonical(), Some(items))
    }

    /// The fingerprints of the listed items that the descriptor has, as
    /// [`fingerprints`](Self::fingerprints) computes them, hashing only what
    /// those items reach. An item's fingerprint depends on nothing it does
    /// not reach, so it is also its fingerprint in the descriptor
    /// [`narrowed`](Self::narrowed) to any items that include it.
    ///
    /// ```
    /// use abi_descriptor::{Descriptor, ItemRef};
    ///
    /// let d = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
    /// let item = ItemRef::function("tile_format_name");
    /// let some = d.item_fingerprints(std::slice::from_ref(&item))?;
    /// assert_eq!(some.len(), 1);
    /// assert_eq!(some[&item], d.fingerprints()?.items[&item]);
    /// assert_eq!(some[&item], d.narrowed(&[item.clone()]).fingerprints()?.items[&item]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn item_fingerprints(
        &self,
        items: &[ItemRef],
    ) -> Result<BTreeMap<ItemRef, Fingerprint>, EncodeError> {
        item_fingerprints(&self.canonical(), Some(items), None)
    }
}

/// The fingerprints of the canonical descriptor `d` and of its items (those
/// in `only`, or all): one encoding of `d` is hashed, and the encodings of
/// its table entries are read from it.
fn fingerprints(d: &Descriptor, only: Option<&[ItemRef]>) -> Result<Fingerprints, EncodeError> {
    let hashed = crate::canonical::sha256_with_spans(d)?;
    let encoded = hashed
        .spans
        .as_deref()
        .and_then(|spans| Encoded::new(d, &hashed.bytes, spans));
    let items = item_fingerprints(d, only, encoded.as_ref())?;
    Ok(Fingerprints {
        descriptor: Fingerprint(hashed.digest),
        items,
    })
}

/// The canonical encodings of a descriptor's table entries, cut from the
/// encoding of the whole.
struct Encoded<'a> {
    /// Types, wire types and code tables: the nodes of [`Graph`], in its order.
    nodes: Vec<&'a [u8]>,
    functions: Vec<&'a [u8]>,
    variables: Vec<&'a [u8]>,
    constants: Vec<&'a [u8]>,
}

impl<'a> Encoded<'a> {
    /// `spans` lists the entries of the non-empty tables in the order the
    /// model writes them; `None` if they do not add up.
    fn new(d: &Descriptor, bytes: &'a [u8], spans: &[std::ops::Range<usize>]) -> Option<Self> {
        let [
            types,
            functions,
            variables,
            constants,
            wire_types,
            code_tables,
        ] = cut_tables(d, bytes, spans)?;
        let mut nodes = types;
        nodes.extend(wire_types);
        nodes.extend(code_tables);
        Some(Encoded {
            nodes,
            functions,
            variables,
            constants,
        })
    }
}

/// The encodings of the entries of each table of `d` (types, functions,
/// variables, constants, wire types, code tables: the order the model
/// writes them), cut from `bytes`, its encoding, where `spans` lists the
/// entries of the non-empty tables in that order; `None` if they do not add
/// up.
pub(crate) fn cut_tables<'a>(
    d: &Descriptor,
    bytes: &'a [u8],
    spans: &[std::ops::Range<usize>],
) -> Option<[Vec<&'a [u8]>; 6]> {
    let mut rest = spans;
    let mut take = |len: usize| -> Option<Vec<&'a [u8]>> {
        let (mine, after) = rest.split_at_checked(len)?;
        rest = after;
        mine.iter().map(|r| bytes.get(r.clone())).collect()
    };
    let tables = [
        take(d.types.len())?,
        take(d.functions.len())?,
        take(d.variables.len())?,
        take(d.constants.len())?,
        take(d.wire_types.len())?,
        take(d.code_tables.len())?,
    ];
    rest.is_empty().then_some(tables)
}

/// Where the entries of a table sorted by `key` (a canonical descriptor's)
/// whose key is `name` are: more than one only in descriptors that do not
/// validate. Names are usually asked for in table order, so the search
/// gallops forward from `from` (where the previous name's entries ended)
/// when `name` lies beyond it, and is a binary search of the whole table
/// otherwise.
pub(crate) fn entries<T, K: Ord + ?Sized>(
    table: &[T],
    from: usize,
    name: &K,
    key: impl Fn(&T) -> &K,
) -> std::ops::Range<usize> {
    let from = match from.checked_sub(1).map(|last| table.get(last)) {
        Some(Some(last)) if key(last) < name => from,
        _ => 0,
    };
    let rest = &table[from.min(table.len())..];
    let mut bound = 1;
    while bound < rest.len() && key(&rest[bound - 1]) < name {
        bound *= 2;
    }
    let start = from + rest[..bound.min(rest.len())].partition_point(|t| key(t) < name);
    let equal = table[start..].iter().take_while(|t| key(t) == name).count();
    start..start + equal
}

/// An item to fingerprint.
#[derive(Clone, Copy)]
enum Item<'a> {
    Function(&'a Function),
    Variable(&'a Variable),
    Constant(&'a Constant),
}

impl<'a> Item<'a> {
    fn item_ref(self) -> ItemRef {
        match self {
            Item::Function(f) => ItemRef::function(&f.symbol),
            Item::Variable(v) => ItemRef::new(ItemKind::Variable, &v.symbol),
            Item::Constant(c) => ItemRef::new(ItemKind::Constant, &c.name),
        }
    }

    /// The nodes the item points to directly.
    fn deps(self) -> Box<dyn Iterator<Item = NodeKey<'a>> + 'a> {
        match self {
            Item::Function(f) => Box::new(function_deps(f)),
            Item::Variable(v) => Box::new(std::iter::once(NodeKey::Type(v.ty.as_str()))),
            Item::Constant(c) => Box::new(std::iter::once(NodeKey::Type(c.ty.as_str()))),
        }
    }

    fn encode<'b>(
        self,
        known: Option<&'b [u8]>,
        encoder: &'b mut Reused,
    ) -> Result<&'b [u8], EncodeError> {
        if let Some(bytes) = known {
            return Ok(bytes);
        }
        Ok(match self {
            Item::Function(f) => encoder.encode(f)?,
            Item::Variable(v) => encoder.encode(v)?,
            Item::Constant(c) => encoder.encode(c)?,
        })
    }
}

/// The fingerprints of every item of the canonical descriptor `d`, or of
/// those listed in `only`; `encoded` has the encodings of its entries when
/// they are at hand.
fn item_fingerprints(
    d: &Descriptor,
    only: Option<&[ItemRef]>,
    encoded: Option<&Encoded<'_>>,
) -> Result<BTreeMap<ItemRef, Fingerprint>, EncodeError> {
    // Each item with its encoding if known. Where a symbol repeats (invalid
    // descriptors), the last entry's fingerprint stands, as when every item
    // is hashed in table order.
    let at = |kind: ItemKind, i: usize| match kind {
        ItemKind::Function => (
            Item::Function(&d.functions[i]),
            encoded.map(|e| e.functions[i]),
        ),
        ItemKind::Variable => (
            Item::Variable(&d.variables[i]),
            encoded.map(|e| e.variables[i]),
        ),
        ItemKind::Constant => (
            Item::Constant(&d.constants[i]),
            encoded.map(|e| e.constants[i]),
        ),
    };
    let chosen: Vec<(Item<'_>, Option<&[u8]>)> = match only {
        None => (0..d.functions.len())
            .map(|i| at(ItemKind::Function, i))
            .chain((0..d.variables.len()).map(|i| at(ItemKind::Variable, i)))
            .chain((0..d.constants.len()).map(|i| at(ItemKind::Constant, i)))
            .collect(),
        Some(list) => {
            // Where the previous item of each kind was found.
            let mut after = [0usize; 3];
            list.iter()
                .filter_map(|item| {
                    let (from, name) = (&mut after[item.kind as usize], item.name.as_str());
                    let found = match item.kind {
                        ItemKind::Function => entries(&d.functions, *from, name, |f| &f.symbol),
                        ItemKind::Variable => entries(&d.variables, *from, name, |v| &v.symbol),
                        ItemKind::Constant => entries(&d.constants, *from, name, |c| &c.name),
                    };
                    *from = found.end;
                    found.last().map(|i| at(item.kind, i))
                })
                .collect()
        }
    };

    let graph = Graph::build(d);
    let roots: Vec<usize> = chosen
        .iter()
        .flat_map(|(item, _)| item.deps().filter_map(|k| graph.index.get(&k).copied()))
        .collect();
    let mut encoder = Reused::default();
    let node_hashes = graph.hash_nodes(&roots, encoded.map(|e| &e.nodes[..]), &mut encoder)?;
    // Every item's hash starts with its kind and the target: that prefix is
    // hashed once per kind, and its state copied.
    let target = encoder.encode(&d.target)?;
    let prefix = |kind: ItemKind| {
        let mut h = Sha256::new();
        h.update(TAG_ITEM);
        h.update(kind.as_str().as_bytes());
        h.update([0]);
        write_len_prefixed(&mut h, target);
        h
    };
    let [function, variable, constant] =
        [ItemKind::Function, ItemKind::Variable, ItemKind::Constant].map(prefix);
    // Collected in order, then built into the map in one pass (the last of
    // a repeated item stands, as with inserting in turn).
    let mut items = Vec::with_capacity(chosen.len());
    let mut dep_hashes: Vec<&Fingerprint> = Vec::new();
    for (item, known) in chosen {
        dep_hashes.clear();
        dep_hashes.extend(
            item.deps()
                .filter_map(|k| graph.index.get(&k).and_then(|&i| node_hashes[i].as_ref())),
        );
        dep_hashes.sort();
        dep_hashes.dedup();
        let item_ref = item.item_ref();
        let mut h = match item_ref.kind {
            ItemKind::Function => function.clone(),
            ItemKind::Variable => variable.clone(),
            ItemKind::Constant => constant.clone(),
        };
        write_len_prefixed(&mut h, item.encode(known, &mut encoder)?);
        for dep in &dep_hashes {
            h.update(dep.as_bytes());
        }
        items.push((item_ref, Fingerprint(h.finalize().into())));
    }
    Ok(items.into_iter().collect())
}

fn write_len_prefixed(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// A node of the type graph: C types, wire types and code tables live in
/// separate namespaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum NodeKey<'a> {
    Type(&'a str),
    Wire(&'a str),
    Codes(&'a str),
}

impl<'a> NodeKey<'a> {
    /// The namespace byte hashed with a node: 1 C types, 2 wire types,
    /// 3 code tables.
    pub(crate) fn namespace(self) -> u8 {
        match self {
            NodeKey::Type(_) => 1,
            NodeKey::Wire(_) => 2,
            NodeKey::Codes(_) => 3,
        }
    }

    /// The id the key names.
    pub(crate) fn text(self) -> &'a str {
        match self {
            NodeKey::Type(id) | NodeKey::Wire(id) | NodeKey::Codes(id) => id,
        }
    }
}

pub(crate) fn function_deps(f: &Function) -> impl Iterator<Item = NodeKey<'_>> {
    let types = f
        .params
        .iter()
        .map(|p| NodeKey::Type(p.ty.as_str()))
        .chain(std::iter::once(NodeKey::Type(f.ret.as_str())));
    let wire = f.wire.iter().flat_map(|w| {
        w.request
            .iter()
            .chain(&w.reply)
            .chain(&w.error)
            .chain(w.events.iter().map(|e| &e.payload))
            .map(|r| NodeKey::Wire(r.as_str()))
            .chain(w.codes.iter().map(|c| NodeKey::Codes(c)))
    });
    types.chain(wire)
}

struct Graph<'a> {
    keys: Vec<NodeKey<'a>>,
    defs: Vec<Def<'a>>,
    edges: Vec<Vec<usize>>,
    index: HashMap<NodeKey<'a>, usize>,
}

/// The definition behind a node, encoded only if the node is hashed.
#[derive(Clone, Copy)]
enum Def<'a> {
    Type(&'a crate::model::TypeDef),
    Wire(&'a crate::model::WireTypeDef),
    Codes(&'a crate::model::CodeTable),
}

impl Def<'_> {
    fn encode(self, encoder: &mut Reused) -> Result<&[u8], EncodeError> {
        Ok(match self {
            Def::Type(t) => encoder.encode(t)?,
            Def::Wire(t) => encoder.encode(t)?,
            Def::Codes(t) => encoder.encode(t)?,
        })
    }
}

impl<'a> Graph<'a> {
    fn build(d: &'a Descriptor) -> Graph<'a> {
        let mut keys = Vec::new();
        let mut defs = Vec::new();
        for t in &d.types {
            keys.push(NodeKey::Type(&t.id));
            defs.push(Def::Type(t));
        }
        for t in &d.wire_types {
            keys.push(NodeKey::Wire(&t.id));
            defs.push(Def::Wire(t));
        }
        for t in &d.code_tables {
            keys.push(NodeKey::Codes(&t.id));
            defs.push(Def::Codes(t));
        }
        // Where ids repeat (invalid descriptors), the first entry wins, as in `Index`.
        let mut index: HashMap<NodeKey<'a>, usize> = HashMap::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            index.entry(*k).or_insert(i);
        }
        let resolve = |k: NodeKey<'_>| index.get(&k).copied();
        let mut edges = Vec::with_capacity(keys.len());
        for t in &d.types {
            edges.push(
                type_refs(&t.kind)
                    .filter_map(|r| resolve(NodeKey::Type(r.as_str())))
                    .collect(),
            );
        }
        for t in &d.wire_types {
            edges.push(
                wire_refs(&t.kind)
                    .filter_map(|r| resolve(NodeKey::Wire(r.as_str())))
                    .collect(),
            );
        }
        edges.extend(d.code_tables.iter().map(|_| Vec::new()));
        Graph {
            keys,
            defs,
            edges,
            index,
        }
    }

    /// Hashes every node reachable from `roots` (the others stay `None`):
    /// the strongly connected components of the graph are hashed in reverse
    /// topological order, each over its members' namespaces and encodings
    /// and the hashes of the components it points to; a node's hash covers
    /// its namespace, its encoding and its component's hash.
    fn hash_nodes(
        &self,
        roots: &[usize],
        encoded: Option<&[&[u8]]>,
        encoder: &mut Reused,
    ) -> Result<Vec<Option<Fingerprint>>, EncodeError> {
        let n = self.keys.len();
        let mut hashes: Vec<Option<Fingerprint>> = vec![None; n];
        let mut component = vec![usize::MAX; n];
        // The members' encodings: cut from the whole encoding when it is at
        // hand, else encoded into buffers kept for the next component.
        let mut pool: Vec<Vec<u8>> = Vec::new();
        for (c, mut members) in tarjan(&self.edges, roots).into_iter().enumerate() {
            for &i in &members {
                component[i] = c;
            }
            members.sort_by_key(|&i| self.keys[i]);
            let mut successors: Vec<Fingerprint> = members
                .iter()
                .flat_map(|&i| &self.edges[i])
                .filter(|&&j| component[j] != c)
                .filter_map(|&j| hashes[j])
                .collect();
            successors.sort();
            successors.dedup();
            if encoded.is_none() {
                if pool.len() < members.len() {
                    pool.resize_with(members.len(), Vec::new);
                }
                for (&i, buffer) in members.iter().zip(&mut pool) {
                    buffer.clear();
                    buffer.extend_from_slice(self.defs[i].encode(encoder)?);
                }
            }
            // The encoding of the `k`th member.
            let encoding = |k: usize| -> &[u8] {
                match encoded {
                    Some(nodes) => nodes[members[k]],
                    None => &pool[k],
                }
            };
            let mut h = Sha256::new();
            h.update(TAG_SCC);
            h.update((members.len() as u64).to_le_bytes());
            for (k, &i) in members.iter().enumerate() {
                h.update([self.keys[i].namespace()]);
                write_len_prefixed(&mut h, encoding(k));
            }
            for s in &successors {
                h.update(s.as_bytes());
            }
            let scc_hash: [u8; 32] = h.finalize().into();
            for (k, &i) in members.iter().enumerate() {
                let mut h = Sha256::new();
                h.update(TAG_NODE);
                h.update([self.keys[i].namespace()]);
                write_len_prefixed(&mut h, encoding(k));
                h.update(scc_hash);
                hashes[i] = Some(Fingerprint(h.finalize().into()));
            }
        }
        Ok(hashes)
    }
}

/// Tarjan's strongly connected components of the nodes reachable from
/// `roots`, iterative. Components come out in reverse topological order:
/// every component after all it points to.
fn tarjan(edges: &[Vec<usize>], roots: &[usize]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0usize;
    // Call frames: (node, position in its edge list).
    let mut frames: Vec<(usize, usize)> = Vec::new();
    for &root in roots {
        if index[root] != UNSEEN {
            continue;
        }
        frames.push((root, 0));
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut pos)) = frames.last_mut() {
            if let Some(&w) = edges[v].get(*pos) {
                *pos += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut scc = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(scc);
            }
        }
    }
    out
}

/// Every type a C type kind refers to directly.
pub fn type_refs(kind: &TypeKind) -> Box<dyn Iterator<Item = &TypeRef> + '_> {
    use crate::model::BufferLength;
    match kind {
        TypeKind::Opaque(_) => Box::new(std::iter::empty()),
        TypeKind::Alias(a) => Box::new(std::iter::once(&a.target)),
        TypeKind::Pointer(p) => Box::new(std::iter::once(&p.pointee)),
        TypeKind::Struct(s) => Box::new(s.fields.iter().map(|f| &f.ty)),
        TypeKind::Extensible(s) => Box::new(s.fields.iter().map(|f| &f.ty)),
        TypeKind::Union(u) => Box::new(u.members.iter().map(|m| &m.ty)),
        TypeKind::Enum(e) => Box::new(std::iter::once(&e.repr)),
        TypeKind::TaggedUnion(u) => Box::new(
            std::iter::once(&u.tag.ty).chain(u.variants.iter().filter_map(|v| v.payload.as_ref())),
        ),
        TypeKind::Array(a) => Box::new(std::iter::once(&a.element)),
        TypeKind::Buffer(b) => match &b.length {
            BufferLength::Inline(i) => Box::new(std::iter::once(&i.len_type)),
            _ => Box::new(std::iter::empty()),
        },
        TypeKind::FunctionPointer(f) => Box::new(
            f.params
                .iter()
                .map(|p| &p.ty)
                .chain(std::iter::once(&f.ret)),
        ),
    }
}

/// Every wire type a wire type kind refers to directly.
pub fn wire_refs(kind: &WireKind) -> Box<dyn Iterator<Item = &WireRef> + '_> {
    match kind {
        WireKind::Record(r) => Box::new(r.fields.iter().map(|f| &f.ty)),
        WireKind::List(l) => Box::new(std::iter::once(&l.element)),
        WireKind::Map(m) => Box::new([&m.key, &m.value].into_iter()),
        WireKind::Option(o) => Box::new(std::iter::once(&o.some)),
        WireKind::Result(r) => Box::new([&r.ok, &r.err].into_iter()),
        WireKind::Enum(_) => Box::new(std::iter::empty()),
        WireKind::Alias(a) => Box::new(std::iter::once(&a.target)),
    }
}
