//! Integration tests of the descriptor format.
