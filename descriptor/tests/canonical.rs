//! Canonical encoding with fixed inputs: committed bytes, scrambled input,
//! explicit defaults.

use abi_descriptor::{Descriptor, Fingerprint};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    let text: String = text.split_whitespace().collect();
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn canonical(d: &Descriptor) -> Descriptor {
    let mut c = d.clone();
    c.canonicalize();
    c
}

/// A tiny descriptor: defaults written out (`nullable`, `abi`, `return: void`),
/// tables out of order (`H` after `K`), a negative integer and a float.
const TINY: &str = r#"{
  "format": "1.0",
  "library": { "name": "m", "version": "1.0.0" },
  "producer": { "language": "c", "tool": "t", "version": "1" },
  "target": {
    "triple": "x", "pointer_width": 64, "endian": "little", "c_int": 4, "c_long": 8,
    "size_t": 8, "c_char_signed": true, "default_abi": "sysv64"
  },
  "types": [ { "id": "P", "kind": "pointer", "pointee": "i8", "mutability": "const", "nullable": false } ],
  "functions": [ { "symbol": "f", "params": [ { "name": "p", "type": "P" } ], "return": "void", "abi": "c" } ],
  "constants": [
    { "name": "K", "type": "i8", "value": { "int": -2 } },
    { "name": "H", "type": "f64", "value": { "float": 1.5 } }
  ]
}"#;

