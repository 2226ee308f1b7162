//! `abi-check embed DESCRIPTOR --lang LANG -o FILE`.

use std::io::Write;
use std::path::PathBuf;

use abi_check::{EmbedLanguage, EmbedOptions};
use anyhow::Context;
use clap::{Args, ValueEnum};

use super::Outcome;

/// Writes a source file that embeds a descriptor in the library it describes.
///
/// The generated file defines `_abi_descriptor()` and `_abi_descriptor_blob`
/// (the descriptor blob, in the `.abi_descriptor` section on ELF,
/// `__TEXT,__abi_descriptor` on Mach-O, `.abidesc` on PE). Compile it into the
/// library. It also asserts, while the library compiles, that the layouts the
/// descriptor states are the real ones: the size, alignment and field offsets
/// and sizes of every named struct, union, extensible struct, sized opaque
/// type and alias, enum sizes and (by name) variant values and integer
/// constants, and the target's pointer width, C `int`, `long`, `size_t` and
/// `char` signedness. A descriptor that lies fails the library's build with
/// a message naming the type and the described value.
///
/// C (`.c`): `_Static_assert`s on the headers given with `--include`, which
/// name types as typedefs (`TileRect`) unless `--c-tag-types` is given
/// (`struct TileRect`). With headers, each described function's prototype is
/// checked too (primitives map to `<stdint.h>` types, `usize` to `size_t`,
/// text buffers to `char *`, byte buffers to `uint8_t *`, `char *` or
/// `void *`).
///
/// Nim (`.nim`): `when ... {.error.}` checks on the types of the modules
/// given with `--include`; import the generated module from the library's
/// main module. The symbols are C code in an `emit` (Nim's C backend), so
/// they work before NimMain.
///
/// Go (`.go`, package main): the C headers given with `--include` go in the
/// cgo preamble, with `_Static_assert`s on their types; for
/// `go build -buildmode=c-shared`. The file has no `//export`, as a preamble
/// with definitions requires.
///
/// MinGW: the descriptor's symbols are marked dllexport, which turns off the
/// linker's automatic export of every function; a library whose own functions
/// are not marked links with `-Wl,--export-all-symbols`.
///
/// Example:
///
///   abi-check embed tile.json --lang c --include tile.h -o tile_abi.c
///
///   cc -shared -fPIC -o libtile.so tile.c tile_abi.c
#[derive(Debug, Args)]
pub struct Opts {
    /// The descriptor (`.abi`, CBOR or JSON).
    descriptor: PathBuf,
    /// The language of the generated file.
    #[arg(long, value_enum)]
    lang: Lang,
    /// The file to write (`-` for standard output).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// A header (C, Go: `tile.h`, `<tile/tile.h>`) or module (Nim: `tile_types`)
    /// that declares the described types; repeat for several.
    #[arg(long = "include", value_name = "HEADER_OR_MODULE")]
    includes: Vec<String>,
    /// C, Go: name structs, unions and enums by tag (`struct TileRect`)
    /// instead of as typedef names (`TileRect`).
    #[arg(long)]
    c_tag_types: bool,
    /// Do not check enum variant values and integer constants by name (when
    /// the descriptor's names are not those of the included declarations).
    #[arg(long)]
    no_value_checks: bool,
    /// C: do not check function prototypes against the included headers.
    #[arg(long)]
    no_function_checks: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Lang {
    /// A C11 source file.
    C,
    /// A Nim module.
    Nim,
    /// A Go file with a cgo preamble.
    Go,
}

impl Opts {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<Outcome> {
        let d = abi_check::read_descriptor(&self.descriptor)?;
        let mut options = EmbedOptions::new(match self.lang {
            Lang::C => EmbedLanguage::C,
            Lang::Nim => EmbedLanguage::Nim,
            Lang::Go => EmbedLanguage::Go,
        });
        options.includes = self.includes;
        options.source = Some(self.descriptor.display().to_string());
        options.tag_types = self.c_tag_types;
        options.value_checks = !self.no_value_checks;
        options.function_checks = !self.no_function_checks;
        let source = abi_check::embed_source(&d, &options)?;
        if self.output.as_os_str() == "-" {
            std::io::stdout()
                .lock()
                .write_all(source.as_bytes())
                .context("cannot write to standard output")?;
        } else {
            std::fs::write(&self.output, source)
                .with_context(|| format!("cannot write `{}`", self.output.display()))?;
        }
        Ok(Outcome::Compatible)
    }
}
