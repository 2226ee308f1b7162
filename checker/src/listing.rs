//! A readable listing of a descriptor: a C header annotated with the
//! contract that C cannot express. See [`listing`].

use std::collections::{BTreeSet, HashMap, HashSet};

use abi_descriptor::{
    BufferEncoding, BufferLength, BufferType, CallConv, CallbackLifetime, CallbackThread,
    ConstValue, Deprecation, Descriptor, EncodeError, Endian, EnumType, ExtensibleType, Field,
    Function, FunctionPointerType, Index, InlineBuffer, Int, Mutability, OpaqueType, Ownership,
    Param, PayloadEncoding, Repr, Resolved, StructType, TaggedUnionType, Threading, TypeDef,
    TypeKind, TypeRef, UnionType, Versioning, WireCall, WireKind, WireRef,
};
use semver::Version;

/// How deeply anonymous types (pointers, arrays, wire lists) are followed;
/// deeper nesting only occurs in descriptors with reference cycles.
const MAX_DEPTH: usize = 32;
/// Trailing comments of a block line up at most this far from the indent.
const MAX_COLUMN: usize = 40;
/// The width that comment blocks and prototypes wrap at.
const WIDTH: usize = 80;
/// A line with a trailing comment wraps the comment (at [`WIDTH`]) only
/// when it is longer than this.
const LONG: usize = 100;

/// Renders `descriptor` as a C header annotated with its contract, for
/// people to read.
///
/// The listing opens with a comment naming the library, its SONAME, the
/// producer, the target and the descriptor's fingerprint
/// ([`Descriptor::fingerprints`]), then gives, in this order:
///
/// 1. constants, as `#define`s;
/// 2. opaque types, then forward declarations of the structs and unions that
///    are used through pointers before their definition;
/// 3. enums, each as a typedef of its integer type (which fixes its width)
///    and an `enum` of the same tag name holding its values;
/// 4. the other named types: structs, unions, tagged unions, extensible
///    structs, typedefs, function-pointer typedefs and by-value buffers, each
///    after the types it holds by value, otherwise by id;
/// 5. variables (`extern`), then functions as prototypes;
/// 6. the wire layer in a closing comment: records, enums and aliases of the
///    message types, then the return-code tables.
///
/// Within each part entries follow the canonical table order of the
/// descriptor format (types by id, items by symbol or name, struct fields by
/// offset, enum variants by value, ...), so equal descriptors give equal
/// listings whatever order their tables were written in.
///
/// Pointers, fixed arrays and buffers have no declaration of their own: they
/// are written in C syntax where they are used (`const TileOptions *options`,
/// `int32_t xs[4]`, `const char *dir`), followed by a comment for what C
/// cannot say: nullability, ownership, a buffer's encoding and length, and
/// for struct fields the offset and size. Functions carry their threading,
/// blocking and unwinding contract, and the wire contract where they have
/// one; function-pointer typedefs carry the callback contract. Wire lists,
/// maps, options and results are written where they are used, as
/// `list<T>`, `map<K, V>`, `option<T>` and `result<T, E>`.
///
/// The text has no trailing whitespace and ends with a newline. Descriptors
/// that fail validation still list: unknown type names are marked, and
/// reference cycles end at a fixed depth.
///
/// # Errors
///
/// Fails only when the descriptor cannot be encoded, which its fingerprint
/// needs (see [`Descriptor::to_cbor`]).
///
/// # Example
///
/// ```
/// use abi_descriptor::Descriptor;
///
/// let d = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
/// let text = abi_check::listing(&d)?;
/// assert!(text.contains("typedef struct TileCache TileCache;"));
/// assert!(text.contains("    const TileOptions *options,"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn listing(descriptor: &Descriptor) -> Result<String, EncodeError> {
    let fingerprint = descriptor.fingerprints()?.descriptor;
    let mut d = descriptor.clone();
    d.canonicalize();
    let lister = Lister::new(&d);
    let mut out = Vec::new();
    lister.header(&mut out, &fingerprint.to_string());
    lister.constants(&mut out);
    lister.types(&mut out);
    lister.variables(&mut out);
    lister.functions(&mut out);
    lister.wire(&mut out);
    Ok(finish(out))
}

/// Joins lines, trimming trailing whitespace and collapsing blank lines.
fn finish(lines: Vec<String>) -> String {
    let mut text = String::new();
    let mut blank = true;
    for line in &lines {
        for l in line.split('\n') {
            let l = l.trim_end();
            if l.is_empty() {
                if blank {
                    continue;
                }
                blank = true;
            } else {
                blank = false;
            }
            text.push_str(l);
            text.push('\n');
        }
    }
    while text.ends_with("\n\n") {
        text.pop();
    }
    text
}

struct Lister<'a> {
    d: &'a Descriptor,
    index: Index<'a>,
    /// C names of the types that get a declaration of their own.
    names: HashMap<&'a str, String>,
}

/// Whether a type kind gets a declaration of its own; the others (pointers,
/// arrays, buffers other than by-value pairs) are written where used.
fn declared(kind: &TypeKind) -> bool {
    match kind {
        TypeKind::Pointer(_) | TypeKind::Array(_) => false,
        TypeKind::Buffer(b) => matches!(b.length, BufferLength::Inline(_)),
        _ => true,
    }
}

/// Whether C can declare the type before defining it (`typedef struct X X;`).
fn forward_declarable(kind: &TypeKind) -> bool {
    matches!(
        kind,
        TypeKind::Opaque(_)
            | TypeKind::Struct(_)
            | TypeKind::Union(_)
            | TypeKind::TaggedUnion(_)
            | TypeKind::Extensible(_)
    )
}

