//! Generating the source file that embeds a descriptor in a library.
//!
//! The generated file defines the two symbols of the symbol contract, the
//! function `_abi_descriptor` and the data `_abi_descriptor_blob` (in the
//! dedicated section), holding the blob bytes exactly as
//! [`Descriptor::to_blob`] writes them. It also asserts, while the library
//! itself compiles, that the layouts the descriptor states are the real ones:
//! a descriptor that lies about a struct fails the library's build.
//!
//! The checks are planned here, once, from the descriptor; each language
//! module only renders the plan.

mod c;
mod go;
mod nim;

use std::collections::HashMap;
use std::fmt::Write as _;

use abi_descriptor::{
    ConstValue, Descriptor, EncodeError, ExtensibleType, Fingerprint, Index, StructType, Target,
    TypeDef, TypeKind,
};

/// The language of the generated source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EmbedLanguage {
    /// A C11 source file (`.c`).
    C,
    /// A Nim module (`.nim`) for Nim's C backend.
    Nim,
    /// A Go source file (`.go`, package `main`) whose cgo preamble holds the
    /// C definitions, for `go build -buildmode=c-shared`.
    Go,
}

impl EmbedLanguage {
    /// The language's name as the command line spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::C => "c",
            Self::Nim => "nim",
            Self::Go => "go",
        }
    }
}

/// What to generate and which checks to include.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmbedOptions {
    /// The language of the generated file.
    pub language: EmbedLanguage,
    /// The library's own declarations the checks need: C headers (`tile.h`,
    /// or `<tile/tile.h>` for a system include) for C and Go, module paths
    /// (`tile_types`, `src/types`) for Nim.
    pub includes: Vec<String>,
    /// Where the descriptor came from, named in the generated file's header
    /// comment.
    pub source: Option<String>,
    /// C and Go: name struct, union and enum types by their tag (`struct
    /// TileRect`) rather than as typedef names (`TileRect`). Aliases are
    /// always typedef names.
    pub tag_types: bool,
    /// Check enum variant values and integer constants by name
    /// (`TILE_OK == 0`). Turn off when the descriptor's names are not the
    /// names the included declarations use.
    pub value_checks: bool,
    /// C only, with at least one include: check each function's prototype
    /// in the included headers against the described signature.
    pub function_checks: bool,
}

impl EmbedOptions {
    /// Options for `language` with every check on and nothing included.
    pub fn new(language: EmbedLanguage) -> EmbedOptions {
        EmbedOptions {
            language,
            includes: Vec::new(),
            source: None,
            tag_types: false,
            value_checks: true,
            function_checks: true,
        }
    }
}

/// The embedding source could not be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedError {
    /// The descriptor could not be encoded as a blob.
    #[error("cannot encode the descriptor of `{library}` as a blob")]
    Encode {
        /// The library's name.
        library: String,
        /// The cause.
        #[source]
        source: EncodeError,
    },
    /// An include cannot be written into the generated file.
    #[error("cannot include `{include}` in a {language} source: {reason}")]
    Include {
        /// The include as given.
        include: String,
        /// The language of the generated file.
        language: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Generates the source file that embeds `descriptor` in a library written
/// in `options.language`, with compile-time checks of its layouts.
///
/// The descriptor should have passed [`Descriptor::validate`]; items whose
/// names the language cannot spell (pointer ids such as `*mut T`, fields that
/// are not identifiers) are left unchecked and listed in a comment.
pub fn embed_source(descriptor: &Descriptor, options: &EmbedOptions) -> Result<String, EmbedError> {
    let body = descriptor.to_cbor().map_err(|source| EmbedError::Encode {
        library: descriptor.library.name.clone(),
        source,
    })?;
    let bytes = abi_descriptor::blob_from_body(&body).map_err(|source| EmbedError::Encode {
        library: descriptor.library.name.clone(),
        source,
    })?;
    let blob = Blob {
        fingerprint: Fingerprint::of_bytes(&body),
        body_len: body.len(),
        bytes,
    };
    match options.language {
        EmbedLanguage::C => c::generate(descriptor, &blob, options),
        EmbedLanguage::Nim => nim::generate(descriptor, &blob, options),
        EmbedLanguage::Go => go::generate(descriptor, &blob, options),
    }
}

/// The blob to embed.
struct Blob {
    bytes: Vec<u8>,
    body_len: usize,
    fingerprint: Fingerprint,
}

/// The lines of the header comment every generated file starts with.
fn header_lines(d: &Descriptor, blob: &Blob, options: &EmbedOptions) -> Vec<String> {
    let source = options
        .source
        .as_deref()
        .map(|s| format!(" from `{}`", sanitize(s)))
        .unwrap_or_default();
    vec![
        format!("Generated by `abi-check embed`{source}: do not edit."),
        format!(
            "Library `{}` {} ({}), target {}.",
            sanitize(&d.library.name),
            d.library.version,
            sanitize(&d.producer.language),
            sanitize(&d.target.triple)
        ),
        format!("Descriptor fingerprint: {}", blob.fingerprint),
        format!(
            "Blob: {} bytes, a {}-byte header and a {}-byte canonical CBOR body.",
            blob.bytes.len(),
            blob.bytes.len() - blob.body_len,
            blob.body_len
        ),
    ]
}

/// Text from the descriptor or the command line made safe for a one-line
/// comment in any of the generated languages.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace("*/", "* /")
}

