//! Checking a built library against the descriptor it carries.

use abi_descriptor::{Descriptor, ItemKind, ItemRef, Target};
use foldhash::HashSet;

use crate::exports::ExportKind;
use crate::read::{BLOB_SYMBOL, DESCRIPTOR_FUNCTION, LibraryFile};

/// The outcome of [`verify`]: problems make the library fail verification;
/// warnings do not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    /// What is wrong: the descriptor does not describe this file.
    pub problems: Vec<String>,
    /// What deserves a look: exported functions the descriptor does not
    /// describe.
    pub warnings: Vec<String>,
}

impl Verification {
    /// Whether verification passed (warnings allowed).
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks that `descriptor`, read from `lib`, describes it: the library
/// exports `_abi_descriptor` as a function, was built for the target the
/// descriptor names (architecture, pointer width, byte order), and exports
/// every described function and variable with the right kind. On ELF, the
/// descriptor's SONAME must be the file's `DT_SONAME`. Exported
/// functions the descriptor does not describe are warnings, except the
/// runtime symbols of the toolchains listed in `docs/symbol-contract.md`.
///
/// Reading the descriptor already checked that it is well-formed and that its
/// hash matches its bytes.
pub fn verify(lib: &LibraryFile, descriptor: &Descriptor) -> Verification {
    checked(lib, descriptor, Scope::Release)
}

/// The problems [`verify`] finds in `descriptor` narrowed to `items` (the
/// items of [`Descriptor::narrowed`] to them), but the SONAME's: what
/// a host that uses those items needs of the file. The SONAME is a matter
/// of releases, like the version: a host loads a file.
pub(crate) fn host_problems(
    lib: &LibraryFile,
    descriptor: &Descriptor,
    items: &[ItemRef],
) -> Vec<String> {
    checked(lib, descriptor, Scope::Items(items)).problems
}

/// [`host_problems`] for every item of `descriptor`, a host's expectation
/// narrowed to its items.
pub(crate) fn expectation_problems(lib: &LibraryFile, descriptor: &Descriptor) -> Vec<String> {
    checked(lib, descriptor, Scope::Described).problems
}

/// What [`checked`] checks.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// [`verify`].
    Release,
    /// [`host_problems`].
    Items(&'a [ItemRef]),
    /// [`expectation_problems`].
    Described,
}

/// [`verify`], or for a host ([`host_problems`]) only the exports of the
/// host's items, and neither the SONAME nor undescribed exports.
fn checked(lib: &LibraryFile, descriptor: &Descriptor, scope: Scope<'_>) -> Verification {
    let mut v = Verification::default();
    let release = matches!(scope, Scope::Release);
    let kept = |kind: ItemKind| -> Option<HashSet<&str>> {
        match scope {
            Scope::Items(items) => Some(
                items
                    .iter()
                    .filter(|i| i.kind == kind)
                    .map(|i| i.name.as_str())
                    .collect(),
            ),
            Scope::Release | Scope::Described => None,
        }
    };
    let (functions, variables) = (kept(ItemKind::Function), kept(ItemKind::Variable));
    let checks =
        |set: &Option<HashSet<&str>>, name: &str| set.as_ref().is_none_or(|s| s.contains(name));
    envelope_problems(lib, &descriptor.target, &mut v.problems);

    let soname = if release {
        (descriptor.library.soname.as_ref(), lib.soname.as_ref())
    } else {
        (None, None)
    };
    match soname {
        (Some(described), Some(actual)) if described != actual => v.problems.push(format!(
            "the descriptor gives SONAME `{described}` but the file records `{actual}`"
        )),
        (Some(described), None) if lib.format == crate::BinaryFormat::Elf => {
            v.problems.push(format!(
                "the descriptor gives SONAME `{described}` but the file records none"
            ))
        }
        (None, Some(actual)) => v.warnings.push(format!(
            "the file records SONAME `{actual}` but the descriptor gives none, so SONAME changes cannot be checked"
        )),
        _ => {}
    }

    let described_functions = (descriptor.functions.iter())
        .filter(|f| checks(&functions, &f.symbol))
        .map(|f| f.symbol.as_str());
    let described_variables = (descriptor.variables.iter())
        .filter(|var| checks(&variables, &var.symbol))
        .map(|var| var.symbol.as_str());
    export_problems(
        lib,
        described_functions,
        described_variables,
        &mut v.problems,
    );

    if !release {
        return v;
    }
    let described: HashSet<&str> = descriptor
        .functions
        .iter()
        .map(|f| f.symbol.as_str())
        .chain(descriptor.variables.iter().map(|var| var.symbol.as_str()))
        .collect();
    let mut undescribed: Vec<&str> = lib
        .exports
        .iter()
        .filter(|e| {
            e.kind == ExportKind::Function
                && !described.contains(e.name)
                && !is_toolchain_symbol(e.name)
        })
        .map(|e| e.name)
        .collect();
    undescribed.sort_unstable();
    v.warnings.extend(
        undescribed
            .into_iter()
            .map(|name| format!("function `{name}` is exported but not described")),
    );
    v
}

/// [`host_problems`] for a host's items that the library describes as the
/// functions `functions` and the variables `variables` (symbols), for
/// `target`: the problems of the file's envelope, then of those exports.
pub(crate) fn described_problems<'d>(
    lib: &LibraryFile,
    target: &Target,
    functions: impl IntoIterator<Item = &'d str>,
    variables: impl IntoIterator<Item = &'d str>,
) -> Vec<String> {
    let mut problems = Vec::new();
    envelope_problems(lib, target, &mut problems);
    export_problems(lib, functions, variables, &mut problems);
    problems
}

