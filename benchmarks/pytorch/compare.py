#!/usr/bin/env python3
"""Prints loom's and PyTorch's benchmark results side by side, with the targets of issue 11.

Usage: compare.py RESULTS_DIR          (the folder benchmarks/run.sh fills)
       compare.py FILE.jsonl ...        (any files of JSON lines from loom-bench and bench.py)

Every JSON line with "framework" and "model" keys (see the top of bench.py) is one process's
result; other lines are ignored. Lines with "epochs" > 0 are accuracy runs; the others are timing
rounds. For each model and framework it takes the median and the best over the rounds, and the
ratios loom/PyTorch of the medians (the same rounds ran interleaved, so both saw the same load).
PyTorch's figure is its best configuration per model and metric: the better median of eager
("pytorch") and torch.compile ("pytorch-compile"); both are shown.
A folder's machine.txt (run.sh's "<framework> <model> <busy%> <waited s> <load average>" per
process: how busy the cores were just before it started) is summarised too. Only the standard library is used.
"""

import json
import os
import statistics
import sys

# (key, label, better, {model: target ratio loom/pytorch} or None)
ALL = {"ref-cnn": None, "ref-mlp": None, "strong-cnn": None}
TIMING = (
    ("train_img_per_s", "training img/s", "higher", dict.fromkeys(ALL, 1.5)),
    ("infer_img_per_s", "inference img/s (batch 1000)", "higher", dict.fromkeys(ALL, 1.5)),
    ("peak_rss_mb", "peak RSS MiB", "lower", dict.fromkeys(ALL, 0.5)),
)
ACCURACY_TARGET = {"ref-cnn": (5, 0.91), "ref-mlp": (10, 0.885)}
SGEMM_TARGET = {}
PEAK_TARGET = {"ref-cnn": 50.0}
PYTORCH = ("pytorch", "pytorch-compile")


def read_lines(paths):
    records = []
    for path in paths:
        with open(path) as handle:
            for line in handle:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "framework" in record and "model" in record:
                    records.append(record)
    return records


def values(records, framework, model, key):
    return [r[key] for r in records if r["framework"] == framework and r["model"] == model and isinstance(r.get(key), (int, float))]


