//! The const SHA-256 agrees with the `sha2` crate, around every padding edge.

use sha2::{Digest, Sha256};

fn message(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 131 + 7) as u8).collect()
}

#[test]
fn matches_sha2_at_every_padding_edge() {
    // 55 bytes leave room for the length in one block, 56 need a second;
    // 64 and 119/120/128 repeat that one block later.
    for len in [
        0, 1, 3, 31, 32, 54, 55, 56, 57, 63, 64, 65, 100, 118, 119, 120, 121, 127, 128, 129, 1000,
        4099,
    ] {
        let data = message(len);
        assert_eq!(
            abi_describe::sha256(&data),
            Sha256::digest(&data)[..],
            "{len} bytes"
        );
    }
}

#[test]
fn known_answers() {
    // FIPS 180-4 examples.
    let hex = |b: [u8; 32]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!(
        hex(abi_describe::sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex(abi_describe::sha256(
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        )),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

#[test]
fn runs_at_compile_time() {
    const HASH: [u8; 32] = abi_describe::sha256(b"abc");
    assert_eq!(HASH, Sha256::digest(b"abc")[..]);
}
