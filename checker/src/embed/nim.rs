//! The Nim module: `when ... {.error.}` layout checks on the library's own
//! types, and the blob as C code in an `emit`.

use std::fmt::Write as _;

use abi_descriptor::{Descriptor, Endian, Index, Primitive, TypeKind};

use super::{Blob, EmbedError, EmbedOptions, Plan, c_definitions, header_lines, sanitize};

/// Generates the `.nim` module.
pub(super) fn generate(
    d: &Descriptor,
    blob: &Blob,
    options: &EmbedOptions,
) -> Result<String, EmbedError> {
    let mut out = String::new();
    for line in header_lines(d, blob, options) {
        let _ = writeln!(out, "# {line}");
    }
    out.push_str(
        "#\n# Import it from the library's main module. It checks, while the library\n\
         # compiles, that the layouts the descriptor states are the Nim types' own,\n\
         # and defines `_abi_descriptor` and `_abi_descriptor_blob` in C (Nim's C\n\
         # backend), so they need no Nim runtime and work before NimMain.\n\n\
         {.used.}\n\n",
    );
    for include in &options.includes {
        let bad = |reason| EmbedError::Include {
            include: include.clone(),
            language: "nim",
            reason,
        };
        if include.is_empty() {
            return Err(bad("it is empty"));
        }
        if include
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\')
        {
            return Err(bad(
                "a module path holds no control characters, quotes or backslashes",
            ));
        }
        if is_nim_ident(include) {
            let _ = writeln!(out, "import {include}");
        } else {
            let _ = writeln!(out, "import \"{include}\"");
        }
    }
    if !options.includes.is_empty() {
        out.push('\n');
    }
    let index = Index::new(d);
    let plan = Plan::new(d, &index, options.value_checks, is_nim_ident);
    out.push_str(&checks(&plan));
    out.push_str(
        "{.emit: \"\"\"\n#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n",
    );
    // Nim has no C `char`: check its signedness in C. No backticks in here:
    // `emit` reads them as Nim symbols.
    let t = &d.target;
    let _ = writeln!(
        out,
        "_Static_assert(((char)-1 < 0) == {}, \"abi-check: target {}: the descriptor says C char is {}\");\n",
        u8::from(t.c_char_signed),
        nim_text(&sanitize(&t.triple)),
        if t.c_char_signed {
            "signed"
        } else {
            "unsigned"
        }
    );
    out.push_str(&c_definitions(blob));
    out.push_str("\"\"\".}\n");
    Ok(out)
}

/// Whether `s` is a Nim identifier: ASCII letters and digits, starting with a
/// letter, single underscores between them.
fn is_nim_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// `name` quoted so that keywords are identifiers too.
fn q(name: &str) -> String {
    format!("`{name}`")
}

/// The content of a Nim string literal holding `s`.
fn nim_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A Nim integer literal.
fn nim_int(value: i128) -> String {
    if value == i128::from(i64::MIN) {
        "low(int64)".to_owned()
    } else if value < 0 {
        format!("({value})")
    } else if value > i128::from(i64::MAX) {
        format!("{value}'u64")
    } else {
        value.to_string()
    }
}

/// The Nim type of a primitive, where Nim has one.
fn nim_primitive(p: Primitive) -> Option<&'static str> {
    Some(match p {
        Primitive::Bool => "bool",
        Primitive::I8 => "int8",
        Primitive::I16 => "int16",
        Primitive::I32 => "int32",
        Primitive::I64 => "int64",
        Primitive::U8 => "uint8",
        Primitive::U16 => "uint16",
        Primitive::U32 => "uint32",
        Primitive::U64 => "uint64",
        Primitive::F32 => "float32",
        Primitive::F64 => "float64",
        Primitive::CChar => "cchar",
        Primitive::Isize => "int",
        Primitive::Usize => "uint",
        Primitive::Void | Primitive::I128 | Primitive::U128 => return None,
    })
}

/// `when actual != described: {.error: ...}`; the message gives both.
fn check(out: &mut String, actual: &str, described: &str, what: &str, unit: &str, subject: &str) {
    check_shown(out, actual, described, described, what, unit, subject);
}

