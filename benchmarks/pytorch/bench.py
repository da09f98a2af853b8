#!/usr/bin/env python3
"""PyTorch side of loom's speed benchmark: the same reference models, data and split.

Output contract, shared with loom-bench (benchmarks/loom-bench): one JSON object per line and
per model, with these keys (a value that was not measured is null):

    model            "ref-cnn", "ref-mlp" or "strong-cnn"
    framework        "pytorch" (eager) or "pytorch-compile" (torch.compile, inductor) here,
                     "loom" from loom-bench
    kernels          the instruction set the framework's kernels ran with (PyTorch's CPU capability)
    framework_version  torch.__version__ here, loom's version there
    threads          compute threads (2)
    batch_size       training batch size (128)
    parameters       trainable parameters of the model
    train_img_per_s  training images per second (forward, loss, backward, Adam step), after
                     warm-up; the best of `repeats` timed runs of `train_batches` batches
    train_batches    how many batches one timed run covers
    infer_img_per_s  inference images per second at batch 1000 (eval mode, no gradients), the
                     best of `repeats` passes over the validation part
    repeats          timed runs per rate (best-of, because the 2 cores may be shared)
    peak_rss_mb      peak resident memory of the process, MiB (getrusage ru_maxrss)
    epochs           full epochs trained for the accuracy (0 when only timing)
    train_seconds    wall time of those epochs (null when epochs is 0)
    test_accuracy    accuracy on the test split after those epochs (null when epochs is 0)

Reference models (design: docs of the training issue):
    ref-cnn: conv 32 3x3 same, relu, maxpool 2, conv 64 3x3 same, relu, maxpool 2, flatten,
             dense 128, relu, dropout 0.3, dense 10; Adam 1e-3; batch 128
    ref-mlp: flatten, dense 256, relu, dropout 0.2, dense 128, relu, dense 10; Adam 1e-3; batch 128
    strong-cnn: notebooks/cnn.md's stronger CNN: conv 32, bn, relu, maxpool 2, conv 64, bn, relu,
             conv 64, bn, relu, maxpool 2, dropout 0.2, flatten, dense 256, bn, relu, dropout 0.4,
             dense 10; timed with Adam 1e-3 and batch 128 like the others (the notebook's AdamW
             and one-cycle schedule cost the same per step)

Data: Fashion-MNIST's four IDX gz files (Debian: apt-get install dataset-fashion-mnist), all
70,000 images pooled, pixels / 255, a stratified 80/10/10 train/validation/test split (seeded).

Usage:
    bench.py                          both models, each in its own process (so peak RSS is its own)
    bench.py --model ref-cnn          one model in this process
    bench.py --epoch                  time one full training epoch instead of --batches batches
    bench.py --epochs 5               also train 5 epochs and report test accuracy
    bench.py --compile                the model through torch.compile (inductor; fuses batch norm
                                      and activations), compiled during the warm-up
"""

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

