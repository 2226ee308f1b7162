#!/usr/bin/env python3
"""Writes a synthetic C library and its descriptor, in three variants.

    python3 bench/gen.py N OUT_DIR [--seed S]

For N exported functions and about N/4 structs (with fields and parameters of
random primitive types, pointers to structs, enums, callbacks, fixed arrays
and nested structs), writes

    OUT_DIR/base/      lib.h lib.c desc.json    version 1.0.0
    OUT_DIR/additive/  lib.h lib.c desc.json    1.1.0: only additions
    OUT_DIR/breaking/  lib.h lib.c desc.json    1.1.0: a struct field changes
                                                type, a function is removed,
                                                a parameter changes type

plus OUT_DIR/changes.json, which names what the breaking variant changed.

The descriptor states x86_64 LP64 (System V) layouts. `abi-check embed
desc.json --lang c --include lib.h` turns every size, alignment, offset,
enum value and prototype it states into a `_Static_assert`, so a descriptor
that does not match the C does not build.

Only the standard library is used; the output depends only on N and the seed.
"""

import argparse
import copy
import json
import os
import random

LIB = "synth"
SONAME = "libsynth.so.1"

# name -> (C spelling, size = alignment on x86_64 LP64)
PRIMS = {
    "i8": ("int8_t", 1),
    "i16": ("int16_t", 2),
    "i32": ("int32_t", 4),
    "i64": ("int64_t", 8),
    "u8": ("uint8_t", 1),
    "u16": ("uint16_t", 2),
    "u32": ("uint32_t", 4),
    "u64": ("uint64_t", 8),
    "f32": ("float", 4),
    "f64": ("double", 8),
    "bool": ("bool", 1),
    "c_char": ("char", 1),
    "usize": ("size_t", 8),
}
PRIM_NAMES = sorted(PRIMS)
# A different-sized replacement for a primitive, for breaking changes.
WIDEN = {1: "i64", 2: "i64", 4: "i64", 8: "i16"}

TARGET = {
    "triple": "x86_64-unknown-linux-gnu",
    "pointer_width": 64,
    "endian": "little",
    "c_int": 4,
    "c_long": 8,
    "size_t": 8,
    "c_char_signed": True,
    "default_abi": "sysv64",
}


# A type reference is a tuple:
#   ("prim", name) | ("ptr", struct index, const?) | ("enum", i) | ("cb", i)
#   | ("struct", i) (by value) | ("array", prim, len) | ("void",) | ("voidptr",)


class Model:
    """The library: enums, callbacks, structs and functions, as plain data."""

    def __init__(self):
        self.version = "1.0.0"
        self.enums = []  # [(name, [variant names])]
        self.callbacks = []  # [(name, return ref, [param refs])], last param is void *
        self.structs = []  # [(name, [(field name, ref)])]
        self.functions = []  # [(symbol, return ref, [param refs])]


def rand_prim(rng):
    return ("prim", rng.choice(PRIM_NAMES))


def rand_field(rng, m, i):
    """A field type for struct `i`: by-value structs only of lower indices."""
    r = rng.random()
    if r < 0.55:
        return rand_prim(rng)
    if r < 0.70:
        return ("ptr", rng.randrange(len(m.structs_planned)), rng.random() < 0.5)
    if r < 0.78 and m.enums:
        return ("enum", rng.randrange(len(m.enums)))
    if r < 0.85 and m.callbacks:
        return ("cb", rng.randrange(len(m.callbacks)))
    if r < 0.92 and i > 0:
        return ("struct", rng.randrange(i))
    return ("array", rng.choice(["u8", "i32", "f32"]), rng.randint(2, 16))


def rand_param(rng, m):
    r = rng.random()
    if r < 0.40:
        return rand_prim(rng)
    if r < 0.75:
        return ("ptr", rng.randrange(len(m.structs)), rng.random() < 0.5)
    if r < 0.85:
        return ("enum", rng.randrange(len(m.enums)))
    if r < 0.95:
        return ("cb", rng.randrange(len(m.callbacks)))
    return ("struct", rng.randrange(len(m.structs)))


