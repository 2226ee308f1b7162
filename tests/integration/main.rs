//! Cross-crate integration tests.

#![allow(clippy::unwrap_used)]

mod bench;
mod cli;
mod cross;
mod examples;
mod fixtures_native;
mod header;
mod loader;
mod malformed;
mod rust_producer;
mod support;
