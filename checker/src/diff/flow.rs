//! Direction: which way values of each type cross the boundary, and which
//! exported items reach a type.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use abi_descriptor::{
    CodeTable, Descriptor, Index, ItemKind, ItemRef, Mutability, TypeDef, TypeKind, TypeRef,
    WireCall, WireRef, WireTypeDef, type_refs, wire_refs,
};

/// Which way values of a type cross the boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Flow {
    /// From the host into the library (arguments, callback returns).
    pub(super) into_library: bool,
    /// From the library to the host (returns, out-pointers, callback arguments).
    pub(super) out_of_library: bool,
}

impl Flow {
    pub(super) const IN: Flow = Flow {
        into_library: true,
        out_of_library: false,
    };
    pub(super) const OUT: Flow = Flow {
        into_library: false,
        out_of_library: true,
    };
    pub(super) const BOTH: Flow = Flow {
        into_library: true,
        out_of_library: true,
    };

    pub(super) fn union(self, other: Flow) -> Flow {
        Flow {
            into_library: self.into_library || other.into_library,
            out_of_library: self.out_of_library || other.out_of_library,
        }
    }

    /// Across a callback, the roles swap.
    pub(super) fn flip(self) -> Flow {
        Flow {
            into_library: self.out_of_library,
            out_of_library: self.into_library,
        }
    }

    /// The flow of a pointee: writable pointees flow both ways.
    pub(super) fn through(self, mutability: Mutability) -> Flow {
        match mutability {
            Mutability::Mut => Flow::BOTH,
            Mutability::Const => self,
        }
    }
}

/// Reachability over one descriptor: the flow of each type, and reverse
/// edges to find the items that reach a type.
pub(super) struct Reach<'a> {
    descriptor: &'a Descriptor,
    /// By the entry the index finds for an id (the first with that id).
    flows: HashMap<Entry<'a>, Flow>,
    wire_flows: HashMap<&'a str, Flow>,
    /// The code tables some function uses.
    codes_used: HashSet<&'a str>,
    /// For each type (or wire type, or code table, in its own namespace):
    /// the types and items that refer to it directly. Built when a finding
    /// first asks which items reach a type: most comparisons ask for few or
    /// none, and the edges are the largest part of this structure.
    users: OnceLock<HashMap<Node<'a>, Vec<User<'a>>>>,
}

/// A type table entry, compared and hashed by address: one per id in the
/// index, and cheaper to hash than the id.
#[derive(Clone, Copy, Debug)]
struct Entry<'a>(&'a TypeDef);

impl PartialEq for Entry<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Entry<'_> {}

