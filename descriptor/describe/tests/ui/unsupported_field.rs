use abi_describe::Describe;

#[derive(Describe)]
#[repr(C)]
pub struct Person {
    pub age: u32,
    pub name: String,
}

fn main() {}