def rand_return(rng, m):
    r = rng.random()
    if r < 0.30:
        return ("void",)
    if r < 0.65:
        return rand_prim(rng)
    if r < 0.80:
        return ("enum", rng.randrange(len(m.enums)))
    return ("ptr", rng.randrange(len(m.structs)), False)


def add_enums(rng, m, count, prefix="E"):
    start = len(m.enums)
    for k in range(start, start + count):
        name = f"{prefix}{k}"
        m.enums.append((name, [f"{name}_V{v}" for v in range(rng.randint(2, 6))]))


def add_callbacks(rng, m, count, prefix="Cb"):
    start = len(m.callbacks)
    for k in range(start, start + count):
        params = [rand_prim(rng) if rng.random() < 0.6 else
                  ("ptr", rng.randrange(len(m.structs_planned)), rng.random() < 0.5)
                  for _ in range(rng.randint(0, 3))]
        ret = rng.choice([("void",), ("prim", "i32"), ("prim", "bool")])
        m.callbacks.append((f"{prefix}{k}", ret, params + [("voidptr",)]))


def add_structs(rng, m, count, prefix="S"):
    start = len(m.structs)
    m.structs_planned = list(range(start + count))
    for i in range(start, start + count):
        fields = [(f"f{j}", rand_field(rng, m, i)) for j in range(rng.randint(1, 8))]
        m.structs.append((f"{prefix}{i}", fields))


def add_functions(rng, m, count, prefix="synth_fn_"):
    start = len(m.functions)
    for k in range(start, start + count):
        params = [rand_param(rng, m) for _ in range(rng.randint(0, 5))]
        m.functions.append((f"{prefix}{k}", rand_return(rng, m), params))


