"""One fully connected layer of an MLP ONNX file (Mul by the input scale, Reshape, then Gemm /
Relu pairs, as `mote train --arch mlp:...` writes it) as a model of its own, with calibration
inputs: the layer's inputs in the float model for the first N images of an IDX file. bench/train.sh
section 8 measures a layer's kernel this way, without the layers around it.
Usage: fc_layer.py MODEL.onnx LAYER IMAGES.idx.gz N OUT.onnx OUT_calib.npy"""
import gzip
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def main(src, layer, images, n, out, calib):
    m = onnx.load(src)
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    raw = gzip.open(images).read()
    x = np.frombuffer(raw, np.uint8, offset=16)[:n * 784].reshape(n, 784).astype(np.float32)
    x *= init["input_scale"].reshape(-1)[0]
    gemms = [g for g in m.graph.node if g.op_type == "Gemm"]
    for g in gemms:
        w, b = init[g.input[1]], init[g.input[2]]
        if g.name == layer:
            break
        x = np.maximum(x @ w.T + b, 0.0)  # every Gemm before the last is followed by a Relu
    else:
        sys.exit(f"{src}: no Gemm '{layer}'")
    k, o = w.shape[1], w.shape[0]
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name=layer, transB=1)]
    graph = helper.make_graph(nodes, layer, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, k])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, o])],
                              [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), out)
    np.save(calib, x.reshape(n, 1, k))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
