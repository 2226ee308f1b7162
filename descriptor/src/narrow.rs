//! Narrowing a descriptor to some of its items: what a host that uses only
//! those items depends on.

use std::borrow::Cow;

use foldhash::{HashMap, HashMapExt, HashSet};

use crate::fingerprint::{ItemKind, ItemRef, NodeKey, function_deps, type_refs, wire_refs};
use crate::index::{Index, position_in};
use crate::model::{Descriptor, Function, Ownership, TypeKind};

impl Descriptor {
    /// This descriptor with only the listed items and what they reach: the
    /// functions, variables and constants named in `items` (names that are
    /// not in the descriptor are skipped), every type, wire type and code
    /// table they reach, and the functions that release pointers they reach
    /// (`caller_owned` ownership names one), with what those reach in turn.
    /// The envelope (format, library, producer, target) is kept as is, and
    /// the tables keep their order.
    ///
    /// A narrowed valid descriptor is valid: every reference it holds is
    /// kept with it.
    ///
    /// ```
    /// use abi_descriptor::{Descriptor, ItemRef};
    ///
    /// let full = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
    /// let narrow = full.narrowed(&[ItemRef::function("tile_format_name")]);
    /// assert_eq!(narrow.functions.len(), 1);
    /// // `TileFormat` and the `path` buffer it returns; none of the other types.
    /// let mut ids: Vec<&str> = narrow.types.iter().map(|t| t.id.as_str()).collect();
    /// ids.sort_unstable();
    /// assert_eq!(ids, ["TileFormat", "path"]);
    /// narrow.validate()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn narrowed(&self, items: &[ItemRef]) -> Descriptor {
        self.narrow(items).into_owned()
    }

    /// [`narrowed`](Self::narrowed), borrowing this descriptor when the
    /// narrowing would keep every entry of it (items that use all of a
    /// library, as a thin binding does), instead of copying it whole.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use abi_descriptor::Descriptor;
    ///
    /// let d = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
    /// assert!(matches!(d.narrow(&d.items()), Cow::Borrowed(_)));
    /// assert!(matches!(d.narrow(&d.items()[..1]), Cow::Owned(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn narrow(&self, items: &[ItemRef]) -> Cow<'_, Descriptor> {
        let Some(keep) = self.keep(items) else {
            return Cow::Borrowed(self);
        };
        fn kept<T: Clone>(table: &[T], keep: &[bool]) -> Vec<T> {
            let kept = table.iter().zip(keep).filter(|(_, k)| **k);
            kept.map(|(t, _)| t.clone()).collect()
        }
        Cow::Owned(Descriptor {
            format: self.format,
            library: self.library.clone(),
            producer: self.producer.clone(),
            target: self.target.clone(),
            types: kept(&self.types, &keep.types),
            functions: kept(&self.functions, &keep.functions),
            variables: kept(&self.variables, &keep.variables),
            constants: kept(&self.constants, &keep.constants),
            wire_types: kept(&self.wire_types, &keep.wire_types),
            code_tables: kept(&self.code_tables, &keep.code_tables),
        })
    }

    /// [`narrowed`](Self::narrowed), moving the kept entries out of this
    /// descriptor instead of copying them, for a caller that no longer
    /// needs the rest.
    ///
    /// ```
    /// use abi_descriptor::{Descriptor, ItemRef};
    ///
    /// let full = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
    /// let items = [ItemRef::function("tile_format_name")];
    /// let copied = full.narrowed(&items);
    /// assert_eq!(full.into_narrowed(&items), copied);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_narrowed(mut self, items: &[ItemRef]) -> Descriptor {
        let Some(keep) = self.keep(items) else {
            return self;
        };
        fn retain<T>(table: &mut Vec<T>, keep: &[bool]) {
            let mut keep = keep.iter();
            table.retain(|_| keep.next().copied().unwrap_or(false));
        }
        retain(&mut self.types, &keep.types);
        retain(&mut self.functions, &keep.functions);
        retain(&mut self.variables, &keep.variables);
        retain(&mut self.constants, &keep.constants);
        retain(&mut self.wire_types, &keep.wire_types);
        retain(&mut self.code_tables, &keep.code_tables);
        self
    }

    /// Which entries narrowing to `items` keeps, table by table, or `None`
    /// when it keeps them all.
    fn keep(&self, items: &[ItemRef]) -> Option<Keep> {
        // Reach looks entries up by name: stamping every reference of the
        // descriptor would cost more than narrowing to a few items does.
        let ix = Index::by_name(self);
        let mut reach = Reach::new(self);
        let mut pending: Vec<&Function> = Vec::new();
        // Variables and constants by name, when any is asked for.
        let wants = |kind| items.iter().any(|i| i.kind == kind);
        let variable = by_name(wants(ItemKind::Variable), &self.variables, |v| &v.symbol);
        let constant = by_name(wants(ItemKind::Constant), &self.constants, |c| &c.name);
        for item in items {
            match item.kind {
                ItemKind::Function => {
                    if let Some(f) = ix.function(&item.name)
                        && reach.keep_function(f)
                    {
                        pending.push(f);
                    }
                }
                ItemKind::Variable => {
                    if let Some(v) = variable.get(item.name.as_str())
                        && Reach::mark(&mut reach.kept.variables, &self.variables, v)
                    {
                        reach.ty(&ix, v.ty.as_str());
                    }
                }
                ItemKind::Constant => {
                    if let Some(c) = constant.get(item.name.as_str())
                        && Reach::mark(&mut reach.kept.constants, &self.constants, c)
                    {
                        reach.ty(&ix, c.ty.as_str());
                    }
                }
            }
        }
        // Functions and the release functions their types name, until no
        // new function turns up.
        loop {
            for f in pending.drain(..) {
                reach.function(&ix, f);
            }
            for free in std::mem::take(&mut reach.frees) {
                if let Some(f) = ix.function(free)
                    && reach.keep_function(f)
                {
                    pending.push(f);
                }
            }
            if pending.is_empty() {
                break;
            }
        }
        // Fewer names than entries in a table looked up by name: a name
        // repeats.
        let repeats = |names: usize, entries: usize| names > 0 && names < entries;
        if ix.repeats()
            || repeats(variable.len(), self.variables.len())
            || repeats(constant.len(), self.constants.len())
        {
            reach.widen_to_repeats();
        }
        let keep = reach.kept;
        let all = |mask: &[bool]| mask.iter().all(|k| *k);
        let every = all(&keep.types)
            && all(&keep.functions)
            && all(&keep.variables)
            && all(&keep.constants)
            && all(&keep.wire_types)
            && all(&keep.code_tables);
        (!every).then_some(keep)
    }

    /// Every item: the functions, variables and constants, in table order.
    ///
    /// ```
    /// use abi_descriptor::Descriptor;
    ///
    /// let d = Descriptor::from_json(include_str!("../../examples/libtile/v1.json"))?;
    /// let items = d.items();
    /// assert_eq!(items.len(), d.functions.len() + d.variables.len() + d.constants.len());
    /// assert_eq!(d.narrowed(&items).functions, d.functions);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn items(&self) -> Vec<ItemRef> {
        let functions = self.functions.iter().map(|f| ItemRef::function(&f.symbol));
        let variables = self
            .variables
            .iter()
            .map(|v| ItemRef::new(ItemKind::Variable, &v.symbol));
        let constants = self
            .constants
            .iter()
            .map(|c| ItemRef::new(ItemKind::Constant, &c.name));
        functions.chain(variables).chain(constants).collect()
    }
}

