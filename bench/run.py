#!/usr/bin/env python3
"""Runs the benchmarks of abi-check against abidiff and abi-compliance-checker.

Called by bench/run.sh, which builds abi-check first. For each size N it
generates the synthetic library (bench/gen.py) in three variants, builds each
twice (with the embedded descriptor for abi-check, with `-g -Og` for the debug
info tools), compares base -> additive and base -> breaking with every tool,
and records wall and CPU time, peak memory (the maximum resident set size of
the tool and its children) and the verdict of each run. Sizes measured with
abi-check alone build only base and breaking, without `-g`. Then it times the
loader (bench/loader) at N = 100 and 1,000. Results go to bench/data/results.json; bench/render.py
turns them into docs/benchmarks.md and docs/benchmarks.png.
"""

import argparse
import concurrent.futures
import copy
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SONAME = "libsynth.so.1"
PAIRS = ["additive", "breaking"]
MEASURE = None  # the compiled bench/measure.c, set by main()


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(cmd, cwd=None, check=True):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed ({p.returncode}):\n{p.stdout[-4000:]}")
    return p


STATS = re.compile(r"^measure: wall_ns=(\d+) user_us=(\d+) sys_us=(\d+) maxrss_kib=(\d+) "
                   r"exit=(\d+)$", re.M)


def run_once(cmd, out_path, cwd=None, timeout=None):
    """Runs `cmd` under bench/measure, output to `out_path`.

    Returns (wall seconds, CPU seconds, peak KiB, exit code), or None on a timeout.
    """
    launcher = [MEASURE, str(int(timeout or 0))]
    with open(out_path, "wb") as out:
        subprocess.run(launcher + cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=True)
    with open(out_path, "rb") as f:
        f.seek(max(0, os.path.getsize(out_path) - 4096))
        tail = f.read().decode(errors="replace")
    m = None
    for m in STATS.finditer(tail):
        pass
    if m is None:
        raise RuntimeError(f"no measurement for `{' '.join(cmd)}` in {out_path}")
    wall, user, sys_, rss, code = (int(x) for x in m.groups())
    if timeout and code == 128 + 9 and wall >= timeout * 1e9:
        return None
    return wall / 1e9, (user + sys_) / 1e6, rss, code


def measure(cmd, out_path, repeat, cwd=None, timeout=None):
    """Median wall and CPU time and the largest peak memory of `repeat` runs.

    The exit code must not vary between runs.
    """
    return measure_together([(cmd, out_path, repeat)], cwd=cwd, timeout=timeout)[0]


def measure_together(jobs, cwd=None, timeout=None):
    """`measure` for several commands, `jobs` of (cmd, out_path, repeat),
    whose runs alternate: each command's runs are spread evenly over the
    same rounds, so that a change in the machine's load (it is shared) hits
    every command alike and their ratio stays fair.
    """
    rounds = max(repeat for _, _, repeat in jobs)
    runs = [[] for _ in jobs]
    timed_out = [False] * len(jobs)
    for i in range(rounds):
        for j, (cmd, out_path, repeat) in enumerate(jobs):
            # Job j runs in the rounds where its share of runs steps up.
            if timed_out[j] or (i + 1) * repeat // rounds == i * repeat // rounds:
                continue
            r = run_once(cmd, out_path, cwd=cwd, timeout=timeout)
            if r is None:
                timed_out[j] = True
            else:
                runs[j].append(r)
    results = []
    for (cmd, _, _), job_runs, out in zip(jobs, runs, timed_out):
        if out:
            results.append({"timeout": timeout})
            continue
        codes = {r[3] for r in job_runs}
        if len(codes) != 1:
            raise RuntimeError(f"`{' '.join(cmd)}` exited with {sorted(codes)} across runs")
        results.append({
            "seconds": statistics.median(r[0] for r in job_runs),
            "seconds_min": min(r[0] for r in job_runs),
            "seconds_all": [round(r[0], 6) for r in job_runs],
            "cpu_seconds": statistics.median(r[1] for r in job_runs),
            "cpu_seconds_all": [round(r[1], 6) for r in job_runs],
            "peak_kib": max(r[2] for r in job_runs),
            "exit": job_runs[0][3],
            "runs": len(job_runs),
        })
    return results


# ------------------------------------------------------------------ machine


