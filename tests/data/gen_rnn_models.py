#!/usr/bin/python3
"""Writes two PyTorch recurrent sequence classifiers as ONNX into tests/data/rnn/.

Synthetic task: a sequence of T=24 steps with 2 features (a noisy periodic wave of random
frequency and phase, and its noisy first difference) is a sine, square or sawtooth wave
(3 classes). Models (batch_first, batch 1, fixed length, trained a few hundred Adam steps):
  gru_cls:    GRU(2 -> 16), mean over time, Linear(16 -> 3)
  bilstm_cls: bidirectional LSTM(2 -> 12 per direction), mean over time, Linear(24 -> 3)
Per model: NAME.onnx (opset 13), NAME_input.npy (float32 [8, 1, T, 2], sample inputs),
NAME_output.npy (PyTorch's logits [8, 1, 3]), and the shared held-out set heldout_x.npy
(float32 [300, 1, T, 2]) with heldout_y.npy (int64 labels) for the int8 accuracy check, and
the calibration set calib_x.npy (float32 [100, 1, T, 2], drawn apart from both).
Run: /usr/bin/python3 tests/data/gen_rnn_models.py
"""
import os

import numpy as np
import torch
import torch.nn as nn

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn")
T = 24
SAMPLES = 8
HELDOUT = 300


def waves(n, rng):
    """n sequences [n, T, 2] and their labels (0 sine, 1 square, 2 sawtooth)."""
    y = rng.integers(0, 3, size=n)
    t = np.arange(T)[None, :]
    freq = rng.uniform(0.04, 0.15, size=(n, 1))
    phase = rng.uniform(0, 1, size=(n, 1))
    amp = rng.uniform(0.5, 1.5, size=(n, 1))
    u = (freq * t + phase) % 1.0
    sine = np.sin(2 * np.pi * u)
    square = np.where(u < 0.5, 1.0, -1.0)
    saw = 2 * u - 1
    x = np.where(y[:, None] == 0, sine, np.where(y[:, None] == 1, square, saw)) * amp
    x = x + rng.normal(0, 0.1, size=x.shape)
    dx = np.diff(x, axis=1, prepend=x[:, :1])
    return np.stack([x, dx], axis=-1).astype(np.float32), y.astype(np.int64)


class GruCls(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(2, 16, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y.mean(dim=1))


class BiLstmCls(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(2, 12, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(24, 3)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y.mean(dim=1))


def train(model, rng, steps=400):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        x, y = waves(64, rng)
        loss = nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    hx, hy = waves(HELDOUT, np.random.default_rng(1))
    np.save(os.path.join(OUT_DIR, "heldout_x.npy"), hx[:, None])
    np.save(os.path.join(OUT_DIR, "heldout_y.npy"), hy)
    np.save(os.path.join(OUT_DIR, "calib_x.npy"), waves(100, np.random.default_rng(2))[0][:, None])
    for name, model in (("gru_cls", GruCls()), ("bilstm_cls", BiLstmCls())):
        train(model, rng)
        with torch.no_grad():
            acc = (model(torch.from_numpy(hx)).argmax(1).numpy() == hy).mean()
            xs = hx[:SAMPLES]
            outs = np.stack([model(torch.from_numpy(xs[i:i + 1])).numpy() for i in range(SAMPLES)])
        print(f"{name}: held-out float accuracy {acc * 100:.2f} %")
        path = os.path.join(OUT_DIR, name + ".onnx")
        torch.onnx.export(model, torch.from_numpy(xs[:1]), path, opset_version=13,
                          input_names=["x"], output_names=["logits"], do_constant_folding=True)
        np.save(os.path.join(OUT_DIR, name + "_input.npy"), xs[:, None])
        np.save(os.path.join(OUT_DIR, name + "_output.npy"), outs.astype(np.float32))


if __name__ == "__main__":
    main()