MODELS = ("ref-cnn", "ref-mlp", "strong-cnn")
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def read_idx(path):
    """Reads a gzip IDX file of unsigned bytes into a numpy array of its dimensions."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise SystemExit(f"'{path}' is not an IDX file of unsigned bytes.")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if payload.size != int(np.prod(dims)):
        raise SystemExit(f"'{path}' is truncated: expected {int(np.prod(dims))} bytes, found {payload.size}.")
    return payload.reshape(dims)


def load(directory):
    """All 70,000 images as float32 [N, 1, 28, 28] in [0, 1], and int64 labels."""
    missing = [name for name in FILES if not os.path.exists(os.path.join(directory, name))]
    if missing:
        raise SystemExit(
            f"Fashion-MNIST is not in '{directory}': missing {', '.join(missing)}. "
            "On Debian, 'apt-get install dataset-fashion-mnist' provides them.")
    images = np.concatenate([read_idx(os.path.join(directory, FILES[0])), read_idx(os.path.join(directory, FILES[2]))])
    labels = np.concatenate([read_idx(os.path.join(directory, FILES[1])), read_idx(os.path.join(directory, FILES[3]))])
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1).contiguous()
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def stratified_split(labels, fractions=(0.8, 0.1, 0.1), seed=42):
    """Per class: shuffle, then cut by the fractions (rounded down, remainder to train)."""
    rng = np.random.default_rng(seed)
    parts = ([], [], [])
    labels = labels.numpy()
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_validation = int(len(members) * fractions[1])
        n_test = int(len(members) * fractions[2])
        n_train = len(members) - n_validation - n_test
        parts[0].append(members[:n_train])
        parts[1].append(members[n_train:n_train + n_validation])
        parts[2].append(members[n_train + n_validation:])
    return tuple(torch.from_numpy(np.sort(np.concatenate(p))) for p in parts)


def make_model(name):
    if name == "ref-cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
    if name == "ref-mlp":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "strong-cnn":
        def block(i, o):
            return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]
        return nn.Sequential(
            *block(1, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64), nn.MaxPool2d(2), nn.Dropout(0.2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 10))
    raise SystemExit(f"Unknown model '{name}'; expected one of {', '.join(MODELS)}.")


def train_batches(model, optimizer, x, y, order, batch_size):
    """Trains on consecutive batches of `order`; returns the number of images seen."""
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    seen = 0
    for start in range(0, len(order) - batch_size + 1, batch_size):
        index = order[start:start + batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
        seen += len(index)
    return seen


def accuracy(model, x, y, indices, batch_size=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(indices), batch_size):
            index = indices[start:start + batch_size]
            correct += (model(x[index]).argmax(1) == y[index]).sum().item()
    return correct / len(indices)


def bench(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = load(args.data)
    train, validation, test = stratified_split(y, seed=args.seed)
    model = make_model(args.model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)
    eager = model
    if args.compile:
        model = torch.compile(model)

    # Training speed: warm-up batches, then timed batches (or one full epoch).
    order = train[torch.randperm(len(train), generator=generator)]
    train_batches(model, optimizer, x, y, order[:args.warmup * args.batch_size], args.batch_size)
    # Best of several timed runs: a run slowed by another process on the shared cores says
    # little about either framework.
    repeats = 1 if args.epoch else args.repeats
    train_rate = 0.0
    for repeat in range(repeats):
        if args.epoch:
            timed = order
        else:
            begin = (args.warmup + repeat * args.batches) * args.batch_size % max(1, len(order) - args.batches * args.batch_size)
            timed = order[begin:begin + args.batches * args.batch_size]
        start = time.perf_counter()
        seen = train_batches(model, optimizer, x, y, timed, args.batch_size)
        train_rate = max(train_rate, seen / (time.perf_counter() - start))

    # Inference speed at batch 1000, eval mode, no gradients, over the validation part (compiled
    # again for eval mode and batch 1000 during the first call).
    model.eval()
    with torch.no_grad():
        model(x[validation[:1000]])
        model(x[validation[1000:2000]])
        infer_rate = 0.0
        for _ in range(args.repeats):
            start = time.perf_counter()
            inferred = 0
            for begin in range(0, len(validation) - 999, 1000):
                model(x[validation[begin:begin + 1000]])
                inferred += 1000
            infer_rate = max(infer_rate, inferred / (time.perf_counter() - start))

    result = {
        "model": args.model,
        "framework": "pytorch-compile" if args.compile else "pytorch",
        "kernels": torch.backends.cpu.get_cpu_capability(),
        "framework_version": torch.__version__,
        "threads": args.threads,
        "batch_size": args.batch_size,
        "parameters": sum(p.numel() for p in eager.parameters() if p.requires_grad),
        "train_img_per_s": round(train_rate, 1),
        "train_batches": seen // args.batch_size,
        "infer_img_per_s": round(infer_rate, 1),
        "repeats": repeats,
        "peak_rss_mb": None,
        "epochs": 0,
        "train_seconds": None,
        "test_accuracy": None,
    }

    if args.epochs > 0:
        # A fresh model trained from scratch for the accuracy, validation reported per epoch.
        torch.manual_seed(args.seed)
        model = make_model(args.model)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        start = time.perf_counter()
        for epoch in range(1, args.epochs + 1):
            order = train[torch.randperm(len(train), generator=generator)]
            train_batches(model, optimizer, x, y, order, args.batch_size)
            print(f"{args.model} epoch {epoch}: validation accuracy {accuracy(model, x, y, validation):.4f}", file=sys.stderr)
        result["epochs"] = args.epochs
        result["train_seconds"] = round(time.perf_counter() - start, 2)
        result["test_accuracy"] = round(accuracy(model, x, y, test), 4)

    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, help="one model in this process; default: each in its own process")
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder with the four Fashion-MNIST IDX .gz files")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--warmup", type=int, default=10, help="untimed training batches first")
    parser.add_argument("--batches", type=int, default=100, help="timed training batches")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per rate; the best is reported")
    parser.add_argument("--epoch", action="store_true", help="time one full training epoch instead of --batches")
    parser.add_argument("--epochs", type=int, default=0, help="train this many epochs and report test accuracy")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--compile", action="store_true", help="run the model through torch.compile")
    args = parser.parse_args()
    if args.model:
        bench(args)
        return
    for model in MODELS:
        command = [sys.executable, os.path.abspath(__file__), "--model", model] + sys.argv[1:]
        completed = subprocess.run(command)
        if completed.returncode != 0:
            sys.exit(completed.returncode)


if __name__ == "__main__":
    main()
