use abi_describe::Describe;

#[derive(Describe)]
pub enum Color {
    Red,
    Green,
}

fn main() {}
