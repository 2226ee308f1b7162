//! A library's exported symbols, looked up by name.
//!
//! A host's check looks up the export of every function it uses, a
//! thousand or more, in a library read once for it. So the table keeps the
//! names in one buffer, in the file's order, and indexes them by hash:
//! reading it costs no allocation per name and no sort, and a lookup costs
//! one hash of the name.

use std::fmt;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

/// What an exported symbol is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// Code.
    Function,
    /// Data.
    Data,
    /// The file does not say.
    Unknown,
}

/// A symbol a library exports, by its C name (Mach-O's leading `_` removed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Export<'a> {
    /// The C name.
    pub name: &'a str,
    /// Code or data.
    pub kind: ExportKind,
}

/// The symbols a library exports, each name once (a name that repeats,
/// as versioned ELF symbols do, keeps its first kind), in the order the
/// file lists them.
///
/// ```
/// use abi_check::{ExportKind, Exports};
///
/// let mut exports = Exports::default();
/// exports.insert("geo_distance", ExportKind::Function);
/// exports.insert("geo_origin", ExportKind::Data);
/// assert_eq!(exports.get("geo_origin").map(|e| e.kind), Some(ExportKind::Data));
/// assert!(exports.get("geo_area").is_none());
/// assert_eq!(exports.len(), 2);
/// ```
#[derive(Clone, Default)]
pub struct Exports {
    /// Every name, one after the other.
    names: String,
    /// Where each name ends in `names` (it starts where the previous one
    /// ends), and its kind.
    entries: Vec<(usize, ExportKind)>,
    /// Indices into `entries`, by the hash of the name. The hasher is
    /// seeded per process, so no file can choose names that collide.
    index: HashTable<usize>,
    hasher: RandomState,
}

impl Exports {
    /// Adds `name` as a symbol of `kind`, unless it is already there.
    pub fn insert(&mut self, name: &str, kind: ExportKind) {
        let hash = self.hasher.hash_one(name);
        let Exports {
            names,
            entries,
            index,
            hasher,
        } = self;
        let name_of = |i: usize| name_at(names, entries, i);
        if index.find(hash, |&i| name_of(i) == name).is_some() {
            return;
        }
        let at = entries.len();
        index.insert_unique(hash, at, |&i| hasher.hash_one(name_of(i)));
        names.push_str(name);
        entries.push((names.len(), kind));
    }

    /// The export named `name` (a C name), if there is one.
    pub fn get(&self, name: &str) -> Option<Export<'_>> {
        let hash = self.hasher.hash_one(name);
        let &i = self.index.find(hash, |&i| self.name(i) == name)?;
        Some(self.export(i))
    }

    /// Every export, in the order the file lists them.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Export<'_>> + ExactSizeIterator {
        (0..self.entries.len()).map(|i| self.export(i))
    }

    /// How many symbols are exported.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is exported.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn name(&self, i: usize) -> &str {
        name_at(&self.names, &self.entries, i)
    }

    fn export(&self, i: usize) -> Export<'_> {
        Export {
            name: self.name(i),
            kind: self.entries[i].1,
        }
    }
}

/// The `i`th name: from the end of the one before to its own end.
fn name_at<'a>(names: &'a str, entries: &[(usize, ExportKind)], i: usize) -> &'a str {
    let start = i.checked_sub(1).map_or(0, |before| entries[before].0);
    &names[start..entries[i].0]
}

impl fmt::Debug for Exports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|e| (e.name, e.kind)))
            .finish()
    }
}

impl PartialEq for Exports {
    /// The same names with the same kinds, whatever their order.
    fn eq(&self, other: &Exports) -> bool {
        self.len() == other.len() && self.iter().all(|e| other.get(e.name) == Some(e))
    }
}

impl Eq for Exports {}

impl<'a> FromIterator<Export<'a>> for Exports {
    fn from_iter<I: IntoIterator<Item = Export<'a>>>(exports: I) -> Exports {
        let mut out = Exports::default();
        for e in exports {
            out.insert(e.name, e.kind);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The table finds what a list of the same names finds: the first
        /// kind of every name inserted, nothing else, each name once.
        #[test]
        fn finds_what_a_list_finds(
            inserted in prop::collection::vec(("[a-d]{0,3}", 0..3u8), 0..40),
            asked in prop::collection::vec("[a-e]{0,3}", 0..20),
        ) {
            let kind = |k: u8| [ExportKind::Function, ExportKind::Data, ExportKind::Unknown][usize::from(k)];
            let mut exports = Exports::default();
            let mut list: Vec<(String, ExportKind)> = Vec::new();
            for (name, k) in &inserted {
                exports.insert(name, kind(*k));
                if !list.iter().any(|(n, _)| n == name) {
                    list.push((name.clone(), kind(*k)));
                }
            }
            let listed = |name: &str| list.iter().find(|(n, _)| n == name).map(|(_, k)| *k);
            for name in inserted.iter().map(|(n, _)| n).chain(&asked) {
                prop_assert_eq!(exports.get(name).map(|e| e.kind), listed(name));
                prop_assert_eq!(exports.get(name).map(|e| e.name), listed(name).map(|_| name.as_str()));
            }
            let in_order: Vec<(&str, ExportKind)> = exports.iter().map(|e| (e.name, e.kind)).collect();
            let expected: Vec<(&str, ExportKind)> = list.iter().map(|(n, k)| (n.as_str(), *k)).collect();
            prop_assert_eq!(in_order, expected);
            prop_assert_eq!(exports.len(), list.len());
            prop_assert_eq!(exports.clone(), exports.iter().rev().collect::<Exports>());
        }
    }
}
