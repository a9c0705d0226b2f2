// The op table: what ops.def says about each op (schema, properties, int8 output quantization,
// shape inference, MAC count, the real-valued formula of activations), indexed by OpKind.
// Passes ask it for properties instead of keeping their own lists of ops.
#pragma once
#include <algorithm>
#include <cmath>

#include "ir/ir.h"

namespace mote {

enum OpFlag : uint32_t {
  Elementwise = 1u << 0,    // output element k reads element k of each input (after broadcasting)
  Binary = 1u << 1,         // two broadcasting inputs
  Spatial = 1u << 2,        // reads the layout of its 4-D first input
  FusesAct = 1u << 3,       // may carry a fused clamp act_min/act_max
  Alias = 1u << 4,          // no code: the output shares the input's bytes
  AxisAttr = 1u << 5,       // "axis" indexes the first input's dims
  AxesAttr = 1u << 6,       // "axes" index the first input's dims
  Weighted = 1u << 7,       // input 1 is a weight (per-channel int8), input 2 an int32 bias
  ConstOperands = 1u << 8,  // constant operands are quantized like activations
  Activation = 1u << 9,     // a MOTE_ACT row: unary, elementwise, has a formula
  Recurrent = 1u << 10,     // Lstm / Gru: inputs 1, 2 weights (W, R), 3 bias
  SharedQuant = 1u << 11,   // int8 inputs and output share one quantization
  FloatParams = 1u << 12,   // inputs after the first are float constants lowering folds (LayerNorm)
};

// How quantization chooses an op's int8 output scale and zero point.
struct OutQuant {
  enum Kind : uint8_t { Calibrated, SameAsInput, Fixed, Index } kind;  // Index: int32, unquantized
  float scale;
  int32_t zero_point;
};

// y = f(x) of an activation with the node's attributes.
using Formula = double (*)(double x, const Attrs& a);

struct OpDef {
  const char* name;
  int min_inputs;
  int max_inputs;
  uint32_t flags;
  OutQuant out_quant;
  Shape (*shape)(const Graph& g, const Node& n);      // throws mote::Error naming the node
  int64_t (*macs)(const Graph& g, const Node& n);
  Formula formula;                                     // activations only, else nullptr
  bool has(uint32_t f) const { return (flags & f) != 0; }
};

const OpDef& op_def(OpKind op);
const char* op_name(OpKind op);
inline bool op_has(OpKind op, uint32_t flags) { return op_def(op).has(flags); }
// OpKind by name from ops.def; returns false if unknown.
bool op_from_name(const std::string& name, OpKind* out);

// Output shape of node `n` from its input shapes and attributes.
Shape infer_shape(const Graph& g, const Node& n);
// Re-run shape inference over the whole graph in order and store the output shapes.
void infer_shapes(Graph& g);
// Multiply-accumulates of one inference of node `n` (elementwise ops count one per output).
int64_t mac_count(const Graph& g, const Node& n);
// The activation formula of node `n` at x; throws if `n` is no activation.
double activation(const Node& n, double x);

}  // namespace mote
