#[derive(abi_describe::Describe)]
#[repr(C)]
#[abi(since = "1.2")]
pub struct Point {
    pub x: f64,
}

fn main() {}
