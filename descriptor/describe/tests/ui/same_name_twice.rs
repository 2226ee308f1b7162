mod a {
    #[derive(abi_describe::Describe)]
    #[repr(C)]
    pub struct Point {
        pub x: f64,
    }
}

mod b {
    #[derive(abi_describe::Describe)]
    #[repr(C)]
    pub struct Point {
        pub x: i32,
        pub y: i32,
    }
}

#[abi_describe::export]
#[unsafe(no_mangle)]
pub extern "C" fn both(p: a::Point, q: b::Point) {
    let _ = (p, q);
}

fn main() {
    let _ = abi_describe::descriptor_blob! { name = "x", version = "1.0.0", functions = [both] };
}
