#[abi_describe::export]
#[unsafe(no_mangle)]
pub extern "C" fn fill(buf: *mut u8, #[abi(length_of = "buffer")] len: usize) {
    let _ = (buf, len);
}

fn main() {}