/// Whether `lib` exports `_abi_descriptor` as a function and is built for
/// `target`.
fn envelope_problems(lib: &LibraryFile, target: &Target, problems: &mut Vec<String>) {
    match lib.export(DESCRIPTOR_FUNCTION) {
        None => problems.push(format!(
            "`{DESCRIPTOR_FUNCTION}` is not exported: hosts cannot read the descriptor at run time"
        )),
        Some(e) if e.kind == ExportKind::Data => problems.push(format!(
            "`{DESCRIPTOR_FUNCTION}` is exported as data, not as a function"
        )),
        Some(_) => {}
    }
    if let Some(arch) = triple_architecture(&target.triple)
        && !arch.eq_ignore_ascii_case(&lib.architecture)
    {
        problems.push(format!(
            "the descriptor is for `{}` but the file is built for {}",
            target.triple, lib.architecture
        ));
    }
    if target.pointer_width != lib.pointer_width {
        problems.push(format!(
            "the descriptor says pointers are {} bits but the file is {}-bit",
            target.pointer_width, lib.pointer_width
        ));
    }
    let little = target.endian == abi_descriptor::Endian::Little;
    if little != lib.little_endian {
        let name = |l: bool| if l { "little" } else { "big" };
        problems.push(format!(
            "the descriptor says {}-endian but the file is {}-endian",
            name(little),
            name(lib.little_endian)
        ));
    }
}

/// Whether `lib` exports each of `functions` as a function and each of
/// `variables` as data.
fn export_problems<'d>(
    lib: &LibraryFile,
    functions: impl IntoIterator<Item = &'d str>,
    variables: impl IntoIterator<Item = &'d str>,
    problems: &mut Vec<String>,
) {
    for symbol in functions {
        export_problem(lib, symbol, FUNCTION, problems);
    }
    for symbol in variables {
        export_problem(lib, symbol, VARIABLE, problems);
    }
}

/// What an item is called in a problem, the export kind it must not have,
/// and how that kind is named.
type Exported = (&'static str, ExportKind, &'static str);
const FUNCTION: Exported = ("function", ExportKind::Data, "as data, not as a function");
const VARIABLE: Exported = (
    "variable",
    ExportKind::Function,
    "as a function, not as data",
);

/// Whether `lib` exports `symbol`, an item described as `what`, and not as
/// the `wrong` kind.
fn export_problem(
    lib: &LibraryFile,
    symbol: &str,
    (what, wrong, as_wrong): Exported,
    problems: &mut Vec<String>,
) {
    match lib.export(symbol) {
        None => problems.push(format!("{what} `{symbol}` is described but not exported")),
        Some(e) if e.kind == wrong => {
            problems.push(format!("{what} `{symbol}` is exported {as_wrong}"));
        }
        Some(_) => {}
    }
}

