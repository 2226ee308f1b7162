//! Libraries built for other targets are read statically on this machine:
//! an aarch64 Linux shared library and an x86_64 Windows DLL, both built with
//! Debian's cross compilers from a C file that defines the blob through
//! `abi_descriptor.h`. Nothing of them can run here, and nothing needs to.

use std::path::{Path, PathBuf};
use std::process::Command;

use abi_check::{BinaryFormat, Location, read_library};
use abi_descriptor::{Descriptor, Endian};

use crate::support::{require_tool, run, scratch};

fn descriptor_for(triple: &str) -> Descriptor {
    let mut d = crate::support::example("v1");
    d.target.triple = triple.into();
    if triple.contains("windows") {
        d.target.c_long = 4;
        d.target.default_abi = abi_descriptor::CallConv::Win64;
    } else {
        d.target.default_abi = abi_descriptor::CallConv::Aapcs;
    }
    d.target.endian = Endian::Little;
    d.canonicalize();
    d
}

fn build(cc: &Path, d: &Descriptor, dir: &Path, name: &str) -> PathBuf {
    let src = dir.join("lib.c");
    std::fs::write(&src, crate::support::library_source(d)).unwrap();
    let lib = dir.join(name);
    let soname = format!("-Wl,-soname,{}", d.library.soname.as_deref().unwrap());
    let pic: Vec<&str> = if name.ends_with(".dll") {
        vec![]
    } else {
        vec!["-fPIC", &soname]
    };
    run(Command::new(cc)
        .args(["-shared", "-O2", "-Wall", "-Werror", "-std=c11"])
        .args(&pic)
        .arg("-I")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../descriptor/include"))
        .arg(&src)
        .arg("-o")
        .arg(&lib));
    lib
}

fn check(lib: &Path, expected: &Descriptor, format: BinaryFormat, arch: &str) {
    let file = read_library(lib).unwrap();
    assert_eq!(file.format, format);
    assert_eq!(file.architecture, arch);
    assert_eq!(file.pointer_width, 64);
    assert!(
        matches!(file.location, Location::DynamicSymbol { .. }),
        "{}: found {}",
        lib.display(),
        file.location
    );
    assert_eq!(file.blob, expected.to_blob().unwrap());
    let d = file.descriptor().unwrap();
    assert!(d == *expected);
    let v = abi_check::verify(&file, &d);
    assert!(v.passed(), "{v:?}");
    assert!(v.warnings.is_empty(), "{v:?}");
    // Every described function and the contract's two symbols are exported
    // with the right kind.
    for f in &d.functions {
        assert_eq!(
            file.export(&f.symbol).map(|e| e.kind),
            Some(abi_check::ExportKind::Function),
            "{}",
            f.symbol
        );
    }
    assert_eq!(
        file.export(abi_check::BLOB_SYMBOL).map(|e| e.kind),
        Some(abi_check::ExportKind::Data)
    );
}

#[test]
fn an_aarch64_library_is_read_on_any_machine() {
    let Some(cc) = require_tool("aarch64-linux-gnu-gcc") else {
        return;
    };
    let d = descriptor_for("aarch64-unknown-linux-gnu");
    let dir = scratch("cross", "aarch64");
    let lib = build(&cc, &d, &dir, "libtile.so");
    check(&lib, &d, BinaryFormat::Elf, "Aarch64");

    // Still read after stripping, with the cross binutils.
    if let Some(strip) = require_tool("aarch64-linux-gnu-strip") {
        let stripped = dir.join("libtile.stripped.so");
        std::fs::copy(&lib, &stripped).unwrap();
        run(Command::new(strip).arg("--strip-all").arg(&stripped));
        check(&stripped, &d, BinaryFormat::Elf, "Aarch64");
    }

    // A descriptor claiming x86_64 for this file fails verification.
    let mut wrong = d.clone();
    wrong.target.triple = "x86_64-unknown-linux-gnu".into();
    let lib = build(&cc, &wrong, &dir, "libwrong.so");
    let file = read_library(&lib).unwrap();
    let v = abi_check::verify(&file, &file.descriptor().unwrap());
    assert_eq!(
        v.problems,
        ["the descriptor is for `x86_64-unknown-linux-gnu` but the file is built for Aarch64"]
    );
}

#[test]
fn a_windows_dll_is_read_through_its_export_table() {
    let Some(cc) = require_tool("x86_64-w64-mingw32-gcc") else {
        return;
    };
    let d = descriptor_for("x86_64-pc-windows-gnu");
    let dir = scratch("cross", "windows");
    let dll = build(&cc, &d, &dir, "tile.dll");
    check(&dll, &d, BinaryFormat::Pe, "X86_64");
    // The blob also sits in its own section, as the contract says.
    let bytes = std::fs::read(&dll).unwrap();
    let section = {
        use object::{Object, ObjectSection};
        let obj = object::File::parse(&*bytes).unwrap();
        let s = obj.section_by_name(abi_check::PE_SECTION).unwrap();
        s.data().unwrap()[..d.to_blob().unwrap().len()].to_vec()
    };
    assert_eq!(section, d.to_blob().unwrap());
}
