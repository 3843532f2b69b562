#!/usr/bin/env python3
"""Where the wasm's bytes go: twiggy's per-function table summed per crate and per keyturn module.

Usage: scripts/wasm-sizes.py [module.wasm] [--top N]
Reads the pre-wasm-opt module (target/wasm32-unknown-unknown/release/keyturn.wasm, which keeps the
name section) through `twiggy top --format csv`. A generic function is counted under the crate
that defines it, whoever instantiated it, so "leptos"/"tachys"/"reactive_graph" include the view
code keyturn's components expand into; the `<T as Trait>` form is counted under T's crate.
"""
import csv
import io
import re
import subprocess
import sys
from collections import defaultdict

DEFAULT = "target/wasm32-unknown-unknown/release/keyturn.wasm"


def owner(name: str) -> str:
    """The crate (and, for keyturn, the module) a function name belongs to."""
    n = name
    # `<A as B>::f` → A; `<&mut A as B>` → A; `core[hash]::x` → core.
    while n.startswith("<"):
        n = n[1:]
        n = re.sub(r"^(&mut |&|\*const |\*mut |dyn )", "", n)
    n = re.sub(r"\[[0-9a-f]+\]", "", n)
    head = re.split(r"::|<| as ", n, maxsplit=3)
    crate = head[0] or "?"
    if crate == "keyturn" and len(head) > 2:
        return "keyturn::" + head[1] + "::" + head[2].split("{")[0].split("(")[0]
    if crate.startswith(("core", "alloc", "std")):
        return "std (" + crate + ")"
    return crate


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    top = 40
    if "--top" in sys.argv:
        top = int(sys.argv[sys.argv.index("--top") + 1])
        args = [a for a in args if a != str(top)]
    wasm = args[0] if args else DEFAULT
    out = subprocess.run(
        ["twiggy", "top", "-n", "1000000", "--format", "csv", wasm],
        check=True, capture_output=True, text=True,
    ).stdout
    sums: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    code = 0
    for row in csv.DictReader(io.StringIO(out)):
        name, size = row["Name"], int(row["ShallowSize"])
        if name.startswith(('"function names"', "custom section", '"local names"')):
            continue  # not shipped: wasm-opt and wasm-bindgen strip them
        key = "(data) " + name if name.startswith("data segment") else owner(name)
        sums[key] += size
        counts[key] += 1
        code += size
    print(f"{'bytes':>9} {'%':>6} {'items':>6}  owner   (pre-wasm-opt, shipped sections only: {code} B)")
    for key, size in sorted(sums.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{size:>9} {100 * size / code:>6.2f} {counts[key]:>6}  {key}")


if __name__ == "__main__":
    main()
