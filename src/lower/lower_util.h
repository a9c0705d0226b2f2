// What every family of lowering functions (lower/*.cpp) shares: the node being lowered and
// helpers that check its tensors and build constant tables.
#pragma once
#include <array>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ir/op_registry.h"
#include "lower/lower.h"
#include "lower/params/quant.h"

namespace mote {

struct LowerCtx {
  const Graph& g;
  const Node& n;
  const KernelDef* def;  // the entry being tried or built
  int in_place;          // the input tensor the output overwrites, -1 if none

  bool int8() const { return g.t(n.out()).dtype == DType::I8; }
  // int8, or int16 of the 16x8 scheme (zero point 0, int64 bias)
  bool quantized() const { return int8() || g.t(n.out()).dtype == DType::I16; }
  const Tensor& in(size_t k) const { return g.t(n.in(k)); }
  const Tensor& out() const { return g.t(n.out()); }
  [[noreturn]] void error(const std::string& why) const;
};

template <typename T>
ConstTable make_table(const std::string& role, DType dtype, const std::vector<T>& v) {
  ConstTable t;
  t.role = role;
  t.dtype = dtype;
  t.bytes.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  return t;
}
ConstTable copy_table(const std::string& role, const Tensor& t);

// Scale and zero point of a per-tensor quantized int8 (or int16, zero point 0) tensor.
struct TQ {
  double scale;
  int32_t zp;
};
TQ tensor_quant(const LowerCtx& c, const Tensor& t);
// The same with the scale as the float TFLite stores, for the params functions (lower/params/).
TensorQuant tflite_quant(const LowerCtx& c, const Tensor& t);
bool same_quant(const QuantParams& a, const QuantParams& b);
// The tensor has the node's activation dtype (i8, i16 or f32).
void check_dtype(const LowerCtx& c, const Tensor& t);
// Input 0 and the output have the node's activation dtype.
void check_io(const LowerCtx& c);
std::pair<int32_t, int32_t> multiplier(double real);
int32_t to_i32(const LowerCtx& c, int64_t v, const char* what);
// The fused clamp act_min/act_max in the output's int8 units (int16 for a 16x8 output; TFLite's
// CalculateActivationRangeQuantized) or as floats.
std::pair<int32_t, int32_t> act_range_s8(const LowerCtx& c);
std::pair<float, float> act_range_f32(const LowerCtx& c);
mote_dims nhwc_dims(const LowerCtx& c, const Tensor& t);
// A shape left-padded with 1s to rank 4.
std::array<int64_t, 4> pad4(const LowerCtx& c, const Shape& s);
const Tensor& const_input(const LowerCtx& c, size_t k, const char* what);
// Per-output-channel scales of a weight tensor (a per-tensor scale repeats).
std::vector<double> weight_scales(const LowerCtx& c, const Tensor& w, int64_t channels);
// Bias table of input k: int32 for int8 graphs, int64 for 16x8, float for float graphs; checked
// length.
void add_bias(const LowerCtx& c, KernelCall& call, size_t k, int64_t channels);
// "multiplier" and "shift" tables encoding each real.
void add_requant_tables(KernelCall& call, const std::vector<double>& reals);
// 16x8 kernels take TFLM's 64-bit requantization, whose shift must lie in [-31, 7].
void check_requant16(const LowerCtx& c, const KernelCall& call);

// How an int8 conv-like kernel walks its output: the pixels of all images in row-major order,
// `step` at a time (steps start at each image's first pixel), each reading the input taps of its
// window, first to last or (reverse) last to first. With `reads_first` a step reads all its
// taps before it writes its pixels; without, it may write a pixel while it still reads that
// pixel's taps. A fully connected layer is a 1x1 conv over one-pixel images.
struct ConvWalk {
  mote_dims in{}, out{};  // NHWC
  int32_t kh = 1, kw = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_top = 0, pad_left = 0;
  int32_t step = 1;
  bool reads_first = false, reverse = false;
};
ConvWalk conv_walk(const mote_conv_s8_params& p, int32_t step, bool reads_first, bool reverse = false);
ConvWalk fc_walk(int32_t batches, int32_t in_features, int32_t out_features, bool reads_first, bool reverse = false);
// The closest a kernel walking as w may put its output over its input (plan/planner.h): no
// output byte then lands on input a later read needs. Forward walks put it below, reverse ones
// above.
Overlap stream_overlap(const ConvWalk& w);
// A growing layer's output ends where its input ends when it is walked forward, and starts
// where it starts when walked backward; the latter keeps a chain of layers from drifting down
// the arena, so the kernels that can walk backward do so when the output is the larger.
bool walk_backward(const mote_dims& in, const mote_dims& out);

}  // namespace mote
