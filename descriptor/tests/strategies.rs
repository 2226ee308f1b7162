//! Proptest strategies that generate valid descriptors.
//!
//! [`descriptor`] draws a vector of random words and builds a descriptor from
//! it deterministically: every choice (how many types, which kind, which field
//! type, which offset gap...) consumes one word. Building from words rather
//! than composing strategies lets later choices depend on earlier ones (field
//! offsets come from the field types' layouts, pointers may point at types
//! declared later, `caller_owned` names a function that exists, tagged union
//! tags fit the tag type), and proptest still shrinks: shorter vectors and
//! smaller words give smaller and simpler descriptors, because the word 0
//! always means "the first, simplest option" (and "no" for chances).
//!
//! Layouts and integer ranges are computed here independently of the library
//! (no call to `Index::layout` or `Primitive::int_range`), so the property
//! "every generated descriptor validates" checks the library against a second
//! implementation.

use std::collections::{BTreeMap, HashMap, HashSet};

use abi_descriptor::{
    AliasType, ArrayType, BufferEncoding, BufferLength, BufferType, CallConv, CallbackLifetime,
    CallbackThread, CodeTable, ConstValue, Constant, Deprecation, Descriptor, EnumType, Event,
    ExtensibleType, FORMAT_VERSION, Field, Function, FunctionPointerType, InlineBuffer, Int,
    Layout, Library, Mutability, OpaqueType, Ownership, Param, PayloadEncoding, PointerType,
    Primitive, Producer, Repr, ReturnCode, StructType, Tag, TaggedUnionType, TaggedVariant, Target,
    Threading, TypeDef, TypeKind, TypeRef, UnionMember, UnionType, Variable, Variant, Versioning,
    WireAlias, WireCall, WireEnum, WireField, WireKind, WireList, WireMap, WireOption,
    WirePrimitive, WireRecord, WireRef, WireResult, WireTypeDef,
};
use proptest::prelude::*;
use semver::{Prerelease, Version};

/// Random valid descriptors: every [`TypeKind`] and [`WireKind`], functions
/// with wire calls, variables, constants of every value kind, code tables.
pub fn descriptor() -> impl Strategy<Value = Descriptor> {
    prop::collection::vec(any::<u32>(), 256..2048).prop_map(build)
}

/// A random valid descriptor together with a seed for [`Shuffler`].
pub fn descriptor_and_seed() -> impl Strategy<Value = (Descriptor, u64)> {
    (descriptor(), any::<u64>())
}

/// Builds the descriptor that the words `words` describe.
pub fn build(words: Vec<u32>) -> Descriptor {
    Builder::new(Entropy::new(words)).build()
}

/// A source of choices: a vector of words read in order, then zeros.
pub struct Entropy {
    words: Vec<u32>,
    pos: usize,
}

impl Entropy {
    /// Reads `words`.
    pub fn new(words: Vec<u32>) -> Self {
        Self { words, pos: 0 }
    }

    fn word(&mut self) -> u32 {
        let w = self.words.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        w
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 { 0 } else { self.word() as usize % n }
    }

    /// A number in `0..=max`.
    fn upto(&mut self, max: usize) -> usize {
        self.below(max + 1)
    }

