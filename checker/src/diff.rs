//! The diff engine: compares two descriptors and classifies every difference.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use abi_descriptor::{
    BufferType, CallConv, CodeTable, Constant, Descriptor, Function, FunctionPointerType, Index,
    ItemKind, ItemRef, Mutability, Ownership, Param, PointerType, Resolved, Target, Threading,
    TypeDef, TypeKind, TypeRef, Variable, WireCall, WireKind, WireRef, WireTypeDef, type_refs,
    wire_refs,
};

use crate::report::Finding;
use crate::rules::RuleId;

/// Which way values of a type cross the boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flow {
    /// From the host into the library (arguments, callback returns).
    pub into_library: bool,
    /// From the library to the host (returns, out-pointers, callback arguments).
    pub out_of_library: bool,
}

impl Flow {
    const IN: Flow = Flow {
        into_library: true,
        out_of_library: false,
    };
    const OUT: Flow = Flow {
        into_library: false,
        out_of_library: true,
    };
    const BOTH: Flow = Flow {
        into_library: true,
        out_of_library: true,
    };

    fn union(self, other: Flow) -> Flow {
        Flow {
            into_library: self.into_library || other.into_library,
            out_of_library: self.out_of_library || other.out_of_library,
        }
    }

    /// Across a callback, the roles swap.
    fn flip(self) -> Flow {
        Flow {
            into_library: self.out_of_library,
            out_of_library: self.into_library,
        }
    }

    /// The flow of a pointee: writable pointees flow both ways.
    fn through(self, mutability: Mutability) -> Flow {
        match mutability {
            Mutability::Mut => Flow::BOTH,
            Mutability::Const => self,
        }
    }
}

/// How deeply anonymous types (pointers to pointers to ...) are followed.
const MAX_ANONYMOUS_DEPTH: usize = 64;

/// Kinds whose identity is their name: compared once, where they are declared.
fn is_named(kind: &TypeKind) -> bool {
    matches!(
        kind,
        TypeKind::Alias(_)
            | TypeKind::Struct(_)
            | TypeKind::Union(_)
            | TypeKind::Enum(_)
            | TypeKind::TaggedUnion(_)
            | TypeKind::Opaque(_)
            | TypeKind::Extensible(_)
    )
}

/// Where a type is used, which picks the rule for a changed type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Site {
    Param,
    Return,
    Field,
    UnionMember,
    Variable,
    Constant,
    Typedef,
    TaggedPayload,
}

impl Site {
    fn rule(self) -> RuleId {
        match self {
            Site::Param => RuleId::ParamTypeChanged,
            Site::Return => RuleId::ReturnTypeChanged,
            Site::Field => RuleId::FieldTypeChanged,
            Site::UnionMember => RuleId::UnionMemberTypeChanged,
            Site::Variable => RuleId::VariableTypeChanged,
            Site::Constant => RuleId::ConstantTypeChanged,
            Site::Typedef => RuleId::TypedefTargetChanged,
            Site::TaggedPayload => RuleId::TaggedVariantChanged,
        }
    }
}

