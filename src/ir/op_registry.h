// The table that hangs schema, shape inference and MAC count off each op of ops.def.
#pragma once
#include "ir/ir.h"

namespace mote {

struct OpDef {
  const char* name;
  int min_inputs;
  int max_inputs;
};

const OpDef& op_def(OpKind op);
const char* op_name(OpKind op);
// OpKind by name from ops.def; returns false if unknown.
bool op_from_name(const std::string& name, OpKind* out);

// Output shape of node `n` from its input shapes and attributes; throws mote::Error naming the
// node on inconsistent inputs.
Shape infer_shape(const Graph& g, const Node& n);
// Re-run shape inference over the whole graph in order and store the output shapes.
void infer_shapes(Graph& g);
// True when output element k depends only on element k of each input whose shape equals the
// output's (elementwise ops): the kernel may then write its output over such an input.
bool op_elementwise(OpKind op);
// Multiply-accumulates of one inference of node `n` (elementwise ops count one per output).
int64_t mac_count(const Graph& g, const Node& n);

}  // namespace mote