impl<'a> Lister<'a> {
    fn new(d: &'a Descriptor) -> Lister<'a> {
        let mut names = HashMap::new();
        let mut used = HashSet::new();
        for def in &d.types {
            if !declared(&def.kind) || names.contains_key(def.id.as_str()) {
                continue;
            }
            let base = c_ident(&def.id);
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            names.insert(def.id.as_str(), name);
        }
        Lister {
            d,
            index: Index::new(d),
            names,
        }
    }

    fn name(&self, def: &TypeDef) -> String {
        self.names
            .get(def.id.as_str())
            .cloned()
            .unwrap_or_else(|| c_ident(&def.id))
    }

    // -----------------------------------------------------------------------
    // C declarators.

    /// The C declaration of `inner` (a name, or a partial declarator) as a
    /// value of type `ty`; `konst` qualifies that value.
    fn decl(&self, ty: &TypeRef, inner: String, konst: bool) -> String {
        let mut inner = inner;
        let mut konst = konst;
        let mut current = ty;
        let mut seen = HashSet::new();
        for _ in 0..MAX_DEPTH {
            let q = if konst { "const " } else { "" };
            if let Some(p) = current.primitive() {
                return join(&format!("{q}{}", crate::c::primitive(p)), &inner);
            }
            let def = match self.index.type_def(current.as_str()) {
                Some(def) if seen.insert(current.as_str()) => def,
                // Unknown, or an anonymous type that leads back to itself.
                _ => return join(&format!("{q}{}", c_ident(current.as_str())), &inner),
            };
            match &def.kind {
                TypeKind::Pointer(p) => {
                    inner = pointer(&inner, konst);
                    konst = p.mutability == Mutability::Const;
                    current = &p.pointee;
                }
                TypeKind::Array(a) => {
                    inner = format!("{}[{}]", paren(inner), a.len);
                    current = &a.element;
                }
                TypeKind::Buffer(b) if !matches!(b.length, BufferLength::Inline(_)) => {
                    let elem = match b.encoding {
                        BufferEncoding::Utf8 => "char",
                        BufferEncoding::Bytes => "uint8_t",
                    };
                    let q = match b.mutability {
                        Mutability::Const => "const ",
                        Mutability::Mut => "",
                    };
                    return join(&format!("{q}{elem}"), &pointer(&inner, konst));
                }
                _ => return join(&format!("{q}{}", self.name(def)), &inner),
            }
        }
        // Only anonymous types that lead back to themselves get here.
        join(&c_ident(current.as_str()), &inner)
    }

    /// A function's or function pointer's declaration, split into the part
    /// before the parameter list and the part after it.
    fn signature(&self, ret: &TypeRef, declarator: &str) -> (String, String) {
        const MARK: char = '\u{1}';
        let head = self.decl(ret, format!("{declarator}({MARK})"), false);
        match head.split_once(MARK) {
            Some((before, after)) => (before.to_owned(), after.to_owned()),
            None => (head, ")".to_owned()),
        }
    }

    /// Writes a prototype: on one line when it is short and needs no
    /// comments, else one parameter per line with its comment.
    fn prototype(
        &self,
        out: &mut Vec<String>,
        prefix: &str,
        ret: &TypeRef,
        declarator: &str,
        params: &[Param],
        variadic: bool,
    ) {
        let (before, after) = self.signature(ret, declarator);
        let mut rows: Vec<(String, String)> = params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let name = clean(&p.name);
                let code = self.decl(&p.ty, name.clone(), false);
                let path = if name.is_empty() {
                    format!("arg{i}")
                } else {
                    name
                };
                let length = params
                    .iter()
                    .find(|q| !p.name.is_empty() && q.length_of.as_deref() == Some(&p.name))
                    .map(|q| clean(&q.name));
                let mut notes = self.notes(&p.ty, &path, length.as_deref());
                if let Some(of) = &p.length_of {
                    notes.push(format!("length of `{}`", clean(of)));
                }
                (code, notes.join("; "))
            })
            .collect();
        if variadic {
            rows.push(("...".to_owned(), String::new()));
        }
        if rows.is_empty() {
            rows.push(("void".to_owned(), String::new()));
        }
        let one_line = format!(
            "{prefix}{before}{}{after};",
            rows.iter()
                .map(|(c, n)| if n.is_empty() {
                    c.clone()
                } else {
                    format!("{c} /* {n} */")
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
        if one_line.chars().count() <= WIDTH {
            out.push(one_line);
            return;
        }
        out.push(format!("{prefix}{before}"));
        let last = rows.len() - 1;
        for (i, (code, _)) in rows.iter_mut().enumerate() {
            if i == last {
                code.push_str(&after);
                code.push(';');
            } else {
                code.push(',');
            }
        }
        aligned(out, "    ", rows);
    }

    // -----------------------------------------------------------------------
    // Comments for what C cannot say.

    /// Notes on a value of type `ty` named `name`: nullability, ownership
    /// and buffer length of each pointer level. `length` names the parameter
    /// that carries its length.
    fn notes(&self, ty: &TypeRef, name: &str, length: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        let mut path = name.to_owned();
        let mut top = true;
        let mut length = length;
        let mut current = ty;
        let mut seen = HashSet::new();
        for _ in 0..MAX_DEPTH {
            if current.primitive().is_some() {
                break;
            }
            let mut push = |facts: Vec<String>| {
                let s = facts.join(", ");
                out.push(if top { s } else { format!("{path}: {s}") });
            };
            let Some(def) = self.index.type_def(current.as_str()) else {
                push(vec![format!("unknown type `{}`", clean(current.as_str()))]);
                break;
            };
            if !seen.insert(current.as_str()) {
                push(vec![format!(
                    "refers back to `{}`",
                    clean(current.as_str())
                )]);
                break;
            }
            match &def.kind {
                TypeKind::Pointer(p) => {
                    let mut facts = Vec::new();
                    if p.nullable {
                        facts.push("nullable".to_owned());
                    }
                    facts.push(ownership(&p.ownership));
                    if let Some(l) = length {
                        facts.push(format!("length in `{l}`"));
                    }
                    push(facts);
                    path = format!("*{path}");
                    current = &p.pointee;
                }
                TypeKind::Array(a) => {
                    path = format!("{}[i]", paren(path));
                    current = &a.element;
                    top = false;
                    continue;
                }
                TypeKind::Buffer(b) if !matches!(b.length, BufferLength::Inline(_)) => {
                    push(buffer_facts(b, length));
                    break;
                }
                TypeKind::FunctionPointer(f) if f.nullable => {
                    push(vec!["nullable".to_owned()]);
                    break;
                }
                _ => break,
            }
            top = false;
            length = None;
        }
        out
    }

    // -----------------------------------------------------------------------
    // The parts of the listing.

    fn header(&self, out: &mut Vec<String>, fingerprint: &str) {
        let d = self.d;
        let t = &d.target;
        let mut lines = vec![
            format!("{} {}", clean(&d.library.name), d.library.version),
            String::new(),
        ];
        if let Some(soname) = &d.library.soname {
            lines.push(format!("soname       {}", clean(soname)));
        }
        lines.push(format!(
            "producer     {}, {} {}",
            clean(&d.producer.language),
            clean(&d.producer.tool),
            clean(&d.producer.version)
        ));
        lines.push(format!("format       {}", d.format));
        lines.push(format!("target       {}", clean(&t.triple)));
        lines.push(format!(
            "             {}-bit pointers, {}-endian",
            t.pointer_width,
            match t.endian {
                Endian::Little => "little",
                Endian::Big => "big",
            }
        ));
        lines.push(format!(
            "             int {}, long {}, size_t {} bytes; char is {}",
            t.c_int,
            t.c_long,
            t.size_t,
            if t.c_char_signed {
                "signed"
            } else {
                "unsigned"
            }
        ));
        lines.push(format!(
            "             default calling convention {}",
            call_conv(t.default_abi)
        ));
        if !t.primitive_align.is_empty() {
            let aligns: Vec<String> = t
                .primitive_align
                .iter()
                .map(|(p, a)| format!("{} {a}", crate::c::primitive(*p)))
                .collect();
            lines.push(format!("             alignments: {}", aligns.join(", ")));
        }
        lines.push(format!("fingerprint  {fingerprint}"));
        lines.push(String::new());
        lines
            .push("Offsets and sizes are in bytes. Pointers are non-null unless marked".to_owned());
        lines.push("nullable; each says who owns what it points to.".to_owned());
        comment(out, "", &lines);
        out.push(String::new());
        out.push("#include <stdbool.h>".to_owned());
        out.push("#include <stddef.h>".to_owned());
        out.push("#include <stdint.h>".to_owned());
    }

    fn constants(&self, out: &mut Vec<String>) {
        if self.d.constants.is_empty() {
            return;
        }
        heading(out, "constants");
        let width = self
            .d
            .constants
            .iter()
            .map(|c| clean(&c.name).chars().count())
            .max()
            .unwrap_or(0);
        let rows = self
            .d
            .constants
            .iter()
            .map(|c| {
                let value = match &c.value {
                    ConstValue::Int(v) => v.to_string(),
                    ConstValue::Float(v) => format!("{v:?}"),
                    ConstValue::Bool(v) => v.to_string(),
                    ConstValue::Text(s) => crate::c::string_literal(s),
                };
                let mut notes = vec![self.decl(&c.ty, String::new(), false)];
                notes.extend(versions(c.since.as_deref(), c.deprecated.as_deref()));
                (
                    format!("#define {:<width$} {value}", clean(&c.name)),
                    notes.join("; "),
                )
            })
            .collect();
        aligned(out, "", rows);
    }

    fn types(&self, out: &mut Vec<String>) {
        let types = &self.d.types;
        let first = |def: &&TypeDef| {
            self.index
                .type_def(&def.id)
                .is_some_and(|f| std::ptr::eq(f, *def))
        };
        let opaque: Vec<&TypeDef> = types
            .iter()
            .filter(first)
            .filter(|t| matches!(t.kind, TypeKind::Opaque(_)))
            .collect();
        let enums: Vec<&TypeDef> = types
            .iter()
            .filter(first)
            .filter(|t| matches!(t.kind, TypeKind::Enum(_)))
            .collect();
        let rest: Vec<&TypeDef> = types
            .iter()
            .filter(first)
            .filter(|t| declared(&t.kind))
            .filter(|t| !matches!(t.kind, TypeKind::Opaque(_) | TypeKind::Enum(_)))
            .collect();
        let order = self.definition_order(&rest);

        // Structs and unions used through a pointer before their definition.
        let mut defined: HashSet<&str> =
            opaque.iter().chain(&enums).map(|t| t.id.as_str()).collect();
        let mut forward = BTreeSet::new();
        for def in &order {
            defined.insert(def.id.as_str());
            for (dep, by_value) in self.deps(def) {
                if !by_value && forward_declarable(&dep.kind) && !defined.contains(dep.id.as_str())
                {
                    forward.insert(dep.id.as_str());
                }
            }
        }

        if !opaque.is_empty() {
            heading(out, "opaque types");
            let mut rows = Vec::new();
            for def in &opaque {
                if let TypeKind::Opaque(o) = &def.kind {
                    let (code, note) = self.opaque(def, o);
                    if o.size.is_some() {
                        // Too long a line for a trailing comment.
                        comment(out, "", &pack(&[note]));
                        out.push(code);
                    } else {
                        rows.push((code, note));
                    }
                }
            }
            aligned(out, "", rows);
        }
        if !forward.is_empty() {
            heading(out, "forward declarations");
            for id in &forward {
                if let Some(def) = self.index.type_def(id) {
                    let key = match def.kind {
                        TypeKind::Union(_) => "union",
                        _ => "struct",
                    };
                    let name = self.name(def);
                    out.push(format!("typedef {key} {name} {name};"));
                }
            }
        }
        if !enums.is_empty() {
            heading(out, "enums");
            for def in &enums {
                if let TypeKind::Enum(e) = &def.kind {
                    self.enumeration(out, def, e);
                    out.push(String::new());
                }
            }
        }
        if !order.is_empty() {
            heading(out, "types");
            for def in &order {
                let fwd = forward.contains(def.id.as_str());
                match &def.kind {
                    TypeKind::Struct(s) => self.structure(out, def, s, fwd),
                    TypeKind::Extensible(s) => self.extensible(out, def, s, fwd),
                    TypeKind::Union(u) => self.union(out, def, u, fwd),
                    TypeKind::TaggedUnion(u) => self.tagged_union(out, def, u, fwd),
                    TypeKind::FunctionPointer(f) => self.function_pointer(out, def, f),
                    TypeKind::Alias(a) => {
                        let name = self.name(def);
                        let mut notes = self.notes(&a.target, &name, None);
                        notes.extend(type_versions(def));
                        let code = format!("typedef {};", self.decl(&a.target, name, false));
                        aligned(out, "", vec![(code, notes.join("; "))]);
                    }
                    TypeKind::Buffer(b) => {
                        if let BufferLength::Inline(i) = &b.length {
                            self.inline_buffer(out, def, b, i);
                        }
                    }
                    TypeKind::Opaque(_)
                    | TypeKind::Enum(_)
                    | TypeKind::Pointer(_)
                    | TypeKind::Array(_) => {}
                }
                out.push(String::new());
            }
        }
    }

    /// The named types `ty` reaches, through anonymous types only, and
    /// whether it holds them by value.
    fn reach(&self, ty: &TypeRef, by_value: bool, out: &mut Vec<(&'a TypeDef, bool)>) {
        let mut by_value = by_value;
        let mut current = ty.as_str();
        for _ in 0..MAX_DEPTH {
            let Some(def) = self.index.type_def(current) else {
                return;
            };
            match &def.kind {
                TypeKind::Pointer(p) => {
                    by_value = false;
                    current = p.pointee.as_str();
                }
                TypeKind::Array(a) => current = a.element.as_str(),
                kind if declared(kind) => {
                    out.push((def, by_value));
                    return;
                }
                _ => return,
            }
        }
    }

    /// The named types a declaration mentions, and whether it needs each
    /// complete (a member held by value) or only declared.
    fn deps(&self, def: &TypeDef) -> Vec<(&'a TypeDef, bool)> {
        let mut out = Vec::new();
        match &def.kind {
            TypeKind::Struct(StructType { fields, .. })
            | TypeKind::Extensible(ExtensibleType { fields, .. }) => {
                for f in fields {
                    self.reach(&f.ty, true, &mut out);
                }
            }
            TypeKind::Union(u) => {
                for m in &u.members {
                    self.reach(&m.ty, true, &mut out);
                }
            }
            TypeKind::TaggedUnion(u) => {
                self.reach(&u.tag.ty, true, &mut out);
                for v in &u.variants {
                    if let Some(p) = &v.payload {
                        self.reach(p, true, &mut out);
                    }
                }
            }
            // A typedef or a prototype may name incomplete types.
            TypeKind::Alias(a) => self.reach(&a.target, false, &mut out),
            TypeKind::FunctionPointer(f) => {
                for p in &f.params {
                    self.reach(&p.ty, false, &mut out);
                }
                self.reach(&f.ret, false, &mut out);
            }
            TypeKind::Buffer(b) => {
                if let BufferLength::Inline(i) = &b.length {
                    self.reach(&i.len_type, true, &mut out);
                }
            }
            TypeKind::Enum(e) => self.reach(&e.repr, true, &mut out),
            TypeKind::Opaque(_) | TypeKind::Pointer(_) | TypeKind::Array(_) => {}
        }
        out
    }

    /// `defs` (in id order) reordered so that each comes after the types it
    /// needs first: depth first, dependencies before dependents.
    fn definition_order(&self, defs: &[&'a TypeDef]) -> Vec<&'a TypeDef> {
        let wanted: HashSet<&str> = defs.iter().map(|d| d.id.as_str()).collect();
        let mut done: HashSet<&str> = HashSet::new();
        let mut order = Vec::new();
        for &root in defs {
            if done.contains(root.id.as_str()) {
                continue;
            }
            let mut on_stack: HashSet<&str> = HashSet::from([root.id.as_str()]);
            let mut stack = vec![(root, self.needs_first(root), 0usize)];
            while let Some((def, needs, next)) = stack.last_mut() {
                if let Some(dep) = needs.get(*next).copied() {
                    *next += 1;
                    let id = dep.id.as_str();
                    if wanted.contains(id) && !done.contains(id) && on_stack.insert(id) {
                        let needs = self.needs_first(dep);
                        stack.push((dep, needs, 0));
                    }
                } else {
                    let def: &'a TypeDef = def;
                    done.insert(def.id.as_str());
                    on_stack.remove(def.id.as_str());
                    order.push(def);
                    stack.pop();
                }
            }
        }
        order
    }

    /// The dependencies that must be defined before `def`: those held by
    /// value, and those C cannot declare ahead.
    fn needs_first(&self, def: &TypeDef) -> Vec<&'a TypeDef> {
        self.deps(def)
            .into_iter()
            .filter(|(dep, by_value)| *by_value || !forward_declarable(&dep.kind))
            .map(|(dep, _)| dep)
            .collect()
    }

    fn opaque(&self, def: &TypeDef, o: &OpaqueType) -> (String, String) {
        let name = self.name(def);
        let mut notes = Vec::new();
        let code = match (o.size, o.align) {
            (Some(size), Some(align)) => {
                notes.push(format!("opaque: {}, align {align}", bytes(size)));
                notes.push("may be held by value".to_owned());
                format!(
                    "typedef struct {name} {{ _Alignas({align}) unsigned char opaque_[{size}]; }} {name};"
                )
            }
            _ => {
                notes.push("opaque: pointer only".to_owned());
                format!("typedef struct {name} {name};")
            }
        };
        notes.extend(type_versions(def));
        (code, notes.join("; "))
    }

    fn enumeration(&self, out: &mut Vec<String>, def: &TypeDef, e: &EnumType) {
        let name = self.name(def);
        let mut notes = Vec::new();
        if let Some(l) = self.index.layout(&e.repr) {
            notes.push(format!("enum, {}", bytes(l.size)));
        }
        notes.push(if e.exhaustive {
            "exhaustive: no other value crosses the boundary".to_owned()
        } else {
            "open: other values may cross the boundary".to_owned()
        });
        notes.extend(type_versions(def));
        comment(out, "", &pack(&notes));
        out.push(format!(
            "typedef {};",
            self.decl(&e.repr, name.clone(), false)
        ));
        out.push(format!("enum {name} {{"));
        let rows = e
            .variants
            .iter()
            .map(|v| {
                (
                    format!("{} = {},", clean(&v.name), v.value),
                    versions(v.since.as_deref(), v.deprecated.as_deref()).join("; "),
                )
            })
            .collect();
        aligned(out, "    ", rows);
        out.push("};".to_owned());
    }

    /// A struct's field rows with padding between and after them.
    fn field_rows(
        &self,
        fields: &[Field],
        size: u64,
        extra: impl Fn(&Field) -> Vec<String>,
    ) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        let mut end = 0u64;
        for f in fields {
            if f.offset > end {
                rows.push((
                    format!("/* +{end}: {} of padding */", bytes(f.offset - end)),
                    String::new(),
                ));
            }
            let name = clean(&f.name);
            let layout = self.index.layout(&f.ty);
            let mut notes = vec![match layout {
                Some(l) => format!("+{}, {}", f.offset, bytes(l.size)),
                None => format!("+{}", f.offset),
            }];
            notes.extend(self.notes(&f.ty, &name, None));
            notes.extend(extra(f));
            if let Some(v) = &f.since {
                notes.push(format!("since {v}"));
            }
            end = end.max(f.offset.saturating_add(layout.map_or(0, |l| l.size)));
            rows.push((
                format!("{};", self.decl(&f.ty, name, false)),
                notes.join("; "),
            ));
        }
        if size > end && !fields.is_empty() {
            rows.push((
                format!("/* +{end}: {} of padding */", bytes(size - end)),
                String::new(),
            ));
        }
        rows
    }

    fn structure(&self, out: &mut Vec<String>, def: &TypeDef, s: &StructType, fwd: bool) {
        let name = self.name(def);
        let mut notes = vec![format!("{}, align {}", bytes(s.size), s.align)];
        match s.repr {
            Repr::C => {}
            Repr::Packed => {
                notes.push(format!("packed: fields at any offset, packing {}", s.align))
            }
            Repr::Transparent => {
                notes.push("transparent: laid out as its one non-zero-sized field".to_owned());
            }
        }
        notes.extend(type_versions(def));
        comment(out, "", &pack(&notes));
        if s.repr == Repr::Packed {
            out.push(format!("#pragma pack(push, {})", s.align));
        }
        open(out, "struct", &name, fwd);
        aligned(
            out,
            "    ",
            self.field_rows(&s.fields, s.size, |_| Vec::new()),
        );
        close(out, &name, fwd);
        if s.repr == Repr::Packed {
            out.push("#pragma pack(pop)".to_owned());
        }
    }

    fn extensible(&self, out: &mut Vec<String>, def: &TypeDef, s: &ExtensibleType, fwd: bool) {
        let name = self.name(def);
        let (field, what) = match &s.versioning {
            Versioning::SizeField(f) => (f, "the struct's size as its writer knew it"),
            Versioning::VersionField(f) => (f, "the struct's version"),
        };
        let mut notes = vec![
            "extensible: later versions append fields; passed only by pointer".to_owned(),
            format!(
                "versioned by its {} field `{}`",
                match &s.versioning {
                    Versioning::SizeField(_) => "size",
                    Versioning::VersionField(_) => "version",
                },
                clean(field)
            ),
            format!("this version {}, align {}", bytes(s.size), s.align),
        ];
        notes.extend(type_versions(def));
        comment(out, "", &pack(&notes));
        open(out, "struct", &name, fwd);
        let rows = self.field_rows(&s.fields, s.size, |f| {
            if &f.name == field {
                vec![what.to_owned()]
            } else {
                Vec::new()
            }
        });
        aligned(out, "    ", rows);
        close(out, &name, fwd);
    }

    fn union(&self, out: &mut Vec<String>, def: &TypeDef, u: &UnionType, fwd: bool) {
        let name = self.name(def);
        let mut notes = vec![format!("union: {}, align {}", bytes(u.size), u.align)];
        notes.extend(type_versions(def));
        comment(out, "", &pack(&notes));
        open(out, "union", &name, fwd);
        let rows = u
            .members
            .iter()
            .map(|m| {
                let name = clean(&m.name);
                let mut notes = Vec::new();
                if let Some(l) = self.index.layout(&m.ty) {
                    notes.push(bytes(l.size));
                }
                notes.extend(self.notes(&m.ty, &name, None));
                (
                    format!("{};", self.decl(&m.ty, name, false)),
                    notes.join("; "),
                )
            })
            .collect();
        aligned(out, "    ", rows);
        close(out, &name, fwd);
    }

    fn tagged_union(&self, out: &mut Vec<String>, def: &TypeDef, u: &TaggedUnionType, fwd: bool) {
        let name = self.name(def);
        let mut notes = vec![
            format!("tagged union: {}, align {}", bytes(u.size), u.align),
            format!("tag at +{}, payload at +{}", u.tag.offset, u.payload_offset),
            if u.exhaustive {
                "exhaustive: no other tag crosses the boundary".to_owned()
            } else {
                "open: other tags may cross the boundary".to_owned()
            },
        ];
        notes.extend(type_versions(def));
        comment(out, "", &pack(&notes));
        open(out, "struct", &name, fwd);
        let tag_enum = match self.index.resolve(&u.tag.ty) {
            Resolved::Def(TypeDef {
                kind: TypeKind::Enum(e),
                ..
            }) => Some(e),
            _ => None,
        };
        let tag_text =
            |tag: Int| match tag_enum.and_then(|e| e.variants.iter().find(|v| v.value == tag)) {
                Some(v) => format!("tag {tag} ({})", clean(&v.name)),
                None => format!("tag {tag}"),
            };
        let mut tag_note = format!("+{}", u.tag.offset);
        if let Some(l) = self.index.layout(&u.tag.ty) {
            tag_note.push_str(&format!(", {}", bytes(l.size)));
        }
        let tag_row = (
            format!("{};", self.decl(&u.tag.ty, "tag".to_owned(), false)),
            tag_note,
        );
        let rows: Vec<(String, String)> = u
            .variants
            .iter()
            .map(|v| {
                let mut notes = vec![tag_text(v.tag)];
                if let Some(s) = &v.since {
                    notes.push(format!("since {s}"));
                }
                match &v.payload {
                    Some(p) => {
                        let name = clean(&v.name);
                        if let Some(l) = self.index.layout(p) {
                            notes.push(bytes(l.size));
                        }
                        notes.extend(self.notes(p, &name, None));
                        (format!("{};", self.decl(p, name, false)), notes.join("; "))
                    }
                    None => (
                        format!("/* {}: {}, no payload */", clean(&v.name), notes.join("; ")),
                        String::new(),
                    ),
                }
            })
            .collect();
        let tag_first = u.tag.offset <= u.payload_offset;
        if tag_first {
            aligned(out, "    ", vec![tag_row.clone()]);
        }
        out.push("    union {".to_owned());
        aligned(out, "        ", rows);
        aligned(
            out,
            "    ",
            vec![("} payload;".to_owned(), format!("+{}", u.payload_offset))],
        );
        if !tag_first {
            aligned(out, "    ", vec![tag_row]);
        }
        close(out, &name, fwd);
    }

    fn function_pointer(&self, out: &mut Vec<String>, def: &TypeDef, f: &FunctionPointerType) {
        let name = self.name(def);
        let mut notes = Vec::new();
        if let Some(i) = f.user_data {
            notes.push(
                match usize::try_from(i).ok().and_then(|i| f.params.get(i)) {
                    Some(p) if !p.name.is_empty() => {
                        format!("user data in `{}` (parameter {i})", clean(&p.name))
                    }
                    _ => format!("user data in parameter {i}"),
                },
            );
        }
        notes.push(match f.lifetime {
            CallbackLifetime::CallScoped => {
                "call-scoped: called only before the call that receives it returns".to_owned()
            }
            CallbackLifetime::Stored => {
                "stored: called later, until unregistered or its context is destroyed".to_owned()
            }
        });
        notes.push(
            match f.thread {
                CallbackThread::Caller => "runs on the calling thread",
                CallbackThread::Library => "runs on a thread of the library",
                CallbackThread::Any => "runs on any thread",
            }
            .to_owned(),
        );
        notes.push(
            if f.may_unwind {
                "may unwind into the library"
            } else {
                "must not unwind"
            }
            .to_owned(),
        );
        if f.nullable {
            notes.push("may be NULL".to_owned());
        }
        notes.extend(type_versions(def));
        if let Some(first) = notes.first_mut() {
            *first = format!("callback: {first}");
        }
        comment(out, "", &pack(&notes));
        let declarator = format!("({}*{name})", call_conv_decl(f.abi));
        self.prototype(out, "typedef ", &f.ret, &declarator, &f.params, f.variadic);
    }

    fn inline_buffer(
        &self,
        out: &mut Vec<String>,
        def: &TypeDef,
        b: &BufferType,
        i: &InlineBuffer,
    ) {
        let name = self.name(def);
        let mut notes = vec![format!(
            "buffer passed by value: pointer and length, {}, align {}",
            bytes(i.size),
            i.align
        )];
        notes.push(match b.encoding {
            BufferEncoding::Utf8 => "utf8".to_owned(),
            BufferEncoding::Bytes => "bytes".to_owned(),
        });
        if b.nullable {
            notes.push("nullable".to_owned());
        }
        notes.push(ownership(&b.ownership));
        notes.extend(type_versions(def));
        comment(out, "", &pack(&notes));
        open(out, "struct", &name, false);
        let elem = match (b.encoding, b.mutability) {
            (BufferEncoding::Utf8, Mutability::Const) => "const char",
            (BufferEncoding::Utf8, Mutability::Mut) => "char",
            (BufferEncoding::Bytes, Mutability::Const) => "const uint8_t",
            (BufferEncoding::Bytes, Mutability::Mut) => "uint8_t",
        };
        let width = u64::from(self.d.target.pointer_width / 8);
        let ptr = (
            i.ptr_offset,
            format!("{elem} *ptr;"),
            format!("+{}, {}", i.ptr_offset, bytes(width)),
        );
        let len_size = self
            .index
            .layout(&i.len_type)
            .map_or(String::new(), |l| format!(", {}", bytes(l.size)));
        let len = (
            i.len_offset,
            format!("{};", self.decl(&i.len_type, "len".to_owned(), false)),
            format!("+{}{len_size}; length in bytes", i.len_offset),
        );
        let mut members = [ptr, len];
        members.sort_by_key(|m| m.0);
        aligned(
            out,
            "    ",
            members.into_iter().map(|(_, c, n)| (c, n)).collect(),
        );
        close(out, &name, false);
    }

    fn variables(&self, out: &mut Vec<String>) {
        if self.d.variables.is_empty() {
            return;
        }
        heading(out, "variables");
        let rows = self
            .d
            .variables
            .iter()
            .map(|v| {
                let symbol = clean(&v.symbol);
                let mut notes = self.notes(&v.ty, &symbol, None);
                notes.extend(versions(v.since.as_deref(), v.deprecated.as_deref()));
                let konst = v.mutability == Mutability::Const;
                (
                    format!("extern {};", self.decl(&v.ty, symbol, konst)),
                    notes.join("; "),
                )
            })
            .collect();
        aligned(out, "", rows);
    }

    fn functions(&self, out: &mut Vec<String>) {
        if self.d.functions.is_empty() {
            return;
        }
        heading(out, "functions");
        for f in &self.d.functions {
            self.function(out, f);
            out.push(String::new());
        }
    }

    fn function(&self, out: &mut Vec<String>, f: &Function) {
        let mut notes = vec![
            match f.threading {
                Threading::Any => "any thread",
                Threading::ContextThread => "only on its context's thread",
                Threading::MainThread => "only on the main thread",
            }
            .to_owned(),
            if f.may_block {
                "may block"
            } else {
                "does not block"
            }
            .to_owned(),
            if f.may_unwind {
                "may unwind"
            } else {
                "does not unwind"
            }
            .to_owned(),
        ];
        notes.extend(versions(f.since.as_deref(), f.deprecated.as_deref()));
        let mut lines = pack(&notes);
        let returns = self.notes(&f.ret, "result", None);
        if !returns.is_empty() {
            lines.extend(pack(&[format!("returns {}", returns.join("; "))]));
        }
        if let Some(w) = &f.wire {
            lines.extend(self.wire_call(w));
        }
        comment(out, "", &lines);
        let declarator = format!("{}{}", call_conv_decl(f.abi), clean(&f.symbol));
        self.prototype(out, "", &f.ret, &declarator, &f.params, f.variadic);
    }

    fn wire_call(&self, w: &WireCall) -> Vec<String> {
        let mut lines = vec![format!(
            "wire contract ({}):",
            match w.encoding {
                PayloadEncoding::Cbor => "CBOR",
                PayloadEncoding::Json => "JSON",
                PayloadEncoding::Raw => "raw bytes",
            }
        )];
        let param = |p: &Option<String>, how: &str| {
            p.as_ref()
                .map_or(String::new(), |p| format!(", {how} `{}`", clean(p)))
        };
        match (&w.request, &w.request_param) {
            (Some(r), p) => {
                lines.push(format!("  request  {}{}", self.wire_ref(r), param(p, "in")))
            }
            (None, Some(p)) => lines.push(format!("  request  in `{}`", clean(p))),
            (None, None) => {}
        }
        if let Some(r) = &w.reply {
            lines.push(format!("  reply    {}", self.wire_ref(r)));
        }
        if let Some(e) = &w.error {
            lines.push(format!("  error    {}", self.wire_ref(e)));
        }
        if let Some(cb) = &w.callback_param {
            lines.push(format!(
                "  callback `{}`{}",
                clean(cb),
                match (w.reply.is_some() || w.error.is_some(), w.events.is_empty()) {
                    (true, true) => " (replies and errors)",
                    (true, false) => " (replies, errors and events)",
                    (false, false) => " (events)",
                    (false, true) => "",
                }
            ));
        }
        if let Some(c) = &w.codes {
            lines.push(format!(
                "  codes    {}{}",
                clean(c),
                if self.index.code_table(c).is_some() {
                    " (listed with the wire types)"
                } else {
                    " (unknown code table)"
                }
            ));
        }
        for e in &w.events {
            let mut line = format!(
                "  event    {}: {}",
                clean(&e.name),
                self.wire_ref(&e.payload)
            );
            let v = versions(e.since.as_deref(), e.deprecated.as_deref());
            if !v.is_empty() {
                line.push_str(&format!(" ({})", v.join("; ")));
            }
            lines.push(line);
        }
        lines
    }

    /// A wire type reference: lists, maps, options and results written out,
    /// records, enums and aliases by name.
    fn wire_ref(&self, r: &WireRef) -> String {
        self.wire_ref_at(r, 0)
    }

    fn wire_ref_at(&self, r: &WireRef, depth: usize) -> String {
        if let Some(p) = r.primitive() {
            return p.as_str().to_owned();
        }
        let Some(def) = self.index.wire_type(r.as_str()) else {
            return format!("{} (unknown)", clean(r.as_str()));
        };
        if depth >= MAX_DEPTH {
            return clean(&def.id);
        }
        let at = |r: &WireRef| self.wire_ref_at(r, depth + 1);
        match &def.kind {
            WireKind::List(l) => format!("list<{}>", at(&l.element)),
            WireKind::Map(m) => format!("map<{}, {}>", at(&m.key), at(&m.value)),
            WireKind::Option(o) => format!("option<{}>", at(&o.some)),
            WireKind::Result(x) => format!("result<{}, {}>", at(&x.ok), at(&x.err)),
            WireKind::Record(_) | WireKind::Enum(_) | WireKind::Alias(_) => clean(&def.id),
        }
    }

    fn wire(&self, out: &mut Vec<String>) {
        let named: Vec<_> = self
            .d
            .wire_types
            .iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    WireKind::Record(_) | WireKind::Enum(_) | WireKind::Alias(_)
                )
            })
            .collect();
        if named.is_empty() && self.d.code_tables.is_empty() {
            return;
        }
        heading(out, "wire types");
        let mut lines = vec![
            "Messages on the wire. `name?` marks a key that may be absent; lists,".to_owned(),
            "maps, options (the value or null) and results ({ok: T} or {err: E})".to_owned(),
            "are written list<T>, map<K, V>, option<T> and result<T, E>.".to_owned(),
        ];
        for def in named {
            lines.push(String::new());
            let v = versions(def.since.as_deref(), def.deprecated.as_deref());
            let suffix = if v.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.join("; "))
            };
            let id = clean(&def.id);
            match &def.kind {
                WireKind::Record(r) => {
                    lines.push(format!("record {id} {{{suffix}"));
                    for f in &r.fields {
                        let mut line = format!(
                            "    {}{}: {}",
                            clean(&f.name),
                            if f.optional { "?" } else { "" },
                            self.wire_ref(&f.ty)
                        );
                        if let Some(s) = &f.since {
                            line.push_str(&format!("  (since {s})"));
                        }
                        lines.push(line);
                    }
                    lines.push("}".to_owned());
                }
                WireKind::Enum(e) => {
                    let kind = if e.exhaustive { "enum" } else { "open enum" };
                    lines.push(format!("{kind} {id} {{{suffix}"));
                    for v in &e.values {
                        lines.push(format!(
                            "    {}",
                            crate::c::string_literal(v).replace("*/", "*\\/")
                        ));
                    }
                    lines.push("}".to_owned());
                }
                WireKind::Alias(a) => {
                    lines.push(format!("alias {id} = {}{suffix}", self.wire_ref(&a.target)));
                }
                WireKind::List(_)
                | WireKind::Map(_)
                | WireKind::Option(_)
                | WireKind::Result(_) => {}
            }
        }
        for table in &self.d.code_tables {
            lines.push(String::new());
            lines.push(format!("codes {} {{", clean(&table.id)));
            let values: Vec<String> = table.codes.iter().map(|c| c.value.to_string()).collect();
            let width = values.iter().map(String::len).max().unwrap_or(0);
            let names = table
                .codes
                .iter()
                .map(|c| clean(&c.name).chars().count())
                .max()
                .unwrap_or(0);
            for (c, v) in table.codes.iter().zip(&values) {
                let name = clean(&c.name);
                if c.is_final {
                    lines.push(format!("    {v:>width$}  {name}"));
                } else {
                    lines.push(format!(
                        "    {v:>width$}  {name:<names$}  not final: another code follows"
                    ));
                }
            }
            lines.push("}".to_owned());
        }
        comment(out, "", &lines);
    }
}