    /// `true` with `percent`% probability; the word 0 gives `false`.
    fn chance(&mut self, percent: u32) -> bool {
        99 - self.word() % 100 < percent
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    fn u64(&mut self) -> u64 {
        (u64::from(self.word()) << 32) | u64::from(self.word())
    }

    /// An integer in `lo..=hi`, often one of the bounds.
    fn int_in(&mut self, lo: i128, hi: i128) -> i128 {
        match self.below(7) {
            0 => 0.clamp(lo, hi),
            1 => lo,
            2 => hi,
            3 => (lo + 1).min(hi),
            4 => (hi - 1).max(lo),
            5 => (lo + self.below(8) as i128).min(hi),
            _ => {
                let span = (hi - lo) as u128 + 1;
                lo + (u128::from(self.u64()) % span) as i128
            }
        }
    }
}

/// A deterministic shuffler (xorshift64*), for permuting tables and JSON keys.
pub struct Shuffler(u64);

impl Shuffler {
    /// A shuffler seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Size of a primitive in bytes; `None` for `void`.
pub fn primitive_size(p: Primitive, pointer_width: u16) -> Option<u64> {
    use Primitive::*;
    Some(match p {
        Void => return None,
        Bool | I8 | U8 | CChar => 1,
        I16 | U16 => 2,
        I32 | U32 | F32 => 4,
        I64 | U64 | F64 => 8,
        I128 | U128 => 16,
        Isize | Usize => u64::from(pointer_width / 8),
    })
}

/// Layout of a primitive on `target`, honouring `primitive_align`.
pub fn primitive_layout(p: Primitive, target: &Target) -> Option<Layout> {
    let size = primitive_size(p, target.pointer_width)?;
    let align = target
        .primitive_align
        .get(&p)
        .map_or(size, |&a| u64::from(a));
    Some(Layout { size, align })
}

/// The values an integer primitive holds, clipped to what [`Int`] carries
/// (`i64::MIN..=u64::MAX`); `None` for non-integers.
pub fn int_range(p: Primitive, target: &Target) -> Option<(i128, i128)> {
    use Primitive::*;
    let signed = match p {
        I8 | I16 | I32 | I64 | I128 | Isize => true,
        U8 | U16 | U32 | U64 | U128 | Usize => false,
        CChar => target.c_char_signed,
        Void | Bool | F32 | F64 => return None,
    };
    let bits = primitive_size(p, target.pointer_width)? * 8;
    let (lo, hi) = match (signed, bits) {
        (true, b) if b >= 128 => (i128::MIN, i128::MAX),
        (false, b) if b >= 128 => (0, i128::MAX),
        (true, b) => (-(1i128 << (b - 1)), (1i128 << (b - 1)) - 1),
        (false, b) => (0, (1i128 << b) - 1),
    };
    Some((lo.max(i128::from(i64::MIN)), hi.min(i128::from(u64::MAX))))
}

fn int(v: i128) -> Int {
    Int::new(v).unwrap_or_else(|| panic!("generator produced {v}, outside Int"))
}

fn align_up(x: u64, align: u64) -> u64 {
    x.div_ceil(align) * align
}

const INTEGERS: [Primitive; 13] = [
    Primitive::I8,
    Primitive::I16,
    Primitive::I32,
    Primitive::I64,
    Primitive::I128,
    Primitive::U8,
    Primitive::U16,
    Primitive::U32,
    Primitive::U64,
    Primitive::U128,
    Primitive::CChar,
    Primitive::Isize,
    Primitive::Usize,
];

const SIZED: [Primitive; 16] = [
    Primitive::Bool,
    Primitive::I8,
    Primitive::I16,
    Primitive::I32,
    Primitive::I64,
    Primitive::I128,
    Primitive::U8,
    Primitive::U16,
    Primitive::U32,
    Primitive::U64,
    Primitive::U128,
    Primitive::F32,
    Primitive::F64,
    Primitive::CChar,
    Primitive::Isize,
    Primitive::Usize,
];

const CALL_CONVS: [CallConv; 8] = [
    CallConv::C,
    CallConv::Sysv64,
    CallConv::Win64,
    CallConv::Stdcall,
    CallConv::Fastcall,
    CallConv::Vectorcall,
    CallConv::Thiscall,
    CallConv::Aapcs,
];

/// Name fragments: placed before a unique prefix and counter so that
/// canonical (bytewise) order differs from generation order, and non-ASCII
/// text is exercised.
const WORDS: [&str; 14] = [
    "", "a", "Zed", "é", "ß", "中文", "x y", "_", "Ω", "0", "~", "A", "🦀", "\"q\\",
];

const TEXTS: [&str; 7] = [
    "",
    "hello",
    "quote \" and \\ backslash",
    "line\nbreak\tand\r",
    "ünïcödé 中文 🦀",
    "nul \u{0} inside",
    "{\"not\": [\"json\"]}",
];

/// What a reference names once aliases are followed, as far as validation
/// cares.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Res {
    /// An integer primitive or an enum: the values it holds.
    Int(i128, i128),
    Float,
    Bool,
    Void,
    /// A pointer; `text` when its pointee is `c_char`, `u8` or `i8`.
    Pointer {
        text: bool,
    },
    Buffer,
    FnPtr,
    Extensible,
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Info {
    layout: Option<Layout>,
    /// May be used by value (sized, not an extensible struct).
    by_value: bool,
    res: Res,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Opaque,
    Alias,
    Pointer,
    Struct,
    Union,
    Enum,
    TaggedUnion,
    Array,
    Buffer,
    FunctionPointer,
    Extensible,
    /// A pointer to `c_char`, for text constants.
    CharPointer,
}

const KINDS: [(Kind, &str); 11] = [
    (Kind::Opaque, "O"),
    (Kind::Alias, "A"),
    (Kind::Pointer, "P"),
    (Kind::Struct, "S"),
    (Kind::Union, "U"),
    (Kind::Enum, "E"),
    (Kind::TaggedUnion, "T"),
    (Kind::Array, "R"),
    (Kind::Buffer, "B"),
    (Kind::FunctionPointer, "C"),
    (Kind::Extensible, "X"),
];

struct Builder {
    e: Entropy,
    counter: u32,
    target: Target,
    lib: Version,
    info: HashMap<String, Info>,
    /// Declared types that may be used by value and have a non-zero size.
    pool: Vec<String>,
    /// Enum type ids.
    enums: Vec<String>,
    /// Function symbols, drawn before the types so that `caller_owned` can
    /// name them.
    symbols: Vec<String>,
    wire_ids: Vec<String>,
    code_ids: Vec<String>,
}

impl Builder {
    fn new(e: Entropy) -> Self {
        Self {
            e,
            counter: 0,
            target: x86_64_linux(),
            lib: Version::new(1, 0, 0),
            info: HashMap::new(),
            pool: Vec::new(),
            enums: Vec::new(),
            symbols: Vec::new(),
            wire_ids: Vec::new(),
            code_ids: Vec::new(),
        }
    }

    /// A fresh unique name: a random fragment, `prefix`, a counter.
    fn name(&mut self, prefix: &str) -> String {
        self.counter += 1;
        let word = self.e.pick(&WORDS);
        format!("{word}{prefix}{}", self.counter)
    }

    fn version_le(&mut self) -> Version {
        let (lmaj, lmin, lpat) = (self.lib.major, self.lib.minor, self.lib.patch);
        let major = self.e.upto(lmaj as usize) as u64;
        let minor = if major == lmaj {
            self.e.upto(lmin as usize) as u64
        } else {
            self.e.below(10) as u64
        };
        let patch = if major == lmaj && minor == lmin {
            self.e.upto(lpat as usize) as u64
        } else {
            self.e.below(10) as u64
        };
        let mut v = Version::new(major, minor, patch);
        if self.e.chance(15) {
            let pre = self.e.pick(&["alpha.1", "beta", "rc.2"]);
            v.pre = Prerelease::new(pre).expect("valid prerelease");
        }
        v
    }

    fn since(&mut self) -> Option<Box<Version>> {
        self.e.chance(30).then(|| Box::new(self.version_le()))
    }

