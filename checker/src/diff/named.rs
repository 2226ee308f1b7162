//! Named types, compared once where they are declared: structs (with field
//! rename and swap detection, and appends to extensible structs), unions,
//! enums, tagged unions, opaque types and typedefs; and the types no item
//! reaches.

use std::collections::HashSet;

use abi_descriptor::{Resolved, TypeDef, TypeKind, Versioning};

use super::flow::{Flow, Reach};
use super::items::pair_by;
use super::types::{Site, is_named};
use super::{Engine, Owner, Path, opt_str, spelling};
use crate::rules::RuleId;

impl<'a> Engine<'a, '_> {
    pub(super) fn named_types(&mut self) {
        let (o, n) = (self.old.descriptor, self.new.descriptor);
        let reached = self.unused(
            &o.types,
            &n.types,
            |t| &t.id,
            Reach::type_flow,
            |t| format!("{} `{}`", t.kind.as_str(), t.id),
        );
        // Anonymous types are compared where they are used; only their
        // metadata, which is the entry's and not the use's, is compared here.
        for (od, nd, flow) in reached {
            if is_named(&od.kind) {
                self.named(od, nd, flow);
            } else {
                self.metadata(
                    &Owner::Type(&od.id),
                    &Path::Entry(od.kind.as_str(), &od.id),
                    (&od.since, &nd.since),
                    (od.deprecated.as_deref(), nd.deprecated.as_deref()),
                );
            }
        }
    }

    /// The table-level findings the C and wire type tables share: a type no
    /// item reaches that was removed, added or changed. Returns the types
    /// present on both sides that old items reach, with their flow, to be
    /// compared in depth. `old` and `new` are the indexed descriptors'
    /// tables: [`Reach`] knows the flows of their entries.
    pub(super) fn unused<T: PartialEq>(
        &mut self,
        old: &'a [T],
        new: &'a [T],
        id: fn(&T) -> &String,
        flow: fn(&Reach<'a>, &'a T) -> Option<Flow>,
        path: fn(&T) -> String,
    ) -> Vec<(&'a T, &'a T, Flow)> {
        let (pairs, added) = pair_by(old, new, id);
        let mut reached = Vec::new();
        for (o, n) in pairs {
            match (n, flow(self.old_reach, o)) {
                (Some(n), Some(f)) => reached.push((o, n, f)),
                (Some(n), None) if o != n => self.report(
                    RuleId::UnusedTypeChanged,
                    &Owner::Library,
                    &Path::Text(&path(o)),
                    "changed".to_owned(),
                ),
                (None, None) => self.report(
                    RuleId::TypeRemoved,
                    &Owner::Library,
                    &Path::Text(&path(o)),
                    "removed".to_owned(),
                ),
                // A reached type that is gone shows where it was used.
                _ => {}
            }
        }
        for n in added {
            let new_reach = self
                .new_reach
                .get_or_init(|| Reach::new(self.new.descriptor, self.new));
            if flow(new_reach, n).is_none() {
                self.report(
                    RuleId::TypeAdded,
                    &Owner::Library,
                    &Path::Text(&path(n)),
                    "added".to_owned(),
                );
            }
        }
        reached
    }

    pub(super) fn named(&mut self, o: &'a TypeDef, n: &'a TypeDef, flow: Flow) {
        let owner = Owner::Type(&o.id);
        let path = Path::Entry(o.kind.as_str(), &o.id);
        self.metadata(
            &owner,
            &path,
            (&o.since, &n.since),
            (o.deprecated.as_deref(), n.deprecated.as_deref()),
        );
        match (&o.kind, &n.kind) {
            (TypeKind::Struct(x), TypeKind::Struct(y)) => {
                if x.repr != y.repr {
                    self.report(
                        RuleId::StructReprChanged,
                        &owner,
                        &path,
                        format!("{} -> {}", spelling(&x.repr), spelling(&y.repr)),
                    );
                }
                if x.size != y.size {
                    self.report(
                        RuleId::StructSizeChanged,
                        &owner,
                        &path,
                        format!("size {} -> {}", x.size, y.size),
                    );
                }
                if x.align != y.align {
                    self.report(
                        RuleId::StructAlignChanged,
                        &owner,
                        &path,
                        format!("align {} -> {}", x.align, y.align),
                    );
                }
                self.fields(&owner, &path, &x.fields, &y.fields, flow, false);
            }
            (TypeKind::Extensible(x), TypeKind::Extensible(y)) => {
                // The field is named, but hosts fill it in by offset: one
                // renamed in place still tells the same version.
                let told = |v: &'a Versioning, fields: &'a [abi_descriptor::Field]| {
                    let (by_size, name) = match v {
                        Versioning::SizeField(name) => (true, name),
                        Versioning::VersionField(name) => (false, name),
                    };
                    let field = fields.iter().find(|f| &f.name == name);
                    (by_size, field.map(|f| (f.offset, &f.ty)))
                };
                if x.versioning != y.versioning
                    && told(&x.versioning, &x.fields) != told(&y.versioning, &y.fields)
                {
                    self.report(
                        RuleId::ExtensibleVersioningChanged,
                        &owner,
                        &path,
                        format!(
                            "{} -> {}",
                            versioning(&x.versioning),
                            versioning(&y.versioning)
                        ),
                    );
                }
                if y.size < x.size {
                    self.report(
                        RuleId::ExtensibleShrunk,
                        &owner,
                        &path,
                        format!("size {} -> {}", x.size, y.size),
                    );
                }
                if x.align != y.align {
                    self.report(
                        RuleId::StructAlignChanged,
                        &owner,
                        &path,
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
                        &path,
                        format!(
                            "size {} align {} -> size {} align {}",
                            x.size, x.align, y.size, y.align
                        ),
                    );
                }
                for m in &x.members {
                    let mp = Path::Named(&path, "member", &m.name);
                    match y.members.iter().find(|k| k.name == m.name) {
                        None => self.report(
                            RuleId::UnionMemberRemoved,
                            &owner,
                            &mp,
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
                        &Path::Named(&path, "member", &k.name),
                        "added".to_owned(),
                    );
                }
            }
            (TypeKind::Enum(x), TypeKind::Enum(y)) => {
                if x.repr != y.repr {
                    self.report(
                        RuleId::EnumReprChanged,
                        &owner,
                        &path,
                        format!("`{}` -> `{}`", x.repr, y.repr),
                    );
                }
                // New names that take over a removed variant's value.
                let mut renamed = HashSet::new();
                for v in &x.variants {
                    let vp = Path::Named(&path, "variant", &v.name);
                    match y.variants.iter().find(|w| w.name == v.name) {
                        Some(w) if w.value != v.value => {
                            self.report(
                                RuleId::EnumVariantValueChanged,
                                &owner,
                                &vp,
                                format!("{} -> {}", v.value, w.value),
                            );
                        }
                        Some(w) => self.metadata(
                            &owner,
                            &vp,
                            (&v.since, &w.since),
                            (v.deprecated.as_deref(), w.deprecated.as_deref()),
                        ),
                        None => match y.variants.iter().find(|w| {
                            w.value == v.value && !x.variants.iter().any(|u| u.name == w.name)
                        }) {
                            Some(w) => {
                                renamed.insert(w.name.as_str());
                                self.report(
                                    RuleId::EnumVariantRenamed,
                                    &owner,
                                    &vp,
                                    format!("`{}` -> `{}` (value {})", v.name, w.name, v.value),
                                )
                            }
                            None => self.report(
                                RuleId::EnumVariantRemoved,
                                &owner,
                                &vp,
                                format!("removed (value {})", v.value),
                            ),
                        },
                    }
                }
                for w in &y.variants {
                    if x.variants.iter().any(|v| v.name == w.name)
                        || renamed.contains(w.name.as_str())
                    {
                        continue;
                    }
                    // A second name for a value hosts already know brings
                    // them no value they have not seen.
                    let known = x.variants.iter().any(|v| v.value == w.value);
                    let breaks = !known && flow.out_of_library && x.exhaustive;
                    let rule = if breaks {
                        RuleId::EnumVariantAddedBreaking
                    } else {
                        RuleId::EnumVariantAdded
                    };
                    let detail = if known {
                        format!("added (value {}, a value hosts already know)", w.value)
                    } else {
                        format!("added (value {})", w.value)
                    };
                    self.report(
                        rule,
                        &owner,
                        &Path::Named(&path, "variant", &w.name),
                        detail,
                    );
                }
                match (x.exhaustive, y.exhaustive) {
                    (true, false) => {
                        let rule = if flow.out_of_library {
                            RuleId::EnumMadeOpen
                        } else {
                            RuleId::EnumMadeExhaustive
                        };
                        self.report(rule, &owner, &path, "exhaustive -> open".to_owned());
                    }
                    (false, true) => self.report(
                        RuleId::EnumMadeExhaustive,
                        &owner,
                        &path,
                        "open -> exhaustive".to_owned(),
                    ),
                    _ => {}
                }
            }
            (TypeKind::TaggedUnion(x), TypeKind::TaggedUnion(y)) => {
                // A tag type spelled through a typedef is the same tag; a
                // changed typedef is reported where it is declared.
                let same_tag = x.tag.ty == y.tag.ty
                    || matches!(
                        (self.old.resolve(&x.tag.ty), self.new.resolve(&y.tag.ty)),
                        (Resolved::Primitive(a), Resolved::Primitive(b)) if a == b
                    );
                if (x.size, x.align, x.tag.offset, x.payload_offset)
                    != (y.size, y.align, y.tag.offset, y.payload_offset)
                    || !same_tag
                {
                    self.report(
                        RuleId::TaggedUnionLayoutChanged,
                        &owner,
                        &path,
                        format!(
                            "size {} align {} tag `{}`@{} payload @{} -> size {} align {} tag `{}`@{} payload @{}",
                            x.size, x.align, x.tag.ty, x.tag.offset, x.payload_offset, y.size, y.align, y.tag.ty, y.tag.offset, y.payload_offset
                        ),
                    );
                }
                for v in &x.variants {
                    let vp = Path::Named(&path, "variant", &v.name);
                    match y.variants.iter().find(|w| w.name == v.name) {
                        None => self.report(
                            RuleId::TaggedVariantRemoved,
                            &owner,
                            &vp,
                            format!("removed (tag {})", v.tag),
                        ),
                        Some(w) => {
                            self.metadata(&owner, &vp, (&v.since, &w.since), (None, None));
                            if v.tag != w.tag {
                                self.report(
                                    RuleId::TaggedVariantChanged,
                                    &owner,
                                    &vp,
                                    format!("tag {} -> {}", v.tag, w.tag),
                                );
                            }
                            match (&v.payload, &w.payload) {
                                (Some(a), Some(b)) => self.use_site(
                                    a,
                                    b,
                                    Site::TaggedPayload,
                                    &Path::Part(&vp, "payload"),
                                    flow,
                                    &owner,
                                ),
                                (None, None) => {}
                                (a, b) => self.report(
                                    RuleId::TaggedVariantChanged,
                                    &owner,
                                    &vp,
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
                        &Path::Named(&path, "variant", &w.name),
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
                        &path,
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
                        &path,
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
                        &path,
                        format!("`{}` -> `{}`", x.target, y.target),
                    );
                }
            }
            _ => self.report(
                RuleId::TypeKindChanged,
                &owner,
                &path,
                format!("{} -> {}", o.kind.as_str(), n.kind.as_str()),
            ),
        }
    }

    /// Compares fields by name. For extensible structs (`appendable`), fields
    /// added after every old field are appended.
    pub(super) fn fields(
        &mut self,
        owner: &Owner<'a>,
        path: &Path<'_>,
        old: &'a [abi_descriptor::Field],
        new: &'a [abi_descriptor::Field],
        flow: Flow,
        appendable: bool,
    ) {
        // The same names in the same order (the usual case): none removed
        // or added.
        let same_names =
            old.len() == new.len() && old.iter().zip(new).all(|(f, g)| f.name == g.name);
        let (removed, added): (Vec<&abi_descriptor::Field>, Vec<&abi_descriptor::Field>) =
            if same_names {
                (Vec::new(), Vec::new())
            } else {
                (
                    old.iter()
                        .filter(|f| !new.iter().any(|g| g.name == f.name))
                        .collect(),
                    new.iter()
                        .filter(|g| !old.iter().any(|f| f.name == g.name))
                        .collect(),
                )
            };
        let mut renamed = HashSet::new();
        for f in &removed {
            let fp = Path::Named(path, "field", &f.name);
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
                        &fp,
                        format!("`{}` -> `{}` (offset {})", f.name, g.name, f.offset),
                    );
                }
                None => self.report(
                    RuleId::FieldRemoved,
                    owner,
                    &fp,
                    format!("removed (was at offset {})", f.offset),
                ),
            }
        }
        for f in old {
            let Some(g) = new.iter().find(|g| g.name == f.name) else {
                continue;
            };
            let fp = Path::Named(path, "field", &f.name);
            if f.offset != g.offset {
                self.report(
                    RuleId::FieldOffsetChanged,
                    owner,
                    &fp,
                    format!("offset {} -> {}", f.offset, g.offset),
                );
            }
            self.use_site(&f.ty, &g.ty, Site::Field, &fp, flow, owner);
            if f.since != g.since {
                self.report(
                    RuleId::MetadataChanged,
                    owner,
                    &fp,
                    format!(
                        "since {} -> {}",
                        opt_str(f.since.as_ref()),
                        opt_str(g.since.as_ref())
                    ),
                );
            }
        }
        for g in added.iter().filter(|g| !renamed.contains(&g.name)) {
            let fp = Path::Named(path, "field", &g.name);
            // Appended: after every old field (it may use the old tail padding).
            let appended = appendable && old.iter().all(|f| f.offset < g.offset);
            let rule = if appended {
                RuleId::ExtensibleFieldAppended
            } else {
                RuleId::FieldAdded
            };
            self.report(rule, owner, &fp, format!("added at offset {}", g.offset));
        }
    }
}

/// An extensible struct's versioning: `` size_field `cb_size` ``.
fn versioning(v: &Versioning) -> String {
    match v {
        Versioning::SizeField(f) => format!("size_field `{f}`"),
        Versioning::VersionField(f) => format!("version_field `{f}`"),
    }
}
