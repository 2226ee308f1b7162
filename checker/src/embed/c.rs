//! The C source: `_Static_assert`s on the included headers, then the blob.

use std::fmt::Write as _;

use abi_descriptor::{
    BufferEncoding, BufferLength, CallConv, Descriptor, Endian, Function, Index, Mutability, Param,
    Primitive, TypeDef, TypeKind,
};

use super::{
    Blob, EmbedError, EmbedOptions, Plan, c_definitions, c_int_literal, header_lines, is_c_ident,
    sanitize,
};

/// Generates the `.c` file.
pub(super) fn generate(
    d: &Descriptor,
    blob: &Blob,
    options: &EmbedOptions,
) -> Result<String, EmbedError> {
    let mut out = String::new();
    for line in header_lines(d, blob, options) {
        let _ = writeln!(out, "// {line}");
    }
    out.push_str(
        "//\n// Compile it into the library. It asserts, at the library's compile time, that\n\
         // the layouts the descriptor states are the ones the headers give.\n\n",
    );
    out.push_str(&includes(&options.includes, "c")?);
    out.push('\n');
    let index = Index::new(d);
    let plan = Plan::new(d, &index, options.value_checks, is_c_ident);
    out.push_str(&checks(&plan, options.tag_types));
    if options.function_checks && !options.includes.is_empty() {
        out.push_str(&function_checks(d, &index, options.tag_types));
    }
    out.push_str(&c_definitions(blob));
    Ok(out)
}

/// `#include` lines: the standard headers the generated code needs, then
/// the library's own. An include written `<x.h>` stays a system include.
pub(super) fn includes(list: &[String], language: &'static str) -> Result<String, EmbedError> {
    let mut out = String::from("#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n");
    for include in list {
        let bad = |reason| EmbedError::Include {
            include: include.clone(),
            language,
            reason,
        };
        if include.is_empty() {
            return Err(bad("it is empty"));
        }
        if include.chars().any(char::is_control) {
            return Err(bad("it holds a control character"));
        }
        if include.contains("*/") {
            return Err(bad("it holds `*/`"));
        }
        if include.starts_with('<') && include.ends_with('>') && include.len() > 2 {
            let _ = writeln!(out, "#include {include}");
        } else if include.contains(['"', '<', '>']) {
            return Err(bad("a header name holds no quotes or angle brackets"));
        } else {
            let _ = writeln!(out, "#include \"{include}\"");
        }
    }
    Ok(out)
}

/// The C spelling of a named type, or `None` when its id is no C name.
fn c_type_name(def: &TypeDef, tag_types: bool) -> Option<String> {
    if !is_c_ident(&def.id) {
        return None;
    }
    let tag = match def.kind {
        TypeKind::Struct(_)
        | TypeKind::Extensible(_)
        | TypeKind::Opaque(_)
        | TypeKind::TaggedUnion(_) => "struct ",
        TypeKind::Union(_) => "union ",
        TypeKind::Enum(_) => "enum ",
        TypeKind::Alias(_) => "",
        TypeKind::Buffer(_)
        | TypeKind::Pointer(_)
        | TypeKind::Array(_)
        | TypeKind::FunctionPointer(_) => "",
    };
    Some(if tag_types {
        format!("{tag}{}", def.id)
    } else {
        def.id.clone()
    })
}

fn assert_line(out: &mut String, condition: &str, message: &str) {
    let _ = writeln!(
        out,
        "_Static_assert({condition}, {});",
        crate::c::string_literal(&format!("abi-check: {message}"))
    );
}

