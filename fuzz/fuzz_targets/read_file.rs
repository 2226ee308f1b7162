#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| abi_fuzz_targets::read_file(data));
