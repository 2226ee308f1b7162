//! Invalid descriptors, each with the exact error `validate` must report.

use abi_descriptor::{
    BufferLength, ConstValue, Deprecation, Descriptor, Field, Function, InlineBuffer, Int,
    OpaqueType, Ownership, Param, Repr, StructType, TypeDef, TypeKind, TypeRef, ValidationError,
    Variable, WireAlias, WireKind, WireRef, WireTypeDef,
};
use semver::Version;

/// A valid descriptor that every case below breaks in one place.
pub const BASE: &str = r#"{
  "format": "1.0",
  "library": { "name": "geo", "version": "1.2.0" },
  "producer": { "language": "c", "tool": "hand", "version": "1" },
  "target": {
    "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little",
    "c_int": 4, "c_long": 8, "size_t": 8, "c_char_signed": true, "default_abi": "sysv64"
  },
  "types": [
    { "id": "Point", "kind": "struct", "size": 16, "align": 8, "fields": [
      { "name": "x", "type": "f64", "offset": 0 }, { "name": "y", "type": "f64", "offset": 8 } ] },
    { "id": "*Point", "kind": "pointer", "pointee": "Point", "mutability": "const" },
    { "id": "Pair", "kind": "struct", "size": 8, "align": 4, "fields": [
      { "name": "a", "type": "i32", "offset": 0 }, { "name": "b", "type": "i32", "offset": 4 } ] },
    { "id": "Color", "kind": "enum", "repr": "u8", "variants": [
      { "name": "red", "value": 0 }, { "name": "green", "value": 1 } ] },
    { "id": "Shape", "kind": "tagged_union", "size": 24, "align": 8,
      "tag": { "type": "u8", "offset": 0 }, "payload_offset": 8, "variants": [
      { "name": "circle", "tag": 0, "payload": "f64" }, { "name": "square", "tag": 1, "payload": "Point" } ] },
    { "id": "Opts", "kind": "extensible", "size": 8, "align": 4, "versioning": { "size_field": "size" },
      "fields": [ { "name": "size", "type": "u32", "offset": 0 },
                  { "name": "flags", "type": "u32", "offset": 4, "since": "1.1.0" } ] },
    { "id": "*Opts", "kind": "pointer", "pointee": "Opts", "mutability": "mut" },
    { "id": "*void", "kind": "pointer", "pointee": "void", "mutability": "mut" },
    { "id": "cb_t", "kind": "function_pointer",
      "params": [ { "name": "user", "type": "*void" }, { "name": "code", "type": "i32" } ], "user_data": 0 },
    { "id": "str_t", "kind": "buffer", "encoding": "utf8", "length": "nul_terminated",
      "mutability": "const", "ownership": { "caller_owned": { "free": "geo_free" } } },
    { "id": "slice_t", "kind": "buffer", "encoding": "bytes", "mutability": "const",
      "length": { "inline": { "size": 16, "align": 8, "ptr_offset": 0, "len_offset": 8, "len_type": "usize" } } },
    { "id": "Handle", "kind": "opaque" },
    { "id": "Num", "kind": "union", "size": 8, "align": 8, "members": [
      { "name": "f", "type": "f64" }, { "name": "i", "type": "i64" } ] },
    { "id": "*c_char", "kind": "pointer", "pointee": "c_char", "mutability": "const" }
  ],
  "functions": [
    { "symbol": "geo_norm", "params": [ { "name": "p", "type": "*Point" } ], "return": "f64" },
    { "symbol": "geo_free", "params": [ { "name": "s", "type": "str_t" } ] },
    { "symbol": "geo_fill", "params": [ { "name": "buf", "type": "*void" },
                                        { "name": "len", "type": "usize", "length_of": "buf" } ] },
    { "symbol": "geo_call", "return": "i32",
      "params": [ { "name": "ctx", "type": "*void" }, { "name": "cb", "type": "cb_t" },
                  { "name": "req", "type": "str_t" } ],
      "wire": { "encoding": "cbor", "request_param": "req", "request": "Req", "callback_param": "cb",
                "reply": "Reply", "codes": "ret", "events": [ { "name": "changed", "payload": "Reply" } ] } },
    { "symbol": "geo_configure", "params": [ { "name": "opts", "type": "*Opts" } ] }
  ],
  "variables": [ { "symbol": "geo_origin", "type": "Point", "mutability": "const" } ],
  "constants": [
    { "name": "GEO_MAX", "type": "i32", "value": { "int": 100 } },
    { "name": "GEO_NAME", "type": "*c_char", "value": { "text": "geo" } },
    { "name": "GEO_PI", "type": "f64", "value": { "float": 3.14 } },
    { "name": "GEO_ON", "type": "bool", "value": { "bool": true } }
  ],
  "wire_types": [
    { "id": "Reply", "kind": "record", "fields": [ { "name": "x", "type": "f64" } ] },
    { "id": "Req", "kind": "enum", "values": [ "a", "b" ] }
  ],
  "code_tables": [
    { "id": "ret", "codes": [ { "value": 0, "name": "OK", "final": true },
                              { "value": 1, "name": "PROGRESS", "final": false } ] }
  ]
}"#;

