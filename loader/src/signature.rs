//! Rust function pointer types as descriptors, for typed symbol lookups:
//! the description `abi_describe::Describe` gives a type, turned into the
//! descriptor model so that the checker's engine can compare it with the
//! library's.

use std::collections::HashSet;

use abi_describe::{
    CallbackThread as DCallbackThread, Lifetime as DLifetime, Ownership as DOwnership,
    Primitive as DPrimitive, Repr as DRepr, Ty, TyRef,
};
use abi_descriptor::{
    ArrayType, BufferLength, BufferType, CallConv, CallbackLifetime, CallbackThread, Deprecation,
    Descriptor, EnumType, Field, Function, FunctionPointerType, Index, Int, Library, Mutability,
    OpaqueType, Ownership, Param, PointerType, Primitive, Producer, Repr, Resolved, StructType,
    Threading, TypeDef, TypeKind, TypeRef, UnionMember, UnionType, Variant,
};
use semver::Version;

/// The descriptor of a library with the one function `symbol` whose type is
/// the function pointer `ty`, for `library`'s target and envelope; `None`
/// when `ty` is not a function pointer.
pub(crate) fn function_descriptor(
    symbol: &str,
    ty: TyRef,
    library: &Descriptor,
) -> Option<Descriptor> {
    let Ty::FnPtr(f) = *ty.get() else {
        return None;
    };
    let mut b = Builder::default();
    let params = f
        .params
        .iter()
        .map(|p| Param {
            name: String::new(),
            ty: b.ty(*p),
            length_of: None,
        })
        .collect();
    let ret = b.ty(f.ret);
    let mut d = Descriptor {
        format: library.format,
        library: Library {
            name: library.library.name.clone(),
            version: library.library.version.clone(),
            soname: None,
        },
        producer: Producer {
            language: "rust".into(),
            tool: "abi-loader".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: library.target.clone(),
        types: b.types,
        functions: vec![Function {
            symbol: symbol.to_owned(),
            params,
            ret,
            abi: CallConv::C,
            variadic: false,
            threading: Threading::Any,
            may_block: false,
            may_unwind: f.may_unwind,
            wire: None,
            since: None,
            deprecated: None,
        }],
        variables: Vec::new(),
        constants: Vec::new(),
        wire_types: Vec::new(),
        code_tables: Vec::new(),
    };
    spell_buffers(&mut d, library);
    Some(d)
}

/// Rust has no buffer types: a pointer to bytes (`u8`, `i8`, `c_char`,
/// `void`) passed or returned where the library describes a pointer-sized
/// buffer (NUL-terminated, or with a separate length) stands for that
/// buffer, with the Rust pointer's mutability and nullability. Only the
/// function's own parameters and return value are spelled so.
fn spell_buffers(d: &mut Descriptor, library: &Descriptor) {
    let Some(described) = library
        .functions
        .iter()
        .find(|f| f.symbol == d.functions[0].symbol)
    else {
        return;
    };
    let lib = Index::new(library);
    let mut slots: Vec<(TypeRef, &TypeRef)> = Vec::new();
    let f = &d.functions[0];
    if f.params.len() == described.params.len() {
        slots.extend(
            f.params
                .iter()
                .zip(&described.params)
                .map(|(p, q)| (p.ty.clone(), &q.ty)),
        );
    }
    slots.push((f.ret.clone(), &described.ret));
    let mut replace: Vec<(TypeRef, TypeRef, TypeDef)> = Vec::new();
    for (mine, theirs) in slots {
        let Some(TypeKind::Pointer(p)) = d
            .types
            .iter()
            .find(|t| t.id == mine.as_str())
            .map(|t| &t.kind)
        else {
            continue;
        };
        let bytes = matches!(
            p.pointee.primitive(),
            Some(Primitive::U8 | Primitive::I8 | Primitive::CChar | Primitive::Void)
        );
        let Resolved::Def(def) = lib.resolve(theirs) else {
            continue;
        };
        let TypeKind::Buffer(buffer) = &def.kind else {
            continue;
        };
        if !bytes || matches!(buffer.length, BufferLength::Inline(_)) {
            continue;
        }
        let id = format!("{} as {}", mine, def.id);
        let kind = TypeKind::Buffer(BufferType {
            mutability: p.mutability,
            nullable: p.nullable,
            ..buffer.clone()
        });
        let def = TypeDef {
            id: id.clone(),
            since: None,
            deprecated: None,
            kind,
        };
        replace.push((mine, TypeRef::new(id), def));
    }
    for (mine, buffer, def) in replace {
        let f = &mut d.functions[0];
        for slot in f.params.iter_mut().map(|p| &mut p.ty).chain([&mut f.ret]) {
            if *slot == mine {
                *slot = buffer.clone();
            }
        }
        if !d.types.iter().any(|t| t.id == def.id) {
            d.types.push(def);
        }
    }
}

/// Collects the type table while turning descriptions into references.
#[derive(Default)]
struct Builder {
    types: Vec<TypeDef>,
    ids: HashSet<String>,
}

fn version(v: Option<&str>) -> Option<Box<Version>> {
    v.and_then(|v| Version::parse(v).ok()).map(Box::new)
}

fn deprecation(d: Option<abi_describe::Deprecation>) -> Option<Box<Deprecation>> {
    d.map(|d| {
        Box::new(Deprecation {
            since: version(d.since),
            note: d.note.map(str::to_owned),
        })
    })
}

fn primitive(p: DPrimitive) -> TypeRef {
    TypeRef::new(p.name())
}

impl Builder {
    /// Adds `kind` under `id` unless an entry of that id exists.
    fn add(
        &mut self,
        id: &str,
        since: Option<&str>,
        deprecated: Option<abi_describe::Deprecation>,
        kind: impl FnOnce(&mut Self) -> TypeKind,
    ) {
        if self.ids.insert(id.to_owned()) {
            // Reserve the id first: a named type may reach itself.
            let kind = kind(self);
            self.types.push(TypeDef {
                id: id.to_owned(),
                since: version(since),
                deprecated: deprecation(deprecated),
                kind,
            });
        }
    }

    /// The reference to `t`, adding it (and what it reaches) to the table.
    fn ty(&mut self, t: TyRef) -> TypeRef {
        match *t.get() {
            Ty::Primitive(p) => primitive(p),
            Ty::Struct(s) => {
                self.add(s.name, s.since, s.deprecated, |b| {
                    TypeKind::Struct(StructType {
                        repr: match s.repr {
                            DRepr::C => Repr::C,
                            DRepr::Packed => Repr::Packed,
                            DRepr::Transparent => Repr::Transparent,
                        },
                        size: s.size,
                        align: s.align,
                        fields: s
                            .fields
                            .iter()
                            .map(|f| Field {
                                name: f.name.to_owned(),
                                ty: b.ty(f.ty),
                                offset: f.offset,
                                since: version(f.since),
                            })
                            .collect(),
                    })
                });
                TypeRef::new(s.name)
            }
            Ty::Union(u) => {
                self.add(u.name, u.since, u.deprecated, |b| {
                    TypeKind::Union(UnionType {
                        size: u.size,
                        align: u.align,
                        members: u
                            .members
                            .iter()
                            .map(|m| UnionMember {
                                name: m.name.to_owned(),
                                ty: b.ty(m.ty),
                            })
                            .collect(),
                    })
                });
                TypeRef::new(u.name)
            }
            Ty::Enum(e) => {
                self.add(e.name, e.since, e.deprecated, |_| {
                    TypeKind::Enum(EnumType {
                        repr: primitive(e.repr),
                        variants: e
                            .variants
                            .iter()
                            .filter_map(|v| {
                                Some(Variant {
                                    name: v.name.to_owned(),
                                    value: Int::new(v.value)?,
                                    since: version(v.since),
                                    deprecated: deprecation(v.deprecated),
                                })
                            })
                            .collect(),
                        exhaustive: e.exhaustive,
                    })
                });
                TypeRef::new(e.name)
            }
            Ty::Opaque(o) => {
                self.add(o.name, o.since, o.deprecated, |_| {
                    TypeKind::Opaque(OpaqueType {
                        size: None,
                        align: None,
                    })
                });
                TypeRef::new(o.name)
            }
            Ty::Pointer(p) => {
                let pointee = self.ty(p.pointee);
                let sigil = match (p.mutable, p.nullable) {
                    (false, true) => "*const ",
                    (true, true) => "*mut ",
                    (false, false) => "&",
                    (true, false) => "&mut ",
                };
                let (ownership, suffix) = match p.ownership {
                    DOwnership::Borrowed => (Ownership::Borrowed, String::new()),
                    DOwnership::CallerOwned { free } => (
                        Ownership::CallerOwned {
                            free: free.to_owned(),
                        },
                        format!(" (owned, free: {free})"),
                    ),
                    DOwnership::Transferred => {
                        (Ownership::Transferred, " (transferred)".to_owned())
                    }
                };
                let id = format!("{sigil}{pointee}{suffix}");
                self.add(&id, None, None, |_| {
                    TypeKind::Pointer(PointerType {
                        pointee,
                        mutability: if p.mutable {
                            Mutability::Mut
                        } else {
                            Mutability::Const
                        },
                        nullable: p.nullable,
                        ownership,
                    })
                });
                TypeRef::new(id)
            }
            Ty::Array(a) => {
                let element = self.ty(a.element);
                let id = format!("[{element}; {}]", a.len);
                self.add(&id, None, None, |_| {
                    TypeKind::Array(ArrayType {
                        element,
                        len: a.len,
                    })
                });
                TypeRef::new(id)
            }
            Ty::FnPtr(f) => {
                let params: Vec<TypeRef> = f.params.iter().map(|p| self.ty(*p)).collect();
                let ret = self.ty(f.ret);
                let abi = if f.may_unwind { "C-unwind" } else { "C" };
                let names: Vec<&str> = params.iter().map(TypeRef::as_str).collect();
                let mut id = format!("extern \"{abi}\" fn({}) -> {ret}", names.join(", "));
                if f.nullable {
                    id = format!("Option<{id}>");
                }
                let c = f.callback;
                let lifetime = match c.lifetime {
                    DLifetime::CallScoped => CallbackLifetime::CallScoped,
                    DLifetime::Stored => CallbackLifetime::Stored,
                };
                let thread = match c.thread {
                    DCallbackThread::Caller => CallbackThread::Caller,
                    DCallbackThread::Library => CallbackThread::Library,
                    DCallbackThread::Any => CallbackThread::Any,
                };
                if c != abi_describe::Callback::DEFAULT {
                    id = format!(
                        "{id} (user_data: {:?}, {lifetime:?}, {thread:?} thread)",
                        c.user_data
                    );
                }
                self.add(&id, None, None, |_| {
                    TypeKind::FunctionPointer(FunctionPointerType {
                        abi: CallConv::C,
                        params: params
                            .into_iter()
                            .map(|ty| Param {
                                name: String::new(),
                                ty,
                                length_of: None,
                            })
                            .collect(),
                        ret,
                        variadic: false,
                        may_unwind: f.may_unwind,
                        user_data: c.user_data,
                        lifetime,
                        thread,
                        nullable: f.nullable,
                    })
                });
                TypeRef::new(id)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use abi_describe::Describe;

    use super::*;

    #[derive(Describe)]
    #[repr(C)]
    struct Node {
        next: *mut Node,
        value: i32,
    }

    fn lib() -> Descriptor {
        Descriptor::from_json(include_str!("../../examples/libtile/v1.json")).unwrap()
    }

    #[test]
    fn a_function_pointer_becomes_a_valid_one_function_descriptor() {
        type F = extern "C" fn(*mut Node, &'static [u8; 4], Option<extern "C" fn(i32)>) -> f64;
        let d = function_descriptor("walk", F::TY, &lib()).unwrap();
        d.validate().unwrap();
        let f = &d.functions[0];
        assert_eq!(f.symbol, "walk");
        let params: Vec<&str> = f.params.iter().map(|p| p.ty.as_str()).collect();
        assert_eq!(
            params,
            [
                "*mut Node",
                "&[u8; 4]",
                "Option<extern \"C\" fn(i32) -> void>"
            ]
        );
        assert_eq!(f.ret.as_str(), "f64");
        let ids: HashSet<&str> = d.types.iter().map(|t| t.id.as_str()).collect();
        assert!(ids.contains("Node") && ids.contains("[u8; 4]"), "{ids:?}");
        // The self-reference is one entry.
        assert_eq!(d.types.iter().filter(|t| t.id == "Node").count(), 1);
        assert_eq!(d.target, lib().target);
    }

    #[test]
    fn only_function_pointers_are_signatures() {
        assert!(function_descriptor("x", <i32 as Describe>::TY, &lib()).is_none());
        assert!(function_descriptor("x", <*const Node as Describe>::TY, &lib()).is_none());
    }

    #[test]
    fn pointers_to_bytes_spell_the_described_buffers() {
        let lib = Descriptor::from_json(
            r#"{
              "format": "1.0",
              "library": { "name": "text", "version": "1.0.0" },
              "producer": { "language": "c", "tool": "hand", "version": "1" },
              "target": {
                "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little",
                "c_int": 4, "c_long": 8, "size_t": 8, "c_char_signed": true, "default_abi": "sysv64"
              },
              "types": [
                { "id": "path", "kind": "buffer", "encoding": "utf8", "length": "nul_terminated",
                  "mutability": "const" },
                { "id": "path_or_null", "kind": "buffer", "encoding": "utf8",
                  "length": "nul_terminated", "mutability": "const", "nullable": true }
              ],
              "functions": [
                { "symbol": "text_len", "params": [ { "name": "s", "type": "path" } ], "return": "usize" },
                { "symbol": "text_len_or_zero", "params": [ { "name": "s", "type": "path_or_null" } ],
                  "return": "usize" }
              ]
            }"#,
        )
        .unwrap();
        lib.validate().unwrap();
        let refusals = |symbol: &str, ty: TyRef| {
            let d = function_descriptor(symbol, ty, &lib).unwrap();
            d.validate().unwrap();
            let check = abi_check::check_host(&d, &lib).unwrap();
            let rules: Vec<&str> = check.refusals().map(|f| f.rule.as_str()).collect();
            (d.functions[0].params[0].ty.to_string(), rules)
        };
        type Chars = extern "C" fn(*const core::ffi::c_char) -> usize;
        type NonNull = extern "C" fn(&'static core::ffi::c_char) -> usize;
        type Words = extern "C" fn(*const u32) -> usize;
        type Returns = extern "C" fn(&'static u8) -> *const u8;

        let (ty, rules) = refusals("text_len_or_zero", Chars::TY);
        assert_eq!(ty, "*const i8 as path_or_null");
        assert!(rules.is_empty(), "{rules:?}");
        // The nullability of the Rust pointer is judged as for pointers.
        let (_, rules) = refusals("text_len", Chars::TY);
        assert_eq!(rules, ["nullability_changed"]);
        let (ty, rules) = refusals("text_len", NonNull::TY);
        assert_eq!(ty, "&i8 as path");
        assert!(rules.is_empty(), "{rules:?}");
        // Not bytes: another type.
        assert_eq!(refusals("text_len", Words::TY).1, ["param_type_changed"]);
        // Where the library describes no buffer, a pointer stays a pointer.
        assert_eq!(refusals("text_len", Returns::TY).1, ["return_type_changed"]);
    }

    #[test]
    fn unwinding_is_part_of_the_signature() {
        type F = extern "C-unwind" fn();
        let d = function_descriptor("f", F::TY, &lib()).unwrap();
        assert!(d.functions[0].may_unwind);
    }
}
