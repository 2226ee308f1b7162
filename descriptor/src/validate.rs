//! Structural validation: everything a well-formed descriptor promises beyond
//! what the decoder checks.

use std::fmt;
use std::hash::Hash;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use semver::Version;

use crate::error::{ValidationError, ValidationErrors};
use crate::fingerprint::{type_refs, wire_refs};
use crate::index::{Index, Layout, Resolved};
use crate::model::{
    BufferLength, ConstValue, Deprecation, Descriptor, Field, Param, Primitive, Repr, TypeDef,
    TypeKind, TypeRef, Versioning, WireCall, WireKind, WireRef,
};

impl Descriptor {
    /// Checks that the descriptor is well-formed:
    ///
    /// - ids and names are unique where they must be, and references resolve;
    /// - the target is coherent (pointer width 16, 32 or 64; `size_t` as wide
    ///   as a pointer);
    /// - struct fields fit inside the struct, respect their alignment (unless
    ///   packed) and do not overlap; sizes are multiples of alignments, which
    ///   are powers of two;
    /// - no type contains itself by value;
    /// - extensible structs are only ever passed by pointer;
    /// - enum values fit their representation; constants fit their type;
    /// - wire references, code tables and parameter roles resolve;
    /// - `since` versions are not newer than the library.
    ///
    /// Returns every problem found, each with the path of the offending part,
    /// such as `` struct `Point` field `y` ``.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator {
            d: self,
            ix: Index::new(self),
            errors: Vec::new(),
            spans: Vec::new(),
        };
        v.envelope();
        v.tables();
        let acyclic = v.by_value_cycles();
        for t in &self.types {
            v.type_def(t, acyclic);
        }
        v.functions();
        v.variables_and_constants();
        v.wire();
        if v.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(v.errors))
        }
    }
}

struct Validator<'a> {
    d: &'a Descriptor,
    ix: Index<'a>,
    errors: Vec<ValidationError>,
    /// Scratch space for [`Validator::fields`], reused from struct to struct.
    spans: Vec<(u64, u64, &'a str)>,
}

fn is_pow2(n: u64) -> bool {
    n != 0 && n.is_power_of_two()
}

/// Where a problem is, such as `` struct `Point` field `y` ``: built on the
/// stack as the validator descends and written out only when a problem is
/// reported, so valid items cost no allocation.
#[derive(Clone, Copy)]
enum Path<'p> {
    /// A fixed path: `target`, `types`.
    Fixed(&'static str),
    /// `` {parent} {what} `{name}` `` (or `` {what} `{name}` `` at the top):
    /// `` function `f` ``, `` struct `Point` field `y` ``.
    Named {
        parent: Option<&'p Path<'p>>,
        what: &'p str,
        name: &'p str,
    },
    /// `{parent} {what} {index}`: `` function `f` parameter 0 ``.
    Indexed {
        parent: &'p Path<'p>,
        what: &'static str,
        index: usize,
    },
    /// `{parent} {what}`: `` function `f` return type ``.
    Child {
        parent: &'p Path<'p>,
        what: &'static str,
    },
}

impl<'p> Path<'p> {
    /// `` {what} `{name}` ``.
    fn top(what: &'p str, name: &'p str) -> Self {
        Path::Named {
            parent: None,
            what,
            name,
        }
    }

    /// `` {self} {what} `{name}` ``.
    fn named(&'p self, what: &'p str, name: &'p str) -> Self {
        Path::Named {
            parent: Some(self),
            what,
            name,
        }
    }

    /// `{self} {what}`.
    fn child(&'p self, what: &'static str) -> Self {
        Path::Child { parent: self, what }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Path::Fixed(s) => f.write_str(s),
            Path::Named {
                parent: None,
                what,
                name,
            } => write!(f, "{what} `{name}`"),
            Path::Named {
                parent: Some(parent),
                what,
                name,
            } => write!(f, "{parent} {what} `{name}`"),
            Path::Indexed {
                parent,
                what,
                index,
            } => write!(f, "{parent} {what} {index}"),
            Path::Child { parent, what } => write!(f, "{parent} {what}"),
        }
    }
}

/// Entries of one list kept inline before [`Seen`] moves to a hash set.
const SEEN_INLINE: usize = 16;

/// The entries of a list seen so far, to find repeats: a linear scan of an
/// inline array while the list is short (no allocation, and as fast as
/// hashing for a handful of names), a hash set once it is long, so huge
/// lists stay linear.
struct Seen<T> {
    inline: [T; SEEN_INLINE],
    len: usize,
    /// Every entry once more than [`SEEN_INLINE`] were seen.
    set: HashSet<T>,
}

