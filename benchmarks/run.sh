#!/usr/bin/env bash
# One command for loom's speed benchmark against PyTorch, run from anywhere:
#
#     benchmarks/run.sh                   # timing only (a few minutes)
#     benchmarks/run.sh --epochs 5        # also train 5 epochs each and compare test accuracy
#
# It builds loom-bench in release, installs PyTorch 2.13 (CPU) into benchmarks/.venv on first
# use, runs both on the same data (Debian's dataset-fashion-mnist) with 2 threads, and prints a
# table of loom/PyTorch ratios. Arguments are passed to both benchmarks; both print one JSON
# line per model with the keys listed at the top of benchmarks/pytorch/bench.py, and both take
# the flags listed there (--model, --data, --threads, --batch-size, --warmup, --batches,
# --repeats, --epoch, --epochs, --seed). The raw lines are kept in $LOOM_BENCH_RESULTS (a new
# temporary folder by default; its path is printed). Compare numbers only within one run: machines vary a lot,
# and so does a machine whose cores are busy with something else.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/benchmarks/.venv"
results="${LOOM_BENCH_RESULTS:-$(mktemp -d -t loom-bench.XXXXXX)}"
mkdir -p "$results"
stamp="$(date +%Y%m%d-%H%M%S)"

if ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
    echo "Installing PyTorch 2.13 (CPU) into $venv ..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet torch==2.13.0 numpy \
        || "$venv/bin/pip" install --quiet torch==2.13.0 numpy --index-url https://download.pytorch.org/whl/cpu
fi

echo "Building loom-bench (release) ..." >&2
swift build -c release --product loom-bench >&2
bin="$(swift build -c release --show-bin-path)"

echo "Running loom-bench ..." >&2
"$bin/loom-bench" "$@" | tee "$results/loom-$stamp.jsonl"
echo "Running PyTorch ..." >&2
"$venv/bin/python" "$root/benchmarks/pytorch/bench.py" "$@" | tee "$results/pytorch-$stamp.jsonl"

echo
echo "Raw results: $results" >&2
python3 "$root/benchmarks/pytorch/compare.py" "$results/loom-$stamp.jsonl" "$results/pytorch-$stamp.jsonl"