/// As [`check`], with the described value shown as `shown`.
fn check_shown(
    out: &mut String,
    actual: &str,
    described: &str,
    shown: &str,
    what: &str,
    unit: &str,
    subject: &str,
) {
    let _ = writeln!(
        out,
        "when {actual} != {described}:\n  {{.error: \"abi-check: {}: {what} is \" & $({actual}) & \"{unit} but the descriptor says {}{unit}\".}}",
        nim_text(subject),
        nim_text(shown),
    );
}

fn checks(plan: &Plan<'_>) -> String {
    let mut out = String::from("# The target.\n");
    let t = plan.target;
    let target = format!("target `{}`", sanitize(&t.triple));
    check(
        &mut out,
        "sizeof(pointer) * 8",
        &t.pointer_width.to_string(),
        "pointer width",
        " bits",
        &target,
    );
    for (nim, c, size) in [
        ("cint", "int", t.c_int),
        ("clong", "long", t.c_long),
        ("csize_t", "size_t", t.size_t),
    ] {
        check(
            &mut out,
            &format!("sizeof({nim})"),
            &size.to_string(),
            &format!("C `{c}`"),
            " bytes",
            &target,
        );
    }
    let (endian, word) = match t.endian {
        Endian::Little => ("littleEndian", "little-endian"),
        Endian::Big => ("bigEndian", "big-endian"),
    };
    let _ = writeln!(
        out,
        "when cpuEndian != {endian}:\n  {{.error: \"abi-check: {}: the descriptor says {word}\".}}",
        nim_text(&target)
    );
    for (p, align) in &t.primitive_align {
        if let Some(nim) = nim_primitive(*p) {
            check(
                &mut out,
                &format!("alignof({nim})"),
                &align.to_string(),
                &format!("alignment of `{p}`"),
                "",
                &target,
            );
        }
    }
    for ty in &plan.types {
        let name = q(&ty.def.id);
        let path = ty.path();
        let _ = writeln!(out, "\n# {path}");
        if let Some(size) = ty.size {
            let what = match &ty.def.kind {
                TypeKind::Enum(e) => format!("size (repr `{}`)", e.repr),
                _ => "size".to_owned(),
            };
            check(
                &mut out,
                &format!("sizeof({name})"),
                &size.to_string(),
                &what,
                "",
                &path,
            );
        }
        if let Some(align) = ty.align {
            check(
                &mut out,
                &format!("alignof({name})"),
                &align.to_string(),
                "alignment",
                "",
                &path,
            );
        }
        for f in &ty.fields {
            let field = format!("{path} {} `{}`", ty.member_word(), f.name);
            check(
                &mut out,
                &format!("offsetOf({name}, {})", q(f.name)),
                &f.offset.to_string(),
                "offset",
                "",
                &field,
            );
            if let Some(size) = f.size {
                check(
                    &mut out,
                    &format!("sizeof(typeof({name}.{}))", q(f.name)),
                    &size.to_string(),
                    "size",
                    "",
                    &field,
                );
            }
        }
    }
    if !plan.values.is_empty() {
        out.push_str("\n# Enum variants and constants.\n");
    }
    for v in &plan.values {
        let actual = match v.owner {
            Some(e) => format!("ord({}.{})", q(e), q(v.name)),
            None => q(v.name),
        };
        check_shown(
            &mut out,
            &actual,
            &nim_int(v.value),
            &v.value.to_string(),
            "value",
            "",
            &v.path(),
        );
    }
    if !plan.skipped.is_empty() {
        out.push_str("\n# Not checked:\n");
        for s in &plan.skipped {
            let _ = writeln!(out, "#   {}", sanitize(s));
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nim_identifiers() {
        assert!(is_nim_ident("TileRect"));
        assert!(is_nim_ident("tile_rect"));
        assert!(!is_nim_ident("_x"));
        assert!(!is_nim_ident("a__b"));
        assert!(!is_nim_ident("a_"));
        assert!(!is_nim_ident("*mut T"));
    }

    #[test]
    fn literals() {
        assert_eq!(nim_int(-1), "(-1)");
        assert_eq!(nim_int(i128::from(u64::MAX)), "18446744073709551615'u64");
        assert_eq!(nim_int(i128::from(i64::MIN)), "low(int64)");
    }
}
