#[derive(abi_describe::Describe)]
#[repr(C)]
#[abi(since = "1.1.0")]
pub struct Point {
    pub x: f64,
}

#[abi_describe::export]
#[unsafe(no_mangle)]
pub extern "C" fn origin() -> Point {
    Point { x: 0.0 }
}

fn main() {
    let _ = abi_describe::descriptor_blob! { name = "x", version = "1.0.0", functions = [origin] };
}
