#[abi_describe::export]
#[unsafe(no_mangle)]
pub extern "C" fn takes_a_string(name: String) {
    drop(name);
}

fn main() {}