/// The blob as rows of 16 hex bytes, each row indented by `indent`.
fn hex_rows(bytes: &[u8], indent: &str) -> String {
    let mut out = String::new();
    for row in bytes.chunks(16) {
        out.push_str(indent);
        let cells: Vec<String> = row.iter().map(|b| format!("0x{b:02x}")).collect();
        out.push_str(&cells.join(", "));
        out.push_str(",\n");
    }
    out
}

/// The C definitions of the two contract symbols, each in its section and
/// exported on every object format. Shared by the C file, the Go preamble
/// and the Nim `emit`, so it holds no backticks (Nim's `emit` reads them as
/// symbol references) and no block comments (the Go preamble is one).
fn c_definitions(blob: &Blob) -> String {
    let mut out = String::new();
    out.push_str(
        "// The descriptor blob and its accessor, in the section readers look in.\n\
         #if defined(_MSC_VER) && !defined(__clang__)\n\
         #pragma section(\".abidesc\", read)\n\
         #define ABI_CHECK_EXPORT_BLOB __declspec(dllexport) __declspec(allocate(\".abidesc\"))\n\
         #define ABI_CHECK_EXPORT_FN __declspec(dllexport)\n\
         #elif defined(_WIN32) || defined(__CYGWIN__)\n\
         // MinGW: an explicit export turns off the linker's automatic export of every\n\
         // function; a library that relies on it links with -Wl,--export-all-symbols.\n\
         #define ABI_CHECK_EXPORT_BLOB __attribute__((dllexport, used, section(\".abidesc\")))\n\
         #define ABI_CHECK_EXPORT_FN __attribute__((dllexport, used))\n\
         #elif defined(__APPLE__)\n\
         #define ABI_CHECK_EXPORT_BLOB __attribute__((visibility(\"default\"), used, section(\"__TEXT,__abi_descriptor\")))\n\
         #define ABI_CHECK_EXPORT_FN __attribute__((visibility(\"default\"), used))\n\
         #else\n\
         #define ABI_CHECK_EXPORT_BLOB __attribute__((visibility(\"default\"), used, section(\".abi_descriptor\")))\n\
         #define ABI_CHECK_EXPORT_FN __attribute__((visibility(\"default\"), used))\n\
         #endif\n\n",
    );
    let _ = writeln!(
        out,
        "ABI_CHECK_EXPORT_BLOB\nconst uint8_t _abi_descriptor_blob[{}] = {{",
        blob.bytes.len()
    );
    out.push_str(&hex_rows(&blob.bytes, "    "));
    out.push_str(
        "};\n\n\
         // Returns the blob: static data, callable before any runtime initialisation.\n\
         ABI_CHECK_EXPORT_FN\n\
         const uint8_t *_abi_descriptor(void) {\n    return _abi_descriptor_blob;\n}\n\n\
         #undef ABI_CHECK_EXPORT_BLOB\n\
         #undef ABI_CHECK_EXPORT_FN\n",
    );
    out
}

/// The compile-time checks a descriptor asks for, independent of language.
struct Plan<'a> {
    target: &'a Target,
    types: Vec<TypeChecks<'a>>,
    values: Vec<ValueCheck<'a>>,
    /// Items left unchecked, with the reason.
    skipped: Vec<String>,
}