def machine():
    def first(path, key, sep=":"):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key) and sep in line:
                        return line.split(sep, 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    def version(cmd):
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            return p.stdout.strip().splitlines()[0] if p.stdout.strip() else "unknown"
        except OSError:
            return "not installed"

    mem_kib = first("/proc/meminfo", "MemTotal").split()[0]
    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "nproc": os.cpu_count(),
        "memory_gib": round(int(mem_kib) / 1024 / 1024, 1) if mem_kib.isdigit() else None,
        "kernel": platform.release(),
        "os": first("/etc/os-release", "PRETTY_NAME", "=").strip('"'),
        "python": platform.python_version(),
        "cc": version(["cc", "--version"]),
        "rustc": version(["rustc", "--version"]),
        "abidiff": version(["abidiff", "--version"]),
        "abi-dumper": version(["abi-dumper", "-v"]),
        "abi-compliance-checker": version(["abi-compliance-checker", "-v"]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


# ------------------------------------------------------------------ build


def build_variant(abi_check, vdir, debug_build):
    """Embeds the descriptor; returns the compile jobs and the link job of libsynth.so.

    With `debug_build`, the compile jobs include libsynth-g.so for the tools
    that read DWARF. The library's two sources compile as separate jobs so
    that the large ones run in parallel.
    """
    sh([abi_check, "embed", "desc.json", "--lang", "c", "--include", "lib.h",
        "-o", "abi_descriptor.c"], cwd=vdir)
    compiles = [["cc", "-c", "-fPIC", "-O1", "-I.", src, "-o", src.replace(".c", ".o")]
                for src in ("lib.c", "abi_descriptor.c")]
    if debug_build:
        compiles.append(["cc", "-shared", "-fPIC", "-g", "-Og", f"-Wl,-soname,{SONAME}", "-I.",
                         "lib.c", "-o", "libsynth-g.so"])
    link = ["cc", "-shared", f"-Wl,-soname,{SONAME}", "lib.o", "abi_descriptor.o",
            "-o", "libsynth.so"]
    return compiles, link


def generate_and_build(abi_check, n, ndir, variants, debug_build, jobs):
    """Generates the library and builds `variants` of it: build statistics."""
    start = time.perf_counter()
    if os.path.isdir(ndir):
        shutil.rmtree(ndir)
    sh([sys.executable, os.path.join(HERE, "gen.py"), str(n), ndir])
    compiles, links = [], []
    for v in variants:
        vdir = os.path.join(ndir, v)
        c, link = build_variant(abi_check, vdir, debug_build)
        compiles += [(vdir, cmd) for cmd in c]
        links.append((vdir, link))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for step in (compiles, links):
            for f in [pool.submit(sh, cmd, vdir) for vdir, cmd in step]:
                f.result()
    # The library matches its descriptor: every described function is exported.
    for v in variants:
        sh([abi_check, "verify", os.path.join(ndir, v, "libsynth.so")])
    sizes = {}
    for v in variants:
        vdir = os.path.join(ndir, v)
        sizes[v] = {
            "descriptor_json_bytes": os.path.getsize(os.path.join(vdir, "desc.json")),
            "so_bytes": os.path.getsize(os.path.join(vdir, "libsynth.so")),
        }
        if debug_build:
            sizes[v]["so_g_bytes"] = os.path.getsize(os.path.join(vdir, "libsynth-g.so"))
    with open(os.path.join(ndir, "base", "desc.json")) as f:
        desc = json.load(f)
    blob_len = len(subprocess.run([abi_check, "dump", os.path.join(ndir, "base", "libsynth.so"),
                                   "--format", "blob"], stdout=subprocess.PIPE,
                                  check=True).stdout)
    return {
        "seconds": time.perf_counter() - start,
        "functions": len(desc["functions"]),
        "types": len(desc["types"]),
        "structs": sum(1 for t in desc["types"] if t["kind"] == "struct"),
        "blob_bytes": blob_len,
        "files": sizes,
    }


# ------------------------------------------------------------------ verdicts


def abi_check_detects(report, changes):
    """Which of the breaking variant's changes the JSON report names."""
    paths = [f["path"] for f in report["findings"]]
    s = changes["struct_field_type"]
    return {
        "struct_field_type": any(p.startswith(f"struct `{s['struct']}`") for p in paths),
        "function_removed": any(f["rule"] == "function_removed"
                                and f["path"] == f"function `{changes['function_removed']}`"
                                for f in report["findings"]),
        "param_type": any(p.startswith(f"function `{changes['param_type']['function']}` parameter")
                          for p in paths),
    }


SUMMARY = re.compile(r"Functions changes summary: (\d+) Removed(?:\s*\([^)]*\))?, (\d+) Changed"
                     r"(?:\s*\([^)]*\))?, (\d+) Added")


def abidiff_verdict(code, text):
    """Breaking when abidiff says incompatible (bit 8) or reports removed or changed functions."""
    m = SUMMARY.search(text)
    removed, changed, added = (int(x) for x in m.groups()) if m else (0, 0, 0)
    return {
        "breaking": bool(code & 8) or removed > 0 or changed > 0,
        "removed": removed,
        "changed": changed,
        "added": added,
    }


def abidiff_detects(text, changes):
    s = changes["struct_field_type"]
    fn = changes["param_type"]["function"]
    changed_fn = re.search(r"\[C\] 'function [^']*\b" + re.escape(fn) + r"\(", text)
    return {
        "struct_field_type": f"'struct {s['struct']}'" in text,
        "function_removed": re.search(r"\[D\] 'function [^']*\b"
                                      + re.escape(changes["function_removed"]) + r"\(",
                                      text) is not None,
        "param_type": changed_fn is not None,
    }


# ------------------------------------------------------------------ tools


def bench_size(args, n, abi_only):
    ndir = os.path.join(args.data, f"N{n}")
    log(f"N = {n}: generating and building")
    # abi-check alone (the largest size) compares base -> breaking only.
    pairs = ["breaking"] if abi_only else PAIRS
    build = generate_and_build(args.abi_check, n, ndir, ["base"] + pairs, not abi_only, args.jobs)
    log(f"N = {n}: built in {build['seconds']:.1f} s ({build['blob_bytes']} byte blob)")
    with open(os.path.join(ndir, "changes.json")) as f:
        changes = json.load(f)
    out = {"n": n, "build": build, "changes": changes, "pairs": {}}
    base = os.path.join(ndir, "base")
    for pair in pairs:
        new = os.path.join(ndir, pair)
        res = {}
        # abi-check on the libraries with the embedded descriptor, abidiff on
        # those built with -g: their runs alternate.
        repeat = args.repeat_abi_check if n <= 10_000 else max(3, args.repeat_abi_check // 3)
        jobs = [([args.abi_check, os.path.join(base, "libsynth.so"),
                  os.path.join(new, "libsynth.so"), "--color", "never"],
                 os.path.join(ndir, f"abi-check-{pair}.txt"), repeat)]
        if not abi_only:
            jobs.append((["abidiff", os.path.join(base, "libsynth-g.so"),
                          os.path.join(new, "libsynth-g.so")],
                         os.path.join(ndir, f"abidiff-{pair}.txt"), args.repeat_abidiff))
        measured = measure_together(jobs, cwd=ndir, timeout=args.timeout)
        r = measured[0]
        if "timeout" in r:
            raise RuntimeError(f"abi-check timed out on N={n} {pair}")
        report_path = os.path.join(ndir, f"abi-check-{pair}.json")
        with open(report_path, "wb") as f:
            subprocess.run([args.abi_check, os.path.join(base, "libsynth.so"),
                            os.path.join(new, "libsynth.so"), "--format", "json"], stdout=f)
        if r.get("exit") not in (0, 1):
            raise RuntimeError(f"abi-check failed on N={n} {pair}: see {r}")
        with open(report_path) as f:
            report = json.load(f)
        r["breaking"] = r["exit"] == 1
        r["findings"] = len(report["findings"])
        if pair == "breaking":
            r["detects"] = abi_check_detects(report, changes)
        res["abi-check"] = r
        log(f"N = {n} {pair}: abi-check {r['seconds'] * 1000:.1f} ms, "
            f"{r['peak_kib'] / 1024:.1f} MiB, exit {r['exit']}")
        if not abi_only:
            r = measured[1]
            if "timeout" not in r:
                with open(os.path.join(ndir, f"abidiff-{pair}.txt"), errors="replace") as f:
                    text = f.read()
                if r["exit"] & 3:
                    raise RuntimeError(f"abidiff failed on N={n} {pair}:\n{text[-2000:]}")
                r.update(abidiff_verdict(r["exit"], text))
                if pair == "breaking":
                    r["detects"] = abidiff_detects(text, changes)
                log(f"N = {n} {pair}: abidiff {r['seconds']:.2f} s, "
                    f"{r['peak_kib'] / 1024:.1f} MiB, exit {r['exit']}")
            res["abidiff"] = r
            if n <= args.acc_max:
                res["abi-dumper+acc"] = bench_acc(args, ndir, base, new, pair)
        out["pairs"][pair] = res
    return out


def bench_acc(args, ndir, base, new, pair):
    """abi-dumper on both libraries, then abi-compliance-checker: one run each."""
    work = os.path.join(ndir, f"acc-{pair}")
    os.makedirs(work, exist_ok=True)
    steps = [
        ["abi-dumper", os.path.join(base, "libsynth-g.so"), "-o", "old.dump", "-lver", "1.0.0"],
        ["abi-dumper", os.path.join(new, "libsynth-g.so"), "-o", "new.dump", "-lver", "1.1.0"],
        ["abi-compliance-checker", "-l", "synth", "-old", "old.dump", "-new", "new.dump",
         "-report-path", "report.html"],
    ]
    total, cpu, peak, parts = 0.0, 0.0, 0, []
    for i, cmd in enumerate(steps):
        r = run_once(cmd, os.path.join(work, f"step{i}.txt"), cwd=work, timeout=args.timeout)
        if r is None:
            return {"timeout": args.timeout, "step": cmd[0]}
        secs, cpu_secs, kib, code = r
        if i < 2 and code != 0:
            raise RuntimeError(f"abi-dumper failed in {work}")
        total += secs
        cpu += cpu_secs
        peak = max(peak, kib)
        parts.append(round(secs, 3))
    with open(os.path.join(work, "step2.txt"), errors="replace") as f:
        text = f.read()
    if code not in (0, 1):
        raise RuntimeError(f"abi-compliance-checker failed in {work}:\n{text[-2000:]}")
    m = re.search(r"Total binary compatibility problems: (\d+)", text)
    res = {"seconds": total, "cpu_seconds": cpu, "steps_seconds": parts, "peak_kib": peak,
           "exit": code, "breaking": code == 1,
           "binary_problems": int(m.group(1)) if m else None}
    log(f"{os.path.basename(ndir)} {pair}: abi-dumper+acc {total:.2f} s, "
        f"{peak / 1024:.1f} MiB, exit {code}")
    return res


def bench_linearity(args, small, large, rounds):
    """abi-check base -> breaking at two sizes, alternating, so that a change
    in machine load hits both sizes alike."""
    runs = {small: [], large: []}
    for _ in range(rounds):
        for n in (small, large):
            ndir = os.path.join(args.data, f"N{n}")
            r = run_once([args.abi_check, os.path.join(ndir, "base", "libsynth.so"),
                          os.path.join(ndir, "breaking", "libsynth.so")],
                         os.path.join(ndir, "abi-check-linearity.txt"), cwd=ndir)
            runs[n].append({"seconds": r[0], "cpu_seconds": r[1], "peak_kib": r[2]})
    out = {"small": small, "large": large, "rounds": rounds}
    for key in ("seconds", "cpu_seconds", "peak_kib"):
        a = [r[key] for r in runs[small]]
        b = [r[key] for r in runs[large]]
        out[key] = {"small_median": statistics.median(a), "large_median": statistics.median(b),
                    "small_min": min(a), "large_min": min(b),
                    "ratio_median": statistics.median(b) / statistics.median(a),
                    "ratio_min": min(b) / min(a)}
    log(f"linearity: N = {large} costs {out['seconds']['ratio_median']:.1f}x N = {small} "
        f"(medians; {out['seconds']['ratio_min']:.1f}x fastest runs)")
    return out


# ------------------------------------------------------------------ loader


def bench_loader(args, sizes):
    """`abi_loader::Library::open` against plain `libloading::Library::new` (bench/loader)."""
    out = {"sizes": {}}
    exe = args.loader_bench
    if exe is None:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        exe = os.path.join(target, "release", "abi-loader-bench")
        p = subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "abi-loader-bench"],
                           cwd=ROOT, env=dict(os.environ, CARGO_TARGET_DIR=target),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            errors = [line for line in p.stdout.splitlines() if line.startswith("error")]
            out["error"] = errors[0] if errors else p.stdout.strip()[-500:]
            log(f"loader: not measured, bench/loader does not build: {out['error']}")
            return out
    for n in sizes:
        base = os.path.join(args.data, f"N{n}", "base")
        lib = os.path.join(base, "libsynth.so")
        if not os.path.exists(lib):
            continue
        with open(os.path.join(base, "desc.json")) as f:
            desc = json.load(f)

        def expectation(name, change):
            """Writes the library's descriptor changed by `change`."""
            changed = copy.deepcopy(desc)
            change(changed)
            path = os.path.join(base, name)
            with open(path, "w") as f:
                json.dump(changed, f)
            return path

        def context_thread(d):
            for func in d["functions"]:
                func["threading"] = "context_thread"

        # The full check: every function of the expectation is restricted to
        # the thread that made its context; the library allows any thread, a
        # compatible change that makes every fingerprint differ.
        full = expectation("expect-full.json", context_thread)
        # A host built against the previous release, which lacked the
        # library's last function: the blobs differ, the fingerprints of
        # every function the host uses match.
        matched = expectation("expect-matched.json", lambda d: d["functions"].pop())

        def one_thread(d):
            d["functions"][len(d["functions"]) // 2]["threading"] = "context_thread"

        # A host whose one function differs compatibly: only that one is
        # decoded and compared.
        one = expectation("expect-one.json", one_thread)
        p = sh([exe, lib, os.path.join(base, "desc.json"), matched, one, full,
                str(args.loader_iterations)])
        r = json.loads(p.stdout)
        out["sizes"][str(n)] = r
        log(f"loader N = {n}: plain {r['plain']['median_us']:.0f} us, "
            f"fast path {r['fast']['median_us']:.0f} us, matched {r['matched']['median_us']:.0f} us, "
            f"one item compared {r['one']['median_us']:.0f} us, "
            f"full check {r['full']['median_us']:.0f} us")
    return out


# ------------------------------------------------------------------ main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--abi-check", required=True, help="the abi-check binary (release build)")
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--quick", action="store_true",
                    help="N = 100 and 1,000 only, fewer repetitions")
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                    help="sizes compared with every tool (default 100,1000,10000)")
    ap.add_argument("--abi-check-only", type=lambda s: [int(x) for x in s.split(",") if x],
                    help="sizes measured with abi-check alone (default 100000)")
    ap.add_argument("--acc-max", type=int, default=None,
                    help="largest N for abi-dumper + abi-compliance-checker")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per peer tool run")
    ap.add_argument("--no-loader", action="store_true")
    ap.add_argument("--loader-bench", default=None,
                    help="the abi-loader-bench binary (default: built here, release build)")
    ap.add_argument("--loader-iterations", type=int, default=None,
                    help="opens of each kind per size (default 100, 20 with --quick)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    if args.sizes is None:
        args.sizes = [100, 1000] if args.quick else [100, 1000, 10_000]
    if args.abi_check_only is None:
        args.abi_check_only = [] if args.quick else [100_000]
    if args.acc_max is None:
        args.acc_max = 1000 if args.quick else 10_000
    args.repeat_abi_check = 5 if args.quick else 10
    args.repeat_abidiff = 2 if args.quick else 3
    if args.loader_iterations is None:
        args.loader_iterations = 20 if args.quick else 100
    args.abi_check = os.path.abspath(args.abi_check)
    if args.loader_bench is not None:
        args.loader_bench = os.path.abspath(args.loader_bench)
    os.makedirs(args.data, exist_ok=True)
    global MEASURE
    MEASURE = os.path.join(args.data, "measure")
    sh(["cc", "-O2", "-o", MEASURE, os.path.join(HERE, "measure.c")])

    results = {"machine": machine(), "quick": args.quick, "sizes": []}
    results["machine"]["abi-check"] = sh([args.abi_check, "--version"]).stdout.strip()
    log(f"machine: {results['machine']['cpu']}, {results['machine']['nproc']} CPUs")
    start = time.perf_counter()
    for n in args.sizes:
        results["sizes"].append(bench_size(args, n, abi_only=False))
    for n in args.abi_check_only:
        results["sizes"].append(bench_size(args, n, abi_only=True))
    if 10_000 in args.sizes and 100_000 in args.abi_check_only:
        results["linearity"] = bench_linearity(args, 10_000, 100_000, 5)
    if not args.no_loader:
        results["loader"] = bench_loader(args, [n for n in (100, 1000) if n in args.sizes])
    results["seconds"] = time.perf_counter() - start
    path = os.path.join(args.data, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    log(f"done in {results['seconds']:.0f} s; results in {path}")


if __name__ == "__main__":
    main()