/// The target, type and value checks as C11 `_Static_assert`s (shared with
/// the Go preamble).
pub(super) fn checks(plan: &Plan<'_>, tag_types: bool) -> String {
    let mut out = String::new();
    let t = plan.target;
    let triple = sanitize(&t.triple);
    out.push_str("// The target.\n");
    assert_line(
        &mut out,
        &format!("sizeof(void *) == {}", t.pointer_width / 8),
        &format!(
            "target `{}`: the descriptor says pointers are {} bits",
            triple, t.pointer_width
        ),
    );
    for (c_type, size) in [("int", t.c_int), ("long", t.c_long), ("size_t", t.size_t)] {
        assert_line(
            &mut out,
            &format!("sizeof({c_type}) == {size}"),
            &format!("target `{triple}`: the descriptor says C `{c_type}` is {size} bytes"),
        );
    }
    assert_line(
        &mut out,
        &format!("((char)-1 < 0) == {}", u8::from(t.c_char_signed)),
        &format!(
            "target `{triple}`: the descriptor says C `char` is {}",
            if t.c_char_signed {
                "signed"
            } else {
                "unsigned"
            }
        ),
    );
    let (order, word) = match t.endian {
        Endian::Little => ("__ORDER_LITTLE_ENDIAN__", "little-endian"),
        Endian::Big => ("__ORDER_BIG_ENDIAN__", "big-endian"),
    };
    let _ = writeln!(out, "#if defined(__BYTE_ORDER__) && defined({order})");
    assert_line(
        &mut out,
        &format!("__BYTE_ORDER__ == {order}"),
        &format!("target `{triple}`: the descriptor says {word}"),
    );
    out.push_str("#endif\n");
    for (p, align) in &t.primitive_align {
        assert_line(
            &mut out,
            &format!("_Alignof({}) == {align}", crate::c::primitive(*p)),
            &format!("target `{triple}`: the descriptor says `{p}` is aligned to {align} bytes"),
        );
    }
    for ty in &plan.types {
        let Some(name) = c_type_name(ty.def, tag_types) else {
            continue;
        };
        let path = ty.path();
        let _ = writeln!(out, "\n// {path}");
        if let Some(size) = ty.size {
            let what = match &ty.def.kind {
                TypeKind::Enum(e) => format!("size {size} (repr `{}`)", e.repr),
                _ => format!("size {size}"),
            };
            assert_line(
                &mut out,
                &format!("sizeof({name}) == {size}"),
                &format!("{path}: the descriptor says {what}"),
            );
        }
        if let Some(align) = ty.align {
            assert_line(
                &mut out,
                &format!("_Alignof({name}) == {align}"),
                &format!("{path}: the descriptor says alignment {align}"),
            );
        }
        for f in &ty.fields {
            let field = format!("{path} {} `{}`", ty.member_word(), f.name);
            assert_line(
                &mut out,
                &format!("offsetof({name}, {}) == {}", f.name, f.offset),
                &format!("{field}: the descriptor says offset {}", f.offset),
            );
            if let Some(size) = f.size {
                assert_line(
                    &mut out,
                    &format!("sizeof((({name} *)0)->{}) == {size}", f.name),
                    &format!("{field}: the descriptor says size {size}"),
                );
            }
        }
    }
    if !plan.values.is_empty() {
        out.push_str("\n// Enum variants and constants.\n");
    }
    for v in &plan.values {
        assert_line(
            &mut out,
            &format!("{} == {}", v.name, c_int_literal(v.value)),
            &format!("{}: the descriptor says value {}", v.path(), v.value),
        );
    }
    if !plan.skipped.is_empty() {
        out.push_str("\n// Not checked:\n");
        for s in &plan.skipped {
            let _ = writeln!(out, "//   {}", sanitize(s));
        }
    }
    out.push('\n');
    out
}

/// Prototype checks: each described function, as the included headers
/// declare it, must have the described C type. `_Generic` selects `1` only
/// for a compatible function pointer type.
fn function_checks(d: &Descriptor, index: &Index<'_>, tag_types: bool) -> String {
    let decl = Declarator { index, tag_types };
    let mut out = String::from("// Function prototypes, as the included headers declare them.\n");
    let mut skipped = Vec::new();
    for f in &d.functions {
        if !is_c_ident(&f.symbol) {
            skipped.push(format!(
                "function `{}`: the symbol is not a C identifier",
                f.symbol
            ));
            continue;
        }
        match decl.function(f, d.target.default_abi) {
            Ok((pointers, prototype)) => {
                let associations: Vec<String> =
                    pointers.iter().map(|p| format!("{p}: 1")).collect();
                assert_line(
                    &mut out,
                    &format!(
                        "_Generic(&{}, {}, default: 0)",
                        f.symbol,
                        associations.join(", ")
                    ),
                    &format!("function `{}`: the descriptor says `{prototype}`", f.symbol),
                );
            }
            Err(reason) => skipped.push(format!("function `{}`: {reason}", f.symbol)),
        }
    }
    if !skipped.is_empty() {
        out.push_str("// Not checked:\n");
        for s in skipped {
            let _ = writeln!(out, "//   {}", sanitize(&s));
        }
    }
    out.push('\n');
    out
}

/// The C element types accepted for a byte buffer (a pointer plus a length
/// or terminator): headers spell one as `uint8_t *`, `char *` or `void *`.
const BYTE_ELEMENTS: [&str; 3] = ["uint8_t", "char", "void"];

/// Functions with more byte buffers than this are not checked: every
/// combination of spellings is one `_Generic` association.
const MAX_BYTE_BUFFERS: u32 = 3;

/// Which spelling each byte buffer of a signature takes, in order.
#[derive(Default)]
struct Spelling {
    /// Indexes into [`BYTE_ELEMENTS`]; missing entries take the first.
    choices: Vec<usize>,
    /// Byte buffers met so far.
    seen: usize,
}

