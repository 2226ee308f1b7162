#!/usr/bin/env bash
# Benchmarks abi-check against abidiff and abi-dumper + abi-compliance-checker,
# the loader against a plain dlopen, and the engine's parts (criterion), then
# writes docs/benchmarks.md and docs/benchmarks.png.
#
#   bench/run.sh                 N = 100, 1,000, 10,000 with every tool, 100,000 with abi-check
#   bench/run.sh --quick         N = 100 and 1,000, fewer repetitions
#   bench/run.sh --no-criterion  without the micro benchmarks
#
# Other options go to bench/run.py (see `python3 bench/run.py --help`).
# Generated libraries and results go to bench/data/ (not committed). Only a
# full run (no options but --no-criterion) writes docs/; any other run writes
# bench/data/benchmarks.md and bench/data/benchmarks.png instead.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
criterion=1
pass=()
for arg in "$@"; do
    case "$arg" in
        --quick) quick=(--quick); pass+=(--quick) ;;
        --no-criterion) criterion=0 ;;
        *) pass+=("$arg") ;;
    esac
done
if [ ${#pass[@]} -eq 0 ]; then
    out=(--out docs/benchmarks.md --plot docs/benchmarks.png)
else
    out=(--out bench/data/benchmarks.md --plot bench/data/benchmarks.png)
fi

missing=()
for tool in cc python3 cargo abidiff abi-dumper abi-compliance-checker; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "error: missing ${missing[*]} (Debian: apt-get install abigail-tools abi-dumper abi-compliance-checker)" >&2
    exit 2
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -p abi-check
python3 bench/run.py --abi-check "$CARGO_TARGET_DIR/release/abi-check" ${pass[@]+"${pass[@]}"}
if [ "$criterion" = 1 ]; then
    rm -rf "$CARGO_TARGET_DIR/criterion/1000_functions"
    cargo bench -p abi-check --bench engine -- ${quick[@]+"${quick[@]}"}
fi
python3 bench/render.py --criterion "$CARGO_TARGET_DIR/criterion" "${out[@]}"