/// Which entries of each table a narrowing keeps, by position.
struct Keep {
    types: Vec<bool>,
    functions: Vec<bool>,
    variables: Vec<bool>,
    constants: Vec<bool>,
    wire_types: Vec<bool>,
    code_tables: Vec<bool>,
}

/// What the kept items reach so far: the entries kept, by position in
/// their tables. Where an id or symbol repeats (only in a descriptor that
/// does not validate), the index finds the first entry, and the others are
/// kept with it at the end ([`widen_to_repeats`](Self::widen_to_repeats)),
/// so that validating the narrowing finds the repeat.
struct Reach<'a> {
    descriptor: &'a Descriptor,
    kept: Keep,
    /// Release functions named by reached types, not yet followed.
    frees: Vec<&'a str>,
}

impl<'a> Reach<'a> {
    fn new(d: &'a Descriptor) -> Self {
        Reach {
            descriptor: d,
            kept: Keep {
                types: vec![false; d.types.len()],
                functions: vec![false; d.functions.len()],
                variables: vec![false; d.variables.len()],
                constants: vec![false; d.constants.len()],
                wire_types: vec![false; d.wire_types.len()],
                code_tables: vec![false; d.code_tables.len()],
            },
            frees: Vec::new(),
        }
    }

    /// Marks `entry` of `table` kept; whether it was not already.
    fn mark<T>(marks: &mut [bool], table: &[T], entry: &T) -> bool {
        match position_in(table, entry).and_then(|i| marks.get_mut(i)) {
            Some(kept) => !std::mem::replace(kept, true),
            None => false,
        }
    }

    /// Marks `f` kept; whether it was not already.
    fn keep_function(&mut self, f: &'a Function) -> bool {
        Self::mark(&mut self.kept.functions, &self.descriptor.functions, f)
    }

