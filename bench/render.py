#!/usr/bin/env python3
"""Writes docs/benchmarks.md and docs/benchmarks.png from the results of bench/run.py.

    python3 bench/render.py [--results bench/data/results.json]
                            [--criterion target/criterion] [--analysis bench/analysis.md]
                            [--out docs/benchmarks.md] [--plot docs/benchmarks.png | --no-plot]

The plot needs matplotlib; without it, the renderer tries `pip install --user
matplotlib` once, and if that fails too it writes the tables without a plot.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# The targets of the benchmark (docs/benchmarks.md, "Targets").
SPEEDUP_TARGET = 100  # abi-check at least this many times faster than abidiff at N = 10,000
MEMORY_TARGET = 0.2  # and at most this fraction of abidiff's peak memory
LINEAR_TARGET = 12  # N = 100,000 costs at most this many times N = 10,000
LOADER_FAST_TARGET = 0.05  # the fast path adds at most 5 % to a plain open
LOADER_FULL_TARGET_US = 1000  # the full check of 1,000 functions stays under 1 ms

CRITERION_BENCHES = [
    ("decode_cbor", "decode canonical CBOR"),
    ("decode_blob", "decode a blob (header, SHA-256 of the body, CBOR)"),
    ("validate", "validate"),
    ("decode_blob_and_validate", "decode a blob and validate"),
    ("encode_canonical", "canonical encode (`to_cbor`)"),
    ("canonicalize", "sort into canonical table order"),
    ("fingerprint", "the descriptor's fingerprint (`fingerprint`)"),
    ("fingerprints", "fingerprints (descriptor and every item)"),
    ("diff_identical", "`compare`: identical descriptors"),
    ("diff_additive", "`compare`: base -> additive"),
    ("diff_breaking", "`compare`: base -> breaking"),
    ("host_check_fingerprints_match", "`HostExpectation::check`: item fingerprints match, no comparison"),
    ("host_check_full", "`HostExpectation::check`: every function compared (loader full check)"),
]


def fmt_time(seconds):
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def fmt_n(n):
    return f"{n:,}"


def verdict(r):
    if r is None:
        return "not run"
    if "timeout" in r:
        return f"timed out ({r['timeout']:.0f} s)"
    return "breaking" if r["breaking"] else "compatible"


def met(ok):
    return "**met**" if ok else "**missed**"


def signed_pct(x):
    """A relative change as `+12 %` or `−3 %`."""
    return f"{'+' if x >= 0 else '−'}{abs(x) * 100:,.0f} %"


def sizes_by_n(results):
    return {s["n"]: s for s in results["sizes"]}


def tool(size, pair, name):
    return size["pairs"].get(pair, {}).get(name)


def ratio(a, b, key):
    if not a or not b or key not in a or key not in b or not a[key]:
        return None
    return b[key] / a[key]


def fmt_ratio(x, digits=0):
    return "n/a" if x is None else f"{x:.{digits}f}×"


# ---------------------------------------------------------------- tables


def machine_section(m):
    rows = [
        ("CPU", f"{m['cpu']}, {m['nproc']} logical CPUs"),
        ("memory", f"{m['memory_gib']} GiB"),
        ("OS, kernel", f"{m['os']}, Linux {m['kernel']}"),
        ("compiler", m["cc"]),
        ("Rust", m["rustc"]),
        ("abi-check", m["abi-check"]),
        ("abidiff", m["abidiff"]),
        ("abi-dumper", m["abi-dumper"]),
        ("abi-compliance-checker", m["abi-compliance-checker"]),
        ("Python", m["python"]),
        ("run", m["date"]),
    ]
    out = ["| | |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(out)


def workload_table(results):
    out = ["| N | functions | types | structs | blob | `.so` (descriptor) | `.so` (`-g`) | "
           "generate + build |",
           "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in results["sizes"]:
        b = s["build"]
        g = b["files"]["base"].get("so_g_bytes")
        out.append(f"| {fmt_n(s['n'])} | {fmt_n(b['functions'])} | {fmt_n(b['types'])} | "
                   f"{fmt_n(b['structs'])} | {b['blob_bytes'] / 1024:,.0f} KiB | "
                   f"{b['files']['base']['so_bytes'] / 1024:,.0f} KiB | "
                   f"{'—' if g is None else f'{g / 1024:,.0f} KiB'} | {b['seconds']:.0f} s |")
    return "\n".join(out)


def comparison_table(results):
    out = ["| N | pair | tool | wall time: median (fastest) | CPU time (median) | peak memory | verdict | "
           "abidiff / abi-check: time | memory |",
           "| ---: | --- | --- | ---: | ---: | ---: | --- | ---: | ---: |"]
    for s in results["sizes"]:
        for pair in ("additive", "breaking"):
            a = tool(s, pair, "abi-check")
            d = tool(s, pair, "abidiff")
            for name in ("abi-check", "abidiff", "abi-dumper+acc"):
                r = tool(s, pair, name)
                if r is None:
                    continue
                if "timeout" in r:
                    out.append(f"| {fmt_n(s['n'])} | {pair} | {name} | — | — | — | "
                               f"{verdict(r)} | | |")
                    continue
                t_ratio = m_ratio = ""
                if name == "abi-check" and d and "timeout" not in d:
                    t_ratio = fmt_ratio(ratio(a, d, "seconds"))
                    m_ratio = fmt_ratio(ratio(a, d, "peak_kib"), 1)
                elif name == "abi-dumper+acc":
                    t_ratio = fmt_ratio(ratio(a, r, "seconds")) + " (acc)"
                    m_ratio = fmt_ratio(ratio(a, r, "peak_kib"), 1) + " (acc)"
                runs = (f" (fastest {fmt_time(r['seconds_min'])}, {r['runs']} runs)"
                        if r.get("runs", 1) > 1 else "")
                out.append(f"| {fmt_n(s['n'])} | {pair} | {name} | {fmt_time(r['seconds'])}{runs} | "
                           f"{fmt_time(r.get('cpu_seconds'))} | {fmt_mib(r['peak_kib'])} | "
                           f"{verdict(r)} | {t_ratio} | {m_ratio} |")
    return "\n".join(out)


def agreement(results):
    """Every pair: do the verdicts agree, and which injected changes each tool names."""
    lines = []
    disagreements = []
    for s in results["sizes"]:
        for pair in ("additive", "breaking"):
            expected = pair == "breaking"
            for name in ("abi-check", "abidiff", "abi-dumper+acc"):
                r = tool(s, pair, name)
                if r is None or "timeout" in r:
                    continue
                if r["breaking"] != expected:
                    disagreements.append(f"N = {fmt_n(s['n'])}, {pair}: {name} says "
                                         f"{verdict(r)}, expected {'breaking' if expected else 'compatible'}")
    out = ["| N | abi-check: struct field / removed function / parameter | "
           "abidiff: struct field / removed function / parameter |",
           "| ---: | --- | --- |"]
    for s in results["sizes"]:
        cells = []
        for name in ("abi-check", "abidiff"):
            r = tool(s, "breaking", name)
            if r is None or "detects" not in r:
                cells.append("—")
                continue
            d = r["detects"]
            cells.append(" / ".join("found" if d[k] else "**not found**"
                                    for k in ("struct_field_type", "function_removed",
                                              "param_type")))
        out.append(f"| {fmt_n(s['n'])} | {cells[0]} | {cells[1]} |")
    if disagreements:
        lines.append("Disagreements:\n")
        lines += [f"- {d}" for d in disagreements]
    else:
        lines.append("Every tool gave the expected verdict on every pair it ran: *compatible* for "
                     "base -> additive, *breaking* for base -> breaking; no disagreement.")
    lines.append("")
    lines.append("Which of the three injected changes each report names (base -> breaking):")
    lines.append("")
    lines += out
    return "\n".join(lines)


def loader_table(results):
    lo = results.get("loader")
    if not lo:
        return "Not measured in this run (`--no-loader`).", {}
    if "error" in lo:
        return f"Not measured: `bench/loader` does not build (`{lo['error']}`).", {}
    out = ["| N | plain `libloading::Library::new` | `abi_loader::Library::open`: fast path | "
           "added | items unchanged | added | one item compared | added | "
           "every item compared | added |",
           "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    measured = {}
    for n, r in sorted(lo["sizes"].items(), key=lambda kv: int(kv[0])):
        plain, fast, matched, one, full = (r[k]["median_us"] if k in r else None
                                           for k in ("plain", "fast", "matched", "one", "full"))
        measured[int(n)] = (plain, fast, full, r)

        def cell(t):
            if t is None:
                return "— | —"
            return f"{t:,.0f} µs | {signed_pct((t - plain) / plain)}"
        out.append(f"| {fmt_n(int(n))} | {plain:,.0f} µs | {cell(fast)} | {cell(matched)} | "
                   f"{cell(one)} | {cell(full)} |")
    notes = []
    for n, (_, _, _, r) in measured.items():
        paths = ("fast_path_taken", "matched_taken", "one_taken", "full_check_taken")
        if not all(r.get(k, True) for k in paths):
            notes.append(f"At N = {fmt_n(n)} the loader did not take the intended path ("
                         + ", ".join(f"{k.replace('_', ' ')}: {r.get(k)}" for k in paths) + ").")
    iters = next(iter(lo["sizes"].values()))["plain"]["iterations"] if lo["sizes"] else 0
    text = "\n".join(out)
    text += (f"\n\nMedian of {iters} opens each (every open followed by a close, so that each open "
             "loads the file again; the kinds of open alternate).")
    split = [(int(n), r) for n, r in sorted(lo["sizes"].items(), key=lambda kv: int(kv[0]))
             if "fast_check" in r and "hot" in r]
    if split:
        hot_iters = split[0][1]["hot"]["plain"]["iterations"]
        rows = ["| N | check | fast-path open | plain open | check | fast-path open | plain open "
                "| added |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

        def med(x):
            return x["median_us"]

        for n, r in split:
            h = r["hot"]
            rows.append(f"| {fmt_n(n)} | {med(r['fast_check']):,.0f} µs | {med(r['fast']):,.0f} µs "
                        f"| {med(r['plain']):,.0f} µs | {med(h['fast_check']):,.0f} µs "
                        f"| {med(h['fast']):,.0f} µs | {med(h['plain']):,.0f} µs "
                        f"| {signed_pct((med(h['fast']) - med(h['plain'])) / med(h['plain']))} |")
        text += ("\n\nWhere the fast path's time goes: the check before `dlopen` (reading the "
                 "file's headers and blob and comparing the blob; the rest of the open is "
                 "`dlopen` itself and the call of `_abi_descriptor()`), in the loop above (first "
                 "three columns) and in a second loop of plain and fast-path opens only (last "
                 "four), where nothing evicts the file's pages and the expectation's blob from "
                 f"the CPU caches between opens. Medians of {iters} and {hot_iters} opens.\n\n"
                 + "\n".join(rows))
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text, measured


def criterion_table(criterion_dir):
    group = os.path.join(criterion_dir, "1000_functions")
    rows = []
    for bench, label in CRITERION_BENCHES:
        path = os.path.join(group, bench, "new", "estimates.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            est = json.load(f)
        point = est["median"]["point_estimate"] / 1e9
        lo = est["median"]["confidence_interval"]["lower_bound"] / 1e9
        hi = est["median"]["confidence_interval"]["upper_bound"] / 1e9
        rows.append((bench, label, point, lo, hi))
    if not rows:
        return "Not measured in this run.", {}
    out = ["| benchmark | what | median | 95 % interval |", "| --- | --- | ---: | ---: |"]
    for bench, label, point, lo, hi in rows:
        out.append(f"| `{bench}` | {label} | {fmt_time(point)} | {fmt_time(lo)} – {fmt_time(hi)} |")
    return "\n".join(out), {b: p for b, _, p, _, _ in rows}


# ---------------------------------------------------------------- targets


def targets(results, loader, crit):
    by_n = sizes_by_n(results)
    rows = []
    s10 = by_n.get(10_000)
    if s10:
        a = tool(s10, "breaking", "abi-check")
        d = tool(s10, "breaking", "abidiff")
        if a and d and "timeout" not in d:
            speed = ratio(a, d, "seconds")
            cpu = ratio(a, d, "cpu_seconds")
            fastest = ratio(a, d, "seconds_min")
            mem = a["peak_kib"] / d["peak_kib"]
            rows.append((f"N = 10,000: abi-check ≥ {SPEEDUP_TARGET}× faster than abidiff "
                         "(base -> breaking)",
                         f"{speed:.0f}× wall time, {cpu:.0f}× CPU time (medians: "
                         f"{fmt_time(a['seconds'])} against {fmt_time(d['seconds'])}), "
                         f"{fastest:.0f}× on the fastest runs",
                         met(speed >= SPEEDUP_TARGET)))
            rows.append((f"N = 10,000: abi-check peak memory ≤ {MEMORY_TARGET:g} of abidiff's",
                         f"{mem:.3f} ({fmt_mib(a['peak_kib'])} against {fmt_mib(d['peak_kib'])})",
                         met(mem <= MEMORY_TARGET)))
    lin = results.get("linearity")
    if lin:
        x = lin["seconds"]["ratio_median"]
        xc = lin["cpu_seconds"]["ratio_median"]
        xf = lin["seconds"]["ratio_min"]
        xm = lin["peak_kib"]["ratio_median"]
        verdicts = [v <= LINEAR_TARGET for v in (x, xc, xf)]
        if all(verdicts):
            judged = met(True)
        elif not any(verdicts):
            judged = met(False)
        else:
            judged = "**borderline**"
        rows.append((f"N = 100,000 costs ≤ {LINEAR_TARGET}× N = 10,000 (abi-check, base -> "
                     f"breaking; {lin['rounds']} alternating runs of each)",
                     f"{x:.1f}× wall time, {xc:.1f}× CPU time (medians), {xf:.1f}× on the "
                     f"fastest runs; {xm:.1f}× peak memory",
                     judged))
    if 1000 in loader or 100 in loader:
        for n in sorted(loader):
            r = loader[n][3]
            # The median, the mean and the fastest open: a verdict that
            # differs between them is noise, not a result.
            added = {stat: r["fast"][f"{stat}_us"] / r["plain"][f"{stat}_us"] - 1
                     for stat in ("median", "mean", "min")}
            verdicts = [a <= LOADER_FAST_TARGET for a in added.values()]
            judged = (met(True) if all(verdicts) else met(False) if not any(verdicts)
                      else "**borderline**")
            rows.append((f"N = {fmt_n(n)}: loader fast path adds ≤ {LOADER_FAST_TARGET:.0%} "
                         "to a plain open",
                         f"{signed_pct(added['median'])} on the medians "
                         f"({r['fast']['median_us']:,.0f} µs against "
                         f"{r['plain']['median_us']:,.0f} µs), {signed_pct(added['mean'])} on "
                         f"the means, {signed_pct(added['min'])} on the fastest opens",
                         judged))
        if 1000 in loader:
            plain, _, full, r = loader[1000]
            check = full - plain
            extra = ""
            if "matched" in r:
                extra = (f"; {(r['matched']['median_us'] - plain) / 1000:,.1f} ms when the "
                         "items the host uses are unchanged (nothing compared)")
            if "host_check_full" in crit:
                extra += (f"; `HostExpectation::check` alone, in memory, on the micro "
                         f"benchmarks' 1,000-function descriptor: "
                         f"{fmt_time(crit['host_check_full'])}")
            if "one" in r:
                one = r["one"]["median_us"] - plain
                rows.append(("N = 1,000: the loader's full check < 1 ms, one item differing",
                             f"{one / 1000:,.2f} ms over a plain open: the blob skimmed, the "
                             "item that differs decoded, validated and compared, the other "
                             "999 found unchanged",
                             met(one < LOADER_FULL_TARGET_US)))
            rows.append(("N = 1,000: the loader's full check < 1 ms, every item differing",
                         f"{check / 1000:,.1f} ms over a plain open, every item compared{extra}",
                         met(check < LOADER_FULL_TARGET_US)))
    else:
        rows.append(("loader targets", "not measured in this run", "—"))
    out = ["| target | measured | |", "| --- | --- | --- |"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(out)


# ---------------------------------------------------------------- plot


def have_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        pass
    print("render: matplotlib is missing; trying `pip install --user matplotlib`", file=sys.stderr)
    p = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--user", "matplotlib"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if p.returncode != 0:
        return False
    import importlib
    import site
    importlib.invalidate_caches()
    site.addsitedir(site.getusersitepackages())
    try:
        import matplotlib  # noqa: F401,F811
        return True
    except ImportError:
        return False


def plot(results, path):
    if not have_matplotlib():
        print("render: no matplotlib, no plot", file=sys.stderr)
        return False
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {"abi-check": ("tab:blue", "o"), "abidiff": ("tab:red", "s"),
              "abi-dumper+acc": ("tab:gray", "^")}
    for name, (color, marker) in styles.items():
        for pair, line in (("breaking", "-"), ("additive", ":")):
            pts = [(s["n"], tool(s, pair, name)) for s in results["sizes"]]
            pts = [(n, r) for n, r in pts if r and "timeout" not in r]
            if not pts:
                continue
            ns = [n for n, _ in pts]
            ax_t.plot(ns, [r["seconds"] for _, r in pts], line, color=color, marker=marker,
                      label=f"{name}, base → {pair}")
            if pair == "breaking":
                ax_m.plot(ns, [r["peak_kib"] / 1024 for _, r in pts], line, color=color,
                          marker=marker, label=name)
    for ax, title, ylabel in ((ax_t, "Wall time (median)", "seconds"),
                              (ax_m, "Peak memory (base → breaking)", "MiB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("exported functions (N)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    ax_t.legend(fontsize=7)
    ax_m.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default=os.path.join(HERE, "data", "results.json"))
    ap.add_argument("--criterion", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "criterion"))
    ap.add_argument("--analysis", default=os.path.join(HERE, "analysis.md"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--plot", default=os.path.join(ROOT, "docs", "benchmarks.png"))
    ap.add_argument("--no-plot", action="store_true", help="write the tables only")
    args = ap.parse_args()
    with open(args.results) as f:
        results = json.load(f)

    loader_text, loader = loader_table(results)
    crit_text, crit = criterion_table(args.criterion)
    plotted = False if args.no_plot else plot(results, args.plot)
    analysis = ""
    if os.path.exists(args.analysis):
        with open(args.analysis) as f:
            analysis = f.read().strip() + "\n"

    m = results["machine"]
    build_minutes = sum(size["build"]["seconds"] for size in results["sizes"]) / 60
    quick = " (`--quick`: a reduced set)" if results.get("quick") else ""
    doc = f"""# Benchmarks