// ---------------------------------------------------------------------------
// Text helpers.

fn join(base: &str, inner: &str) -> String {
    if inner.is_empty() {
        base.to_owned()
    } else {
        format!("{base} {inner}")
    }
}

/// `inner` behind one more pointer; `konst` makes the pointer itself const.
fn pointer(inner: &str, konst: bool) -> String {
    match (konst, inner.is_empty()) {
        (true, true) => "*const".to_owned(),
        (true, false) => format!("*const {inner}"),
        (false, _) => format!("*{inner}"),
    }
}

/// Parenthesizes a pointer declarator before a postfix `[]` or `()`.
fn paren(inner: String) -> String {
    if inner.starts_with('*') {
        format!("({inner})")
    } else {
        inner
    }
}

fn call_conv(c: CallConv) -> &'static str {
    match c {
        CallConv::C => "c",
        CallConv::Sysv64 => "sysv64",
        CallConv::Win64 => "win64",
        CallConv::Stdcall => "stdcall",
        CallConv::Fastcall => "fastcall",
        CallConv::Vectorcall => "vectorcall",
        CallConv::Thiscall => "thiscall",
        CallConv::Aapcs => "aapcs",
    }
}

/// The calling-convention attribute of a declarator, in GCC's spelling
/// (empty for the target's default, which canonical descriptors spell
/// `c`), with a trailing space.
fn call_conv_decl(c: CallConv) -> &'static str {
    match c {
        CallConv::C => "",
        CallConv::Sysv64 => "__attribute__((sysv_abi)) ",
        CallConv::Win64 => "__attribute__((ms_abi)) ",
        CallConv::Stdcall => "__attribute__((stdcall)) ",
        CallConv::Fastcall => "__attribute__((fastcall)) ",
        CallConv::Vectorcall => "__attribute__((vectorcall)) ",
        CallConv::Thiscall => "__attribute__((thiscall)) ",
        CallConv::Aapcs => "__attribute__((pcs(\"aapcs\"))) ",
    }
}

