#!/usr/bin/python3
"""PyTorch's training throughput on the model mote trains with `--arch`, for bench/train.sh:
the same layers and initialization scheme, optimizer, batch size, data, per-epoch shuffle and
thread count, timed over the same steps (batch gather, forward, loss, backward, step).
Usage: train_throughput.py ARCH BATCH THREADS EPOCHS  (ARCH: mlp:300,100 or lenet5)
Prints one JSON line: {"arch", "batch", "threads", "samples_per_second"}."""
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "fashion_mnist"))
from make_data import read_idx  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


class Scale(nn.Module):
    """The leading 1/255 of an --arch model on uint8 data."""

    def forward(self, x):
        return x * (1.0 / 255)


def model(arch):
    if arch.startswith("mlp"):
        sizes = [int(s) for s in arch.split(":")[1].split(",")] if ":" in arch else [300, 100]
        layers, width = [Scale(), nn.Flatten()], 784
        for h in sizes:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        return nn.Sequential(*layers, nn.Linear(width, 10))
    if arch == "lenet5":
        return nn.Sequential(Scale(), nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    raise SystemExit(f"unknown arch {arch}")


def main():
    arch, batch, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.from_numpy(read_idx(f"{DATA}/train-images-idx3-ubyte.gz").astype("float32")).reshape(-1, 1, 1, 28, 28)
    y = torch.from_numpy(read_idx(f"{DATA}/train-labels-idx1-ubyte.gz").astype("int64"))
    n = int(len(x) * 0.9)  # mote's default --val-split 0.1 trains on 90 %
    x, y = x[:n], y[:n]
    m = model(arch)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    seconds, seen = 0.0, 0
    for _ in range(epochs):
        perm = torch.randperm(n)
        for b in range(0, n - 1, batch):
            start = time.perf_counter()
            rows = perm[b:b + batch]
            out = m(x.index_select(0, rows).reshape(-1, 1, 28, 28))
            loss = loss_fn(out, y.index_select(0, rows))
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
            seconds += time.perf_counter() - start
            seen += len(rows)
    print(json.dumps({"arch": arch, "batch": batch, "threads": threads, "samples_per_second": seen / seconds}))


if __name__ == "__main__":
    main()
