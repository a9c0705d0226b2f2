#!/usr/bin/python3
"""Writes the PyTorch-exported ONNX test models into tests/data/models/.

Five small models (random weights, random non-trivial BatchNorm statistics), each exported at
opsets 11, 13 and 17 in two variants:
  folded:  model.eval(), TrainingMode.EVAL, do_constant_folding=True; the exporter folds BN
           into the preceding Conv.
  bn_kept: model.eval(), TrainingMode.PRESERVE, do_constant_folding=True; the exporter's
           BN-into-Conv fusion only runs for EVAL, so BatchNormalization nodes stay.
           (Constant folding stays on: with it off, torch 1.13 also leaves Cast nodes on the
           Clip bounds of ReLU6, an op outside mote's list.)
Also NAME_input.npy (float32 [4, *input_shape]: x[i] is one batch-1 input) and NAME_output.npy
(float32 [4, *output_shape]: PyTorch's output for x[i]) per model, and manifest.json.
Every exported file is checked with onnx.checker and run through a small numpy interpreter of
the ONNX ops used, whose result must match PyTorch's.
Run: /usr/bin/python3 tests/data/gen_models.py
"""
import io
import json
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
OPSETS = (11, 13, 17)
SAMPLES = 4

# Ops that must appear in at least one file (HardSigmoid or HardSwish: opset >= 14 exports the
# latter, older opsets the former times the input).
REQUIRED_OPS = ["Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Relu", "Clip", "LeakyRelu",
                "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "MaxPool", "AveragePool",
                "GlobalAveragePool", "BatchNormalization", "Flatten", "Reshape", "Squeeze",
                "Unsqueeze", "Transpose", "Concat", "Pad", "Softmax", "Identity", "Dropout",
                "Constant", "ReduceMean"]

# The opset of the export in progress, read by the symbolics below.
_export_opset = [13]


class ExplicitPad(torch.autograd.Function):
    """Zero padding exported as one Pad node with constant pads. torch 1.13 exports F.pad as a
    Shape/Gather/ConstantOfShape/Slice/Cast chain that computes the pads at run time."""

    @staticmethod
    def forward(ctx, x, pad):
        return F.pad(x, (pad, pad, pad, pad))

    @staticmethod
    def symbolic(g, x, pad):
        pads = g.op("Constant", value_t=torch.tensor([0, 0, pad, pad, 0, 0, pad, pad],
                                                     dtype=torch.int64))
        return g.op("Pad", x, pads, mode_s="constant")


class ExplicitIdentity(torch.autograd.Function):
    """An Identity node on an activation, as other exporters write; torch drops its own."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def symbolic(g, x):
        return g.op("Identity", x)


class InferenceDropout(torch.autograd.Function):
    """A Dropout node in inference mode (an identity), as exporters of eval graphs from other
    frameworks leave it; torch removes dropout from eval exports."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def symbolic(g, x):
        if _export_opset[0] < 12:
            return g.op("Dropout", x, ratio_f=0.25)
        return g.op("Dropout", x, g.op("Constant", value_t=torch.tensor(0.25)))


