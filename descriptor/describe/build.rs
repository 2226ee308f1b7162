//! Passes the exact target triple to the crate, which records it in every
//! descriptor it produces.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=ABI_DESCRIBE_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