/// Whose finding it is: an item's signature, or a named type (whose items
/// are found when the finding is made).
#[derive(Clone, Debug)]
enum Owner<'a> {
    Item(ItemRef),
    Type(&'a str),
    Wire(&'a str),
    Codes(&'a str),
    Library,
}

/// Reachability over one descriptor: the flow of each type, and reverse
/// edges to find the items that reach a type.
struct Reach<'a> {
    flows: HashMap<&'a str, Flow>,
    wire_flows: HashMap<&'a str, Flow>,
    /// For each type (or wire type, or code table, in its own namespace):
    /// the types and items that refer to it directly.
    users: HashMap<Node<'a>, Vec<User<'a>>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node<'a> {
    Type(&'a str),
    Wire(&'a str),
    Codes(&'a str),
}

#[derive(Clone, Debug)]
enum User<'a> {
    Node(Node<'a>),
    Item(ItemRef),
}

impl<'a> Reach<'a> {
    fn new(d: &'a Descriptor, ix: &Index<'a>) -> Reach<'a> {
        let mut r = Reach {
            flows: HashMap::new(),
            wire_flows: HashMap::new(),
            users: HashMap::new(),
        };
        let mut work: Vec<(&'a str, Flow)> = Vec::new();
        let mut wire_work: Vec<(&'a str, Flow)> = Vec::new();
        for f in &d.functions {
            let item = ItemRef::function(&f.symbol);
            for p in &f.params {
                r.used_by(Node::Type(p.ty.as_str()), User::Item(item.clone()));
                work.push((p.ty.as_str(), Flow::IN));
            }
            r.used_by(Node::Type(f.ret.as_str()), User::Item(item.clone()));
            work.push((f.ret.as_str(), Flow::OUT));
            if let Some(w) = &f.wire {
                for (t, flow) in wire_roots(w) {
                    r.used_by(Node::Wire(t.as_str()), User::Item(item.clone()));
                    wire_work.push((t.as_str(), flow));
                }
                if let Some(c) = &w.codes {
                    r.used_by(Node::Codes(c), User::Item(item.clone()));
                }
            }
        }
        for v in &d.variables {
            let item = ItemRef::new(ItemKind::Variable, &v.symbol);
            r.used_by(Node::Type(v.ty.as_str()), User::Item(item));
            work.push((v.ty.as_str(), variable_flow(v.mutability)));
        }
        for c in &d.constants {
            let item = ItemRef::new(ItemKind::Constant, &c.name);
            r.used_by(Node::Type(c.ty.as_str()), User::Item(item));
            work.push((c.ty.as_str(), Flow::OUT));
        }
        for t in &d.types {
            for child in type_refs(&t.kind) {
                r.used_by(Node::Type(child.as_str()), User::Node(Node::Type(&t.id)));
            }
        }
        for t in &d.wire_types {
            for child in wire_refs(&t.kind) {
                r.used_by(Node::Wire(child.as_str()), User::Node(Node::Wire(&t.id)));
            }
        }
        // Forward walk: the flow of a type is the union over all paths.
        while let Some((id, flow)) = work.pop() {
            let Some(def) = ix.type_def(id) else { continue };
            let known = r.flows.entry(&def.id).or_default();
            let merged = known.union(flow);
            if merged == *known {
                continue;
            }
            *known = merged;
            match &def.kind {
                TypeKind::Pointer(p) => {
                    work.push((p.pointee.as_str(), merged.through(p.mutability)))
                }
                TypeKind::FunctionPointer(f) => {
                    work.extend(f.params.iter().map(|p| (p.ty.as_str(), merged.flip())));
                    work.push((f.ret.as_str(), merged));
                }
                other => work.extend(type_refs(other).map(|c| (c.as_str(), merged))),
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

    fn type_flow(&self, id: &str) -> Option<Flow> {
        self.flows.get(id).copied()
    }

    fn wire_flow(&self, id: &str) -> Option<Flow> {
        self.wire_flows.get(id).copied()
    }

    fn used_by(&mut self, node: Node<'a>, user: User<'a>) {
        self.users.entry(node).or_default().push(user);
    }

    /// Every item that reaches `node`, directly or through other types.
    fn items(&self, node: Node<'a>, memo: &mut HashMap<Node<'a>, Vec<ItemRef>>) -> Vec<ItemRef> {
        if let Some(items) = memo.get(&node) {
            return items.clone();
        }
        let mut items = BTreeSet::new();
        let mut seen = HashSet::from([node]);
        let mut work = vec![node];
        while let Some(n) = work.pop() {
            for user in self.users.get(&n).into_iter().flatten() {
                match user {
                    User::Item(item) => {
                        items.insert(item.clone());
                    }
                    User::Node(parent) => {
                        if seen.insert(*parent) {
                            work.push(*parent);
                        }
                    }
                }
            }
        }
        let items: Vec<ItemRef> = items.into_iter().collect();
        memo.insert(node, items.clone());
        items
    }
}

/// The flow of a variable's type: hosts read every variable and write the
/// mutable ones.
fn variable_flow(mutability: Mutability) -> Flow {
    match mutability {
        Mutability::Const => Flow::OUT,
        Mutability::Mut => Flow::BOTH,
    }
}

/// Pairs the entries of two tables by key, the first entry winning where a
/// key repeats (as in [`Index`]): each old entry with its new twin, if any,
/// in key order, and the new entries without an old twin.
fn pair_by<'t, T>(
    old: &'t [T],
    new: &'t [T],
    key: impl Fn(&'t T) -> &'t String,
) -> (Vec<(&'t T, Option<&'t T>)>, Vec<&'t T>) {
    let by_key = |table: &'t [T]| {
        let mut map: BTreeMap<&'t str, &'t T> = BTreeMap::new();
        for entry in table {
            map.entry(key(entry).as_str()).or_insert(entry);
        }
        map
    };
    let (old, new) = (by_key(old), by_key(new));
    let paired = old.iter().map(|(k, o)| (*o, new.get(k).copied())).collect();
    let added = new
        .iter()
        .filter(|(k, _)| !old.contains_key(*k))
        .map(|(_, n)| *n)
        .collect();
    (paired, added)
}

/// The wire types a call's messages start from, with their flow.
fn wire_roots(w: &WireCall) -> impl Iterator<Item = (&WireRef, Flow)> {
    w.request
        .iter()
        .map(|r| (r, Flow::IN))
        .chain(w.reply.iter().map(|r| (r, Flow::OUT)))
        .chain(w.error.iter().map(|r| (r, Flow::OUT)))
        .chain(w.events.iter().map(|e| (&e.payload, Flow::OUT)))
}

/// Compares two descriptors and returns every finding, unsorted.
pub(crate) fn diff(old: &Descriptor, new: &Descriptor) -> Vec<Finding> {
    let old_ix = Index::new(old);
    let new_ix = Index::new(new);
    let mut e = Engine {
        old_reach: Reach::new(old, &old_ix),
        new_reach: Reach::new(new, &new_ix),
        old: old_ix,
        new: new_ix,
        findings: Vec::new(),
        active: HashSet::new(),
        items_memo: HashMap::new(),
    };
    e.envelope();
    e.items();
    e.named_types();
    e.wire_types();
    e.code_tables();
    e.findings
}

struct Engine<'a> {
    old: Index<'a>,
    new: Index<'a>,
    old_reach: Reach<'a>,
    new_reach: Reach<'a>,
    findings: Vec<Finding>,
    active: HashSet<(&'a str, &'a str, Flow)>,
    items_memo: HashMap<Node<'a>, Vec<ItemRef>>,
}

fn opt_str<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

impl<'a> Engine<'a> {
    fn report(&mut self, rule: RuleId, owner: &Owner<'a>, path: String, detail: String) {
        let items = match owner {
            Owner::Item(item) => vec![item.clone()],
            Owner::Type(id) => self.old_reach.items(Node::Type(id), &mut self.items_memo),
            Owner::Wire(id) => self.old_reach.items(Node::Wire(id), &mut self.items_memo),
            Owner::Codes(id) => self.old_reach.items(Node::Codes(id), &mut self.items_memo),
            Owner::Library => Vec::new(),
        };
        self.findings.push(Finding::new(rule, path, detail, items));
    }

    fn envelope(&mut self) {
        let (o, n) = (self.old.descriptor, self.new.descriptor);
        if o.library.name != n.library.name {
            self.report(
                RuleId::LibraryRenamed,
                &Owner::Library,
                "library".to_owned(),
                format!("`{}` -> `{}`", o.library.name, n.library.name),
            );
        }
        for (field, a, b) in target_fields(&o.target, &n.target) {
            if a != b {
                self.report(
                    RuleId::TargetChanged,
                    &Owner::Library,
                    format!("target {field}"),
                    format!("{a} -> {b}"),
                );
            }
        }
    }

    fn metadata<T: PartialEq + std::fmt::Debug>(
        &mut self,
        owner: &Owner<'a>,
        path: &str,
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
                    path.to_owned(),
                    format!("deprecated{note}"),
                );
            }
            (Some(_), None) => self.report(
                RuleId::MetadataChanged,
                owner,
                path.to_owned(),
                "no longer deprecated".to_owned(),
            ),
            (Some(a), Some(b)) if a != b => self.report(
                RuleId::MetadataChanged,
                owner,
                path.to_owned(),
                "deprecation note changed".to_owned(),
            ),
            _ => {}
        }
        if since.0 != since.1 {
            self.report(
                RuleId::MetadataChanged,
                owner,
                path.to_owned(),
                format!("since {:?} -> {:?}", since.0, since.1),
            );
        }
    }

    // -- items ---------------------------------------------------------------

    fn items(&mut self) {
        let (o, n) = (self.old.descriptor, self.new.descriptor);
        let function = [RuleId::FunctionRemoved, RuleId::FunctionAdded];
        self.item_table(
            &o.functions,
            &n.functions,
            |f| &f.symbol,
            ItemKind::Function,
            function,
            Self::function,
        );
        let variable = [RuleId::VariableRemoved, RuleId::VariableAdded];
        self.item_table(
            &o.variables,
            &n.variables,
            |v| &v.symbol,
            ItemKind::Variable,
            variable,
            Self::variable,
        );
        let constant = [RuleId::ConstantRemoved, RuleId::ConstantAdded];
        self.item_table(
            &o.constants,
            &n.constants,
            |c| &c.name,
            ItemKind::Constant,
            constant,
            Self::constant,
        );
    }

    /// Matches one table of items by name: reports the removed and added
    /// ones, and compares the rest with `compare`.
    fn item_table<T>(
        &mut self,
        old: &'a [T],
        new: &'a [T],
        name: fn(&T) -> &String,
        kind: ItemKind,
        [removed, added]: [RuleId; 2],
        compare: fn(&mut Self, &'a T, &'a T),
    ) {
        let (pairs, new_only) = pair_by(old, new, name);
        for (o, n) in pairs {
            match n {
                Some(n) => compare(self, o, n),
                None => self.presence(ItemRef::new(kind, name(o)), removed, "removed"),
            }
        }
        for n in new_only {
            self.presence(ItemRef::new(kind, name(n)), added, "added");
        }
    }

    /// An item that is only on one side.
    fn presence(&mut self, item: ItemRef, rule: RuleId, detail: &str) {
        let path = item.to_string();
        self.report(rule, &Owner::Item(item), path, detail.to_owned());
    }

    fn variable(&mut self, o: &'a Variable, n: &'a Variable) {
        let item = ItemRef::new(ItemKind::Variable, &o.symbol);
        let path = item.to_string();
        let owner = Owner::Item(item);
        self.use_site(
            &o.ty,
            &n.ty,
            Site::Variable,
            &path,
            variable_flow(o.mutability),
            &owner,
        );
        match (o.mutability, n.mutability) {
            (Mutability::Mut, Mutability::Const) => self.report(
                RuleId::VariableMadeConst,
                &owner,
                path.clone(),
                "mut -> const".to_owned(),
            ),
            (Mutability::Const, Mutability::Mut) => self.report(
                RuleId::VariableMadeMutable,
                &owner,
                path.clone(),
                "const -> mut".to_owned(),
            ),
            _ => {}
        }
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_ref(), n.deprecated.as_ref()),
        );
    }

    fn constant(&mut self, o: &'a Constant, n: &'a Constant) {
        let item = ItemRef::new(ItemKind::Constant, &o.name);
        let path = item.to_string();
        let owner = Owner::Item(item);
        self.use_site(&o.ty, &n.ty, Site::Constant, &path, Flow::OUT, &owner);
        if o.value != n.value {
            self.report(
                RuleId::ConstantValueChanged,
                &owner,
                path.clone(),
                format!("{} -> {}", const_text(&o.value), const_text(&n.value)),
            );
        }
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_ref(), n.deprecated.as_ref()),
        );
    }

    fn function(&mut self, o: &'a Function, n: &'a Function) {
        let owner = Owner::Item(ItemRef::function(&o.symbol));
        let path = format!("function `{}`", o.symbol);
        self.signature(
            &owner,
            &path,
            Signature::of_function(o, &self.old.descriptor.target),
            Signature::of_function(n, &self.new.descriptor.target),
            Flow::IN,
        );
        let (ot, nt) = (o.threading, n.threading);
        if ot != nt {
            let rule = match (ot, nt) {
                (_, Threading::Any) => RuleId::ThreadingLoosened,
                _ => RuleId::ThreadingTightened,
            };
            self.report(
                rule,
                &owner,
                path.clone(),
                format!("{} -> {}", ot.as_str(), nt.as_str()),
            );
        }
        match (o.may_block, n.may_block) {
            (false, true) => self.report(
                RuleId::MayBlockAdded,
                &owner,
                path.clone(),
                "may now block".to_owned(),
            ),
            (true, false) => self.report(
                RuleId::MayBlockRemoved,
                &owner,
                path.clone(),
                "no longer blocks".to_owned(),
            ),
            _ => {}
        }
        self.wire_call(&owner, &path, o, n);
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_ref(), n.deprecated.as_ref()),
        );
    }

    /// Compares a function's or callback's signature. `flow` is the flow of
    /// arguments: into the library for functions, the other way for
    /// callbacks the host implements.
    fn signature(
        &mut self,
        owner: &Owner<'a>,
        path: &str,
        o: Signature<'a>,
        n: Signature<'a>,
        flow: Flow,
    ) {
        if o.abi != n.abi {
            self.report(
                RuleId::CallingConventionChanged,
                owner,
                path.to_owned(),
                format!("{:?} -> {:?}", o.abi, n.abi).to_lowercase(),
            );
        }
        if o.variadic != n.variadic {
            let detail = if n.variadic {
                "became variadic"
            } else {
                "no longer variadic"
            };
            self.report(
                RuleId::VariadicChanged,
                owner,
                path.to_owned(),
                detail.to_owned(),
            );
        }
        // Unwinding hurts whoever calls: the host for functions (flow into
        // the library), the library for callbacks the host implements.
        let unwind_breaks = if flow.into_library && !flow.out_of_library {
            !o.may_unwind && n.may_unwind
        } else if flow.out_of_library && !flow.into_library {
            o.may_unwind && !n.may_unwind
        } else {
            o.may_unwind != n.may_unwind
        };
        if o.may_unwind != n.may_unwind {
            let rule = if unwind_breaks {
                RuleId::MayUnwindAdded
            } else {
                RuleId::MayUnwindRemoved
            };
            let detail = if n.may_unwind {
                "may now unwind"
            } else {
                "may no longer unwind"
            };
            self.report(rule, owner, path.to_owned(), detail.to_owned());
        }
        if o.params.len() != n.params.len() {
            self.report(
                RuleId::ParamCountChanged,
                owner,
                path.to_owned(),
                format!("{} -> {} parameters", o.params.len(), n.params.len()),
            );
        } else {
            fn names(ps: &[Param]) -> Vec<&str> {
                ps.iter().map(|p| p.name.as_str()).collect()
            }
            let (on, nn) = (names(o.params), names(n.params));
            let mut os = on.clone();
            let mut ns = nn.clone();
            os.sort_unstable();
            ns.sort_unstable();
            let reordered = on != nn && os == ns && !on.iter().any(|s| s.is_empty()) && {
                let mut dedup = os.clone();
                dedup.dedup();
                dedup.len() == os.len()
            };
            if reordered {
                self.report(
                    RuleId::ParamsReordered,
                    owner,
                    path.to_owned(),
                    format!("({}) -> ({})", on.join(", "), nn.join(", ")),
                );
                for op in o.params {
                    if let Some(np) = n.params.iter().find(|p| p.name == op.name) {
                        let pp = format!("{path} parameter `{}`", op.name);
                        self.use_site(&op.ty, &np.ty, Site::Param, &pp, flow, owner);
                    }
                }
            } else {
                for (i, (op, np)) in o.params.iter().zip(n.params).enumerate() {
                    let pp = if op.name.is_empty() {
                        format!("{path} parameter {i}")
                    } else {
                        format!("{path} parameter `{}`", op.name)
                    };
                    if op.name != np.name {
                        self.report(
                            RuleId::ParamRenamed,
                            owner,
                            pp.clone(),
                            format!("`{}` -> `{}`", op.name, np.name),
                        );
                    }
                    if op.length_of != np.length_of {
                        self.report(
                            RuleId::BufferChanged,
                            owner,
                            pp.clone(),
                            format!(
                                "length of {} -> {}",
                                opt_str(op.length_of.as_deref()),
                                opt_str(np.length_of.as_deref())
                            ),
                        );
                    }
                    self.use_site(&op.ty, &np.ty, Site::Param, &pp, flow, owner);
                }
            }
        }
        let ret_flow = flow.flip();
        self.use_site(
            o.ret,
            n.ret,
            Site::Return,
            &format!("{path} return type"),
            ret_flow,
            owner,
        );
    }

    // -- types at a use site -------------------------------------------------

    /// Compares the types used at one place. Named types that are the same
    /// on both sides are compared once, in [`named_types`](Self::named_types);
    /// anything else is compared here.
    fn use_site(
        &mut self,
        o: &'a TypeRef,
        n: &'a TypeRef,
        site: Site,
        path: &str,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        // The same named type on both sides: judged where it is declared.
        if o == n
            && let (Some(od), Some(nd)) =
                (self.old.type_def(o.as_str()), self.new.type_def(n.as_str()))
            && is_named(&od.kind)
            && is_named(&nd.kind)
        {
            return;
        }
        match (self.old.resolve(o), self.new.resolve(n)) {
            (Resolved::Primitive(a), Resolved::Primitive(b)) => {
                if a != b {
                    self.report(
                        site.rule(),
                        owner,
                        path.to_owned(),
                        format!("`{a}` -> `{b}`"),
                    );
                }
            }
            (Resolved::Def(a), Resolved::Def(b)) if is_named(&a.kind) || is_named(&b.kind) => {
                if a.id == b.id && is_named(&a.kind) && is_named(&b.kind) {
                    return;
                }
                if self.same_shape(a, b) {
                    self.report(
                        RuleId::TypeRenamed,
                        owner,
                        path.to_owned(),
                        format!("`{}` -> `{}`", a.id, b.id),
                    );
                } else {
                    self.report(
                        site.rule(),
                        owner,
                        path.to_owned(),
                        format!("`{}` -> `{}`", a.id, b.id),
                    );
                }
            }
            (Resolved::Def(a), Resolved::Def(b)) => self.anonymous(a, b, site, path, flow, owner),
            (Resolved::Missing(_) | Resolved::AliasCycle, _)
            | (_, Resolved::Missing(_) | Resolved::AliasCycle) => {}
            (a, b) => {
                let name = |r: Resolved<'_>| match r {
                    Resolved::Primitive(p) => p.as_str().to_owned(),
                    Resolved::Def(d) => d.id.clone(),
                    _ => String::new(),
                };
                self.report(
                    site.rule(),
                    owner,
                    path.to_owned(),
                    format!("`{}` -> `{}`", name(a), name(b)),
                );
            }
        }
    }

    /// Whether two differently named types are laid out identically.
    fn same_shape(&self, a: &TypeDef, b: &TypeDef) -> bool {
        match (&a.kind, &b.kind) {
            (TypeKind::Struct(x), TypeKind::Struct(y)) => {
                x.repr == y.repr
                    && x.size == y.size
                    && x.align == y.align
                    && x.fields.len() == y.fields.len()
                    && x.fields
                        .iter()
                        .zip(&y.fields)
                        .all(|(f, g)| f.offset == g.offset && f.name == g.name && f.ty == g.ty)
            }
            (TypeKind::Enum(x), TypeKind::Enum(y)) => {
                x.repr == y.repr && x.variants == y.variants && x.exhaustive == y.exhaustive
            }
            (TypeKind::Opaque(x), TypeKind::Opaque(y)) => x == y,
            _ => false,
        }
    }

    fn anonymous(
        &mut self,
        a: &'a TypeDef,
        b: &'a TypeDef,
        site: Site,
        path: &str,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        // Anonymous types may refer to each other in a cycle (through
        // callbacks or pointers to pointers): a pair already being compared
        // further up is not compared again, and nesting is bounded.
        let key = (a.id.as_str(), b.id.as_str(), flow);
        if self.active.len() >= MAX_ANONYMOUS_DEPTH || !self.active.insert(key) {
            return;
        }
        self.anonymous_kinds(a, b, site, path, flow, owner);
        self.active.remove(&key);
    }

    fn anonymous_kinds(
        &mut self,
        a: &'a TypeDef,
        b: &'a TypeDef,
        site: Site,
        path: &str,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        match (&a.kind, &b.kind) {
            (TypeKind::Pointer(x), TypeKind::Pointer(y)) => {
                self.pointer(x, y, site, path, flow, owner)
            }
            (TypeKind::Array(x), TypeKind::Array(y)) => {
                if x.len != y.len {
                    self.report(
                        RuleId::ArrayLengthChanged,
                        owner,
                        path.to_owned(),
                        format!("{} -> {} elements", x.len, y.len),
                    );
                }
                self.use_site(
                    &x.element,
                    &y.element,
                    site,
                    &format!("{path} element"),
                    flow,
                    owner,
                );
            }
            (TypeKind::Buffer(x), TypeKind::Buffer(y)) => self.buffer(x, y, path, flow, owner),
            (TypeKind::FunctionPointer(x), TypeKind::FunctionPointer(y)) => {
                self.callback(x, y, path, flow, owner)
            }
            _ => self.report(
                site.rule(),
                owner,
                path.to_owned(),
                format!(
                    "{} `{}` -> {} `{}`",
                    a.kind.as_str(),
                    a.id,
                    b.kind.as_str(),
                    b.id
                ),
            ),
        }
    }

    /// Mutability, nullability and ownership, judged for the receiver.
    fn contract(
        &mut self,
        owner: &Owner<'a>,
        path: &str,
        flow: Flow,
        (om, nm): (Mutability, Mutability),
        (on, nn): (bool, bool),
        (oo, no): (&Ownership, &Ownership),
    ) {
        if om != nm {
            // The receiver of an incoming pointer is the library; a new
            // permission to write is a break for whoever sent read-only
            // memory. For outgoing pointers, losing permission breaks the host.
            let breaks = (flow.into_library && nm == Mutability::Mut)
                || (flow.out_of_library && nm == Mutability::Const);
            let rule = if breaks {
                RuleId::PointerMutabilityChanged
            } else {
                RuleId::PointerMutabilityRelaxed
            };
            self.report(
                rule,
                owner,
                path.to_owned(),
                format!("{} -> {}", mut_str(om), mut_str(nm)),
            );
        }
        if on != nn {
            // Null may now reach a receiver that does not expect it, or a
            // sender that passed null is now refused.
            let breaks = (flow.out_of_library && nn) || (flow.into_library && !nn);
            let rule = if breaks {
                RuleId::NullabilityChanged
            } else {
                RuleId::NullabilityRelaxed
            };
            let s = |b: bool| if b { "nullable" } else { "non-null" };
            self.report(
                rule,
                owner,
                path.to_owned(),
                format!("{} -> {}", s(on), s(nn)),
            );
        }
        if oo != no {
            let s = |o: &Ownership| match o {
                Ownership::CallerOwned { free } => format!("caller_owned (freed with `{free}`)"),
                other => other.as_str().to_owned(),
            };
            self.report(
                RuleId::OwnershipChanged,
                owner,
                path.to_owned(),
                format!("{} -> {}", s(oo), s(no)),
            );
        }
    }

    fn pointer(
        &mut self,
        x: &'a PointerType,
        y: &'a PointerType,
        site: Site,
        path: &str,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        self.contract(
            owner,
            path,
            flow,
            (x.mutability, y.mutability),
            (x.nullable, y.nullable),
            (&x.ownership, &y.ownership),
        );
        let pointee_flow = flow.through(x.mutability.max_mut(y.mutability));
        self.use_site(
            &x.pointee,
            &y.pointee,
            site,
            &format!("{path} pointee"),
            pointee_flow,
            owner,
        );
    }

    fn buffer(
        &mut self,
        x: &BufferType,
        y: &BufferType,
        path: &str,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        if x.encoding != y.encoding {
            self.report(
                RuleId::BufferChanged,
                owner,
                path.to_owned(),
                format!("encoding {:?} -> {:?}", x.encoding, y.encoding).to_lowercase(),
            );
        }
        if x.length != y.length {
            self.report(
                RuleId::BufferChanged,
                owner,
                path.to_owned(),
                format!(
                    "length {} -> {}",
                    length_str(&x.length),
                    length_str(&y.length)
                ),
            );
        }
        self.contract(
            owner,
            path,
            flow,
            (x.mutability, y.mutability),
            (x.nullable, y.nullable),
            (&x.ownership, &y.ownership),
        );
    }

    fn callback(
        &mut self,
        x: &'a FunctionPointerType,
        y: &'a FunctionPointerType,
        path: &str,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        let (ot, nt) = (&self.old.descriptor.target, &self.new.descriptor.target);
        // The callback's arguments flow against the callback's own flow.
        self.signature(
            owner,
            path,
            Signature::of_pointer(x, ot),
            Signature::of_pointer(y, nt),
            flow.flip(),
        );
        if x.user_data != y.user_data {
            self.report(
                RuleId::UserDataParamChanged,
                owner,
                path.to_owned(),
                format!(
                    "parameter {} -> {}",
                    opt_str(x.user_data),
                    opt_str(y.user_data)
                ),
            );
        }
        if x.lifetime != y.lifetime {
            let rule = match y.lifetime {
                abi_descriptor::CallbackLifetime::Stored => RuleId::CallbackLifetimeChanged,
                abi_descriptor::CallbackLifetime::CallScoped => RuleId::CallbackLifetimeRelaxed,
            };
            self.report(
                rule,
                owner,
                path.to_owned(),
                format!("{:?} -> {:?}", x.lifetime, y.lifetime).to_lowercase(),
            );
        }
        if x.thread != y.thread {
            self.report(
                RuleId::CallbackThreadChanged,
                owner,
                path.to_owned(),
                format!("{:?} -> {:?}", x.thread, y.thread).to_lowercase(),
            );
        }
        if x.nullable != y.nullable {
            // Treated like a pointer the library receives (flow in) or hands out.
            self.contract(
                owner,
                path,
                flow,
                (Mutability::Const, Mutability::Const),
                (x.nullable, y.nullable),
                (&Ownership::Borrowed, &Ownership::Borrowed),
            );
        }
    }

    // -- named types ---------------------------------------------------------

    fn named_types(&mut self) {
        let (o, n) = (self.old.descriptor, self.new.descriptor);
        let reached = self.unused(
            &o.types,
            &n.types,
            |t| &t.id,
            Reach::type_flow,
            |t| format!("{} `{}`", t.kind.as_str(), t.id),
        );
        // Anonymous types are compared where they are used.
        for (od, nd, flow) in reached {
            if is_named(&od.kind) {
                self.named(od, nd, flow);
            }
        }
    }

    /// The table-level findings the C and wire type tables share: a type no
    /// item reaches that was removed, added or changed. Returns the types
    /// present on both sides that old items reach, with their flow, to be
    /// compared in depth.
    fn unused<T: PartialEq>(
        &mut self,
        old: &'a [T],
        new: &'a [T],
        id: fn(&T) -> &String,
        flow: fn(&Reach<'a>, &str) -> Option<Flow>,
        path: fn(&T) -> String,
    ) -> Vec<(&'a T, &'a T, Flow)> {
        let (pairs, added) = pair_by(old, new, id);
        let mut reached = Vec::new();
        for (o, n) in pairs {
            match (n, flow(&self.old_reach, id(o))) {
                (Some(n), Some(f)) => reached.push((o, n, f)),
                (Some(n), None) if o != n => self.report(
                    RuleId::UnusedTypeChanged,
                    &Owner::Library,
                    path(o),
                    "changed".to_owned(),
                ),
                (None, None) => self.report(
                    RuleId::TypeRemoved,
                    &Owner::Library,
                    path(o),
                    "removed".to_owned(),
                ),
                // A reached type that is gone shows where it was used.
                _ => {}
            }
        }
        for n in added {
            if flow(&self.new_reach, id(n)).is_none() {
                self.report(
                    RuleId::TypeAdded,
                    &Owner::Library,
                    path(n),
                    "added".to_owned(),
                );
            }
        }
        reached
    }

    fn named(&mut self, o: &'a TypeDef, n: &'a TypeDef, flow: Flow) {
        let owner = Owner::Type(&o.id);
        let path = format!("{} `{}`", o.kind.as_str(), o.id);
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_ref(), n.deprecated.as_ref()),
        );
        match (&o.kind, &n.kind) {
            (TypeKind::Struct(x), TypeKind::Struct(y)) => {
                if x.repr != y.repr {
                    self.report(
                        RuleId::StructReprChanged,
                        &owner,
                        path.clone(),
                        format!("{:?} -> {:?}", x.repr, y.repr).to_lowercase(),
                    );
                }
                if x.size != y.size {
                    self.report(
                        RuleId::StructSizeChanged,
                        &owner,
                        path.clone(),
                        format!("size {} -> {}", x.size, y.size),
                    );
                }
                if x.align != y.align {
                    self.report(
                        RuleId::StructAlignChanged,
                        &owner,
                        path.clone(),
                        format!("align {} -> {}", x.align, y.align),
                    );
                }
                self.fields(&owner, &path, &x.fields, &y.fields, flow, false);
            }
            (TypeKind::Extensible(x), TypeKind::Extensible(y)) => {
                if x.versioning != y.versioning {
                    self.report(
                        RuleId::ExtensibleVersioningChanged,
                        &owner,
                        path.clone(),
                        format!("{:?} -> {:?}", x.versioning, y.versioning),
                    );
                }
                if y.size < x.size {
                    self.report(
                        RuleId::ExtensibleShrunk,
                        &owner,
                        path.clone(),
                        format!("size {} -> {}", x.size, y.size),
                    );
                }
                if x.align != y.align {
                    self.report(
                        RuleId::StructAlignChanged,
                        &owner,
                        path.clone(),
                        format!("align {} -> {}", x.align, y.align),
                    );
                }
                self.fields(&owner, &path, &x.fields, &y.fields, flow, true);
            }
            (TypeKind::Union(x), TypeKind::Union(y)) => {
                if x.size != y.size || x.align != y.align {
                    self.report(
                        RuleId::UnionSizeChanged,
                        &owner,
                        path.clone(),
                        format!(
                            "size {} align {} -> size {} align {}",
                            x.size, x.align, y.size, y.align
                        ),
                    );
                }
                for m in &x.members {
                    let mp = format!("{path} member `{}`", m.name);
                    match y.members.iter().find(|k| k.name == m.name) {
                        None => self.report(
                            RuleId::UnionMemberRemoved,
                            &owner,
                            mp,
                            "removed".to_owned(),
                        ),
                        Some(k) => {
                            self.use_site(&m.ty, &k.ty, Site::UnionMember, &mp, flow, &owner)
                        }
                    }
                }
                for k in y
                    .members
                    .iter()
                    .filter(|k| !x.members.iter().any(|m| m.name == k.name))
                {
                    self.report(
                        RuleId::UnionMemberAdded,
                        &owner,
                        format!("{path} member `{}`", k.name),
                        "added".to_owned(),
                    );
                }
            }
            (TypeKind::Enum(x), TypeKind::Enum(y)) => {
                if x.repr != y.repr {
                    self.report(
                        RuleId::EnumReprChanged,
                        &owner,
                        path.clone(),
                        format!("`{}` -> `{}`", x.repr, y.repr),
                    );
                }
                for v in &x.variants {
                    let vp = format!("{path} variant `{}`", v.name);
                    match y.variants.iter().find(|w| w.name == v.name) {
                        Some(w) if w.value != v.value => {
                            self.report(
                                RuleId::EnumVariantValueChanged,
                                &owner,
                                vp,
                                format!("{} -> {}", v.value, w.value),
                            );
                        }
                        Some(w) => self.metadata(
                            &owner,
                            &vp,
                            (&v.since, &w.since),
                            (v.deprecated.as_ref(), w.deprecated.as_ref()),
                        ),
                        None => match y.variants.iter().find(|w| {
                            w.value == v.value && !x.variants.iter().any(|u| u.name == w.name)
                        }) {
                            Some(w) => self.report(
                                RuleId::EnumVariantRenamed,
                                &owner,
                                vp,
                                format!("`{}` -> `{}` (value {})", v.name, w.name, v.value),
                            ),
                            None => self.report(
                                RuleId::EnumVariantRemoved,
                                &owner,
                                vp,
                                format!("removed (value {})", v.value),
                            ),
                        },
                    }
                }
                for w in &y.variants {
                    let is_new = !x
                        .variants
                        .iter()
                        .any(|v| v.name == w.name || v.value == w.value);
                    if is_new {
                        let breaks = flow.out_of_library && x.exhaustive;
                        let rule = if breaks {
                            RuleId::EnumVariantAddedBreaking
                        } else {
                            RuleId::EnumVariantAdded
                        };
                        self.report(
                            rule,
                            &owner,
                            format!("{path} variant `{}`", w.name),
                            format!("added (value {})", w.value),
                        );
                    }
                }
                match (x.exhaustive, y.exhaustive) {
                    (true, false) => {
                        let rule = if flow.out_of_library {
                            RuleId::EnumMadeOpen
                        } else {
                            RuleId::EnumMadeExhaustive
                        };
                        self.report(rule, &owner, path.clone(), "exhaustive -> open".to_owned());
                    }
                    (false, true) => self.report(
                        RuleId::EnumMadeExhaustive,
                        &owner,
                        path.clone(),
                        "open -> exhaustive".to_owned(),
                    ),
                    _ => {}
                }
            }
            (TypeKind::TaggedUnion(x), TypeKind::TaggedUnion(y)) => {
                if (x.size, x.align, x.tag.offset, x.payload_offset)
                    != (y.size, y.align, y.tag.offset, y.payload_offset)
                    || x.tag.ty != y.tag.ty
                {
                    self.report(
                        RuleId::TaggedUnionLayoutChanged,
                        &owner,
                        path.clone(),
                        format!(
                            "size {} align {} tag `{}`@{} payload @{} -> size {} align {} tag `{}`@{} payload @{}",
                            x.size, x.align, x.tag.ty, x.tag.offset, x.payload_offset, y.size, y.align, y.tag.ty, y.tag.offset, y.payload_offset
                        ),
                    );
                }
                for v in &x.variants {
                    let vp = format!("{path} variant `{}`", v.name);
                    match y.variants.iter().find(|w| w.name == v.name) {
                        None => self.report(
                            RuleId::TaggedVariantRemoved,
                            &owner,
                            vp,
                            format!("removed (tag {})", v.tag),
                        ),
                        Some(w) => {
                            if v.tag != w.tag {
                                self.report(
                                    RuleId::TaggedVariantChanged,
                                    &owner,
                                    vp.clone(),
                                    format!("tag {} -> {}", v.tag, w.tag),
                                );
                            }
                            match (&v.payload, &w.payload) {
                                (Some(a), Some(b)) => self.use_site(
                                    a,
                                    b,
                                    Site::TaggedPayload,
                                    &format!("{vp} payload"),
                                    flow,
                                    &owner,
                                ),
                                (None, None) => {}
                                (a, b) => self.report(
                                    RuleId::TaggedVariantChanged,
                                    &owner,
                                    vp,
                                    format!(
                                        "payload {} -> {}",
                                        opt_str(a.as_ref()),
                                        opt_str(b.as_ref())
                                    ),
                                ),
                            }
                        }
                    }
                }
                for w in y
                    .variants
                    .iter()
                    .filter(|w| !x.variants.iter().any(|v| v.name == w.name))
                {
                    let rule = if flow.out_of_library && x.exhaustive {
                        RuleId::TaggedVariantAddedBreaking
                    } else {
                        RuleId::TaggedVariantAdded
                    };
                    self.report(
                        rule,
                        &owner,
                        format!("{path} variant `{}`", w.name),
                        format!("added (tag {})", w.tag),
                    );
                }
                if x.exhaustive != y.exhaustive {
                    let rule = if flow.out_of_library && x.exhaustive {
                        RuleId::EnumMadeOpen
                    } else {
                        RuleId::EnumMadeExhaustive
                    };
                    self.report(
                        rule,
                        &owner,
                        path.clone(),
                        format!("exhaustive {} -> {}", x.exhaustive, y.exhaustive),
                    );
                }
            }
            (TypeKind::Opaque(x), TypeKind::Opaque(y)) => {
                if x != y {
                    let s = |o: &abi_descriptor::OpaqueType| match (o.size, o.align) {
                        (Some(s), Some(a)) => format!("size {s} align {a}"),
                        _ => "pointer-only".to_owned(),
                    };
                    self.report(
                        RuleId::OpaqueSizeChanged,
                        &owner,
                        path.clone(),
                        format!("{} -> {}", s(x), s(y)),
                    );
                }
            }
            (TypeKind::Alias(x), TypeKind::Alias(y)) => {
                let before = self.findings.len();
                self.use_site(&x.target, &y.target, Site::Typedef, &path, flow, &owner);
                if self.findings.len() == before && x.target != y.target {
                    self.report(
                        RuleId::TypedefChanged,
                        &owner,
                        path.clone(),
                        format!("`{}` -> `{}`", x.target, y.target),
                    );
                }
            }
            _ => self.report(
                RuleId::TypeKindChanged,
                &owner,
                path.clone(),
                format!("{} -> {}", o.kind.as_str(), n.kind.as_str()),
            ),
        }
    }

    /// Compares fields by name. For extensible structs (`appendable`), fields
    /// added after every old field are appended.
    fn fields(
        &mut self,
        owner: &Owner<'a>,
        path: &str,
        old: &'a [abi_descriptor::Field],
        new: &'a [abi_descriptor::Field],
        flow: Flow,
        appendable: bool,
    ) {
        let removed: Vec<&abi_descriptor::Field> = old
            .iter()
            .filter(|f| !new.iter().any(|g| g.name == f.name))
            .collect();
        let added: Vec<&abi_descriptor::Field> = new
            .iter()
            .filter(|g| !old.iter().any(|f| f.name == g.name))
            .collect();
        let mut renamed = HashSet::new();
        for f in &removed {
            let fp = format!("{path} field `{}`", f.name);
            // Swap detection: a field of the same type at the same offset
            // under another name is a rename in place, not a removal.
            match added
                .iter()
                .find(|g| g.offset == f.offset && g.ty == f.ty && !renamed.contains(&g.name))
            {
                Some(g) => {
                    renamed.insert(&g.name);
                    self.report(
                        RuleId::FieldRenamed,
                        owner,
                        fp,
                        format!("`{}` -> `{}` (offset {})", f.name, g.name, f.offset),
                    );
                }
                None => self.report(
                    RuleId::FieldRemoved,
                    owner,
                    fp,
                    format!("removed (was at offset {})", f.offset),
                ),
            }
        }
        for f in old {
            let Some(g) = new.iter().find(|g| g.name == f.name) else {
                continue;
            };
            let fp = format!("{path} field `{}`", f.name);
            if f.offset != g.offset {
                self.report(
                    RuleId::FieldOffsetChanged,
                    owner,
                    fp.clone(),
                    format!("offset {} -> {}", f.offset, g.offset),
                );
            }
            self.use_site(&f.ty, &g.ty, Site::Field, &fp, flow, owner);
            if f.since != g.since {
                self.report(
                    RuleId::MetadataChanged,
                    owner,
                    fp,
                    format!("since {:?} -> {:?}", f.since, g.since),
                );
            }
        }
        for g in added.iter().filter(|g| !renamed.contains(&g.name)) {
            let fp = format!("{path} field `{}`", g.name);
            // Appended: after every old field (it may use the old tail padding).
            let appended = appendable && old.iter().all(|f| f.offset < g.offset);
            let rule = if appended {
                RuleId::ExtensibleFieldAppended
            } else {
                RuleId::FieldAdded
            };
            self.report(rule, owner, fp, format!("added at offset {}", g.offset));
        }
    }

    // -- wire layer ----------------------------------------------------------

    fn wire_call(&mut self, owner: &Owner<'a>, path: &str, o: &'a Function, n: &'a Function) {
        let (ow, nw) = match (&o.wire, &n.wire) {
            (None, None) => return,
            (Some(ow), Some(nw)) => (ow, nw),
            (a, _) => {
                let detail = if a.is_some() {
                    "no longer exchanges encoded messages"
                } else {
                    "now exchanges encoded messages"
                };
                self.report(
                    RuleId::WireContractChanged,
                    owner,
                    path.to_owned(),
                    detail.to_owned(),
                );
                return;
            }
        };
        if ow.encoding != nw.encoding {
            self.report(
                RuleId::WireEncodingChanged,
                owner,
                path.to_owned(),
                format!("{:?} -> {:?}", ow.encoding, nw.encoding).to_lowercase(),
            );
        }
        let roles: [(&str, &Option<String>, &Option<String>); 3] = [
            ("request parameter", &ow.request_param, &nw.request_param),
            ("callback parameter", &ow.callback_param, &nw.callback_param),
            ("code table", &ow.codes, &nw.codes),
        ];
        for (role, a, b) in roles {
            if a != b {
                self.report(
                    RuleId::WireContractChanged,
                    owner,
                    path.to_owned(),
                    format!(
                        "{role} {} -> {}",
                        opt_str(a.as_deref()),
                        opt_str(b.as_deref())
                    ),
                );
            }
        }
        let messages: [(&str, &'a Option<WireRef>, &'a Option<WireRef>); 3] = [
            ("request", &ow.request, &nw.request),
            ("reply", &ow.reply, &nw.reply),
            ("error", &ow.error, &nw.error),
        ];
        for (role, a, b) in messages {
            let mp = format!("{path} {role}");
            match (a, b) {
                (Some(a), Some(b)) => self.wire_use(a, b, RuleId::WireContractChanged, &mp, owner),
                (None, None) => {}
                (a, b) => self.report(
                    RuleId::WireContractChanged,
                    owner,
                    mp,
                    format!("{} -> {}", opt_str(a.as_ref()), opt_str(b.as_ref())),
                ),
            }
        }
        for ev in &ow.events {
            let ep = format!("{path} event `{}`", ev.name);
            match nw.events.iter().find(|e| e.name == ev.name) {
                None => self.report(RuleId::WireEventRemoved, owner, ep, "removed".to_owned()),
                Some(ne) => {
                    self.wire_use(
                        &ev.payload,
                        &ne.payload,
                        RuleId::WireEventPayloadChanged,
                        &ep,
                        owner,
                    );
                    self.metadata(
                        owner,
                        &ep,
                        (&ev.since, &ne.since),
                        (ev.deprecated.as_ref(), ne.deprecated.as_ref()),
                    );
                }
            }
        }
        for ne in nw
            .events
            .iter()
            .filter(|e| !ow.events.iter().any(|o| o.name == e.name))
        {
            self.report(
                RuleId::WireEventAdded,
                owner,
                format!("{path} event `{}`", ne.name),
                "added".to_owned(),
            );
        }
    }

    /// Compares wire types used at one place; same-named table entries are
    /// compared once in [`wire_types`](Self::wire_types).
    fn wire_use(
        &mut self,
        o: &'a WireRef,
        n: &'a WireRef,
        rule: RuleId,
        path: &str,
        owner: &Owner<'a>,
    ) {
        if o == n {
            return;
        }
        if self.wire_equivalent(o, n, 0) {
            self.report(
                RuleId::TypeRenamed,
                owner,
                path.to_owned(),
                format!("`{o}` -> `{n}`"),
            );
        } else {
            self.report(rule, owner, path.to_owned(), format!("`{o}` -> `{n}`"));
        }
    }

    /// Whether two wire types have the same shape, following up to a fixed
    /// depth (deeper structures are treated as different).
    fn wire_equivalent(&self, o: &WireRef, n: &WireRef, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        match (o.primitive(), n.primitive()) {
            (Some(a), Some(b)) => return a == b,
            (None, None) => {}
            _ => return false,
        }
        let (Some(a), Some(b)) = (
            self.old.wire_type(o.as_str()),
            self.new.wire_type(n.as_str()),
        ) else {
            return false;
        };
        let eq = |x: &WireRef, y: &WireRef| self.wire_equivalent(x, y, depth + 1);
        match (&a.kind, &b.kind) {
            (WireKind::List(x), WireKind::List(y)) => eq(&x.element, &y.element),
            (WireKind::Option(x), WireKind::Option(y)) => eq(&x.some, &y.some),
            (WireKind::Map(x), WireKind::Map(y)) => eq(&x.key, &y.key) && eq(&x.value, &y.value),
            (WireKind::Result(x), WireKind::Result(y)) => eq(&x.ok, &y.ok) && eq(&x.err, &y.err),
            (WireKind::Alias(x), WireKind::Alias(y)) => eq(&x.target, &y.target),
            (WireKind::Enum(x), WireKind::Enum(y)) => x == y,
            (WireKind::Record(x), WireKind::Record(y)) => {
                x.fields.len() == y.fields.len()
                    && x.fields.iter().all(|f| {
                        y.fields.iter().any(|g| {
                            g.name == f.name && g.optional == f.optional && eq(&f.ty, &g.ty)
                        })
                    })
            }
            _ => false,
        }
    }

    fn wire_types(&mut self) {
        let (o, n) = (self.old.descriptor, self.new.descriptor);
        let reached = self.unused(
            &o.wire_types,
            &n.wire_types,
            |t| &t.id,
            Reach::wire_flow,
            |t| format!("wire {} `{}`", t.kind.as_str(), t.id),
        );
        for (ot, nt, flow) in reached {
            self.wire_named(ot, nt, flow);
        }
    }

    fn wire_named(&mut self, o: &'a WireTypeDef, n: &'a WireTypeDef, flow: Flow) {
        let owner = Owner::Wire(&o.id);
        let path = format!("wire {} `{}`", o.kind.as_str(), o.id);
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_ref(), n.deprecated.as_ref()),
        );
        let field_rule = RuleId::WireFieldTypeChanged;
        match (&o.kind, &n.kind) {
            (WireKind::Record(x), WireKind::Record(y)) => {
                for f in &x.fields {
                    let fp = format!("{path} field `{}`", f.name);
                    let Some(g) = y.fields.iter().find(|g| g.name == f.name) else {
                        let breaks = flow.out_of_library && !f.optional;
                        let rule = if breaks {
                            RuleId::WireFieldRemoved
                        } else {
                            RuleId::WireFieldDropped
                        };
                        self.report(rule, &owner, fp, "removed".to_owned());
                        continue;
                    };
                    self.wire_use(&f.ty, &g.ty, field_rule, &fp, &owner);
                    if f.optional != g.optional {
                        // Required -> optional breaks receivers of outgoing
                        // messages; optional -> required breaks senders of
                        // incoming ones.
                        let breaks = (g.optional && flow.out_of_library)
                            || (!g.optional && flow.into_library);
                        let rule = if breaks {
                            RuleId::WireOptionalityChanged
                        } else {
                            RuleId::WireOptionalityRelaxed
                        };
                        let s = |b: bool| if b { "optional" } else { "required" };
                        self.report(
                            rule,
                            &owner,
                            fp.clone(),
                            format!("{} -> {}", s(f.optional), s(g.optional)),
                        );
                    }
                    if f.since != g.since {
                        self.report(
                            RuleId::MetadataChanged,
                            &owner,
                            fp,
                            format!("since {:?} -> {:?}", f.since, g.since),
                        );
                    }
                }
                for g in y
                    .fields
                    .iter()
                    .filter(|g| !x.fields.iter().any(|f| f.name == g.name))
                {
                    let fp = format!("{path} field `{}`", g.name);
                    let rule = if !g.optional && flow.into_library {
                        RuleId::WireRequiredFieldAdded
                    } else {
                        RuleId::WireFieldAdded
                    };
                    let what = if g.optional { "optional" } else { "required" };
                    self.report(rule, &owner, fp, format!("added ({what}, `{}`)", g.ty));
                }
            }
            (WireKind::List(x), WireKind::List(y)) => self.wire_use(
                &x.element,
                &y.element,
                field_rule,
                &format!("{path} element"),
                &owner,
            ),
            (WireKind::Option(x), WireKind::Option(y)) => self.wire_use(
                &x.some,
                &y.some,
                field_rule,
                &format!("{path} value"),
                &owner,
            ),
            (WireKind::Map(x), WireKind::Map(y)) => {
                self.wire_use(&x.key, &y.key, field_rule, &format!("{path} key"), &owner);
                self.wire_use(
                    &x.value,
                    &y.value,
                    field_rule,
                    &format!("{path} value"),
                    &owner,
                );
            }
            (WireKind::Result(x), WireKind::Result(y)) => {
                self.wire_use(&x.ok, &y.ok, field_rule, &format!("{path} ok"), &owner);
                self.wire_use(&x.err, &y.err, field_rule, &format!("{path} err"), &owner);
            }
            (WireKind::Alias(x), WireKind::Alias(y)) => {
                self.wire_use(&x.target, &y.target, field_rule, &path, &owner)
            }
            (WireKind::Enum(x), WireKind::Enum(y)) => {
                for v in x.values.iter().filter(|v| !y.values.contains(v)) {
                    let rule = if flow.into_library {
                        RuleId::WireEnumValueRemoved
                    } else {
                        RuleId::WireEnumValueChanged
                    };
                    self.report(
                        rule,
                        &owner,
                        format!("{path} value `{v}`"),
                        "removed".to_owned(),
                    );
                }
                for v in y.values.iter().filter(|v| !x.values.contains(v)) {
                    let rule = if flow.out_of_library && x.exhaustive {
                        RuleId::WireEnumValueAddedBreaking
                    } else {
                        RuleId::WireEnumValueChanged
                    };
                    self.report(
                        rule,
                        &owner,
                        format!("{path} value `{v}`"),
                        "added".to_owned(),
                    );
                }
                if x.exhaustive != y.exhaustive {
                    let rule = if flow.out_of_library && x.exhaustive {
                        RuleId::WireEnumValueAddedBreaking
                    } else {
                        RuleId::WireEnumValueChanged
                    };
                    self.report(
                        rule,
                        &owner,
                        path.clone(),
                        format!("exhaustive {} -> {}", x.exhaustive, y.exhaustive),
                    );
                }
            }
            _ => self.report(
                RuleId::WireTypeKindChanged,
                &owner,
                path.clone(),
                format!("{} -> {}", o.kind.as_str(), n.kind.as_str()),
            ),
        }
    }

    fn code_tables(&mut self) {
        let old = self.old.descriptor;
        for ot in &old.code_tables {
            let Some(nt) = self.new.code_table(&ot.id) else {
                // Functions that used it report the changed table id.
                continue;
            };
            self.codes(ot, nt);
        }
    }

    fn codes(&mut self, o: &'a CodeTable, n: &'a CodeTable) {
        let owner = Owner::Codes(&o.id);
        let path = format!("code table `{}`", o.id);
        for c in &o.codes {
            let cp = format!("{path} code `{}`", c.name);
            match n.codes.iter().find(|d| d.name == c.name) {
                None => self.report(
                    RuleId::ReturnCodeRemoved,
                    &owner,
                    cp,
                    format!("removed (value {})", c.value),
                ),
                Some(d) => {
                    if d.value != c.value {
                        self.report(
                            RuleId::ReturnCodeRemoved,
                            &owner,
                            cp.clone(),
                            format!("value {} -> {}", c.value, d.value),
                        );
                    }
                    if d.is_final != c.is_final {
                        let s = |b: bool| if b { "final" } else { "not final" };
                        self.report(
                            RuleId::ReturnCodeFinalityChanged,
                            &owner,
                            cp,
                            format!("{} -> {}", s(c.is_final), s(d.is_final)),
                        );
                    }
                }
            }
        }
        for d in n
            .codes
            .iter()
            .filter(|d| !o.codes.iter().any(|c| c.name == d.name))
        {
            self.report(
                RuleId::ReturnCodeAdded,
                &owner,
                format!("{path} code `{}`", d.name),
                format!("added (value {})", d.value),
            );
        }
    }
}