pub fn base() -> Descriptor {
    Descriptor::from_json(BASE).expect("the base descriptor decodes")
}

fn version(v: &str) -> Version {
    v.parse().expect("version")
}

fn kind<'a>(d: &'a mut Descriptor, id: &str) -> &'a mut TypeKind {
    &mut d
        .types
        .iter_mut()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no type {id}"))
        .kind
}

fn strukt<'a>(d: &'a mut Descriptor, id: &str) -> &'a mut StructType {
    match kind(d, id) {
        TypeKind::Struct(s) => s,
        _ => panic!("{id} is not a struct"),
    }
}

fn function<'a>(d: &'a mut Descriptor, symbol: &str) -> &'a mut Function {
    d.functions
        .iter_mut()
        .find(|f| f.symbol == symbol)
        .unwrap_or_else(|| panic!("no function {symbol}"))
}

fn wire<'a>(d: &'a mut Descriptor, symbol: &str) -> &'a mut abi_descriptor::WireCall {
    function(d, symbol).wire.as_mut().expect("wire call")
}

fn constant<'a>(d: &'a mut Descriptor, name: &str) -> &'a mut abi_descriptor::Constant {
    d.constants
        .iter_mut()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no constant {name}"))
}

fn strukt_def(id: &str, size: u64, align: u64, fields: &[(&str, &str, u64)]) -> TypeDef {
    TypeDef {
        id: id.into(),
        since: None,
        deprecated: None,
        kind: TypeKind::Struct(StructType {
            repr: Repr::C,
            size,
            align,
            fields: fields
                .iter()
                .map(|&(name, ty, offset)| Field {
                    name: name.into(),
                    ty: TypeRef::new(ty),
                    offset,
                    since: None,
                })
                .collect(),
        }),
    }
}

type Mutation = fn(&mut Descriptor);

