#!/usr/bin/env bash
# loom's speed benchmark against PyTorch: one command (`make bench` runs it), from anywhere.
#
#     benchmarks/run.sh                    # timing, 5 interleaved rounds (about 3 minutes)
#     benchmarks/run.sh --accuracy         # also 5 epochs (ref-cnn) / 10 epochs (ref-mlp) each, test accuracy
#     benchmarks/run.sh --rounds 9         # more rounds (medians steadier on a busy machine)
#     benchmarks/run.sh --models ref-mlp   # one model (ref-cnn, ref-mlp, strong-cnn; all three by default)
#     benchmarks/run.sh --no-compile       # PyTorch eager only (torch.compile runs beside it by default)
#     benchmarks/run.sh --neighbour        # also each framework's training with one core kept busy by
#                                          # another process (a shell spin loop), beside the quiet figure
#     benchmarks/run.sh --quiet 30 --max-wait 120   # (defaults) before each process, wait up to 120 s
#                                              # for the other processes' CPU use to drop below 30% of the 2 cores
#     benchmarks/run.sh --openblas-core auto   # loom with OpenBLAS's own kernel choice instead of the
#                                              # environment's OPENBLAS_CORETYPE (it matters under
#                                              # LOOM_BLAS=openblas: loom's products run in oneDNN by default)
#     benchmarks/run.sh --isa avx2         # both frameworks held to AVX2 on an AVX-512 processor, the path
#                                          # an AVX2-only CPU gets (loom: LOOM_KERNELS=avx2; PyTorch:
#                                          # ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=AVX2)
#
# What it does: builds loom-bench in release, installs PyTorch 2.13 (CPU) into benchmarks/.venv
# on first use (from /opt/wheels when a wheel is there, else from PyPI), then for each model runs
# loom and PyTorch alternately (loom, torch, loom, torch, ...) for the given number of rounds, so
# that load from other processes hits both alike. Both use the same reference model, the same
# kind of stratified 80/10/10 split of the 70,000 Fashion-MNIST images, batch 128 and 2 threads;
# each process reports the best of 2 timed runs. benchmarks/pytorch/compare.py then prints, per
# model, the median and best of the rounds, the loom/PyTorch ratios of the medians next to the
# targets, loom's share of its sgemm-bound limit, and how busy the machine was before each run.
# PyTorch's OpenMP threads spin while they wait for each other, so when other processes hold the
# cores PyTorch slows down far more than loom (ref-mlp: 20x and more at a load average of 6); the
# wait for a quiet moment keeps the comparison about the frameworks, not about the neighbours.
#
# The raw JSON lines (keys listed at the top of benchmarks/pytorch/bench.py) are kept in
# $LOOM_BENCH_RESULTS (a new temporary folder by default; its path is printed).
set -euo pipefail

rounds=5
accuracy=0
compile=1
neighbour=0
models="ref-cnn ref-mlp strong-cnn"
core=""
isa=""
quiet=30
max_wait=120
while (($#)); do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --accuracy) accuracy=1; shift ;;
        --no-compile) compile=0; shift ;;
        --neighbour) neighbour=1; shift ;;
        --models) models="$2"; shift 2 ;;
        --openblas-core) core="$2"; shift 2 ;;
        --isa) isa="$2"; shift 2 ;;
        --quiet) quiet="$2"; shift 2 ;;
        --max-wait) max_wait="$2"; shift 2 ;;
        -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option '$1' (see --help)." >&2; exit 2 ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/benchmarks/.venv"
results="${LOOM_BENCH_RESULTS:-$(mktemp -d -t loom-bench.XXXXXX)}"
mkdir -p "$results"
data="${LOOM_BENCH_DATA:-/usr/share/datasets/fashion-mnist}"

if ! "$venv/bin/python" -c "import torch, numpy, safetensors" 2>/dev/null; then
    echo "Installing PyTorch 2.13 (CPU) into $venv ..." >&2
    python3 -m venv "$venv"
    wheel="$(ls /opt/wheels/torch-2.13.0*cpu*.whl 2>/dev/null | head -n 1 || true)"
    if [[ -n "$wheel" ]]; then
        "$venv/bin/pip" install --quiet "$wheel" numpy safetensors
    else
        "$venv/bin/pip" install --quiet torch==2.13.0 numpy safetensors
    fi
fi

case "$isa" in
    "") ;;
    avx2) export LOOM_KERNELS=avx2 ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 ;;
    *) echo "run.sh: --isa takes avx2 (the widest path is the default)." >&2; exit 2 ;;
esac

echo "Building loom-bench (release) ..." >&2
swift build -c release --product loom-bench >&2
bin="$(swift build -c release --show-bin-path)"

