#pragma once
#include <string>

#include "ir/ir.h"

namespace mote {

// Imports an ONNX model (opsets 11..17) into a float IR graph in NCHW layout with static
// shapes (batch 1 when the batch dimension is symbolic). Throws mote::Error with one line
// naming the file, node, op and opset on anything unsupported or malformed.
Graph import_onnx(const std::string& path);
// The same for a model already in memory; `path` only names it in errors and gives the graph its name.
Graph import_onnx_bytes(const std::string& bytes, const std::string& path);

}  // namespace mote
