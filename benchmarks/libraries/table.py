"""Summarises benchmarks/libraries/shapes.c's JSON lines as a Markdown table (best of the rounds)."""
import json
import sys

best = {}
order = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    key = (r["model"], r["op"])
    if key not in order:
        order.append(key)
    cell = (key, r["path"], r["library"])
    best[cell] = max(best.get(cell, 0), r["gflops"])

libraries = ["OpenBLAS", "BLIS", "oneDNN sgemm", "libxsmm", "oneDNN conv"]
paths = sorted({p for (_, p, _) in best}, key=lambda p: p != "native")
print("GFLOP/s on one thread, best of the rounds; the fastest library of each row and path in bold.\n")
head = "| model | operation | " + " | ".join(f"{lib} ({path})" for path in paths for lib in libraries) + " |"
print(head)
print("|---|---|" + "---:|" * (len(paths) * len(libraries)))
for key in order:
    cells = []
    for path in paths:
        values = {lib: best.get((key, path, lib)) for lib in libraries}
        top = max((v for v in values.values() if v), default=None)
        for lib in libraries:
            v = values[lib]
            cells.append("" if v is None else (f"**{v:.0f}**" if v == top else f"{v:.0f}"))
    print(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")

# Per library and path: the geometric mean of each product's share of the row's best.
print()
for path in paths:
    shares = {}
    for key in order:
        values = {lib: best.get((key, path, lib)) for lib in libraries[:4]}
        top = max((v for v in values.values() if v), default=None)
        for lib, v in values.items():
            if v and top:
                shares.setdefault(lib, []).append(v / top)
    summary = ", ".join(
        f"{lib} {100 * (lambda xs: __import__('math').exp(sum(map(__import__('math').log, xs)) / len(xs)))(xs):.0f}% ({len(xs)} products)"
        for lib, xs in shares.items())
    print(f"- {path}: share of the best matrix-product library, geometric mean: {summary}")
