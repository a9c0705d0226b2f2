// Lowering: each node of a canonical NHWC graph (int8 after quantization, or float) becomes one
// runtime kernel call (runtime/include/mote/kernels.h) with its params struct filled in and its
// constant tables in the layout the kernel reads. This is the compiler's "prepare" step: every
// float computation (multipliers, shifts, lookup tables) happens here. Which runtime kernel a
// node becomes is the kernel registry's choice (lower/registry.h) for the given target.
#pragma once
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "encode/weights.h"
#include "ir/ir.h"
#include "lower/registry.h"
#include "plan/planner.h"
#include "mote/kernels.h"

namespace mote {

// A 256-entry int8 -> int8 table for mote_lut_s8.
struct LutParams {
  int32_t n = 0;  // elements
};

// Alias nodes (Reshape, Identity) have no kernel and no params.
using KernelParams =
    std::variant<std::monostate, mote_conv_s8_params, mote_conv_s8_dsp_params, mote_conv_f32_params, mote_fc_s8_params, mote_fc_s8_dsp_params,
                 mote_fc_f32_params, mote_add_s8_params, mote_mul_s8_params, mote_binary_f32_params,
                 LutParams, mote_unary_f32_params, mote_pool_s8_params, mote_pool_f32_params,
                 mote_mean_s8_params, mote_mean_f32_params, mote_softmax_s8_params,
                 mote_softmax_f32_params, mote_concat_params, mote_pad_params, mote_transpose_params,
                 mote_rnn_f32_params, mote_lstm_s8_params, mote_gru_s8_params,
                 mote_div_s8_params, mote_minmax_s8_params, mote_prelu_s8_params, mote_reduce_params,
                 mote_log_softmax_s8_params, mote_quant_params,
                 mote_transpose_conv_s8_params, mote_transpose_conv_f32_params,
                 mote_resize_nearest_params, mote_resize_bilinear_s8_params,
                 mote_resize_bilinear_f32_params, mote_slice_params, mote_gather_params,
                 mote_tile_params, mote_batch_matmul_s8_params, mote_batch_matmul_f32_params,
                 mote_layer_norm_f32_params, mote_layer_norm_s8_params,
                 mote_conv_chain_s8_params, mote_conv_chain_s8_dsp_params>;

// A constant array a kernel reads. `role` names what it is for the kernel: "weights", "bias",
// "multiplier", "shift", "table" (mote_lut_s8), "lut<k>" (concat requantization of input k),
// "inner_bytes" (concat), "recurrent" / "in_bias" / "rec_bias" / "sigmoid" (recurrent layers).
struct ConstTable {
  std::string role;
  DType dtype = DType::I8;  // I8, I32, F32
  std::vector<uint8_t> bytes;
  int64_t count() const { return int64_t(bytes.size() / dtype_size(dtype)); }
};

struct KernelCall {
  int node = -1;                  // index into Graph::nodes
  const KernelDef* def = nullptr; // the registry entry; nullptr for an alias (no code)
  KernelParams params;            // pointer fields are null: they refer to `tables` by role
  std::vector<ConstTable> tables;
  std::vector<int> inputs;        // tensor ids in kernel argument order (activations, or
                                  // constant operands of Add/Mul/Concat emitted as arrays)
  int output = -1;
  int in_place = -1;              // the input tensor the output is written over, -1 if none
  // >= 0: the node (a conv chain) whose call computes this one's output inside it; the call
  // is kept for the executor's observers, but no code runs it and its output has no buffer.
  int fused_into = -1;
  int64_t scratch_bytes = 0;
  // Not in place, a kernel that streams through its input: where its output may lie over that
  // input (input 0; plan/planner.h Overlap).
  std::optional<Overlap> overlap;
  // Encoded weights (mote compile --encode): the device decodes this blob; the "weights" table
  // stays for the C++ oracle, which computes with the same int8 values, and is not emitted.
  std::optional<EncodedWeights> encoded;
  // Storage bind_tables() points mote_concat_params::luts at (one entry per input).
  std::vector<const int8_t*> bound_luts;

  const ConstTable* table(const std::string& role) const;  // nullptr if absent
  std::string kernel() const { return def ? def->name : std::string(); }
  // Generated code calls a kernel for it: neither an alias nor absorbed into a chain.
  bool has_code() const { return def && fused_into < 0; }
};

struct Lowered {
  std::vector<KernelCall> calls;     // one per node, in node order
  std::vector<int64_t> scratch;      // per node: scratch bytes
  std::vector<int> in_place;         // per node: input tensor overwritten, -1 if none
  std::vector<int> fused_into;       // per node: KernelCall::fused_into
  std::vector<std::optional<Overlap>> overlap;  // per node: KernelCall::overlap
};

// Lowers every node for `target`; throws mote::Error naming the node for anything no registered
// kernel of that target can run. `allow_in_place` = false keeps every output in its own buffer
// (what a .tflite for TFLM needs: its kernels are not in-place), overlapping none.
Lowered lower(const Graph& g, const Target& target, bool allow_in_place = true);
// The arena plan of the lowered graph: its scratch, in-place outputs, chains and overlaps.
MemoryPlan plan_memory(const Graph& g, const Lowered& low);

// The activation a mote_unary_f32 call computes: its op and the attributes its alpha and beta
// stand for (so the ops.def formula can check the C kernel). False for an unknown op code.
bool unary_f32_node(const mote_unary_f32_params& p, Node* out);

// Points the pointer fields of `call.params` at its own tables (for the C++ executor).
void bind_tables(KernelCall& call);
// The same without touching the call: a copy of its params bound to its tables, with `luts`
// the storage the concat luts field points at (it must outlive the result).
KernelParams bound_params(const KernelCall& call, std::vector<const int8_t*>* luts);

}  // namespace mote