/// The parts of a function or callback signature the engine compares.
struct Signature<'a> {
    abi: CallConv,
    variadic: bool,
    may_unwind: bool,
    params: &'a [Param],
    ret: &'a TypeRef,
}

impl<'a> Signature<'a> {
    fn of_function(f: &'a Function, target: &Target) -> Self {
        Signature {
            abi: effective_abi(f.abi, target),
            variadic: f.variadic,
            may_unwind: f.may_unwind,
            params: &f.params,
            ret: &f.ret,
        }
    }

    fn of_pointer(f: &'a FunctionPointerType, target: &Target) -> Self {
        Signature {
            abi: effective_abi(f.abi, target),
            variadic: f.variadic,
            may_unwind: f.may_unwind,
            params: &f.params,
            ret: &f.ret,
        }
    }
}

/// `c` means the target's default convention.
fn effective_abi(abi: CallConv, target: &Target) -> CallConv {
    match abi {
        CallConv::C => target.default_abi,
        other => other,
    }
}

trait MaxMut {
    fn max_mut(self, other: Mutability) -> Mutability;
}

impl MaxMut for Mutability {
    fn max_mut(self, other: Mutability) -> Mutability {
        if self == Mutability::Mut || other == Mutability::Mut {
            Mutability::Mut
        } else {
            Mutability::Const
        }
    }
}

