#!/usr/bin/python3
"""Runs an int8 or float32 .tflite on ArmNN's TfLite parser and CpuRef backend, an independent
TFLite implementation: reads N raw inputs back to back, writes the N raw outputs (int8, or
float32 for a float model).

usage: check_tflite.py MODEL.tflite INPUTS.bin N OUTPUTS.bin
Prints one line: samples, seconds spent running them.
"""
import contextlib
import io
import sys
import time

import numpy as np

with contextlib.redirect_stdout(io.StringIO()):  # pyarmnn prints notes on import
    import pyarmnn as ann


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    model, inputs, n, outputs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model)
    in_names = parser.GetSubgraphInputTensorNames(0)
    out_names = parser.GetSubgraphOutputTensorNames(0)
    if len(in_names) != 1 or len(out_names) != 1:
        sys.exit(f"{model}: {len(in_names)} inputs, {len(out_names)} outputs; one of each expected")
    in_info = parser.GetNetworkInputBindingInfo(0, in_names[0])
    out_info = parser.GetNetworkOutputBindingInfo(0, out_names[0])

    runtime = ann.IRuntime(ann.CreationOptions())
    opt, messages = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)

    is_float = in_info[1].GetDataType() == ann.DataType_Float32
    dtype = np.float32 if is_float else np.int8
    per = in_info[1].GetNumElements()
    data = np.fromfile(inputs, dtype=dtype)
    if data.size != n * per:
        sys.exit(f"{inputs}: {data.size} values for {n} samples of {per}")
    data = data.reshape(n, per)
    results = []
    start = time.perf_counter()
    for k in range(n):
        in_tensors = ann.make_input_tensors([in_info], [data[k]])
        out_tensors = ann.make_output_tensors([out_info])
        runtime.EnqueueWorkload(net_id, in_tensors, out_tensors)
        results.append(ann.workload_tensors_to_ndarray(out_tensors)[0].astype(dtype).reshape(-1))
    seconds = time.perf_counter() - start
    np.concatenate(results).tofile(outputs)
    print(f"{n} samples {seconds:.3f} s")


if __name__ == "__main__":
    main()