impl Hash for Entry<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::ptr::hash(self.0, state);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Node<'a> {
    Type(&'a str),
    Wire(&'a str),
    Codes(&'a str),
}

#[derive(Clone, Copy, Debug)]
pub(super) enum User<'a> {
    Node(Node<'a>),
    /// An item, by kind and name (an [`ItemRef`] is made only when asked
    /// for: most uses are never reported).
    Item(ItemKind, &'a str),
}

/// Every direct use in `d`: what is used, and by which type or item.
fn uses<'a>(d: &'a Descriptor) -> HashMap<Node<'a>, Vec<User<'a>>> {
    let mut users: HashMap<Node<'a>, Vec<User<'a>>> =
        HashMap::with_capacity(d.types.len() + d.wire_types.len());
    let mut used_by = |node, user| users.entry(node).or_default().push(user);
    for f in &d.functions {
        let item = User::Item(ItemKind::Function, &f.symbol);
        for p in &f.params {
            used_by(Node::Type(p.ty.as_str()), item);
        }
        used_by(Node::Type(f.ret.as_str()), item);
        if let Some(w) = &f.wire {
            for (t, _) in wire_roots(w) {
                used_by(Node::Wire(t.as_str()), item);
            }
            if let Some(c) = &w.codes {
                used_by(Node::Codes(c), item);
            }
        }
    }
    for v in &d.variables {
        used_by(
            Node::Type(v.ty.as_str()),
            User::Item(ItemKind::Variable, &v.symbol),
        );
    }
    for c in &d.constants {
        used_by(
            Node::Type(c.ty.as_str()),
            User::Item(ItemKind::Constant, &c.name),
        );
    }
    for t in &d.types {
        for child in type_refs(&t.kind) {
            used_by(Node::Type(child.as_str()), User::Node(Node::Type(&t.id)));
        }
    }
    for t in &d.wire_types {
        for child in wire_refs(&t.kind) {
            used_by(Node::Wire(child.as_str()), User::Node(Node::Wire(&t.id)));
        }
    }
    users
}

impl<'a> Reach<'a> {
    pub(super) fn new(d: &'a Descriptor, ix: &Index<'a>) -> Reach<'a> {
        let mut r = Reach {
            descriptor: d,
            flows: HashMap::with_capacity(d.types.len()),
            wire_flows: HashMap::with_capacity(d.wire_types.len()),
            codes_used: HashSet::new(),
            users: OnceLock::new(),
        };
        let mut work: Vec<(&'a TypeRef, Flow)> = Vec::new();
        let mut wire_work: Vec<(&'a str, Flow)> = Vec::new();
        for f in &d.functions {
            work.extend(f.params.iter().map(|p| (&p.ty, Flow::IN)));
            work.push((&f.ret, Flow::OUT));
            if let Some(w) = &f.wire {
                wire_work.extend(wire_roots(w).map(|(t, flow)| (t.as_str(), flow)));
                if let Some(c) = &w.codes {
                    r.codes_used.insert(c);
                }
            }
        }
        for v in &d.variables {
            work.push((&v.ty, variable_flow(v.mutability)));
        }
        for c in &d.constants {
            work.push((&c.ty, Flow::OUT));
        }
        // Forward walk: the flow of a type is the union over all paths.
        while let Some((t, flow)) = work.pop() {
            let Some(def) = ix.target(t) else { continue };
            let known = r.flows.entry(Entry(def)).or_default();
            let merged = known.union(flow);
            if merged == *known {
                continue;
            }
            *known = merged;
            match &def.kind {
                TypeKind::Pointer(p) => work.push((&p.pointee, merged.through(p.mutability))),
                TypeKind::FunctionPointer(f) => {
                    work.extend(f.params.iter().map(|p| (&p.ty, merged.flip())));
                    work.push((&f.ret, merged));
                }
                other => work.extend(type_refs(other).map(|c| (c, merged))),
            }
        }
        while let Some((id, flow)) = wire_work.pop() {
            let Some(def) = ix.wire_type(id) else {
                continue;
            };
            let known = r.wire_flows.entry(&def.id).or_default();
            let merged = known.union(flow);
            if merged == *known {
                continue;
            }
            *known = merged;
            wire_work.extend(wire_refs(&def.kind).map(|c| (c.as_str(), merged)));
        }
        r
    }

    /// The flow of the entry the index finds for its id; `None` for any
    /// other entry (one whose id an earlier entry has).
    pub(super) fn type_flow(&self, def: &'a TypeDef) -> Option<Flow> {
        self.flows.get(&Entry(def)).copied()
    }

    pub(super) fn wire_flow(&self, def: &'a WireTypeDef) -> Option<Flow> {
        self.wire_flows.get(def.id.as_str()).copied()
    }

    /// Codes flow from the library to hosts; `None` when no function uses
    /// the table.
    pub(super) fn code_flow(&self, table: &'a CodeTable) -> Option<Flow> {
        self.codes_used
            .contains(table.id.as_str())
            .then_some(Flow::OUT)
    }

    /// Every item that reaches `node`, directly or through other types.
    pub(super) fn items(
        &self,
        node: Node<'a>,
        memo: &mut HashMap<Node<'a>, Vec<ItemRef>>,
    ) -> Vec<ItemRef> {
        if let Some(items) = memo.get(&node) {
            return items.clone();
        }
        let mut items = BTreeSet::new();
        let mut seen = HashSet::from_iter([node]);
        let mut work = vec![node];
        while let Some(n) = work.pop() {
            let users = self.users.get_or_init(|| uses(self.descriptor));
            for user in users.get(&n).into_iter().flatten() {
                match user {
                    User::Item(kind, name) => {
                        items.insert((*kind, *name));
                    }
                    User::Node(parent) => {
                        if seen.insert(*parent) {
                            work.push(*parent);
                        }
                    }
                }
            }
        }
        let items: Vec<ItemRef> = items
            .into_iter()
            .map(|(kind, name)| ItemRef::new(kind, name))
            .collect();
        memo.insert(node, items.clone());
        items
    }
}

/// The flow of a variable's type: hosts read every variable and write the
/// mutable ones.
pub(super) fn variable_flow(mutability: Mutability) -> Flow {
    match mutability {
        Mutability::Const => Flow::OUT,
        Mutability::Mut => Flow::BOTH,
    }
}

/// The wire types a call's messages start from, with their flow.
pub(super) fn wire_roots(w: &WireCall) -> impl Iterator<Item = (&WireRef, Flow)> {
    w.request
        .iter()
        .map(|r| (r, Flow::IN))
        .chain(w.reply.iter().map(|r| (r, Flow::OUT)))
        .chain(w.error.iter().map(|r| (r, Flow::OUT)))
        .chain(w.events.iter().map(|e| (&e.payload, Flow::OUT)))
}
