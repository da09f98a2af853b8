#!/usr/bin/env bash
# Times the study's own matrix products and convolutions in each candidate library
# (OpenBLAS, BLIS, oneDNN, libxsmm), on one thread, on both kernel paths of this processor:
# the native one (each library's own choice) and AVX2 (OPENBLAS_CORETYPE=Haswell,
# BLIS_ARCH_TYPE=haswell, ONEDNN_MAX_CPU_ISA=AVX2, LIBXSMM_TARGET=hsw), alternating the two
# for --rounds rounds and keeping each measurement's best. Prints a Markdown table.
#
#     benchmarks/libraries/run.sh [--rounds 3] [--seconds 0.3]
set -euo pipefail
rounds=3
seconds=0.3
while (($#)); do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
need=()
for p in libopenblas-dev libblis-dev libdnnl-dev libxsmm-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
out="$(mktemp -d -t loom-libraries.XXXXXX)"
gcc -O2 -o "$out/shapes" "$here/shapes.c" -ldnnl /usr/lib/libxsmm.a /usr/lib/libxsmmnoblas.a -ldl -lpthread -lm
one=(env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 BLIS_NUM_THREADS=1)
for round in $(seq 1 "$rounds"); do
    echo "round $round/$rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "${one[@]}" "$out/shapes" native "$seconds" >> "$out/results.jsonl"
    "${one[@]}" OPENBLAS_CORETYPE=Haswell BLIS_ARCH_TYPE=haswell ONEDNN_MAX_CPU_ISA=AVX2 LIBXSMM_TARGET=hsw \
        "$out/shapes" avx2 "$seconds" >> "$out/results.jsonl"
done
echo "raw results: $out/results.jsonl" >&2
python3 "$here/table.py" "$out/results.jsonl"
