// Data sets in a model's own input layout (NCHW for 4-D ONNX inputs) converted to the canonical
// graph's layout (NHWC) as float32.
#pragma once
#include <string>

#include "io/array.h"
#include "ir/ir.h"

namespace mote {

// Converts a batch of samples in the imported graph's input layout to the canonical layout,
// checking shape and converting dtype to float32. `what` names the data file in errors.
Array to_graph_layout(const Graph& imported, const Array& data, const std::string& what);

}  // namespace mote
