use abi_describe::Describe;

#[derive(Describe)]
pub union Bits {
    pub int: u32,
    pub real: f32,
}

fn main() {}