    fn deprecated(&mut self) -> Option<Box<Deprecation>> {
        self.e.chance(15).then(|| {
            Box::new(Deprecation {
                since: self.e.chance(50).then(|| Box::new(self.version_le())),
                note: self
                    .e
                    .chance(50)
                    .then(|| format!("use {} instead", self.e.pick(&WORDS))),
            })
        })
    }

    fn layout(&self, r: &str) -> Layout {
        self.info[r]
            .layout
            .unwrap_or_else(|| panic!("{r} has no layout"))
    }

    /// A type usable by value with a non-zero size: a declared one or a
    /// primitive.
    fn by_value_ref(&mut self) -> String {
        if !self.pool.is_empty() && self.e.chance(60) {
            let pool = self.pool.clone();
            self.e.pick(&pool)
        } else {
            self.e.pick(&SIZED).as_str().to_owned()
        }
    }

    fn int_primitive(&mut self) -> Primitive {
        self.e.pick(&INTEGERS)
    }

    fn register(&mut self, id: &str, info: Info) {
        if info.by_value && info.layout.is_some_and(|l| l.size > 0) {
            self.pool.push(id.to_owned());
        }
        self.info.insert(id.to_owned(), info);
    }

    fn build(mut self) -> Descriptor {
        self.target = self.target();
        for p in Primitive::ALL {
            let res = match p {
                Primitive::Void => Res::Void,
                Primitive::Bool => Res::Bool,
                Primitive::F32 | Primitive::F64 => Res::Float,
                _ => {
                    let (lo, hi) = int_range(p, &self.target).expect("integer");
                    Res::Int(lo, hi)
                }
            };
            let layout = primitive_layout(p, &self.target);
            self.info.insert(
                p.as_str().to_owned(),
                Info {
                    layout,
                    by_value: layout.is_some(),
                    res,
                },
            );
        }
        self.lib = Version::new(
            self.e.upto(3) as u64,
            self.e.below(10) as u64,
            self.e.below(10) as u64,
        );
        let library = Library {
            name: self.name("lib"),
            version: self.lib.clone(),
            soname: self
                .e
                .chance(50)
                .then(|| format!("libx.so.{}", self.lib.major)),
        };
        let producer = Producer {
            language: self.e.pick(&["c", "rust", "nim", "go", "zig"]).to_owned(),
            tool: self
                .e
                .pick(&["hand", "abi-descriptor", "abi-check embed"])
                .to_owned(),
            version: format!("{}.{}", self.e.below(5), self.e.below(20)),
        };
        let n_functions = 1 + self.e.upto(5);
        self.symbols = (0..n_functions).map(|_| self.name("F")).collect();
        let types = self.types();
        let wire_types = self.wire_types();
        let code_tables = self.code_tables();
        let functions = self
            .symbols
            .clone()
            .into_iter()
            .map(|s| self.function(s))
            .collect();
        let variables = (0..self.e.upto(4)).map(|_| self.variable()).collect();
        let constants = (0..self.e.upto(6)).map(|_| self.constant()).collect();
        Descriptor {
            format: FORMAT_VERSION,
            library,
            producer,
            target: self.target.clone(),
            types,
            functions,
            variables,
            constants,
            wire_types,
            code_tables,
        }
    }

    fn target(&mut self) -> Target {
        let mut t = match self.e.below(5) {
            0 => x86_64_linux(),
            1 => Target {
                triple: "i686-unknown-linux-gnu".into(),
                pointer_width: 32,
                endian: abi_descriptor::Endian::Little,
                c_int: 4,
                c_long: 4,
                size_t: 4,
                c_char_signed: true,
                default_abi: CallConv::C,
                primitive_align: BTreeMap::from([
                    (Primitive::I64, 4),
                    (Primitive::U64, 4),
                    (Primitive::F64, 4),
                ]),
            },
            2 => Target {
                triple: "x86_64-pc-windows-msvc".into(),
                c_long: 4,
                default_abi: CallConv::Win64,
                ..x86_64_linux()
            },
            3 => Target {
                triple: "powerpc64-unknown-linux-gnu".into(),
                endian: abi_descriptor::Endian::Big,
                c_char_signed: false,
                default_abi: CallConv::C,
                ..x86_64_linux()
            },
            _ => Target {
                triple: "msp430-none-elf".into(),
                pointer_width: 16,
                endian: abi_descriptor::Endian::Little,
                c_int: 2,
                c_long: 4,
                size_t: 2,
                c_char_signed: true,
                default_abi: CallConv::C,
                primitive_align: BTreeMap::new(),
            },
        };
        if self.e.chance(30) {
            t.c_char_signed = !t.c_char_signed;
        }
        t
    }

    fn pointer_size(&self) -> u64 {
        u64::from(self.target.pointer_width / 8)
    }

    fn types(&mut self) -> Vec<TypeDef> {
        let n = self.e.upto(18);
        let mut plan: Vec<(String, Kind)> = (0..n)
            .map(|_| {
                let (kind, prefix) = self.e.pick(&KINDS);
                (self.name(prefix), kind)
            })
            .collect();
        if self.e.chance(85) {
            let at = self.e.upto(plan.len());
            let id = self.name("*const c_char ");
            plan.insert(at, (id, Kind::CharPointer));
        }
        let ids: Vec<String> = plan.iter().map(|(id, _)| id.clone()).collect();
        plan.into_iter()
            .map(|(id, kind)| {
                let kind = self.type_kind(&id, kind, &ids);
                TypeDef {
                    id,
                    since: self.since(),
                    deprecated: self.deprecated(),
                    kind,
                }
            })
            .collect()
    }

