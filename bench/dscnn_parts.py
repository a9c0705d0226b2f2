#!/usr/bin/python3
"""The layers of `--arch dscnn:C` in parts, for bench/train.sh section 4: where the instructions
of its generated C go. Writes four ONNX files of the same layers with PyTorch's random weights
(the instructions of these kernels do not depend on the values): base (the strided first conv,
global pooling and the classifier), base + the four depthwise convs, base + the four 1x1 convs,
and all of them (the DS-CNN).
Usage: dscnn_parts.py C OUT_DIR"""
import os
import sys

import torch
import torch.nn as nn


def model(c, depthwise, pointwise):
    layers = [nn.Conv2d(1, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU()]
    for _ in range(4):
        if depthwise:
            layers += [nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.BatchNorm2d(c), nn.ReLU()]
        if pointwise:
            layers += [nn.Conv2d(c, c, 1), nn.BatchNorm2d(c), nn.ReLU()]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10)).eval()


def main(c, out):
    torch.manual_seed(0)
    for name, dw, pw in (("base", 0, 0), ("dw", 1, 0), ("pw", 0, 1), ("all", 1, 1)):
        torch.onnx.export(model(c, dw, pw), torch.rand(1, 1, 28, 28), os.path.join(out, f"parts{c}_{name}.onnx"), opset_version=13)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
