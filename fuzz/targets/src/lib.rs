//! The bodies of the fuzz targets in `fuzz/`: each takes arbitrary bytes and
//! must return without panicking, whatever they are. libFuzzer calls them
//! through `fuzz/fuzz_targets/*.rs`; this crate's tests call the same
//! functions over the seed corpus in `fuzz/corpus/` and over random inputs,
//! so every `cargo test` exercises them even where libFuzzer cannot run.
//!
//! Besides "no panic", the targets check properties that must hold for any
//! input: whatever decodes re-encodes and decodes to the same descriptor,
//! and a valid descriptor compared with itself yields no finding.
//!
//! ```
//! let v1 = include_bytes!("../../../examples/libtile/v1.json");
//! abi_fuzz_targets::decode_json(v1);
//! abi_fuzz_targets::decode_cbor(b"\xa1\x61x\x01");
//! abi_fuzz_targets::diff(&abi_fuzz_targets::pair(v1, v1));
//! ```

#![deny(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use abi_check::{compare, decode, read_library, read_source};
use abi_descriptor::Descriptor;

/// Decodes `data` as canonical CBOR and as a blob. Whatever decodes must
/// re-encode, decode again to the same descriptor, and validate or refuse
/// without panicking.
///
/// Descriptors are decoded by a fast slice decoder (ciborium decodes again
/// only to word an error): whatever decodes must be what ciborium makes of
/// the same bytes.
pub fn decode_cbor(data: &[u8]) {
    if let Ok(d) = Descriptor::from_cbor(data) {
        let mut reference: Descriptor =
            ciborium::from_reader(data).expect("ciborium decodes what the fast decoder decodes");
        // Decoding reads any minor version of the format as its own.
        if reference.format.major == d.format.major {
            reference.format = d.format;
        }
        assert_eq!(d, reference, "the decoders disagree");
        roundtrip(&d);
    }
    if let Ok(d) = Descriptor::from_blob(data) {
        roundtrip(&d);
    }
}

/// Parses `data` as the JSON form (when it is UTF-8). Whatever parses must
/// re-encode and decode again to the same descriptor.
pub fn decode_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(d) = Descriptor::from_json(text)
    {
        roundtrip(&d);
    }
}

/// Writes `data` to a file and reads it the way `abi-check` reads any file:
/// as a descriptor file (blob, CBOR, JSON) or a shared library (ELF, Mach-O,
/// PE of any architecture), then as a library alone, decodes the blob a
/// library carries, and takes the loader's quick look at it.
pub fn read_file(data: &[u8]) {
    let Some(path) = scratch_file(data) else {
        return;
    };
    if let Ok((d, _, _)) = read_source(&path) {
        roundtrip(&d);
    }
    if let Ok(lib) = read_library(&path)
        && let Ok(d) = lib.descriptor()
    {
        let _ = abi_check::verify(&lib, &d);
        let _ = abi_check::probe_library(&path, &lib.blob);
    }
    // The loader's quick look (its fast path) never panics either.
    let _ = abi_check::probe_library(&path, data);
    let _ = std::fs::remove_file(&path);
}

/// Splits `data` in two (see [`split`]), decodes each half in any form
/// (blob, CBOR or JSON) and compares them. A valid descriptor compared with
/// itself must yield no finding.
pub fn diff(data: &[u8]) {
    let (a, b) = split(data);
    let a = decode(Path::new("a"), a).ok().map(|(d, _)| d);
    let b = decode(Path::new("b"), b).ok().map(|(d, _)| d);
    match (a, b) {
        (Some(a), Some(b)) => {
            let _ = compare(&a, &b);
            let _ = compare(&b, &a);
            same(&a);
            same(&b);
        }
        (Some(d), None) | (None, Some(d)) => same(&d),
        (None, None) => {}
    }
}

/// The two inputs of [`diff`]: the first 4 bytes (little-endian) give the
/// length of the first, the rest of the data after it is the second.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return (data, &[]);
    };
    let len = (u32::from_le_bytes(*len) as usize).min(rest.len());
    rest.split_at(len)
}

/// The input of [`diff`] that compares `a` with `b`.
pub fn pair(a: &[u8], b: &[u8]) -> Vec<u8> {
    let len = u32::try_from(a.len()).expect("a fuzz input is smaller than 4 GiB");
    let mut out = len.to_le_bytes().to_vec();
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out
}

fn same(d: &Descriptor) {
    if d.validate().is_err() {
        return;
    }
    if let Ok(report) = compare(d, d) {
        assert!(
            report.findings.is_empty(),
            "a descriptor compared with itself: {:?}",
            report.findings
        );
    }
}

/// Re-encodes `d` as CBOR and JSON and decodes each again: both must give
/// back `d` (as canonical), and validation must not panic.
fn roundtrip(d: &Descriptor) {
    let _ = d.validate();
    let _ = d.fingerprints();
    if let Ok(cbor) = d.to_cbor() {
        let again = Descriptor::from_cbor(&cbor).expect("canonical CBOR of a decoded descriptor");
        assert_eq!(
            again.to_cbor().ok().as_deref(),
            Some(&cbor[..]),
            "CBOR round trip"
        );
    }
    if let Ok(json) = d.to_json() {
        let again = Descriptor::from_json(&json).expect("JSON of a decoded descriptor");
        assert_eq!(again.to_cbor().ok(), d.to_cbor().ok(), "JSON round trip");
    }
}

/// A file holding `data`, unique to this process and call.
fn scratch_file(data: &[u8]) -> Option<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("abi-fuzz-{}-{n}.bin", std::process::id()));
    let mut file = std::fs::File::create(&path).ok()?;
    file.write_all(data).ok()?;
    Some(path)
}