<!-- Written by bench/render.py from bench/data/results.json; edit bench/analysis.md
     or the renderer, then run bench/run.sh. -->

How `abi-check OLD NEW` compares with `abidiff` (libabigail) and with
`abi-dumper` + `abi-compliance-checker` on the same pairs of libraries, how
much `abi_loader::Library::open` adds to a plain `dlopen`, and what the
engine's parts cost. Every number below was measured by one run of

```sh
bench/run.sh            # everything
bench/run.sh --quick    # N = 100 and 1,000 only, fewer repetitions (to bench/data/)
```

on the machine below{quick}. This run took {results['seconds'] / 60:.0f} minutes, {build_minutes:.0f} of
them generating and compiling the libraries, plus building abi-check and the
criterion benchmarks. The script builds `abi-check` (release),
generates and builds the libraries, runs every tool, runs the criterion
benchmarks (`cargo bench -p abi-check --bench engine`) and writes this file
and `docs/benchmarks.png`. It needs `cc`, `python3`, `abidiff` (Debian
package `abigail-tools`), `abi-dumper` and `abi-compliance-checker`. The
test suite runs the same scripts at N = 100 (`tests/integration/bench.rs`):
the libraries build, every tool gives the expected verdicts, each change of
the breaking variant is reported, the loader benchmark takes each path it
times, and this page renders.

