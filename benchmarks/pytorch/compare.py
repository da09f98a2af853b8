#!/usr/bin/env python3
"""Prints loom's and PyTorch's benchmark lines side by side with loom/PyTorch ratios.

Usage: compare.py LOOM.jsonl PYTORCH.jsonl

Each file holds one JSON object per line and per model, with the keys written down at the top
of bench.py (model, train_img_per_s, infer_img_per_s, peak_rss_mb, test_accuracy, ...); other
lines (progress, logs) are ignored. Only the standard library is used.
"""

import json
import sys

METRICS = (
    ("train_img_per_s", "training img/s", "higher is better"),
    ("infer_img_per_s", "inference img/s (batch 1000)", "higher is better"),
    ("peak_rss_mb", "peak RSS MiB", "lower is better"),
    ("train_seconds", "training seconds", "lower is better"),
    ("test_accuracy", "test accuracy", "higher is better"),
)


def read(path):
    results = {}
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "model" in record:
                results[record["model"]] = record
    return results


def shown(value):
    if value is None:
        return "-"
    if isinstance(value, float) and value < 1:
        return f"{value:.4f}"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def main():
    if len(sys.argv) != 3:
        raise SystemExit("Usage: compare.py LOOM.jsonl PYTORCH.jsonl")
    loom, torch = read(sys.argv[1]), read(sys.argv[2])
    models = [m for m in torch if m in loom] + [m for m in loom if m not in torch] + [m for m in torch if m not in loom]
    rows = [("model", "metric", "loom", "pytorch", "loom/pytorch", "")]
    for model in models:
        ours, theirs = loom.get(model, {}), torch.get(model, {})
        for key, name, better in METRICS:
            a, b = ours.get(key), theirs.get(key)
            if a is None and b is None:
                continue
            ratio = f"{a / b:.2f}x" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "-"
            rows.append((model, name, shown(a), shown(b), ratio, better))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |")
        if index == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    if not loom:
        print("(no loom results: loom-bench printed no JSON lines)", file=sys.stderr)


if __name__ == "__main__":
    main()
