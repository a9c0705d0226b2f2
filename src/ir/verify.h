#pragma once
#include "ir/ir.h"

namespace mote {

// Checks the IR invariants: ids in range, input counts per ops.def, topological order, every
// activation produced exactly once, stored shapes equal to inferred ones, constant data sizes,
// quantization parameter sizes. Collects every problem; throws one mote::Error listing them.
// `stage` (the pass just run) prefixes the message.
void verify(const Graph& g, const std::string& stage);

// Readable text dump: one line per tensor input/const summary, one line per node.
std::string dump(const Graph& g);

}  // namespace mote