## Machine

{machine_section(m)}

The machine is shared, so times carry noise; repeated runs of the same command differ by up to a half, in
two modes (with and without a busy neighbour). Each tool's time is the
median of several runs, with the fastest run and the CPU time (user +
system, of the process and its children) next to it. On each pair the runs
of `abi-check` and `abidiff` alternate, spread over the same stretch of
time, so that a change of mode hits both alike.

## Workload

`bench/gen.py N DIR` writes a synthetic C library: N exported functions with
0 to 5 parameters and about N/4 structs of 1 to 8 fields, of random primitive
types, pointers to structs (`const` or not), enums, callbacks
(function-pointer typedefs with a user-data parameter), fixed arrays and
nested structs; N/20 enums and N/20 callback types. It writes the header, the
source and the descriptor (JSON, x86_64 System V layouts computed by the
generator) in three variants:

- **base**, version 1.0.0;
- **additive**, 1.1.0: N/10 more functions and the structs, enums and
  callbacks they use, nothing else changed;
- **breaking**, 1.1.0: one struct reached from a function's pointer
  parameter has a field's type changed (so its size or layout changes), one
  function is removed, one function has a parameter's type changed.

Each variant is built twice: `abi-check embed desc.json --lang c --include
lib.h` and `cc -shared -fPIC -O1 lib.c abi_descriptor.c` for abi-check (the
embedded file's `_Static_assert`s check every size, alignment, offset, enum
value and prototype the descriptor states, so the build proves that the
descriptor describes the C; `abi-check verify` then checks that every
described function is exported), and `cc -shared -fPIC -g -Og lib.c` for the
tools that read DWARF. abi-check compares the first pair of files, the other
tools the second. At N = 100,000 abi-check runs alone, on base -> breaking,
so only those two variants are built, without `-g`.

