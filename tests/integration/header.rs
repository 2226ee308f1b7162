//! `abi_descriptor.h` works as shipped: a C library that defines its blob
//! with `ABI_DESCRIPTOR_DEFINE` passes every library check, and a C host
//! reads a loaded library's blob with the header's accessor.

use std::path::{Path, PathBuf};
use std::process::Command;

use abi_descriptor::Descriptor;

use crate::support::{check_library, library_source, require_tool, run, scratch};

fn example() -> Descriptor {
    crate::support::example("v1")
}

/// Builds `descriptor` into a library whose SONAME is the descriptor's.
fn compile_library(cc: &Path, dir: &Path, std: &str, descriptor: &Descriptor) -> PathBuf {
    let src = dir.join("lib.c");
    std::fs::write(&src, library_source(descriptor)).unwrap();
    let lib = dir.join("libexample.so");
    let soname = descriptor.library.soname.as_deref().unwrap();
    run(Command::new(cc)
        .arg(format!("-Wl,-soname,{soname}"))
        .args([
            "-shared",
            "-fPIC",
            "-fvisibility=hidden",
            "-Wall",
            "-Wextra",
        ])
        .args(["-Werror", "-pedantic", "-Wno-overlength-strings"])
        .arg(format!("-std={std}"))
        .arg("-I")
        .arg(crate::support::include_dir())
        .arg(&src)
        .arg("-o")
        .arg(&lib));
    lib
}

#[test]
fn a_library_defining_its_blob_with_the_header_passes_every_check() {
    let Some(cc) = require_tool("cc") else { return };
    let expected = example();
    // Hidden visibility by default: the header's attributes alone must
    // export the blob and the function.
    for std in ["c99", "c11"] {
        let dir = scratch("header", std);
        let lib = compile_library(&cc, &dir, std, &expected);
        check_library(&lib, Some(&expected));
    }

    // A descriptor whose SONAME is not the file's fails verification.
    let mut other = expected.clone();
    other.library.soname = Some("libtile.so.2".into());
    let dir = scratch("header", "soname");
    let src = dir.join("lib.c");
    std::fs::write(&src, library_source(&other)).unwrap();
    let lib = dir.join("libtile.so");
    run(Command::new(&cc)
        .args(["-shared", "-fPIC", "-Wl,-soname,libtile.so.1", "-I"])
        .arg(crate::support::include_dir())
        .arg(&src)
        .arg("-o")
        .arg(&lib));
    let file = abi_check::read_library(&lib).unwrap();
    assert_eq!(file.soname.as_deref(), Some("libtile.so.1"));
    let v = abi_check::verify(&file, &file.descriptor().unwrap());
    assert_eq!(
        v.problems,
        ["the descriptor gives SONAME `libtile.so.2` but the file records `libtile.so.1`"]
    );
}

#[test]
fn a_c_host_reads_the_blob_through_the_header() {
    let Some(cc) = require_tool("cc") else { return };
    let expected = example();
    let dir = scratch("header", "host");
    let lib = compile_library(&cc, &dir, "c11", &expected);
    let host = dir.join("host.c");
    std::fs::write(
        &host,
        r#"#include <dlfcn.h>
#include <stdio.h>
#include "abi_descriptor.h"

int main(int argc, char **argv) {
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 2; }
  const uint8_t *(*get)(void) =
      (const uint8_t *(*)(void))dlsym(lib, ABI_DESCRIPTOR_FUNCTION_NAME);
  const uint8_t *data = (const uint8_t *)dlsym(lib, ABI_DESCRIPTOR_BLOB_NAME);
  if (!get || !data) { fprintf(stderr, "missing symbols\n"); return 2; }
  const uint8_t *blob = get();
  printf("%zu %d %d\n", abi_descriptor_blob_len(blob), blob == data, get() == blob);
  return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.join("host");
    run(Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Werror", "-I"])
        .arg(crate::support::include_dir())
        .arg(&host)
        .arg("-o")
        .arg(&exe)
        .arg("-ldl"));
    let out = run(Command::new(&exe).arg(&lib));
    let expected_len = expected.to_blob().unwrap().len();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{expected_len} 1 1\n")
    );
}

#[test]
fn the_header_compiles_as_cpp_and_matches_the_crates_constants() {
    let Some(cxx) = require_tool("c++") else {
        return;
    };
    let dir = scratch("header", "cpp");
    let src = dir.join("consts.cpp");
    std::fs::write(
        &src,
        r#"#include <cstdio>
#include "abi_descriptor.h"
int main() {
  const char magic[] = ABI_DESCRIPTOR_MAGIC;
  for (int i = 0; i < ABI_DESCRIPTOR_MAGIC_LEN; i++) std::printf("%02x", (unsigned char)magic[i]);
  std::printf(" %d %d %d %d %s %s %s %s,%s %s\n", ABI_DESCRIPTOR_HEADER_VERSION,
              ABI_DESCRIPTOR_HEADER_LEN, ABI_DESCRIPTOR_BODY_LEN_OFFSET, ABI_DESCRIPTOR_HASH_OFFSET,
              ABI_DESCRIPTOR_FUNCTION_NAME, ABI_DESCRIPTOR_BLOB_NAME, ABI_DESCRIPTOR_SECTION_ELF,
              ABI_DESCRIPTOR_SEGMENT_MACHO, ABI_DESCRIPTOR_SECTION_MACHO, ABI_DESCRIPTOR_SECTION_PE);
  return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.join("consts");
    run(Command::new(&cxx)
        .args(["-std=c++11", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(crate::support::include_dir())
        .arg(&src)
        .arg("-o")
        .arg(&exe));
    let out = String::from_utf8(run(&mut Command::new(&exe)).stdout).unwrap();
    let magic: String = abi_descriptor::BLOB_MAGIC
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        out,
        format!(
            "{magic} {} {} 12 16 {} {} {} __TEXT,{} {}\n",
            abi_descriptor::BLOB_HEADER_VERSION,
            abi_descriptor::BLOB_HEADER_LEN,
            abi_check::DESCRIPTOR_FUNCTION,
            abi_check::BLOB_SYMBOL,
            abi_check::ELF_SECTION,
            abi_check::MACHO_SECTION,
            abi_check::PE_SECTION,
        )
    );
}
