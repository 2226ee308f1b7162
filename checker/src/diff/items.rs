//! Items: functions, variables and constants, matched by name, and the
//! signatures of functions and callbacks.

use std::collections::BTreeMap;

use abi_descriptor::{
    CallConv, Constant, Function, FunctionPointerType, ItemKind, ItemRef, Mutability, Param,
    Target, Threading, TypeRef, Variable,
};

use super::flow::{Flow, variable_flow};
use super::types::Site;
use super::{Engine, Owner, opt_str, spelling};
use crate::rules::RuleId;

/// Pairs the entries of two tables by key, the first entry winning where a
/// key repeats (as in [`Index`](abi_descriptor::Index)): each old entry with
/// its new twin, if any, in key order, and the new entries without an old
/// twin.
pub(super) fn pair_by<'t, T>(
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

impl<'a> Engine<'a> {
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
                None => self.presence(ItemRef::new(kind, name(o)), removed, "removed"),
            }
        }
        for n in new_only {
            self.presence(ItemRef::new(kind, name(n)), added, "added");
        }
    }

    /// An item that is only on one side.
    pub(super) fn presence(&mut self, item: ItemRef, rule: RuleId, detail: &str) {
        let path = item.to_string();
        self.report(rule, &Owner::Item(item), path, detail.to_owned());
    }

    pub(super) fn variable(&mut self, o: &'a Variable, n: &'a Variable) {
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
            (o.deprecated.as_deref(), n.deprecated.as_deref()),
        );
    }

    pub(super) fn constant(&mut self, o: &'a Constant, n: &'a Constant) {
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
            (o.deprecated.as_deref(), n.deprecated.as_deref()),
        );
    }

    pub(super) fn function(&mut self, o: &'a Function, n: &'a Function) {
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
            (o.deprecated.as_deref(), n.deprecated.as_deref()),
        );
    }

    /// Compares a function's or callback's signature. `flow` is the flow of
    /// arguments: into the library for functions, the other way for
    /// callbacks the host implements.
    pub(super) fn signature(
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
                format!("{} -> {}", spelling(&o.abi), spelling(&n.abi)),
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
                    if op.length_of != np.length_of
                        && param_position(o.params, &op.length_of)
                            != param_position(n.params, &np.length_of)
                    {
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
