//! Lookups over a descriptor's tables.
//!
//! The tables hash ids with foldhash rather than the standard library's
//! SipHash: lookups by id are the hottest operation of validation and of the
//! diff engine, and foldhash is several times cheaper on short ids. Its seed
//! is random per process, so ids cannot be crafted in advance to collide and
//! turn lookups quadratic.

use std::sync::atomic::{AtomicU64, Ordering};

use foldhash::{HashMap, HashMapExt};

use crate::fingerprint::type_refs;
use crate::model::{
    BufferLength, CodeTable, Descriptor, Function, Primitive, Stamp, TypeDef, TypeKind, TypeRef,
    WireTypeDef,
};

/// Size and alignment of a type, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
}

/// What a [`TypeRef`] names once aliases are followed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Resolved<'a> {
    /// A primitive.
    Primitive(Primitive),
    /// A table entry that is not an alias.
    Def(&'a TypeDef),
    /// A name that is neither a primitive nor a table entry.
    Missing(&'a str),
    /// Aliases that lead back to themselves.
    AliasCycle,
}

/// Lookup tables over a [`Descriptor`], built once and borrowed from it.
#[derive(Debug)]
pub struct Index<'a> {
    /// The indexed descriptor.
    pub descriptor: &'a Descriptor,
    types: HashMap<&'a str, &'a TypeDef>,
    wire_types: HashMap<&'a str, &'a WireTypeDef>,
    code_tables: HashMap<&'a str, &'a CodeTable>,
    functions: HashMap<&'a str, &'a Function>,
    /// This index's serial number, with which it stamps the descriptor's
    /// named references with the position of their entries (see
    /// [`Index::target`]); `None` once serial numbers run out, and for an
    /// index that stamps nothing ([`Index::by_name`]).
    serial: Option<u64>,
    /// Whether some type id is a primitive's name (a descriptor that does
    /// not validate), so that a reference to a primitive may name an entry.
    primitive_ids: bool,
    /// Whether an id or symbol repeats in a table (a descriptor that does
    /// not validate).
    repeats: bool,
}

/// The next index's serial number. Numbers are never reused: they run out
/// after 2^43 indexes, and later indexes look every name up.
static SERIAL: AtomicU64 = AtomicU64::new(1);

/// The position stamped on a reference that names no entry.
const NO_ENTRY: u64 = Stamp::MAX_SLOT;

impl<'a> Index<'a> {
    /// Indexes `descriptor`. Where ids repeat, the first entry wins
    /// (validation reports the repeat).
    pub fn new(descriptor: &'a Descriptor) -> Index<'a> {
        Index::built(descriptor, true)
    }

    /// [`new`](Self::new) without stamping the descriptor's references, for
    /// a caller that looks entries up only by name ([`type_def`](Self::type_def)
    /// and the like) and so would not gain from the stamps what they cost.
    /// [`target`](Self::target) still answers, by name.
    pub(crate) fn by_name(descriptor: &'a Descriptor) -> Index<'a> {
        Index::built(descriptor, false)
    }

    fn built(descriptor: &'a Descriptor, stamped: bool) -> Index<'a> {
        fn first<'a, T>(
            entries: impl ExactSizeIterator<Item = (&'a str, &'a T)>,
        ) -> HashMap<&'a str, &'a T> {
            let mut map = HashMap::with_capacity(entries.len());
            for (k, v) in entries {
                map.entry(k).or_insert(v);
            }
            map
        }
        let types = first(descriptor.types.iter().map(|t| (t.id.as_str(), t)));
        let serial = match stamped {
            true => stamp_references(descriptor, &types),
            false => None,
        };
        let wire_types = first(descriptor.wire_types.iter().map(|t| (t.id.as_str(), t)));
        let code_tables = first(descriptor.code_tables.iter().map(|t| (t.id.as_str(), t)));
        let functions = first(descriptor.functions.iter().map(|f| (f.symbol.as_str(), f)));
        let repeats = types.len() < descriptor.types.len()
            || wire_types.len() < descriptor.wire_types.len()
            || code_tables.len() < descriptor.code_tables.len()
            || functions.len() < descriptor.functions.len();
        Index {
            descriptor,
            serial,
            primitive_ids: Primitive::ALL
                .iter()
                .any(|p| types.contains_key(p.as_str())),
            repeats,
            types,
            wire_types,
            code_tables,
            functions,
        }
    }

    /// Whether an id repeats in the type, wire type or code table, or a
    /// symbol in the function table (only in a descriptor that does not
    /// validate): lookups find the first such entry.
    pub(crate) fn repeats(&self) -> bool {
        self.repeats
    }

    /// The type table entry with this id.
    pub fn type_def(&self, id: &str) -> Option<&'a TypeDef> {
        self.types.get(id).copied()
    }

    /// The type table entry `r` names, if any: the same as
    /// [`type_def`](Self::type_def) of `r`'s name.
    ///
    /// A reference of the indexed descriptor is found by position: building
    /// the index looked each one up once and stamped it with what it found.
    /// Any other reference is looked up by name.
    pub fn target(&self, r: &TypeRef) -> Option<&'a TypeDef> {
        let Some(stamp) = r.stamp() else {
            // A primitive names an entry only in a descriptor that does
            // not validate.
            return match self.primitive_ids {
                true => self.types.get(r.as_str()).copied(),
                false => None,
            };
        };
        if let Some(serial) = self.serial
            && let Some(slot) = stamp.get(serial)
        {
            return match slot {
                NO_ENTRY => None,
                _ => usize::try_from(slot)
                    .ok()
                    .and_then(|i| self.descriptor.types.get(i)),
            };
        }
        self.types.get(r.as_str()).copied()
    }