run_loom() {
    if [[ "$core" == "auto" ]]; then
        env -u OPENBLAS_CORETYPE "$bin/loom-bench" "$@"
    elif [[ -n "$core" ]]; then
        OPENBLAS_CORETYPE="$core" "$bin/loom-bench" "$@"
    else
        "$bin/loom-bench" "$@"
    fi
}

# The share (percent) of all cores that were busy over the last second, from /proc/stat.
busy_percent() {
    local _ user nice system idle iowait irq softirq steal
    read -r _ user nice system idle iowait irq softirq steal _ < /proc/stat
    local total1=$((user + nice + system + idle + iowait + irq + softirq + steal)) idle1=$((idle + iowait))
    sleep 1
    read -r _ user nice system idle iowait irq softirq steal _ < /proc/stat
    local total2=$((user + nice + system + idle + iowait + irq + softirq + steal)) idle2=$((idle + iowait))
    echo $((100 * ((total2 - total1) - (idle2 - idle1)) / (total2 - total1 > 0 ? total2 - total1 : 1)))
}

# Waits (up to $max_wait seconds) until other processes use less than $quiet% of the cores, and
# records what it saw: "<framework> <model> <busy%> <waited s> <load average>".
wait_quiet() {
    local start=$SECONDS busy
    busy=$(busy_percent)
    while ((busy >= quiet && SECONDS - start < max_wait)); do
        sleep 2
        busy=$(busy_percent)
    done
    echo "$1 $2 $busy $((SECONDS - start)) $(cut -d' ' -f1 /proc/loadavg)" >> "$results/machine.txt"
    if ((busy >= quiet)); then echo "  (still $busy% busy after ${max_wait} s: running anyway)" >&2; fi
}

# Timed batches per run: enough for about a second of training in either framework.
batches_for() { case "$1" in ref-cnn) echo 100 ;; strong-cnn) echo 40 ;; *) echo 400 ;; esac; }

: > "$results/loom.jsonl"
: > "$results/pytorch.jsonl"
: > "$results/machine.txt"
for model in $models; do
    common=(--model "$model" --data "$data" --threads 2 --batch-size 128 --warmup 10 --batches "$(batches_for "$model")" --repeats 2)
    for round in $(seq 1 "$rounds"); do
        echo "$model round $round/$rounds: loom, then PyTorch (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
        wait_quiet loom "$model"
        run_loom "${common[@]}" >> "$results/loom.jsonl"
        wait_quiet pytorch "$model"
        "$venv/bin/python" "$root/benchmarks/pytorch/bench.py" "${common[@]}" >> "$results/pytorch.jsonl"
        if ((compile)); then
            wait_quiet pytorch-compile "$model"
            "$venv/bin/python" "$root/benchmarks/pytorch/bench.py" "${common[@]}" --compile >> "$results/pytorch.jsonl" \
                || echo "  torch.compile failed for $model (exit $?): its column stays empty" >&2
        fi
    done
done

# The same training with one core kept busy by another process: loom should lose no more than
# that core's share (the busy figure >= 40% of the quiet one).
if ((neighbour)); then
    : > "$results/neighbour.jsonl"
    for model in $models; do
        common=(--model "$model" --data "$data" --threads 2 --batch-size 128 --warmup 10 --batches "$(batches_for "$model")" --repeats 2)
        for round in $(seq 1 "$rounds"); do
            echo "$model round $round/$rounds with a busy neighbour" >&2
            wait_quiet loom-busy "$model"
            sh -c 'while :; do :; done' & spinner=$!
            run_loom "${common[@]}" --no-sgemm | sed 's/"framework": *"loom"/"framework":"loom","neighbour":true/' >> "$results/neighbour.jsonl"
            "$venv/bin/python" "$root/benchmarks/pytorch/bench.py" "${common[@]}" \
                | sed 's/"framework": *"pytorch"/"framework":"pytorch","neighbour":true/' >> "$results/neighbour.jsonl"
            kill "$spinner"; wait "$spinner" 2>/dev/null || true
        done
    done
fi

if ((accuracy)); then
    : > "$results/accuracy.jsonl"
    for model in $models; do
        epochs=$([[ "$model" == "ref-cnn" ]] && echo 5 || echo 10)
        echo "$model: $epochs epochs each for test accuracy (loom, then PyTorch) ..." >&2
        args=(--model "$model" --data "$data" --threads 2 --batch-size 128 --warmup 1 --batches 1 --repeats 1 --epochs "$epochs")
        run_loom "${args[@]}" --no-sgemm >> "$results/accuracy.jsonl"
        "$venv/bin/python" "$root/benchmarks/pytorch/bench.py" "${args[@]}" >> "$results/accuracy.jsonl"
    done
fi

echo "Raw results: $results" >&2
echo
python3 "$root/benchmarks/pytorch/compare.py" "$results"
