//! Integration tests of the `abi-check` library and command.

#![allow(clippy::unwrap_used)]

mod cli;
mod example;
mod listing;
mod probe;
mod properties;
mod read;
mod reports;
mod rules;
#[path = "../../descriptor/tests/strategies.rs"]
#[allow(dead_code)]
mod strategies;
mod verdicts;