/// The canonical CBOR of [`TINY`], checked by hand item by item. Map keys are
/// in RFC 8949 order (shorter first, then bytewise), tables in canonical
/// order, fields at their default left out.
const TINY_CBOR: &str = "
a7                                        map(7)
  65 7479706573                           'types' (5 bytes: the shortest key comes first)
    81 a4                                 [ map(4)
      62 6964             61 50           'id': 'P'
      64 6b696e64         67 706f696e746572            'kind': 'pointer'
      67 706f696e746565   62 6938                      'pointee': 'i8'
      6a 6d75746162696c697479  65 636f6e7374           'mutability': 'const' ('nullable': false left out)
  66 666f726d6174  63 312e30                'format': '1.0'
  66 746172676574  a8                       'target' (6 bytes, after 'format'): map(8)
    65 635f696e74  04                       'c_int': 4
    66 635f6c6f6e67  08                     'c_long': 8
    66 656e6469616e  66 6c6974746c65        'endian': 'little'
    66 73697a655f74  08                     'size_t': 8
    66 747269706c65  61 78                  'triple': 'x'
    6b 64656661756c745f616269  66 737973763634      'default_abi': 'sysv64'
    6d 635f636861725f7369676e6564  f5               'c_char_signed': true
    6d 706f696e7465725f7769647468  18 40            'pointer_width': 64 (one-byte argument)
  67 6c696272617279  a2                     'library': map(2)
    64 6e616d65  61 6d                      'name': 'm'
    67 76657273696f6e  65 312e302e30        'version': '1.0.0'
  68 70726f6475636572  a3                   'producer': map(3)
    64 746f6f6c  61 74                      'tool': 't'
    67 76657273696f6e  61 31                'version': '1'
    68 6c616e6775616765  61 63              'language': 'c'
  69 636f6e7374616e7473  82                 'constants' (9 bytes, before 'functions'): [
    a3 64 6e616d65 61 48                      {'name': 'H' (sorted before 'K'),
       64 74797065 63 663634                   'type': 'f64',
       65 76616c7565 a1 65 666c6f6174 f9 3e00  'value': {'float': 1.5 as a half float}}
    a3 64 6e616d65 61 4b                      {'name': 'K',
       64 74797065 62 6938                     'type': 'i8',
       65 76616c7565 a1 63 696e74 21           'value': {'int': -2 (major type 1, argument 1)}}
  69 66756e6374696f6e73  81 a2              'functions': [ map(2) ('return': 'void' and 'abi': 'c' left out)
    66 706172616d73  81 a2                  'params': [ map(2)
      64 6e616d65  61 70                      'name': 'p'
      64 74797065  61 50                      'type': 'P' ]
    66 73796d626f6c  61 66                  'symbol': 'f' ]
";

/// Keeps the hex digits of [`TINY_CBOR`], dropping the annotations.
fn tiny_cbor_bytes() -> Vec<u8> {
    let digits: String = TINY_CBOR
        .lines()
        .flat_map(|line| {
            line.split_whitespace()
                .take_while(|w| w.chars().all(|c| c.is_ascii_hexdigit()) && w.len() % 2 == 0)
                .collect::<Vec<_>>()
        })
        .collect();
    unhex(&digits)
}

#[test]
fn tiny_descriptor_encodes_to_the_committed_bytes() {
    let expected = tiny_cbor_bytes();
    assert_eq!(
        expected.len(),
        354,
        "the annotated hex lost or gained bytes"
    );
    let d = Descriptor::from_json(TINY).expect("tiny descriptor");
    d.validate().expect("tiny descriptor is valid");
    let cbor = d.to_cbor().expect("to_cbor");
    assert_eq!(hex(&cbor), hex(&expected));
    let decoded = Descriptor::from_cbor(&expected).expect("committed bytes decode");
    assert_eq!(decoded, canonical(&d));
    assert_eq!(
        d.fingerprints().expect("fingerprints").descriptor,
        Fingerprint::of_bytes(&expected)
    );
}

/// A descriptor with every table in canonical order and keys in the order
/// of the model's fields.
pub const ORDERED: &str = r#"{
  "format": "1.0",
  "library": { "name": "scramble", "version": "2.1.0", "soname": "libscramble.so.2" },
  "producer": { "language": "c", "tool": "hand", "version": "1" },
  "target": {
    "triple": "i686-unknown-linux-gnu", "pointer_width": 32, "endian": "little", "c_int": 4,
    "c_long": 4, "size_t": 4, "c_char_signed": true, "default_abi": "c",
    "primitive_align": { "i64": 4, "f64": 4 }
  },
  "types": [
    { "id": "*Node", "kind": "pointer", "pointee": "Node", "mutability": "mut", "nullable": true },
    { "id": "Color", "kind": "enum", "repr": "u8", "variants": [
      { "name": "red", "value": 0 }, { "name": "green", "value": 1 }, { "name": "blue", "value": 2 } ] },
    { "id": "Msg", "kind": "tagged_union", "size": 12, "align": 4,
      "tag": { "type": "Color", "offset": 0 }, "payload_offset": 4, "variants": [
      { "name": "r", "tag": 0, "payload": "f64" }, { "name": "g", "tag": 1 } ] },
    { "id": "Node", "kind": "struct", "size": 8, "align": 4, "fields": [
      { "name": "value", "type": "i32", "offset": 0 }, { "name": "next", "type": "*Node", "offset": 4 } ] },
    { "id": "Num", "kind": "union", "size": 8, "align": 4, "members": [
      { "name": "f", "type": "f64" }, { "name": "i", "type": "i64" } ] },
    { "id": "Opts", "kind": "extensible", "size": 8, "align": 4, "versioning": { "size_field": "size" },
      "fields": [ { "name": "size", "type": "u32", "offset": 0 },
                  { "name": "flags", "type": "u32", "offset": 4, "since": "2.1.0" } ] },
    { "id": "cb_t", "kind": "function_pointer",
      "params": [ { "name": "user", "type": "*Node" }, { "name": "code", "type": "i32" } ], "user_data": 0 },
    { "id": "str_t", "kind": "buffer", "encoding": "utf8", "length": "nul_terminated",
      "mutability": "const", "ownership": { "caller_owned": { "free": "s_free" } } }
  ],
  "functions": [
    { "symbol": "s_call", "params": [ { "name": "req", "type": "str_t" }, { "name": "cb", "type": "cb_t" } ],
      "return": "i32",
      "wire": { "encoding": "json", "request_param": "req", "request": "Req", "callback_param": "cb",
                "reply": "Reply", "codes": "ret", "events": [
                  { "name": "changed", "payload": "Reply" }, { "name": "closed", "payload": "null" } ] } },
    { "symbol": "s_free", "params": [ { "name": "s", "type": "str_t" } ] },
    { "symbol": "s_list", "params": [ { "name": "head", "type": "*Node" } ], "return": "Num" }
  ],
  "variables": [
    { "symbol": "s_count", "type": "u32", "mutability": "const" },
    { "symbol": "s_head", "type": "*Node", "mutability": "mut" }
  ],
  "constants": [
    { "name": "S_MAX", "type": "i32", "value": { "int": 100 } },
    { "name": "S_NAME", "type": "str_t", "value": { "text": "s" } },
    { "name": "S_PI", "type": "f64", "value": { "float": 3.25 } }
  ],
  "wire_types": [
    { "id": "Reply", "kind": "record", "fields": [
      { "name": "count", "type": "u32" }, { "name": "items", "type": "Req", "optional": true } ] },
    { "id": "Req", "kind": "enum", "values": [ "a", "b" ] }
  ],
  "code_tables": [
    { "id": "ret", "codes": [
      { "value": -1, "name": "ERR", "final": true },
      { "value": 0, "name": "OK", "final": true },
      { "value": 1, "name": "PROGRESS", "final": false } ] },
    { "id": "ret2", "codes": [ { "value": 0, "name": "DONE", "final": true } ] }
  ]
}"#;

/// [`ORDERED`] with the keys of every object in another order and every
/// table out of canonical order.
pub const SCRAMBLED: &str = r#"{
  "code_tables": [
    { "codes": [ { "final": true, "name": "DONE", "value": 0 } ], "id": "ret2" },
    { "codes": [
      { "name": "PROGRESS", "final": false, "value": 1 },
      { "final": true, "value": 0, "name": "OK" },
      { "value": -1, "final": true, "name": "ERR" } ], "id": "ret" }
  ],
  "wire_types": [
    { "values": [ "b", "a" ], "kind": "enum", "id": "Req" },
    { "fields": [
      { "optional": true, "type": "Req", "name": "items" }, { "type": "u32", "name": "count" } ],
      "kind": "record", "id": "Reply" }
  ],
  "constants": [
    { "value": { "float": 3.25 }, "type": "f64", "name": "S_PI" },
    { "name": "S_MAX", "value": { "int": 100 }, "type": "i32" },
    { "type": "str_t", "value": { "text": "s" }, "name": "S_NAME" }
  ],
  "variables": [
    { "mutability": "mut", "type": "*Node", "symbol": "s_head" },
    { "type": "u32", "symbol": "s_count", "mutability": "const" }
  ],
  "functions": [
    { "return": "Num", "params": [ { "type": "*Node", "name": "head" } ], "symbol": "s_list" },
    { "wire": { "events": [ { "payload": "null", "name": "closed" }, { "payload": "Reply", "name": "changed" } ],
                "codes": "ret", "reply": "Reply", "callback_param": "cb", "request": "Req",
                "request_param": "req", "encoding": "json" },
      "return": "i32",
      "params": [ { "type": "str_t", "name": "req" }, { "type": "cb_t", "name": "cb" } ],
      "symbol": "s_call" },
    { "params": [ { "type": "str_t", "name": "s" } ], "symbol": "s_free" }
  ],
  "types": [
    { "ownership": { "caller_owned": { "free": "s_free" } }, "mutability": "const",
      "length": "nul_terminated", "encoding": "utf8", "kind": "buffer", "id": "str_t" },
    { "user_data": 0, "params": [ { "type": "*Node", "name": "user" }, { "type": "i32", "name": "code" } ],
      "kind": "function_pointer", "id": "cb_t" },
    { "fields": [ { "since": "2.1.0", "offset": 4, "type": "u32", "name": "flags" },
                  { "offset": 0, "type": "u32", "name": "size" } ],
      "versioning": { "size_field": "size" }, "align": 4, "size": 8, "kind": "extensible", "id": "Opts" },
    { "members": [ { "type": "i64", "name": "i" }, { "type": "f64", "name": "f" } ],
      "align": 4, "size": 8, "kind": "union", "id": "Num" },
    { "fields": [ { "offset": 4, "type": "*Node", "name": "next" }, { "offset": 0, "type": "i32", "name": "value" } ],
      "align": 4, "size": 8, "kind": "struct", "id": "Node" },
    { "variants": [ { "tag": 1, "name": "g" }, { "payload": "f64", "tag": 0, "name": "r" } ],
      "payload_offset": 4, "tag": { "offset": 0, "type": "Color" }, "align": 4, "size": 12,
      "kind": "tagged_union", "id": "Msg" },
    { "variants": [ { "value": 2, "name": "blue" }, { "value": 0, "name": "red" }, { "value": 1, "name": "green" } ],
      "repr": "u8", "kind": "enum", "id": "Color" },
    { "nullable": true, "mutability": "mut", "pointee": "Node", "kind": "pointer", "id": "*Node" }
  ],
  "target": {
    "primitive_align": { "f64": 4, "i64": 4 },
    "default_abi": "c", "c_char_signed": true, "size_t": 4, "c_long": 4, "c_int": 4,
    "endian": "little", "pointer_width": 32, "triple": "i686-unknown-linux-gnu"
  },
  "producer": { "version": "1", "tool": "hand", "language": "c" },
  "library": { "soname": "libscramble.so.2", "version": "2.1.0", "name": "scramble" },
  "format": "1.0"
}"#;

