use abi_describe::Describe;

#[derive(Describe)]
#[repr(C)]
pub struct Wrapper<T> {
    pub value: T,
}

fn main() {}