/// (name, mutation, expected path, expected message substring).
const CASES: &[(&str, Mutation, &str, &str)] = &[
    (
        "dangling type in a field",
        |d| strukt(d, "Point").fields[1].ty = TypeRef::new("Missing"),
        "struct `Point` field `y`",
        "refers to undeclared type `Missing`",
    ),
    (
        "dangling type in a parameter",
        |d| function(d, "geo_norm").params[0].ty = TypeRef::new("Missing"),
        "function `geo_norm` parameter `p`",
        "refers to undeclared type `Missing`",
    ),
    (
        "dangling return type",
        |d| function(d, "geo_norm").ret = TypeRef::new("Missing"),
        "function `geo_norm` return type",
        "refers to undeclared type `Missing`",
    ),
    (
        "dangling pointee",
        |d| {
            if let TypeKind::Pointer(p) = kind(d, "*Point") {
                p.pointee = TypeRef::new("Missing");
            }
        },
        "pointer `*Point`",
        "refers to undeclared type `Missing`",
    ),
    (
        "dangling type in a variable",
        |d| d.variables[0].ty = TypeRef::new("Missing"),
        "variable `geo_origin`",
        "refers to undeclared type `Missing`",
    ),
    (
        "duplicate type id",
        |d| {
            let pair = d.types.iter().find(|t| t.id == "Pair").cloned();
            d.types.extend(pair);
        },
        "type `Pair`",
        "id is declared more than once",
    ),
    (
        "duplicate function symbol",
        |d| {
            let f = function(d, "geo_norm").clone();
            d.functions.push(f);
        },
        "function `geo_norm`",
        "symbol is declared more than once",
    ),
    (
        "symbol shared by a function and a variable",
        |d| d.variables[0].symbol = "geo_norm".into(),
        "variable `geo_norm`",
        "symbol is declared more than once",
    ),
    (
        "duplicate constant name",
        |d| constant(d, "GEO_ON").name = "GEO_MAX".into(),
        "constant `GEO_MAX`",
        "name is declared more than once",
    ),
    (
        "type id shadowing a primitive",
        |d| {
            d.types.push(TypeDef {
                id: "u8".into(),
                since: None,
                deprecated: None,
                kind: TypeKind::Opaque(OpaqueType::default()),
            })
        },
        "opaque `u8`",
        "id shadows the primitive of the same name",
    ),
    (
        "empty type id",
        |d| {
            d.types.push(TypeDef {
                id: String::new(),
                since: None,
                deprecated: None,
                kind: TypeKind::Opaque(OpaqueType::default()),
            })
        },
        "types",
        "a type has an empty id",
    ),
    (
        "misaligned field",
        |d| {
            let s = strukt(d, "Pair");
            s.size = 12;
            s.fields[1].offset = 6;
        },
        "struct `Pair` field `b`",
        "offset 6 is not a multiple of the alignment 4 of `i32`",
    ),
    (
        "field past the struct's size",
        |d| strukt(d, "Pair").fields[1].offset = 8,
        "struct `Pair` field `b`",
        "offset 8 plus size 4 of `i32` ends past the struct's size 8",
    ),
    (
        "field offset overflowing u64",
        |d| strukt(d, "Pair").fields[1].offset = u64::MAX - 3,
        "struct `Pair` field `b`",
        "offset 18446744073709551612 plus size 4 of `i32` ends past the struct's size 8",
    ),
    (
        "overlapping fields",
        |d| strukt(d, "Point").fields[1].offset = 0,
        "struct `Point` field `y`",
        "overlaps field `x`, which ends at offset 8",
    ),
    (
        "field aligned more than its struct",
        |d| {
            let s = strukt(d, "Point");
            s.fields.truncate(1);
            s.size = 8;
            s.align = 4;
        },
        "struct `Point` field `x`",
        "alignment 8 of `f64` exceeds the struct's alignment 4",
    ),
    (
        "size not a multiple of the alignment",
        |d| strukt(d, "Pair").size = 10,
        "struct `Pair`",
        "size 10 is not a multiple of its alignment 4",
    ),
    (
        "alignment not a power of two",
        |d| strukt(d, "Pair").align = 12,
        "struct `Pair`",
        "alignment 12 is not a power of two",
    ),
    (
        "alignment zero",
        |d| {
            if let TypeKind::Opaque(o) = kind(d, "Handle") {
                o.size = Some(8);
                o.align = Some(0);
            }
        },
        "opaque `Handle`",
        "alignment 0 is not a power of two",
    ),
    (
        "by-value cycle through two structs",
        |d| {
            d.types.push(strukt_def("A", 8, 4, &[("b", "B", 0)]));
            d.types.push(strukt_def("B", 8, 4, &[("a", "A", 0)]));
        },
        "struct `A`",
        "contains itself by value: `A` -> `B` -> `A`",
    ),
    (
        "by-value cycle through a struct and an array",
        |d| {
            d.types
                .push(strukt_def("Self", 8, 4, &[("many", "[Self; 2]", 0)]));
            d.types.push(TypeDef {
                id: "[Self; 2]".into(),
                since: None,
                deprecated: None,
                kind: TypeKind::Array(abi_descriptor::ArrayType {
                    element: TypeRef::new("Self"),
                    len: 2,
                }),
            });
        },
        "struct `Self`",
        "contains itself by value: `Self` -> `[Self; 2]` -> `Self`",
    ),
    (
        "by-value cycle through aliases",
        |d| {
            for (id, target) in [("L", "M"), ("M", "L")] {
                d.types.push(TypeDef {
                    id: id.into(),
                    since: None,
                    deprecated: None,
                    kind: TypeKind::Alias(abi_descriptor::AliasType {
                        target: TypeRef::new(target),
                    }),
                });
            }
        },
        "alias `L`",
        "contains itself by value: `L` -> `M` -> `L`",
    ),
    (
        "extensible struct as a parameter by value",
        |d| function(d, "geo_configure").params[0].ty = TypeRef::new("Opts"),
        "function `geo_configure` parameter `opts`",
        "extensible struct `Opts` is used by value; it may only be passed by pointer",
    ),
    (
        "extensible struct as a field by value",
        |d| {
            d.types
                .push(strukt_def("Holder", 8, 4, &[("o", "Opts", 0)]))
        },
        "struct `Holder` field `o`",
        "extensible struct `Opts` is used by value; it may only be passed by pointer",
    ),
    (
        "extensible struct returned by value through an alias",
        |d| {
            d.types.push(TypeDef {
                id: "OptsAlias".into(),
                since: None,
                deprecated: None,
                kind: TypeKind::Alias(abi_descriptor::AliasType {
                    target: TypeRef::new("Opts"),
                }),
            });
            function(d, "geo_configure").ret = TypeRef::new("OptsAlias");
        },
        "function `geo_configure` return type",
        "extensible struct `Opts` is used by value",
    ),
    (
        "extensible field appended without since after a field with since",
        |d| {
            if let TypeKind::Extensible(x) = kind(d, "Opts") {
                x.size = 12;
                x.fields.push(Field {
                    name: "extra".into(),
                    ty: TypeRef::new("u32"),
                    offset: 8,
                    since: None,
                });
            }
        },
        "extensible `Opts` field `extra`",
        "has no `since` but sits after a field that appeared in 1.1.0; fields may only be appended",
    ),
    (
        "extensible field appended with an older since",
        |d| {
            if let TypeKind::Extensible(x) = kind(d, "Opts") {
                x.size = 12;
                x.fields.push(Field {
                    name: "extra".into(),
                    ty: TypeRef::new("u32"),
                    offset: 8,
                    since: Some(Box::new(version("1.0.5"))),
                });
            }
        },
        "extensible `Opts` field `extra`",
        "appeared in 1.0.5 but sits after a field that appeared in 1.1.0",
    ),
    (
        "extensible versioning field missing",
        |d| {
            if let TypeKind::Extensible(x) = kind(d, "Opts") {
                x.versioning = abi_descriptor::Versioning::SizeField("cb".into());
            }
        },
        "extensible `Opts`",
        "versioning field `cb` is not one of its fields",
    ),
    (
        "extensible versioning field not an integer",
        |d| {
            if let TypeKind::Extensible(x) = kind(d, "Opts") {
                x.fields[0].ty = TypeRef::new("f32");
            }
        },
        "extensible `Opts` field `size`",
        "`f32` is not an integer type",
    ),
    (
        "enum value 300 in u8",
        |d| {
            if let TypeKind::Enum(e) = kind(d, "Color") {
                e.variants[1].value = Int::from(300i64);
            }
        },
        "enum `Color` variant `green`",
        "value 300 does not fit `u8`",
    ),
    (
        "enum value -1 in u32",
        |d| {
            if let TypeKind::Enum(e) = kind(d, "Color") {
                e.repr = TypeRef::new("u32");
                e.variants[0].value = Int::from(-1i64);
            }
        },
        "enum `Color` variant `red`",
        "value -1 does not fit `u32`",
    ),
    (
        "enum value 128 in a signed c_char",
        |d| {
            if let TypeKind::Enum(e) = kind(d, "Color") {
                e.repr = TypeRef::new("c_char");
                e.variants[0].value = Int::from(128i64);
            }
        },
        "enum `Color` variant `red`",
        "value 128 does not fit `c_char`",
    ),
    (
        "enum represented by a float",
        |d| {
            if let TypeKind::Enum(e) = kind(d, "Color") {
                e.repr = TypeRef::new("f32");
            }
        },
        "enum `Color`",
        "representation `f32` is not an integer primitive",
    ),
    (
        "enum represented by a struct",
        |d| {
            if let TypeKind::Enum(e) = kind(d, "Color") {
                e.repr = TypeRef::new("Pair");
            }
        },
        "enum `Color`",
        "representation `Pair` is not an integer primitive",
    ),
    (
        "duplicate enum variant name",
        |d| {
            if let TypeKind::Enum(e) = kind(d, "Color") {
                e.variants[1].name = "red".into();
            }
        },
        "enum `Color` variant `red`",
        "name is declared more than once",
    ),
    (
        "tagged union tag value out of range",
        |d| {
            if let TypeKind::TaggedUnion(u) = kind(d, "Shape") {
                u.variants[1].tag = Int::from(256i64);
            }
        },
        "tagged_union `Shape` variant `square`",
        "tag 256 does not fit `u8`",
    ),
    (
        "tagged union tag not an integer",
        |d| {
            if let TypeKind::TaggedUnion(u) = kind(d, "Shape") {
                u.tag.ty = TypeRef::new("f32");
            }
        },
        "tagged_union `Shape` tag",
        "`f32` is not an integer type",
    ),
    (
        "tagged union payload past its size",
        |d| {
            if let TypeKind::TaggedUnion(u) = kind(d, "Shape") {
                u.payload_offset = 16;
            }
        },
        "tagged_union `Shape` variant `square`",
        "payload at offset 16 of size 16 ends past the size 24",
    ),
    (
        "union member larger than the union",
        |d| {
            if let TypeKind::Union(u) = kind(d, "Num") {
                u.members[0].ty = TypeRef::new("Point");
            }
        },
        "union `Num` member `f`",
        "size 16 exceeds the union's size 8",
    ),
    (
        "function pointer user_data out of range",
        |d| {
            if let TypeKind::FunctionPointer(f) = kind(d, "cb_t") {
                f.user_data = Some(2);
            }
        },
        "function_pointer `cb_t`",
        "user data parameter 2 does not exist (2 parameters)",
    ),
    (
        "length_of naming a missing parameter",
        |d| function(d, "geo_fill").params[1].length_of = Some("nothing".into()),
        "function `geo_fill` parameter `len`",
        "is the length of `nothing`, which is not a parameter",
    ),
    (
        "length_of naming a non-pointer parameter",
        |d| {
            let f = function(d, "geo_fill");
            f.params.insert(
                1,
                Param {
                    name: "n".into(),
                    ty: TypeRef::new("i32"),
                    length_of: None,
                },
            );
            f.params[2].length_of = Some("n".into());
        },
        "function `geo_fill` parameter `len`",
        "is the length of `n`, which is not a pointer or buffer",
    ),
    (
        "length parameter not an integer",
        |d| function(d, "geo_fill").params[1].ty = TypeRef::new("f64"),
        "function `geo_fill` parameter `len`",
        "`f64` is not an integer type",
    ),
    (
        "duplicate parameter name",
        |d| function(d, "geo_fill").params[1].name = "buf".into(),
        "function `geo_fill` parameter `buf`",
        "name is declared more than once",
    ),
    (
        "wire request_param missing",
        |d| wire(d, "geo_call").request_param = Some("nope".into()),
        "function `geo_call`",
        "wire request parameter `nope` is not a parameter",
    ),
    (
        "wire callback_param missing",
        |d| wire(d, "geo_call").callback_param = Some("nope".into()),
        "function `geo_call`",
        "wire callback parameter `nope` is not a parameter",
    ),
    (
        "wire callback_param not a function pointer",
        |d| wire(d, "geo_call").callback_param = Some("ctx".into()),
        "function `geo_call`",
        "wire callback parameter `ctx` is not a function pointer",
    ),
    (
        "undeclared wire type in a request",
        |d| wire(d, "geo_call").request = Some(WireRef::new("Nope")),
        "function `geo_call` wire request",
        "refers to undeclared wire type `Nope`",
    ),
    (
        "undeclared wire type in an event",
        |d| wire(d, "geo_call").events[0].payload = WireRef::new("Nope"),
        "function `geo_call` event `changed`",
        "refers to undeclared wire type `Nope`",
    ),
    (
        "undeclared wire type in a record field",
        |d| {
            if let WireKind::Record(r) = &mut d.wire_types[0].kind {
                r.fields[0].ty = WireRef::new("Nope");
            }
        },
        "wire record `Reply`",
        "refers to undeclared wire type `Nope`",
    ),
    (
        "undeclared code table",
        |d| wire(d, "geo_call").codes = Some("nope".into()),
        "function `geo_call`",
        "wire code table `nope` is not declared",
    ),
    (
        "code table with no final code",
        |d| d.code_tables[0].codes[0].is_final = false,
        "code table `ret`",
        "no code is final, so no call could ever end",
    ),
    (
        "duplicate code value",
        |d| d.code_tables[0].codes[1].value = Int::from(0i64),
        "code table `ret` code `PROGRESS`",
        "value 0 is used by another code",
    ),
    (
        "wire type id shadowing a wire primitive",
        |d| {
            d.wire_types.push(WireTypeDef {
                id: "text".into(),
                since: None,
                deprecated: None,
                kind: WireKind::Enum(abi_descriptor::WireEnum {
                    values: vec!["x".into()],
                    exhaustive: true,
                }),
            })
        },
        "wire enum `text`",
        "id shadows the wire primitive of the same name",
    ),
    (
        "empty wire enum value",
        |d| {
            if let WireKind::Enum(e) = &mut d.wire_types[1].kind {
                e.values.push(String::new());
            }
        },
        "wire enum `Req`",
        "value `` is empty or declared more than once",
    ),
    (
        "constant int out of range",
        |d| {
            let c = constant(d, "GEO_MAX");
            c.ty = TypeRef::new("i8");
            c.value = ConstValue::Int(Int::from(300i64));
        },
        "constant `GEO_MAX`",
        "value 300 does not fit `i8`",
    ),
    (
        "constant int below an unsigned type",
        |d| {
            let c = constant(d, "GEO_MAX");
            c.ty = TypeRef::new("u64");
            c.value = ConstValue::Int(Int::from(-1i64));
        },
        "constant `GEO_MAX`",
        "value -1 does not fit `u64`",
    ),
    (
        "float constant on an int type",
        |d| constant(d, "GEO_PI").ty = TypeRef::new("i32"),
        "constant `GEO_PI`",
        "a float value does not match type `i32`",
    ),
    (
        "non-finite float constant",
        |d| constant(d, "GEO_PI").value = ConstValue::Float(f64::INFINITY),
        "constant `GEO_PI`",
        "value inf is not finite",
    ),
    (
        "bool constant on an int type",
        |d| constant(d, "GEO_ON").ty = TypeRef::new("u8"),
        "constant `GEO_ON`",
        "a bool value does not match type `u8`",
    ),
    (
        "text constant on a pointer to a struct",
        |d| constant(d, "GEO_NAME").ty = TypeRef::new("*Point"),
        "constant `GEO_NAME`",
        "text value does not match type `*Point`",
    ),
    (
        "since newer than the library version",
        |d| function(d, "geo_norm").since = Some(Box::new(version("2.0.0"))),
        "function `geo_norm`",
        "since version 2.0.0 is newer than the library version 1.2.0",
    ),
    (
        "deprecated since newer than the library version",
        |d| {
            d.types[0].deprecated = Some(Box::new(Deprecation {
                since: Some(Box::new(version("1.2.1"))),
                note: None,
            }))
        },
        "struct `Point`",
        "deprecated since version 1.2.1 is newer than the library version 1.2.0",
    ),
    (
        "enum variant since newer than the library version",
        |d| {
            if let TypeKind::Enum(e) = kind(d, "Color") {
                e.variants[0].since = Some(Box::new(version("1.3.0")));
            }
        },
        "enum `Color` variant `red`",
        "since version 1.3.0 is newer than the library version 1.2.0",
    ),
    (
        "release since newer than a prerelease library",
        |d| {
            d.library.version = version("1.2.0-rc.1");
            function(d, "geo_norm").since = Some(Box::new(version("1.2.0")));
        },
        "function `geo_norm`",
        "since version 1.2.0 is newer than the library version 1.2.0-rc.1",
    ),
    (
        "pointer width 48",
        |d| d.target.pointer_width = 48,
        "target",
        "pointer width 48 is not 16, 32 or 64",
    ),
    (
        "size_t narrower than a pointer",
        |d| d.target.size_t = 4,
        "target",
        "`size_t` is 4 bytes but pointers are 64 bits",
    ),
    (
        "long smaller than int",
        |d| {
            d.target.c_int = 8;
            d.target.c_long = 4;
        },
        "target",
        "`long` size 4 is not 4 or 8, or is smaller than `int`",
    ),
    (
        "alignment override for void",
        |d| {
            d.target
                .primitive_align
                .insert(abi_descriptor::Primitive::Void, 1);
        },
        "target",
        "alignment 1 of `void` is not a power of two of a sized primitive",
    ),
    (
        "empty library name",
        |d| d.library.name.clear(),
        "library",
        "name is empty",
    ),
    (
        "caller_owned buffer freed by an undescribed function",
        |d| {
            if let TypeKind::Buffer(b) = kind(d, "str_t") {
                b.ownership = Ownership::CallerOwned {
                    free: "nope".into(),
                };
            }
        },
        "buffer `str_t`",
        "is freed with `nope`, which is not a described function",
    ),
    (
        "caller_owned pointer freed by a variable",
        |d| {
            if let TypeKind::Pointer(p) = kind(d, "*Point") {
                p.ownership = Ownership::CallerOwned {
                    free: "geo_origin".into(),
                };
            }
        },
        "pointer `*Point`",
        "is freed with `geo_origin`, which is not a described function",
    ),
    (
        "transparent struct with two sized fields",
        |d| strukt(d, "Point").repr = Repr::Transparent,
        "struct `Point`",
        "transparent struct has 2 non-zero-sized fields, not 1",
    ),
    (
        "opaque type with a size but no alignment",
        |d| {
            if let TypeKind::Opaque(o) = kind(d, "Handle") {
                o.size = Some(8);
            }
        },
        "opaque `Handle`",
        "size and align must both be given or both be absent",
    ),
    (
        "pointer-only opaque type used by value",
        |d| function(d, "geo_norm").params[0].ty = TypeRef::new("Handle"),
        "function `geo_norm` parameter `p`",
        "type `Handle` has no size and cannot be used by value",
    ),
    (
        "void variable",
        |d| d.variables[0].ty = TypeRef::new("void"),
        "variable `geo_origin`",
        "type `void` has no size and cannot be used by value",
    ),
    (
        "inline buffer whose length ends past its size",
        |d| {
            if let TypeKind::Buffer(b) = kind(d, "slice_t")
                && let BufferLength::Inline(i) = &mut b.length
            {
                i.len_offset = 12;
            }
        },
        "buffer `slice_t`",
        "length at offset 12 ends past the size 16",
    ),
    (
        "inline buffer whose pointer and length overlap",
        |d| {
            if let TypeKind::Buffer(b) = kind(d, "slice_t")
                && let BufferLength::Inline(i) = &mut b.length
            {
                i.len_offset = 4;
                i.len_type = TypeRef::new("u32");
            }
        },
        "buffer `slice_t`",
        "pointer and length overlap",
    ),
    (
        "wire alias of itself",
        |d| {
            d.wire_types.push(WireTypeDef {
                id: "W1".into(),
                since: None,
                deprecated: None,
                kind: WireKind::Alias(WireAlias {
                    target: WireRef::new("W1"),
                }),
            })
        },
        "wire alias `W1`",
        "aliases lead back to themselves",
    ),
];