#[test]
fn scrambled_json_encodes_like_ordered_json() {
    let ordered = Descriptor::from_json(ORDERED).expect("ordered");
    let scrambled = Descriptor::from_json(SCRAMBLED).expect("scrambled");
    ordered.validate().expect("the fixture is valid");
    scrambled.validate().expect("the fixture is valid");
    // ORDERED really is in canonical order, and SCRAMBLED really is not.
    assert_eq!(canonical(&ordered), ordered);
    assert_ne!(scrambled, ordered);
    assert_eq!(canonical(&scrambled), ordered);

    let cbor = ordered.to_cbor().expect("to_cbor");
    assert_eq!(hex(&scrambled.to_cbor().expect("to_cbor")), hex(&cbor));
    assert_eq!(
        scrambled.to_json().expect("to_json"),
        ordered.to_json().expect("to_json")
    );
    let fingerprints = ordered.fingerprints().expect("fingerprints");
    assert_eq!(
        scrambled.fingerprints().expect("fingerprints"),
        fingerprints
    );
    assert_eq!(fingerprints.items.len(), 3 + 2 + 3);
}

/// Struct fields are sorted by offset, stably; the field names play no part.
#[test]
fn struct_fields_sort_by_offset_not_name() {
    let d = Descriptor::from_json(SCRAMBLED).expect("scrambled");
    let c = canonical(&d);
    let node = c.types.iter().find(|t| t.id == "Node").expect("Node");
    let abi_descriptor::TypeKind::Struct(s) = &node.kind else {
        panic!("Node is a struct")
    };
    let names: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["value", "next"]);
    let ids: Vec<&str> = c.types.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "*Node", "Color", "Msg", "Node", "Num", "Opts", "cb_t", "str_t"
        ]
    );
}

