//! Integration tests of the `abi-check` library and command.

mod cli;
mod example;
