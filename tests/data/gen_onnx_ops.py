#!/usr/bin/python3
"""Writes the ONNX test models of the elementwise / reduction ops into tests/data/onnx_ops/.

Two small PyTorch models, each exported at opsets 11, 13 and 17 (eval mode, constant folding):
  ops:     Div (by an activation), Max, Min, Neg, Abs, Sqrt, Exp, Log, Pow(x, 2), Erf, PRelu, Elu,
           Softplus, SiLU (Sigmoid * x), exact GELU (Div/Erf/Add/Mul/Mul), ReduceMax, ReduceSum,
           GlobalMaxPool; branches concatenated and flattened into one output.
  argmax:  a 1x1 conv and ArgMax over the channels (int64 indices in ONNX).
Also NAME_input.npy (float32 [8, *input_shape], one batch-1 input each) and NAME_output.npy
(PyTorch's outputs for them, float32; argmax's indices as float32).
Run: /usr/bin/python3 tests/data/gen_onnx_ops.py
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx_ops")
OPSETS = (11, 13, 17)
SAMPLES = 8


class GlobalMaxPool(torch.autograd.Function):
    """Global max pooling exported as ONNX GlobalMaxPool (PyTorch exports MaxPool)."""

    @staticmethod
    def forward(ctx, x):
        return torch.amax(x, dim=(2, 3), keepdim=True)

    @staticmethod
    def symbolic(g, x):
        return g.op("GlobalMaxPool", x)


class Ops(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.conv_a = nn.Conv2d(3, 2, 1)
        self.conv_b = nn.Conv2d(3, 2, 1)
        self.prelu = nn.PReLU(4)
        self.elu = nn.ELU()

    def forward(self, x):
        y = self.conv(x)
        a, b = self.conv_a(x), self.conv_b(x)
        parts = [
            a / (F.softplus(b) + 0.5),
            torch.maximum(a, b),
            torch.minimum(a, -b),
            torch.abs(y),
            torch.sqrt(torch.abs(y) + 0.25),
            torch.exp(y * 0.5),
            torch.log(torch.abs(y) + 1.0),
            y ** 2,
            torch.erf(y),
            self.prelu(y),
            self.elu(y),
            F.silu(y),
            F.gelu(y),
            torch.amax(y, dim=1, keepdim=True) + y,
            torch.sum(y, dim=(2, 3), keepdim=True) * 0.1 + y,
            GlobalMaxPool.apply(y) - y,
        ]
        return torch.cat(parts, dim=1).flatten(1)


class ArgMaxNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 5, 1)

    def forward(self, x):
        return torch.argmax(self.conv(x), dim=1)


def export(model, name, shape):
    torch.manual_seed(7)
    x = torch.randn(SAMPLES, *shape) * 1.5
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
        y = torch.stack([model(x[i:i + 1])[0] for i in range(SAMPLES)]).float()
    np.save(os.path.join(OUT_DIR, name + "_input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(OUT_DIR, name + "_output.npy"), y.numpy().astype(np.float32))
    for opset in OPSETS:
        path = os.path.join(OUT_DIR, f"{name}_opset{opset}.onnx")
        torch.onnx.export(model, x[:1], path, opset_version=opset, do_constant_folding=True,
                          input_names=["input"], output_names=["output"])
        m = onnx.load(path)
        onnx.checker.check_model(m)
        print(path, sorted({n.op_type for n in m.graph.node}))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.manual_seed(0)
    export(Ops().eval(), "ops", (3, 6, 6))
    export(ArgMaxNet().eval(), "argmax", (3, 4, 4))


if __name__ == "__main__":
    main()
