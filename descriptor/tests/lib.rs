//! Integration tests of the descriptor format.

mod alloc;
mod canonical;
mod entries;
mod fingerprints;
mod hostile;
mod index;
mod invalid;
mod memory;
mod roundtrip;
mod schema;
mod spec_example;
mod strategies;

#[global_allocator]
static ALLOCATOR: alloc::Tracking = alloc::Tracking;
