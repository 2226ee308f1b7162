use abi_describe::Describe;

#[derive(Describe)]
#[repr(C, u8)]
pub enum Message {
    Quit,
    Move { x: i32, y: i32 },
}

fn main() {}
