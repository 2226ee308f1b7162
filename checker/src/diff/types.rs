//! Types at a use site: the same named type is judged where it is declared;
//! anonymous types (pointers, arrays, buffers, callbacks) where they are used.

use abi_descriptor::{Resolved, TypeDef, TypeKind, TypeRef};

use super::flow::Flow;
use super::{Engine, Owner, Path};
use crate::rules::RuleId;

/// How deeply anonymous types (pointers to pointers to ...) are followed.
pub(super) const MAX_ANONYMOUS_DEPTH: usize = 64;

/// Kinds whose identity is their name: compared once, where they are declared.
pub(super) fn is_named(kind: &TypeKind) -> bool {
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
pub(super) enum Site {
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
    pub(super) fn rule(self) -> RuleId {
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

impl<'a> Engine<'a, '_> {
    /// Compares the types used at one place. Named types that are the same
    /// on both sides are compared once, in [`named_types`](Self::named_types);
    /// anything else is compared here.
    pub(super) fn use_site(
        &mut self,
        o: &'a TypeRef,
        n: &'a TypeRef,
        site: Site,
        path: &Path<'_>,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        let same = o == n;
        let op = o.primitive();
        // The same primitive on both sides: nothing to compare.
        if same && op.is_some() {
            return;
        }
        let np = if same { op } else { n.primitive() };
        let od = self.old.target(o);
        let nd = self.new.target(n);
        // The same named type on both sides: judged where it is declared.
        if same
            && let (Some(od), Some(nd)) = (od, nd)
            && is_named(&od.kind)
            && is_named(&nd.kind)
        {
            return;
        }
        // What each side names, from the entries just looked up unless an
        // alias must be followed.
        let resolve = |ix: &abi_descriptor::Index<'a>, r, p, d: Option<&'a TypeDef>| match (p, d) {
            (Some(p), _) => Resolved::Primitive(p),
            (None, Some(d)) if !matches!(d.kind, TypeKind::Alias(_)) => Resolved::Def(d),
            _ => ix.resolve(r),
        };
        match (resolve(self.old, o, op, od), resolve(self.new, n, np, nd)) {
            (Resolved::Primitive(a), Resolved::Primitive(b)) => {
                if a != b {
                    self.report(site.rule(), owner, path, format!("`{a}` -> `{b}`"));
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
                        path,
                        format!("`{}` -> `{}`", a.id, b.id),
                    );
                } else {
                    self.report(
                        site.rule(),
                        owner,
                        path,
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
                    path,
                    format!("`{}` -> `{}`", name(a), name(b)),
                );
            }
        }
    }

    /// Whether two differently named types are laid out identically.
    pub(super) fn same_shape(&self, a: &TypeDef, b: &TypeDef) -> bool {
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

    pub(super) fn anonymous(
        &mut self,
        a: &'a TypeDef,
        b: &'a TypeDef,
        site: Site,
        path: &Path<'_>,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        // Anonymous types may refer to each other in a cycle (through
        // callbacks or pointers to pointers): a pair already being compared
        // further up is not compared again, and nesting is bounded.
        let key = (a.id.as_str(), b.id.as_str(), flow);
        if self.active.len() >= MAX_ANONYMOUS_DEPTH || self.active.contains(&key) {
            return;
        }
        self.active.push(key);
        self.anonymous_kinds(a, b, site, path, flow, owner);
        self.active.pop();
    }

    pub(super) fn anonymous_kinds(
        &mut self,
        a: &'a TypeDef,
        b: &'a TypeDef,
        site: Site,
        path: &Path<'_>,
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
                        path,
                        format!("{} -> {} elements", x.len, y.len),
                    );
                }
                self.use_site(
                    &x.element,
                    &y.element,
                    site,
                    &Path::Part(path, "element"),
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
                path,
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
}
