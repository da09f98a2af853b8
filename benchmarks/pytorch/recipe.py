"""notebooks/cnn.md's final CNN recipe in PyTorch, on the official 60,000/10,000 protocol.

The same network (bench.py's strong-cnn), data, augmentation, optimiser, schedule and stopping rule
as the `train.cnn as final` cell of benchmarks/recipe/final.md (and notebooks/cnn.md):

- data: the official training file, a stratified 10% of it carved for validation (seed 42), the
  official test file as the test set; pixels / 255;
- augmentation per training image: a horizontal flip with probability 0.5, then an integer shift of
  -2..2 pixels in each direction with zero fill (loom's `augment: {flip: 0.5, shift: 2}`);
- AdamW, learning rate 0.002, weight decay 0.01; batch 128, shuffled every epoch;
- ReduceLROnPlateau on the validation loss: factor 0.5, patience 2, minimum 2e-5;
- early stopping on the validation macro-F1: patience 4, minimum gain 0.0005, best weights restored;
- at most --epochs epochs (20).

Prints one JSON line: epochs run, the kept epoch, training seconds (validation included, as loom's
cell time), test accuracy, test accuracy with test-time flips, and the macro-F1 of the test set.

    benchmarks/.venv/bin/python benchmarks/pytorch/recipe.py [--epochs 20] [--threads 2] [--seed 0]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import DEFAULT_DATA, FILES, make_model, read_idx  # noqa: E402


def official(directory, seed=42, validation=0.1):
    """Train / validation (stratified carve of the training file) / test tensors."""
    def tensors(images, labels):
        return (torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1).contiguous(),
                torch.from_numpy(labels.astype(np.int64)))
    x, y = tensors(read_idx(os.path.join(directory, FILES[0])), read_idx(os.path.join(directory, FILES[1])))
    test = tensors(read_idx(os.path.join(directory, FILES[2])), read_idx(os.path.join(directory, FILES[3])))
    rng = np.random.default_rng(seed)
    train_index, validation_index = [], []
    for label in np.unique(y.numpy()):
        members = rng.permutation(np.flatnonzero(y.numpy() == label))
        cut = int(len(members) * validation)
        validation_index.append(members[:cut])
        train_index.append(members[cut:])
    train_index = torch.from_numpy(np.sort(np.concatenate(train_index)))
    validation_index = torch.from_numpy(np.sort(np.concatenate(validation_index)))
    return (x[train_index], y[train_index]), (x[validation_index], y[validation_index]), test


def augment(batch, generator):
    """Flip with probability 0.5, then shift by -2..2 pixels each way with zero fill."""
    n = batch.shape[0]
    flip = torch.rand(n, generator=generator) < 0.5
    batch = torch.where(flip[:, None, None, None], batch.flip(3), batch)
    padded = F.pad(batch, (2, 2, 2, 2))
    dy = torch.randint(0, 5, (n,), generator=generator)
    dx = torch.randint(0, 5, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(28)[None, :])[:, None, :, None].expand(n, 1, 28, 32)
    shifted = padded.gather(2, rows)
    cols = (dx[:, None] + torch.arange(28)[None, :])[:, None, None, :].expand(n, 1, 28, 28)
    return shifted.gather(3, cols)


def scores(model, x, y, flips=False, batch_size=1000):
    """Mean loss, accuracy and macro-F1 (with flips: the two probabilities averaged)."""
    model.eval()
    losses, predicted = [], []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            batch = x[start:start + batch_size]
            probabilities = F.softmax(model(batch), 1)
            if flips:
                probabilities = (probabilities + F.softmax(model(batch.flip(3)), 1)) / 2
            losses.append(F.nll_loss(torch.log(probabilities.clamp_min(1e-30)), y[start:start + batch_size], reduction="sum"))
            predicted.append(probabilities.argmax(1))
    predicted = torch.cat(predicted)
    f1 = []
    for k in range(10):
        tp = ((predicted == k) & (y == k)).sum().item()
        fp = ((predicted == k) & (y != k)).sum().item()
        fn = ((predicted != k) & (y == k)).sum().item()
        f1.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(l.item() for l in losses) / len(x), (predicted == y).float().mean().item(), sum(f1) / 10


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    (x, y), (vx, vy), (tx, ty) = official(args.data)
    model = make_model("strong-cnn")
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.002, weight_decay=0.01)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2, min_lr=2e-5)
    best, best_epoch, best_state, waited = -1.0, 0, None, 0
    start = time.perf_counter()
    epochs_run = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=generator)
        for first in range(0, len(order), 128):
            index = order[first:first + 128]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(augment(x[index], generator)), y[index])
            loss.backward()
            optimizer.step()
        epochs_run = epoch
        validation_loss, validation_accuracy, validation_f1 = scores(model, vx, vy)
        plateau.step(validation_loss)
        print(f"epoch {epoch}: validation loss {validation_loss:.4f}, accuracy {validation_accuracy:.4f}, "
              f"macro-F1 {validation_f1:.4f}, learning rate {optimizer.param_groups[0]['lr']:.6f}", file=sys.stderr)
        if validation_f1 > best + 0.0005:
            best, best_epoch, waited = validation_f1, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= 4:
                break
    seconds = time.perf_counter() - start
    model.load_state_dict(best_state)
    _, accuracy, macro_f1 = scores(model, tx, ty)
    _, flip_accuracy, _ = scores(model, tx, ty, flips=True)
    print(json.dumps({
        "framework": "pytorch", "framework_version": torch.__version__, "threads": args.threads, "seed": args.seed,
        "epochs": epochs_run, "kept_epoch": best_epoch, "train_seconds": round(seconds, 1),
        "test_accuracy": round(accuracy, 4), "test_accuracy_flip": round(flip_accuracy, 4), "test_macro_f1": round(macro_f1, 4),
    }, sort_keys=True))


if __name__ == "__main__":
    main()
