#!/usr/bin/env bash
# notebooks/cnn.md's final CNN recipe in loom and in PyTorch 2.13, one after the other on this
# machine: the same network, official 60,000/10,000 protocol, augmentation (flip 0.5, shift 2),
# AdamW 0.002 / 0.01, plateau schedule on the validation loss, early stopping on the validation
# macro-F1 (patience 4, best weights restored), batch 128, 2 threads. Prints both runs' epochs,
# kept epoch, training time and test accuracy (plain and with test-time flips).
#
#     benchmarks/recipe.sh                  # 20 epochs at most, seed 0 (about 10-25 minutes each)
#     benchmarks/recipe.sh --epochs 2       # a quick look
#     benchmarks/recipe.sh --seed 1
#
# loom runs benchmarks/recipe/final.md (the notebook's cells) with its own temporary cache, so
# nothing comes from an earlier run; PyTorch runs benchmarks/pytorch/recipe.py in benchmarks/.venv
# (benchmarks/run.sh installs it). Raw results: $LOOM_RECIPE_RESULTS (a temporary folder by default).
set -euo pipefail
epochs=20
seed=0
while (($#)); do
    case "$1" in
        --epochs) epochs="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "recipe.sh: unknown option '$1' (see --help)." >&2; exit 2 ;;
    esac
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/benchmarks/.venv"
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
    echo "recipe.sh: PyTorch is not in $venv; run benchmarks/run.sh once to install it." >&2
    exit 1
fi
results="${LOOM_RECIPE_RESULTS:-$(mktemp -d -t loom-recipe.XXXXXX)}"
mkdir -p "$results"
swift build -c release --product loom >&2
loom="$(swift build -c release --show-bin-path)/loom"

echo "loom: benchmarks/recipe/final.md, at most $epochs epochs, seed $seed ..." >&2
"$loom" run benchmarks/recipe/final.md --threads 2 --cache "$results/cache.sqlite" --out "$results/outputs" \
    -p "epochs=$epochs" -p "seed=$seed" >&2
"$loom" runs benchmarks/recipe/final.md --json --limit 1 --cache "$results/cache.sqlite" > "$results/loom.json"
echo "PyTorch: benchmarks/pytorch/recipe.py, at most $epochs epochs, seed $seed ..." >&2
"$venv/bin/python" benchmarks/pytorch/recipe.py --epochs "$epochs" --seed "$seed" --threads 2 > "$results/pytorch.json"

python3 - "$results" <<'PY'
import json, sys
folder = sys.argv[1]
run = json.load(open(f"{folder}/loom.json"))[0]
facts = {(c.get("name"), f["name"]): f["value"] for c in run["cells"] for f in c["facts"]}
loom = {
    "epochs": facts[("final", "epochs")], "kept_epoch": facts.get(("final", "kept-epoch"), facts[("final", "epochs")]),
    "train_seconds": facts[("final", "seconds")], "test_accuracy": facts[("official-test", "accuracy")],
    "test_accuracy_flip": facts[("official-flip", "accuracy")], "test_macro_f1": facts[("official-test", "macro-f1")],
}
torch = json.loads(open(f"{folder}/pytorch.json").read().strip().splitlines()[-1])
print("| | loom | PyTorch " + torch["framework_version"] + " |")
print("|---|---:|---:|")
for key, label, show in (
        ("epochs", "epochs run", str), ("kept_epoch", "weights of epoch", str),
        ("train_seconds", "training seconds (validation included)", lambda v: f"{v:,.0f}"),
        ("test_accuracy", "official test accuracy", lambda v: f"{100 * v:.2f}%"),
        ("test_accuracy_flip", "with test-time flips", lambda v: f"{100 * v:.2f}%"),
        ("test_macro_f1", "test macro-F1", lambda v: f"{v:.4f}")):
    print(f"| {label} | {show(loom[key])} | {show(torch[key])} |")
print(f"\nRaw results: {folder}")
PY