fn describe(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(|e| format!("\n    {:?}: {:?}", e.path, e.message))
        .collect()
}

#[test]
fn base_descriptor_is_valid() {
    let d = base();
    if let Err(e) = d.validate() {
        panic!("{e}");
    }
}

/// Each case breaks the base descriptor in one place and must yield exactly
/// one error, with this path and message.
#[test]
fn invalid_descriptors_report_the_expected_error() {
    let mut failures = Vec::new();
    for &(name, mutate, path, message) in CASES {
        let mut d = base();
        mutate(&mut d);
        match d.validate() {
            Ok(()) => failures.push(format!("{name}: validated")),
            Err(e) => {
                let errors = e.errors();
                let matching = errors
                    .iter()
                    .any(|e| e.path == path && e.message.contains(message));
                if !matching || errors.len() != 1 {
                    failures.push(format!(
                        "{name}: expected exactly {path:?}: {message:?}, got{}",
                        describe(errors)
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n  {}",
        failures.len(),
        CASES.len(),
        failures.join("\n  ")
    );
}

/// Changes that look suspicious but are valid.
#[test]
fn valid_variations_of_the_base_validate() {
    let cases: &[(&str, Mutation)] = &[
        ("a struct holding a pointer to itself", |d| {
            d.types.push(strukt_def(
                "Node",
                16,
                8,
                &[("value", "i64", 0), ("next", "*Node", 8)],
            ));
            d.types.push(TypeDef {
                id: "*Node".into(),
                since: None,
                deprecated: None,
                kind: TypeKind::Pointer(abi_descriptor::PointerType {
                    pointee: TypeRef::new("Node"),
                    mutability: abi_descriptor::Mutability::Mut,
                    nullable: true,
                    ownership: Ownership::Borrowed,
                }),
            });
        }),
        ("a pointer to itself", |d| {
            if let TypeKind::Pointer(p) = kind(d, "*Point") {
                p.pointee = TypeRef::new("*Point");
            }
        }),
        ("a function pointer taking itself", |d| {
            if let TypeKind::FunctionPointer(f) = kind(d, "cb_t") {
                f.params.push(Param {
                    name: "next".into(),
                    ty: TypeRef::new("cb_t"),
                    length_of: None,
                });
            }
        }),
        ("an extensible struct returned by pointer", |d| {
            function(d, "geo_norm").ret = TypeRef::new("*Opts");
        }),
        ("a packed struct with a misaligned field", |d| {
            let s = strukt(d, "Pair");
            s.repr = Repr::Packed;
            s.align = 1;
            s.size = 5;
            s.fields[0].ty = TypeRef::new("u8");
            s.fields[1].offset = 1;
        }),
        ("a transparent struct with one field", |d| {
            d.types
                .push(strukt_def("Meters", 8, 8, &[("value", "f64", 0)]));
            if let TypeKind::Struct(s) = kind(d, "Meters") {
                s.repr = Repr::Transparent;
            }
        }),
        ("since equal to the library version", |d| {
            function(d, "geo_norm").since = Some(Box::new(version("1.2.0")));
        }),
        ("pointer width 32 with a 4-byte size_t", |d| {
            d.target.pointer_width = 32;
            d.target.size_t = 4;
            // Layouts that hold pointers shrink accordingly.
            if let TypeKind::Buffer(b) = kind(d, "slice_t")
                && let BufferLength::Inline(i) = &mut b.length
            {
                *i = InlineBuffer {
                    size: 8,
                    align: 4,
                    ptr_offset: 0,
                    len_offset: 4,
                    len_type: TypeRef::new("usize"),
                };
            }
        }),
        ("enum values at the bounds of i64 and u64", |d| {
            if let TypeKind::Enum(e) = kind(d, "Color") {
                e.repr = TypeRef::new("i64");
                e.variants[0].value = Int::from(i64::MIN);
                e.variants[1].value = Int::from(i64::MAX);
            }
            let c = constant(d, "GEO_MAX");
            c.ty = TypeRef::new("u64");
            c.value = ConstValue::Int(Int::from(u64::MAX));
        }),
        ("an unsigned c_char holding 255", |d| {
            d.target.c_char_signed = false;
            if let TypeKind::Enum(e) = kind(d, "Color") {
                e.repr = TypeRef::new("c_char");
                e.variants[1].value = Int::from(255i64);
            }
        }),
        ("a variable of a struct type and a pointer to opaque", |d| {
            d.variables.push(Variable {
                symbol: "geo_handle".into(),
                ty: TypeRef::new("*void"),
                mutability: abi_descriptor::Mutability::Mut,
                since: None,
                deprecated: None,
            });
        }),
    ];
    for (name, mutate) in cases {
        let mut d = base();
        mutate(&mut d);
        if let Err(e) = d.validate() {
            panic!("{name}: {e}");
        }
    }
}

/// `validate` reports every independent problem, in a stable order.
#[test]
fn validate_reports_all_errors() {
    let mut d = base();
    d.target.pointer_width = 48;
    strukt(&mut d, "Pair").size = 10;
    constant(&mut d, "GEO_PI").ty = TypeRef::new("i32");
    let errors = d.validate().expect_err("three problems").0;
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.path.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("target", "pointer width 48 is not 16, 32 or 64"),
            (
                "struct `Pair`",
                "size 10 is not a multiple of its alignment 4"
            ),
            (
                "constant `GEO_PI`",
                "a float value does not match type `i32`"
            ),
        ]
    );
    let text = abi_descriptor::ValidationErrors(errors).to_string();
    assert!(text.starts_with("invalid descriptor: 3 problems\n  - target: pointer width 48"));
}

/// The errors and their order do not depend on the order of the tables.
#[test]
fn errors_do_not_depend_on_table_order() {
    let mut d = base();
    function(&mut d, "geo_norm").ret = TypeRef::new("Missing");
    constant(&mut d, "GEO_PI").ty = TypeRef::new("i32");
    let mut reversed = d.clone();
    reversed.types.reverse();
    reversed.functions.reverse();
    reversed.constants.reverse();
    let mut a = d.validate().expect_err("invalid").0;
    let mut b = reversed.validate().expect_err("invalid").0;
    assert_eq!(a.len(), 2);
    let key = |e: &ValidationError| (e.path.clone(), e.message.clone());
    a.sort_by_key(key);
    b.sort_by_key(key);
    assert_eq!(a, b);
}

// ---------------------------------------------------------------------------
// Hostile values and documented promises checked one by one (the ignored
// ones are library bugs).

/// `validate` must not panic on an inline buffer whose pointer offset is near
/// `u64::MAX`: it reports the pointer as ending past the size.
#[test]
fn inline_buffer_with_huge_pointer_offset_is_an_error_not_a_panic() {
    let mut d = base();
    if let TypeKind::Buffer(b) = kind(&mut d, "slice_t")
        && let BufferLength::Inline(i) = &mut b.length
    {
        i.ptr_offset = u64::MAX;
    }
    let result = std::panic::catch_unwind(|| d.validate());
    let errors = result.expect("validate panicked").expect_err("invalid").0;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, "buffer `slice_t`");
    assert!(
        errors[0]
            .message
            .contains("pointer at offset 18446744073709551615 ends past the size 16")
    );
}

/// `validate` must not panic on a target whose pointer width is below 8
/// bits when a signed pointer-sized integer is used: it reports the width.
#[test]
fn pointer_width_zero_with_isize_is_an_error_not_a_panic() {
    let mut d = base();
    d.target.pointer_width = 0;
    d.target.size_t = 0;
    let c = constant(&mut d, "GEO_MAX");
    c.ty = TypeRef::new("isize");
    let result = std::panic::catch_unwind(|| d.validate());
    let errors = result.expect("validate panicked").expect_err("invalid").0;
    assert!(
        errors
            .iter()
            .any(|e| e.path == "target" && e.message == "pointer width 0 is not 16, 32 or 64"),
        "{errors:?}"
    );
}

/// The documented rule "`since` versions are not newer than the library"
/// holds for the fields of plain structs too.
#[test]
fn struct_field_since_newer_than_the_library_is_reported() {
    let mut d = base();
    strukt(&mut d, "Point").fields[1].since = Some(Box::new(version("9.0.0")));
    let errors = d.validate().expect_err("since 9.0.0 > 1.2.0").0;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, "struct `Point` field `y`");
    assert!(
        errors[0]
            .message
            .contains("since version 9.0.0 is newer than the library version 1.2.0")
    );
}

/// Overlaps are checked between neighbours in offset order, as
/// docs/descriptor-format.md section 7.2 documents: a field inside a large
/// earlier field but after a smaller one is not reported on its own, and the
/// struct is still rejected.
#[test]
fn overlaps_are_checked_between_neighbours() {
    let mut d = base();
    d.types.push(TypeDef {
        id: "[i32; 4]".into(),
        since: None,
        deprecated: None,
        kind: TypeKind::Array(abi_descriptor::ArrayType {
            element: TypeRef::new("i32"),
            len: 4,
        }),
    });
    d.types.push(strukt_def(
        "Overlaps",
        16,
        4,
        &[("all", "[i32; 4]", 0), ("b", "i32", 4), ("c", "i32", 8)],
    ));
    let errors = d.validate().expect_err("overlapping fields").0;
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["struct `Overlaps` field `b`"], "{errors:?}");
    assert_eq!(
        errors[0].message,
        "overlaps field `all`, which ends at offset 16"
    );
}

/// A cycle is one problem: it is reported once even when a type refers to
/// the next type of the cycle through two fields.
#[test]
fn each_by_value_cycle_is_reported_once() {
    let mut d = base();
    d.types.push(strukt_def("A", 8, 4, &[("b", "B", 0)]));
    d.types
        .push(strukt_def("B", 8, 4, &[("a1", "A", 0), ("a2", "A", 4)]));
    let errors = d.validate().expect_err("a by-value cycle").0;
    assert_eq!(
        errors,
        [ValidationError {
            path: "struct `A`".into(),
            message: "contains itself by value: `A` -> `B` -> `A`".into(),
        }]
    );
}
