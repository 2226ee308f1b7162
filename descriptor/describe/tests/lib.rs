//! Tests of the const producer: byte identity with `abi-descriptor`, the
//! const SHA-256, and what the macros reject.

#![allow(clippy::unwrap_used)]

mod compile_fail;
mod expectation;
mod library;
mod produce;
mod sha;
