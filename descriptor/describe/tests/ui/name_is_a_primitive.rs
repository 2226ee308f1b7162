#[derive(abi_describe::Describe)]
#[repr(C)]
#[abi(name = "u32")]
pub struct Wrapped {
    pub value: u32,
}

fn main() {}