impl Spelling {
    fn next(&mut self) -> &'static str {
        let choice = self.choices.get(self.seen).copied().unwrap_or(0);
        self.seen += 1;
        BYTE_ELEMENTS[choice % BYTE_ELEMENTS.len()]
    }
}

/// Spells descriptor types as C declarations.
struct Declarator<'a> {
    index: &'a Index<'a>,
    tag_types: bool,
}

/// Deeper nesting than this is refused (and means a cycle).
const MAX_DEPTH: u32 = 32;

impl Declarator<'_> {
    /// Every accepted spelling of the function's pointer type (`int
    /// (*)(void *)`), and its prototype (`int f(void *)`) in the first.
    fn function(
        &self,
        f: &Function,
        default_abi: CallConv,
    ) -> Result<(Vec<String>, String), String> {
        if f.abi != CallConv::C && f.abi != default_abi {
            return Err(
                "only functions of the target's default calling convention are checked".to_owned(),
            );
        }
        let spell = |spelling: &mut Spelling, decl: &str| {
            let params = self.params(&f.params, f.variadic, 0, spelling)?;
            self.render(
                f.ret.as_str(),
                &format!("{decl}({params})"),
                false,
                0,
                spelling,
            )
        };
        let mut first = Spelling::default();
        let prototype = spell(&mut first, &f.symbol)?;
        let buffers = u32::try_from(first.seen).unwrap_or(u32::MAX);
        if buffers > MAX_BYTE_BUFFERS {
            return Err(format!(
                "it has {buffers} byte buffers, more than the {MAX_BYTE_BUFFERS} checked"
            ));
        }
        let mut pointers = Vec::new();
        for combination in 0..BYTE_ELEMENTS.len().pow(buffers) {
            let mut rest = combination;
            let choices = (0..buffers)
                .map(|_| {
                    let choice = rest % BYTE_ELEMENTS.len();
                    rest /= BYTE_ELEMENTS.len();
                    choice
                })
                .collect();
            let mut spelling = Spelling { choices, seen: 0 };
            pointers.push(spell(&mut spelling, "(*)")?);
        }
        Ok((pointers, prototype))
    }

    fn params(
        &self,
        params: &[Param],
        variadic: bool,
        depth: u32,
        spelling: &mut Spelling,
    ) -> Result<String, String> {
        if params.is_empty() {
            return if variadic {
                Err("a variadic function without named parameters has no C prototype".to_owned())
            } else {
                Ok("void".to_owned())
            };
        }
        let mut list = Vec::with_capacity(params.len() + 1);
        for p in params {
            list.push(self.render(p.ty.as_str(), "", false, depth + 1, spelling)?);
        }
        if variadic {
            list.push("...".to_owned());
        }
        Ok(list.join(", "))
    }

    /// Declares `decl` (empty for an abstract declarator) as type `ty`,
    /// itself `const` when `is_const`.
    fn render(
        &self,
        ty: &str,
        decl: &str,
        is_const: bool,
        depth: u32,
        spelling: &mut Spelling,
    ) -> Result<String, String> {
        if depth > MAX_DEPTH {
            return Err(format!("type `{ty}` nests too deeply"));
        }
        let qualifier = if is_const { "const " } else { "" };
        if let Ok(p) = ty.parse::<Primitive>() {
            return Ok(join(format!("{qualifier}{}", crate::c::primitive(p)), decl));
        }
        let def = self
            .index
            .type_def(ty)
            .ok_or_else(|| format!("type `{ty}` is not in the descriptor"))?;
        let named = || {
            c_type_name(def, self.tag_types)
                .map(|name| join(format!("{qualifier}{name}"), decl))
                .ok_or_else(|| format!("type `{ty}` has no C name"))
        };
        match &def.kind {
            TypeKind::Struct(_)
            | TypeKind::Union(_)
            | TypeKind::Enum(_)
            | TypeKind::Extensible(_)
            | TypeKind::Opaque(_)
            | TypeKind::TaggedUnion(_)
            | TypeKind::Alias(_) => named(),
            TypeKind::Pointer(p) => self.render(
                p.pointee.as_str(),
                &pointer_to(decl, is_const),
                p.mutability == Mutability::Const,
                depth + 1,
                spelling,
            ),
            TypeKind::Buffer(b) => {
                let element = match (&b.length, b.encoding) {
                    (BufferLength::Inline(_), _) => return named(),
                    (BufferLength::NulTerminated, _) | (_, BufferEncoding::Utf8) => "char",
                    (BufferLength::Separate, BufferEncoding::Bytes) => spelling.next(),
                };
                let element_qualifier = match b.mutability {
                    Mutability::Const => "const ",
                    Mutability::Mut => "",
                };
                Ok(join(
                    format!("{element_qualifier}{element}"),
                    &pointer_to(decl, is_const),
                ))
            }
            TypeKind::Array(a) => {
                let inner = if decl.starts_with('*') {
                    format!("({decl})[{}]", a.len)
                } else {
                    format!("{decl}[{}]", a.len)
                };
                self.render(a.element.as_str(), &inner, is_const, depth + 1, spelling)
            }
            TypeKind::FunctionPointer(f) => {
                if f.abi != CallConv::C && f.abi != self.index.descriptor.target.default_abi {
                    return Err(format!(
                        "function pointer `{ty}` has a calling convention other than the default"
                    ));
                }
                let params = self.params(&f.params, f.variadic, depth + 1, spelling)?;
                let inner = format!("({})({params})", pointer_to(decl, is_const));
                self.render(f.ret.as_str(), &inner, false, depth + 1, spelling)
            }
        }
    }
}

