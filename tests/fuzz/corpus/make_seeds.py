"""Writes the libFuzzer seed corpora under tests/fuzz/corpus/: tiny ONNX models covering the
importer's op families (onnx/), single-op conformance .tflite cases from ../shared and TFLM
compressed files (DECODE operators: LUT, Huffman, prune) that mote convert --compress writes
(tflite/), and the data files of tests/data/io (array/). Every seed loads. Inputs that once
crashed a reader are kept beside them as crash-* (this script leaves those alone). Run with
/usr/bin/python3; MOTE names the mote binary (default build/mote)."""
import os
import shutil
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
rng = np.random.default_rng(7)


def out_dir(name):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if not f.startswith("crash-"):
            os.remove(os.path.join(d, f))
    return d


def init(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def model(path, nodes, inputs, outputs, inits, opset):
    g = helper.make_graph(nodes, os.path.basename(path), inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(m)
    onnx.save(m, path)


def vi(name, *shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def onnx_seeds():
    d = out_dir("onnx")
    x = vi("x", 1, 2, 6, 6)
    model(os.path.join(d, "conv_relu_pool.onnx"), [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2], strides=[2, 2]),
    ], [x], [vi("y", 1, 3, 3, 3)], [init("w", 3, 2, 3, 3), init("b", 3)], 13)
    model(os.path.join(d, "depthwise_bn_clip.onnx"), [
        helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3], group=2, pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "o", "m", "v"], ["n"], epsilon=1e-5),
        helper.make_node("Clip", ["n", "lo", "hi"], ["y"]),
    ], [x], [vi("y", 1, 2, 6, 6)], [init("w", 2, 1, 3, 3), init("s", 2), init("o", 2), init("m", 2),
                                      numpy_helper.from_array(np.ones(2, np.float32), "v"),
                                      numpy_helper.from_array(np.array(0, np.float32), "lo"),
                                      numpy_helper.from_array(np.array(6, np.float32), "hi")], 13)
    model(os.path.join(d, "flatten_gemm_softmax.onnx"), [
        helper.make_node("GlobalAveragePool", ["x"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "w", "b"], ["g"], transB=1),
        helper.make_node("Softmax", ["g"], ["y"], axis=1),
    ], [x], [vi("y", 1, 4)], [init("w", 4, 2), init("b", 4)], 11)
    model(os.path.join(d, "shape_reshape_matmul.onnx"), [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "i0"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "ax"], ["nu"]),
        helper.make_node("Concat", ["nu", "rest"], ["shape"], axis=0),
        helper.make_node("Reshape", ["x", "shape"], ["r"]),
        helper.make_node("MatMul", ["r", "w"], ["m"]),
        helper.make_node("Add", ["m", "b"], ["y"]),
    ], [x], [vi("y", 1, 5)], [numpy_helper.from_array(np.array(0, np.int64), "i0"),
                               numpy_helper.from_array(np.array([0], np.int64), "ax"),
                               numpy_helper.from_array(np.array([-1], np.int64), "rest"),
                               init("w", 72, 5), init("b", 5)], 13)
    model(os.path.join(d, "transpose_pad_slice.onnx"), [
        helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
        helper.make_node("Pad", ["t", "pads"], ["p"], mode="constant"),
        helper.make_node("Slice", ["shape8", "st", "en", "axes"], ["s"]),
        helper.make_node("Reshape", ["p", "s"], ["r"]),
        helper.make_node("Sigmoid", ["r"], ["g"]),
        helper.make_node("Mul", ["r", "g"], ["y"]),
    ], [x], [vi("y", 1, 128)], [numpy_helper.from_array(np.array([0, 1, 1, 0, 0, 1, 1, 0], np.int64), "pads"),
                                 numpy_helper.from_array(np.array([1, 128], np.int64), "shape8"),
                                 numpy_helper.from_array(np.array([0], np.int64), "st"),
                                 numpy_helper.from_array(np.array([9223372036854775807], np.int64), "en"),
                                 numpy_helper.from_array(np.array([0], np.int64), "axes")], 17)
    model(os.path.join(d, "avgpool_reducemean_hardswish.onnx"), [
        helper.make_node("AveragePool", ["x"], ["a"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1]),
        helper.make_node("HardSwish", ["a"], ["h"]),
        helper.make_node("ReduceMean", ["h"], ["y"], axes=[2, 3], keepdims=1),
    ], [x], [vi("y", 1, 2, 1, 1)], [], 14)


TFLITE_CASES = ["softmax_beta1", "logistic", "avgpool_3x3_s1_same", "maxpool_global", "mean_axis3",
                "add_broadcast_relu", "reshape_4d_to_2d", "pad_hw", "concat_axis1_const_same_scale",
                "depthwise_3x3_s2_same_m1", "conv2d_s2_same_dil1", "fully_connected_bias",
                "quantize_int8_rescale", "tanh"]


def tflite_seeds():
    d = out_dir("tflite")
    for case in TFLITE_CASES:
        shutil.copyfile(os.path.join(ROOT, "..", "shared", "conformance", case, "model.tflite"),
                    os.path.join(d, case + ".tflite"))
    compressed_seeds(d)


def compressed_seeds(d):
    """A two-layer MLP whose weights are mostly zero and take a few values per output channel, so
    that each of TFLM's compressions (lut, huffman, prune) has something to compress."""
    mote = os.environ.get("MOTE", os.path.join(ROOT, "build", "mote"))
    levels = np.array([-1.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0], np.float32)

    def weights(name, n_out, n_in):
        w = levels[rng.integers(0, len(levels), (n_out, n_in))] * rng.uniform(0.1, 1.0, (n_out, 1))
        w[:, 0] = 1.0  # every channel keeps its largest code, 127
        return numpy_helper.from_array(w.astype(np.float32), name)

    with tempfile.TemporaryDirectory() as tmp:
        onnx_path, calib = os.path.join(tmp, "mlp.onnx"), os.path.join(tmp, "calib.npy")
        model(onnx_path, [
            helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
            helper.make_node("Relu", ["h"], ["r"]),
            helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], transB=1),
        ], [vi("x", 1, 96)], [vi("y", 1, 10)], [weights("w1", 64, 96), init("b1", 64), weights("w2", 10, 64), init("b2", 10)], 13)
        np.save(calib, rng.standard_normal((16, 96)).astype(np.float32))
        for method in ("", "lut", "huffman", "prune"):
            out = os.path.join(d, f"compressed_{method}.tflite") if method else os.path.join(tmp, "plain.tflite")
            subprocess.run([mote, "convert", onnx_path, "--calib", calib, "-o", out] + (["--compress", method] if method else []),
                           check=True, stdout=subprocess.DEVNULL)
            if method and os.path.getsize(out) >= os.path.getsize(os.path.join(tmp, "plain.tflite")):
                raise SystemExit(f"--compress {method} wrote no smaller file: the seed would not hold DECODE operators")


def array_seeds():
    d = out_dir("array")
    src = os.path.join(ROOT, "tests", "data", "io")
    for f in sorted(os.listdir(src)):
        if f == "fortran.npy":  # a seed must load; this one is rejected by design
            continue
        shutil.copyfile(os.path.join(src, f), os.path.join(d, f))


onnx_seeds()
tflite_seeds()
array_seeds()