/// Symbols that toolchains export from every library they build: the
/// contract's own, the C runtime's, and the runtimes of Go and Nim.
fn is_toolchain_symbol(name: &str) -> bool {
    const EXACT: &[&str] = &[
        DESCRIPTOR_FUNCTION,
        BLOB_SYMBOL,
        // C runtime and linker.
        "_init",
        "_fini",
        "_start",
        "_edata",
        "_end",
        "__bss_start",
        "DllMain",
        // Go `-buildmode=c-shared`.
        "crosscall2",
        "fatalf",
        "_rt0_amd64_linux_lib",
        // Nim `--app:lib`.
        "NimMain",
        "NimMainInner",
        "NimMainModule",
        "NimDestroyGlobals",
        "PreMain",
        "PreMainInner",
    ];
    const PREFIXES: &[&str] = &["_cgo_", "_cgoexp_", "x_cgo_", "_rt0_"];
    EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The architecture a target triple names, spelled as [`LibraryFile::architecture`]
/// spells it, when the triple's first component is one this reader knows.
fn triple_architecture(triple: &str) -> Option<&'static str> {
    let arch = triple.split('-').next()?;
    Some(match arch {
        "x86_64" | "amd64" => "X86_64",
        "i386" | "i486" | "i586" | "i686" | "x86" => "I386",
        "aarch64" | "arm64" => "Aarch64",
        "arm" | "armv7" | "armv7a" | "thumbv7" | "thumbv7em" | "armv6" => "Arm",
        "riscv64" | "riscv64gc" => "Riscv64",
        "riscv32" | "riscv32imac" | "riscv32imc" => "Riscv32",
        "powerpc64" | "powerpc64le" => "PowerPc64",
        "powerpc" => "PowerPc",
        "s390x" => "S390x",
        "mips" | "mipsel" => "Mips",
        "mips64" | "mips64el" => "Mips64",
        "loongarch64" => "LoongArch64",
        "wasm32" => "Wasm32",
        "sparc64" => "Sparc64",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triples_map_to_object_architectures() {
        assert_eq!(
            triple_architecture("x86_64-unknown-linux-gnu"),
            Some("X86_64")
        );
        assert_eq!(triple_architecture("aarch64-apple-darwin"), Some("Aarch64"));
        assert_eq!(triple_architecture("i686-pc-windows-msvc"), Some("I386"));
        assert_eq!(triple_architecture("xtensa-esp32-none-elf"), None);
        // The names are the `Debug` form of `object::Architecture`.
        assert_eq!(format!("{:?}", object::Architecture::X86_64), "X86_64");
        assert_eq!(format!("{:?}", object::Architecture::Aarch64), "Aarch64");
        assert_eq!(format!("{:?}", object::Architecture::I386), "I386");
        assert_eq!(
            format!("{:?}", object::Architecture::PowerPc64),
            "PowerPc64"
        );
    }

    #[test]
    fn each_item_missing_or_exported_as_the_other_kind_is_a_problem() {
        let mut exports = crate::exports::Exports::default();
        for (name, kind) in [
            ("f_ok", ExportKind::Function),
            ("f_data", ExportKind::Data),
            ("v_ok", ExportKind::Data),
            ("v_function", ExportKind::Function),
            ("unknown", ExportKind::Unknown),
        ] {
            exports.insert(name, kind);
        }
        let lib = LibraryFile {
            path: "lib.so".into(),
            format: crate::read::BinaryFormat::Elf,
            architecture: "X86_64".to_owned(),
            pointer_width: 64,
            little_endian: true,
            soname: None,
            exports,
            blob: Vec::new(),
            location: crate::read::Location::DynamicSymbol {
                name: BLOB_SYMBOL.to_owned(),
                address: 0,
            },
        };
        let mut problems = Vec::new();
        let functions = ["f_ok", "f_data", "f_missing", "unknown", "v_function"];
        let variables = ["v_ok", "v_function", "v_missing", "unknown", "f_data"];
        export_problems(&lib, functions, variables, &mut problems);
        assert_eq!(
            problems,
            [
                "function `f_data` is exported as data, not as a function",
                "function `f_missing` is described but not exported",
                "variable `v_function` is exported as a function, not as data",
                "variable `v_missing` is described but not exported",
            ]
        );
    }

    #[test]
    fn toolchain_symbols_are_not_reported() {
        for name in ["_cgo_panic", "NimMain", "_abi_descriptor", "_init"] {
            assert!(is_toolchain_symbol(name), "{name}");
        }
        for name in ["tile_open", "nim_version", "cgo_thing"] {
            assert!(!is_toolchain_symbol(name), "{name}");
        }
    }
}
