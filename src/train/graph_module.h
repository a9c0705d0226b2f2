// A float IR graph as a trainable libtorch computation. Internal to src/train's libtorch files
// (graph_module.cpp, fit.cpp); everything else sees train.h, which includes no libtorch.
//
// Every value carries one leading batch axis in front of its IR shape: the IR of an imported
// model describes one sample (its symbolic batch became 1), so a tensor of IR shape [1, C, H, W]
// is [B, 1, C, H, W] here and an LSTM input [T, I] is [B, T, I]. Each op maps its IR axes one
// to the right, which keeps every op's own semantics whatever the IR put on axis 0. Constants
// have no batch axis; where an op needs one (Concat, Tile) it is broadcast.
#pragma once
#include <ATen/ATen.h>

#include <functional>
#include <vector>

#include "ir/ir.h"

namespace mote::train {

using at::Tensor;

// Rewrites a value (a weight before use, an activation after its node): fake quantization.
using TensorHook = std::function<Tensor(const Tensor&)>;

class GraphModule {
 public:
  // Throws naming node and op when the graph holds something training cannot run (int8
  // tensors, a 1-D BatchMatMul activation).
  explicit GraphModule(const Graph& g);

  const Graph& graph() const { return g_; }
  void set_training(bool on) { training_ = on; }
  bool training() const { return training_; }

  // Runs the graph on one batch (inputs [B] + each graph input's IR shape) and returns the
  // values of the tensor ids in `want`, in order.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, const std::vector<int>& want);

  // One constant of the graph as libtorch holds it.
  struct Param {
    int tensor;          // IR tensor id
    Tensor value;        // requires grad when trainable
    bool trainable;      // weights, biases, BatchNorm scale/bias, LayerNorm, PRelu slopes
    bool prunable;       // Conv / FullyConnected / TransposeConv / recurrent weight matrices
    Tensor mask;         // 0/1, same shape; undefined = dense
    TensorHook hook;     // applied to value * mask before use; empty = none
    // Weight sharing (share()): `value` is then the layer's codebook in int8 code units, and
    // the weight is scale * codebook[index] per output channel; entries flagged in `fixed`
    // keep their `pinned` value and do not train.
    Tensor index, scale, fixed, pinned;
  };
  std::vector<Param>& params() { return params_; }
  const std::vector<Param>& params() const { return params_; }
  std::vector<Tensor> trainable() const;
  // Everything a checkpoint must hold: parameters, masks and the BatchNorm running statistics.
  std::vector<Tensor> state() const;
  // A hook on the value of activation tensor `id` (after its node, before its consumers).
  void set_activation_hook(int id, TensorHook h) { act_hooks_.at(size_t(id)) = std::move(h); }
  void clear_hooks();

  // The graph with the current values written back (masks applied, hooks not; shared weights
  // with their codebook rounded to int8 codes, so that the quantize pass finds exactly them).
  Graph export_graph() const;

  // Weight sharing with trainable centroids (Deep Compression's trained quantization): the
  // weight of param `k` (a FullyConnected or Conv weight) quantized per output channel as the
  // quantize pass does it (absmax / 127), its codes clustered by k-means into at most 2^bits
  // values (encode/weights.h), 0 and +-127 pinned so that no channel's scale moves; from then
  // on the codebook trains, each entry by the sum of its weights' gradients. Returns the
  // number of codebook entries and of pinned ones.
  std::pair<int64_t, int64_t> share(size_t k, int bits);
  // The value param `p` holds as the graph reads it; `rounded`: shared codebooks as int8 codes.
  Tensor weight(const Param& p, bool rounded = false) const;

  // Quantization-aware training: each Conv / FullyConnected / TransposeConv runs on its weights
  // as the quantize pass will store them: a BatchNorm that only it feeds folded in (its running
  // statistics, as passes/fold_batchnorm does), then fake-quantized per output channel
  // (symmetric, `bits`), the bias rounded to its int32 codes at input scale times weight scale.
  // Activation hooks quantize the activations. Gradients pass straight through the rounding.
  struct Qat {
    bool on = false;
    int bits = 8;
    std::vector<int> fold;         // per node: the BatchNorm node folded into it, -1 for none
    std::vector<float> in_scale;   // per node: its input's quantization scale, 0 if unknown
  };
  void set_qat(Qat q);
  // The weight and bias node `k` computes with: folded and fake-quantized under QAT.
  std::pair<Tensor, Tensor> effective_weights(size_t k, const std::vector<Tensor>& v) const;

 private:
  Tensor eval(const Node& n, const std::vector<Tensor>& v) const;

  Graph g_;
  bool training_ = false;
  std::vector<Param> params_;
  std::vector<int> param_of_;       // tensor id -> index in params_, -1 for activations
  std::vector<TensorHook> act_hooks_;
  Qat qat_;
  std::vector<bool> folded_away_;  // BatchNorm nodes folded into their producer under QAT
};

// Fake quantization with a straight-through gradient: x rounded (half away from zero, as the
// quantize pass rounds) to codes zero_point + round(x / scale) clamped to [qmin, qmax], back to
// real values; the gradient passes where x is inside the range and is zero outside.
Tensor fake_quant(const Tensor& x, double scale, int64_t zero_point, int64_t qmin, int64_t qmax);
// Per-channel symmetric fake quantization of a weight (axis 0, blocks of `rows` channels
// sharing one scale), the scales the quantize pass computes (quant/quantize.h weight_scale).
// Returns the quantized weight and the scale of each channel.
std::pair<Tensor, Tensor> fake_quant_weight(const Tensor& w, int bits, int64_t rows = 1);

// A contiguous float tensor of `shape` holding a copy of `data`.
Tensor from_floats(const float* data, const Shape& shape);

}  // namespace mote::train