def generate_base(n, seed):
    rng = random.Random(seed)
    m = Model()
    n_structs = max(2, n // 4)
    m.structs_planned = list(range(n_structs))
    add_enums(rng, m, max(2, n // 20))
    add_callbacks(rng, m, max(2, n // 20))
    add_structs(rng, m, n_structs)
    add_functions(rng, m, n)
    return m


def generate_additive(base, seed):
    """Only additions: functions, and the structs, enums and callbacks they use."""
    rng = random.Random(seed + 1)
    m = copy.deepcopy(base)
    m.version = "1.1.0"
    extra = max(4, len(base.functions) // 10)
    add_enums(rng, m, max(1, extra // 20))
    m.structs_planned = list(range(len(m.structs) + max(1, extra // 4)))
    add_callbacks(rng, m, max(1, extra // 20))
    add_structs(rng, m, max(1, extra // 4))
    add_functions(rng, m, extra, prefix="synth_new_fn_")
    return m


def generate_breaking(base, seed):
    """A struct field changes type, a function is removed, a parameter changes."""
    rng = random.Random(seed + 2)
    m = copy.deepcopy(base)
    m.version = "1.1.0"
    # The changed struct: the pointee of a pointer parameter, with a primitive field.
    candidates = []
    for sym, _, params in m.functions:
        for p in params:
            if p[0] == "ptr" and any(f[1][0] == "prim" for f in m.structs[p[1]][1]):
                candidates.append((sym, p[1]))
    via, s = rng.choice(candidates)
    name, fields = m.structs[s]
    j = next(j for j, f in enumerate(fields) if f[1][0] == "prim")
    old = fields[j][1][1]
    new = WIDEN[PRIMS[old][1]]
    fields[j] = (fields[j][0], ("prim", new))
    # The changed parameter: a primitive parameter of another function.
    with_prim = [k for k, (sym, _, params) in enumerate(m.functions)
                 if sym != via and any(p[0] == "prim" for p in params)]
    c = rng.choice(with_prim)
    sym, ret, params = m.functions[c]
    pi = next(i for i, p in enumerate(params) if p[0] == "prim")
    p_old = params[pi][1]
    p_new = WIDEN[PRIMS[p_old][1]]
    params = list(params)
    params[pi] = ("prim", p_new)
    m.functions[c] = (sym, ret, params)
    # The removed function: any other.
    others = [k for k, f in enumerate(m.functions) if f[0] not in (via, sym)]
    r = rng.choice(others)
    removed = m.functions.pop(r)[0]
    changes = {
        "struct_field_type": {"struct": name, "field": fields[j][0], "old": old, "new": new,
                              "reached_from": via},
        "function_removed": removed,
        "param_type": {"function": sym, "param": f"a{pi}", "old": p_old, "new": p_new},
    }
    return m, changes


# ---------------------------------------------------------------- layout


def layouts(m):
    """(size, align) of every struct, in index order (by-value only backwards)."""
    out = []
    for _, fields in m.structs:
        off, align = 0, 1
        for _, ref in fields:
            sz, al = size_align(ref, out)
            off = (off + al - 1) // al * al
            off += sz
            align = max(align, al)
        out.append(((off + align - 1) // align * align, align))
    return out


def size_align(ref, structs):
    kind = ref[0]
    if kind == "prim":
        s = PRIMS[ref[1]][1]
        return s, s
    if kind in ("ptr", "cb", "voidptr"):
        return 8, 8
    if kind == "enum":
        return 4, 4
    if kind == "struct":
        return structs[ref[1]]
    if kind == "array":
        s = PRIMS[ref[1]][1]
        return s * ref[2], s
    raise ValueError(ref)


def field_offsets(fields, structs):
    offs, off = [], 0
    for _, ref in fields:
        sz, al = size_align(ref, structs)
        off = (off + al - 1) // al * al
        offs.append(off)
        off += sz
    return offs


# ---------------------------------------------------------------- C


def c_type(ref, m):
    kind = ref[0]
    if kind == "prim":
        return PRIMS[ref[1]][0]
    if kind == "ptr":
        return ("const " if ref[2] else "") + m.structs[ref[1]][0] + " *"
    if kind == "enum":
        return m.enums[ref[1]][0]
    if kind == "cb":
        return m.callbacks[ref[1]][0]
    if kind == "struct":
        return m.structs[ref[1]][0]
    if kind == "void":
        return "void"
    if kind == "voidptr":
        return "void *"
    raise ValueError(ref)


def c_decl(ref, name, m):
    if ref[0] == "array":
        return f"{PRIMS[ref[1]][0]} {name}[{ref[2]}]"
    t = c_type(ref, m)
    return f"{t}{name}" if t.endswith("*") else f"{t} {name}"


def write_header(m, path):
    out = [f"/* lib{LIB} {m.version}: a synthetic library for benchmarks. */",
           "#ifndef SYNTH_H", "#define SYNTH_H", "",
           "#include <stdbool.h>", "#include <stddef.h>", "#include <stdint.h>", ""]
    for name, variants in m.enums:
        body = ", ".join(f"{v} = {i}" for i, v in enumerate(variants))
        out.append(f"typedef enum {name} {{ {body} }} {name};")
    out.append("")
    for name, _ in m.structs:
        out.append(f"typedef struct {name} {name};")
    out.append("")
    for name, ret, params in m.callbacks:
        ps = ", ".join(c_decl(p, f"p{i}", m) for i, p in enumerate(params))
        out.append(f"typedef {c_type(ret, m)} (*{name})({ps});")
    out.append("")
    for name, fields in m.structs:
        out.append(f"struct {name} {{")
        for fname, ref in fields:
            out.append(f"    {c_decl(ref, fname, m)};")
        out.append("};")
    out.append("")
    for sym, ret, params in m.functions:
        out.append(f"{c_type(ret, m)} {sym}({prototype_params(params, m)});")
    out += ["", "#endif", ""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def prototype_params(params, m):
    if not params:
        return "void"
    return ", ".join(c_decl(p, f"a{i}", m) for i, p in enumerate(params))


def write_source(m, path):
    out = ['#include "lib.h"', ""]
    for k, (sym, ret, params) in enumerate(m.functions):
        body = "".join(f" (void)a{i};" for i in range(len(params)))
        if ret[0] == "void":
            tail = ""
        elif ret[0] == "ptr":
            tail = " return 0;"
        elif ret[0] == "enum":
            tail = f" return ({c_type(ret, m)})0;"
        else:
            tail = f" return ({c_type(ret, m)}){k % 97};"
        out.append(f"{c_type(ret, m)} {sym}({prototype_params(params, m)}) {{{body}{tail} }}")
    out.append("")
    with open(path, "w") as f:
        f.write("\n".join(out))


# ---------------------------------------------------------------- descriptor


def type_ref(ref, m, table):
    """The descriptor TypeRef of `ref`, adding pointer, array and void * entries."""
    kind = ref[0]
    if kind == "prim":
        return ref[1]
    if kind == "void":
        return "void"
    if kind == "ptr":
        name = m.structs[ref[1]][0]
        mut = "const" if ref[2] else "mut"
        tid = f"*{mut} {name}"
        table.setdefault(tid, {"id": tid, "kind": "pointer", "pointee": name, "mutability": mut})
        return tid
    if kind == "voidptr":
        tid = "*mut void"
        table.setdefault(tid, {"id": tid, "kind": "pointer", "pointee": "void",
                               "mutability": "mut", "nullable": True})
        return tid
    if kind == "array":
        tid = f"[{ref[1]}; {ref[2]}]"
        table.setdefault(tid, {"id": tid, "kind": "array", "element": ref[1], "len": ref[2]})
        return tid
    if kind == "enum":
        return m.enums[ref[1]][0]
    if kind == "cb":
        return m.callbacks[ref[1]][0]
    if kind == "struct":
        return m.structs[ref[1]][0]
    raise ValueError(ref)


def descriptor(m):
    table = {}
    lay = layouts(m)
    for name, variants in m.enums:
        table[name] = {"id": name, "kind": "enum", "repr": "u32",
                       "variants": [{"name": v, "value": i} for i, v in enumerate(variants)]}
    for name, ret, params in m.callbacks:
        entry = {"id": name, "kind": "function_pointer",
                 "params": [{"name": f"p{i}", "type": type_ref(p, m, table)}
                            for i, p in enumerate(params)],
                 "user_data": len(params) - 1}
        if ret[0] != "void":
            entry["return"] = type_ref(ret, m, table)
        table[name] = entry
    for (name, fields), (size, align) in zip(m.structs, lay):
        offs = field_offsets(fields, lay)
        table[name] = {"id": name, "kind": "struct", "size": size, "align": align,
                       "fields": [{"name": fname, "type": type_ref(ref, m, table), "offset": off}
                                  for (fname, ref), off in zip(fields, offs)]}
    functions = []
    for sym, ret, params in m.functions:
        f = {"symbol": sym}
        if params:
            f["params"] = [{"name": f"a{i}", "type": type_ref(p, m, table)}
                           for i, p in enumerate(params)]
        if ret[0] != "void":
            f["return"] = type_ref(ret, m, table)
        functions.append(f)
    return {
        "format": "1.0",
        "library": {"name": LIB, "version": m.version, "soname": SONAME},
        "producer": {"language": "c", "tool": "bench/gen.py", "version": "1"},
        "target": TARGET,
        "types": sorted(table.values(), key=lambda t: t["id"].encode()),
        "functions": sorted(functions, key=lambda f: f["symbol"].encode()),
    }


def write_variant(m, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    write_header(m, os.path.join(out_dir, "lib.h"))
    write_source(m, os.path.join(out_dir, "lib.c"))
    with open(os.path.join(out_dir, "desc.json"), "w") as f:
        json.dump(descriptor(m), f, separators=(",", ":"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of exported functions")
    ap.add_argument("out", help="output directory")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.n < 8:
        ap.error("N must be at least 8")
    base = generate_base(args.n, args.seed)
    additive = generate_additive(base, args.seed)
    breaking, changes = generate_breaking(base, args.seed)
    write_variant(base, os.path.join(args.out, "base"))
    write_variant(additive, os.path.join(args.out, "additive"))
    write_variant(breaking, os.path.join(args.out, "breaking"))
    with open(os.path.join(args.out, "changes.json"), "w") as f:
        json.dump(changes, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
