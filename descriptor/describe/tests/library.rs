//! `library!` exports the blob as `_abi_descriptor_blob` and returns its
//! address from `_abi_descriptor()`.

use abi_describe::Describe;
use abi_descriptor::Descriptor;

#[derive(Describe)]
#[repr(C)]
pub struct Counter {
    pub value: u64,
}

#[abi_describe::export]
#[unsafe(no_mangle)]
pub extern "C" fn counter_bump(counter: &mut Counter) -> u64 {
    counter.value += 1;
    counter.value
}

abi_describe::library! {
    version = "3.1.4",
    soname = "libcounter.so.3",
    functions = [counter_bump],
}

#[test]
fn the_function_returns_the_exported_blob() {
    let at = _abi_descriptor();
    assert_eq!(at, _abi_descriptor_blob.as_ptr());
    // SAFETY: `_abi_descriptor()` points to `_abi_descriptor_blob`, which is
    // `_abi_descriptor_blob.len()` bytes long.
    let bytes = unsafe { std::slice::from_raw_parts(at, _abi_descriptor_blob.len()) };
    let d = Descriptor::from_blob(bytes).unwrap();
    d.validate().unwrap();
    assert_eq!(d.to_blob().unwrap(), bytes);
    // The name defaults to the package's, the rest is as given.
    assert_eq!(d.library.name, env!("CARGO_PKG_NAME"));
    assert_eq!(d.library.version.to_string(), "3.1.4");
    assert_eq!(d.library.soname.as_deref(), Some("libcounter.so.3"));
    assert_eq!(d.functions[0].symbol, "counter_bump");
    assert_eq!(d.functions[0].params[0].ty.as_str(), "&mut Counter");
}

#[test]
fn the_described_function_still_works() {
    let mut c = Counter { value: 41 };
    assert_eq!(counter_bump(&mut c), 42);
}
