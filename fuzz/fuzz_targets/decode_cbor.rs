#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| abi_fuzz_targets::decode_cbor(data));
