#[abi_describe::export]
pub extern "C" fn hidden(x: u32) -> u32 {
    x
}

fn main() {}