    fn ownership(&mut self) -> Ownership {
        match self.e.below(5) {
            0..=2 => Ownership::Borrowed,
            3 => Ownership::Transferred,
            _ => Ownership::CallerOwned {
                free: self.e.pick(&self.symbols.clone()),
            },
        }
    }

    fn mutability(&mut self) -> Mutability {
        if self.e.chance(50) {
            Mutability::Mut
        } else {
            Mutability::Const
        }
    }

    /// Fields laid out as C lays them out (`packed` = without alignment),
    /// starting at `start` after the fields in `fields`; returns the end and
    /// the largest field alignment.
    fn lay_fields(
        &mut self,
        fields: &mut Vec<Field>,
        n: usize,
        packed: bool,
        mut end: u64,
        mut max_align: u64,
        since: &mut dyn FnMut(&mut Self) -> Option<Version>,
    ) -> (u64, u64) {
        for _ in 0..n {
            let ty = self.by_value_ref();
            let l = self.layout(&ty);
            let offset = if packed {
                end
            } else {
                let gap = if self.e.chance(20) {
                    l.align * self.e.upto(2) as u64
                } else {
                    0
                };
                align_up(end, l.align) + gap
            };
            end = offset + l.size;
            max_align = max_align.max(l.align);
            let name = self.name("f");
            let since = since(self).map(Box::new);
            fields.push(Field {
                name,
                ty: TypeRef::new(ty),
                offset,
                since,
            });
        }
        (end, max_align)
    }

    /// An alignment at least `align`, sometimes raised (`aligned(N)`).
    fn raise_align(&mut self, align: u64) -> u64 {
        if self.e.chance(15) {
            align.max(1 << self.e.upto(5))
        } else {
            align
        }
    }

    /// A size at least `end`, a multiple of `align`, sometimes with extra
    /// trailing padding.
    fn pad_size(&mut self, end: u64, align: u64) -> u64 {
        align_up(end, align) + align * u64::from(self.e.chance(10))
    }