class MLP(nn.Module):
    """64 features: standardization, two parallel branches (Gemm+LeakyRelu, MatMul+Add+Tanh),
    Concat, Identity, Dropout, Gemm, Softmax."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.randn(64) * 0.5)
        self.register_buffer("inv_std", torch.rand(64) + 0.5)
        self.fc_a = nn.Linear(64, 32)
        self.w_b = nn.Parameter(torch.randn(64, 32) * 0.2)
        self.b_b = nn.Parameter(torch.randn(32) * 0.1)
        self.fc_out = nn.Linear(64, 10)

    def forward(self, x):
        x = (x - self.mean) * self.inv_std
        a = F.leaky_relu(self.fc_a(x), 0.1)
        b = torch.tanh(torch.matmul(x, self.w_b) + self.b_b)
        h = InferenceDropout.apply(ExplicitIdentity.apply(torch.cat([a, b], dim=1)))
        return torch.softmax(self.fc_out(h), dim=1)


class LeNet5(nn.Module):
    """LeNet-5 on 28x28 (padded to 32x32): Conv5x5+Tanh, AvgPool, Conv5x5+Tanh, AvgPool, Flatten,
    three Gemm layers with ReLU."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 48)
        self.fc2 = nn.Linear(48, 24)
        self.fc3 = nn.Linear(24, 10)

    def forward(self, x):
        x = ExplicitPad.apply(x, 2)
        x = F.avg_pool2d(torch.tanh(self.conv1(x)), 2)
        x = F.avg_pool2d(torch.tanh(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class DSCNN(nn.Module):
    """MobileNet-style on 3x32x32: depthwise (groups=C) and pointwise convs with BN and ReLU,
    a grouped conv (groups=4), HardSwish, GlobalAveragePool, Flatten, Gemm."""

    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 8, 3, stride=2)
        self.dw1 = conv_bn(8, 8, 3, groups=8)
        self.pw1 = conv_bn(8, 16, 1)
        self.dw2 = conv_bn(16, 16, 3, stride=2, groups=16)
        self.pw2 = conv_bn(16, 32, 1)
        self.grouped = conv_bn(32, 32, 3, groups=4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = F.relu(self.pw1(F.relu(self.dw1(x))))
        x = F.hardswish(self.pw2(F.relu(self.dw2(x))))
        x = F.hardswish(self.grouped(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class ResNetReLU6(nn.Module):
    """Small ResNet on 3x32x32 with ReLU6: stem, MaxPool, an identity residual block and a
    strided block with a 1x1 projection shortcut (residual Add), ReduceMean, Squeeze, Gemm."""

    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 16, 3)
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.b1a = conv_bn(16, 16, 3)
        self.b1b = conv_bn(16, 16, 3)
        self.b2a = conv_bn(16, 32, 3, stride=2)
        self.b2b = conv_bn(32, 32, 3)
        self.b2s = conv_bn(16, 32, 1, stride=2)
        self.relu6 = nn.ReLU6()
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(self.relu6(self.stem(x)))
        x = self.relu6(x + self.b1b(self.relu6(self.b1a(x))))
        x = self.relu6(self.b2s(x) + self.b2b(self.relu6(self.b2a(x))))
        x = x.mean(dim=(2, 3), keepdim=True).squeeze(3).squeeze(2)
        return self.fc(x)


class AutoEncoder(nn.Module):
    """1x28x28 autoencoder: strided conv encoder (BN, LeakyRelu, ReLU), Flatten, Gemm bottleneck
    of 16; decoder Unsqueeze, 1x1 Conv, Reshape, Conv, depth-to-space by Reshape/Transpose/Reshape
    (no ConvTranspose or Upsample), Sigmoid."""

    def __init__(self):
        super().__init__()
        self.enc1 = conv_bn(1, 8, 3, stride=2)
        self.enc2 = conv_bn(8, 16, 3, stride=2)
        self.enc3 = nn.Conv2d(16, 4, 1)
        self.fc = nn.Linear(4 * 7 * 7, 16)
        self.dec1 = nn.Conv2d(16, 8 * 7 * 7, 1)
        self.dec2 = conv_bn(8, 16, 3)

    def forward(self, x):
        x = F.leaky_relu(self.enc1(x), 0.2)
        x = self.enc3(F.relu(self.enc2(x)))
        z = self.fc(torch.flatten(x, 1))
        y = F.relu(self.dec1(z.unsqueeze(2).unsqueeze(3)).reshape(1, 8, 7, 7))
        y = self.dec2(y)
        y = y.reshape(1, 1, 4, 4, 7, 7).permute(0, 1, 4, 2, 5, 3).reshape(1, 1, 28, 28)
        return torch.sigmoid(y)


def randomize_bn(model, gen):
    """Non-trivial BN parameters and running statistics, so that folding BN is really tested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = torch.rand(c, generator=gen) + 0.5
            m.bias.data = torch.randn(c, generator=gen) * 0.2
            m.running_mean = torch.randn(c, generator=gen) * 0.3
            m.running_var = torch.rand(c, generator=gen) * 1.7 + 0.3


MODELS = [
    # name, class, per-sample input shape (batch 1), input generator
    ("mlp", MLP, [1, 64], "normal"),
    ("lenet5", LeNet5, [1, 1, 28, 28], "uniform"),
    ("dscnn", DSCNN, [1, 3, 32, 32], "uniform"),
    ("resnet_relu6", ResNetReLU6, [1, 3, 32, 32], "uniform"),
    ("autoencoder", AutoEncoder, [1, 1, 28, 28], "uniform"),
]


# --- a small numpy interpreter of the exported ONNX ops, to check the files ------------------

def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pool_pad(x, pads, value):
    nd = x.ndim - 2
    width = [(0, 0), (0, 0)] + [(pads[i], pads[i + nd]) for i in range(nd)]
    return np.pad(x, width, constant_values=value)


def _windows(x, kernel, strides):
    """[N, C, OH, OW, KH, KW] view of 2-D windows."""
    n, c, h, w = x.shape
    oh = (h - kernel[0]) // strides[0] + 1
    ow = (w - kernel[1]) // strides[1] + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, oh, ow, kernel[0], kernel[1]),
        (s[0], s[1], s[2] * strides[0], s[3] * strides[1], s[2], s[3]))


def _conv(x, w, b, at):
    group = at.get("group", 1)
    strides = at.get("strides", [1, 1])
    assert at.get("dilations", [1, 1]) == [1, 1]
    x = _pool_pad(x, at.get("pads", [0, 0, 0, 0]), 0.0)
    cout, cin_g = w.shape[0], w.shape[1]
    outs = []
    for gi in range(group):
        xw = _windows(np.ascontiguousarray(x[:, gi * cin_g:(gi + 1) * cin_g]), w.shape[2:], strides)
        wg = w[gi * (cout // group):(gi + 1) * (cout // group)]
        outs.append(np.einsum("nchwij,ocij->nohw", xw, wg))
    y = np.concatenate(outs, axis=1)
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def _run_node(op, at, ins):
    x = ins[0] if ins else None
    if op == "Constant":
        return numpy_helper.to_array(at["value"])
    if op in ("Identity", "Dropout"):
        return x
    if op == "Conv":
        return _conv(x, ins[1], ins[2] if len(ins) > 2 else None, at)
    if op == "Gemm":
        a = x.T if at.get("transA", 0) else x
        b = ins[1].T if at.get("transB", 0) else ins[1]
        y = at.get("alpha", 1.0) * (a @ b)
        return y + at.get("beta", 1.0) * ins[2] if len(ins) > 2 else y
    binary = {"MatMul": np.matmul, "Add": np.add, "Sub": np.subtract, "Mul": np.multiply}
    if op in binary:
        return binary[op](x, ins[1])
    if op == "Relu":
        return np.maximum(x, 0)
    if op == "Clip":
        return np.clip(x, ins[1], ins[2])
    if op == "LeakyRelu":
        return np.where(x >= 0, x, at.get("alpha", 0.01) * x)
    if op == "Sigmoid":
        return 1 / (1 + np.exp(-x))
    if op == "Tanh":
        return np.tanh(x)
    if op == "HardSigmoid":
        return np.clip(at.get("alpha", 0.2) * x + at.get("beta", 0.5), 0, 1)
    if op == "HardSwish":
        return x * np.clip(x / 6 + 0.5, 0, 1)
    if op in ("MaxPool", "AveragePool"):
        assert at.get("ceil_mode", 0) == 0
        k = at["kernel_shape"]
        pads = at.get("pads", [0, 0, 0, 0])
        xp = _pool_pad(x, pads, -np.inf if op == "MaxPool" else 0.0)
        win = _windows(np.ascontiguousarray(xp), k, at.get("strides", [1, 1]))
        if op == "MaxPool":
            return win.max(axis=(4, 5))
        assert not any(pads) or at.get("count_include_pad", 0)
        return win.mean(axis=(4, 5))
    if op == "GlobalAveragePool":
        return x.mean(axis=(2, 3), keepdims=True)
    if op == "BatchNormalization":
        scale, bias, mean, var = (v.reshape(1, -1, 1, 1) for v in ins[1:5])
        return (x - mean) / np.sqrt(var + at.get("epsilon", 1e-5)) * scale + bias
    if op == "Flatten":
        axis = at.get("axis", 1)
        return x.reshape(int(np.prod(x.shape[:axis])), -1)
    if op == "Reshape":
        shape = [x.shape[i] if d == 0 else d for i, d in enumerate(ins[1])]
        return x.reshape(shape)
    if op in ("Squeeze", "Unsqueeze"):
        axes = tuple(at["axes"] if "axes" in at else ins[1])
        return np.squeeze(x, axes) if op == "Squeeze" else np.expand_dims(x, axes)
    if op == "Transpose":
        return np.transpose(x, at["perm"])
    if op == "Concat":
        return np.concatenate(ins, axis=at["axis"])
    if op == "Pad":
        assert at.get("mode", b"constant") == b"constant"
        pads = ins[1]
        value = ins[2] if len(ins) > 2 else 0.0
        return np.pad(x, [(pads[i], pads[i + x.ndim]) for i in range(x.ndim)],
                      constant_values=value)
    if op == "Softmax":
        e = np.exp(x - x.max(axis=at.get("axis", -1), keepdims=True))
        return e / e.sum(axis=at.get("axis", -1), keepdims=True)
    if op == "ReduceMean":
        return x.mean(axis=tuple(at["axes"]), keepdims=bool(at.get("keepdims", 1)))
    raise NotImplementedError(op)


def run_onnx(model, x):
    env = {init.name: numpy_helper.to_array(init).astype(np.float64)
           if init.data_type == onnx.TensorProto.FLOAT else numpy_helper.to_array(init)
           for init in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float64)
    for node in model.graph.node:
        ins = [env[i] for i in node.input if i]
        env[node.output[0]] = _run_node(node.op_type, _attrs(node), ins)
    return env[model.graph.output[0].name]


# --- export ---------------------------------------------------------------------------------

def export(model, shape, opset, variant):
    _export_opset[0] = opset
    f = io.BytesIO()
    mode = torch.onnx.TrainingMode.EVAL if variant == "folded" else torch.onnx.TrainingMode.PRESERVE
    torch.onnx.export(model, torch.zeros(shape), f, opset_version=opset, training=mode,
                      do_constant_folding=True, input_names=["input"], output_names=["output"])
    return onnx.load_from_string(f.getvalue())


def make_inputs(shape, kind, seed):
    rng = np.random.default_rng(seed)
    full = [SAMPLES] + shape
    if kind == "normal":
        return rng.standard_normal(full).astype(np.float32)
    return rng.random(full).astype(np.float32)


def dims(value_info):
    return [d.dim_value for d in value_info.type.tensor_type.shape.dim]


def main():
    # torch 1.13 warns on every custom symbolic (g.op deprecation) and on PRESERVE with constant
    # folding (a concern only for models in training mode; ours are in eval mode).
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message="It is recommended that constant folding")
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    manifest = {"generator": "tests/data/gen_models.py", "torch": torch.__version__,
                "samples": SAMPLES, "models": {}, "files": []}
    seen_ops = set()
    for index, (name, cls, shape, kind) in enumerate(MODELS):
        torch.manual_seed(100 + index)
        gen = torch.Generator().manual_seed(200 + index)
        model = cls()
        randomize_bn(model, gen)
        model.eval()
        has_bn = any(isinstance(m, nn.BatchNorm2d) for m in model.modules())

        x = make_inputs(shape, kind, 300 + index)
        with torch.no_grad():
            y = np.stack([model(torch.from_numpy(x[i])).numpy() for i in range(SAMPLES)])
        np.save(os.path.join(OUT_DIR, f"{name}_input.npy"), x)
        np.save(os.path.join(OUT_DIR, f"{name}_output.npy"), y.astype(np.float32))
        manifest["models"][name] = {
            "description": cls.__doc__.split("\n")[0] + " " + " ".join(
                line.strip() for line in cls.__doc__.split("\n")[1:]).strip(),
            "params": sum(p.numel() for p in model.parameters()),
            "has_batchnorm": has_bn,
            "input_npy": f"{name}_input.npy", "output_npy": f"{name}_output.npy"}

        for opset in OPSETS:
            for variant in ("folded", "bn_kept"):
                m = export(model, shape, opset, variant)
                onnx.checker.check_model(m)
                ops = sorted({n.op_type for n in m.graph.node})
                if has_bn and ("BatchNormalization" in ops) != (variant == "bn_kept"):
                    sys.exit(f"{name} opset {opset} {variant}: BatchNormalization presence wrong")
                for i in range(SAMPLES):
                    got = run_onnx(m, x[i])
                    err = float(np.abs(got - y[i]).max())
                    if err > 1e-4 * max(1.0, float(np.abs(y[i]).max())):
                        sys.exit(f"{name} opset {opset} {variant}: numpy run differs by {err}")
                fname = f"{name}_opset{opset}_{variant}.onnx"
                onnx.save(m, os.path.join(OUT_DIR, fname))
                seen_ops.update(ops)
                manifest["files"].append({
                    "file": fname, "model": name, "opset": opset, "variant": variant,
                    "input_name": m.graph.input[0].name, "input_shape": dims(m.graph.input[0]),
                    "output_name": m.graph.output[0].name, "output_shape": dims(m.graph.output[0]),
                    "ops": ops, "nodes": len(m.graph.node)})
                print(f"{fname}: {len(m.graph.node)} nodes, {' '.join(ops)}")

    missing = [op for op in REQUIRED_OPS if op not in seen_ops]
    if missing:
        sys.exit(f"ops not covered by any model: {missing}")
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT_DIR, p)) for p in os.listdir(OUT_DIR))
    print(f"{len(manifest['files'])} files, {total} bytes in {OUT_DIR}")


if __name__ == "__main__":
    main()
