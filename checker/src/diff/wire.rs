//! The wire layer: encoded messages (requests, replies, errors, events),
//! their wire types, and the return code tables.

use abi_descriptor::{CodeTable, Function, WireKind, WireRef, WireTypeDef};

use super::flow::{Flow, Reach};
use super::items::param_position;
use super::{Engine, Owner, Path, opt_str, spelling};
use crate::rules::RuleId;

impl<'a> Engine<'a, '_> {
    pub(super) fn wire_call(
        &mut self,
        owner: &Owner<'a>,
        path: &Path<'_>,
        o: &'a Function,
        n: &'a Function,
    ) {
        let (ow, nw) = match (&o.wire, &n.wire) {
            (None, None) => return,
            (Some(ow), Some(nw)) => (ow, nw),
            (a, _) => {
                let detail = if a.is_some() {
                    "no longer exchanges encoded messages"
                } else {
                    "now exchanges encoded messages"
                };
                self.report(RuleId::WireContractChanged, owner, path, detail.to_owned());
                return;
            }
        };
        if ow.encoding != nw.encoding {
            self.report(
                RuleId::WireEncodingChanged,
                owner,
                path,
                format!("{} -> {}", spelling(&ow.encoding), spelling(&nw.encoding)),
            );
        }
        // Parameters are named, but what hosts see is their position: a
        // parameter renamed in place still carries the same message.
        let params = [
            ("request parameter", &ow.request_param, &nw.request_param),
            ("callback parameter", &ow.callback_param, &nw.callback_param),
        ];
        let moved = params
            .into_iter()
            .filter(|(_, a, b)| {
                a != b && param_position(&o.params, a) != param_position(&n.params, b)
            })
            .chain(
                [("code table", &ow.codes, &nw.codes)]
                    .into_iter()
                    .filter(|(_, a, b)| a != b),
            );
        for (role, a, b) in moved {
            self.report(
                RuleId::WireContractChanged,
                owner,
                path,
                format!(
                    "{role} {} -> {}",
                    opt_str(a.as_deref()),
                    opt_str(b.as_deref())
                ),
            );
        }
        let messages: [(&'static str, &'a Option<WireRef>, &'a Option<WireRef>); 3] = [
            ("request", &ow.request, &nw.request),
            ("reply", &ow.reply, &nw.reply),
            ("error", &ow.error, &nw.error),
        ];
        for (role, a, b) in messages {
            let mp = Path::Part(path, role);
            match (a, b) {
                (Some(a), Some(b)) => self.wire_use(a, b, RuleId::WireContractChanged, &mp, owner),
                (None, None) => {}
                (a, b) => self.report(
                    RuleId::WireContractChanged,
                    owner,
                    &mp,
                    format!("{} -> {}", opt_str(a.as_ref()), opt_str(b.as_ref())),
                ),
            }
        }
        for ev in &ow.events {
            let ep = Path::Named(path, "event", &ev.name);
            match nw.events.iter().find(|e| e.name == ev.name) {
                None => self.report(RuleId::WireEventRemoved, owner, &ep, "removed".to_owned()),
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
                        (ev.deprecated.as_deref(), ne.deprecated.as_deref()),
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
                &Path::Named(path, "event", &ne.name),
                "added".to_owned(),
            );
        }
    }

    /// Compares wire types used at one place; same-named table entries are
    /// compared once in [`wire_types`](Self::wire_types).
    pub(super) fn wire_use(
        &mut self,
        o: &'a WireRef,
        n: &'a WireRef,
        rule: RuleId,
        path: &Path<'_>,
        owner: &Owner<'a>,
    ) {
        if o == n {
            return;
        }
        if self.wire_equivalent(o, n, 0) {
            self.report(RuleId::TypeRenamed, owner, path, format!("`{o}` -> `{n}`"));
        } else {
            self.report(rule, owner, path, format!("`{o}` -> `{n}`"));
        }
    }

    /// Whether two wire types have the same shape, following up to a fixed
    /// depth (deeper structures are treated as different).
    pub(super) fn wire_equivalent(&self, o: &WireRef, n: &WireRef, depth: usize) -> bool {
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

    pub(super) fn wire_types(&mut self) {
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

    pub(super) fn wire_named(&mut self, o: &'a WireTypeDef, n: &'a WireTypeDef, flow: Flow) {
        let owner = Owner::Wire(&o.id);
        let path = Path::Wire(o.kind.as_str(), &o.id);
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_deref(), n.deprecated.as_deref()),
        );
        let field_rule = RuleId::WireFieldTypeChanged;
        match (&o.kind, &n.kind) {
            (WireKind::Record(x), WireKind::Record(y)) => {
                for f in &x.fields {
                    let fp = Path::Named(&path, "field", &f.name);
                    let Some(g) = y.fields.iter().find(|g| g.name == f.name) else {
                        let breaks = flow.out_of_library && !f.optional;
                        let rule = if breaks {
                            RuleId::WireFieldRemoved
                        } else {
                            RuleId::WireFieldDropped
                        };
                        self.report(rule, &owner, &fp, "removed".to_owned());
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
                            &fp,
                            format!("{} -> {}", s(f.optional), s(g.optional)),
                        );
                    }
                    if f.since != g.since {
                        self.report(
                            RuleId::MetadataChanged,
                            &owner,
                            &fp,
                            format!(
                                "since {} -> {}",
                                opt_str(f.since.as_ref()),
                                opt_str(g.since.as_ref())
                            ),
                        );
                    }
                }
                for g in y
                    .fields
                    .iter()
                    .filter(|g| !x.fields.iter().any(|f| f.name == g.name))
                {
                    let fp = Path::Named(&path, "field", &g.name);
                    let rule = if !g.optional && flow.into_library {
                        RuleId::WireRequiredFieldAdded
                    } else {
                        RuleId::WireFieldAdded
                    };
                    let what = if g.optional { "optional" } else { "required" };
                    self.report(rule, &owner, &fp, format!("added ({what}, `{}`)", g.ty));
                }
            }
            (WireKind::List(x), WireKind::List(y)) => self.wire_use(
                &x.element,
                &y.element,
                field_rule,
                &Path::Part(&path, "element"),
                &owner,
            ),
            (WireKind::Option(x), WireKind::Option(y)) => self.wire_use(
                &x.some,
                &y.some,
                field_rule,
                &Path::Part(&path, "value"),
                &owner,
            ),
            (WireKind::Map(x), WireKind::Map(y)) => {
                self.wire_use(
                    &x.key,
                    &y.key,
                    field_rule,
                    &Path::Part(&path, "key"),
                    &owner,
                );
                self.wire_use(
                    &x.value,
                    &y.value,
                    field_rule,
                    &Path::Part(&path, "value"),
                    &owner,
                );
            }
            (WireKind::Result(x), WireKind::Result(y)) => {
                self.wire_use(&x.ok, &y.ok, field_rule, &Path::Part(&path, "ok"), &owner);
                self.wire_use(
                    &x.err,
                    &y.err,
                    field_rule,
                    &Path::Part(&path, "err"),
                    &owner,
                );
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
                        &Path::Named(&path, "value", v),
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
                        &Path::Named(&path, "value", v),
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
                        &path,
                        format!("exhaustive {} -> {}", x.exhaustive, y.exhaustive),
                    );
                }
            }
            _ => self.report(
                RuleId::WireTypeKindChanged,
                &owner,
                &path,
                format!("{} -> {}", o.kind.as_str(), n.kind.as_str()),
            ),
        }
    }

    /// Compares the code tables functions use; like types, a table no
    /// function uses is only reported as added, removed or changed.
    pub(super) fn code_tables(&mut self) {
        let (o, n) = (self.old.descriptor, self.new.descriptor);
        let reached = self.unused(
            &o.code_tables,
            &n.code_tables,
            |t| &t.id,
            Reach::code_flow,
            |t| format!("code table `{}`", t.id),
        );
        // A used table that is gone: the functions report the changed id.
        for (ot, nt, _) in reached {
            self.codes(ot, nt);
        }
    }

    pub(super) fn codes(&mut self, o: &'a CodeTable, n: &'a CodeTable) {
        let owner = Owner::Codes(&o.id);
        let path = Path::Entry("code table", &o.id);
        for c in &o.codes {
            let cp = Path::Named(&path, "code", &c.name);
            match n.codes.iter().find(|d| d.name == c.name) {
                None => self.report(
                    RuleId::ReturnCodeRemoved,
                    &owner,
                    &cp,
                    format!("removed (value {})", c.value),
                ),
                Some(d) => {
                    if d.value != c.value {
                        self.report(
                            RuleId::ReturnCodeRemoved,
                            &owner,
                            &cp,
                            format!("value {} -> {}", c.value, d.value),
                        );
                    }
                    if d.is_final != c.is_final {
                        let s = |b: bool| if b { "final" } else { "not final" };
                        self.report(
                            RuleId::ReturnCodeFinalityChanged,
                            &owner,
                            &cp,
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
                &Path::Named(&path, "code", &d.name),
                format!("added (value {})", d.value),
            );
        }
    }
}