    fn function(&mut self, ix: &Index<'a>, f: &'a Function) {
        for key in function_deps(f) {
            match key {
                NodeKey::Type(id) => self.ty(ix, id),
                NodeKey::Wire(id) => self.wire(ix, id),
                NodeKey::Codes(id) => {
                    if let Some(table) = ix.code_table(id) {
                        Self::mark(
                            &mut self.kept.code_tables,
                            &self.descriptor.code_tables,
                            table,
                        );
                    }
                }
            }
        }
    }

    /// Marks `id` and everything it reaches (an explicit stack: type graphs
    /// may be deep and cyclic).
    fn ty(&mut self, ix: &Index<'a>, id: &'a str) {
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            let Some(def) = ix.type_def(id) else {
                continue; // a primitive, or a dangling reference
            };
            if !Self::mark(&mut self.kept.types, &self.descriptor.types, def) {
                continue;
            }
            self.frees.extend(released_by(&def.kind));
            stack.extend(type_refs(&def.kind).map(|r| r.as_str()));
        }
    }

    /// Keeps every entry whose id or symbol is that of a kept entry.
    fn widen_to_repeats(&mut self) {
        fn widen<'t, T>(marks: &mut [bool], table: &'t [T], key: impl Fn(&'t T) -> &'t str) {
            let kept: HashSet<&str> = (table.iter().zip(&*marks))
                .filter(|(_, kept)| **kept)
                .map(|(entry, _)| key(entry))
                .collect();
            for (entry, mark) in table.iter().zip(marks) {
                *mark = kept.contains(key(entry));
            }
        }
        let d = self.descriptor;
        widen(&mut self.kept.types, &d.types, |t| t.id.as_str());
        widen(&mut self.kept.functions, &d.functions, |f| {
            f.symbol.as_str()
        });
        widen(&mut self.kept.variables, &d.variables, |v| {
            v.symbol.as_str()
        });
        widen(&mut self.kept.constants, &d.constants, |c| c.name.as_str());
        widen(&mut self.kept.wire_types, &d.wire_types, |t| t.id.as_str());
        widen(&mut self.kept.code_tables, &d.code_tables, |t| {
            t.id.as_str()
        });
    }

    fn wire(&mut self, ix: &Index<'a>, id: &'a str) {
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            let Some(def) = ix.wire_type(id) else {
                continue;
            };
            if Self::mark(&mut self.kept.wire_types, &self.descriptor.wire_types, def) {
                stack.extend(wire_refs(&def.kind).map(|r| r.as_str()));
            }
        }
    }
}

/// The function that releases what a pointer or buffer of this kind points
/// to, when the receiver owns it (`caller_owned`): narrowing keeps it with
/// the type.
pub(crate) fn released_by(kind: &TypeKind) -> Option<&str> {
    let ownership = match kind {
        TypeKind::Pointer(p) => &p.ownership,
        TypeKind::Buffer(b) => &b.ownership,
        _ => return None,
    };
    match ownership {
        Ownership::CallerOwned { free } => Some(free),
        _ => None,
    }
}

