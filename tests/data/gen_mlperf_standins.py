#!/usr/bin/python3
"""Writes stand-ins for the two MLPerf Tiny models that are not in ../shared into
tests/data/mlperf/: the same layers and shapes, random weights, so that their speed and size on
the Cortex-M can be measured (bench/run.sh) and their QEMU outputs checked (tests/target).
  vww_mobilenet: visual wake words, MobileNetV1 width 0.25 on 96x96x3, 2 classes: a 3x3
                 stride-2 conv, 13 depthwise 3x3 + pointwise pairs (8 ... 256 channels), each
                 with BatchNorm and ReLU6, a global average pool (3x3), a Dense layer, Softmax.
  ad_autoencoder: anomaly detection, the ToyADMOS Dense autoencoder 640 -> 128 x4 -> 8 ->
                 128 x4 -> 640, each hidden Dense with BatchNorm and ReLU.
The BatchNorm statistics are those of the random inputs (one pass in training mode), so every
layer sees unit-scale activations as in a trained model. Exported with opset 13, BN folded.
Also NAME_input.npy (float32 [n, *input_shape]) as calibration and test input.
Run: /usr/bin/python3 tests/data/gen_mlperf_standins.py
"""
import io
import os

import numpy as np
import onnx
import torch
import torch.nn as nn

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlperf")


def conv_bn(cin, cout, k, stride, groups=1):
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout, momentum=None), nn.ReLU6()]


def vww_mobilenet():
    # (output channels, stride) of each depthwise + pointwise pair at width 0.25
    pairs = [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2)] + [(128, 1)] * 5 + [(256, 2), (256, 1)]
    layers = conv_bn(3, 8, 3, 2)
    c = 8
    for cout, s in pairs:
        layers += conv_bn(c, c, 3, s, groups=c) + conv_bn(c, cout, 1, 1)
        c = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 2), nn.Softmax(dim=1)]
    return nn.Sequential(*layers)


def ad_autoencoder():
    sizes = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128]
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), nn.BatchNorm1d(b, momentum=None), nn.ReLU()]
    layers.append(nn.Linear(128, 640))
    return nn.Sequential(*layers)


def export(name, model, x, keep):
    with torch.no_grad():
        model.train()
        model(torch.from_numpy(x))  # BN statistics of these inputs
        model.eval()
    f = io.BytesIO()
    torch.onnx.export(model, torch.from_numpy(x[:1]), f, opset_version=13, training=torch.onnx.TrainingMode.EVAL,
                      do_constant_folding=True, input_names=["input"], output_names=["output"])
    m = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(OUT_DIR, name + ".onnx"))
    np.save(os.path.join(OUT_DIR, name + "_input.npy"), x[:keep])
    print(name, sorted({n.op_type for n in m.graph.node}), os.path.getsize(os.path.join(OUT_DIR, name + ".onnx")), "B")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.manual_seed(8)
    rng = np.random.default_rng(8)
    # images in [0, 1): 16 for the statistics, 4 kept (27 KB each)
    images = rng.random((16, 3, 96, 96)).astype(np.float32)
    export("vww_mobilenet", vww_mobilenet(), images, 4)
    spectra = rng.standard_normal((16, 640)).astype(np.float32)
    export("ad_autoencoder", ad_autoencoder(), spectra, 8)


if __name__ == "__main__":
    main()