/// The checks of one named type.
struct TypeChecks<'a> {
    def: &'a TypeDef,
    size: Option<u64>,
    align: Option<u64>,
    fields: Vec<FieldCheck<'a>>,
}

impl TypeChecks<'_> {
    /// `` struct `TileRect` ``.
    fn path(&self) -> String {
        format!("{} `{}`", self.def.kind.as_str(), self.def.id)
    }

    /// Word for the members: `field` or `member`.
    fn member_word(&self) -> &'static str {
        match self.def.kind {
            TypeKind::Union(_) => "member",
            _ => "field",
        }
    }
}

/// The checks of one field or union member.
struct FieldCheck<'a> {
    name: &'a str,
    offset: u64,
    /// The field's size, when its type has one.
    size: Option<u64>,
}

/// A named integer whose value is checked.
struct ValueCheck<'a> {
    /// The enum that declares it, or `None` for a constant.
    owner: Option<&'a str>,
    name: &'a str,
    value: i128,
}

impl ValueCheck<'_> {
    fn path(&self) -> String {
        match self.owner {
            Some(e) => format!("enum `{e}` variant `{}`", self.name),
            None => format!("constant `{}`", self.name),
        }
    }
}

impl<'a> Plan<'a> {
    /// Plans the checks of `d` for a language whose identifiers satisfy
    /// `is_ident`.
    fn new(
        d: &'a Descriptor,
        index: &Index<'a>,
        value_checks: bool,
        is_ident: fn(&str) -> bool,
    ) -> Plan<'a> {
        let mut plan = Plan {
            target: &d.target,
            types: Vec::new(),
            values: Vec::new(),
            skipped: Vec::new(),
        };
        for def in &d.types {
            let (size, align, fields): (Option<u64>, Option<u64>, Vec<(&str, u64, _)>) =
                match &def.kind {
                    TypeKind::Struct(StructType {
                        size,
                        align,
                        fields,
                        ..
                    })
                    | TypeKind::Extensible(ExtensibleType {
                        size,
                        align,
                        fields,
                        ..
                    }) => (
                        Some(*size),
                        Some(*align),
                        fields
                            .iter()
                            .map(|f| (f.name.as_str(), f.offset, &f.ty))
                            .collect(),
                    ),
                    TypeKind::Union(u) => (
                        Some(u.size),
                        Some(u.align),
                        u.members
                            .iter()
                            .map(|m| (m.name.as_str(), 0, &m.ty))
                            .collect(),
                    ),
                    TypeKind::TaggedUnion(u) => (Some(u.size), Some(u.align), Vec::new()),
                    TypeKind::Opaque(o) => match (o.size, o.align) {
                        (Some(size), Some(align)) => (Some(size), Some(align), Vec::new()),
                        _ => continue,
                    },
                    TypeKind::Enum(e) => {
                        if value_checks {
                            plan.values.extend(e.variants.iter().filter_map(|v| {
                                is_ident(&v.name).then_some(ValueCheck {
                                    owner: Some(&def.id),
                                    name: &v.name,
                                    value: v.value.get(),
                                })
                            }));
                        }
                        (index.layout(&e.repr).map(|l| l.size), None, Vec::new())
                    }
                    TypeKind::Alias(a) => match index.layout(&a.target) {
                        Some(l) => (Some(l.size), Some(l.align), Vec::new()),
                        None => continue,
                    },
                    // Anonymous in C: their ids are not type names.
                    TypeKind::Pointer(_)
                    | TypeKind::Array(_)
                    | TypeKind::Buffer(_)
                    | TypeKind::FunctionPointer(_) => continue,
                };
            if !is_ident(&def.id) {
                plan.skipped.push(format!(
                    "{} `{}`: the id is not an identifier",
                    def.kind.as_str(),
                    def.id
                ));
                continue;
            }
            let mut checks = TypeChecks {
                def,
                size,
                align,
                fields: Vec::new(),
            };
            for (name, offset, ty) in fields {
                if is_ident(name) {
                    checks.fields.push(FieldCheck {
                        name,
                        offset,
                        size: index.layout(ty).map(|l| l.size),
                    });
                } else {
                    plan.skipped.push(format!(
                        "{} {} `{name}`: the name is not an identifier",
                        checks.path(),
                        checks.member_word()
                    ));
                }
            }
            plan.types.push(checks);
        }
        // Types a struct embeds before the struct: Nim stops at the first
        // failed check, which is then the root cause rather than its echo.
        let mut memo = HashMap::new();
        plan.types
            .sort_by_cached_key(|t| embedding_depth(index, &t.def.id, 0, &mut memo));
        if value_checks {
            for c in &d.constants {
                match &c.value {
                    ConstValue::Int(v) if is_ident(&c.name) => plan.values.push(ValueCheck {
                        owner: None,
                        name: &c.name,
                        value: v.get(),
                    }),
                    ConstValue::Int(_) => plan.skipped.push(format!(
                        "constant `{}`: the name is not an identifier",
                        c.name
                    )),
                    _ => plan.skipped.push(format!(
                        "constant `{}`: only integer constants are checked",
                        c.name
                    )),
                }
            }
        }
        plan
    }
}