    fn type_kind(&mut self, id: &str, kind: Kind, ids: &[String]) -> TypeKind {
        let pointer = Layout {
            size: self.pointer_size(),
            align: self.pointer_size(),
        };
        let (kind, info) = match kind {
            Kind::Opaque => {
                if self.e.chance(50) {
                    let align = 1 << self.e.upto(4);
                    let size = align * self.e.upto(4) as u64;
                    let layout = Layout { size, align };
                    (
                        TypeKind::Opaque(OpaqueType {
                            size: Some(size),
                            align: Some(align),
                        }),
                        Info {
                            layout: Some(layout),
                            by_value: true,
                            res: Res::Other,
                        },
                    )
                } else {
                    (
                        TypeKind::Opaque(OpaqueType::default()),
                        Info {
                            layout: None,
                            by_value: false,
                            res: Res::Other,
                        },
                    )
                }
            }
            Kind::Alias => {
                // Any earlier type (sized or not) or a primitive, `void` included.
                let mut candidates: Vec<String> = self
                    .info
                    .keys()
                    .filter(|k| ids.contains(k))
                    .cloned()
                    .collect();
                candidates.sort();
                let target = if !candidates.is_empty() && self.e.chance(60) {
                    self.e.pick(&candidates)
                } else if self.e.chance(10) {
                    "void".to_owned()
                } else {
                    self.e.pick(&SIZED).as_str().to_owned()
                };
                let info = self.info[&target];
                (
                    TypeKind::Alias(AliasType {
                        target: TypeRef::new(target),
                    }),
                    info,
                )
            }
            Kind::Pointer | Kind::CharPointer => {
                let pointee = if kind == Kind::CharPointer {
                    "c_char".to_owned()
                } else if self.e.chance(70) {
                    // Any type, including this one and later ones.
                    self.e.pick(ids)
                } else {
                    self.e.pick(&Primitive::ALL).as_str().to_owned()
                };
                let text = matches!(pointee.as_str(), "c_char" | "u8" | "i8");
                (
                    TypeKind::Pointer(PointerType {
                        pointee: TypeRef::new(pointee),
                        mutability: if kind == Kind::CharPointer {
                            Mutability::Const
                        } else {
                            self.mutability()
                        },
                        nullable: self.e.chance(40),
                        ownership: self.ownership(),
                    }),
                    Info {
                        layout: Some(pointer),
                        by_value: true,
                        res: Res::Pointer { text },
                    },
                )
            }
            Kind::Struct => {
                let mut fields = Vec::new();
                let (repr, size, align) = match self.e.below(7) {
                    0 => {
                        // Packed: fields back to back; `align` is the packing.
                        let n = self.e.upto(4);
                        let (end, _) = self.lay_fields(&mut fields, n, true, 0, 1, &mut |_| None);
                        let align = 1 << self.e.upto(1);
                        (Repr::Packed, align_up(end, align), align)
                    }
                    1 => {
                        // One field at offset 0, laid out exactly as the field.
                        let ty = self.by_value_ref();
                        let l = self.layout(&ty);
                        fields.push(Field {
                            name: self.name("f"),
                            ty: TypeRef::new(ty),
                            offset: 0,
                            since: None,
                        });
                        (Repr::Transparent, l.size, l.align)
                    }
                    _ => {
                        let n = self.e.upto(5);
                        let (end, align) = self.lay_fields(&mut fields, n, false, 0, 1, &mut |b| {
                            b.e.chance(10).then(|| b.version_le())
                        });
                        let align = self.raise_align(align);
                        (Repr::C, self.pad_size(end, align), align)
                    }
                };
                (
                    TypeKind::Struct(StructType {
                        repr,
                        size,
                        align,
                        fields,
                    }),
                    Info {
                        layout: Some(Layout { size, align }),
                        by_value: true,
                        res: Res::Other,
                    },
                )
            }
            Kind::Union => {
                let n = 1 + self.e.upto(3);
                let mut members = Vec::new();
                let (mut size, mut align) = (0, 1);
                for _ in 0..n {
                    let ty = self.by_value_ref();
                    let l = self.layout(&ty);
                    size = size.max(l.size);
                    align = align.max(l.align);
                    members.push(UnionMember {
                        name: self.name("m"),
                        ty: TypeRef::new(ty),
                    });
                }
                let align = self.raise_align(align);
                let size = self.pad_size(size, align);
                (
                    TypeKind::Union(UnionType {
                        size,
                        align,
                        members,
                    }),
                    Info {
                        layout: Some(Layout { size, align }),
                        by_value: true,
                        res: Res::Other,
                    },
                )
            }
            Kind::Enum => {
                let repr = self.int_primitive();
                let (lo, hi) = int_range(repr, &self.target).expect("integer");
                let variants = (0..self.e.upto(5))
                    .map(|_| Variant {
                        name: self.name("V"),
                        value: int(self.e.int_in(lo, hi)),
                        since: self.since(),
                        deprecated: self.deprecated(),
                    })
                    .collect();
                self.enums.push(id.to_owned());
                (
                    TypeKind::Enum(EnumType {
                        repr: repr.into(),
                        variants,
                        exhaustive: !self.e.chance(30),
                    }),
                    Info {
                        layout: primitive_layout(repr, &self.target),
                        by_value: true,
                        res: Res::Int(lo, hi),
                    },
                )
            }
            Kind::TaggedUnion => {
                let tag_ty = if !self.enums.is_empty() && self.e.chance(30) {
                    let enums = self.enums.clone();
                    self.e.pick(&enums)
                } else {
                    self.e
                        .pick(&[
                            Primitive::U8,
                            Primitive::U16,
                            Primitive::U32,
                            Primitive::I32,
                            Primitive::U64,
                            Primitive::CChar,
                        ])
                        .as_str()
                        .to_owned()
                };
                let Res::Int(lo, hi) = self.info[&tag_ty].res else {
                    unreachable!("tags are integers")
                };
                let tag_layout = self.layout(&tag_ty);
                let mut variants = Vec::new();
                let (mut payload_size, mut payload_align) = (0, 1);
                for _ in 0..1 + self.e.upto(3) {
                    let payload = self.e.chance(70).then(|| self.by_value_ref());
                    if let Some(p) = &payload {
                        let l = self.layout(p);
                        payload_size = payload_size.max(l.size);
                        payload_align = payload_align.max(l.align);
                    }
                    variants.push(TaggedVariant {
                        name: self.name("v"),
                        tag: int(self.e.int_in(lo, hi)),
                        payload: payload.map(TypeRef::new),
                        since: self.since(),
                    });
                }
                let payload_offset = align_up(tag_layout.size, payload_align);
                let align = tag_layout.align.max(payload_align);
                let size = align_up(payload_offset + payload_size, align);
                (
                    TypeKind::TaggedUnion(TaggedUnionType {
                        size,
                        align,
                        tag: Tag {
                            ty: TypeRef::new(tag_ty),
                            offset: 0,
                        },
                        payload_offset,
                        variants,
                        exhaustive: !self.e.chance(30),
                    }),
                    Info {
                        layout: Some(Layout { size, align }),
                        by_value: true,
                        res: Res::Other,
                    },
                )
            }
            Kind::Array => {
                let element = self.by_value_ref();
                let l = self.layout(&element);
                let len = 1 + self.e.upto(7) as u64;
                (
                    TypeKind::Array(ArrayType {
                        element: TypeRef::new(element),
                        len,
                    }),
                    Info {
                        layout: Some(Layout {
                            size: l.size * len,
                            align: l.align,
                        }),
                        by_value: true,
                        res: Res::Other,
                    },
                )
            }
            Kind::Buffer => {
                let (length, layout) = match self.e.below(3) {
                    0 => (BufferLength::NulTerminated, pointer),
                    1 => (BufferLength::Separate, pointer),
                    _ => {
                        let len_type = self.e.pick(&[
                            Primitive::Usize,
                            Primitive::U32,
                            Primitive::U64,
                            Primitive::Isize,
                            Primitive::I64,
                            Primitive::U16,
                        ]);
                        let l = primitive_layout(len_type, &self.target).expect("sized");
                        let (ptr_offset, len_offset, end) = if self.e.chance(25) {
                            let ptr_offset = align_up(l.size, pointer.align);
                            (ptr_offset, 0, ptr_offset + pointer.size)
                        } else {
                            let len_offset = align_up(pointer.size, l.align);
                            (0, len_offset, len_offset + l.size)
                        };
                        let align = pointer.align.max(l.align);
                        let size = align_up(end, align);
                        (
                            BufferLength::Inline(InlineBuffer {
                                size,
                                align,
                                ptr_offset,
                                len_offset,
                                len_type: len_type.into(),
                            }),
                            Layout { size, align },
                        )
                    }
                };
                (
                    TypeKind::Buffer(BufferType {
                        encoding: if self.e.chance(50) {
                            BufferEncoding::Bytes
                        } else {
                            BufferEncoding::Utf8
                        },
                        length,
                        mutability: self.mutability(),
                        nullable: self.e.chance(40),
                        ownership: self.ownership(),
                    }),
                    Info {
                        layout: Some(layout),
                        by_value: true,
                        res: Res::Buffer,
                    },
                )
            }
            Kind::FunctionPointer => {
                let params = self.params(3);
                let ret = self.ret();
                let user_data = (!params.is_empty() && self.e.chance(50))
                    .then(|| self.e.below(params.len()) as u32);
                (
                    TypeKind::FunctionPointer(FunctionPointerType {
                        abi: self.e.pick(&CALL_CONVS),
                        params,
                        ret,
                        variadic: self.e.chance(15),
                        may_unwind: self.e.chance(15),
                        user_data,
                        lifetime: if self.e.chance(50) {
                            CallbackLifetime::Stored
                        } else {
                            CallbackLifetime::CallScoped
                        },
                        thread: self.e.pick(&[
                            CallbackThread::Caller,
                            CallbackThread::Library,
                            CallbackThread::Any,
                        ]),
                        nullable: self.e.chance(40),
                    }),
                    Info {
                        layout: Some(pointer),
                        by_value: true,
                        res: Res::FnPtr,
                    },
                )
            }
            Kind::Extensible => {
                let version_ty = self.e.pick(&[
                    Primitive::U32,
                    Primitive::Usize,
                    Primitive::U16,
                    Primitive::I32,
                ]);
                let vl = primitive_layout(version_ty, &self.target).expect("sized");
                let version_name = self.name("cb_size");
                let mut fields = vec![Field {
                    name: version_name.clone(),
                    ty: version_ty.into(),
                    offset: 0,
                    since: None,
                }];
                let n = self.e.upto(4);
                let (end, align) =
                    self.lay_fields(&mut fields, n, false, vl.size, vl.align, &mut |_| None);
                // Fields from `first_new` on were appended, in non-decreasing versions.
                let first_new = self.e.upto(fields.len());
                let mut versions: Vec<Version> = (first_new..fields.len())
                    .map(|_| self.version_le())
                    .collect();
                versions.sort();
                for (f, v) in fields[first_new..].iter_mut().zip(versions) {
                    f.since = Some(Box::new(v));
                }
                let size = align_up(end, align);
                let versioning = if self.e.chance(50) {
                    Versioning::VersionField(version_name)
                } else {
                    Versioning::SizeField(version_name)
                };
                (
                    TypeKind::Extensible(ExtensibleType {
                        size,
                        align,
                        versioning,
                        fields,
                    }),
                    Info {
                        layout: Some(Layout { size, align }),
                        by_value: false,
                        res: Res::Extensible,
                    },
                )
            }
        };
        self.register(id, info);
        kind
    }