impl<T: Copy + Default + Eq + Hash> Seen<T> {
    fn new() -> Self {
        Seen {
            inline: [T::default(); SEEN_INLINE],
            len: 0,
            set: HashSet::new(),
        }
    }

    /// Records `x`; returns `false` when it was seen before.
    fn insert(&mut self, x: T) -> bool {
        if self.len < SEEN_INLINE {
            if self.inline[..self.len].contains(&x) {
                return false;
            }
            self.inline[self.len] = x;
            self.len += 1;
            return true;
        }
        if self.set.is_empty() {
            self.set.reserve(2 * SEEN_INLINE);
            self.set.extend(self.inline);
        }
        self.set.insert(x)
    }
}

impl<'a> Validator<'a> {
    fn err(&mut self, path: &Path<'_>, message: impl Into<String>) {
        self.errors.push(ValidationError {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// The path of type `id`: `` struct `Point` ``, or `` type `id` `` when
    /// no type has that id (as [`Index::type_path`] writes it).
    fn type_path(&self, id: &'a str) -> Path<'a> {
        Path::top(
            self.ix.type_def(id).map_or("type", |def| def.kind.as_str()),
            id,
        )
    }

    fn envelope(&mut self) {
        let d = self.d;
        if d.library.name.is_empty() {
            self.err(&Path::Fixed("library"), "name is empty");
        }
        let t = &d.target;
        if !matches!(t.pointer_width, 16 | 32 | 64) {
            self.err(
                &Path::Fixed("target"),
                format!("pointer width {} is not 16, 32 or 64", t.pointer_width),
            );
        } else if u16::from(t.size_t) * 8 != t.pointer_width {
            self.err(
                &Path::Fixed("target"),
                format!(
                    "`size_t` is {} bytes but pointers are {} bits",
                    t.size_t, t.pointer_width
                ),
            );
        }
        if !matches!(t.c_int, 2 | 4 | 8) {
            self.err(
                &Path::Fixed("target"),
                format!("`int` size {} is not 2, 4 or 8", t.c_int),
            );
        }
        if !matches!(t.c_long, 4 | 8) || t.c_long < t.c_int {
            self.err(
                &Path::Fixed("target"),
                format!(
                    "`long` size {} is not 4 or 8, or is smaller than `int`",
                    t.c_long
                ),
            );
        }
        if t.triple.is_empty() {
            self.err(&Path::Fixed("target"), "triple is empty");
        }
        for (&p, &align) in &t.primitive_align {
            if p == Primitive::Void || !is_pow2(u64::from(align)) {
                self.err(
                    &Path::Fixed("target"),
                    format!(
                        "alignment {align} of `{p}` is not a power of two of a sized primitive"
                    ),
                );
            }
        }
    }

    fn since(
        &mut self,
        path: &Path<'_>,
        since: Option<&Version>,
        deprecated: Option<&Deprecation>,
    ) {
        let library = &self.d.library.version;
        for (what, v) in [
            ("since", since),
            (
                "deprecated since",
                deprecated.and_then(|d| d.since.as_deref()),
            ),
        ] {
            if let Some(v) = v
                && v > library
            {
                self.err(
                    path,
                    format!("{what} version {v} is newer than the library version {library}"),
                );
            }
        }
    }

    /// Unique ids and symbols; ids that shadow primitives.
    fn tables(&mut self) {
        let d = self.d;
        let mut seen = HashSet::with_capacity(d.types.len());
        for t in &d.types {
            if t.id.is_empty() {
                self.err(&Path::Fixed("types"), "a type has an empty id");
            } else if t.id.parse::<Primitive>().is_ok() {
                self.err(
                    &self.type_path(&t.id),
                    "id shadows the primitive of the same name",
                );
            } else if !seen.insert(t.id.as_str()) {
                self.err(&Path::top("type", &t.id), "id is declared more than once");
            }
            if t.since.is_some() || t.deprecated.is_some() {
                self.since(
                    &self.type_path(&t.id),
                    t.since.as_deref(),
                    t.deprecated.as_deref(),
                );
            }
        }
        let mut symbols = HashSet::with_capacity(d.functions.len() + d.variables.len());
        for f in &d.functions {
            if f.symbol.is_empty() {
                self.err(&Path::Fixed("functions"), "a function has an empty symbol");
            } else if !symbols.insert(f.symbol.as_str()) {
                self.err(
                    &Path::top("function", &f.symbol),
                    "symbol is declared more than once",
                );
            }
        }
        for v in &d.variables {
            if v.symbol.is_empty() {
                self.err(&Path::Fixed("variables"), "a variable has an empty symbol");
            } else if !symbols.insert(v.symbol.as_str()) {
                self.err(
                    &Path::top("variable", &v.symbol),
                    "symbol is declared more than once",
                );
            }
        }
        let mut names = HashSet::with_capacity(d.constants.len());
        for c in &d.constants {
            if c.name.is_empty() {
                self.err(&Path::Fixed("constants"), "a constant has an empty name");
            } else if !names.insert(c.name.as_str()) {
                self.err(
                    &Path::top("constant", &c.name),
                    "name is declared more than once",
                );
            }
        }
        let mut wire = HashSet::with_capacity(d.wire_types.len());
        for t in &d.wire_types {
            if t.id.is_empty() {
                self.err(&Path::Fixed("wire_types"), "a wire type has an empty id");
            } else if t.id.parse::<crate::model::WirePrimitive>().is_ok() {
                self.err(
                    &Path::Fixed("wire").named(t.kind.as_str(), &t.id),
                    "id shadows the wire primitive of the same name",
                );
            } else if !wire.insert(t.id.as_str()) {
                self.err(
                    &Path::top("wire type", &t.id),
                    "id is declared more than once",
                );
            }
        }
        let mut tables = HashSet::with_capacity(d.code_tables.len());
        for t in &d.code_tables {
            let path = Path::top("code table", &t.id);
            if t.id.is_empty() {
                self.err(&Path::Fixed("code_tables"), "a code table has an empty id");
            } else if !tables.insert(t.id.as_str()) {
                self.err(&path, "id is declared more than once");
            }
            let (mut names, mut values) = (Seen::new(), Seen::new());
            for c in &t.codes {
                if c.name.is_empty() {
                    self.err(&path, "a code has an empty name");
                } else if !names.insert(c.name.as_str()) {
                    self.err(
                        &path.named("code", &c.name),
                        "name is declared more than once",
                    );
                }
                if !values.insert(c.value) {
                    self.err(
                        &path.named("code", &c.name),
                        format!("value {} is used by another code", c.value),
                    );
                }
            }
            if !t.codes.iter().any(|c| c.is_final) {
                self.err(&path, "no code is final, so no call could ever end");
            }
        }
    }

    /// Checks that a reference resolves; returns whether it does.
    fn reference(&mut self, path: &Path<'_>, r: &TypeRef) -> bool {
        if self.ix.exists(r) {
            true
        } else {
            self.err(path, format!("refers to undeclared type `{r}`"));
            false
        }
    }

    /// Checks that a by-value use names a sized type that is not extensible.
    /// Returns the type's layout when `acyclic` and it has one (always
    /// `None` when there are by-value cycles, where layouts mean nothing).
    fn by_value(&mut self, path: &Path<'_>, r: &'a TypeRef, acyclic: bool) -> Option<Layout> {
        if !self.reference(path, r) || !acyclic {
            // A dangling reference has no layout either.
            return None;
        }
        let layout = self.ix.layout(r);
        match self.ix.resolve(r) {
            Resolved::Def(def) if matches!(def.kind, TypeKind::Extensible(_)) => self.err(
                path,
                format!(
                    "extensible struct `{}` is used by value; it may only be passed by pointer",
                    def.id
                ),
            ),
            _ => {
                if layout.is_none() {
                    self.err(
                        path,
                        format!("type `{r}` has no size and cannot be used by value"),
                    );
                }
            }
        }
        layout
    }

    /// Detects types that contain themselves by value (through fields,
    /// members, array elements, payloads or aliases). Returns `true` when
    /// there are none.
    fn by_value_cycles(&mut self) -> bool {
        let d = self.d;
        let n = d.types.len();
        // Where ids repeat, the last entry wins here.
        let mut ids: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, t) in d.types.iter().enumerate() {
            ids.insert(t.id.as_str(), i);
        }
        // The by-value edges, sorted and without repeats, as one flat list:
        // the successors of type `v` are `targets[starts[v]..starts[v + 1]]`.
        let mut starts: Vec<usize> = Vec::with_capacity(n + 1);
        let mut targets: Vec<usize> = Vec::new();
        let mut scratch: Vec<usize> = Vec::new();
        starts.push(0);
        for t in &d.types {
            if !matches!(
                t.kind,
                TypeKind::Pointer(_) | TypeKind::FunctionPointer(_) | TypeKind::Buffer(_)
            ) {
                scratch.clear();
                scratch.extend(type_refs(&t.kind).filter_map(|r| ids.get(r.as_str()).copied()));
                scratch.sort_unstable();
                scratch.dedup();
                targets.extend_from_slice(&scratch);
            }
            starts.push(targets.len());
        }
        let edges = |v: usize| &targets[starts[v]..starts[v + 1]];
        // Iterative depth-first search with colours; a grey successor closes a cycle.
        let (white, grey, black) = (0u8, 1u8, 2u8);
        let mut colour = vec![white; n];
        let mut acyclic = true;
        let mut path: Vec<(usize, usize)> = Vec::new();
        for root in 0..n {
            if colour[root] != white {
                continue;
            }
            path.clear();
            path.push((root, 0));
            colour[root] = grey;
            while let Some(&mut (v, ref mut pos)) = path.last_mut() {
                match edges(v).get(*pos) {
                    Some(&w) => {
                        *pos += 1;
                        if colour[w] == white {
                            colour[w] = grey;
                            path.push((w, 0));
                        } else if colour[w] == grey {
                            acyclic = false;
                            let start = path.iter().position(|&(n, _)| n == w).unwrap_or(0);
                            let cycle: Vec<String> = path[start..]
                                .iter()
                                .map(|&(n, _)| format!("`{}`", d.types[n].id))
                                .chain(std::iter::once(format!("`{}`", d.types[w].id)))
                                .collect();
                            let p = self.type_path(&d.types[w].id);
                            self.err(
                                &p,
                                format!("contains itself by value: {}", cycle.join(" -> ")),
                            );
                        }
                    }
                    None => {
                        colour[v] = black;
                        path.pop();
                    }
                }
            }
        }
        acyclic
    }

    fn fields(
        &mut self,
        path: &Path<'_>,
        fields: &'a [Field],
        size: u64,
        align: u64,
        packed: bool,
        acyclic: bool,
    ) {
        let mut names = Seen::new();
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        for f in fields {
            let fp = path.named("field", &f.name);
            if f.since.is_some() {
                self.since(&fp, f.since.as_deref(), None);
            }
            if !names.insert(f.name.as_str()) {
                self.err(&fp, "name is declared more than once");
            }
            let Some(l) = self.by_value(&fp, &f.ty, acyclic) else {
                continue;
            };
            match f.offset.checked_add(l.size) {
                Some(end) if end <= size => spans.push((f.offset, end, f.name.as_str())),
                _ => self.err(
                    &fp,
                    format!(
                        "offset {} plus size {} of `{}` ends past the struct's size {size}",
                        f.offset, l.size, f.ty
                    ),
                ),
            }
            if !packed {
                if !f.offset.is_multiple_of(l.align) {
                    self.err(
                        &fp,
                        format!(
                            "offset {} is not a multiple of the alignment {} of `{}`",
                            f.offset, l.align, f.ty
                        ),
                    );
                }
                if l.align > align {
                    self.err(
                        &fp,
                        format!(
                            "alignment {} of `{}` exceeds the struct's alignment {align}",
                            l.align, f.ty
                        ),
                    );
                }
            }
        }
        // Fields are usually listed in offset order already.
        if !spans.is_sorted() {
            spans.sort_unstable();
        }
        for w in spans.windows(2) {
            let ((_, end_a, a), (start_b, _, b)) = (w[0], w[1]);
            if start_b < end_a {
                self.err(
                    &path.named("field", b),
                    format!("overlaps field `{a}`, which ends at offset {end_a}"),
                );
            }
        }
        self.spans = spans;
    }

    fn size_align(&mut self, path: &Path<'_>, size: u64, align: u64) {
        if !is_pow2(align) {
            self.err(path, format!("alignment {align} is not a power of two"));
        } else if !size.is_multiple_of(align) {
            self.err(
                path,
                format!("size {size} is not a multiple of its alignment {align}"),
            );
        }
    }

    fn int_repr(&mut self, path: &Path<'_>, r: &'a TypeRef) -> Option<(i128, i128)> {
        let range = match self.ix.resolve(r) {
            Resolved::Primitive(p) => p.int_range(&self.d.target),
            Resolved::Def(def) => match &def.kind {
                TypeKind::Enum(e) => match self.ix.resolve(&e.repr) {
                    Resolved::Primitive(p) => p.int_range(&self.d.target),
                    _ => None,
                },
                _ => None,
            },
            Resolved::Missing(_) | Resolved::AliasCycle => return None,
        };
        if range.is_none() {
            self.err(path, format!("`{r}` is not an integer type"));
        }
        range
    }

    fn type_def(&mut self, t: &'a TypeDef, acyclic: bool) {
        let path = &self.type_path(&t.id);
        match &t.kind {
            TypeKind::Opaque(o) => match (o.size, o.align) {
                (None, None) => {}
                (Some(size), Some(align)) => self.size_align(path, size, align),
                _ => self.err(path, "size and align must both be given or both be absent"),
            },
            TypeKind::Alias(a) => {
                self.reference(path, &a.target);
            }
            TypeKind::Pointer(p) => {
                self.reference(path, &p.pointee);
                self.ownership(path, &p.ownership);
            }
            TypeKind::Struct(s) => {
                self.size_align(path, s.size, s.align);
                let packed = s.repr == Repr::Packed;
                self.fields(path, &s.fields, s.size, s.align, packed, acyclic);
                if s.repr == Repr::Transparent {
                    let sized = s
                        .fields
                        .iter()
                        .filter(|f| self.ix.layout(&f.ty).is_some_and(|l| l.size > 0))
                        .count();
                    if sized != 1 {
                        self.err(
                            path,
                            format!("transparent struct has {sized} non-zero-sized fields, not 1"),
                        );
                    }
                }
            }
            TypeKind::Extensible(s) => {
                self.size_align(path, s.size, s.align);
                self.fields(path, &s.fields, s.size, s.align, false, acyclic);
                let (Versioning::SizeField(name) | Versioning::VersionField(name)) = &s.versioning;
                match s.fields.iter().find(|f| &f.name == name) {
                    None => self.err(
                        path,
                        format!("versioning field `{name}` is not one of its fields"),
                    ),
                    Some(f) => {
                        self.int_repr(&path.named("field", &f.name), &f.ty);
                    }
                }
                // Append-only: a field's `since` is never older than an earlier field's.
                let mut newest: Option<&Version> = None;
                let mut by_offset: Vec<&Field> = s.fields.iter().collect();
                by_offset.sort_by_key(|f| f.offset);
                for f in by_offset {
                    match (f.since.as_deref(), newest) {
                        (Some(v), Some(n)) if v < n => self.err(
                            &path.named("field", &f.name),
                            format!("appeared in {v} but sits after a field that appeared in {n}; fields may only be appended"),
                        ),
                        (None, Some(n)) => self.err(
                            &path.named("field", &f.name),
                            format!("has no `since` but sits after a field that appeared in {n}; fields may only be appended"),
                        ),
                        _ => {}
                    }
                    if let Some(v) = &f.since {
                        newest = Some(newest.map_or(v, |n| n.max(v)));
                    }
                }
            }
            TypeKind::Union(u) => {
                self.size_align(path, u.size, u.align);
                let mut names = Seen::new();
                for m in &u.members {
                    let mp = path.named("member", &m.name);
                    if !names.insert(m.name.as_str()) {
                        self.err(&mp, "name is declared more than once");
                    }
                    if let Some(l) = self.by_value(&mp, &m.ty, acyclic) {
                        if l.size > u.size {
                            self.err(
                                &mp,
                                format!("size {} exceeds the union's size {}", l.size, u.size),
                            );
                        }
                        if l.align > u.align {
                            self.err(
                                &mp,
                                format!(
                                    "alignment {} exceeds the union's alignment {}",
                                    l.align, u.align
                                ),
                            );
                        }
                    }
                }
            }
            TypeKind::Enum(e) => {
                if !self.reference(path, &e.repr) {
                    return;
                }
                let range = match e.repr.primitive() {
                    Some(p) => p.int_range(&self.d.target),
                    None => None,
                };
                let Some((lo, hi)) = range else {
                    self.err(
                        path,
                        format!("representation `{}` is not an integer primitive", e.repr),
                    );
                    return;
                };
                let mut names = Seen::new();
                for var in &e.variants {
                    let vp = path.named("variant", &var.name);
                    if !names.insert(var.name.as_str()) {
                        self.err(&vp, "name is declared more than once");
                    }
                    let value = var.value.get();
                    if value < lo || value > hi {
                        self.err(&vp, format!("value {value} does not fit `{}`", e.repr));
                    }
                    self.since(&vp, var.since.as_deref(), var.deprecated.as_deref());
                }
            }
            TypeKind::TaggedUnion(u) => {
                self.size_align(path, u.size, u.align);
                let tag_path = &path.child("tag");
                let range = if self.reference(tag_path, &u.tag.ty) {
                    self.int_repr(tag_path, &u.tag.ty)
                } else {
                    None
                };
                if let Some(l) = self.ix.layout(&u.tag.ty)
                    && u.tag
                        .offset
                        .checked_add(l.size)
                        .is_none_or(|end| end > u.size)
                {
                    self.err(
                        tag_path,
                        format!(
                            "tag at offset {} ends past the size {}",
                            u.tag.offset, u.size
                        ),
                    );
                }
                let mut names = Seen::new();
                for var in &u.variants {
                    let vp = path.named("variant", &var.name);
                    if !names.insert(var.name.as_str()) {
                        self.err(&vp, "name is declared more than once");
                    }
                    if let Some((lo, hi)) = range
                        && (var.tag.get() < lo || var.tag.get() > hi)
                    {
                        self.err(&vp, format!("tag {} does not fit `{}`", var.tag, u.tag.ty));
                    }
                    if let Some(payload) = &var.payload
                        && let Some(l) = self.by_value(&vp, payload, acyclic)
                        && u.payload_offset
                            .checked_add(l.size)
                            .is_none_or(|end| end > u.size)
                    {
                        self.err(
                            &vp,
                            format!(
                                "payload at offset {} of size {} ends past the size {}",
                                u.payload_offset, l.size, u.size
                            ),
                        );
                    }
                    self.since(&vp, var.since.as_deref(), None);
                }
            }
            TypeKind::Array(a) => {
                if let Some(l) = self.by_value(path, &a.element, acyclic)
                    && l.size.checked_mul(a.len).is_none()
                {
                    self.err(
                        path,
                        format!(
                            "{} elements of size {} overflow a 64-bit size",
                            a.len, l.size
                        ),
                    );
                }
            }
            TypeKind::Buffer(b) => {
                self.ownership(path, &b.ownership);
                if let BufferLength::Inline(i) = &b.length {
                    self.size_align(path, i.size, i.align);
                    let pointer = u64::from(self.d.target.pointer_width / 8);
                    if i.ptr_offset
                        .checked_add(pointer)
                        .is_none_or(|end| end > i.size)
                    {
                        self.err(
                            path,
                            format!(
                                "pointer at offset {} ends past the size {}",
                                i.ptr_offset, i.size
                            ),
                        );
                    }
                    if self.reference(path, &i.len_type)
                        && self.int_repr(path, &i.len_type).is_some()
                    {
                        let len = self.ix.layout(&i.len_type).map_or(0, |l| l.size);
                        if i.len_offset.checked_add(len).is_none_or(|end| end > i.size) {
                            self.err(
                                path,
                                format!(
                                    "length at offset {} ends past the size {}",
                                    i.len_offset, i.size
                                ),
                            );
                        }
                        let (p0, p1, l0, l1) = (
                            i.ptr_offset,
                            i.ptr_offset.saturating_add(pointer),
                            i.len_offset,
                            i.len_offset.saturating_add(len),
                        );
                        if p0 < l1 && l0 < p1 {
                            self.err(path, "pointer and length overlap");
                        }
                    }
                }
            }
            TypeKind::FunctionPointer(f) => {
                self.params(path, &f.params, acyclic);
                self.ret(path, &f.ret, acyclic);
                if let Some(i) = f.user_data
                    && i as usize >= f.params.len()
                {
                    self.err(
                        path,
                        format!(
                            "user data parameter {i} does not exist ({} parameters)",
                            f.params.len()
                        ),
                    );
                }
            }
        }
    }

    fn ownership(&mut self, path: &Path<'_>, o: &crate::model::Ownership) {
        if let crate::model::Ownership::CallerOwned { free } = o
            && self.ix.function(free).is_none()
        {
            self.err(
                path,
                format!("is freed with `{free}`, which is not a described function"),
            );
        }
    }

    fn params(&mut self, path: &Path<'_>, params: &'a [Param], acyclic: bool) {
        let mut names = Seen::new();
        for (i, p) in params.iter().enumerate() {
            let pp = if p.name.is_empty() {
                Path::Indexed {
                    parent: path,
                    what: "parameter",
                    index: i,
                }
            } else {
                path.named("parameter", &p.name)
            };
            if !p.name.is_empty() && !names.insert(p.name.as_str()) {
                self.err(&pp, "name is declared more than once");
            }
            self.by_value(&pp, &p.ty, acyclic);
            if let Some(of) = &p.length_of {
                match params.iter().find(|q| &q.name == of) {
                    None => self.err(
                        &pp,
                        format!("is the length of `{of}`, which is not a parameter"),
                    ),
                    Some(q) => {
                        let pointer_like = matches!(
                            self.ix.resolve(&q.ty),
                            Resolved::Def(TypeDef {
                                kind: TypeKind::Pointer(_) | TypeKind::Buffer(_),
                                ..
                            })
                        );
                        if !pointer_like {
                            self.err(
                                &pp,
                                format!(
                                    "is the length of `{of}`, which is not a pointer or buffer"
                                ),
                            );
                        }
                        self.int_repr(&pp, &p.ty);
                    }
                }
            }
        }
    }

    fn ret(&mut self, path: &Path<'_>, ret: &'a TypeRef, acyclic: bool) {
        if ret.primitive() != Some(Primitive::Void) {
            self.by_value(&path.child("return type"), ret, acyclic);
        }
    }

    fn functions(&mut self) {
        for f in &self.d.functions {
            let path = &Path::top("function", &f.symbol);
            self.params(path, &f.params, true);
            self.ret(path, &f.ret, true);
            self.since(path, f.since.as_deref(), f.deprecated.as_deref());
            if let Some(w) = &f.wire {
                self.wire_call(path, &f.params, w);
            }
        }
    }

    fn wire_call(&mut self, path: &Path<'_>, params: &'a [Param], w: &'a WireCall) {
        let find = |name: &str| params.iter().find(|p| p.name == name);
        if let Some(name) = &w.request_param
            && find(name).is_none()
        {
            self.err(
                path,
                format!("wire request parameter `{name}` is not a parameter"),
            );
        }
        if let Some(name) = &w.callback_param {
            match find(name) {
                None => self.err(
                    path,
                    format!("wire callback parameter `{name}` is not a parameter"),
                ),
                Some(p) => {
                    if !matches!(
                        self.ix.resolve(&p.ty),
                        Resolved::Def(TypeDef {
                            kind: TypeKind::FunctionPointer(_),
                            ..
                        })
                    ) {
                        self.err(
                            path,
                            format!("wire callback parameter `{name}` is not a function pointer"),
                        );
                    }
                }
            }
        }
        for (role, r) in [
            ("wire request", &w.request),
            ("wire reply", &w.reply),
            ("wire error", &w.error),
        ] {
            if let Some(r) = r {
                self.wire_ref(&path.child(role), r);
            }
        }
        if let Some(codes) = &w.codes
            && self.ix.code_table(codes).is_none()
        {
            self.err(path, format!("wire code table `{codes}` is not declared"));
        }
        let mut names = Seen::new();
        for e in &w.events {
            let ep = path.named("event", &e.name);
            if !names.insert(e.name.as_str()) {
                self.err(&ep, "name is declared more than once");
            }
            self.wire_ref(&ep, &e.payload);
            self.since(&ep, e.since.as_deref(), e.deprecated.as_deref());
        }
    }

    fn wire_ref(&mut self, path: &Path<'_>, r: &WireRef) {
        if r.primitive().is_none() && self.ix.wire_type(r.as_str()).is_none() {
            self.err(path, format!("refers to undeclared wire type `{r}`"));
        }
    }

    fn variables_and_constants(&mut self) {
        for v in &self.d.variables {
            let path = &Path::top("variable", &v.symbol);
            self.by_value(path, &v.ty, true);
            self.since(path, v.since.as_deref(), v.deprecated.as_deref());
        }
        for c in &self.d.constants {
            let path = &Path::top("constant", &c.name);
            self.since(path, c.since.as_deref(), c.deprecated.as_deref());
            if !self.reference(path, &c.ty) {
                continue;
            }
            let resolved = self.ix.resolve(&c.ty);
            let ok = match (&c.value, resolved) {
                (ConstValue::Int(i), _) => match self.int_repr(path, &c.ty) {
                    Some((lo, hi)) if i.get() < lo || i.get() > hi => {
                        self.err(path, format!("value {i} does not fit `{}`", c.ty));
                        true
                    }
                    Some(_) => true,
                    None => true, // int_repr reported it
                },
                (ConstValue::Float(x), Resolved::Primitive(Primitive::F32 | Primitive::F64)) => {
                    if !x.is_finite() {
                        self.err(path, format!("value {x} is not finite"));
                    }
                    true
                }
                (ConstValue::Bool(_), Resolved::Primitive(Primitive::Bool)) => true,
                (ConstValue::Text(_), Resolved::Def(def)) => match &def.kind {
                    TypeKind::Buffer(_) => true,
                    TypeKind::Pointer(p) => matches!(
                        p.pointee.primitive(),
                        Some(Primitive::CChar | Primitive::U8 | Primitive::I8)
                    ),
                    _ => false,
                },
                _ => false,
            };
            if !ok {
                let kind = match c.value {
                    ConstValue::Int(_) => "an integer",
                    ConstValue::Float(_) => "a float",
                    ConstValue::Bool(_) => "a bool",
                    ConstValue::Text(_) => "text",
                };
                self.err(path, format!("{kind} value does not match type `{}`", c.ty));
            }
        }
    }

    fn wire(&mut self) {
        let wire = Path::Fixed("wire");
        for t in &self.d.wire_types {
            let path = &wire.named(t.kind.as_str(), &t.id);
            self.since(path, t.since.as_deref(), t.deprecated.as_deref());
            for r in wire_refs(&t.kind) {
                self.wire_ref(path, r);
            }
            match &t.kind {
                WireKind::Record(r) => {
                    let mut names = Seen::new();
                    for f in &r.fields {
                        let fp = path.named("field", &f.name);
                        if !names.insert(f.name.as_str()) {
                            self.err(&fp, "name is declared more than once");
                        }
                        self.since(&fp, f.since.as_deref(), None);
                    }
                }
                WireKind::Enum(e) => {
                    let mut names = Seen::new();
                    for v in &e.values {
                        if v.is_empty() || !names.insert(v.as_str()) {
                            self.err(
                                path,
                                format!("value `{v}` is empty or declared more than once"),
                            );
                        }
                    }
                }
                WireKind::Alias(_) => {
                    // Alias chains must end.
                    let mut current = t;
                    for _ in 0..=self.d.wire_types.len() {
                        let WireKind::Alias(a) = &current.kind else {
                            break;
                        };
                        match self.ix.wire_type(a.target.as_str()) {
                            Some(next) if next.id == t.id => {
                                self.err(path, "aliases lead back to themselves");
                                break;
                            }
                            Some(next) => current = next,
                            None => break,
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn paths_are_written_as_before() {
        let f = Path::top("function", "f");
        let w = Path::Fixed("wire");
        let cases = [
            (Path::Fixed("target"), "target"),
            (f, "function `f`"),
            (f.named("parameter", "a"), "function `f` parameter `a`"),
            (
                Path::Indexed {
                    parent: &f,
                    what: "parameter",
                    index: 3,
                },
                "function `f` parameter 3",
            ),
            (f.child("return type"), "function `f` return type"),
            (w.named("record", "Req"), "wire record `Req`"),
        ];
        for (path, expected) in cases {
            assert_eq!(path.to_string(), expected);
        }
        let s = Path::top("struct", "S");
        let field = s.named("field", "x");
        assert_eq!(
            field.named("deeper", "y").to_string(),
            "struct `S` field `x` deeper `y`"
        );
    }

    #[test]
    fn seen_finds_repeats_in_short_and_long_lists() {
        // Repeats before, at and after the switch to a hash set.
        let names: Vec<String> = (0..100)
            .map(|i| format!("n{}", if i % 7 == 3 { i / 3 } else { i }))
            .collect();
        let mut seen = Seen::new();
        let mut reference = HashSet::new();
        for n in &names {
            assert_eq!(seen.insert(n.as_str()), reference.insert(n.as_str()), "{n}");
        }
        let mut values = Seen::new();
        for v in [5, 1, 5, 2, 1] {
            values.insert(v);
        }
        assert!(!values.insert(2));
        assert!(values.insert(3));
    }

    fn descriptor(functions: &str) -> Descriptor {
        let json = format!(
            r#"{{
  "format": "1.0",
  "library": {{ "name": "t", "version": "1.0.0" }},
  "producer": {{ "language": "c", "tool": "hand", "version": "1" }},
  "target": {{ "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little",
    "c_int": 4, "c_long": 8, "size_t": 8, "c_char_signed": true, "default_abi": "sysv64" }},
  "functions": {functions}
}}"#
        );
        Descriptor::from_json(&json).expect("the test descriptor decodes")
    }

    #[test]
    fn repeated_parameter_in_a_long_list_is_reported_once_in_place() {
        // 40 parameters: `a2` repeats at 30 (past the inline entries), `a5`
        // at 10 (within them); parameter 12 is unnamed and dangling.
        let params: Vec<String> = (0..40)
            .map(|i| match i {
                10 => r#"{ "name": "a5", "type": "i32" }"#.to_owned(),
                12 => r#"{ "name": "", "type": "Nope" }"#.to_owned(),
                30 => r#"{ "name": "a2", "type": "i64" }"#.to_owned(),
                _ => format!(r#"{{ "name": "a{i}", "type": "i32" }}"#),
            })
            .collect();
        let d = descriptor(&format!(
            r#"[ {{ "symbol": "f", "params": [ {} ] }} ]"#,
            params.join(", ")
        ));
        let errors = d.validate().expect_err("the descriptor is invalid").0;
        let found: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "function `f` parameter `a5`: name is declared more than once",
                "function `f` parameter 12: refers to undeclared type `Nope`",
                "function `f` parameter `a2`: name is declared more than once",
            ]
        );
    }

    #[test]
    fn distinct_parameters_in_a_long_list_are_valid() {
        let params: Vec<String> = (0..100)
            .map(|i| format!(r#"{{ "name": "a{i}", "type": "u8" }}"#))
            .collect();
        let d = descriptor(&format!(
            r#"[ {{ "symbol": "f", "params": [ {} ], "return": "i32" }} ]"#,
            params.join(", ")
        ));
        assert_eq!(d.validate(), Ok(()));
    }
}