fn ownership(o: &Ownership) -> String {
    match o {
        Ownership::Borrowed => "borrowed".to_owned(),
        Ownership::CallerOwned { free } => format!("caller frees with `{}`", clean(free)),
        Ownership::Transferred => "ownership transferred".to_owned(),
    }
}

fn buffer_facts(b: &BufferType, length: Option<&str>) -> Vec<String> {
    let mut facts = vec![
        match b.encoding {
            BufferEncoding::Utf8 => "utf8",
            BufferEncoding::Bytes => "bytes",
        }
        .to_owned(),
        match (&b.length, length) {
            (BufferLength::NulTerminated, _) => "nul-terminated".to_owned(),
            (_, Some(l)) => format!("length in `{l}`"),
            (_, None) => "length passed separately".to_owned(),
        },
    ];
    if b.nullable {
        facts.push("nullable".to_owned());
    }
    facts.push(ownership(&b.ownership));
    facts
}

fn versions(since: Option<&Version>, deprecated: Option<&Deprecation>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = since {
        out.push(format!("since {v}"));
    }
    if let Some(d) = deprecated {
        let mut s = "deprecated".to_owned();
        if let Some(v) = &d.since {
            s.push_str(&format!(" since {v}"));
        }
        if let Some(note) = &d.note {
            s.push_str(&format!(": {}", clean(note)));
        }
        out.push(s);
    }
    out
}

