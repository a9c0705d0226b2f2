// The C++ reference executors: float32 for float graphs (the ops' own semantics, ops.def), int8
// for quantized graphs. The int8 path is the bit-exact oracle for the C runtime: it runs the same
// lowered kernel calls (lower/lower.h) through independent reference loops.
#pragma once
#include <functional>
#include <vector>

#include "io/array.h"
#include "ir/ir.h"
#include "lower/lower.h"

namespace mote {

// Called after every node with the node index and its output values (float or int8 data).
using Observer = std::function<void(int node, const Array& out)>;

// Runs a float graph on one batch of inputs (one Array per graph input, shapes as the graph's,
// in the graph's own layout). Returns one Array per graph output.
std::vector<Array> run_float(const Graph& g, const std::vector<Array>& inputs,
                             const Observer& observe = nullptr);

// Runs the lowered calls of a quantized graph (int8 activations; lower(g, target).calls) on int8
// inputs through the oracle kernels; returns int8 outputs.
std::vector<Array> run_int8(const Graph& g, const std::vector<KernelCall>& calls,
                            const std::vector<Array>& inputs, const Observer& observe = nullptr);

}  // namespace mote