    fn ret(&mut self) -> TypeRef {
        if self.e.chance(60) {
            TypeRef::new(self.by_value_ref())
        } else {
            TypeRef::default()
        }
    }

    /// Up to `max` by-value parameters, some unnamed, plus length parameters
    /// for some named pointer and buffer parameters.
    fn params(&mut self, max: usize) -> Vec<Param> {
        let mut params: Vec<Param> = (0..self.e.upto(max))
            .map(|_| Param {
                name: if self.e.chance(80) {
                    self.name("p")
                } else {
                    String::new()
                },
                ty: TypeRef::new(self.by_value_ref()),
                length_of: None,
            })
            .collect();
        let pointers: Vec<String> = params
            .iter()
            .filter(|p| {
                !p.name.is_empty()
                    && matches!(
                        self.info[p.ty.as_str()].res,
                        Res::Pointer { .. } | Res::Buffer
                    )
            })
            .map(|p| p.name.clone())
            .collect();
        for of in pointers {
            if self.e.chance(50) {
                let at = self.e.upto(params.len());
                let ty = self.e.pick(&[
                    Primitive::Usize,
                    Primitive::U32,
                    Primitive::I32,
                    Primitive::U64,
                ]);
                params.insert(
                    at,
                    Param {
                        name: self.name("len"),
                        ty: ty.into(),
                        length_of: Some(of),
                    },
                );
            }
        }
        params
    }

    fn function(&mut self, symbol: String) -> Function {
        let mut params = self.params(5);
        let ret = self.ret();
        let wire = self.e.chance(40).then(|| self.wire_call(&mut params));
        Function {
            symbol,
            params,
            ret,
            abi: self.e.pick(&CALL_CONVS),
            variadic: self.e.chance(10),
            threading: self.e.pick(&[
                Threading::Any,
                Threading::ContextThread,
                Threading::MainThread,
            ]),
            may_block: self.e.chance(30),
            may_unwind: self.e.chance(10),
            wire: wire.map(Box::new),
            since: self.since(),
            deprecated: self.deprecated(),
        }
    }

    fn wire_ref(&mut self) -> WireRef {
        if !self.wire_ids.is_empty() && self.e.chance(60) {
            let ids = self.wire_ids.clone();
            WireRef::new(self.e.pick(&ids))
        } else {
            WireRef::new(self.e.pick(&WirePrimitive::ALL).as_str())
        }
    }

    fn wire_call(&mut self, params: &mut Vec<Param>) -> WireCall {
        let fn_pointers: Vec<String> = self
            .pool
            .iter()
            .filter(|t| self.info[t.as_str()].res == Res::FnPtr)
            .cloned()
            .collect();
        let callback_param = (!fn_pointers.is_empty() && self.e.chance(80)).then(|| {
            let name = self.name("cb");
            params.push(Param {
                name: name.clone(),
                ty: TypeRef::new(self.e.pick(&fn_pointers)),
                length_of: None,
            });
            name
        });
        let named: Vec<String> = params
            .iter()
            .filter(|p| !p.name.is_empty())
            .map(|p| p.name.clone())
            .collect();
        let request_param = (!named.is_empty() && self.e.chance(70)).then(|| self.e.pick(&named));
        let mut events = Vec::new();
        for _ in 0..self.e.upto(2) {
            events.push(Event {
                name: self.name("on_"),
                payload: self.wire_ref(),
                since: self.since(),
                deprecated: self.deprecated(),
            });
        }
        WireCall {
            encoding: self.e.pick(&[
                PayloadEncoding::Cbor,
                PayloadEncoding::Json,
                PayloadEncoding::Raw,
            ]),
            request_param,
            request: self.e.chance(70).then(|| self.wire_ref()),
            callback_param,
            reply: self.e.chance(70).then(|| self.wire_ref()),
            error: self.e.chance(50).then(|| self.wire_ref()),
            codes: (!self.code_ids.is_empty() && self.e.chance(80)).then(|| {
                let ids = self.code_ids.clone();
                self.e.pick(&ids)
            }),
            events,
        }
    }

