//! The const encoder: collects the types a library reaches, sorts every
//! table into canonical order and writes canonical CBOR and the blob header,
//! all during constant evaluation.
//!
//! The output must be byte-identical to `Descriptor::to_blob()` of
//! `abi-descriptor` for the same descriptor (docs/descriptor-format.md,
//! section 3). Map keys are written in RFC 8949 order (shorter key first,
//! then bytewise), which each writer below spells out by hand; fields at
//! their default are left out.
//!
//! Constant evaluation interprets every step, so the work is kept near
//! linear: type ids are deduplicated through a hash index, tables are
//! ordered by a merge sort of indices, and counting passes skip the copying.

use crate::model::{
    Callback, CallbackThread, ConstValue, Constant, Deprecation, Enum, Field, Function, Library,
    Lifetime, Member, Ownership, Param, Pointer, Primitive, Repr, Struct, Threading, Ty, TyRef,
    Union, Variable, Variant,
};
use crate::sha256::sha256;
use crate::target::{self, TargetInfo};

/// Most distinct non-primitive types one library may reach, and most
/// functions, variables and constants (each) it may list.
pub const MAX_TYPES: usize = 4096;
/// Most bytes the ids of those types may take together.
pub const MAX_ID_BYTES: usize = 1 << 18;
/// Size of the blob header.
pub const HEADER_LEN: usize = 48;
/// The 8 bytes that open a blob.
pub const MAGIC: [u8; 8] = *b"\x89ABI\r\n\x1a\n";
/// The descriptor format version written.
pub const FORMAT: &str = "1.0";
/// Largest body a blob may carry (the readers' default limit).
pub const MAX_BODY: usize = 64 << 20;