/// How deeply the type `id` embeds other types by value: 0 for primitives,
/// enums and types without fields, one more than the deepest field
/// otherwise. `memo` holds the depths computed so far; a type met again
/// while its own depth is being computed (a by-value cycle, which
/// validation refuses) counts as 0, and so does any type nested deeper than
/// the recursion allows. The depth only orders the checks.
fn embedding_depth<'a>(
    index: &Index<'a>,
    id: &'a str,
    level: u32,
    memo: &mut HashMap<&'a str, u32>,
) -> u32 {
    const MAX_LEVEL: u32 = 256;
    if let Some(&depth) = memo.get(id) {
        return depth;
    }
    if level > MAX_LEVEL {
        return 0;
    }
    let Some(def) = index.type_def(id) else {
        return 0;
    };
    memo.insert(id, 0);
    let embedded: Vec<&'a str> = match &def.kind {
        TypeKind::Struct(s) => s.fields.iter().map(|f| f.ty.as_str()).collect(),
        TypeKind::Extensible(s) => s.fields.iter().map(|f| f.ty.as_str()).collect(),
        TypeKind::Union(u) => u.members.iter().map(|m| m.ty.as_str()).collect(),
        TypeKind::TaggedUnion(u) => u
            .variants
            .iter()
            .filter_map(|v| v.payload.as_ref().map(|p| p.as_str()))
            .collect(),
        TypeKind::Array(a) => vec![a.element.as_str()],
        TypeKind::Alias(a) => vec![a.target.as_str()],
        TypeKind::Opaque(_)
        | TypeKind::Enum(_)
        | TypeKind::Pointer(_)
        | TypeKind::Buffer(_)
        | TypeKind::FunctionPointer(_) => Vec::new(),
    };
    let depth = embedded
        .into_iter()
        .map(|t| embedding_depth(index, t, level + 1, memo).saturating_add(1))
        .max()
        .unwrap_or(0);
    memo.insert(id, depth);
    depth
}

