//! Items: functions, variables and constants, matched by name, and the
//! signatures of functions and callbacks.

use std::collections::BTreeMap;

use abi_descriptor::{
    CallConv, Constant, Function, FunctionPointerType, ItemKind, Mutability, Param, Target,
    Threading, TypeRef, Variable,
};

use super::flow::{Flow, variable_flow};
use super::types::Site;
use super::{Engine, Owner, Path, opt_str, spelling};
use crate::rules::RuleId;

/// Entries of two tables paired by key, and the new entries without a twin.
pub(super) type Pairs<'t, T> = (Vec<(&'t T, Option<&'t T>)>, Vec<&'t T>);

/// Pairs the entries of two tables by key, the first entry winning where a
/// key repeats (as in [`Index`](abi_descriptor::Index)): each old entry with
/// its new twin, if any, in key order, and the new entries without an old
/// twin.
pub(super) fn pair_by<'t, T>(
    old: &'t [T],
    new: &'t [T],
    key: impl Fn(&'t T) -> &'t String,
) -> Pairs<'t, T> {
    // Tables in canonical form are sorted by key: one merge pass then.
    if let Some(pairs) = merge_sorted(old, new, &key) {
        return pairs;
    }
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

/// [`pair_by`] for tables sorted by key, in one pass over both: the first
/// of entries with equal keys is the one paired or added, as there. `None`
/// when a table turns out not to be sorted.
fn merge_sorted<'t, T>(
    old: &'t [T],
    new: &'t [T],
    key: &impl Fn(&'t T) -> &'t String,
) -> Option<Pairs<'t, T>> {
    use std::cmp::Ordering;
    // The table after its first entry and the entries with the same key;
    // `None` when an entry after them has a smaller key.
    let rest = |table: &'t [T]| {
        let (first, mut tail) = table.split_first()?;
        let k = key(first);
        while let Some((next, after)) = tail.split_first() {
            match key(next).cmp(k) {
                Ordering::Equal => tail = after,
                Ordering::Greater => break,
                Ordering::Less => return None,
            }
        }
        Some(tail)
    };
    let mut paired = Vec::with_capacity(old.len());
    let mut added = Vec::new();
    let (mut old, mut new) = (old, new);
    loop {
        let (o, n) = (old.first(), new.first());
        let order = match (o, n) {
            (None, None) => break,
            (Some(o), Some(n)) => key(o).cmp(key(n)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
        };
        if order.is_le() {
            paired.push((o?, n.filter(|_| order.is_eq())));
            old = rest(old)?;
        }
        if order.is_ge() {
            if order.is_gt() {
                added.push(n?);
            }
            new = rest(new)?;
        }
    }
    Some((paired, added))
}