    fn wire_types(&mut self) -> Vec<WireTypeDef> {
        let n = self.e.upto(8);
        let kinds = ["record", "list", "map", "option", "result", "enum", "alias"];
        let plan: Vec<(String, usize)> = (0..n)
            .map(|_| {
                let k = self.e.below(kinds.len());
                (self.name("W"), k)
            })
            .collect();
        // Every id is declared up front so that records, lists... may refer to
        // later ones and to themselves; aliases only refer to earlier ones, so
        // alias chains end.
        self.wire_ids = plan.iter().map(|(id, _)| id.clone()).collect();
        let all = self.wire_ids.clone();
        let mut out = Vec::new();
        for (i, (id, k)) in plan.into_iter().enumerate() {
            let kind = match k {
                0 => WireKind::Record(WireRecord {
                    fields: (0..self.e.upto(4))
                        .map(|_| WireField {
                            name: self.name("k"),
                            ty: self.wire_ref(),
                            optional: self.e.chance(30),
                            since: self.since(),
                        })
                        .collect(),
                }),
                1 => WireKind::List(WireList {
                    element: self.wire_ref(),
                }),
                2 => WireKind::Map(WireMap {
                    key: self.wire_ref(),
                    value: self.wire_ref(),
                }),
                3 => WireKind::Option(WireOption {
                    some: self.wire_ref(),
                }),
                4 => WireKind::Result(WireResult {
                    ok: self.wire_ref(),
                    err: self.wire_ref(),
                }),
                5 => WireKind::Enum(WireEnum {
                    values: (0..self.e.upto(4)).map(|_| self.name("e")).collect(),
                    exhaustive: !self.e.chance(30),
                }),
                _ => {
                    let target = if i > 0 && self.e.chance(60) {
                        all[self.e.below(i)].clone()
                    } else {
                        self.e.pick(&WirePrimitive::ALL).as_str().to_owned()
                    };
                    WireKind::Alias(WireAlias {
                        target: WireRef::new(target),
                    })
                }
            };
            out.push(WireTypeDef {
                id,
                since: self.since(),
                deprecated: self.deprecated(),
                kind,
            });
        }
        out
    }

    fn code_tables(&mut self) -> Vec<CodeTable> {
        let mut tables = Vec::new();
        for _ in 0..self.e.upto(3) {
            let id = self.name("K");
            let mut value = self.e.int_in(-(1 << 40), 1 << 40);
            let mut codes = Vec::new();
            for _ in 0..1 + self.e.upto(4) {
                codes.push(ReturnCode {
                    value: int(value),
                    name: self.name("RET_"),
                    is_final: self.e.chance(50),
                });
                value += 1 + self.e.below(3) as i128;
            }
            let i = self.e.below(codes.len());
            codes[i].is_final = true;
            self.code_ids.push(id.clone());
            tables.push(CodeTable { id, codes });
        }
        tables
    }

    fn variable(&mut self) -> Variable {
        Variable {
            symbol: self.name("G"),
            ty: TypeRef::new(self.by_value_ref()),
            mutability: self.mutability(),
            since: self.since(),
            deprecated: self.deprecated(),
        }
    }

    fn float(&mut self) -> f64 {
        match self.e.below(9) {
            0 => 0.0,
            1 => -0.0,
            2 => 1.5,
            3 => f64::MAX,
            4 => f64::MIN_POSITIVE,
            5 => 5e-324,
            6 => 0.1,
            7 => -65504.0,
            _ => {
                let x = f64::from_bits(self.e.u64());
                if x.is_finite() { x } else { -2.75 }
            }
        }
    }

