//! C spellings shared by the listing and the generated sources.

use abi_descriptor::Primitive;

/// The C type that carries a primitive (`<stdbool.h>`, `<stddef.h>` and
/// `<stdint.h>` names).
pub(crate) fn primitive(p: Primitive) -> &'static str {
    match p {
        Primitive::Void => "void",
        Primitive::Bool => "bool",
        Primitive::I8 => "int8_t",
        Primitive::I16 => "int16_t",
        Primitive::I32 => "int32_t",
        Primitive::I64 => "int64_t",
        Primitive::I128 => "__int128",
        Primitive::U8 => "uint8_t",
        Primitive::U16 => "uint16_t",
        Primitive::U32 => "uint32_t",
        Primitive::U64 => "uint64_t",
        Primitive::U128 => "unsigned __int128",
        Primitive::F32 => "float",
        Primitive::F64 => "double",
        Primitive::CChar => "char",
        Primitive::Isize => "ptrdiff_t",
        Primitive::Usize => "size_t",
    }
}

/// A C string literal holding `s`, control characters escaped.
pub(crate) fn string_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
