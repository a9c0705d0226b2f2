"""Exports tests/data/resample/: two small PyTorch networks for the ops wired in integ-a.
- upsample_ae.onnx: a convolutional autoencoder (Conv stride 2 down to 4x4, ConvTranspose2d and
  nearest nn.Upsample back to 16x16, bilinear nn.Upsample to 32x32 read by a stride-2 Conv) trained to reconstruct synthetic 16x16 blob images; calibration
  images, held-out images and PyTorch's reconstructions.
- attention.onnx (opset 17): one self-attention block (Linear q/k/v, MatMul, Softmax, residual,
  LayerNorm) over [1, 8, 16] sequences, random weights; inputs and PyTorch's outputs.
- tconv1d.onnx: ConvTranspose1d + Conv1d over [1, 4, 12] sequences, random weights.
- indexing.onnx: Split, Slice (strided), Gather with constant indices, Tile (repeat), Expand
  over [1, 4, 6, 8] activations; no weights.
Run with /usr/bin/python3 (Debian's torch); deterministic for a fixed seed."""
import os
import numpy as np
import torch
import torch.nn as nn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resample")
S = 16


def blobs(n, rng):
    """One to three Gaussian blobs of random position, width and sign per image."""
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float64)
    x = np.zeros((n, 1, S, S), np.float32)
    for i in range(n):
        for _ in range(rng.integers(1, 4)):
            cy, cx = rng.uniform(2, S - 2, 2)
            w = rng.uniform(1.5, 4.0)
            x[i, 0] += rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.0) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * w * w))
    return x


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
                                 nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1), nn.ReLU(),
                                 nn.Upsample(scale_factor=2, mode="nearest"),
                                 nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                                 nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                 nn.Conv2d(8, 1, 3, stride=2, padding=1))

    def forward(self, x):
        return self.dec(self.enc(x))


class Attention(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)
        self.scale = 1.0 / np.sqrt(d)

    def forward(self, x):
        a = torch.softmax(torch.matmul(self.q(x), self.k(x).transpose(-2, -1)) * self.scale, dim=-1)
        return self.norm(x + torch.matmul(a, self.v(x)))


class TConv1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                                  nn.Conv1d(6, 3, 3, padding=1))

    def forward(self, x):
        return self.body(x)


class Indexing(nn.Module):
    def forward(self, x):
        a, b = torch.split(x, [2, 2], dim=1)
        s = a[:, :, 1:5, 0:8:2]
        g = b[:, :, [0, 2, 3, 5], :][..., :4]
        t = s.repeat(1, 2, 1, 1)
        m = g.mean(dim=1, keepdim=True).expand(1, 4, 4, 4)
        return torch.relu(t * m + t)


def export(net, x, name, opset):
    torch.onnx.export(net, x, os.path.join(HERE, name + ".onnx"), opset_version=opset, input_names=["x"],
                      output_names=["y"], do_constant_folding=True)


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    os.makedirs(HERE, exist_ok=True)

    xtr, xte = blobs(1500, rng), blobs(16, rng)
    ae = AutoEncoder()
    opt = torch.optim.Adam(ae.parameters(), 3e-3)
    for step in range(800):
        b = torch.from_numpy(xtr[rng.integers(0, len(xtr), 64)])
        loss = nn.functional.mse_loss(ae(b), b)
        opt.zero_grad()
        loss.backward()
        opt.step()
    ae.eval()
    with torch.no_grad():
        rec = ae(torch.from_numpy(xte)).numpy()
    print("autoencoder held-out MSE:", float(((rec - xte) ** 2).mean()))
    export(ae, torch.from_numpy(xte[:1]), "upsample_ae", 13)
    np.save(os.path.join(HERE, "upsample_ae_calib.npy"), xtr[:128])
    np.save(os.path.join(HERE, "upsample_ae_input.npy"), xte)
    np.save(os.path.join(HERE, "upsample_ae_output.npy"), rec.astype(np.float32))

    att = Attention().eval()
    xa = rng.normal(0, 1, (4, 8, 16)).astype(np.float32)
    with torch.no_grad():
        ya = np.concatenate([att(torch.from_numpy(xa[i:i + 1])).numpy() for i in range(4)])
    export(att, torch.from_numpy(xa[:1]), "attention", 17)
    np.save(os.path.join(HERE, "attention_input.npy"), xa)
    np.save(os.path.join(HERE, "attention_output.npy"), ya.astype(np.float32))

    tc = TConv1d().eval()
    xt = rng.normal(0, 1, (4, 4, 12)).astype(np.float32)
    with torch.no_grad():
        yt = np.concatenate([tc(torch.from_numpy(xt[i:i + 1])).numpy() for i in range(4)])
    export(tc, torch.from_numpy(xt[:1]), "tconv1d", 13)
    np.save(os.path.join(HERE, "tconv1d_input.npy"), xt)
    np.save(os.path.join(HERE, "tconv1d_output.npy"), yt.astype(np.float32))

    ix = Indexing().eval()
    xi = rng.normal(0, 1, (4, 4, 6, 8)).astype(np.float32)
    with torch.no_grad():
        yi = np.concatenate([ix(torch.from_numpy(xi[i:i + 1])).numpy() for i in range(4)])
    export(ix, torch.from_numpy(xi[:1]), "indexing", 13)
    np.save(os.path.join(HERE, "indexing_input.npy"), xi)
    np.save(os.path.join(HERE, "indexing_output.npy"), yi.astype(np.float32))


if __name__ == "__main__":
    main()
