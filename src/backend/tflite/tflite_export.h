// TFLite backend: writes an int8 canonical NHWC graph (what quantize() returns, or an imported
// int8 .tflite) as a fully int8 TensorFlow Lite model (schema v3) that TFLite and TFLM run.
#pragma once
#include <string>

#include "ir/ir.h"
#include "plan/planner.h"

namespace mote {

// The memory plan a .tflite carries for TFLM: TFLM's kernels do not compute in place, so no
// output shares bytes with an input except a RESHAPE's (TFLM's RESHAPE copies only when its
// input and output pointers differ). Constants and scratch are not planned.
MemoryPlan tflite_memory_plan(const Graph& g);

// One subgraph, buffer 0 empty, op versions as TFLite's converter sets them for int8, the graph
// input and output int8 with the graph's quantization. tflite_memory_plan(g) is stored as TFLM's
// "OfflineMemoryAllocation" metadata, and returned: one arena offset per tensor, -1 for
// constants and for the tensors the export adds (explicit PAD outputs). Written to a temporary
// file and renamed. Throws mote::Error naming the node for anything TFLite cannot express.
MemoryPlan export_tflite(const Graph& g, const std::string& path);
// The same model's bytes, not written.
std::string export_tflite_bytes(const Graph& g);

}  // namespace mote