fn mut_str(m: Mutability) -> &'static str {
    match m {
        Mutability::Const => "const",
        Mutability::Mut => "mut",
    }
}

fn length_str(l: &abi_descriptor::BufferLength) -> String {
    match l {
        abi_descriptor::BufferLength::NulTerminated => "nul_terminated".to_owned(),
        abi_descriptor::BufferLength::Separate => "separate".to_owned(),
        abi_descriptor::BufferLength::Inline(i) => format!(
            "inline (size {}, pointer @{}, length `{}` @{})",
            i.size, i.ptr_offset, i.len_type, i.len_offset
        ),
    }
}

fn const_text(v: &abi_descriptor::ConstValue) -> String {
    match v {
        abi_descriptor::ConstValue::Int(i) => i.to_string(),
        abi_descriptor::ConstValue::Float(x) => x.to_string(),
        abi_descriptor::ConstValue::Bool(b) => b.to_string(),
        abi_descriptor::ConstValue::Text(s) => format!("{s:?}"),
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
        (
            "endian",
            format!("{:?}", o.endian).to_lowercase(),
            format!("{:?}", n.endian).to_lowercase(),
        ),
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
            format!("{:?}", o.default_abi).to_lowercase(),
            format!("{:?}", n.default_abi).to_lowercase(),
        ),
        (
            "primitive_align",
            format!("{:?}", o.primitive_align),
            format!("{:?}", n.primitive_align),
        ),
    ]
}
