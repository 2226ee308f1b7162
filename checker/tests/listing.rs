//! The readable listing (`abi-check dump --format text`) of the example
//! descriptor, as a snapshot.

use std::path::PathBuf;
use std::process::Command;

use abi_descriptor::Descriptor;

fn example(name: &str) -> Descriptor {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/libtile")
        .join(name);
    Descriptor::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The whole listing of libtile 1.4.0. Review changes with `cargo insta
/// review`, or accept them with `INSTA_UPDATE=always cargo test`.
#[test]
fn libtile_v1() {
    insta::assert_snapshot!(abi_check::listing(&example("v1.json")).unwrap());
}

#[test]
fn listings_of_two_releases_show_what_moved() {
    let v1 = abi_check::listing(&example("v1.json")).unwrap();
    let v2 = abi_check::listing(&example("v2.json")).unwrap();
    // The field whose offset changed between the releases (see the
    // `compare` example of the crate documentation).
    assert!(
        v1.contains("    size_t byte_size;  /* +24, 8 bytes */"),
        "{v1}"
    );
    assert!(
        !v2.contains("size_t byte_size;  /* +24, 8 bytes */"),
        "{v2}"
    );
    assert!(v2.contains("tile 1.5.0"), "{v2}");
}

#[test]
fn dump_format_text_prints_the_listing() {
    let out = Command::new(env!("CARGO_BIN_EXE_abi-check"))
        .args(["dump", "examples/libtile/v1.json", "--format", "text"])
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("/*\n * tile 1.4.0\n"), "{stdout}");
    assert_eq!(stdout, abi_check::listing(&example("v1.json")).unwrap());
}

/// The listing is a C header: a C compiler accepts both releases' listings.
#[test]
fn listings_are_valid_c() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("listing");
    std::fs::create_dir_all(&dir).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    for name in ["v1.json", "v2.json"] {
        let header = dir.join(name.replace(".json", ".h"));
        std::fs::write(&header, abi_check::listing(&example(name)).unwrap()).unwrap();
        let out = match Command::new(&cc)
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
            .args(["-fsyntax-only", "-x", "c"])
            .arg(&header)
            .output()
        {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("skipped: no C compiler `{cc}`");
                return;
            }
            Err(e) => panic!("cannot run `{cc}`: {e}"),
        };
        assert!(
            out.status.success(),
            "{name}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