/// The entries of a table by name, or none when `wanted` is false. A name
/// held twice (only an invalid descriptor does) maps to its first entry:
/// collected in reverse, the first overwrites the later ones.
fn by_name<'a, T>(
    wanted: bool,
    entries: &'a [T],
    name: impl Fn(&'a T) -> &'a String,
) -> HashMap<&'a str, &'a T> {
    if !wanted {
        return HashMap::new();
    }
    entries
        .iter()
        .rev()
        .map(|e| (name(e).as_str(), e))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn tile() -> Descriptor {
        Descriptor::from_json(include_str!("../../examples/libtile/v1.json")).unwrap()
    }

    fn ids(d: &Descriptor) -> Vec<&str> {
        let mut v: Vec<&str> = d.types.iter().map(|t| t.id.as_str()).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn keeps_the_listed_items_and_what_they_reach() {
        let full = tile();
        for f in &full.functions {
            let narrow = full.narrowed(&[ItemRef::function(&f.symbol)]);
            narrow
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e}", f.symbol));
            assert!(narrow.functions.iter().any(|g| g.symbol == f.symbol));
            assert!(narrow.variables.is_empty() && narrow.constants.is_empty());
            // Every type the function names directly is kept.
            for r in f.params.iter().map(|p| &p.ty).chain([&f.ret]) {
                if r.primitive().is_none() {
                    assert!(ids(&narrow).contains(&r.as_str()), "{}: {r}", f.symbol);
                }
            }
            assert_eq!(narrow.library, full.library);
            assert_eq!(narrow.target, full.target);
        }
    }

    #[test]
    fn every_item_gives_the_whole_descriptor() {
        let full = tile();
        let narrow = full.narrowed(&full.items());
        assert_eq!(narrow.functions, full.functions);
        assert_eq!(narrow.variables, full.variables);
        assert_eq!(narrow.constants, full.constants);
        // Types no item reaches are dropped; the rest stay in order.
        let kept: Vec<&str> = narrow.types.iter().map(|t| t.id.as_str()).collect();
        let ordered: Vec<&str> = full
            .types
            .iter()
            .map(|t| t.id.as_str())
            .filter(|id| kept.contains(id))
            .collect();
        assert_eq!(kept, ordered);
    }

    #[test]
    fn a_repeated_id_or_symbol_is_kept_with_every_entry_that_has_it() {
        let full = tile();
        let f = full
            .functions
            .iter()
            .find(|f| f.ret.primitive().is_none())
            .unwrap();
        let ret = full
            .types
            .iter()
            .find(|t| t.id.as_str() == f.ret.as_str())
            .unwrap();
        let (v, c) = (&full.variables[0], &full.constants[0]);
        let count = |d: &Descriptor| {
            let types = d.types.iter().filter(|t| t.id == ret.id).count();
            let functions = d.functions.iter().filter(|g| g.symbol == f.symbol).count();
            let variables = d.variables.iter().filter(|w| w.symbol == v.symbol).count();
            let constants = d.constants.iter().filter(|k| k.name == c.name).count();
            [types, functions, variables, constants]
        };
        let items = [
            ItemRef::function(&f.symbol),
            ItemRef::new(ItemKind::Variable, &v.symbol),
            ItemRef::new(ItemKind::Constant, &c.name),
        ];
        assert_eq!(count(&full.narrowed(&items)), [1; 4]);
        // Each table in turn holds its entry twice.
        for table in 0..4 {
            let mut repeated = full.clone();
            match table {
                0 => repeated.types.push(ret.clone()),
                1 => repeated.functions.push(f.clone()),
                2 => repeated.variables.push(v.clone()),
                _ => repeated.constants.push(c.clone()),
            }
            let mut twice = [1; 4];
            twice[table] = 2;
            assert_eq!(count(&repeated.narrowed(&items)), twice, "table {table}");
            assert_eq!(
                count(&repeated.clone().into_narrowed(&items)),
                twice,
                "table {table}"
            );
            // So that validating the narrowing finds the repeat.
            assert!(
                repeated.narrowed(&items).validate().is_err(),
                "table {table}"
            );
        }
    }

    #[test]
    fn unknown_items_are_skipped_and_nothing_is_kept() {
        let narrow = tile().narrowed(&[ItemRef::function("no_such_function")]);
        assert!(narrow.functions.is_empty());
        assert!(narrow.types.is_empty());
        narrow.validate().unwrap();
    }

    #[test]
    fn release_functions_come_with_the_pointers_they_free() {
        let json = r#"{
          "format": "1.0",
          "library": { "name": "buf", "version": "1.0.0" },
          "producer": { "language": "c", "tool": "hand", "version": "1" },
          "target": {
            "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little",
            "c_int": 4, "c_long": 8, "size_t": 8, "c_char_signed": true, "default_abi": "sysv64"
          },
          "types": [
            { "id": "Buf", "kind": "opaque" },
            { "id": "Node", "kind": "struct", "size": 8, "align": 8, "fields": [
              { "name": "next", "type": "*mut Node", "offset": 0 } ] },
            { "id": "*mut Node", "kind": "pointer", "pointee": "Node", "mutability": "mut", "nullable": true },
            { "id": "*mut Buf", "kind": "pointer", "pointee": "Buf", "mutability": "mut", "nullable": true },
            { "id": "*mut Buf (owned)", "kind": "pointer", "pointee": "Buf", "mutability": "mut",
              "ownership": { "caller_owned": { "free": "buf_free" } } },
            { "id": "Unused", "kind": "opaque" }
          ],
          "functions": [
            { "symbol": "buf_new", "return": "*mut Buf (owned)" },
            { "symbol": "buf_free", "params": [ { "name": "b", "type": "*mut Buf" } ] },
            { "symbol": "buf_len", "params": [ { "name": "b", "type": "*mut Buf" } ], "return": "usize" },
            { "symbol": "node_walk", "params": [ { "name": "n", "type": "*mut Node" } ] }
          ]
        }"#;
        let full = Descriptor::from_json(json).unwrap();
        full.validate().unwrap();

        let narrow = full.narrowed(&[ItemRef::function("buf_new")]);
        narrow.validate().unwrap();
        let symbols: Vec<&str> = narrow.functions.iter().map(|f| f.symbol.as_str()).collect();
        assert_eq!(symbols, ["buf_new", "buf_free"]);
        assert_eq!(ids(&narrow), ["*mut Buf", "*mut Buf (owned)", "Buf"]);

        // A cycle through a pointer is followed once.
        let narrow = full.narrowed(&[ItemRef::function("node_walk")]);
        assert_eq!(ids(&narrow), ["*mut Node", "Node"]);
        narrow.validate().unwrap();
    }
}
