//! Direction: which way values of each type cross the boundary, and which
//! exported items reach a type.

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
    /// For each type (or wire type, or code table): the types and items
    /// that refer to it directly. Built when a finding first asks which
    /// items reach a type: most comparisons ask for few or none, and the
    /// edges are the largest part of this structure.
    users: OnceLock<Uses<'a>>,
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

/// What a use is of: a type by the position of its entry (the one the
/// index finds for a reference), a wire type or a code table by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Used<'a> {
    Type(usize),
    Wire(&'a str),
    Codes(&'a str),
}

#[derive(Clone, Copy, Debug)]
enum User<'a> {
    Used(Used<'a>),
    /// An item, by kind and name (an [`ItemRef`] is made only when asked
    /// for: most uses are never reported).
    Item(ItemKind, &'a str),
}

/// Every direct use in a descriptor: what is used, and by which type or
/// item. The users of types are held by position; a reference to a missing
/// type is a use of nothing.
struct Uses<'a> {
    types: Vec<Vec<User<'a>>>,
    others: HashMap<Used<'a>, Vec<User<'a>>>,
}

impl<'a> Uses<'a> {
    fn of(d: &'a Descriptor, ix: &Index<'a>) -> Uses<'a> {
        let mut uses = Uses {
            types: vec![Vec::new(); d.types.len()],
            others: HashMap::new(),
        };
        let ty = |r: &TypeRef| ix.target(r).and_then(|def| ix.position(def));
        for f in &d.functions {
            let item = User::Item(ItemKind::Function, &f.symbol);
            for p in &f.params {
                uses.type_used(ty(&p.ty), item);
            }
            uses.type_used(ty(&f.ret), item);
            if let Some(w) = &f.wire {
                for (t, _) in wire_roots(w) {
                    uses.used(Used::Wire(t.as_str()), item);
                }
                if let Some(c) = &w.codes {
                    uses.used(Used::Codes(c), item);
                }
            }
        }
        for v in &d.variables {
            let item = User::Item(ItemKind::Variable, &v.symbol);
            uses.type_used(ty(&v.ty), item);
        }
        for c in &d.constants {
            let item = User::Item(ItemKind::Constant, &c.name);
            uses.type_used(ty(&c.ty), item);
        }
        for t in &d.types {
            // The uses by an entry whose id an earlier entry has count as
            // the earlier entry's, as a lookup of the id finds that one.
            let Some(user) = ix.type_def(&t.id).and_then(|def| ix.position(def)) else {
                continue;
            };
            for child in type_refs(&t.kind) {
                uses.type_used(ty(child), User::Used(Used::Type(user)));
            }
        }
        for t in &d.wire_types {
            for child in wire_refs(&t.kind) {
                let user = User::Used(Used::Wire(&t.id));
                uses.used(Used::Wire(child.as_str()), user);
            }
        }
        uses
    }

    fn type_used(&mut self, position: Option<usize>, user: User<'a>) {
        if let Some(users) = position.and_then(|i| self.types.get_mut(i)) {
            users.push(user);
        }
    }

    fn used(&mut self, used: Used<'a>, user: User<'a>) {
        self.others.entry(used).or_default().push(user);
    }

    fn users(&self, used: Used<'a>) -> &[User<'a>] {
        match used {
            Used::Type(i) => self.types.get(i).map_or(&[], Vec::as_slice),
            other => self.others.get(&other).map_or(&[], Vec::as_slice),
        }
    }
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

    /// Every item that reaches `node`, directly or through other types, in
    /// order of kind and name. `ix` indexes this reach's descriptor.
    pub(super) fn items(
        &self,
        ix: &Index<'a>,
        node: Node<'a>,
        memo: &mut HashMap<Node<'a>, Vec<ItemRef>>,
    ) -> Vec<ItemRef> {
        if let Some(items) = memo.get(&node) {
            return items.clone();
        }
        let start = match node {
            Node::Type(id) => ix
                .type_def(id)
                .and_then(|def| ix.position(def))
                .map(Used::Type),
            Node::Wire(id) => Some(Used::Wire(id)),
            Node::Codes(id) => Some(Used::Codes(id)),
        };
        let uses = self.users.get_or_init(|| Uses::of(self.descriptor, ix));
        let mut items: Vec<(ItemKind, &str)> = Vec::new();
        let mut seen_types = vec![false; self.descriptor.types.len()];
        let mut seen = HashSet::new();
        let mut first_visit = |used: Used<'a>| match used {
            Used::Type(i) => seen_types
                .get_mut(i)
                .is_some_and(|seen| !std::mem::replace(seen, true)),
            other => seen.insert(other),
        };
        let mut work: Vec<Used<'a>> = start.into_iter().filter(|&u| first_visit(u)).collect();
        while let Some(used) = work.pop() {
            for user in uses.users(used) {
                match *user {
                    User::Item(kind, name) => items.push((kind, name)),
                    User::Used(parent) => {
                        if first_visit(parent) {
                            work.push(parent);
                        }
                    }
                }
            }
        }
        items.sort_unstable();
        items.dedup();
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
