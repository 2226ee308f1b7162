#[abi_describe::export(ret(owned(free = "buffer_free")))]
#[unsafe(no_mangle)]
pub extern "C" fn buffer_new() -> *mut u8 {
    std::ptr::null_mut()
}

fn main() {
    let _ = abi_describe::descriptor_blob! { name = "x", version = "1.0.0", functions = [buffer_new] };
}