/// Panics during constant evaluation with the concatenation of `parts`
/// (cut at 512 bytes), so that errors can name the item at fault.
pub(crate) const fn fail(parts: &[&str]) -> ! {
    let mut buf = [0u8; 512];
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        let b = parts[i].as_bytes();
        let mut j = 0;
        while j < b.len() && n < buf.len() {
            buf[n] = b[j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    let (head, _) = buf.split_at(n);
    match core::str::from_utf8(head) {
        Ok(s) => panic!("{}", s),
        Err(e) => {
            let (valid, _) = head.split_at(e.valid_up_to());
            match core::str::from_utf8(valid) {
                Ok(s) => panic!("{}", s),
                Err(_) => panic!("abi-describe: invalid description"),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Output.

/// Where bytes go: a buffer, or nowhere when only counting.
struct Sink<'a> {
    buf: &'a mut [u8],
    pos: usize,
    count_only: bool,
    overflow: &'static str,
}

impl<'a> Sink<'a> {
    const fn counter(buf: &'a mut [u8]) -> Sink<'a> {
        Sink {
            buf,
            pos: 0,
            count_only: true,
            overflow: "",
        }
    }

    const fn byte(&mut self, b: u8) {
        if !self.count_only {
            if self.pos >= self.buf.len() {
                fail(&[self.overflow]);
            }
            self.buf[self.pos] = b;
        }
        self.pos += 1;
    }

    const fn bytes(&mut self, b: &[u8]) {
        if !self.count_only {
            if self.pos + b.len() > self.buf.len() {
                fail(&[self.overflow]);
            }
            let mut i = 0;
            while i < b.len() {
                self.buf[self.pos + i] = b[i];
                i += 1;
            }
        }
        self.pos += b.len();
    }

    const fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    const fn decimal(&mut self, n: u64) {
        let mut digits = [0u8; 20];
        let mut len = 0;
        let mut v = n;
        loop {
            digits[len] = b'0' + (v % 10) as u8;
            len += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        while len > 0 {
            len -= 1;
            self.byte(digits[len]);
        }
    }

    // CBOR (RFC 8949), shortest heads only.

    const fn head(&mut self, major: u8, arg: u64) {
        let m = major << 5;
        if arg < 24 {
            self.byte(m | arg as u8);
        } else if arg <= u8::MAX as u64 {
            self.byte(m | 24);
            self.byte(arg as u8);
        } else if arg <= u16::MAX as u64 {
            self.byte(m | 25);
            self.bytes(&(arg as u16).to_be_bytes());
        } else if arg <= u32::MAX as u64 {
            self.byte(m | 26);
            self.bytes(&(arg as u32).to_be_bytes());
        } else {
            self.byte(m | 27);
            self.bytes(&arg.to_be_bytes());
        }
    }

    const fn text(&mut self, s: &str) {
        self.head(3, s.len() as u64);
        self.str(s);
    }

    const fn uint(&mut self, n: u64) {
        self.head(0, n);
    }

    const fn int(&mut self, n: i128) {
        if n >= 0 {
            if n > u64::MAX as i128 {
                panic!("abi-describe: an integer value is larger than u64::MAX");
            }
            self.head(0, n as u64);
        } else {
            if n < i64::MIN as i128 {
                panic!("abi-describe: an integer value is smaller than i64::MIN");
            }
            self.head(1, (-1 - n) as u64);
        }
    }

    const fn boolean(&mut self, b: bool) {
        self.byte(if b { 0xf5 } else { 0xf4 });
    }

    const fn map(&mut self, n: usize) {
        self.head(5, n as u64);
    }

    const fn array(&mut self, n: usize) {
        self.head(4, n as u64);
    }

    /// A float in the shortest of binary16, binary32 and binary64 that
    /// holds it exactly.
    const fn float(&mut self, x: f64) {
        if x.is_nan() || x.is_infinite() {
            panic!("abi-describe: a float constant is not finite");
        }
        if let Some(half) = to_f16_exact(x) {
            self.byte(0xf9);
            self.bytes(&half.to_be_bytes());
        } else if (x as f32 as f64).to_bits() == x.to_bits() {
            self.byte(0xfa);
            self.bytes(&(x as f32).to_bits().to_be_bytes());
        } else {
            self.byte(0xfb);
            self.bytes(&x.to_bits().to_be_bytes());
        }
    }
}

/// The binary16 bits of finite `x` when binary16 holds it exactly.
const fn to_f16_exact(x: f64) -> Option<u16> {
    let bits = x.to_bits();
    let sign = ((bits >> 63) as u16) << 15;
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let mant = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        // Zero, or a binary64 subnormal, far below binary16's range.
        return if mant == 0 { Some(sign) } else { None };
    }
    let e = exp - 1023;
    if e >= -14 && e <= 15 {
        if mant & ((1u64 << 42) - 1) == 0 {
            return Some(sign | (((e + 15) as u16) << 10) | (mant >> 42) as u16);
        }
        return None;
    }
    if e >= -24 && e < -14 {
        // A binary16 subnormal: m * 2^-24.
        let significand = (1u64 << 52) | mant;
        let shift = (28 - e) as u32;
        if significand & ((1u64 << shift) - 1) == 0 {
            return Some(sign | (significand >> shift) as u16);
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Ids of types.

const fn is_void(t: TyRef) -> bool {
    matches!(t.get(), Ty::Primitive(Primitive::Void))
}

/// The name of a named type, or `None` for an anonymous one.
const fn name_of(ty: &Ty) -> Option<&'static str> {
    match *ty {
        Ty::Struct(s) => Some(s.name),
        Ty::Union(u) => Some(u.name),
        Ty::Enum(e) => Some(e.name),
        Ty::Opaque(o) => Some(o.name),
        _ => None,
    }
}

/// Writes the id of `ty`: a primitive's or named type's name, or the
/// spelling of an anonymous type's shape.
const fn write_id(s: &mut Sink, ty: &Ty) {
    match *ty {
        Ty::Primitive(p) => s.str(p.name()),
        Ty::Struct(x) => s.str(x.name),
        Ty::Union(x) => s.str(x.name),
        Ty::Enum(x) => s.str(x.name),
        Ty::Opaque(x) => s.str(x.name),
        Ty::Pointer(p) => {
            s.str(match (p.nullable, p.mutable) {
                (true, false) => "*const ",
                (true, true) => "*mut ",
                (false, false) => "&",
                (false, true) => "&mut ",
            });
            write_id(s, p.pointee.get());
            match p.ownership {
                Ownership::Borrowed => {}
                Ownership::CallerOwned { free } => {
                    s.str(" (owned, free: ");
                    s.str(free);
                    s.str(")");
                }
                Ownership::Transferred => s.str(" (transferred)"),
            }
        }
        Ty::Array(a) => {
            s.str("[");
            write_id(s, a.element.get());
            s.str("; ");
            s.decimal(a.len);
            s.str("]");
        }
        Ty::FnPtr(f) => {
            if f.nullable {
                s.str("Option<");
            }
            s.str(if f.may_unwind {
                "extern \"C-unwind\" fn("
            } else {
                "extern \"C\" fn("
            });
            let mut i = 0;
            while i < f.params.len() {
                if i > 0 {
                    s.str(", ");
                }
                write_id(s, f.params[i].get());
                i += 1;
            }
            s.str(")");
            if !is_void(f.ret) {
                s.str(" -> ");
                write_id(s, f.ret.get());
            }
            if f.nullable {
                s.str(">");
            }
            write_callback_suffix(s, f.callback);
        }
    }
}

const fn write_callback_suffix(s: &mut Sink, c: Callback) {
    let stored = matches!(c.lifetime, Lifetime::Stored);
    let thread = match c.thread {
        CallbackThread::Caller => "",
        CallbackThread::Library => "library thread",
        CallbackThread::Any => "any thread",
    };
    if c.user_data.is_none() && !stored && thread.is_empty() {
        return;
    }
    s.str(" (");
    let mut first = true;
    if let Some(i) = c.user_data {
        s.str("user_data: ");
        s.decimal(i as u64);
        first = false;
    }
    if stored {
        if !first {
            s.str(", ");
        }
        s.str("stored");
        first = false;
    }
    if !thread.is_empty() {
        if !first {
            s.str(", ");
        }
        s.str(thread);
    }
    s.str(")");
}

const fn id_len(ty: &Ty) -> usize {
    let mut nothing = [0u8; 0];
    let mut s = Sink::counter(&mut nothing);
    write_id(&mut s, ty);
    s.pos
}

/// Writes a reference to `t` (its id) as a CBOR text string.
const fn type_ref(s: &mut Sink, t: TyRef) {
    let ty = t.get();
    s.head(3, id_len(ty) as u64);
    write_id(s, ty);
}

// ---------------------------------------------------------------------------
// The type table.

#[derive(Clone, Copy)]
struct Entry {
    ty: &'static Ty,
    start: usize,
    len: usize,
}

/// Every non-primitive type the library reaches, each once, with its id,
/// and a hash index of the ids.
struct Table {
    entries: [Entry; MAX_TYPES],
    len: usize,
    ids: [u8; MAX_ID_BYTES],
    used: usize,
    /// Open addressing: entry index + 1, 0 for a free slot.
    slots: [u16; SLOTS],
}

/// Hash slots: twice the entries, a power of two.
const SLOTS: usize = 2 * MAX_TYPES;

/// FNV-1a of `len` bytes of `b` from `start`.
const fn fnv(b: &[u8], start: usize, len: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < len {
        h ^= b[start + i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

const fn cmp_bytes(
    a: &[u8],
    a_start: usize,
    a_len: usize,
    b: &[u8],
    b_start: usize,
    b_len: usize,
) -> i32 {
    let mut i = 0;
    while i < a_len && i < b_len {
        let (x, y) = (a[a_start + i], b[b_start + i]);
        if x != y {
            return if x < y { -1 } else { 1 };
        }
        i += 1;
    }
    if a_len < b_len {
        -1
    } else if a_len > b_len {
        1
    } else {
        0
    }
}

/// Compares two strings as their UTF-8 bytes, a proper prefix first.
const fn cmp_str(a: &str, b: &str) -> i32 {
    cmp_bytes(a.as_bytes(), 0, a.len(), b.as_bytes(), 0, b.len())
}

const fn eq_str(a: &str, b: &str) -> bool {
    cmp_str(a, b) == 0
}

/// Whether two named types with the same name are the same definition:
/// the same kind, size, alignment and field, member or variant names,
/// offsets and values.
const fn same_definition(a: &Ty, b: &Ty) -> bool {
    match (*a, *b) {
        (Ty::Struct(x), Ty::Struct(y)) => {
            if x.size != y.size
                || x.align != y.align
                || x.fields.len() != y.fields.len()
                || !matches!(
                    (x.repr, y.repr),
                    (Repr::C, Repr::C)
                        | (Repr::Packed, Repr::Packed)
                        | (Repr::Transparent, Repr::Transparent)
                )
            {
                return false;
            }
            let mut i = 0;
            while i < x.fields.len() {
                if x.fields[i].offset != y.fields[i].offset
                    || !eq_str(x.fields[i].name, y.fields[i].name)
                {
                    return false;
                }
                i += 1;
            }
            true
        }
        (Ty::Union(x), Ty::Union(y)) => {
            if x.size != y.size || x.align != y.align || x.members.len() != y.members.len() {
                return false;
            }
            let mut i = 0;
            while i < x.members.len() {
                if !eq_str(x.members[i].name, y.members[i].name) {
                    return false;
                }
                i += 1;
            }
            true
        }
        (Ty::Enum(x), Ty::Enum(y)) => {
            if x.variants.len() != y.variants.len() || !eq_str(x.repr.name(), y.repr.name()) {
                return false;
            }
            let mut i = 0;
            while i < x.variants.len() {
                if x.variants[i].value != y.variants[i].value
                    || !eq_str(x.variants[i].name, y.variants[i].name)
                {
                    return false;
                }
                i += 1;
            }
            true
        }
        (Ty::Opaque(_), Ty::Opaque(_)) => true,
        _ => false,
    }
}

impl Table {
    const EMPTY: Entry = Entry {
        ty: &Ty::VOID,
        start: 0,
        len: 0,
    };

    const fn new() -> Table {
        Table {
            entries: [Self::EMPTY; MAX_TYPES],
            len: 0,
            ids: [0; MAX_ID_BYTES],
            used: 0,
            slots: [0; SLOTS],
        }
    }

    /// Adds `t` unless it is a primitive or its id is already present.
    const fn add(&mut self, t: TyRef) {
        let ty = t.get();
        if let Ty::Primitive(_) = ty {
            return;
        }
        let start = self.used;
        let len = {
            let mut s = Sink {
                buf: &mut self.ids,
                pos: start,
                count_only: false,
                overflow: "abi-describe: the ids of the library's types exceed MAX_ID_BYTES (262144 bytes)",
            };
            write_id(&mut s, ty);
            s.pos - start
        };
        let mut slot = (fnv(&self.ids, start, len) as usize) & (SLOTS - 1);
        loop {
            let taken = self.slots[slot];
            if taken == 0 {
                break;
            }
            let e = self.entries[taken as usize - 1];
            if cmp_bytes(&self.ids, e.start, e.len, &self.ids, start, len) == 0 {
                if let Some(name) = name_of(ty)
                    && !same_definition(e.ty, ty)
                {
                    fail(&[
                        "abi-describe: two different types are both named `",
                        name,
                        "`; give one of them another C name with `#[abi(name = \"...\")]`",
                    ]);
                }
                return;
            }
            slot = (slot + 1) & (SLOTS - 1);
        }
        if self.len == MAX_TYPES {
            panic!("abi-describe: the library reaches more than MAX_TYPES (4096) types");
        }
        self.entries[self.len] = Entry { ty, start, len };
        self.len += 1;
        self.slots[slot] = self.len as u16;
        self.used += len;
    }

    /// Adds the types `ty` refers to directly.
    const fn add_children(&mut self, ty: &Ty) {
        match *ty {
            Ty::Primitive(_) | Ty::Enum(_) | Ty::Opaque(_) => {}
            Ty::Pointer(p) => self.add(p.pointee),
            Ty::Array(a) => self.add(a.element),
            Ty::FnPtr(f) => {
                let mut i = 0;
                while i < f.params.len() {
                    self.add(f.params[i]);
                    i += 1;
                }
                self.add(f.ret);
            }
            Ty::Struct(s) => {
                let mut i = 0;
                while i < s.fields.len() {
                    self.add(s.fields[i].ty);
                    i += 1;
                }
            }
            Ty::Union(u) => {
                let mut i = 0;
                while i < u.members.len() {
                    self.add(u.members[i].ty);
                    i += 1;
                }
            }
        }
    }

    /// Adds the type closure of `lib`.
    const fn collect(&mut self, lib: &Library) {
        let mut i = 0;
        while i < lib.functions.len() {
            let f = lib.functions[i];
            let mut p = 0;
            while p < f.params.len() {
                self.add(f.params[p].ty);
                p += 1;
            }
            self.add(f.ret);
            i += 1;
        }
        i = 0;
        while i < lib.variables.len() {
            self.add(lib.variables[i].ty);
            i += 1;
        }
        i = 0;
        while i < lib.constants.len() {
            self.add(lib.constants[i].ty);
            i += 1;
        }
        i = 0;
        while i < self.len {
            let ty = self.entries[i].ty;
            self.add_children(ty);
            i += 1;
        }
    }
}

// ---------------------------------------------------------------------------
// Canonical order: a stable merge sort of indices.

/// What a list of indices is sorted by.
#[derive(Clone, Copy)]
enum Key<'a> {
    /// Type entries, by id.
    Types(&'a Table),
    /// Functions, by symbol.
    Functions(&'a [&'static Function]),
    /// Variables, by symbol.
    Variables(&'a [&'static Variable]),
    /// Constants, by name.
    Constants(&'a [&'static Constant]),
}

const fn compare(key: Key, a: u16, b: u16) -> i32 {
    let (a, b) = (a as usize, b as usize);
    match key {
        Key::Types(t) => {
            let (x, y) = (t.entries[a], t.entries[b]);
            cmp_bytes(&t.ids, x.start, x.len, &t.ids, y.start, y.len)
        }
        Key::Functions(f) => cmp_str(f[a].symbol, f[b].symbol),
        Key::Variables(v) => cmp_str(v[a].symbol, v[b].symbol),
        Key::Constants(c) => cmp_str(c[a].name, c[b].name),
    }
}

/// Indices `0..len` in canonical order.
struct Order {
    idx: [u16; MAX_TYPES],
    len: usize,
}

const fn merge_pass(
    key: Key,
    src: &[u16; MAX_TYPES],
    dst: &mut [u16; MAX_TYPES],
    n: usize,
    width: usize,
) {
    let mut lo = 0;
    while lo < n {
        let mid = if lo + width < n { lo + width } else { n };
        let hi = if lo + 2 * width < n {
            lo + 2 * width
        } else {
            n
        };
        let (mut i, mut j, mut k) = (lo, mid, lo);
        while k < hi {
            if i < mid && (j >= hi || compare(key, src[i], src[j]) <= 0) {
                dst[k] = src[i];
                i += 1;
            } else {
                dst[k] = src[j];
                j += 1;
            }
            k += 1;
        }
        lo = hi;
    }
}

impl Order {
    /// `0..n` sorted by `key`, stably.
    const fn sorted(key: Key, n: usize, what: &str) -> Order {
        if n > MAX_TYPES {
            fail(&["abi-describe: the library lists more than 4096 ", what]);
        }
        let mut a = [0u16; MAX_TYPES];
        let mut b = [0u16; MAX_TYPES];
        let mut i = 0;
        while i < n {
            a[i] = i as u16;
            i += 1;
        }
        let mut width = 1;
        let mut in_a = true;
        while width < n {
            if in_a {
                merge_pass(key, &a, &mut b, n, width);
            } else {
                merge_pass(key, &b, &mut a, n, width);
            }
            in_a = !in_a;
            width *= 2;
        }
        Order {
            idx: if in_a { a } else { b },
            len: n,
        }
    }

    const fn at(&self, k: usize) -> usize {
        self.idx[k] as usize
    }
}

/// The type table and the canonical order of every table.
struct Plan {
    table: Table,
    types: Order,
    functions: Order,
    variables: Order,
    constants: Order,
}

impl Plan {
    const fn new(lib: &Library) -> Plan {
        let mut table = Table::new();
        table.collect(lib);
        let types = Order::sorted(Key::Types(&table), table.len, "types");
        let functions = Order::sorted(
            Key::Functions(lib.functions),
            lib.functions.len(),
            "functions",
        );
        let variables = Order::sorted(
            Key::Variables(lib.variables),
            lib.variables.len(),
            "variables",
        );
        let constants = Order::sorted(
            Key::Constants(lib.constants),
            lib.constants.len(),
            "constants",
        );
        let plan = Plan {
            table,
            types,
            functions,
            variables,
            constants,
        };
        plan.check(lib);
        plan
    }

    /// Whether `symbol` is one of the library's functions (binary search).
    const fn has_function(&self, lib: &Library, symbol: &str) -> bool {
        let (mut lo, mut hi) = (0, self.functions.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let c = cmp_str(lib.functions[self.functions.at(mid)].symbol, symbol);
            if c == 0 {
                return true;
            } else if c < 0 {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        false
    }

    /// What the descriptor must satisfy and the compiler cannot see: unique
    /// symbols and names, listed `free` functions, and `since` versions no
    /// newer than the library.
    const fn check(&self, lib: &Library) {
        let mut k = 1;
        while k < self.functions.len {
            let a = lib.functions[self.functions.at(k - 1)].symbol;
            if eq_str(a, lib.functions[self.functions.at(k)].symbol) {
                fail(&["abi-describe: function `", a, "` is listed twice"]);
            }
            k += 1;
        }
        k = 1;
        while k < self.variables.len {
            let a = lib.variables[self.variables.at(k - 1)].symbol;
            if eq_str(a, lib.variables[self.variables.at(k)].symbol) {
                fail(&["abi-describe: variable `", a, "` is listed twice"]);
            }
            k += 1;
        }
        k = 1;
        while k < self.constants.len {
            let a = lib.constants[self.constants.at(k - 1)].name;
            if eq_str(a, lib.constants[self.constants.at(k)].name) {
                fail(&["abi-describe: constant `", a, "` is listed twice"]);
            }
            k += 1;
        }
        k = 0;
        while k < lib.variables.len() {
            let v = lib.variables[k];
            if self.has_function(lib, v.symbol) {
                fail(&[
                    "abi-describe: `",
                    v.symbol,
                    "` is both a function and a variable",
                ]);
            }
            check_since(lib, "variable", v.symbol, v.since, v.deprecated);
            k += 1;
        }
        k = 0;
        while k < lib.functions.len() {
            let f = lib.functions[k];
            check_since(lib, "function", f.symbol, f.since, f.deprecated);
            k += 1;
        }
        k = 0;
        while k < lib.constants.len() {
            let c = lib.constants[k];
            check_since(lib, "constant", c.name, c.since, c.deprecated);
            k += 1;
        }
        k = 0;
        while k < self.table.len {
            match *self.table.entries[k].ty {
                Ty::Pointer(Pointer {
                    ownership: Ownership::CallerOwned { free },
                    ..
                }) if !self.has_function(lib, free) => {
                    fail(&[
                        "abi-describe: a pointer is freed with `",
                        free,
                        "`, which is not among the library's `functions`",
                    ]);
                }
                Ty::Struct(x) => {
                    check_since(lib, "type", x.name, x.since, x.deprecated);
                    let mut i = 0;
                    while i < x.fields.len() {
                        check_since(lib, "field", x.fields[i].name, x.fields[i].since, None);
                        i += 1;
                    }
                }
                Ty::Union(x) => check_since(lib, "type", x.name, x.since, x.deprecated),
                Ty::Opaque(x) => check_since(lib, "type", x.name, x.since, x.deprecated),
                Ty::Enum(x) => {
                    check_since(lib, "type", x.name, x.since, x.deprecated);
                    let mut i = 0;
                    while i < x.variants.len() {
                        let v = x.variants[i];
                        check_since(lib, "variant", v.name, v.since, v.deprecated);
                        i += 1;
                    }
                }
                _ => {}
            }
            k += 1;
        }
    }
}

/// The numeric core of a semantic version and whether it has a
/// pre-release part.
const fn version_core(v: &str) -> ([u64; 3], bool) {
    let b = v.as_bytes();
    let mut nums = [0u64; 3];
    let mut part = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'.' && part < 2 {
            part += 1;
        } else if c.is_ascii_digit() {
            nums[part] = nums[part]
                .saturating_mul(10)
                .saturating_add((c - b'0') as u64);
        } else {
            break;
        }
        i += 1;
    }
    (nums, i < b.len() && b[i] == b'-')
}

/// Whether version `a` is newer than `b`, as far as the numeric core and a
/// pre-release of the same core tell.
const fn newer(a: &str, b: &str) -> bool {
    let ((x, x_pre), (y, y_pre)) = (version_core(a), version_core(b));
    let mut i = 0;
    while i < 3 {
        if x[i] != y[i] {
            return x[i] > y[i];
        }
        i += 1;
    }
    // The same core: a release is newer than its pre-releases.
    !x_pre && y_pre
}

const fn check_since(
    lib: &Library,
    what: &str,
    name: &str,
    since: Option<&str>,
    deprecated: Option<Deprecation>,
) {
    if let Some(v) = since
        && newer(v, lib.version)
    {
        fail(&[
            "abi-describe: ",
            what,
            " `",
            name,
            "` appeared in ",
            v,
            ", which is newer than the library version ",
            lib.version,
        ]);
    }
    if let Some(Deprecation { since: Some(v), .. }) = deprecated
        && newer(v, lib.version)
    {
        fail(&[
            "abi-describe: ",
            what,
            " `",
            name,
            "` is deprecated since ",
            v,
            ", which is newer than the library version ",
            lib.version,
        ]);
    }
}

// ---------------------------------------------------------------------------
// Writers, one per object of the model. Keys in canonical order.

const fn count(flags: &[bool]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < flags.len() {
        if flags[i] {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn deprecation(s: &mut Sink, d: Deprecation) {
    s.map(count(&[d.note.is_some(), d.since.is_some()]));
    if let Some(note) = d.note {
        s.text("note");
        s.text(note);
    }
    if let Some(since) = d.since {
        s.text("since");
        s.text(since);
    }
}

const fn ownership(s: &mut Sink, o: Ownership) {
    match o {
        Ownership::Borrowed => s.text("borrowed"),
        Ownership::Transferred => s.text("transferred"),
        Ownership::CallerOwned { free } => {
            s.map(1);
            s.text("caller_owned");
            s.map(1);
            s.text("free");
            s.text(free);
        }
    }
}

const fn entry_id(s: &mut Sink, table: &Table, e: Entry) {
    s.text("id");
    s.head(3, e.len as u64);
    let mut i = 0;
    while i < e.len {
        s.byte(table.ids[e.start + i]);
        i += 1;
    }
}

const fn since(s: &mut Sink, v: Option<&str>) {
    if let Some(v) = v {
        s.text("since");
        s.text(v);
    }
}

const fn deprecated(s: &mut Sink, d: Option<Deprecation>) {
    if let Some(d) = d {
        s.text("deprecated");
        deprecation(s, d);
    }
}

const fn type_entry(s: &mut Sink, table: &Table, e: Entry) {
    match *e.ty {
        Ty::Primitive(_) => panic!("abi-describe: internal error: primitive in the type table"),
        Ty::Struct(x) => {
            let repr = !matches!(x.repr, Repr::C);
            s.map(5 + count(&[repr, x.since.is_some(), x.deprecated.is_some()]));
            entry_id(s, table, e);
            s.text("kind");
            s.text("struct");
            if repr {
                s.text("repr");
                s.text(match x.repr {
                    Repr::C => "c",
                    Repr::Packed => "packed",
                    Repr::Transparent => "transparent",
                });
            }
            s.text("size");
            s.uint(x.size);
            s.text("align");
            s.uint(x.align);
            since(s, x.since);
            s.text("fields");
            fields(s, x);
            deprecated(s, x.deprecated);
        }
        Ty::Union(x) => {
            s.map(5 + count(&[x.since.is_some(), x.deprecated.is_some()]));
            entry_id(s, table, e);
            s.text("kind");
            s.text("union");
            s.text("size");
            s.uint(x.size);
            s.text("align");
            s.uint(x.align);
            since(s, x.since);
            s.text("members");
            members(s, x);
            deprecated(s, x.deprecated);
        }
        Ty::Enum(x) => {
            s.map(4 + count(&[x.since.is_some(), x.deprecated.is_some(), !x.exhaustive]));
            entry_id(s, table, e);
            s.text("kind");
            s.text("enum");
            s.text("repr");
            s.text(x.repr.name());
            since(s, x.since);
            s.text("variants");
            variants(s, x);
            deprecated(s, x.deprecated);
            if !x.exhaustive {
                s.text("exhaustive");
                s.boolean(false);
            }
        }
        Ty::Opaque(x) => {
            s.map(2 + count(&[x.since.is_some(), x.deprecated.is_some()]));
            entry_id(s, table, e);
            s.text("kind");
            s.text("opaque");
            since(s, x.since);
            deprecated(s, x.deprecated);
        }
        Ty::Pointer(p) => {
            let owned = !matches!(p.ownership, Ownership::Borrowed);
            s.map(4 + count(&[p.nullable, owned]));
            entry_id(s, table, e);
            s.text("kind");
            s.text("pointer");
            s.text("pointee");
            type_ref(s, p.pointee);
            if p.nullable {
                s.text("nullable");
                s.boolean(true);
            }
            if owned {
                s.text("ownership");
                ownership(s, p.ownership);
            }
            s.text("mutability");
            s.text(if p.mutable { "mut" } else { "const" });
        }
        Ty::Array(a) => {
            s.map(4);
            entry_id(s, table, e);
            s.text("len");
            s.uint(a.len);
            s.text("kind");
            s.text("array");
            s.text("element");
            type_ref(s, a.element);
        }
        Ty::FnPtr(f) => {
            let c = f.callback;
            let stored = matches!(c.lifetime, Lifetime::Stored);
            let thread = !matches!(c.thread, CallbackThread::Caller);
            let params = !f.params.is_empty();
            let ret = !is_void(f.ret);
            s.map(
                2 + count(&[
                    params,
                    ret,
                    thread,
                    stored,
                    f.nullable,
                    c.user_data.is_some(),
                    f.may_unwind,
                ]),
            );
            entry_id(s, table, e);
            s.text("kind");
            s.text("function_pointer");
            if params {
                s.text("params");
                s.array(f.params.len());
                let mut i = 0;
                while i < f.params.len() {
                    s.map(1);
                    s.text("type");
                    type_ref(s, f.params[i]);
                    i += 1;
                }
            }
            if ret {
                s.text("return");
                type_ref(s, f.ret);
            }
            if thread {
                s.text("thread");
                s.text(match c.thread {
                    CallbackThread::Caller => "caller",
                    CallbackThread::Library => "library",
                    CallbackThread::Any => "any",
                });
            }
            if stored {
                s.text("lifetime");
                s.text("stored");
            }
            if f.nullable {
                s.text("nullable");
                s.boolean(true);
            }
            if let Some(i) = c.user_data {
                s.text("user_data");
                s.uint(i as u64);
            }
            if f.may_unwind {
                s.text("may_unwind");
                s.boolean(true);
            }
        }
    }
}

/// Struct fields by offset; fields at the same offset keep their order.
const fn fields(s: &mut Sink, x: Struct) {
    let f: &[Field] = x.fields;
    s.array(f.len());
    let mut prev: Option<usize> = None;
    let mut k = 0;
    while k < f.len() {
        let mut best: Option<usize> = None;
        let mut i = 0;
        while i < f.len() {
            let after = match prev {
                None => true,
                Some(p) => f[i].offset > f[p].offset || (f[i].offset == f[p].offset && i > p),
            };
            let better = match best {
                None => true,
                Some(b) => f[i].offset < f[b].offset,
            };
            if after && better {
                best = Some(i);
            }
            i += 1;
        }
        let Some(b) = best else {
            panic!("abi-describe: internal error: field order")
        };
        let field = f[b];
        s.map(3 + count(&[field.since.is_some()]));
        s.text("name");
        s.text(field.name);
        s.text("type");
        type_ref(s, field.ty);
        since(s, field.since);
        s.text("offset");
        s.uint(field.offset);
        prev = Some(b);
        k += 1;
    }
}

/// Union members by name.
const fn members(s: &mut Sink, x: Union) {
    let m: &[Member] = x.members;
    s.array(m.len());
    let mut prev: Option<usize> = None;
    let mut k = 0;
    while k < m.len() {
        let mut best: Option<usize> = None;
        let mut i = 0;
        while i < m.len() {
            let after = match prev {
                None => true,
                Some(p) => {
                    let c = cmp_str(m[i].name, m[p].name);
                    c > 0 || (c == 0 && i > p)
                }
            };
            let better = match best {
                None => true,
                Some(b) => cmp_str(m[i].name, m[b].name) < 0,
            };
            if after && better {
                best = Some(i);
            }
            i += 1;
        }
        let Some(b) = best else {
            panic!("abi-describe: internal error: member order")
        };
        s.map(2);
        s.text("name");
        s.text(m[b].name);
        s.text("type");
        type_ref(s, m[b].ty);
        prev = Some(b);
        k += 1;
    }
}

const fn variant_cmp(a: &Variant, b: &Variant) -> i32 {
    if a.value < b.value {
        -1
    } else if a.value > b.value {
        1
    } else {
        cmp_str(a.name, b.name)
    }
}

/// Enum variants by value, then name.
const fn variants(s: &mut Sink, x: Enum) {
    let v: &[Variant] = x.variants;
    s.array(v.len());
    let mut prev: Option<usize> = None;
    let mut k = 0;
    while k < v.len() {
        let mut best: Option<usize> = None;
        let mut i = 0;
        while i < v.len() {
            let after = match prev {
                None => true,
                Some(p) => {
                    let c = variant_cmp(&v[i], &v[p]);
                    c > 0 || (c == 0 && i > p)
                }
            };
            let better = match best {
                None => true,
                Some(b) => variant_cmp(&v[i], &v[b]) < 0,
            };
            if after && better {
                best = Some(i);
            }
            i += 1;
        }
        let Some(b) = best else {
            panic!("abi-describe: internal error: variant order")
        };
        let var = v[b];
        s.map(2 + count(&[var.since.is_some(), var.deprecated.is_some()]));
        s.text("name");
        s.text(var.name);
        since(s, var.since);
        s.text("value");
        s.int(var.value);
        deprecated(s, var.deprecated);
        prev = Some(b);
        k += 1;
    }
}

const fn target(s: &mut Sink, t: &TargetInfo) {
    let align = t.primitive_align;
    let mut overrides = 0;
    let mut i = 0;
    while i < align.len() {
        if align[i].1 != 0 {
            overrides += 1;
        }
        i += 1;
    }
    s.map(8 + count(&[overrides > 0]));
    s.text("c_int");
    s.uint(t.c_int);
    s.text("c_long");
    s.uint(t.c_long);
    s.text("endian");
    s.text(t.endian);
    s.text("size_t");
    s.uint(t.size_t);
    s.text("triple");
    s.text(t.triple);
    s.text("default_abi");
    s.text(t.default_abi);
    s.text("c_char_signed");
    s.boolean(t.c_char_signed);
    s.text("pointer_width");
    s.uint(t.pointer_width);
    if overrides > 0 {
        s.text("primitive_align");
        s.map(overrides);
        // Keys in map-key order: shorter first, then bytewise.
        let mut prev: Option<usize> = None;
        let mut k = 0;
        while k < overrides {
            let mut best: Option<usize> = None;
            let mut i = 0;
            while i < align.len() {
                let (p, a) = align[i];
                if a != 0 {
                    let after = match prev {
                        None => true,
                        Some(q) => key_cmp(p.name(), align[q].0.name()) > 0,
                    };
                    let better = match best {
                        None => true,
                        Some(b) => key_cmp(p.name(), align[b].0.name()) < 0,
                    };
                    if after && better {
                        best = Some(i);
                    }
                }
                i += 1;
            }
            let Some(b) = best else {
                panic!("abi-describe: internal error: primitive_align order")
            };
            s.text(align[b].0.name());
            s.uint(align[b].1);
            prev = Some(b);
            k += 1;
        }
    }
}

/// RFC 8949 map-key order for text keys: shorter first, then bytewise.
const fn key_cmp(a: &str, b: &str) -> i32 {
    if a.len() != b.len() {
        if a.len() < b.len() { -1 } else { 1 }
    } else {
        cmp_str(a, b)
    }
}

const fn params(s: &mut Sink, p: &[Param]) {
    s.array(p.len());
    let mut i = 0;
    while i < p.len() {
        let named = !p[i].name.is_empty();
        s.map(1 + count(&[named, p[i].length_of.is_some()]));
        if named {
            s.text("name");
            s.text(p[i].name);
        }
        s.text("type");
        type_ref(s, p[i].ty);
        if let Some(of) = p[i].length_of {
            s.text("length_of");
            s.text(of);
        }
        i += 1;
    }
}

const fn function(s: &mut Sink, f: &Function) {
    let has_params = !f.params.is_empty();
    let ret = !is_void(f.ret);
    let threading = !matches!(f.threading, Threading::Any);
    s.map(
        1 + count(&[
            f.since.is_some(),
            has_params,
            ret,
            f.may_block,
            threading,
            f.deprecated.is_some(),
            f.may_unwind,
        ]),
    );
    since(s, f.since);
    if has_params {
        s.text("params");
        params(s, f.params);
    }
    if ret {
        s.text("return");
        type_ref(s, f.ret);
    }
    s.text("symbol");
    s.text(f.symbol);
    if f.may_block {
        s.text("may_block");
        s.boolean(true);
    }
    if threading {
        s.text("threading");
        s.text(match f.threading {
            Threading::Any => "any",
            Threading::ContextThread => "context_thread",
            Threading::MainThread => "main_thread",
        });
    }
    deprecated(s, f.deprecated);
    if f.may_unwind {
        s.text("may_unwind");
        s.boolean(true);
    }
}

const fn variable(s: &mut Sink, v: &Variable) {
    s.map(3 + count(&[v.since.is_some(), v.deprecated.is_some()]));
    s.text("type");
    type_ref(s, v.ty);
    since(s, v.since);
    s.text("symbol");
    s.text(v.symbol);
    deprecated(s, v.deprecated);
    s.text("mutability");
    s.text(if v.mutable { "mut" } else { "const" });
}

const fn constant(s: &mut Sink, c: &Constant) {
    s.map(3 + count(&[c.since.is_some(), c.deprecated.is_some()]));
    s.text("name");
    s.text(c.name);
    s.text("type");
    type_ref(s, c.ty);
    since(s, c.since);
    s.text("value");
    s.map(1);
    match c.value {
        ConstValue::Int(i) => {
            s.text("int");
            s.int(i);
        }
        ConstValue::Float(x) => {
            s.text("float");
            s.float(x);
        }
        ConstValue::Bool(b) => {
            s.text("bool");
            s.boolean(b);
        }
        ConstValue::Text(t) => {
            s.text("text");
            s.text(t);
        }
    }
    deprecated(s, c.deprecated);
}

/// Writes the canonical CBOR body of `lib`.
const fn body(s: &mut Sink, lib: &Library, plan: &Plan, target_info: &TargetInfo) {
    let table = &plan.table;
    let nf = lib.functions.len();
    let nv = lib.variables.len();
    let nc = lib.constants.len();
    s.map(4 + count(&[table.len > 0, nc > 0, nf > 0, nv > 0]));
    if table.len > 0 {
        s.text("types");
        s.array(table.len);
        let mut k = 0;
        while k < table.len {
            type_entry(s, table, table.entries[plan.types.at(k)]);
            k += 1;
        }
    }
    s.text("format");
    s.text(FORMAT);
    s.text("target");
    target(s, target_info);
    s.text("library");
    s.map(2 + count(&[lib.soname.is_some()]));
    s.text("name");
    s.text(lib.name);
    if let Some(soname) = lib.soname {
        s.text("soname");
        s.text(soname);
    }
    s.text("version");
    s.text(lib.version);
    s.text("producer");
    s.map(3);
    s.text("tool");
    s.text("abi-describe");
    s.text("version");
    s.text(env!("CARGO_PKG_VERSION"));
    s.text("language");
    s.text("rust");
    if nc > 0 {
        s.text("constants");
        s.array(nc);
        let mut k = 0;
        while k < nc {
            constant(s, lib.constants[plan.constants.at(k)]);
            k += 1;
        }
    }
    if nf > 0 {
        s.text("functions");
        s.array(nf);
        let mut k = 0;
        while k < nf {
            function(s, lib.functions[plan.functions.at(k)]);
            k += 1;
        }
    }
    if nv > 0 {
        s.text("variables");
        s.array(nv);
        let mut k = 0;
        while k < nv {
            variable(s, lib.variables[plan.variables.at(k)]);
            k += 1;
        }
    }
}

/// The length in bytes of the blob of `lib`: the 48-byte header plus the
/// canonical CBOR body. Use it as the length of the array [`blob`] fills.
///
/// Panics (at compile time) when the description is inconsistent: a
/// symbol listed twice, two different types with one name, a pointer freed
/// by a function that is not listed, a `since` newer than the library, or
/// more than [`MAX_TYPES`] types or items of one kind.
pub const fn blob_len(lib: &Library) -> usize {
    let plan = Plan::new(lib);
    let mut nothing = [0u8; 0];
    let mut s = Sink::counter(&mut nothing);
    body(&mut s, lib, &plan, &target::THIS);
    if s.pos > MAX_BODY {
        panic!("abi-describe: the descriptor is larger than 64 MiB");
    }
    HEADER_LEN + s.pos
}

/// The blob of `lib`: the header (magic, header version 1, header length
/// 48, body length, SHA-256 of the body) followed by the canonical CBOR
/// body, the same bytes `abi_descriptor::Descriptor::to_blob` gives.
///
/// `N` must be [`blob_len`]`(lib)`.
pub const fn blob<const N: usize>(lib: &Library) -> [u8; N] {
    let plan = Plan::new(lib);
    let mut out = [0u8; N];
    let end = {
        let mut s = Sink {
            buf: &mut out,
            pos: HEADER_LEN,
            count_only: false,
            overflow: "abi-describe: the blob array is shorter than `blob_len(&library)`",
        };
        body(&mut s, lib, &plan, &target::THIS);
        s.pos
    };
    if end != N {
        panic!("abi-describe: the blob array is longer than `blob_len(&library)`");
    }
    let body_len = (N - HEADER_LEN) as u32;
    let hash = {
        let (_, body) = out.split_at(HEADER_LEN);
        sha256(body)
    };
    let mut i = 0;
    while i < 8 {
        out[i] = MAGIC[i];
        i += 1;
    }
    let version = 1u16.to_le_bytes();
    let header_len = (HEADER_LEN as u16).to_le_bytes();
    let len = body_len.to_le_bytes();
    out[8] = version[0];
    out[9] = version[1];
    out[10] = header_len[0];
    out[11] = header_len[1];
    out[12] = len[0];
    out[13] = len[1];
    out[14] = len[2];
    out[15] = len[3];
    i = 0;
    while i < 32 {
        out[16 + i] = hash[i];
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Param, Primitive, Threading};

    /// 32-bit x86 Linux, whose 8-byte primitives are 4-byte aligned.
    const I686: TargetInfo = TargetInfo {
        triple: "i686-unknown-linux-gnu",
        pointer_width: 32,
        endian: "little",
        c_int: 4,
        c_long: 4,
        size_t: 4,
        c_char_signed: true,
        default_abi: "c",
        primitive_align: &[
            (Primitive::Bool, 0),
            (Primitive::I64, 4),
            (Primitive::U64, 4),
            (Primitive::F64, 4),
            (Primitive::I128, 4),
            (Primitive::U128, 4),
            (Primitive::Usize, 0),
        ],
    };

    static F: Function = Function {
        symbol: "f",
        params: &[Param {
            name: "x",
            ty: <u64 as crate::Describe>::TY,
            length_of: None,
        }],
        ret: <f64 as crate::Describe>::TY,
        threading: Threading::Any,
        may_block: false,
        may_unwind: false,
        since: None,
        deprecated: None,
    };

    #[test]
    fn another_targets_primitive_alignments_are_canonical() {
        static FUNCTIONS: [&Function; 1] = [&F];
        let lib = Library {
            name: "t",
            version: "1.0.0",
            soname: None,
            functions: &FUNCTIONS,
            variables: &[],
            constants: &[],
        };
        let plan = std::boxed::Box::new(Plan::new(&lib));
        let mut buf = std::vec![0u8; 4096];
        let mut s = Sink {
            buf: &mut buf,
            pos: 0,
            count_only: false,
            overflow: "test buffer too small",
        };
        body(&mut s, &lib, &plan, &I686);
        let len = s.pos;
        let cbor = &buf[..len];
        let d = abi_descriptor::Descriptor::from_cbor(cbor).expect("decodes");
        d.validate().expect("valid");
        assert_eq!(d.to_cbor().expect("encodes"), cbor);
        let align: std::vec::Vec<(&str, u8)> = d
            .target
            .primitive_align
            .iter()
            .map(|(p, a)| (p.as_str(), *a))
            .collect();
        assert_eq!(
            align,
            [("i64", 4), ("i128", 4), ("u64", 4), ("u128", 4), ("f64", 4)]
        );
        assert_eq!(d.target.pointer_width, 32);
    }
}
