#[abi_describe::export]
#[unsafe(no_mangle)]
pub fn rusty(x: u32) -> u32 {
    x
}

fn main() {}