    /// The position of `def` in the indexed descriptor's type table, if it
    /// is one of its entries (the entry itself, not an equal one).
    pub fn position(&self, def: &TypeDef) -> Option<usize> {
        position_in(&self.descriptor.types, def)
    }

    /// The wire type table entry with this id.
    pub fn wire_type(&self, id: &str) -> Option<&'a WireTypeDef> {
        self.wire_types.get(id).copied()
    }

    /// The code table with this id.
    pub fn code_table(&self, id: &str) -> Option<&'a CodeTable> {
        self.code_tables.get(id).copied()
    }

    /// The function with this symbol.
    pub fn function(&self, symbol: &str) -> Option<&'a Function> {
        self.functions.get(symbol).copied()
    }

    /// Whether `r` names a primitive or a table entry.
    pub fn exists(&self, r: &TypeRef) -> bool {
        r.primitive().is_some() || self.target(r).is_some()
    }

    /// Follows aliases from `r` to what it finally names.
    pub fn resolve(&self, r: &'a TypeRef) -> Resolved<'a> {
        let mut current = r;
        // Each step visits a distinct entry unless there is a cycle.
        for _ in 0..=self.types.len() {
            if let Some(p) = current.primitive() {
                return Resolved::Primitive(p);
            }
            match self.target(current) {
                None => return Resolved::Missing(current.as_str()),
                Some(def) => match &def.kind {
                    TypeKind::Alias(a) => current = &a.target,
                    _ => return Resolved::Def(def),
                },
            }
        }
        Resolved::AliasCycle
    }

    /// The size and alignment of a value of type `r`, or `None` when it has
    /// none: `void`, a pointer-only opaque type, a dangling reference, or a
    /// by-value cycle. Declared sizes of structs, unions and tagged unions
    /// are taken as declared.
    pub fn layout(&self, r: &'a TypeRef) -> Option<Layout> {
        let target = &self.descriptor.target;
        let pointer = u64::from(target.pointer_width / 8);
        let pointer_layout = Layout {
            size: pointer,
            align: pointer,
        };
        let mut count: u64 = 1;
        let mut current = r;
        let scaled = |l: Layout, count: u64| {
            Some(Layout {
                size: l.size.checked_mul(count)?,
                align: l.align,
            })
        };
        for _ in 0..=self.types.len() {
            if let Some(p) = current.primitive() {
                if p == Primitive::Void {
                    return None;
                }
                let size = p.size(target.pointer_width);
                let align = target
                    .primitive_align
                    .get(&p)
                    .map_or(size, |&a| u64::from(a));
                return scaled(Layout { size, align }, count);
            }
            let def = self.target(current)?;
            let declared = |size, align| scaled(Layout { size, align }, count);
            match &def.kind {
                TypeKind::Alias(a) => current = &a.target,
                TypeKind::Enum(e) => current = &e.repr,
                TypeKind::Array(a) => {
                    count = count.checked_mul(a.len)?;
                    current = &a.element;
                }
                TypeKind::Opaque(o) => return declared(o.size?, o.align?),
                TypeKind::Struct(s) => return declared(s.size, s.align),
                TypeKind::Union(u) => return declared(u.size, u.align),
                TypeKind::TaggedUnion(u) => return declared(u.size, u.align),
                TypeKind::Extensible(s) => return declared(s.size, s.align),
                TypeKind::Pointer(_) | TypeKind::FunctionPointer(_) => {
                    return scaled(pointer_layout, count);
                }
                TypeKind::Buffer(b) => {
                    return match &b.length {
                        BufferLength::Inline(i) => declared(i.size, i.align),
                        BufferLength::NulTerminated | BufferLength::Separate => {
                            scaled(pointer_layout, count)
                        }
                    };
                }
            }
        }
        None
    }

    /// A readable path for a type: `` struct `Point` ``.
    pub fn type_path(&self, id: &str) -> String {
        match self.types.get(id) {
            Some(def) => format!("{} `{}`", def.kind.as_str(), id),
            None => format!("type `{id}`"),
        }
    }
}

/// Stamps every named reference of `d` with the position of the entry
/// `types` finds for it, under a new serial number, and returns the number;
/// `None` when numbers have run out or the table is too long to stamp.
fn stamp_references(d: &Descriptor, types: &HashMap<&str, &TypeDef>) -> Option<u64> {
    if d.types.len() >= NO_ENTRY as usize {
        return None;
    }
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    if serial >= 1 << (64 - Stamp::SLOT_BITS) {
        return None;
    }
    let stamp = |r: &TypeRef| {
        if let Some(stamp) = r.stamp() {
            let slot = types
                .get(r.as_str())
                .and_then(|def| position_in(&d.types, def))
                .map_or(NO_ENTRY, |i| i as u64);
            stamp.set(serial, slot);
        }
    };
    for f in &d.functions {
        f.params.iter().for_each(|p| stamp(&p.ty));
        stamp(&f.ret);
    }
    d.variables.iter().for_each(|v| stamp(&v.ty));
    d.constants.iter().for_each(|c| stamp(&c.ty));
    for t in &d.types {
        type_refs(&t.kind).for_each(stamp);
    }
    Some(serial)
}

/// The position of `entry` in `table`, if it is one of its entries: its
/// offset from the table's start, by address.
pub(crate) fn position_in<T>(table: &[T], entry: &T) -> Option<usize> {
    let size = std::mem::size_of::<T>();
    let offset = (entry as *const T as usize).checked_sub(table.as_ptr() as usize)?;
    let i = offset.checked_div(size)?;
    (offset % size == 0 && i < table.len()).then_some(i)
}
