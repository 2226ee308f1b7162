//! Every bundled example descriptor is valid and reads back identically in
//! each form through the reader the CLI and the loader share.

use std::path::{Path, PathBuf};

use abi_check::{FileForm, decode, read_descriptor};
use abi_descriptor::{BlobHeader, Descriptor, Fingerprint};

fn examples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut found = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn examples_exist() {
    let names: Vec<String> = examples()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.len() >= 2, "{names:?}");
}

#[test]
fn every_example_reads_back_identically_in_every_form() {
    let dir = std::env::temp_dir().join(format!("abi-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for path in examples() {
        let original = read_descriptor(&path).unwrap();
        let cbor = original.to_cbor().unwrap();
        let blob = original.to_blob().unwrap();
        let json = original.to_json().unwrap();
        for (name, bytes, form) in [
            ("d.cbor", cbor.clone(), FileForm::Cbor),
            ("d.abi", blob.clone(), FileForm::Blob),
            ("d.json", json.clone().into_bytes(), FileForm::Json),
        ] {
            let file = dir.join(name);
            std::fs::write(&file, &bytes).unwrap();
            let (decoded, found) = decode(&file, &bytes).unwrap();
            assert_eq!(found, form, "{}", path.display());
            let again = read_descriptor(&file).unwrap();
            assert_eq!(decoded, again);
            assert_eq!(
                again.to_cbor().unwrap(),
                cbor,
                "{} as {name}",
                path.display()
            );
        }
        // The blob header's hash is the descriptor fingerprint.
        let header = BlobHeader::parse(&blob).unwrap();
        assert_eq!(header.hash, Fingerprint::of_bytes(&cbor));
        assert_eq!(header.hash, original.fingerprints().unwrap().descriptor);
        assert_eq!(header.body_len as usize, cbor.len());
        // JSON text is stable through a round trip.
        assert_eq!(
            Descriptor::from_json(&json).unwrap().to_json().unwrap(),
            json
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