{workload_table(results)}

## abi-check against abidiff and abi-compliance-checker

`abi-check base.so new.so` against `abidiff base.so new.so`, and against
`abi-dumper` on both libraries followed by `abi-compliance-checker` (one run
each, times and peak memories of the three steps combined; the ratio columns
of its rows compare it with abi-check). Times include process start-up. Peak
memory is the largest resident set size of the process and its children
(`wait4`, through `bench/measure.c`, which forks from a 1 MiB process so that
the figure is the tool's own).

{comparison_table(results)}

{"![Wall time and peak memory against N](benchmarks.png)" if plotted else "(No plot: " + ("`--no-plot`." if args.no_plot else "matplotlib was not available.") + ")"}

### Verdicts

abi-check's verdict is its exit status (1: incompatible with the 1.0.0 ->
1.1.0 version bump). abidiff's is *breaking* when it sets the
"incompatible change" bit of its exit status or reports removed or changed
functions (it sets only the "ABI change" bit for a changed struct or
parameter type, and for added functions). abi-compliance-checker's is its
exit status.

{agreement(results)}

## Loader

`abi_loader::Library::open` against `libloading::Library::new` on the same
file (the base library), from `bench/loader`. The fast path opens it with its
own descriptor as the host's expectation, so the library embeds exactly the
expectation's blob: the loader reads the ELF headers, looks the blob symbol
up in the GNU hash table and compares the blob byte for byte, and decodes
nothing. The three other opens check it in full. With items unchanged, the
expectation is that of a host built against the previous release, which
lacked the library's last function: the blobs differ, so the library's
blob is hashed and stepped over, its entries are compared byte for byte
with the expectation's, and the exports of the host's items are checked;
every function the host uses has the host's fingerprint, and nothing is
decoded or compared. With one item compared, the expectation restricts one
function to its context's thread, a compatible difference that makes that
function's fingerprint differ: that function and what it reaches are also
decoded, validated and compared with the expectation. With every item
compared, the expectation restricts every function so: every fingerprint
differs, and every item the host uses is decoded and compared.

{loader_text}

## Engine micro benchmarks

`cargo bench -p abi-check --bench engine` (criterion) on a synthetic
descriptor of 1,000 functions and 250 structs built in the benchmark
(`checker/benches/engine.rs`), shaped like the generator's.

{crit_text}

## Targets

{targets(results, loader, crit)}

{analysis}"""
    with open(args.out, "w") as f:
        f.write(doc)
    print(f"render: wrote {args.out}" + (f" and {args.plot}" if plotted else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
