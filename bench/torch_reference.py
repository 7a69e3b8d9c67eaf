#!/usr/bin/env python3
"""PyTorch reference for `npm run bench:train -- --reference torch`.

Trains, on one CPU thread, the network Tandem builds with its default model parameters, on the very rows the
TypeScript bench generated, and prints one JSON line with the time of whole epochs (shuffle + batches + update).

    python3 bench/torch_reference.py --data FILE --rows N --features F --tasks bbbr \
        [--arch shared-bottom|mmoe] [--experts 4] [--epochs 2] [--batch-size 256] [--seed 1]

FILE (written by bench/train-throughput.ts): Float32 little-endian, row-major, the features `[rows, features]` then
the labels `[rows, tasks]` (NaN where a row carries no label). `--tasks` gives each task's type in label order:
`b` binary (BCE with logits), `r` regression (MSE on the standardised label).

The network mirrors src/model (build-network.ts, architecture.ts, architectures/{shared-bottom,mmoe}.ts):
- shared-bottom: Dense 128 relu → dropout 0.1 → Dense 64 relu → dropout 0.1, shared; per task Dense 32 relu →
  dropout 0.1 → Dense 1 (a logit, or the standardised value).
- mmoe: `experts` experts, each the same 128 → 64 stack with dropout; per task a softmax gate Dense(experts) on the
  input, the mixture Σ_k gate_k · expert_k, then the same tower as above.
- He-normal kernels for relu layers, Glorot-uniform for the others, zero biases.
- Objective: Σ_k masked mean loss_k (mean over the batch's labelled rows, 0 when none) + 1e-4 · Σ‖kernel‖²
  (every Dense kernel, biases excluded), as src/train/training-step.ts adds it to the loss; Adam(1e-3, eps 1e-7
  like tfjs).
- Features are standardised with the training mean and std, regression labels too (Tandem's preprocessor and
  target scale); that happens once, before the timed epochs.
"""

import argparse
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn


def dense(inputs: int, units: int, relu: bool) -> nn.Linear:
    layer = nn.Linear(inputs, units)
    if relu:
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    else:
        nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def stack(widths: list[int], inputs: int, dropout: float) -> nn.Sequential:
    """Dense → relu → dropout for each width, like applyDenseStack."""
    layers: list[nn.Module] = []
    for width in widths:
        layers += [dense(inputs, width, True), nn.ReLU(), nn.Dropout(dropout)]
        inputs = width
    return nn.Sequential(*layers)


class Towers(nn.Module):
    """One tower (Dense 32 relu + dropout) and one linear output per task."""

    def __init__(self, tasks: int, inputs: int, tower: list[int], dropout: float):
        super().__init__()
        self.towers = nn.ModuleList(stack(tower, inputs, dropout) for _ in range(tasks))
        self.outputs = nn.ModuleList(dense(tower[-1] if tower else inputs, 1, False) for _ in range(tasks))

    def forward(self, representations: list[torch.Tensor]) -> list[torch.Tensor]:
        return [out(tower(h)).reshape(-1) for h, tower, out in zip(representations, self.towers, self.outputs)]


class SharedBottom(nn.Module):
    def __init__(self, features: int, tasks: int, shared: list[int], tower: list[int], dropout: float):
        super().__init__()
        self.tasks = tasks
        self.shared = stack(shared, features, dropout)
        self.heads = Towers(tasks, shared[-1], tower, dropout)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h = self.shared(x)
        return self.heads([h] * self.tasks)


class Mmoe(nn.Module):
    def __init__(self, features: int, tasks: int, shared: list[int], tower: list[int], dropout: float, experts: int):
        super().__init__()
        self.experts = nn.ModuleList(stack(shared, features, dropout) for _ in range(experts))
        self.gates = nn.ModuleList(dense(features, experts, False) for _ in range(tasks))
        self.heads = Towers(tasks, shared[-1], tower, dropout)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = [expert(x) for expert in self.experts]
        mixtures = []
        for gate in self.gates:
            g = torch.softmax(gate(x), dim=1)
            # Σ gate_k · expert_k, as src/model/layers/mixture-of-experts.ts writes it.
            mixtures.append(sum(g[:, k : k + 1] * e for k, e in enumerate(outs)))
        return self.heads(mixtures)


def masked_loss(kind: str, z: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over the labelled rows (computeMaskedTaskLoss): unlabelled rows add nothing, no labelled row gives 0."""
    if kind == "b":
        per_row = nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none")
    else:
        per_row = (z - y) ** 2
    return (per_row * mask).sum() / torch.clamp(mask.sum(), min=1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--features", type=int, required=True)
    parser.add_argument("--tasks", default="bbbr")
    parser.add_argument("--arch", choices=["shared-bottom", "mmoe"], default="shared-bottom")
    parser.add_argument("--experts", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rows, width, kinds = args.rows, args.features, args.tasks
    raw = np.fromfile(args.data, dtype="<f4")
    expected = rows * width + rows * len(kinds)
    if raw.size != expected:
        sys.exit(f"torch_reference: {args.data} holds {raw.size} floats, expected {expected}")
    x = raw[: rows * width].reshape(rows, width).astype(np.float32)
    labels = raw[rows * width :].reshape(rows, len(kinds)).astype(np.float32)

    std = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1)
    masks = (~np.isnan(labels)).astype(np.float32)
    for k, kind in enumerate(kinds):
        if kind == "r":
            column = labels[masks[:, k] > 0, k]
            scale = column.std() if column.size and column.std() > 0 else 1.0
            labels[:, k] = (labels[:, k] - (column.mean() if column.size else 0.0)) / scale
    labels = np.nan_to_num(labels, nan=0.0)
    X, Y, M = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(labels)), torch.from_numpy(masks)

    shared, tower, dropout, l2 = [128, 64], [32], 0.1, 1e-4
    if args.arch == "mmoe":
        model: nn.Module = Mmoe(width, len(kinds), shared, tower, dropout, args.experts)
    else:
        model = SharedBottom(width, len(kinds), shared, tower, dropout)
    kernels = [p for name, p in model.named_parameters() if name.endswith("weight")]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    model.train()

    epoch_seconds: list[float] = []
    last_loss = math.nan
    for _ in range(args.epochs):
        started = time.perf_counter()
        order = torch.randperm(rows)
        total = torch.zeros(())
        for start in range(0, rows, args.batch_size):
            index = order[start : start + args.batch_size]
            xb, yb, mb = X[index], Y[index], M[index]
            outputs = model(xb)
            loss = sum(masked_loss(kind, outputs[k], yb[:, k], mb[:, k]) for k, kind in enumerate(kinds))
            loss = loss + l2 * sum((w * w).sum() for w in kernels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        last_loss = float(total) / math.ceil(rows / args.batch_size)
        epoch_seconds.append(time.perf_counter() - started)

    mean = sum(epoch_seconds) / len(epoch_seconds)
    print(
        json.dumps(
            {
                "bench": "torch-reference",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "arch": args.arch,
                "rows": rows,
                "features": width,
                "epochs": args.epochs,
                "batchSize": args.batch_size,
                "parameters": sum(p.numel() for p in model.parameters()),
                "epochSeconds": round(mean, 3),
                "epochSecondsEach": [round(s, 3) for s in epoch_seconds],
                "samplesPerSecond": round(rows / mean),
                "trainLoss": round(last_loss, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
