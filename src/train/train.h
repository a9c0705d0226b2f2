// Training on libtorch: float IR graphs trained, fine-tuned, distilled and pruned, the result
// written back into the IR. Plain C++: libtorch stays inside src/train's .cpp files.
#pragma once
#include <vector>

#include "io/array.h"
#include "ir/ir.h"

namespace mote::train {

// Runs a float graph in libtorch (inference mode) on a batch: one Array per graph input, each
// [N] + the input's IR shape (or the IR shape itself for N = 1). Returns one float Array per
// graph output, [N] + its IR shape.
std::vector<Array> forward(const Graph& g, const std::vector<Array>& inputs);

}  // namespace mote::train