def number(value, digits=1):
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def table(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def main():
    if len(sys.argv) < 2:
        raise SystemExit("Usage: compare.py RESULTS_DIR | FILE.jsonl ...")
    paths, machine = [], []
    for argument in sys.argv[1:]:
        if os.path.isdir(argument):
            paths += [os.path.join(argument, name) for name in sorted(os.listdir(argument)) if name.endswith(".jsonl")]
            machine_file = os.path.join(argument, "machine.txt")
            if os.path.exists(machine_file):
                with open(machine_file) as handle:
                    machine += [line.split() for line in handle if len(line.split()) == 5]
        else:
            paths.append(argument)
    records = read_lines(paths)
    busy = [r for r in records if r.get("neighbour")]
    records = [r for r in records if not r.get("neighbour")]
    timing = [r for r in records if not r.get("epochs")]
    accuracy = [r for r in records if r.get("epochs")]
    models = sorted({r["model"] for r in records})
    if not records:
        raise SystemExit("compare.py: no result lines found.")

    rows = [("model", "metric", "loom median (best)", "eager median (best)", "compile median (best)", "loom/best pytorch", "target", "met")]
    for model in models:
        for key, label, better, targets in TIMING:
            ours = values(timing, "loom", model, key)
            theirs = {f: values(timing, f, model, key) for f in PYTORCH}
            if not ours and not any(theirs.values()):
                continue
            pick = max if better == "higher" else min
            medians = [statistics.median(v) for v in theirs.values() if v]
            best = pick(medians) if medians else None
            ratio = statistics.median(ours) / best if ours and best else None
            target = targets.get(model) if targets else None
            met = "-" if ratio is None or target is None else ("yes" if (ratio >= target if better == "higher" else ratio <= target) else "no")
            rows.append((
                model, label,
                f"{number(statistics.median(ours))} ({number(pick(ours))})" if ours else "-",
                *(f"{number(statistics.median(v))} ({number(pick(v))})" if v else "-" for v in theirs.values()),
                f"{ratio:.2f}x" if ratio is not None else "-",
                (f">= {target}x" if better == "higher" else f"<= {target}x") if target else "",
                met))
        # loom's bfloat16 inference (precision: bf16) against PyTorch's best Float32 inference.
        reduced = values(timing, "loom", model, "infer_bf16_img_per_s")
        if reduced:
            medians = [statistics.median(v) for v in (values(timing, f, model, "infer_img_per_s") for f in PYTORCH) if v]
            ratio = statistics.median(reduced) / max(medians) if medians else None
            agreement = values(timing, "loom", model, "bf16_prediction_agreement")
            rows.append((
                model, "inference img/s, loom in bfloat16 (precision: bf16)",
                f"{number(statistics.median(reduced))} ({number(max(reduced))})", "", "",
                f"{ratio:.2f}x" if ratio is not None else "-", "", ""))
            if agreement:
                rows.append((model, "  bf16 predictions equal to FP32's (validation)",
                             f"{100 * statistics.median(agreement):.2f}%", "", "", "", "", ""))
        cpu = values(timing, "loom", model, "train_cpu_us_per_img")
        if cpu:
            rows.append((model, "loom training CPU us/img", f"{number(statistics.median(cpu))} ({number(min(cpu))})", "", "", "", "", ""))
        peak_pct = values(timing, "loom", model, "pct_of_fma_peak")
        if peak_pct:
            target = PEAK_TARGET.get(model)
            peak = values(timing, "loom", model, "fma_peak_gflops")
            rows.append((
                model, f"loom training % of FP32 FMA peak ({number(statistics.median(peak))} GFLOP/s)",
                f"{number(statistics.median(peak_pct))} ({number(max(peak_pct))})", "", "", "",
                f">= {target:.0f}%" if target else "", ("yes" if statistics.median(peak_pct) >= target else "no") if target else ""))
        pct = values(timing, "loom", model, "pct_of_sgemm_bound")
        if pct:
            target = SGEMM_TARGET.get(model)
            bound = values(timing, "loom", model, "sgemm_bound_img_per_s")
            rows.append((
                model, f"loom % of sgemm-bound ({number(statistics.median(bound))} img/s)",
                f"{number(statistics.median(pct))} ({number(max(pct))})", "", "", "",
                f">= {target:.0f}%" if target else "", ("yes" if statistics.median(pct) >= target else "no") if target else ""))
        pct_cpu = values(timing, "loom", model, "pct_of_sgemm_bound_cpu")
        if pct_cpu:
            rows.append((model, "  same, in CPU time", f"{number(statistics.median(pct_cpu))} ({number(max(pct_cpu))})", "", "", "", "", ""))
        for framework in ("loom", "pytorch"):
            loaded, quiet = values(busy, framework, model, "train_img_per_s"), values(timing, framework, model, "train_img_per_s")
            if loaded and quiet:
                share = statistics.median(loaded) / statistics.median(quiet)
                rows.append((
                    model, f"{framework} training img/s, one core busy (share of quiet)",
                    f"{number(statistics.median(loaded))} ({100 * share:.0f}%)" if framework == "loom" else "",
                    f"{number(statistics.median(loaded))} ({100 * share:.0f}%)" if framework == "pytorch" else "", "", "",
                    ">= 40%" if framework == "loom" else "", ("yes" if share >= 0.4 else "no") if framework == "loom" else ""))
        for framework in ("loom", "pytorch"):
            for record in (r for r in accuracy if r["framework"] == framework and r["model"] == model):
                epochs, goal = ACCURACY_TARGET.get(model, (None, None))
                value = record.get("test_accuracy")
                if record.get("test_accuracy_bf16") is not None:
                    rows.append((model, f"loom test accuracy with bfloat16 inference, {record['epochs']} epochs",
                                 f"{record['test_accuracy_bf16']:.4f}", "", "", "", "", ""))
                rows.append((
                    model, f"{framework} test accuracy, {record['epochs']} epochs ({number(record.get('train_seconds'))} s)",
                    f"{value:.4f}" if framework == "loom" and value is not None else "",
                    f"{value:.4f}" if framework == "pytorch" and value is not None else "", "", "",
                    f">= {goal}" if framework == "loom" and goal and record["epochs"] == epochs else "",
                    ("yes" if value >= goal else "no") if framework == "loom" and goal and record["epochs"] == epochs and value is not None else ""))
    print(table(rows))

    rounds = {m: len(values(timing, "loom", m, "train_img_per_s")) for m in models}
    cores = sorted({r.get("openblas_core") for r in timing if r["framework"] == "loom" and r.get("openblas_core")})
    shapes = {}
    for record in timing:
        if record["framework"] == "loom" and record["model"] == "ref-cnn" and record.get("sgemm_gflops"):
            for name, rate in record["sgemm_gflops"].items():
                shapes.setdefault(name, []).append(rate)
    print()
    print(f"Rounds per model: {', '.join(f'{m} {n}' for m, n in rounds.items())}; each value is one process's best of its timed runs.")
    if cores:
        print(f"loom's OpenBLAS kernels: {', '.join(cores)}.")
    products = sorted({r.get("matrix_kernels") for r in timing if r["framework"] == "loom" and r.get("matrix_kernels")})
    if products:
        print(f"loom's matrix products: {', '.join(products)}.")
    for framework in ("loom",) + PYTORCH:
        kinds = sorted({r.get("kernels") for r in timing if r["framework"] == framework and r.get("kernels")})
        if kinds:
            print(f"{framework} kernel path: {', '.join(kinds)}.")
    flops = values(timing, "loom", "ref-cnn", "train_flops_per_img")
    if flops and shapes:
        rates = ", ".join(f"{name} {statistics.median(r):.0f}" for name, r in shapes.items())
        print(f"ref-cnn sgemm-bound limit: {flops[0] / 1e6:.1f} MFLOP of matrix products per training image (im2col), "
              f"at the GFLOP/s loom's sgemm reached on the model's shapes in the same rounds (medians: {rates}).")
    if machine:
        busy = [int(row[2]) for row in machine]
        waited = [int(row[3]) for row in machine]
        loads = [float(row[4]) for row in machine]
        print(f"Other processes' CPU use just before each run: median {statistics.median(busy):.0f}%, max {max(busy)}% of the 2 cores "
              f"(waited {sum(waited)} s in all for quiet moments); 1-minute load average then: "
              f"min {min(loads):.2f}, median {statistics.median(loads):.2f}, max {max(loads):.2f}.")


if __name__ == "__main__":
    main()
