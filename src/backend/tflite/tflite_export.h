// TFLite backend: writes a canonical NHWC graph as a TensorFlow Lite model (schema v3) that
// TFLite and TFLM run: an int8 (or 16x8) graph (what quantize() returns, or an imported int8
// .tflite) as a fully int8 model, a float graph (canonicalize() without calibration) as a
// float32 one.
#pragma once
#include <string>

#include "ir/ir.h"
#include "plan/planner.h"

namespace mote {

// The memory plan a .tflite carries for TFLM: TFLM's kernels do not compute in place, so no
// output shares bytes with an input except a RESHAPE's (TFLM's RESHAPE copies only when its
// input and output pointers differ). Constants and scratch are not planned.
MemoryPlan tflite_memory_plan(const Graph& g);

// One subgraph, buffer 0 empty, op versions as TFLite's converter sets them for the graph's
// dtype, the graph input and output int8 with the graph's quantization (a float graph: every
// tensor and weight float32, unquantized; the same fused activations and NHWC layout).
// tflite_memory_plan(g) is stored as TFLM's "OfflineMemoryAllocation" metadata, and returned:
// one arena offset per tensor, -1 for constants and for the tensors the export adds (explicit
// PAD outputs). Written to a temporary file and renamed. Throws mote::Error naming the node for anything TFLite cannot express.
MemoryPlan export_tflite(const Graph& g, const std::string& path);
// The same model's bytes, not written.
std::string export_tflite_bytes(const Graph& g);

}  // namespace mote
