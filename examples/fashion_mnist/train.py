#!/usr/bin/python3
"""Trains the Fashion-MNIST demo CNN on the CPU and exports it to ONNX.

Writes fashion_cnn.onnx (input "input": float32 [1,1,28,28], pixel/255, no mean/std) and
calib.npy (float32 [200,1,28,28], training images /255) next to this script.
Run: /usr/bin/python3 examples/fashion_mnist/train.py [--epochs N]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_data import load_split  # noqa: E402


class FashionCNN(nn.Module):
    """Three conv blocks (16, 32, 64 channels) and a small classifier head: ~61k params."""

    def __init__(self):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))

        self.features = nn.Sequential(block(1, 16), block(16, 32), block(32, 64))
        self.fc1 = nn.Linear(64 * 3 * 3, 64)
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        return self.fc2(self.drop(F.relu(self.fc1(x))))


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            out = model(torch.from_numpy(x[i:i + 1000]))
            correct += int((out.argmax(1).numpy() == y[i:i + 1000]).sum())
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)
    np.random.seed(0)
    rng = np.random.default_rng(0)

    x_train, y_train = load_split("train")
    x_test, y_test = load_split("t10k")

    model = FashionCNN()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {n_params}")
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps_per_epoch = (len(x_train) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(x_train))
        total_loss = 0.0
        for s in range(steps_per_epoch):
            idx = order[s * args.batch:(s + 1) * args.batch]
            xb = x_train[idx]
            # Horizontal flips: clothes are left-right symmetric, labels are not affected.
            flip = rng.random(len(idx)) < 0.5
            xb[flip] = xb[flip, :, :, ::-1]
            xb = torch.from_numpy(np.ascontiguousarray(xb))
            yb = torch.from_numpy(y_train[idx])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total_loss += float(loss) * len(idx)
        acc = evaluate(model, x_test, y_test)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total_loss / len(x_train):.4f} "
              f"test acc {acc * 100:.2f}% ({time.time() - t0:.0f}s)", flush=True)

    model.eval()
    acc = evaluate(model, x_test, y_test)
    onnx_path = os.path.join(args.out, "fashion_cnn.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, opset_version=13,
                      do_constant_folding=True, input_names=["input"], output_names=["logits"])
    calib = x_train[rng.choice(len(x_train), 200, replace=False)]
    np.save(os.path.join(args.out, "calib.npy"), np.ascontiguousarray(calib, dtype=np.float32))
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes)")
    print(f"float test accuracy: {acc * 100:.2f}%")


if __name__ == "__main__":
    main()