/// Every default-valued field written out: `nullable: false`,
/// `ownership: borrowed`, `abi: c`, `exhaustive: true`, `repr: c`, ...
const EXPLICIT_DEFAULTS: &str = r#"{
  "format": "1.0",
  "library": { "name": "d", "version": "1.0.0", "soname": null },
  "producer": { "language": "c", "tool": "hand", "version": "1" },
  "target": {
    "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little", "c_int": 4,
    "c_long": 8, "size_t": 8, "c_char_signed": true, "default_abi": "sysv64", "primitive_align": {}
  },
  "types": [
    { "id": "E", "kind": "enum", "repr": "u8", "exhaustive": true, "since": null, "deprecated": null,
      "variants": [ { "name": "a", "value": 0, "since": null } ] },
    { "id": "P", "kind": "pointer", "pointee": "S", "mutability": "const", "nullable": false,
      "ownership": "borrowed" },
    { "id": "S", "kind": "struct", "repr": "c", "size": 4, "align": 4,
      "fields": [ { "name": "x", "type": "i32", "offset": 0, "since": null } ] },
    { "id": "T", "kind": "tagged_union", "size": 2, "align": 1, "tag": { "type": "u8", "offset": 0 },
      "payload_offset": 1, "exhaustive": true, "variants": [ { "name": "v", "tag": 0, "payload": null } ] },
    { "id": "cb", "kind": "function_pointer", "abi": "c", "params": [], "return": "void",
      "variadic": false, "may_unwind": false, "user_data": null, "lifetime": "call_scoped",
      "thread": "caller", "nullable": false },
    { "id": "s", "kind": "buffer", "encoding": "bytes", "length": "separate", "mutability": "const",
      "nullable": false, "ownership": "borrowed" }
  ],
  "functions": [
    { "symbol": "f", "params": [ { "name": "", "type": "P", "length_of": null } ], "return": "void",
      "abi": "c", "variadic": false, "threading": "any", "may_block": false, "may_unwind": false,
      "wire": { "encoding": "cbor", "request_param": null, "request": null, "callback_param": null,
                "reply": null, "error": null, "codes": null, "events": [] },
      "since": null, "deprecated": null },
    { "symbol": "g", "params": [], "return": "void", "wire": null }
  ],
  "variables": [],
  "constants": [],
  "wire_types": [
    { "id": "W", "kind": "record", "fields": [ { "name": "k", "type": "u8", "optional": false, "since": null } ] },
    { "id": "V", "kind": "enum", "values": [ "x" ], "exhaustive": true }
  ],
  "code_tables": []
}"#;

