#!/usr/bin/env bash
# Installs the system packages loom needs (Debian/Ubuntu) and builds loom in release mode.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  pkg-config
  libopenblas-dev                 # matrix maths (cblas_sgemm)
  libdnnl-dev                     # oneDNN: direct convolutions (TensorCore's DirectConvolution)
  libcairo2-dev fonts-dejavu-core # figures: anti-aliased lines and real text
  libpng-dev zlib1g-dev           # image grids, IDX .gz files
  libcmark-gfm-dev libcmark-gfm-extensions-dev  # Markdown exactly as GitHub parses it
  libsqlite3-dev                  # the cache
  dataset-fashion-mnist           # the data: /usr/share/datasets/fashion-mnist
)

# `--slurm` (make slurm-up): a one-node Slurm cluster with accounting, for `loom run --executor slurm`.
for argument in "$@"; do
  if [ "$argument" = "--slurm" ]; then
    packages+=(slurm-wlm slurmdbd munge mariadb-server)
  fi
done

# Tests also open the exported HTML page and the live preview in a real browser (headless Chromium).
if [ "${1:-}" = "--test" ] || [ "${2:-}" = "--test" ]; then
  packages+=(chromium python3-venv)  # and checks the exports in a Python venv
  packages+=(sqlite3 python3)  # tamper with a cache as a person could; send a run a real Ctrl-C
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Tests also check loom's exports against the Python tools that read them, in .venv-test.
if [ "${1:-}" = "--test" ] || [ "${2:-}" = "--test" ]; then
  if ! .venv-test/bin/python -c "import onnxruntime, safetensors, nbformat, numpy" 2>/dev/null; then
    echo "setup: creating .venv-test (onnxruntime, safetensors, nbformat, numpy from PyPI)"
    if ! { python3 -m venv .venv-test \
           && .venv-test/bin/pip install -q --disable-pip-version-check onnxruntime safetensors nbformat numpy; }; then
      echo "setup: could not create .venv-test; the export tests that need it will be skipped" >&2
      rm -rf .venv-test
    fi
  fi
fi

if ! command -v swift >/dev/null; then
  echo "setup: Swift 6 is required (https://www.swift.org/install/linux/)" >&2
  exit 1
fi

if [ "${1:-}" != "--no-build" ] && [ "${2:-}" != "--no-build" ]; then
  swift build -c release --product loom
fi
