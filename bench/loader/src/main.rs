//! Times opening a library five ways, each open followed by a close (so
//! that every open really loads the file):
//!
//! - `plain`: `libloading::Library::new`, no check;
//! - `fast`: `abi_loader::Library::open` with the library's own descriptor
//!   as the expectation, so the library embeds exactly the expectation's
//!   blob and the fast path applies: no decoding, no comparison;
//! - `matched`: `abi_loader::Library::open` with the expectation of a host
//!   built against the previous release, which lacked one of the library's
//!   functions: the blobs differ, so the blob is hashed and stepped over and
//!   its entries compared with the expectation's, but every item the host
//!   uses has its fingerprint, and nothing is decoded or compared;
//! - `one`: `abi_loader::Library::open` with an expectation one of whose
//!   functions differs compatibly from the library's: that function is
//!   decoded and compared, the others are found unchanged;
//! - `full`: `abi_loader::Library::open` with an expectation whose every
//!   function differs compatibly from the library's, so the fingerprints do
//!   not match and every item the host uses is decoded and compared.
//!
//! ```text
//! abi-loader-bench LIB FAST_EXPECTATION MATCHED_EXPECTATION ONE_EXPECTATION FULL_EXPECTATION ITERATIONS
//! ```
//!
//! The modes alternate, so that each open finds the caches as the others
//! left them (after a full check, neither the blob nor the expectation's
//! copy of it is in the CPU caches), as a host opening libraries one after
//! another would. The fast path is also timed in two parts: the check before
//! `dlopen` (`fast_check`), and the whole open. Then a second loop
//! alternates only plain opens and fast-path opens (`hot`), where the file
//! and the expectation stay in the caches.
//!
//! Prints one JSON object: per mode, the median, mean and minimum time of an
//! open in microseconds (the close is not timed).

use std::path::Path;
use std::time::{Duration, Instant};

use abi_loader::{Expectation, Library};
use serde_json::json;

fn stats(mut times: Vec<Duration>) -> serde_json::Value {
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mean = times.iter().map(|d| us(*d)).sum::<f64>() / times.len() as f64;
    json!({
        "median_us": us(times[times.len() / 2]),
        "mean_us": mean,
        "min_us": us(times[0]),
        "iterations": times.len(),
    })
}

fn expectation(path: &str) -> Expectation {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read `{path}`: {e}"));
    Expectation::from_bytes(&bytes).unwrap_or_else(|e| panic!("`{path}`: {e}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, lib, fast, matched, one, full, iterations] = args.as_slice() else {
        eprintln!(
            "usage: abi-loader-bench LIB FAST_EXPECTATION MATCHED_EXPECTATION ONE_EXPECTATION FULL_EXPECTATION ITERATIONS"
        );
        std::process::exit(2);
    };
    let lib = Path::new(lib);
    let iterations: usize = iterations.parse().expect("ITERATIONS is a number");
    let fast = expectation(fast);
    let matched = expectation(matched);
    let one = expectation(one);
    let full = expectation(full);

    let plain_open = || {
        let start = Instant::now();
        // SAFETY: the benchmark's own generated library, whose code is trivial.
        let plain = unsafe { libloading::Library::new(lib) }.expect("plain open");
        let time = start.elapsed();
        drop(plain);
        time
    };
    // The fast path, in two parts: the check, then loading.
    let mut fast_identical = true;
    let mut fast_open = || {
        let start = Instant::now();
        let checked = abi_loader::check(lib, &fast).expect("the fast-path check accepts");
        let check_time = start.elapsed();
        fast_identical &= checked.identical();
        // SAFETY: as above.
        let opened = unsafe { checked.load() }.expect("the fast-path open accepts");
        let time = start.elapsed();
        drop(opened);
        (check_time, time)
    };

    // The modes interleave so that a change in machine load hits them alike.
    let (mut plain_t, mut fast_t, mut fast_check_t, mut matched_t, mut full_t) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut one_t = Vec::new();
    let mut matched_unchanged = true;
    let mut one_compared = true;
    let mut full_skipped = false;
    for i in 0..iterations + 1 {
        let plain_time = plain_open();
        let (fast_check_time, fast_time) = fast_open();

        let start = Instant::now();
        // SAFETY: as above.
        let opened = unsafe { Library::open(lib, &matched) }.expect("the matched open accepts");
        let matched_time = start.elapsed();
        matched_unchanged &= opened.report().fingerprints_match && !opened.identical();
        drop(opened);

        let start = Instant::now();
        // SAFETY: as above.
        let opened = unsafe { Library::open(lib, &one) }.expect("the one-item open accepts");
        let one_time = start.elapsed();
        one_compared &= !opened.report().fingerprints_match && !opened.identical();
        drop(opened);

        let start = Instant::now();
        // SAFETY: as above.
        let opened = unsafe { Library::open(lib, &full) }.expect("the full-check open accepts");
        let full_time = start.elapsed();
        full_skipped |= opened.report().fingerprints_match || opened.identical();
        drop(opened);

        // The first round warms the page cache and the allocator.
        if i > 0 {
            plain_t.push(plain_time);
            fast_t.push(fast_time);
            fast_check_t.push(fast_check_time);
            matched_t.push(matched_time);
            one_t.push(one_time);
            full_t.push(full_time);
        }
    }

    // Plain and fast-path opens alone, with nothing in between to evict
    // the blob from the caches.
    let (mut hot_plain_t, mut hot_fast_t, mut hot_check_t) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..2 * iterations + 1 {
        let plain_time = plain_open();
        let (check_time, fast_time) = fast_open();
        if i > 0 {
            hot_plain_t.push(plain_time);
            hot_fast_t.push(fast_time);
            hot_check_t.push(check_time);
        }
    }
    let out = json!({
        "plain": stats(plain_t),
        "fast": stats(fast_t),
        "fast_check": stats(fast_check_t),
        "matched": stats(matched_t),
        "one": stats(one_t),
        "full": stats(full_t),
        "hot": {
            "plain": stats(hot_plain_t),
            "fast": stats(hot_fast_t),
            "fast_check": stats(hot_check_t),
        },
        // The fast path must not decode, the full check must compare.
        "fast_path_taken": fast_identical,
        // The matched open must decode, and compare nothing.
        "matched_taken": matched_unchanged,
        // The one-item open must compare.
        "one_taken": one_compared,
        "full_check_taken": !full_skipped,
    });
    println!("{out}");
}
