//! Types and items that cannot be described are rejected at compile time
//! with a message that says why and what to do.
//!
//! The expected messages are `tests/ui/*.stderr`. Errors found by constant
//! evaluation quote the evaluator's backtrace through `src/encode.rs`;
//! after changing those lines, regenerate with `TRYBUILD=overwrite` and
//! review the diff.

#[test]
fn rejected_at_compile_time() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