/// The same descriptor with every default left out.
pub const OMITTED_DEFAULTS: &str = r#"{
  "format": "1.0",
  "library": { "name": "d", "version": "1.0.0" },
  "producer": { "language": "c", "tool": "hand", "version": "1" },
  "target": {
    "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little", "c_int": 4,
    "c_long": 8, "size_t": 8, "c_char_signed": true, "default_abi": "sysv64"
  },
  "types": [
    { "id": "E", "kind": "enum", "repr": "u8", "variants": [ { "name": "a", "value": 0 } ] },
    { "id": "P", "kind": "pointer", "pointee": "S", "mutability": "const" },
    { "id": "S", "kind": "struct", "size": 4, "align": 4, "fields": [ { "name": "x", "type": "i32", "offset": 0 } ] },
    { "id": "T", "kind": "tagged_union", "size": 2, "align": 1, "tag": { "type": "u8", "offset": 0 },
      "payload_offset": 1, "variants": [ { "name": "v", "tag": 0 } ] },
    { "id": "cb", "kind": "function_pointer" },
    { "id": "s", "kind": "buffer", "encoding": "bytes", "length": "separate", "mutability": "const" }
  ],
  "functions": [
    { "symbol": "f", "params": [ { "type": "P" } ], "wire": { "encoding": "cbor" } },
    { "symbol": "g" }
  ],
  "wire_types": [
    { "id": "W", "kind": "record", "fields": [ { "name": "k", "type": "u8" } ] },
    { "id": "V", "kind": "enum", "values": [ "x" ] }
  ]
}"#;

#[test]
fn explicit_defaults_encode_like_omitted_defaults() {
    let explicit = Descriptor::from_json(EXPLICIT_DEFAULTS).expect("explicit defaults");
    let omitted = Descriptor::from_json(OMITTED_DEFAULTS).expect("omitted defaults");
    explicit.validate().expect("valid");
    assert_eq!(explicit, omitted);
    let cbor = omitted.to_cbor().expect("to_cbor");
    assert_eq!(hex(&explicit.to_cbor().expect("to_cbor")), hex(&cbor));
    // None of the defaulted keys is written, in CBOR or in JSON.
    let json = explicit.to_json().expect("to_json");
    for key in [
        "nullable",
        "ownership",
        "abi",
        "exhaustive",
        "since",
        "deprecated",
        "variadic",
        "threading",
        "may_block",
        "may_unwind",
        "return",
        "user_data",
        "lifetime",
        "thread\"",
        "optional",
        "primitive_align",
        "soname",
        "length_of",
        "events",
        "request",
        "variables",
        "constants",
        "code_tables",
    ] {
        assert!(
            !json.contains(&format!("\"{key}")),
            "`{key}` written in {json}"
        );
    }
    for key in [
        "nullable",
        "ownership",
        "exhaustive",
        "variadic",
        "optional",
        "events",
    ] {
        assert!(
            !cbor.windows(key.len()).any(|w| w == key.as_bytes()),
            "`{key}` written in the CBOR"
        );
    }
    // The enum's `repr` is not a default and stays; the struct's `repr: c` goes.
    assert_eq!(json.matches("\"repr\"").count(), 1);
    assert!(json.contains("\"repr\": \"u8\""));
}