    fn constant(&mut self) -> Constant {
        let name = self.name("C_");
        let (ty, value) = match self.e.below(4) {
            0 => {
                // An integer primitive, an enum, or an alias of one.
                let mut candidates: Vec<String> = INTEGERS
                    .iter()
                    .map(|p| p.as_str().to_owned())
                    .chain(
                        self.info
                            .iter()
                            .filter(|(k, i)| {
                                matches!(i.res, Res::Int(..)) && k.parse::<Primitive>().is_err()
                            })
                            .map(|(k, _)| k.clone()),
                    )
                    .collect();
                candidates.sort();
                let ty = self.e.pick(&candidates);
                let Res::Int(lo, hi) = self.info[&ty].res else {
                    unreachable!()
                };
                let v = self.e.int_in(lo, hi);
                (TypeRef::new(ty), ConstValue::Int(int(v)))
            }
            1 => {
                let ty = self.e.pick(&["f32", "f64"]).to_owned();
                let v = self.float();
                (TypeRef::new(ty), ConstValue::Float(v))
            }
            2 => {
                let mut texts: Vec<String> = self
                    .info
                    .iter()
                    .filter(|(k, i)| {
                        // Validation resolves aliases to the pointer but looks at the
                        // pointee as written.
                        k.parse::<Primitive>().is_err()
                            && matches!(i.res, Res::Pointer { text: true } | Res::Buffer)
                    })
                    .map(|(k, _)| k.clone())
                    .collect();
                texts.sort();
                if texts.is_empty() {
                    (TypeRef::new("bool"), ConstValue::Bool(true))
                } else {
                    let ty = self.e.pick(&texts);
                    let text = if self.e.chance(50) {
                        self.e.pick(&TEXTS).to_owned()
                    } else {
                        self.name("")
                    };
                    (TypeRef::new(ty), ConstValue::Text(text))
                }
            }
            _ => {
                let v = self.e.chance(50);
                (TypeRef::new("bool"), ConstValue::Bool(v))
            }
        };
        Constant {
            name,
            ty,
            value,
            since: self.since(),
            deprecated: self.deprecated(),
        }
    }
}

/// The x86-64 Linux target.
pub fn x86_64_linux() -> Target {
    Target {
        triple: "x86_64-unknown-linux-gnu".into(),
        pointer_width: 64,
        endian: abi_descriptor::Endian::Little,
        c_int: 4,
        c_long: 8,
        size_t: 8,
        c_char_signed: true,
        default_abi: CallConv::Sysv64,
        primitive_align: BTreeMap::new(),
    }
}

/// The types a C type kind refers to directly (written independently of the
/// library's `type_refs`).
pub fn refs_of(kind: &TypeKind) -> Vec<&TypeRef> {
    match kind {
        TypeKind::Opaque(_) => vec![],
        TypeKind::Alias(a) => vec![&a.target],
        TypeKind::Pointer(p) => vec![&p.pointee],
        TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
        TypeKind::Extensible(s) => s.fields.iter().map(|f| &f.ty).collect(),
        TypeKind::Union(u) => u.members.iter().map(|m| &m.ty).collect(),
        TypeKind::Enum(e) => vec![&e.repr],
        TypeKind::TaggedUnion(u) => std::iter::once(&u.tag.ty)
            .chain(u.variants.iter().filter_map(|v| v.payload.as_ref()))
            .collect(),
        TypeKind::Array(a) => vec![&a.element],
        TypeKind::Buffer(b) => match &b.length {
            BufferLength::Inline(i) => vec![&i.len_type],
            _ => vec![],
        },
        TypeKind::FunctionPointer(f) => f
            .params
            .iter()
            .map(|p| &p.ty)
            .chain(std::iter::once(&f.ret))
            .collect(),
    }
}

/// Every type id reachable from `roots` through the type graph, the roots
/// included.
pub fn reachable<'a>(
    d: &'a Descriptor,
    roots: impl IntoIterator<Item = &'a str>,
) -> HashSet<&'a str> {
    let by_id: HashMap<&str, &TypeDef> = d.types.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut seen = HashSet::new();
    let mut stack: Vec<&str> = roots.into_iter().collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let Some(t) = by_id.get(id) {
            stack.extend(refs_of(&t.kind).into_iter().map(TypeRef::as_str));
        }
    }
    seen
}

/// Shuffles every table whose order canonicalization decides: types,
/// functions, variables, constants, wire types, code tables, and inside them
/// struct and extensible fields (whose offsets are distinct in generated
/// descriptors), union members, enum and tagged union variants, events,
/// record fields, wire enum values and codes. Parameter order is meaningful
/// and kept.
pub fn permute(d: &mut Descriptor, rng: &mut Shuffler) {
    rng.shuffle(&mut d.types);
    rng.shuffle(&mut d.functions);
    rng.shuffle(&mut d.variables);
    rng.shuffle(&mut d.constants);
    rng.shuffle(&mut d.wire_types);
    rng.shuffle(&mut d.code_tables);
    for t in &mut d.types {
        match &mut t.kind {
            TypeKind::Struct(s) => rng.shuffle(&mut s.fields),
            TypeKind::Extensible(s) => rng.shuffle(&mut s.fields),
            TypeKind::Union(u) => rng.shuffle(&mut u.members),
            TypeKind::Enum(e) => rng.shuffle(&mut e.variants),
            TypeKind::TaggedUnion(u) => rng.shuffle(&mut u.variants),
            _ => {}
        }
    }
    for f in &mut d.functions {
        if let Some(w) = &mut f.wire {
            rng.shuffle(&mut w.events);
        }
    }
    for t in &mut d.wire_types {
        match &mut t.kind {
            WireKind::Record(r) => rng.shuffle(&mut r.fields),
            WireKind::Enum(e) => rng.shuffle(&mut e.values),
            _ => {}
        }
    }
    for t in &mut d.code_tables {
        rng.shuffle(&mut t.codes);
    }
}

/// Writes `value` as JSON text with the keys of every object in a shuffled
/// order (array order is kept).
pub fn to_json_shuffled(value: &serde_json::Value, rng: &mut Shuffler) -> String {
    fn write(value: &serde_json::Value, rng: &mut Shuffler, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
                rng.shuffle(&mut entries);
                out.push('{');
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).expect("a string serializes"));
                    out.push(':');
                    write(v, rng, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, rng, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&serde_json::to_string(scalar).expect("a scalar serializes")),
        }
    }
    let mut out = String::new();
    write(value, rng, &mut out);
    out
}

/// `d`'s canonical CBOR with each `(position, byte)` written over it
/// (positions wrap around), decoded again; `None` when the result does not
/// decode or is not valid. (Used by the checker's tests.)
#[allow(dead_code)]
pub fn mutation(d: &Descriptor, edits: &[(usize, u8)]) -> Option<Descriptor> {
    let mut bytes = d.to_cbor().expect("a descriptor encodes");
    let n = bytes.len();
    for &(at, byte) in edits {
        bytes[at % n] = byte;
    }
    let mutated = Descriptor::from_cbor(&bytes).ok()?;
    mutated.validate().ok()?;
    Some(mutated)
}