/// Whether `s` is a C identifier that is not a keyword.
fn is_c_ident(s: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "auto",
        "break",
        "case",
        "char",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extern",
        "float",
        "for",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "register",
        "restrict",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "struct",
        "switch",
        "typedef",
        "union",
        "unsigned",
        "void",
        "volatile",
        "while",
        "_Alignas",
        "_Alignof",
        "_Atomic",
        "_Bool",
        "_Complex",
        "_Generic",
        "_Imaginary",
        "_Noreturn",
        "_Static_assert",
        "_Thread_local",
    ];
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// A C integer literal of `value` with the type C gives a plain decimal
/// literal, so comparisons with negative enum constants stay signed.
fn c_int_literal(value: i128) -> String {
    if value == i128::from(i64::MIN) {
        "(-9223372036854775807LL - 1)".to_owned()
    } else if value < 0 {
        format!("({value}LL)")
    } else if value > i128::from(i64::MAX) {
        format!("{value}ULL")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_rows_hold_sixteen_bytes() {
        let bytes: Vec<u8> = (0..20).collect();
        let rows = hex_rows(&bytes, "  ");
        let lines: Vec<&str> = rows.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].matches("0x").count(), 16);
        assert!(lines[0].starts_with("  0x00, 0x01,"));
        assert_eq!(lines[1], "  0x10, 0x11, 0x12, 0x13,");
    }

    #[test]
    fn c_identifiers() {
        assert!(is_c_ident("TileRect"));
        assert!(is_c_ident("_x1"));
        assert!(!is_c_ident("*mut TileCache"));
        assert!(!is_c_ident("1x"));
        assert!(!is_c_ident("int"));
        assert!(!is_c_ident(""));
    }

    #[test]
    fn c_literals_keep_their_sign() {
        assert_eq!(c_int_literal(0), "0");
        assert_eq!(c_int_literal(-2), "(-2LL)");
        assert_eq!(
            c_int_literal(i128::from(u64::MAX)),
            "18446744073709551615ULL"
        );
        assert_eq!(
            c_int_literal(i128::from(i64::MIN)),
            "(-9223372036854775807LL - 1)"
        );
    }

    fn example() -> Descriptor {
        Descriptor::from_json(include_str!("../../../examples/libtile/v1.json"))
            .expect("the example parses")
    }

    #[test]
    fn plan_checks_named_types_embedded_ones_first() {
        let d = example();
        let index = Index::new(&d);
        let plan = Plan::new(&d, &index, true, is_c_ident);
        let ids: Vec<&str> = plan.types.iter().map(|t| t.def.id.as_str()).collect();
        // Pointers, buffers and callbacks have no C name of their own;
        // `TileCache` is opaque without a size.
        assert_eq!(
            ids,
            [
                "TileFormat",
                "TileStatus",
                "TileRect",
                "TileOptions",
                "TileInfo"
            ]
        );
        let info = &plan.types[4];
        assert_eq!((info.size, info.align), (Some(32), Some(8)));
        let fields: Vec<(&str, u64, Option<u64>)> = info
            .fields
            .iter()
            .map(|f| (f.name, f.offset, f.size))
            .collect();
        assert_eq!(
            fields,
            [
                ("bounds", 0, Some(16)),
                ("format", 16, Some(4)),
                ("zoom", 20, Some(4)),
                ("byte_size", 24, Some(8))
            ]
        );
        // The enum's size is its repr's; variants and constants by name.
        assert_eq!(plan.types[1].size, Some(4));
        let values: Vec<(Option<&str>, &str, i128)> = plan
            .values
            .iter()
            .map(|v| (v.owner, v.name, v.value))
            .collect();
        assert!(values.contains(&(Some("TileStatus"), "TILE_ERR_IO", -1)));
        assert!(values.contains(&(None, "TILE_MAX_ZOOM", 22)));
        assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
    }

    #[test]
    fn plan_without_value_checks_and_with_unnamed_items() {
        let mut d = example();
        if let Some(TypeKind::Struct(s)) = d
            .types
            .iter_mut()
            .find(|t| t.id == "TileRect")
            .map(|t| &mut t.kind)
        {
            s.fields[0].name = "x pos".to_owned();
        }
        let index = Index::new(&d);
        let plan = Plan::new(&d, &index, false, is_c_ident);
        assert!(plan.values.is_empty());
        assert_eq!(
            plan.skipped,
            ["struct `TileRect` field `x pos`: the name is not an identifier"]
        );
        let rect = plan
            .types
            .iter()
            .find(|t| t.def.id == "TileRect")
            .expect("still checked");
        assert_eq!(rect.fields.len(), 3);
    }

    #[test]
    fn every_language_embeds_the_exact_blob() {
        let d = example();
        let blob = d.to_blob().expect("encodes");
        let first_row = hex_rows(&blob[..16], "    ");
        for language in [EmbedLanguage::C, EmbedLanguage::Nim, EmbedLanguage::Go] {
            let mut options = EmbedOptions::new(language);
            options.includes = vec!["tile_types".to_owned()];
            let source = embed_source(&d, &options).expect("generates");
            assert!(source.contains(&first_row), "{}", language.as_str());
            assert!(source.contains(&format!("_abi_descriptor_blob[{}] = {{", blob.len())));
            assert!(source.contains("const uint8_t *_abi_descriptor(void) {"));
        }
    }

    #[test]
    fn bad_includes_are_refused() {
        let d = example();
        for language in [EmbedLanguage::C, EmbedLanguage::Nim, EmbedLanguage::Go] {
            let mut options = EmbedOptions::new(language);
            options.includes = vec!["a\nb".to_owned()];
            let e = embed_source(&d, &options).expect_err("a newline cannot be included");
            assert!(matches!(e, EmbedError::Include { .. }), "{e}");
            assert!(e.to_string().starts_with("cannot include `a\nb` in a "));
        }
    }

    #[test]
    fn comments_cannot_be_closed_by_input() {
        assert_eq!(sanitize("a*/b\nc"), "a* /b c");
    }
}
