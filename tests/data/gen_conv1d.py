"""Exports tests/data/conv1d/: a small Conv1d network trained on synthetic two-channel sequences
(four waveform classes), with calibration samples, held-out samples, labels and PyTorch's outputs.
Run with /usr/bin/python3 (Debian's torch); deterministic for a fixed seed."""
import os
import numpy as np
import torch
import torch.nn as nn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv1d")
L = 64


def waves(n, rng):
    """Sine, square, sawtooth and noise bursts with random frequency, phase, amplitude, noise."""
    t = np.arange(L, dtype=np.float64)
    x = np.zeros((n, 2, L), np.float32)
    y = rng.integers(0, 4, n)
    for i in range(n):
        f = rng.uniform(1.5, 6.0) / L
        ph = rng.uniform(0, 2 * np.pi)
        a = rng.uniform(0.5, 1.5)
        u = 2 * np.pi * f * t + ph
        base = [np.sin(u), np.sign(np.sin(u)), 2 * ((u / (2 * np.pi)) % 1.0) - 1, rng.normal(0, 0.7, L)][y[i]]
        x[i, 0] = a * base + rng.normal(0, 0.1, L)
        x[i, 1] = a * np.gradient(base) * 4 + rng.normal(0, 0.1, L)
    return x, y.astype(np.int64)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(2, 8, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(8, 8, 3, padding=1, groups=8), nn.BatchNorm1d(8), nn.ReLU(), nn.AvgPool1d(2),
            nn.Conv1d(8, 16, 3, stride=2, dilation=1), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
            nn.Linear(16, 4))

    def forward(self, x):
        return self.body(x)


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    xtr, ytr = waves(2000, rng)
    xte, yte = waves(300, rng)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    for step in range(600):
        idx = rng.integers(0, len(xtr), 64)
        loss = nn.functional.cross_entropy(net(torch.from_numpy(xtr[idx])), torch.from_numpy(ytr[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    os.makedirs(HERE, exist_ok=True)
    with torch.no_grad():
        out = net(torch.from_numpy(xte)).numpy()
    print("float top-1 on held-out:", float((out.argmax(1) == yte).mean()))
    torch.onnx.export(net, torch.from_numpy(xte[:1]), os.path.join(HERE, "conv1d.onnx"), opset_version=13,
                      input_names=["x"], output_names=["logits"], do_constant_folding=True)
    np.save(os.path.join(HERE, "calib.npy"), xtr[:128])
    np.save(os.path.join(HERE, "test_x.npy"), xte)
    np.save(os.path.join(HERE, "test_y.npy"), yte)
    np.save(os.path.join(HERE, "torch_out.npy"), out.astype(np.float32))


if __name__ == "__main__":
    main()
