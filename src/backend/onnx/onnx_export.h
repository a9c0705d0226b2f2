// Writing a float IR graph as an ONNX model (opset 17), in the form the ONNX importer reads
// back: NCHW, batch 1, every weight an initializer. The graphs the importer and src/train
// produce can be written; canonical (NHWC) and quantized graphs cannot.
#pragma once
#include <string>

#include "ir/ir.h"

namespace mote {

// The serialized ModelProto. Throws naming node and op for what ONNX cannot express here.
std::string onnx_model_bytes(const Graph& g);

// onnx_model_bytes written atomically to `path` (nothing is left behind on failure).
void write_onnx(const Graph& g, const std::string& path);

}  // namespace mote