/// A default written in a non-default way is a different descriptor.
#[test]
fn non_default_values_are_encoded() {
    let base = Descriptor::from_json(OMITTED_DEFAULTS).expect("base");
    let base_cbor = base.to_cbor().expect("to_cbor");
    for (from, to) in [
        (
            r#""mutability": "const" },"#,
            r#""mutability": "const", "nullable": true },"#,
        ),
        (
            r#"{ "symbol": "g" }"#,
            r#"{ "symbol": "g", "abi": "win64" }"#,
        ),
        (
            r#""values": [ "x" ] }"#,
            r#""values": [ "x" ], "exhaustive": false }"#,
        ),
    ] {
        assert!(OMITTED_DEFAULTS.contains(from), "{from}");
        let changed =
            Descriptor::from_json(&OMITTED_DEFAULTS.replacen(from, to, 1)).expect("changed");
        assert_ne!(changed, base, "{to}");
        assert_ne!(changed.to_cbor().expect("to_cbor"), base_cbor, "{to}");
    }
}

/// Equivalent spellings get one encoding: an `abi` equal to the target's
/// `default_abi` is `c`, and a `primitive_align` entry equal to the size is
/// no override (docs/descriptor-format.md, section 3.2).
#[test]
fn equivalent_spellings_encode_alike() {
    let base = Descriptor::from_json(OMITTED_DEFAULTS).expect("base");
    let base_cbor = base.to_cbor().expect("to_cbor");
    for (from, to) in [
        (
            r#"{ "symbol": "g" }"#,
            r#"{ "symbol": "g", "abi": "sysv64" }"#,
        ),
        (
            r#"{ "id": "cb", "kind": "function_pointer" }"#,
            r#"{ "id": "cb", "kind": "function_pointer", "abi": "sysv64" }"#,
        ),
        (
            r#""default_abi": "sysv64""#,
            r#""default_abi": "sysv64", "primitive_align": { "i32": 4, "f64": 8 }"#,
        ),
    ] {
        assert!(OMITTED_DEFAULTS.contains(from), "{from}");
        let same = Descriptor::from_json(&OMITTED_DEFAULTS.replacen(from, to, 1)).expect("decodes");
        assert_eq!(
            hex(&same.to_cbor().expect("to_cbor")),
            hex(&base_cbor),
            "{to}"
        );
        assert_eq!(
            same.fingerprints().expect("fingerprints"),
            base.fingerprints().expect("fingerprints"),
            "{to}"
        );
    }
    // A real override is kept.
    let i686 = OMITTED_DEFAULTS.replacen(
        r#""default_abi": "sysv64""#,
        r#""default_abi": "sysv64", "primitive_align": { "i64": 4 }"#,
        1,
    );
    let d = Descriptor::from_json(&i686).expect("decodes");
    assert_ne!(d.to_cbor().expect("to_cbor"), base_cbor);
    assert!(d.to_json().expect("to_json").contains(r#""i64": 4"#));
}

/// "Equal descriptors encode to equal bytes" (`Descriptor::to_cbor`): two
/// descriptors that compare equal must have the same canonical CBOR and so
/// the same fingerprint.
#[test]
fn equality_agrees_with_the_encoding() {
    let zero = Descriptor::from_json(&TINY.replace("1.5", "0.0")).expect("decodes");
    let zero_again = Descriptor::from_json(&TINY.replace("1.5", "0.0")).expect("decodes");
    let negative_zero = Descriptor::from_json(&TINY.replace("1.5", "-0.0")).expect("decodes");
    let cbor = |d: &Descriptor| hex(&d.to_cbor().expect("to_cbor"));
    // `-0.0` is a different constant from `0.0`: unequal, encoded differently.
    assert_ne!(zero, negative_zero);
    assert_ne!(cbor(&zero), cbor(&negative_zero));
    assert_eq!(zero, zero_again);
    assert_eq!(cbor(&zero), cbor(&zero_again));
}
