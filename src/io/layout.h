// Data sets in a model's own input layout (NCHW for 4-D ONNX inputs) converted to the canonical
// graph's layout (NHWC) as float32.
#pragma once
#include <string>

#include "io/array.h"
#include "ir/ir.h"

namespace mote {

// The number of samples in `data` for graph input `in`: [N, ...sample] exactly, or any shape
// whose trailing dims hold whole samples once size-1 dims are ignored (IDX images [N,28,28] for
// a [1,1,28,28] input), of float32, uint8 or int8. Throws naming `what` (the data file).
int64_t check_samples(const Tensor& in, const Array& data, const std::string& what);

// Converts a batch of samples in the imported graph's input layout to the canonical layout,
// checking shape and converting dtype to float32. `what` names the data file in errors.
Array to_graph_layout(const Graph& imported, const Array& data, const std::string& what);

}  // namespace mote