impl<'a> Engine<'a, '_> {
    pub(super) fn items(&mut self) {
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
    pub(super) fn item_table<T>(
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
                None => self.presence(kind, name(o), removed, "removed"),
            }
        }
        for n in new_only {
            self.presence(kind, name(n), added, "added");
        }
    }

    /// An item that is only on one side.
    pub(super) fn presence(&mut self, kind: ItemKind, name: &'a str, rule: RuleId, detail: &str) {
        let path = Path::Entry(kind.as_str(), name);
        self.report(rule, &Owner::Item(kind, name), &path, detail.to_owned());
    }

    pub(super) fn variable(&mut self, o: &'a Variable, n: &'a Variable) {
        let path = Path::Entry(ItemKind::Variable.as_str(), &o.symbol);
        let owner = Owner::Item(ItemKind::Variable, &o.symbol);
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
                &path,
                "mut -> const".to_owned(),
            ),
            (Mutability::Const, Mutability::Mut) => self.report(
                RuleId::VariableMadeMutable,
                &owner,
                &path,
                "const -> mut".to_owned(),
            ),
            _ => {}
        }
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_deref(), n.deprecated.as_deref()),
        );
    }

    pub(super) fn constant(&mut self, o: &'a Constant, n: &'a Constant) {
        let path = Path::Entry(ItemKind::Constant.as_str(), &o.name);
        let owner = Owner::Item(ItemKind::Constant, &o.name);
        self.use_site(&o.ty, &n.ty, Site::Constant, &path, Flow::OUT, &owner);
        if o.value != n.value {
            self.report(
                RuleId::ConstantValueChanged,
                &owner,
                &path,
                format!("{} -> {}", const_text(&o.value), const_text(&n.value)),
            );
        }
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_deref(), n.deprecated.as_deref()),
        );
    }

    pub(super) fn function(&mut self, o: &'a Function, n: &'a Function) {
        let owner = Owner::Item(ItemKind::Function, &o.symbol);
        let path = Path::Entry(ItemKind::Function.as_str(), &o.symbol);
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
                &path,
                format!("{} -> {}", ot.as_str(), nt.as_str()),
            );
        }
        match (o.may_block, n.may_block) {
            (false, true) => self.report(
                RuleId::MayBlockAdded,
                &owner,
                &path,
                "may now block".to_owned(),
            ),
            (true, false) => self.report(
                RuleId::MayBlockRemoved,
                &owner,
                &path,
                "no longer blocks".to_owned(),
            ),
            _ => {}
        }
        self.wire_call(&owner, &path, o, n);
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_deref(), n.deprecated.as_deref()),
        );
    }

    /// Compares a function's or callback's signature. `flow` is the flow of
    /// arguments: into the library for functions, the other way for
    /// callbacks the host implements.
    pub(super) fn signature(
        &mut self,
        owner: &Owner<'a>,
        path: &Path<'_>,
        o: Signature<'a>,
        n: Signature<'a>,
        flow: Flow,
    ) {
        if o.abi != n.abi {
            self.report(
                RuleId::CallingConventionChanged,
                owner,
                path,
                format!("{} -> {}", spelling(&o.abi), spelling(&n.abi)),
            );
        }
        if o.variadic != n.variadic {
            let detail = if n.variadic {
                "became variadic"
            } else {
                "no longer variadic"
            };
            self.report(RuleId::VariadicChanged, owner, path, detail.to_owned());
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
            self.report(rule, owner, path, detail.to_owned());
        }
        if o.params.len() != n.params.len() {
            self.report(
                RuleId::ParamCountChanged,
                owner,
                path,
                format!("{} -> {} parameters", o.params.len(), n.params.len()),
            );
        } else {
            fn names(ps: &[Param]) -> Vec<&str> {
                ps.iter().map(|p| p.name.as_str()).collect()
            }
            // Equal names in equal order (the usual case) are no reordering:
            // the names are collected and sorted only when they differ.
            let same_names = o
                .params
                .iter()
                .zip(n.params)
                .all(|(op, np)| op.name == np.name);
            // The old and new names, when they are the same names, all
            // distinct and none empty, in another order.
            let reordered = (!same_names)
                .then(|| (names(o.params), names(n.params)))
                .filter(|(on, nn)| {
                    let mut os = on.clone();
                    let mut ns = nn.clone();
                    os.sort_unstable();
                    ns.sort_unstable();
                    os == ns && !on.iter().any(|s| s.is_empty()) && {
                        os.dedup();
                        os.len() == on.len()
                    }
                });
            if let Some((on, nn)) = reordered {
                self.report(
                    RuleId::ParamsReordered,
                    owner,
                    path,
                    format!("({}) -> ({})", on.join(", "), nn.join(", ")),
                );
                for op in o.params {
                    if let Some(np) = n.params.iter().find(|p| p.name == op.name) {
                        let pp = Path::Named(path, "parameter", &op.name);
                        self.use_site(&op.ty, &np.ty, Site::Param, &pp, flow, owner);
                    }
                }
            } else {
                for (i, (op, np)) in o.params.iter().zip(n.params).enumerate() {
                    let pp = Path::Param(path, i, &op.name);
                    if op.name != np.name {
                        self.report(
                            RuleId::ParamRenamed,
                            owner,
                            &pp,
                            format!("`{}` -> `{}`", op.name, np.name),
                        );
                    }
                    if op.length_of != np.length_of
                        && param_position(o.params, &op.length_of)
                            != param_position(n.params, &np.length_of)
                    {
                        self.report(
                            RuleId::BufferChanged,
                            owner,
                            &pp,
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
            &Path::Part(path, "return type"),
            ret_flow,
            owner,
        );
    }
}

/// The parts of a function or callback signature the engine compares.
pub(super) struct Signature<'a> {
    abi: CallConv,
    variadic: bool,
    may_unwind: bool,
    params: &'a [Param],
    ret: &'a TypeRef,
}

impl<'a> Signature<'a> {
    pub(super) fn of_function(f: &'a Function, target: &Target) -> Self {
        Signature {
            abi: effective_abi(f.abi, target),
            variadic: f.variadic,
            may_unwind: f.may_unwind,
            params: &f.params,
            ret: &f.ret,
        }
    }

    pub(super) fn of_pointer(f: &'a FunctionPointerType, target: &Target) -> Self {
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
pub(super) fn effective_abi(abi: CallConv, target: &Target) -> CallConv {
    match abi {
        CallConv::C => target.default_abi,
        other => other,
    }
}

pub(super) fn const_text(v: &abi_descriptor::ConstValue) -> String {
    match v {
        abi_descriptor::ConstValue::Int(i) => i.to_string(),
        abi_descriptor::ConstValue::Float(x) => x.to_string(),
        abi_descriptor::ConstValue::Bool(b) => b.to_string(),
        abi_descriptor::ConstValue::Text(s) => format!("{s:?}"),
    }
}

/// Where the parameter a name refers to sits: `None` for no name,
/// `Some(None)` for a name no parameter has.
pub(super) fn param_position(params: &[Param], name: &Option<String>) -> Option<Option<usize>> {
    name.as_deref()
        .map(|name| params.iter().position(|p| p.name == name))
}

#[cfg(test)]
mod tests {
    use super::pair_by;

    type Paired = Vec<(String, Option<String>)>;

    /// Entries keyed by their first letter, paired; each entry told by its
    /// whole text.
    fn pairs(old: &[&str], new: &[&str]) -> (Paired, Vec<String>) {
        let entries = |table: &[&str]| -> Vec<(String, String)> {
            table
                .iter()
                .map(|s| (s[..1].to_owned(), s.to_string()))
                .collect()
        };
        let (old, new) = (entries(old), entries(new));
        let (paired, added) = pair_by(&old, &new, |e| &e.0);
        (
            paired
                .into_iter()
                .map(|(o, n)| (o.1.clone(), n.map(|n| n.1.clone())))
                .collect(),
            added.into_iter().map(|n| n.1.clone()).collect(),
        )
    }

    fn owned(v: &[(&str, Option<&str>)]) -> Paired {
        v.iter()
            .map(|(o, n)| (o.to_string(), n.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn sorted_tables_pair_in_key_order_and_the_first_of_a_repeated_key_wins() {
        let (paired, added) = pairs(
            &["a1", "b1", "b2", "d1"],
            &["b3", "c1", "c2", "d2", "d3", "e1"],
        );
        assert_eq!(
            paired,
            owned(&[("a1", None), ("b1", Some("b3")), ("d1", Some("d2"))])
        );
        assert_eq!(added, ["c1", "e1"]);
    }

    #[test]
    fn unsorted_tables_pair_as_sorted_ones() {
        let (paired, added) = pairs(
            &["d1", "b1", "a1", "b2"],
            &["e1", "c1", "b3", "d2", "c2", "d3"],
        );
        assert_eq!(
            paired,
            owned(&[("a1", None), ("b1", Some("b3")), ("d1", Some("d2"))])
        );
        assert_eq!(added, ["c1", "e1"]);
        let (paired, added) = pairs(&[], &["b1", "a1"]);
        assert!(paired.is_empty());
        assert_eq!(added, ["a1", "b1"]);
    }
}