fn type_versions(def: &TypeDef) -> Vec<String> {
    versions(def.since.as_deref(), def.deprecated.as_deref())
}

fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}

/// Descriptor text made safe inside a one-line C comment.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect::<String>()
        .replace("*/", "*\\/")
}

/// A C identifier for a type id: each run of other characters becomes `_`.
fn c_ident(id: &str) -> String {
    let mut s = id
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|piece| !piece.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

fn heading(out: &mut Vec<String>, title: &str) {
    out.push(String::new());
    out.push(format!("/* ---- {title} ---- */"));
    out.push(String::new());
}

fn open(out: &mut Vec<String>, key: &str, name: &str, fwd: bool) {
    if fwd {
        out.push(format!("{key} {name} {{"));
    } else {
        out.push(format!("typedef {key} {name} {{"));
    }
}

fn close(out: &mut Vec<String>, name: &str, fwd: bool) {
    if fwd {
        out.push("};".to_owned());
    } else {
        out.push(format!("}} {name};"));
    }
}

/// Writes a comment: on one line when it fits, else as a block.
fn comment(out: &mut Vec<String>, indent: &str, lines: &[String]) {
    match lines {
        [] => {}
        [one] if indent.len() + one.chars().count() + 6 <= WIDTH => {
            out.push(format!("{indent}/* {one} */"));
        }
        _ => {
            out.push(format!("{indent}/*"));
            for l in lines {
                out.push(format!("{indent} * {l}"));
            }
            out.push(format!("{indent} */"));
        }
    }
}

/// Packs phrases into lines of a comment block, separated by `;`.
fn pack(phrases: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for p in phrases {
        if line.is_empty() {
            line.clone_from(p);
        } else if line.chars().count() + 2 + p.chars().count() <= WIDTH - 4 {
            line.push_str("; ");
            line.push_str(p);
        } else {
            line.push(';');
            lines.push(std::mem::take(&mut line));
            line.clone_from(p);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes code lines with their trailing comments lined up.
fn aligned(out: &mut Vec<String>, indent: &str, rows: Vec<(String, String)>) {
    let width = rows
        .iter()
        .filter(|(code, note)| !note.is_empty() && code.chars().count() <= MAX_COLUMN)
        .map(|(code, _)| code.chars().count())
        .max()
        .unwrap_or(0);
    for (code, note) in rows {
        if note.is_empty() {
            out.push(format!("{indent}{code}"));
            continue;
        }
        let pad = width.saturating_sub(code.chars().count());
        let prefix = format!("{indent}{code}{} /* ", " ".repeat(pad));
        let column = prefix.chars().count();
        let lines = if column + note.chars().count() + 3 <= LONG {
            vec![note]
        } else {
            wrap(&note, WIDTH.saturating_sub(column + 3).max(24))
        };
        let last = lines.len() - 1;
        for (i, line) in lines.iter().enumerate() {
            let start = if i == 0 {
                prefix.clone()
            } else {
                " ".repeat(column)
            };
            let end = if i == last { " */" } else { "" };
            out.push(format!("{start}{line}{end}"));
        }
    }
}

/// Splits text at spaces into lines of at most `width` characters where
/// the words allow; never returns no line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::listing;
    use abi_descriptor::Descriptor;

    /// A descriptor for x86-64 Linux with the given tables (JSON members,
    /// each with its leading comma).
    fn descriptor(tables: &str) -> Descriptor {
        Descriptor::from_json(&format!(
            r#"{{
              "format": "1.0",
              "library": {{ "name": "demo", "version": "2.1.0", "soname": "libdemo.so.2" }},
              "producer": {{ "language": "c", "tool": "hand", "version": "1" }},
              "target": {{
                "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little",
                "c_int": 4, "c_long": 8, "size_t": 8, "c_char_signed": true,
                "default_abi": "sysv64"
              }}{tables}
            }}"#
        ))
        .unwrap()
    }

    fn list(tables: &str) -> String {
        listing(&descriptor(tables)).unwrap()
    }

    fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with `{needle}` in:\n{text}"))
    }

    fn position(text: &str, needle: &str) -> usize {
        text.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not in:\n{text}"))
    }

    #[test]
    fn pointer_to_pointer_keeps_each_level_const_or_mut() {
        let text = list(
            r#", "types": [
              { "id": "*const i32", "kind": "pointer", "pointee": "i32", "mutability": "const" },
              { "id": "*mut i32", "kind": "pointer", "pointee": "i32", "mutability": "mut" },
              { "id": "*mut *const i32", "kind": "pointer", "pointee": "*const i32", "mutability": "mut" },
              { "id": "*const *mut i32", "kind": "pointer", "pointee": "*mut i32", "mutability": "const",
                "nullable": true }
            ],
            "functions": [
              { "symbol": "f", "params": [
                { "name": "a", "type": "*mut *const i32" },
                { "name": "b", "type": "*const *mut i32" } ] }
            ]"#,
        );
        // A mutable pointer to a pointer to const data...
        assert!(text.contains("    const int32_t **a,"), "{text}");
        // ...and a pointer to a const pointer to mutable data.
        assert!(text.contains("    int32_t *const *b);"), "{text}");
        // Each pointer level gets its own note.
        assert!(line_with(&text, "**a,").ends_with("/* borrowed; *a: borrowed */"));
        assert!(line_with(&text, "*const *b").ends_with("/* nullable, borrowed; *b: borrowed */"));
    }

    #[test]
    fn pointer_cycle_between_two_structs_is_broken_by_a_forward_declaration() {
        let text = list(
            r#", "types": [
              { "id": "Child", "kind": "struct", "size": 8, "align": 8,
                "fields": [ { "name": "parent", "type": "*mut Parent", "offset": 0 } ] },
              { "id": "Parent", "kind": "struct", "size": 8, "align": 8,
                "fields": [ { "name": "first", "type": "*mut Child", "offset": 0 } ] },
              { "id": "*mut Parent", "kind": "pointer", "pointee": "Parent", "mutability": "mut",
                "nullable": true },
              { "id": "*mut Child", "kind": "pointer", "pointee": "Child", "mutability": "mut" }
            ]"#,
        );
        // `Child` comes first (by id) and points at `Parent`, not yet defined.
        let forward = position(&text, "typedef struct Parent Parent;");
        let child = position(&text, "typedef struct Child {");
        let parent = position(&text, "\nstruct Parent {");
        assert!(forward < child && child < parent, "{text}");
        assert!(!text.contains("typedef struct Child Child;"), "{text}");
        assert!(text.contains("    Parent *parent; /* +0, 8 bytes; nullable, borrowed */"));
        assert!(text.contains("    Child *first; /* +0, 8 bytes; borrowed */"));
        // A forward-declared struct is closed without a second typedef.
        assert!(text[parent..].contains("\n};\n"), "{text}");
    }

    #[test]
    fn members_held_by_value_come_before_their_users() {
        let text = list(
            r#", "types": [
              { "id": "A_Outer", "kind": "struct", "size": 8, "align": 4,
                "fields": [ { "name": "inner", "type": "Z_Inner", "offset": 0 },
                            { "name": "cells", "type": "[Z_Cell; 2]", "offset": 4 } ] },
              { "id": "Z_Inner", "kind": "struct", "size": 4, "align": 4,
                "fields": [ { "name": "v", "type": "i32", "offset": 0 } ] },
              { "id": "Z_Cell", "kind": "struct", "size": 2, "align": 1,
                "fields": [ { "name": "b", "type": "u8", "offset": 0 } ] },
              { "id": "[Z_Cell; 2]", "kind": "array", "element": "Z_Cell", "len": 2 }
            ]"#,
        );
        let outer = position(&text, "typedef struct A_Outer {");
        assert!(
            position(&text, "typedef struct Z_Inner {") < outer,
            "{text}"
        );
        assert!(position(&text, "typedef struct Z_Cell {") < outer, "{text}");
        assert!(!text.contains("forward declarations"), "{text}");
        assert!(
            text.contains("    Z_Cell cells[2]; /* +4, 4 bytes */"),
            "{text}"
        );
        // Padding a C compiler would insert is shown.
        assert!(text.contains("    /* +1: 1 byte of padding */"), "{text}");
    }

    #[test]
    fn arrays_of_pointers_and_pointers_to_arrays() {
        let text = list(
            r#", "types": [
              { "id": "Table", "kind": "struct", "size": 40, "align": 8,
                "fields": [ { "name": "rows", "type": "[*const i32; 4]", "offset": 0 },
                            { "name": "grid", "type": "*mut [i32; 4]", "offset": 32 } ] },
              { "id": "*const i32", "kind": "pointer", "pointee": "i32", "mutability": "const",
                "nullable": true },
              { "id": "[*const i32; 4]", "kind": "array", "element": "*const i32", "len": 4 },
              { "id": "[i32; 4]", "kind": "array", "element": "i32", "len": 4 },
              { "id": "*mut [i32; 4]", "kind": "pointer", "pointee": "[i32; 4]", "mutability": "mut" }
            ]"#,
        );
        assert!(
            text.contains(
                "const int32_t *rows[4]; /* +0, 32 bytes; rows[i]: nullable, borrowed */"
            ),
            "{text}"
        );
        assert!(
            text.contains("int32_t (*grid)[4];     /* +32, 8 bytes; borrowed */"),
            "{text}"
        );
    }

    #[test]
    fn function_pointer_parameters_use_the_typedef_and_its_contract() {
        let text = list(
            r#", "types": [
              { "id": "*mut void", "kind": "pointer", "pointee": "void", "mutability": "mut",
                "nullable": true },
              { "id": "OnEvent", "kind": "function_pointer", "return": "bool",
                "params": [ { "name": "code", "type": "i32" },
                            { "name": "ctx", "type": "*mut void" } ],
                "user_data": 1, "lifetime": "stored", "thread": "any", "nullable": true },
              { "id": "fn(f64) -> f64", "kind": "function_pointer", "return": "f64",
                "params": [ { "type": "f64" } ], "abi": "win64" }
            ],
            "functions": [
              { "symbol": "demo_listen", "params": [
                { "name": "cb", "type": "OnEvent" }, { "name": "ctx", "type": "*mut void" } ] },
              { "symbol": "demo_map", "params": [ { "name": "f", "type": "fn(f64) -> f64" } ],
                "abi": "stdcall" }
            ]"#,
        );
        assert!(
            text.contains(
                "typedef bool (*OnEvent)(int32_t code, void *ctx /* nullable, borrowed */);"
            ),
            "{text}"
        );
        let contract = position(&text, "user data in `ctx` (parameter 1)");
        assert!(contract < position(&text, "typedef bool (*OnEvent)("));
        assert!(text.contains("stored: called later"), "{text}");
        assert!(text.contains("runs on any thread"), "{text}");
        assert!(text.contains("may be NULL"), "{text}");
        // At the use site, the parameter is the typedef's name.
        assert!(
            text.contains("void demo_listen(OnEvent cb /* nullable */, "),
            "{text}"
        );
        // An id that is no C name gets one; a convention not the target's
        // default is spelled in the declarator.
        assert!(
            text.contains("typedef double (__attribute__((ms_abi)) *fn_f64_f64)(double);"),
            "{text}"
        );
        assert!(
            text.contains("void __attribute__((stdcall)) demo_map(fn_f64_f64 f);"),
            "{text}"
        );
    }

    #[test]
    fn const_and_mut_pointers_buffers_and_variables() {
        let text = list(
            r#", "types": [
              { "id": "cstr", "kind": "buffer", "encoding": "utf8", "length": "nul_terminated",
                "mutability": "const" },
              { "id": "scratch", "kind": "buffer", "encoding": "utf8", "length": "separate",
                "mutability": "mut", "nullable": true },
              { "id": "*const f64", "kind": "pointer", "pointee": "f64", "mutability": "const" },
              { "id": "*mut f64", "kind": "pointer", "pointee": "f64", "mutability": "mut" }
            ],
            "functions": [
              { "symbol": "demo_copy", "params": [
                { "name": "src", "type": "*const f64" },
                { "name": "dst", "type": "*mut f64" },
                { "name": "name", "type": "cstr" },
                { "name": "out", "type": "scratch" },
                { "name": "out_len", "type": "usize", "length_of": "out" } ] }
            ],
            "variables": [
              { "symbol": "demo_level", "type": "i32", "mutability": "mut" },
              { "symbol": "demo_limit", "type": "i32", "mutability": "const" },
              { "symbol": "demo_name", "type": "cstr", "mutability": "const" }
            ]"#,
        );
        assert!(text.contains("    const double *src,"), "{text}");
        assert!(text.contains("    double *dst,"), "{text}");
        assert!(
            line_with(&text, "const char *name,").ends_with("/* utf8, nul-terminated, borrowed */")
        );
        assert!(
            line_with(&text, "    char *out,")
                .ends_with("/* utf8, length in `out_len`, nullable, borrowed */")
        );
        assert!(line_with(&text, "size_t out_len);").ends_with("/* length of `out` */"));
        assert!(text.contains("extern int32_t demo_level;\n"), "{text}");
        assert!(
            text.contains("extern const int32_t demo_limit;\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "extern const char *const demo_name; /* utf8, nul-terminated, borrowed */"
            ),
            "{text}"
        );
    }

    #[test]
    fn ownership_and_nullability_are_annotated() {
        let text = list(
            r#", "types": [
              { "id": "Conn", "kind": "opaque" },
              { "id": "*mut Conn", "kind": "pointer", "pointee": "Conn", "mutability": "mut",
                "nullable": true, "ownership": { "caller_owned": { "free": "demo_close" } } },
              { "id": "*mut Conn moved", "kind": "pointer", "pointee": "Conn", "mutability": "mut",
                "ownership": "transferred" }
            ],
            "functions": [
              { "symbol": "demo_open", "return": "*mut Conn" },
              { "symbol": "demo_close", "params": [ { "name": "conn", "type": "*mut Conn moved" } ] }
            ]"#,
        );
        assert!(
            text.contains(
                " * returns nullable, caller frees with `demo_close`\n */\nConn *demo_open(void);"
            ),
            "{text}"
        );
        assert!(
            text.contains("void demo_close(Conn *conn /* ownership transferred */"),
            "{text}"
        );
    }

    #[test]
    fn every_kind_of_type_item_and_wire_type_appears() {
        let text = list(
            r#", "types": [
              { "id": "Handle", "kind": "opaque" },
              { "id": "Mutex", "kind": "opaque", "size": 40, "align": 8 },
              { "id": "Id", "kind": "alias", "target": "u64", "since": "2.0.0" },
              { "id": "*const Handle", "kind": "pointer", "pointee": "Handle", "mutability": "const" },
              { "id": "Header", "kind": "struct", "repr": "packed", "size": 5, "align": 1,
                "fields": [ { "name": "tag", "type": "u8", "offset": 0 },
                            { "name": "len", "type": "u32", "offset": 1 } ] },
              { "id": "Value", "kind": "union", "size": 8, "align": 8,
                "members": [ { "name": "i", "type": "i64" }, { "name": "f", "type": "f64" } ] },
              { "id": "Kind", "kind": "enum", "repr": "u8", "exhaustive": false,
                "variants": [ { "name": "KIND_A", "value": 0 },
                              { "name": "KIND_B", "value": 1, "since": "2.1.0",
                                "deprecated": { "note": "use KIND_A" } } ] },
              { "id": "Shape", "kind": "tagged_union", "size": 16, "align": 8,
                "tag": { "type": "Kind", "offset": 0 }, "payload_offset": 8,
                "variants": [ { "name": "a", "tag": 0, "payload": "f64" },
                              { "name": "b", "tag": 1 } ] },
              { "id": "[u8; 16]", "kind": "array", "element": "u8", "len": 16 },
              { "id": "Digest", "kind": "struct", "size": 16, "align": 1,
                "fields": [ { "name": "bytes", "type": "[u8; 16]", "offset": 0 } ] },
              { "id": "GoString", "kind": "buffer", "encoding": "utf8", "mutability": "const",
                "length": { "inline": { "size": 16, "align": 8, "ptr_offset": 0, "len_offset": 8,
                                        "len_type": "isize" } } },
              { "id": "Log", "kind": "function_pointer", "params": [ { "name": "line", "type": "GoString" } ] },
              { "id": "Options", "kind": "extensible", "size": 8, "align": 4,
                "versioning": { "version_field": "version" },
                "fields": [ { "name": "version", "type": "u32", "offset": 0 },
                            { "name": "flags", "type": "u32", "offset": 4, "since": "2.1.0" } ] },
              { "id": "*const Options", "kind": "pointer", "pointee": "Options", "mutability": "const" }
            ],
            "functions": [
              { "symbol": "demo_printf", "params": [ { "name": "fmt", "type": "*const Handle" } ],
                "return": "i32", "variadic": true, "threading": "main_thread", "may_block": true,
                "may_unwind": true, "since": "2.0.0",
                "deprecated": { "since": "2.1.0", "note": "use demo_log" } },
              { "symbol": "demo_use", "params": [
                { "name": "h", "type": "Header" }, { "name": "v", "type": "Value" },
                { "name": "s", "type": "Shape" }, { "name": "d", "type": "Digest" },
                { "name": "m", "type": "*const Options" }, { "name": "log", "type": "Log" },
                { "name": "id", "type": "Id" } ],
                "wire": { "encoding": "json", "request": "Req", "reply": "Res", "error": "text",
                          "codes": "rc", "events": [ { "name": "tick", "payload": "null" } ] } }
            ],
            "constants": [
              { "name": "DEMO_PI", "type": "f64", "value": { "float": 3.25 } },
              { "name": "DEMO_ON", "type": "bool", "value": { "bool": true } },
              { "name": "DEMO_NAME", "type": "GoString", "value": { "text": "a \"b\"\n" } },
              { "name": "DEMO_MIN", "type": "i64", "value": { "int": -9223372036854775808 } }
            ],
            "wire_types": [
              { "id": "Req", "kind": "record", "fields": [
                { "name": "ids", "type": "[u64]" },
                { "name": "meta", "type": "{text: bytes}", "optional": true, "since": "2.1.0" },
                { "name": "mode", "type": "Mode" },
                { "name": "maybe", "type": "?f32" } ] },
              { "id": "Res", "kind": "alias", "target": "Result" },
              { "id": "Result", "kind": "result", "ok": "Req", "err": "text" },
              { "id": "[u64]", "kind": "list", "element": "u64" },
              { "id": "{text: bytes}", "kind": "map", "key": "text", "value": "bytes" },
              { "id": "?f32", "kind": "option", "some": "f32" },
              { "id": "Mode", "kind": "enum", "values": [ "slow", "fast" ], "exhaustive": false }
            ],
            "code_tables": [
              { "id": "rc", "codes": [ { "value": 0, "name": "OK", "final": true },
                                      { "value": 10, "name": "BUSY", "final": false } ] }
            ]"#,
        );
        let expect = [
            // Header.
            "demo 2.1.0",
            "soname       libdemo.so.2",
            "producer     c, hand 1",
            "target       x86_64-unknown-linux-gnu",
            "64-bit pointers, little-endian",
            "int 4, long 8, size_t 8 bytes; char is signed",
            "default calling convention sysv64",
            // Constants.
            "#define DEMO_MIN  -9223372036854775808 /* int64_t */",
            "#define DEMO_NAME \"a \\\"b\\\"\\n\"          /* GoString */",
            "#define DEMO_ON   true                 /* bool */",
            "#define DEMO_PI   3.25                 /* double */",
            // Opaque types.
            "typedef struct Handle Handle; /* opaque: pointer only */",
            "/* opaque: 40 bytes, align 8; may be held by value */\ntypedef struct Mutex { _Alignas(8) unsigned char opaque_[40]; } Mutex;",
            // Enums.
            "/* enum, 1 byte; open: other values may cross the boundary */\ntypedef uint8_t Kind;\nenum Kind {",
            "    KIND_B = 1, /* since 2.1.0; deprecated: use KIND_A */",
            // Structs, arrays, packed.
            "    uint8_t bytes[16]; /* +0, 16 bytes */",
            "/* 5 bytes, align 1; packed: fields at any offset, packing 1 */\n#pragma pack(push, 1)\ntypedef struct Header {",
            "    uint32_t len; /* +1, 4 bytes */\n} Header;\n#pragma pack(pop)",
            // Typedef.
            "typedef uint64_t Id; /* since 2.0.0 */",
            // Extensible.
            "versioned by its version field `version`",
            "    uint32_t version; /* +0, 4 bytes; the struct's version */",
            "    uint32_t flags;   /* +4, 4 bytes; since 2.1.0 */",
            // By-value buffer.
            "typedef struct GoString {\n    const char *ptr; /* +0, 8 bytes */\n    ptrdiff_t len;   /* +8, 8 bytes; length in bytes */\n} GoString;",
            // Function pointer.
            "typedef void (*Log)(GoString line);",
            // Tagged union.
            "tag at +0, payload at +8",
            "    Kind tag; /* +0, 1 byte */\n    union {\n        double a; /* tag 0 (KIND_A); 8 bytes */\n        /* b: tag 1 (KIND_B), no payload */\n    } payload; /* +8 */\n} Shape;",
            // Union.
            "/* union: 8 bytes, align 8 */\ntypedef union Value {\n    double f;  /* 8 bytes */\n    int64_t i; /* 8 bytes */\n} Value;",
            // Functions.
            "only on the main thread; may block; may unwind; since 2.0.0;",
            "deprecated since 2.1.0: use demo_log",
            "int32_t demo_printf(const Handle *fmt /* borrowed */, ...);",
            "wire contract (JSON):",
            "  request  Req",
            "  reply    Res",
            "  error    text",
            "  codes    rc (listed with the wire types)",
            "  event    tick: null",
            "    const Options *m, /* borrowed */",
            // Wire types.
            "record Req {",
            "    ids: list<u64>",
            "    maybe: option<f32>",
            "    meta?: map<text, bytes>  (since 2.1.0)",
            "    mode: Mode",
            "alias Res = result<Req, text>",
            "open enum Mode {\n *     \"fast\"\n *     \"slow\"\n * }",
            "codes rc {\n *      0  OK\n *     10  BUSY  not final: another code follows\n * }",
        ];
        for e in expect {
            assert!(text.contains(e), "`{e}` not in:\n{text}");
        }
    }

    #[test]
    fn text_is_tidy_and_independent_of_table_order() {
        let json = include_str!("../../examples/libtile/v1.json");
        let d = Descriptor::from_json(json).unwrap();
        let text = listing(&d).unwrap();
        assert!(text.ends_with("*/\n") && !text.ends_with("\n\n"));
        for line in text.lines() {
            assert_eq!(line, line.trim_end(), "trailing whitespace");
        }
        assert!(!text.contains("\n\n\n"));
        let mut shuffled = d.clone();
        shuffled.types.reverse();
        shuffled.functions.reverse();
        shuffled.wire_types.reverse();
        assert_eq!(listing(&shuffled).unwrap(), text);
        assert!(text.contains(&d.fingerprints().unwrap().descriptor.to_string()));
    }

    #[test]
    fn invalid_descriptors_still_list() {
        // A pointer that points at itself, and a name that is nowhere.
        let text = list(
            r#", "types": [
              { "id": "loop", "kind": "pointer", "pointee": "loop", "mutability": "mut" },
              { "id": "S", "kind": "struct", "size": 8, "align": 8,
                "fields": [ { "name": "p", "type": "loop", "offset": 0 },
                            { "name": "q", "type": "Nowhere", "offset": 0 } ] }
            ]"#,
        );
        assert!(
            line_with(&text, " q;").contains("unknown type `Nowhere`"),
            "{text}"
        );
        assert!(
            line_with(&text, "loop *p;").ends_with("borrowed; *p: refers back to `loop` */"),
            "{text}"
        );
    }
}