/// The declarator of a pointer to what `decl` declares.
fn pointer_to(decl: &str, is_const: bool) -> String {
    match (is_const, decl.is_empty()) {
        (true, true) => "*const".to_owned(),
        (true, false) => format!("*const {decl}"),
        (false, _) => format!("*{decl}"),
    }
}

/// A declaration from specifiers and a declarator.
fn join(specifiers: String, decl: &str) -> String {
    if decl.is_empty() {
        specifiers
    } else {
        format!("{specifiers} {decl}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor() -> Descriptor {
        Descriptor::from_json(include_str!("../../../examples/libtile/v1.json"))
            .expect("the example parses")
    }

    #[test]
    fn prototypes_spell_pointers_buffers_and_callbacks() {
        let d = descriptor();
        let index = Index::new(&d);
        let decl = Declarator {
            index: &index,
            tag_types: false,
        };
        let f = index.function("tile_cache_open").expect("described");
        let (pointers, prototype) = decl.function(f, d.target.default_abi).expect("renders");
        assert_eq!(
            pointers,
            ["TileStatus (*)(const char *, const TileOptions *, TileCache **)"]
        );
        assert_eq!(
            prototype,
            "TileStatus tile_cache_open(const char *, const TileOptions *, TileCache **)"
        );
        let f = index.function("tile_query").expect("described");
        let (pointers, _) = decl.function(f, d.target.default_abi).expect("renders");
        // Two byte buffers, each `uint8_t`, `char` or `void`.
        assert_eq!(pointers.len(), 9);
        assert_eq!(
            pointers[0],
            "int32_t (*)(TileCache *, void (*)(int32_t, const uint8_t *, size_t, void *), void *, const uint8_t *, size_t)"
        );
        assert!(pointers.contains(
            &"int32_t (*)(TileCache *, void (*)(int32_t, const char *, size_t, void *), void *, const void *, size_t)".to_owned()
        ));
        let f = index.function("tile_cache_close").expect("described");
        let (_, prototype) = decl.function(f, d.target.default_abi).expect("renders");
        assert_eq!(prototype, "void tile_cache_close(TileCache *)");
    }

    #[test]
    fn tagged_names_and_nested_declarators() {
        let d = descriptor();
        let index = Index::new(&d);
        let decl = Declarator {
            index: &index,
            tag_types: true,
        };
        let mut s = Spelling::default();
        assert_eq!(
            decl.render("*mut *mut TileCache", "out", false, 0, &mut s),
            Ok("struct TileCache **out".to_owned())
        );
        assert_eq!(
            decl.render("TileProgressFn", "cb", true, 0, &mut s),
            Ok("void (*const cb)(uint32_t, uint32_t, void *)".to_owned())
        );
        assert_eq!(
            decl.render("TileFormat", "", false, 0, &mut s),
            Ok("enum TileFormat".to_owned())
        );
        assert_eq!(
            decl.render("*mut owned_bytes", "", false, 0, &mut s),
            Ok("uint8_t **".to_owned())
        );
        assert!(decl.render("Missing", "", false, 0, &mut s).is_err());
    }

    #[test]
    fn include_lines() {
        let ok = includes(&["tile.h".to_owned(), "<tile/x.h>".to_owned()], "c").expect("valid");
        assert!(ok.ends_with("#include \"tile.h\"\n#include <tile/x.h>\n"));
        assert!(includes(&["a\nb.h".to_owned()], "c").is_err());
        assert!(includes(&["a\"b.h".to_owned()], "c").is_err());
        assert!(includes(&["x*/.h".to_owned()], "go").is_err());
    }
}
