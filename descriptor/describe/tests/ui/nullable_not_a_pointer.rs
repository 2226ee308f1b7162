#[abi_describe::export]
#[unsafe(no_mangle)]
pub extern "C" fn count(#[abi(nullable)] n: u32) -> u32 {
    n
}

fn main() {
    let _ = abi_describe::descriptor_blob! { name = "x", version = "1.0.0", functions = [count] };
}
