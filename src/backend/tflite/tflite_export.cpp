#include "backend/tflite/tflite_export.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>

#include "formats/tflite/schema_generated.h"
#include "frontend/op_geometry.h"
#include "ir/op_registry.h"
#include "lower/params/indexing.h"
#include "lower/registry.h"
#include "ref/executor.h"
#include "util/file.h"

namespace mote {

namespace {

namespace tfl = tflite;
using flatbuffers::Offset;

// The TFLite clamp of a fused activation [lo, hi] on an int8 (or, is16, int16) output
// quantized (scale, zp): CalculateActivationRangeQuantized, the bound divided by the scale in
// float.
std::pair<int32_t, int32_t> int8_clamp(float lo, float hi, float scale, int32_t zp, bool is16 = false) {
  const int32_t qmin = is16 ? -32768 : -128, qmax = is16 ? 32767 : 127;
  int32_t qlo = qmin, qhi = qmax;
  if (std::isfinite(lo)) qlo = int32_t(std::clamp<double>(zp + std::round(lo / scale), qmin, qmax));
  if (std::isfinite(hi)) qhi = int32_t(std::clamp<double>(zp + std::round(hi / scale), qmin, qmax));
  return {qlo, qhi};
}

QuantParams per_tensor(float scale, int32_t zp) {
  QuantParams q;
  q.scale = {scale};
  q.zero_point = {zp};
  return q;
}

// TFLite's fused activations and the real range each clamps to.
struct Act {
  tfl::ActivationFunctionType type;
  float lo, hi;
};
constexpr Act kActs[] = {{tfl::ActivationFunctionType::NONE, kNoMin, kNoMax},
                         {tfl::ActivationFunctionType::RELU, 0.0f, kNoMax},
                         {tfl::ActivationFunctionType::RELU6, 0.0f, 6.0f},
                         {tfl::ActivationFunctionType::RELU_N1_TO_1, -1.0f, 1.0f}};

// A small int8 graph over the 256 codes of one input [256]: what mote's oracle kernels (TFLM's
// arithmetic) compute for an op sequence, code by code.
struct Probe {
  Graph g;
  int x = -1;
  explicit Probe(const QuantParams& xq) {
    g.name = "probe";
    x = g.add_value("x", DType::I8, {256});
    g.t(x).quant = xq;
    g.inputs = {x};
  }
  int constant(int8_t v, const QuantParams& q) {
    const int t = g.add_const(g.unique_name("c"), DType::I8, {1}, &v);
    g.t(t).quant = q;
    return t;
  }
  int node(OpKind op, std::vector<int> ins, const QuantParams& q, const Attrs& a) {
    const int y = g.add_value(g.unique_name("y"), DType::I8, {256});
    g.t(y).quant = q;
    g.add_node(op, g.unique_name("n"), std::move(ins), {y}, a);
    return y;
  }
  std::vector<int8_t> run() {
    g.outputs = {g.nodes.back().out()};
    Array a;
    a.dtype = DType::I8;
    a.shape = {256};
    for (int q = -128; q <= 127; ++q) a.bytes.push_back(uint8_t(int8_t(q)));
    const Array y = run_int8(g, lower(g, host_target()).calls, {a}).at(0);
    return std::vector<int8_t>(y.as<int8_t>(), y.as<int8_t>() + 256);
  }
};

// HardSigmoid as MUL(x, alpha) [then ADD(., beta)]: the quantization of each operand. alpha is
// +-1 at scale |alpha|; the MUL's output at scale |alpha| sx holds x's codes (negated and
// shifted when alpha < 0); beta is `code` at scale |beta| / |code| (code 0: beta is 0, no ADD).
struct HardSigmoidForm {
  int8_t sign = 1, beta_code = 0;
  QuantParams alpha_q, scaled_q, beta_q;
  HardSigmoidForm(const QuantParams& xq, float alpha, float beta, int32_t code) {
    sign = alpha > 0 ? 1 : -1;
    alpha_q = per_tensor(std::fabs(alpha), 0);
    scaled_q = per_tensor(std::fabs(alpha) * xq.scale.at(0), sign > 0 ? xq.zero_point.at(0) : -xq.zero_point.at(0) - 1);
    if (code == 0) return;
    beta_code = int8_t(beta > 0 ? code : -code);
    beta_q = per_tensor(std::fabs(beta) / float(code), 0);
  }
};

class Exporter {
 public:
  Exporter(const Graph& g, const MemoryPlan& plan) : g_(g), plan_(plan), index_(g.tensors.size(), -1) {
    buffers_.push_back(tfl::CreateBuffer(fb_));  // buffer 0: the empty sentinel
  }

  std::string run() {
    if (g_.inputs.empty() || g_.outputs.empty()) fail("export tflite: graph '{}' has no inputs or outputs", g_.name);
    float_ = g_.t(g_.inputs[0]).dtype == DType::F32;
    for (int id : g_.inputs) {
      const DType d = g_.t(id).dtype;
      if (float_ ? d != DType::F32 : d != DType::I8 && d != DType::I16)
        fail("export tflite: graph input '{}' is {}; expected {}", g_.t(id).name, dtype_name(d),
             float_ ? "f32 like the first input" : "i8 or i16 (a quantized graph) or f32 (a float one)");
    }
    if (plan_.tensor_offset.size() != g_.tensors.size())
      fail("export tflite: memory plan has {} tensor offsets for {} tensors", plan_.tensor_offset.size(), g_.tensors.size());
    std::vector<int32_t> ins, outs;
    for (int id : g_.inputs) ins.push_back(tensor(id));
    for (const Node& n : g_.nodes) node(n);
    for (int id : g_.outputs) outs.push_back(tensor(id));

    // TFLM's offline plan: version 1, subgraph 0, one offset per tensor.
    std::vector<int32_t> meta = {1, 0, int32_t(offsets_.size())};
    meta.insert(meta.end(), offsets_.begin(), offsets_.end());
    const uint32_t meta_buf = buffer(meta.data(), meta.size() * sizeof(int32_t));

    auto subgraph = tfl::CreateSubGraph(fb_, fb_.CreateVector(tensors_), fb_.CreateVector(ins), fb_.CreateVector(outs),
                                        fb_.CreateVector(ops_), fb_.CreateString(g_.name));
    std::vector<Offset<tfl::Metadata>> metadata = {
        tfl::CreateMetadata(fb_, fb_.CreateString("OfflineMemoryAllocation"), meta_buf)};
    auto model = tfl::CreateModel(fb_, 3, fb_.CreateVector(codes_), fb_.CreateVector(std::vector{subgraph}),
                                  fb_.CreateString("mote"), fb_.CreateVector(buffers_), 0, fb_.CreateVector(metadata));
    tfl::FinishModelBuffer(fb_, model);
    return std::string(reinterpret_cast<const char*>(fb_.GetBufferPointer()), fb_.GetSize());
  }

 private:
  const Graph& g_;
  const MemoryPlan& plan_;
  bool float_ = false;  // a float32 graph: float tensors, no quantization, float op versions
  flatbuffers::FlatBufferBuilder fb_;
  std::vector<int> index_;  // mote tensor id -> TFLite tensor index, -1 until written
  std::vector<Offset<tfl::Buffer>> buffers_;
  std::vector<Offset<tfl::Tensor>> tensors_;
  std::vector<int32_t> offsets_;  // offline plan, per TFLite tensor
  std::vector<Offset<tfl::Operator>> ops_;
  std::vector<Offset<tfl::OperatorCode>> codes_;
  std::map<std::pair<tfl::BuiltinOperator, int>, uint32_t> code_index_;

  [[noreturn]] static void node_error(const Node& n, const std::string& why) {
    fail("export tflite: node '{}' ({}): {}", n.name, op_name(n.op), why);
  }

  uint32_t buffer(const void* data, size_t bytes) {
    fb_.ForceVectorAlignment(bytes, 1, 16);  // schema: force_align 16
    auto v = fb_.CreateVector(static_cast<const uint8_t*>(data), bytes);
    buffers_.push_back(tfl::CreateBuffer(fb_, v));
    return uint32_t(buffers_.size() - 1);
  }

  static tfl::TensorType type_of(DType d) {
    switch (d) {
      case DType::I8: return tfl::TensorType::INT8;
      case DType::I32: return tfl::TensorType::INT32;
      case DType::F32: return tfl::TensorType::FLOAT32;
      case DType::U8: return tfl::TensorType::UINT8;
      case DType::I64: return tfl::TensorType::INT64;
      case DType::U16: return tfl::TensorType::UINT16;
      case DType::I16: return tfl::TensorType::INT16;
    }
    return tfl::TensorType::FLOAT32;
  }

  // A new TFLite tensor; `data` empty for activations (buffer 0). `qdim` is the file's
  // quantized_dimension for per-channel params.
  int32_t add(const std::string& name, DType dtype, const Shape& shape, const QuantParams& q, int qdim,
              const std::vector<uint8_t>& data, int64_t arena_offset) {
    return add_typed(name, type_of(dtype), shape, q, qdim, data, arena_offset, false);
  }

  // add() with the file's element type given; `variable`: state TFLM keeps across invocations
  // and zeroes at AllocateTensors (recurrent layers).
  int32_t add_typed(const std::string& name, tfl::TensorType type, const Shape& shape, const QuantParams& q, int qdim,
                    const std::vector<uint8_t>& data, int64_t arena_offset, bool variable) {
    std::vector<int32_t> dims;
    for (int64_t d : shape) {
      if (d < 0 || d > INT32_MAX) fail("export tflite: tensor '{}' has dim {} outside int32", name, d);
      dims.push_back(int32_t(d));
    }
    Offset<tfl::QuantizationParameters> qp = 0;
    if (!q.empty()) {
      std::vector<int64_t> zps(q.zero_point.begin(), q.zero_point.end());
      qp = tfl::CreateQuantizationParameters(fb_, 0, 0, fb_.CreateVector(q.scale), fb_.CreateVector(zps),
                                             tfl::QuantizationDetails::NONE, 0, q.per_channel() ? qdim : 0);
    }
    const uint32_t buf = data.empty() ? 0 : buffer(data.data(), data.size());
    auto shape_v = fb_.CreateVector(dims);
    auto name_s = fb_.CreateString(name);
    tensors_.push_back(tfl::CreateTensor(fb_, shape_v, type, buf, name_s, qp, variable));
    offsets_.push_back(data.empty() && arena_offset >= 0 ? int32_t(arena_offset) : -1);
    return int32_t(tensors_.size() - 1);
  }

  // The TFLite tensor of a mote tensor, written on first use as the graph has it.
  int32_t tensor(int id) {
    if (index_.at(size_t(id)) >= 0) return index_[size_t(id)];
    const Tensor& t = g_.t(id);
    index_[size_t(id)] = add(t.name, t.dtype, t.shape, t.quant, t.quant.axis, t.data, plan_.tensor_offset[size_t(id)]);
    return index_[size_t(id)];
  }

  int32_t const_i32(const std::string& name, const std::vector<int32_t>& v, const Shape& shape) {
    std::vector<uint8_t> bytes(v.size() * sizeof(int32_t));
    std::memcpy(bytes.data(), v.data(), bytes.size());
    return add(name, DType::I32, shape, {}, 0, bytes, -1);
  }

  // A float32 constant [1].
  int32_t const_f32(const std::string& name, float v) {
    std::vector<uint8_t> bytes(sizeof(float));
    std::memcpy(bytes.data(), &v, sizeof(float));
    return add(name, DType::F32, {1}, {}, 0, bytes, -1);
  }

  void op(tfl::BuiltinOperator code, int version, const std::vector<int32_t>& ins, int32_t out,
          tfl::BuiltinOptions type = tfl::BuiltinOptions::NONE, Offset<void> options = 0) {
    auto key = std::make_pair(code, version);
    auto it = code_index_.find(key);
    if (it == code_index_.end()) {
      // deprecated_builtin_code holds codes below 127; above, the placeholder.
      const int8_t old = int8_t(std::min<int32_t>(int32_t(code), 127));
      codes_.push_back(tfl::CreateOperatorCode(fb_, old, 0, version, code));
      it = code_index_.emplace(key, uint32_t(codes_.size() - 1)).first;
    }
    auto in_v = fb_.CreateVector(ins);
    auto out_v = fb_.CreateVector(std::vector<int32_t>{out});
    ops_.push_back(tfl::CreateOperator(fb_, it->second, in_v, out_v, type, options));
  }

  // The op version TFLite's converter writes for this graph's dtype: float32 or quantized.
  int ver(int float_version, int quantized_version) const { return float_ ? float_version : quantized_version; }

  // The element type of weights.
  DType weight_dtype() const { return float_ ? DType::F32 : DType::I8; }

  // The fused activation whose int8 clamp equals the node's act_min/act_max clamp.
  tfl::ActivationFunctionType fused(const Node& n) {
    return activation(n, n.attrs.f("act_min", kNoMin), n.attrs.f("act_max", kNoMax), g_.t(n.out()).quant).type;
  }

  // The TFLite activation whose real range is [lo, hi], if any.
  static const Act* exact_activation(float lo, float hi) {
    for (const Act& c : kActs)
      if (c.lo == lo && c.hi == hi) return &c;
    return nullptr;
  }

  // The TFLite activation that clamps like the real range [lo, hi] on an output quantized `q`:
  // the one with the same real range if any, else (quantized) any with the same int8 range.
  const Act& activation(const Node& n, float lo, float hi, const QuantParams& q) {
    if (const Act* c = exact_activation(lo, hi)) return *c;
    if (float_) node_error(n, fmt::format("clamp [{}, {}] is none of TFLite's fused activations (RELU, RELU6, RELU_N1_TO_1)", lo, hi));
    const float s = q.scale.at(0);
    const int32_t zp = q.zero_point.at(0);
    const bool is16 = g_.t(n.out()).dtype == DType::I16;
    const auto want = int8_clamp(lo, hi, s, zp, is16);
    for (const Act& c : kActs)
      if (int8_clamp(c.lo, c.hi, s, zp, is16) == want) return c;
    node_error(n, fmt::format("clamp [{}, {}] (int8 [{}, {}]) is not a TFLite activation", lo, hi, want.first, want.second));
  }

  // The activation as an op of its own from src into out (both quantized alike, so the int8 op
  // only clamps).
  void activation_op(tfl::ActivationFunctionType act, int32_t src, int32_t out) {
    switch (act) {
      case tfl::ActivationFunctionType::RELU: return op(tfl::BuiltinOperator::RELU, ver(1, 2), {src}, out);
      case tfl::ActivationFunctionType::RELU6: return op(tfl::BuiltinOperator::RELU6, ver(1, 2), {src}, out);
      case tfl::ActivationFunctionType::RELU_N1_TO_1: return op(tfl::BuiltinOperator::RELU_N1_TO_1, 1, {src}, out);
      default: fail("export tflite: activation {} has no op of its own", tfl::EnumNameActivationFunctionType(act));
    }
  }

  const Tensor& in(const Node& n, size_t k) {
    if (n.in(k) < 0) node_error(n, fmt::format("input {} is absent", k));
    return g_.t(n.in(k));
  }

  static std::vector<float> channel_scales(const Tensor& w, int64_t channels) {
    std::vector<float> s(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) s[size_t(c)] = w.quant.per_channel() ? w.quant.scale.at(size_t(c)) : w.quant.scale.at(0);
    return s;
  }

  // int32 bias (int64 for 16x8) with scale input_scale * weight_scale[c], float32 in a float
  // graph (zeros when the node has none).
  int32_t bias(const Node& n, size_t slot, const Tensor& x, const Tensor& w, int64_t channels) {
    // Per-channel weights give per-channel bias scales; per-tensor weights one bias scale.
    QuantParams q;
    if (!float_) {
      for (float ws : channel_scales(w, w.quant.per_channel() ? channels : 1)) {
        q.scale.push_back(x.quant.scale.at(0) * ws);
        q.zero_point.push_back(0);
      }
      q.axis = w.quant.per_channel() ? 0 : -1;
    }
    const DType od = g_.t(n.out()).dtype;
    const DType bt = od == DType::F32 ? DType::F32 : od == DType::I16 ? DType::I64 : DType::I32;
    if (n.in(slot) < 0) {
      std::vector<uint8_t> zeros(size_t(channels) * dtype_size(bt), 0);
      return add(g_.unique_name(n.name + "_bias"), bt, {channels}, q, 0, zeros, -1);
    }
    const Tensor& b = in(n, slot);
    if (b.dtype != bt || !b.is_const() || b.numel() != channels)
      node_error(n, fmt::format("bias '{}' must be {} constant {} values", b.name, channels, dtype_name(bt)));
    return add(b.name, bt, {channels}, q, 0, b.data, -1);
  }

  static bool same_quant(const QuantParams& a, const QuantParams& b) {
    return a.scale == b.scale && a.zero_point == b.zero_point;
  }

  // TFLite padding for explicit pads (top, left, bottom, right), if SAME or VALID gives the same
  // pads and output size.
  static std::optional<tfl::Padding> padding(const Shape& x, const Shape& y, int64_t kh, int64_t kw,
                                             const std::vector<int64_t>& st, const std::vector<int64_t>& dl,
                                             const std::vector<int64_t>& pads) {
    const int64_t ek[2] = {(kh - 1) * dl[0] + 1, (kw - 1) * dl[1] + 1};
    bool valid = true, same = true;
    for (int a = 0; a < 2; ++a) {
      const int64_t in = x[size_t(1 + a)], out = y[size_t(1 + a)], s = st[size_t(a)];
      valid = valid && pads[size_t(a)] == 0 && pads[size_t(a + 2)] == 0 && out == (in - ek[a]) / s + 1;
      const int64_t so = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>((so - 1) * s + ek[a] - in, 0);
      same = same && out == so && pads[size_t(a)] == total / 2 && pads[size_t(a + 2)] == total - total / 2;
    }
    if (valid) return tfl::Padding::VALID;
    if (same) return tfl::Padding::SAME;
    return std::nullopt;
  }

  // The least value tensor `id` can hold (its int8 / int16 code, or in a float graph its real
  // value), as its producer's clamp bounds it.
  double min_q(int id) const {
    const int p = g_.producer(id);
    const Tensor& t = g_.t(id);
    if (p < 0) return float_ ? double(kNoMin) : t.dtype == DType::I16 ? -32768 : -128;
    const Node& n = g_.nodes[size_t(p)];
    float lo = n.attrs.f("act_min", kNoMin);
    if (n.op == OpKind::Relu) lo = 0.0f;
    if (n.op == OpKind::Clip) lo = n.attrs.f("min", kNoMin);
    if (n.op == OpKind::MaxPool || n.op == OpKind::Reshape || n.op == OpKind::Transpose) return min_q(n.in(0));
    if (float_) return lo;
    return int8_clamp(lo, kNoMax, t.quant.scale.at(0), t.quant.zero_point.at(0), t.dtype == DType::I16).first;
  }

  // An explicit PAD of an NHWC activation by the zero point (real 0) before a VALID op.
  int32_t pad_input(const Node& n, int x_id, const std::vector<int64_t>& pads) {
    const Tensor& x = g_.t(x_id);
    Shape s = x.shape;
    s[1] += pads[0] + pads[2];
    s[2] += pads[1] + pads[3];
    const int32_t paddings = const_i32(g_.unique_name(n.name + "_paddings"),
                                       {0, 0, int32_t(pads[0]), int32_t(pads[2]), int32_t(pads[1]), int32_t(pads[3]), 0, 0}, {4, 2});
    const int32_t out = add(g_.unique_name(n.name + "_padded"), x.dtype, s, x.quant, 0, {}, -1);
    op(tfl::BuiltinOperator::PAD, ver(1, 2), {tensor(x_id), paddings}, out, tfl::BuiltinOptions::PadOptions,
       tfl::CreatePadOptions(fb_).Union());
    return out;
  }

  void conv(const Node& n) {
    const Tensor& x = in(n, 0);
    const Tensor& w = in(n, 1);
    const Tensor& y = g_.t(n.out());
    if (x.shape.size() != 4 || w.shape.size() != 4 || !w.is_const() || w.dtype != weight_dtype())
      node_error(n, fmt::format("needs a 4-D NHWC input and constant {} OHWI weights", dtype_name(weight_dtype())));
    const int64_t group = n.attrs.i("group", 1), in_c = x.shape[3], out_c = y.shape[3];
    const bool depthwise = group > 1 && group == in_c && w.shape[3] == 1;
    // Other groups are a CONV_2D whose filter holds in_c / group input channels: TFLite and
    // TFLM's reference kernel take groups = input channels / filter channels.
    if (group < 1 || w.shape[3] * group != in_c)
      node_error(n, fmt::format("filter {} does not fit {} input channels in {} groups", shape_str(w.shape), in_c, group));
    const auto st = n.attrs.ints("strides", {1, 1}), dl = n.attrs.ints("dilations", {1, 1});
    const auto pads = n.attrs.ints("pads", {0, 0, 0, 0});
    const int64_t kh = w.shape[1], kw = w.shape[2];
    int32_t xin = -1;
    std::optional<tfl::Padding> pad = padding(x.shape, y.shape, kh, kw, st, dl, pads);
    if (!pad) {
      xin = pad_input(n, n.in(0), pads);
      pad = tfl::Padding::VALID;
    } else {
      xin = tensor(n.in(0));
    }
    const auto act = fused(n);
    int32_t wt = -1;
    if (depthwise) {
      // OHWI [C*m][kh][kw][1] -> [1][kh][kw][C*m], quantized along the last axis.
      const size_t oc = size_t(out_c), taps = size_t(kh * kw), es = dtype_size(w.dtype);
      std::vector<uint8_t> hwo(w.data.size());
      for (size_t o = 0; o < oc; ++o)
        for (size_t k = 0; k < taps; ++k) std::memcpy(&hwo[(k * oc + o) * es], &w.data[(o * taps + k) * es], es);
      wt = add(w.name, w.dtype, {1, kh, kw, out_c}, w.quant, 3, hwo, -1);
    } else {
      wt = add(w.name, w.dtype, w.shape, w.quant, 0, w.data, -1);
    }
    const int32_t bt = bias(n, 2, x, w, out_c);
    const int32_t out = tensor(n.out());
    if (depthwise) {
      auto o = tfl::CreateDepthwiseConv2DOptions(fb_, *pad, int32_t(st[1]), int32_t(st[0]), int32_t(out_c / in_c), act,
                                                 int32_t(dl[1]), int32_t(dl[0]));
      // float: version 2 is the one with dilation
      const int fv = dl[0] != 1 || dl[1] != 1 ? 2 : 1;
      op(tfl::BuiltinOperator::DEPTHWISE_CONV_2D, ver(fv, 3), {xin, wt, bt}, out, tfl::BuiltinOptions::DepthwiseConv2DOptions, o.Union());
    } else {
      auto o = tfl::CreateConv2DOptions(fb_, *pad, int32_t(st[1]), int32_t(st[0]), act, int32_t(dl[1]), int32_t(dl[0]));
      // float: version 6 is the grouped conv
      op(tfl::BuiltinOperator::CONV_2D, ver(group > 1 ? 6 : 1, 3), {xin, wt, bt}, out, tfl::BuiltinOptions::Conv2DOptions, o.Union());
    }
  }

  // TRANSPOSE_CONV with TFLM's operands: output_shape, OHWI filter (O = output channels,
  // quantized per channel along 0), input, int32 bias at in_scale * w_scale[c]. Its padding is
  // SAME where that gives the node's pads, else VALID on an output grown by the pads and a
  // STRIDED_SLICE cropping them (each output pixel is its own sum: cropping is padding). TFLM's
  // int8 kernel ignores the fused activation, so a clamp it would need is an op of its own.
  void transpose_conv(const Node& n) {
    const Tensor& x = in(n, 0);
    const Tensor& w = in(n, 1);
    const Tensor& y = g_.t(n.out());
    if (x.shape.size() != 4 || w.shape.size() != 4 || !w.is_const() || w.dtype != weight_dtype())
      node_error(n, fmt::format("needs a 4-D NHWC input and constant {} OHWI weights", dtype_name(weight_dtype())));
    if (n.attrs.ints("dilations", {1, 1}) != std::vector<int64_t>{1, 1}) node_error(n, "TFLite TRANSPOSE_CONV has no dilation");
    const auto st = n.attrs.ints("strides", {1, 1}), pads = n.attrs.ints("pads", {0, 0}), ohw = n.attrs.ints("out_hw");
    const int64_t k[2] = {w.shape[1], w.shape[2]};
    bool same = true;
    for (size_t a = 0; a < 2; ++a)
      same = same && tflite_transpose_conv_axis(true, int32_t(ohw[a]), int32_t(k[a]), int32_t(st[a])).pad_begin == pads[a];
    const bool crop = !same && (pads[0] != 0 || pads[1] != 0);
    const Shape full = {y.shape[0], ohw[0] + (crop ? pads[0] : 0), ohw[1] + (crop ? pads[1] : 0), y.shape[3]};
    const auto act = fused(n);
    const bool clamp = act != tfl::ActivationFunctionType::NONE;

    const std::vector<int32_t> dims(full.begin(), full.end());
    const int32_t shape = const_i32(g_.unique_name(n.name + "_output_shape"), dims, {4});
    const int32_t wt = add(w.name, w.dtype, w.shape, w.quant, 0, w.data, -1);
    const int32_t xin = tensor(n.in(0));
    const int32_t bt = bias(n, 2, x, w, y.shape[3]);
    int32_t t = crop || clamp ? add(g_.unique_name(n.name + "_full"), y.dtype, full, y.quant, 0, {}, -1) : tensor(n.out());
    auto o = tfl::CreateTransposeConvOptions(fb_, same ? tfl::Padding::SAME : tfl::Padding::VALID, int32_t(st[1]), int32_t(st[0]));
    op(tfl::BuiltinOperator::TRANSPOSE_CONV, 3, {shape, wt, xin, bt}, t, tfl::BuiltinOptions::TransposeConvOptions, o.Union());
    if (crop) {
      const int32_t c = clamp ? add(g_.unique_name(n.name + "_cropped"), y.dtype, y.shape, y.quant, 0, {}, -1) : tensor(n.out());
      strided_slice(n, t, {0, pads[0], pads[1], 0}, {1, 1, 1, 1}, y.shape, c);
      t = c;
    }
    if (clamp) activation_op(act, t, tensor(n.out()));
  }

  void fully_connected(const Node& n) {
    const Tensor& x = in(n, 0);
    const Tensor& w = in(n, 1);
    const Tensor& y = g_.t(n.out());
    if (w.shape.size() != 2 || !w.is_const() || w.dtype != weight_dtype())
      node_error(n, fmt::format("needs constant {} [M,K] weights", dtype_name(weight_dtype())));
    const int64_t m = w.shape[0], k = w.shape[1];
    // keep_num_dims false flattens the input to [numel / K, K]; true keeps its leading dims.
    Shape kept(x.shape.begin(), x.shape.end() - 1);
    kept.push_back(m);
    bool keep = false;
    if (y.shape != Shape{x.numel() / k, m}) {
      if (y.shape != kept) node_error(n, fmt::format("output {} is neither [{}, {}] nor {}", shape_str(y.shape), x.numel() / k, m, shape_str(kept)));
      keep = true;
    }
    const int32_t xin = tensor(n.in(0));
    const int32_t bt = bias(n, 2, x, w, m);
    if (w.quant.per_channel()) {
      // Per-channel FULLY_CONNECTED is recent (TFLM, ArmNN 20.08 lack it): the same product as a
      // 1x1 CONV_2D, whose int8 kernels requantize per channel the same way.
      const int64_t b = x.numel() / k;
      const int32_t x4 = reshape_to(n, xin, x, {b, 1, 1, k}, "nhwc");
      const int32_t wt = add(w.name, DType::I8, {m, 1, 1, k}, w.quant, 0, w.data, -1);
      const int32_t y4 = add(g_.unique_name(n.name + "_conv"), y.dtype, {b, 1, 1, m}, y.quant, 0, {}, -1);
      auto o = tfl::CreateConv2DOptions(fb_, tfl::Padding::VALID, 1, 1, fused(n));
      op(tfl::BuiltinOperator::CONV_2D, 3, {x4, wt, bt}, y4, tfl::BuiltinOptions::Conv2DOptions, o.Union());
      reshape_into_output(n, y4);
      return;
    }
    const int32_t wt = add(w.name, w.dtype, w.shape, w.quant, 0, w.data, -1);
    auto o = tfl::CreateFullyConnectedOptions(fb_, fused(n), tfl::FullyConnectedOptionsWeightsFormat::DEFAULT, keep);
    op(tfl::BuiltinOperator::FULLY_CONNECTED, keep ? 5 : ver(1, 4), {xin, wt, bt}, tensor(n.out()),
       tfl::BuiltinOptions::FullyConnectedOptions, o.Union());
  }

  // MUL v3 is the int8 kernel that allows a rescale of 1 or more; float MUL is v1.
  int mul_version(const QuantParams& a, const QuantParams& b, const QuantParams& y) const {
    if (float_) return 1;
    return double(a.scale.at(0)) * b.scale.at(0) / y.scale.at(0) >= 1.0 ? 3 : 2;
  }

  void binary(const Node& n) {
    const std::vector<int32_t> ins = {tensor(n.in(0)), tensor(n.in(1))};
    const int32_t out = tensor(n.out());
    const auto act = fused(n);
    switch (n.op) {
      case OpKind::Add:
        op(tfl::BuiltinOperator::ADD, ver(1, 2), ins, out, tfl::BuiltinOptions::AddOptions, tfl::CreateAddOptions(fb_, act).Union());
        return;
      case OpKind::Sub:
        op(tfl::BuiltinOperator::SUB, ver(1, 2), ins, out, tfl::BuiltinOptions::SubOptions, tfl::CreateSubOptions(fb_, act).Union());
        return;
      case OpKind::Div:
        op(tfl::BuiltinOperator::DIV, ver(1, 2), ins, out, tfl::BuiltinOptions::DivOptions, tfl::CreateDivOptions(fb_, act).Union());
        return;
      case OpKind::SquaredDifference:
        op(tfl::BuiltinOperator::SQUARED_DIFFERENCE, ver(1, 2), ins, out, tfl::BuiltinOptions::SquaredDifferenceOptions,
           tfl::CreateSquaredDifferenceOptions(fb_).Union());
        return;
      case OpKind::Max:
      case OpKind::Min:
        op(n.op == OpKind::Max ? tfl::BuiltinOperator::MAXIMUM : tfl::BuiltinOperator::MINIMUM, ver(1, 2), ins, out,
           tfl::BuiltinOptions::MaximumMinimumOptions, tfl::CreateMaximumMinimumOptions(fb_).Union());
        return;
      case OpKind::PRelu:
        op(tfl::BuiltinOperator::PRELU, ver(1, 2), ins, out);
        return;
      case OpKind::Pow:  // float only (node())
        op(tfl::BuiltinOperator::POW, 1, ins, out);
        return;
      default:
        op(tfl::BuiltinOperator::MUL, mul_version(in(n, 0).quant, in(n, 1).quant, g_.t(n.out()).quant), ins, out,
           tfl::BuiltinOptions::MulOptions, tfl::CreateMulOptions(fb_, act).Union());
    }
  }

  void clip(const Node& n) {
    const float lo = n.op == OpKind::Relu ? 0.0f : n.attrs.f("min", kNoMin);
    const float hi = n.op == OpKind::Relu ? kNoMax : n.attrs.f("max", kNoMax);
    tfl::ActivationFunctionType act = tfl::ActivationFunctionType::NONE;
    if (lo == 0.0f && hi == kNoMax) act = tfl::ActivationFunctionType::RELU;
    else if (lo == 0.0f && hi == 6.0f) act = tfl::ActivationFunctionType::RELU6;
    else if (lo == -1.0f && hi == 1.0f) act = tfl::ActivationFunctionType::RELU_N1_TO_1;
    else if (float_) return clamp_ops(n, tensor(n.in(0)), lo, hi, tensor(n.out()));
    else node_error(n, fmt::format("clip to [{}, {}] is none of RELU, RELU6, RELU_N1_TO_1", lo, hi));
    const int32_t x = tensor(n.in(0));
    activation_op(act, x, tensor(n.out()));
  }

  // Float only: clamp src to [lo, hi] into out as MAXIMUM and / or MINIMUM with constants.
  void clamp_ops(const Node& n, int32_t src, float lo, float hi, int32_t out) {
    if (!std::isfinite(lo) && !std::isfinite(hi)) node_error(n, "a clamp without bounds writes nothing (passes/remove_noops drops it)");
    const Shape& shape = g_.t(n.out()).shape;
    if (std::isfinite(lo)) {
      const int32_t m = std::isfinite(hi) ? add(g_.unique_name(n.name + "_at_least"), DType::F32, shape, {}, 0, {}, -1) : out;
      op(tfl::BuiltinOperator::MAXIMUM, 1, {src, const_f32(g_.unique_name(n.name + "_min"), lo)}, m, tfl::BuiltinOptions::MaximumMinimumOptions,
         tfl::CreateMaximumMinimumOptions(fb_).Union());
      src = m;
    }
    if (std::isfinite(hi))
      op(tfl::BuiltinOperator::MINIMUM, 1, {src, const_f32(g_.unique_name(n.name + "_max"), hi)}, out, tfl::BuiltinOptions::MaximumMinimumOptions,
         tfl::CreateMaximumMinimumOptions(fb_).Union());
  }

  // Float only: a node whose fused clamp [lo, hi] no TFLite activation gives, written unclamped
  // into a tensor of its own, then clamp_ops into its output.
  void clamped(const Node& n, float lo, float hi) {
    const Tensor& y = g_.t(n.out());
    index_[size_t(n.out())] = add(g_.unique_name(n.name + "_unclamped"), DType::F32, y.shape, {}, 0, {}, -1);
    Node bare = n;
    bare.attrs.set("act_min", kNoMin);
    bare.attrs.set("act_max", kNoMax);
    node(bare);
    const int32_t raw = index_[size_t(n.out())];
    index_[size_t(n.out())] = -1;
    clamp_ops(n, raw, lo, hi, tensor(n.out()));
  }

  void pool(const Node& n) {
    const Tensor& x = in(n, 0);
    const Tensor& y = g_.t(n.out());
    const auto k = n.attrs.ints("kernel"), st = n.attrs.ints("strides", {1, 1});
    const auto pads = n.attrs.ints("pads", {0, 0, 0, 0});
    if (x.shape.size() != 4 || k.size() != 2) node_error(n, "needs a 4-D NHWC input and a 2-D kernel");
    auto pad = padding(x.shape, y.shape, k[0], k[1], st, {1, 1}, pads);
    int32_t xin = -1;
    if (pad) {
      xin = tensor(n.in(0));
    } else if (n.op == OpKind::MaxPool && min_q(n.in(0)) >= (float_ ? 0 : x.quant.zero_point.at(0))) {
      // Padding by the zero point never wins the max when no input lies below it.
      xin = pad_input(n, n.in(0), pads);
      pad = tfl::Padding::VALID;
    } else {
      node_error(n, fmt::format("pads [{}, {}, {}, {}] are neither TFLite SAME nor VALID", pads[0], pads[1], pads[2], pads[3]));
    }
    auto o = tfl::CreatePool2DOptions(fb_, *pad, int32_t(st[1]), int32_t(st[0]), int32_t(k[1]), int32_t(k[0]), fused(n));
    op(n.op == OpKind::MaxPool ? tfl::BuiltinOperator::MAX_POOL_2D : tfl::BuiltinOperator::AVERAGE_POOL_2D, ver(1, 2),
       {xin}, tensor(n.out()), tfl::BuiltinOptions::Pool2DOptions, o.Union());
  }

  void reshape(const Node& n) {
    const Shape& s = g_.t(n.out()).shape;
    std::vector<int32_t> dims(s.begin(), s.end());
    const int32_t x = tensor(n.in(0));
    if (s.size() > 4) {  // never materialized: its reader (a reduced TRANSPOSE) reads x's bytes
      for (int c : g_.consumers(n.out()))
        if (g_.nodes[size_t(c)].op != OpKind::Transpose && g_.nodes[size_t(c)].op != OpKind::Reshape)
          node_error(n, fmt::format("rank {} output feeds {}; TFLite kernels handle rank 4", s.size(), op_name(g_.nodes[size_t(c)].op)));
      if (g_.is_graph_output(n.out())) node_error(n, fmt::format("rank {} graph output; TFLite kernels handle rank 4", s.size()));
      index_[size_t(n.out())] = x;
      return;
    }
    const int32_t shape = const_i32(g_.unique_name(n.name + "_shape"), dims, {int64_t(dims.size())});
    auto o = tfl::CreateReshapeOptions(fb_, fb_.CreateVector(dims));
    op(tfl::BuiltinOperator::RESHAPE, 1, {x, shape}, tensor(n.out()), tfl::BuiltinOptions::ReshapeOptions, o.Union());
  }

  // RESHAPE of src into the node's output tensor.
  void reshape_into_output(const Node& n, int32_t src) {
    const Tensor& y = g_.t(n.out());
    std::vector<int32_t> dims(y.shape.begin(), y.shape.end());
    const int32_t shape = const_i32(g_.unique_name(n.name + "_out_shape"), dims, {int64_t(dims.size())});
    auto o = tfl::CreateReshapeOptions(fb_, fb_.CreateVector(dims));
    op(tfl::BuiltinOperator::RESHAPE, 1, {src, shape}, tensor(n.out()), tfl::BuiltinOptions::ReshapeOptions, o.Union());
  }

  int32_t reshape_to(const Node& n, int32_t x, const Tensor& like, const Shape& s, const std::string& what) {
    std::vector<int32_t> dims(s.begin(), s.end());
    const int32_t shape = const_i32(g_.unique_name(n.name + "_" + what + "_shape"), dims, {int64_t(dims.size())});
    const int32_t out = add(g_.unique_name(n.name + "_" + what), like.dtype, s, like.quant, 0, {}, -1);
    auto o = tfl::CreateReshapeOptions(fb_, fb_.CreateVector(dims));
    op(tfl::BuiltinOperator::RESHAPE, 1, {x, shape}, out, tfl::BuiltinOptions::ReshapeOptions, o.Union());
    return out;
  }

  // Above rank 4 (which TFLM and ArmNN cap), size-1 axes are dropped and input axes that stay
  // adjacent in the output are merged; the reshapes around the smaller TRANSPOSE move no bytes.
  void transpose(const Node& n) {
    const Tensor& x = in(n, 0);
    const Tensor& y = g_.t(n.out());
    std::vector<int64_t> perm = n.attrs.ints("perm");
    Shape dims = x.shape;
    int32_t src = tensor(n.in(0));
    const bool reduce = perm.size() > 4;
    if (reduce) {
      std::vector<int64_t> kept;  // input axes of size > 1 in output order
      for (int64_t a : perm)
        if (x.shape[size_t(a)] > 1) kept.push_back(a);
      std::vector<int64_t> sorted = kept;
      std::sort(sorted.begin(), sorted.end());
      auto next_kept = [&](int64_t a) {  // the next input axis of size > 1 after a, or -1
        auto it = std::upper_bound(sorted.begin(), sorted.end(), a);
        return it == sorted.end() ? int64_t(-1) : *it;
      };
      std::vector<std::vector<int64_t>> runs;  // output-order runs of consecutive input axes
      for (int64_t a : kept) {
        if (!runs.empty() && next_kept(runs.back().back()) == a) runs.back().push_back(a);
        else runs.push_back({a});
      }
      std::vector<size_t> order(runs.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return runs[a][0] < runs[b][0]; });
      dims.clear();
      std::vector<int64_t> rank(runs.size());
      for (size_t r = 0; r < order.size(); ++r) {
        int64_t d = 1;
        for (int64_t a : runs[order[r]]) d *= x.shape[size_t(a)];
        dims.push_back(d);
        rank[order[r]] = int64_t(r);
      }
      perm = rank;
      if (dims.size() > 4) node_error(n, fmt::format("transpose moves {} separate axes; TFLite kernels handle 4", dims.size()));
      if (dims.empty()) dims = {1}, perm = {0};
      src = reshape_to(n, src, x, dims, "in");
    }
    std::vector<int32_t> p(perm.begin(), perm.end());
    const int32_t pt = const_i32(g_.unique_name(n.name + "_perm"), p, {int64_t(p.size())});
    if (!reduce) return op(tfl::BuiltinOperator::TRANSPOSE, ver(1, 2), {src, pt}, tensor(n.out()));
    Shape moved;
    for (int64_t a : perm) moved.push_back(dims[size_t(a)]);
    const int32_t t = add(g_.unique_name(n.name + "_moved"), y.dtype, moved, y.quant, 0, {}, -1);
    op(tfl::BuiltinOperator::TRANSPOSE, ver(1, 2), {src, pt}, t);
    if (y.shape.size() > 4) {  // same bytes in the same order: the next reshape reads t
      index_[size_t(n.out())] = t;
      return;
    }
    reshape_into_output(n, t);
  }

  // TFLite int8 CONCATENATION copies bytes: inputs quantized differently from the output are
  // requantized first by a QUANTIZE.
  void concat(const Node& n) {
    const Tensor& y = g_.t(n.out());
    std::vector<int32_t> ins;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const Tensor& x = in(n, k);
      if (same_quant(x.quant, y.quant)) {
        ins.push_back(tensor(n.in(k)));
        continue;
      }
      const int32_t src = tensor(n.in(k));
      const int32_t rq = add(g_.unique_name(x.name + "_requantized"), DType::I8, x.shape, y.quant, 0, {}, -1);
      op(tfl::BuiltinOperator::QUANTIZE, 1, {src}, rq, tfl::BuiltinOptions::QuantizeOptions, tfl::CreateQuantizeOptions(fb_).Union());
      ins.push_back(rq);
    }
    auto o = tfl::CreateConcatenationOptions(fb_, int32_t(n.attrs.i("axis", 0)));
    op(tfl::BuiltinOperator::CONCATENATION, ver(1, 2), ins, tensor(n.out()), tfl::BuiltinOptions::ConcatenationOptions, o.Union());
  }

  void pad(const Node& n) {
    const Tensor& x = in(n, 0);
    const Tensor& y = g_.t(n.out());
    const auto pads = n.attrs.ints("pads");
    const size_t r = x.shape.size();
    if (pads.size() != 2 * r) node_error(n, fmt::format("{} pads for rank {}", pads.size(), r));
    const float value = n.attrs.f("value", 0.0f);
    if (!float_) {
      const double q = std::round(double(value) / y.quant.scale.at(0)) + y.quant.zero_point.at(0);
      if (q != y.quant.zero_point.at(0)) node_error(n, fmt::format("pad value {} is not the zero point in int8", value));
    }
    std::vector<int32_t> p;
    for (size_t i = 0; i < r; ++i) {
      p.push_back(int32_t(pads[i]));
      p.push_back(int32_t(pads[i + r]));
    }
    const int32_t xt = tensor(n.in(0));
    const int32_t pt = const_i32(g_.unique_name(n.name + "_paddings"), p, {int64_t(r), 2});
    if (value != 0.0f) {  // float only: PAD fills with 0, PADV2 with a constant
      const int32_t vt = const_f32(g_.unique_name(n.name + "_value"), value);
      op(tfl::BuiltinOperator::PADV2, 1, {xt, pt, vt}, tensor(n.out()));  // its options table is empty
      return;
    }
    op(tfl::BuiltinOperator::PAD, ver(1, 2), {xt, pt}, tensor(n.out()), tfl::BuiltinOptions::PadOptions, tfl::CreatePadOptions(fb_).Union());
  }

  void softmax(const Node& n) {
    const int64_t last = int64_t(in(n, 0).shape.size()) - 1;
    if (n.attrs.i("axis", last) != last) node_error(n, "TFLite SOFTMAX normalizes the last axis only");
    auto o = tfl::CreateSoftmaxOptions(fb_, n.attrs.f("beta", 1.0f));
    op(tfl::BuiltinOperator::SOFTMAX, ver(1, 2), {tensor(n.in(0))}, tensor(n.out()), tfl::BuiltinOptions::SoftmaxOptions, o.Union());
  }

  // MEAN, SUM, REDUCE_MAX.
  void reduce(const Node& n, tfl::BuiltinOperator code) {
    const auto a = n.attrs.ints("axes");
    std::vector<int32_t> axes(a.begin(), a.end());
    const int32_t x = tensor(n.in(0));
    const int32_t at = const_i32(g_.unique_name(n.name + "_axes"), axes, {int64_t(axes.size())});
    auto o = tfl::CreateReducerOptions(fb_, n.attrs.i("keepdims", 1) != 0);
    op(code, ver(1, 2), {x, at}, tensor(n.out()), tfl::BuiltinOptions::ReducerOptions, o.Union());
  }

  // Lstm as UNIDIRECTIONAL_SEQUENCE_LSTM on [1, T, I]: the IR's gate rows (ONNX order i, o, f,
  // c) split into TFLite's per-gate tensors, the folded bias per gate, zeroed state tensors.
  // A reverse LSTM (the backward half of a bidirectional one; TFLM has no
  // BIDIRECTIONAL_SEQUENCE_LSTM) runs forward over the time-reversed sequence and reverses its
  // output back: STRIDED_SLICEs with stride -1 on the time axis, which move bytes only.
  void lstm(const Node& n) {
    const bool reverse = n.attrs.i("reverse", 0) != 0;
    const Tensor &x = in(n, 0), &w = in(n, 1), &r = in(n, 2);
    const Tensor& y = g_.t(n.out());
    const int64_t steps = x.shape.at(0), feat = x.shape.at(1), h = n.attrs.i("hidden_size", 0);
    const int onnx_gate[4] = {0, 2, 3, 1};  // TFLite gate k (i, f, c, o) in the IR's rows
    const char* gate_name[4] = {"input", "forget", "cell", "output"};
    // Gate k's rows of t, and (quantized) its one scale.
    auto gate = [&](const Tensor& t, int k, int64_t cols, const std::string& name) {
      const size_t row0 = size_t(onnx_gate[k] * h), es = dtype_size(t.dtype);
      QuantParams q;
      float scale = 1.0f;
      if (!float_) {
        scale = t.quant.scale.at(t.quant.per_channel() ? row0 : 0);
        for (int64_t o = 0; o < h; ++o)
          if (t.quant.scale.at(t.quant.per_channel() ? row0 + size_t(o) : 0) != scale)
            node_error(n, fmt::format("'{}' has several scales in gate {}; TFLite's integer LSTM takes one per gate", t.name, gate_name[k]));
        q.scale = {scale};
        q.zero_point = {0};
      }
      const std::vector<uint8_t> bytes(t.data.begin() + long(row0 * size_t(cols) * es), t.data.begin() + long((row0 + size_t(h)) * size_t(cols) * es));
      return std::make_pair(add(g_.unique_name(n.name + "_" + name), t.dtype, {h, cols}, q, 0, bytes, -1), scale);
    };
    std::vector<int32_t> ins(24, -1);
    ins[0] = reshape_to(n, tensor(n.in(0)), x, {1, steps, feat}, "seq");
    if (reverse) ins[0] = reversed(n, ins[0], {1, steps, feat}, x, 1, "seq_reversed");
    // Per gate row: int32 Wb + Rb, or float Wb then Rb (TFLite's float LSTM takes their sum).
    const DType bt = float_ ? DType::F32 : DType::I32;
    const int64_t bias_n = float_ ? 8 * h : 4 * h;
    std::vector<uint8_t> bias(size_t(bias_n) * 4, 0);
    if (n.in(3) >= 0) {
      const Tensor& b = in(n, 3);
      if (b.dtype != bt || b.numel() != bias_n) node_error(n, fmt::format("bias '{}' must be {} [{}]", b.name, dtype_name(bt), bias_n));
      bias = b.data;
    }
    for (int k = 0; k < 4; ++k) {
      const auto [wt, ws] = gate(w, k, feat, fmt::format("input_to_{}_weights", gate_name[k]));
      ins[size_t(1 + k)] = wt;
      ins[size_t(5 + k)] = gate(r, k, h, fmt::format("recurrent_to_{}_weights", gate_name[k])).first;
      QuantParams bq;
      std::vector<uint8_t> bytes(size_t(h) * 4);
      std::memcpy(bytes.data(), bias.data() + onnx_gate[k] * h * 4, bytes.size());
      if (float_) {
        std::vector<float> sum(static_cast<size_t>(h));
        std::memcpy(sum.data(), bytes.data(), bytes.size());
        for (int64_t o = 0; o < h; ++o) {
          float rb = 0;
          std::memcpy(&rb, bias.data() + ((4 + onnx_gate[k]) * h + o) * 4, 4);
          sum[size_t(o)] += rb;
        }
        std::memcpy(bytes.data(), sum.data(), bytes.size());
      } else {
        bq.scale = {x.quant.scale.at(0) * ws};
        bq.zero_point = {0};
      }
      ins[size_t(12 + k)] = add(g_.unique_name(fmt::format("{}_{}_gate_bias", n.name, gate_name[k])), bt, {h}, bq, 0, bytes, -1);
    }
    QuantParams cq;
    if (!float_) {
      cq.scale = {n.attrs.f("cell_scale", 0.0f)};
      cq.zero_point = {0};
    }
    ins[18] = add_typed(g_.unique_name(n.name + "_output_state"), type_of(y.dtype), {1, h}, y.quant, 0, {}, -1, true);
    ins[19] = add_typed(g_.unique_name(n.name + "_cell_state"), float_ ? tfl::TensorType::FLOAT32 : tfl::TensorType::INT16, {1, h}, cq, 0, {}, -1,
                        true);
    const int32_t y3 = add(g_.unique_name(n.name + "_out"), y.dtype, {1, steps, h}, y.quant, 0, {}, -1);
    auto o = tfl::CreateUnidirectionalSequenceLSTMOptions(fb_, tfl::ActivationFunctionType::TANH, n.attrs.f("cell_clip", 0.0f), 0.0f, false);
    op(tfl::BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM, 1, ins, y3, tfl::BuiltinOptions::UnidirectionalSequenceLSTMOptions, o.Union());
    reshape_into_output(n, reverse ? reversed(n, y3, {1, steps, h}, y, 1, "out_reversed") : y3);
  }

  // ---- resize, slicing / gather / tile, batch matmul (TFLM's builtins) ----

  void resize(const Node& n) {
    const auto sz = n.attrs.ints("size");
    const int32_t x = tensor(n.in(0));
    const int32_t st = const_i32(g_.unique_name(n.name + "_size"), {int32_t(sz.at(0)), int32_t(sz.at(1))}, {2});
    const bool ac = n.attrs.i("align_corners", 0) != 0, hp = n.attrs.i("half_pixel_centers", 0) != 0;
    if (n.attrs.s("mode", "nearest") == "linear") {
      tfl::ResizeBilinearOptionsBuilder b(fb_);
      b.add_align_corners(ac);
      b.add_half_pixel_centers(hp);
      op(tfl::BuiltinOperator::RESIZE_BILINEAR, ver(hp ? 3 : 1, 3), {x, st}, tensor(n.out()), tfl::BuiltinOptions::ResizeBilinearOptions, b.Finish().Union());
      return;
    }
    auto o = tfl::CreateResizeNearestNeighborOptions(fb_, ac, hp);
    op(tfl::BuiltinOperator::RESIZE_NEAREST_NEIGHBOR, ver(hp || ac ? 3 : 1, 3), {x, st}, tensor(n.out()), tfl::BuiltinOptions::ResizeNearestNeighborOptions, o.Union());
  }

  void slice(const Node& n) {
    const int32_t x = tensor(n.in(0));
    strided_slice(n, x, n.attrs.ints("begins"), n.attrs.ints("strides"), n.attrs.ints("sizes"), tensor(n.out()));
  }

  // STRIDED_SLICE of src into out with explicit begin / end / strides (end = begin + size *
  // stride; a negative stride that runs to the start of the axis ends at -1, which needs the
  // end mask bit).
  void strided_slice(const Node& n, int32_t src, const std::vector<int64_t>& b, const std::vector<int64_t>& st,
                     const std::vector<int64_t>& sz, int32_t out) {
    std::vector<int32_t> bv, ev, sv;
    int32_t end_mask = 0;
    for (size_t i = 0; i < b.size(); ++i) {
      const int64_t e = b[i] + sz[i] * st[i];
      if (e < 0) end_mask |= 1 << i;
      bv.push_back(int32_t(b[i]));
      ev.push_back(int32_t(e < 0 ? 0 : e));
      sv.push_back(int32_t(st[i]));
    }
    const Shape r = {int64_t(b.size())};
    const int32_t bt = const_i32(g_.unique_name(n.name + "_begin"), bv, r), et = const_i32(g_.unique_name(n.name + "_end"), ev, r),
                  stt = const_i32(g_.unique_name(n.name + "_strides"), sv, r);
    auto o = tfl::CreateStridedSliceOptions(fb_, 0, end_mask, 0, 0, 0, false);
    // float: version 4 is the one above rank 4
    op(tfl::BuiltinOperator::STRIDED_SLICE, ver(b.size() > 4 ? 4 : 1, 4), {src, bt, et, stt}, out, tfl::BuiltinOptions::StridedSliceOptions, o.Union());
  }

  // A new tensor of `shape`, typed and quantized like `like`, holding src reversed along `axis`
  // (STRIDED_SLICE, stride -1).
  int32_t reversed(const Node& n, int32_t src, const Shape& shape, const Tensor& like, size_t axis, const std::string& what) {
    std::vector<int64_t> b(shape.size(), 0), st(shape.size(), 1);
    b[axis] = shape[axis] - 1;
    st[axis] = -1;
    const int32_t out = add(g_.unique_name(n.name + "_" + what), like.dtype, shape, like.quant, 0, {}, -1);
    strided_slice(n, src, b, st, shape, out);
    return out;
  }

  void gather(const Node& n) {
    const auto idx = n.attrs.ints("indices");
    const int32_t x = tensor(n.in(0));
    const int32_t it = const_i32(g_.unique_name(n.name + "_indices"), std::vector<int32_t>(idx.begin(), idx.end()), n.attrs.ints("indices_shape"));
    auto o = tfl::CreateGatherOptions(fb_, int32_t(n.attrs.i("axis", 0)), 0);
    op(tfl::BuiltinOperator::GATHER, ver(1, 2), {x, it}, tensor(n.out()), tfl::BuiltinOptions::GatherOptions, o.Union());
  }

  // Tile / broadcast. TFLM has no TILE kernel: a tiled axis (input dim d > 1 repeated m times)
  // is split into a broadcast axis m over a copied axis d, so the whole op is one BROADCAST_TO
  // between RESHAPEs (all three move bytes only). A plain broadcast of at most 5 axes (TFLM's
  // BROADCAST_TO limit) is written as it is.
  void tile(const Node& n) {
    const Tensor& x = in(n, 0);
    const Tensor& y = g_.t(n.out());
    const size_t lead = y.shape.size() - x.shape.size();
    bool plain = y.shape.size() <= 5;
    for (size_t i = 0; i < x.shape.size(); ++i) plain = plain && (x.shape[i] == 1 || x.shape[i] == y.shape[lead + i]);
    Shape from = x.shape, to = y.shape;
    if (!plain) {
      std::vector<TileAxis> axes;
      try {
        axes = tile_axes(std::vector<int32_t>(x.shape.begin(), x.shape.end()), std::vector<int32_t>(y.shape.begin(), y.shape.end()), true);
      } catch (const Error& e) {
        node_error(n, e.what());
      }
      if (axes.size() > 5)
        node_error(n, fmt::format("{} to {} needs a {}-D BROADCAST_TO; TFLM's has at most 5 axes", shape_str(x.shape), shape_str(y.shape), axes.size()));
      from.clear(), to.clear();
      for (const TileAxis& a : axes) from.push_back(a.in), to.push_back(a.out);
      if (axes.empty()) from = to = {1};
    }
    int32_t src = tensor(n.in(0));
    if (from != x.shape) src = reshape_to(n, src, x, from, "tile_in");
    const int32_t st = const_i32(g_.unique_name(n.name + "_shape"), std::vector<int32_t>(to.begin(), to.end()), {int64_t(to.size())});
    const int32_t out = to == y.shape ? tensor(n.out()) : add(g_.unique_name(n.name + "_broadcast"), y.dtype, to, y.quant, 0, {}, -1);
    op(tfl::BuiltinOperator::BROADCAST_TO, 2, {src, st}, out, tfl::BuiltinOptions::BroadcastToOptions,
       tfl::CreateBroadcastToOptions(fb_).Union());
    if (out != tensor(n.out())) reshape_into_output(n, out);
  }

  // TFLite has no HARD_SIGMOID. clamp(alpha x + beta, 0, 1) is MUL(x, alpha) into a tensor
  // whose quantization makes it x's codes relabeled, then ADD(., beta) with the output's
  // quantization and the fused activation whose int8 clamp is [q(0), q(1)]. Written only when
  // that gives mote's int8 table for each of the 256 input codes, as mote's oracle kernels
  // compute it; ADD's fixed point may round a code within about 2^-20 of a half the other way.
  void hard_sigmoid(const Node& n) {
    const float alpha = n.attrs.f("alpha", 0.2f), beta = n.attrs.f("beta", 0.5f);
    if (alpha == 0.0f) node_error(n, "alpha 0 is a constant; TFLite has no HARD_SIGMOID");
    if (float_) {  // float: MUL(x, alpha), ADD(., beta) with RELU fused, MINIMUM(., 1)
      const Tensor& x = in(n, 0);
      const int32_t xin = tensor(n.in(0));
      const int32_t m = add(g_.unique_name(n.name + "_scaled"), DType::F32, x.shape, {}, 0, {}, -1);
      op(tfl::BuiltinOperator::MUL, 1, {xin, const_f32(g_.unique_name(n.name + "_alpha"), alpha)}, m, tfl::BuiltinOptions::MulOptions,
         tfl::CreateMulOptions(fb_).Union());
      const int32_t a = add(g_.unique_name(n.name + "_shifted"), DType::F32, x.shape, {}, 0, {}, -1);
      op(tfl::BuiltinOperator::ADD, 1, {m, const_f32(g_.unique_name(n.name + "_beta"), beta)}, a, tfl::BuiltinOptions::AddOptions,
         tfl::CreateAddOptions(fb_, tfl::ActivationFunctionType::RELU).Union());
      return clamp_ops(n, a, kNoMin, 1.0f, tensor(n.out()));
    }
    const QuantParams& xq = in(n, 0).quant;
    const QuantParams& yq = g_.t(n.out()).quant;
    const Act& act = activation(n, 0.0f, 1.0f, yq);
    Attrs clamp;
    clamp.set("act_min", act.lo);
    clamp.set("act_max", act.hi);
    Probe table(xq);
    table.node(OpKind::HardSigmoid, {table.x}, yq, n.attrs);
    const std::vector<int8_t> want = table.run();
    // beta's code: the one giving it about the scale of the MUL's output (ADD is finest for
    // inputs of like scales), else 1.
    std::vector<int32_t> codes = {0};
    if (beta != 0.0f) {
      const int32_t near = int32_t(std::clamp<double>(std::round(std::fabs(beta) / (std::fabs(alpha) * xq.scale.at(0))), 1, 127));
      codes = {near};
      if (near != 1) codes.push_back(1);
    }
    int mismatch = 0;
    for (int32_t code : codes) {
      const HardSigmoidForm f(xq, alpha, beta, code);
      Probe p(xq);
      const int alpha_c = p.constant(f.sign, f.alpha_q);
      if (code == 0) {
        p.node(OpKind::Mul, {p.x, alpha_c}, yq, clamp);
      } else {
        const int m = p.node(OpKind::Mul, {p.x, alpha_c}, f.scaled_q, {});
        p.node(OpKind::Add, {m, p.constant(f.beta_code, f.beta_q)}, yq, clamp);
      }
      const std::vector<int8_t> got = p.run();
      if (got == want) return hard_sigmoid_ops(n, f, code != 0, act.type);
      mismatch = int(std::mismatch(got.begin(), got.end(), want.begin()).first - got.begin()) - 128;
    }
    node_error(n, fmt::format("TFLite has no HARD_SIGMOID, and its MUL + ADD form differs from mote's int8 table at input code {}", mismatch));
  }

  void hard_sigmoid_ops(const Node& n, const HardSigmoidForm& f, bool with_add, tfl::ActivationFunctionType act) {
    const Tensor& x = in(n, 0);
    const int32_t xin = tensor(n.in(0));
    const int32_t at = add(g_.unique_name(n.name + "_alpha"), DType::I8, {1}, f.alpha_q, 0, {uint8_t(f.sign)}, -1);
    const QuantParams& mq = with_add ? f.scaled_q : g_.t(n.out()).quant;
    const int version = mul_version(x.quant, f.alpha_q, mq);
    if (!with_add) {
      const int32_t out = tensor(n.out());
      op(tfl::BuiltinOperator::MUL, version, {xin, at}, out, tfl::BuiltinOptions::MulOptions, tfl::CreateMulOptions(fb_, act).Union());
      return;
    }
    const int32_t mt = add(g_.unique_name(n.name + "_scaled"), DType::I8, x.shape, mq, 0, {}, -1);
    op(tfl::BuiltinOperator::MUL, version, {xin, at}, mt, tfl::BuiltinOptions::MulOptions, tfl::CreateMulOptions(fb_).Union());
    const int32_t bt = add(g_.unique_name(n.name + "_beta"), DType::I8, {1}, f.beta_q, 0, {uint8_t(f.beta_code)}, -1);
    const int32_t out = tensor(n.out());
    op(tfl::BuiltinOperator::ADD, 2, {mt, bt}, out, tfl::BuiltinOptions::AddOptions, tfl::CreateAddOptions(fb_, act).Union());
  }

  // ARG_MAX drops the axis. (keepdims would be an int32 RESHAPE after it, which mote's own
  // pipeline does not lower.)
  void arg_max(const Node& n) {
    const Tensor& x = in(n, 0);
    if (x.dtype == DType::I16) node_error(n, "the 16x8 export does not cover ArgMax");
    const int64_t axis = n.attrs.i("axis", 0);
    Shape dropped;
    for (size_t i = 0; i < x.shape.size(); ++i)
      if (int64_t(i) != axis) dropped.push_back(x.shape[i]);
    if (dropped != g_.t(n.out()).shape) node_error(n, "keepdims 1: TFLite ARG_MAX drops the axis");
    const int32_t xin = tensor(n.in(0));
    const int32_t at = const_i32(g_.unique_name(n.name + "_axis"), {int32_t(axis)}, {1});
    op(tfl::BuiltinOperator::ARG_MAX, ver(1, 2), {xin, at}, tensor(n.out()), tfl::BuiltinOptions::ArgMaxOptions,
       tfl::CreateArgMaxOptions(fb_, tfl::TensorType::INT32).Union());
  }

  // Float only: TFLite has no SILU; x * LOGISTIC(x) (which the importer fuses back into Silu).
  void silu(const Node& n) {
    const int32_t xin = tensor(n.in(0));
    const int32_t s = add(g_.unique_name(n.name + "_sigmoid"), DType::F32, in(n, 0).shape, {}, 0, {}, -1);
    op(tfl::BuiltinOperator::LOGISTIC, 1, {xin}, s);
    op(tfl::BuiltinOperator::MUL, 1, {xin, s}, tensor(n.out()), tfl::BuiltinOptions::MulOptions, tfl::CreateMulOptions(fb_).Union());
  }

  // The float-only unary builtins (TFLM's int8 kernels of these are not mote's int8 tables).
  static std::optional<tfl::BuiltinOperator> float_unary(OpKind op) {
    switch (op) {
      case OpKind::Neg: return tfl::BuiltinOperator::NEG;
      case OpKind::Sqrt: return tfl::BuiltinOperator::SQRT;
      case OpKind::Exp: return tfl::BuiltinOperator::EXP;
      case OpKind::Log: return tfl::BuiltinOperator::LOG;
      case OpKind::Gelu: return tfl::BuiltinOperator::GELU;  // approximate false: the erf form, as mote's
      default: return std::nullopt;
    }
  }

  void batch_matmul(const Node& n) {
    auto o = tfl::CreateBatchMatMulOptions(fb_, n.attrs.i("adj_x", 0) != 0, n.attrs.i("adj_y", 0) != 0, false);
    op(tfl::BuiltinOperator::BATCH_MATMUL, 1, {tensor(n.in(0)), tensor(n.in(1))}, tensor(n.out()), tfl::BuiltinOptions::BatchMatMulOptions,
       o.Union());
  }

  void node(const Node& n) {
    const DType od = g_.t(n.out()).dtype;
    if (n.op == OpKind::ArgMax) return arg_max(n);  // int32 indices in either graph
    if (float_ ? od != DType::F32 : od != DType::I8 && od != DType::I16)
      node_error(n, fmt::format("output is {}, expected {}", dtype_name(od), float_ ? "f32 in a float graph" : "i8 or i16"));
    // 16x8: the ops TFLM has int16 kernels for whose mote lowering the exporter writes as they are
    if (od == DType::I16 && n.op != OpKind::Conv && n.op != OpKind::FullyConnected && n.op != OpKind::TransposeConv &&
        n.op != OpKind::Resize && n.op != OpKind::Reshape && n.op != OpKind::Pad)
      node_error(n, "16x8 export covers Conv, FullyConnected, TransposeConv, Resize, Reshape and Pad");
    const float lo = n.attrs.f("act_min", kNoMin), hi = n.attrs.f("act_max", kNoMax);
    if (float_ && op_has(n.op, FusesAct) && !exact_activation(lo, hi)) return clamped(n, lo, hi);
    if (float_ && float_unary(n.op)) return op(*float_unary(n.op), 1, {tensor(n.in(0))}, tensor(n.out()));
    if (float_ && n.op == OpKind::Silu) return silu(n);
    if (float_ && n.op == OpKind::Pow) return binary(n);
    switch (n.op) {
      case OpKind::Conv: return conv(n);
      case OpKind::FullyConnected: return fully_connected(n);
      case OpKind::Add:
      case OpKind::Sub:
      case OpKind::Mul:
      case OpKind::Div:
      case OpKind::SquaredDifference:
      case OpKind::Max:
      case OpKind::Min:
      case OpKind::PRelu: return binary(n);
      case OpKind::Abs:
        return op(tfl::BuiltinOperator::ABS, ver(1, 2), {tensor(n.in(0))}, tensor(n.out()), tfl::BuiltinOptions::AbsOptions,
                  tfl::CreateAbsOptions(fb_).Union());
      case OpKind::Rsqrt: return op(tfl::BuiltinOperator::RSQRT, ver(1, 2), {tensor(n.in(0))}, tensor(n.out()));
      case OpKind::Elu:
        if (n.attrs.f("alpha", 1.0f) != 1.0f) node_error(n, "TFLite ELU has alpha 1 only");
        return op(tfl::BuiltinOperator::ELU, 1, {tensor(n.in(0))}, tensor(n.out()));
      case OpKind::LogSoftmax: {
        const int64_t last = int64_t(in(n, 0).shape.size()) - 1;
        if (n.attrs.i("axis", last) != last) node_error(n, "TFLite LOG_SOFTMAX normalizes the last axis only");
        return op(tfl::BuiltinOperator::LOG_SOFTMAX, ver(1, 2), {tensor(n.in(0))}, tensor(n.out()),
                  tfl::BuiltinOptions::LogSoftmaxOptions, tfl::CreateLogSoftmaxOptions(fb_).Union());
      }
      case OpKind::ReduceMax: return reduce(n, tfl::BuiltinOperator::REDUCE_MAX);
      case OpKind::ReduceSum: return reduce(n, tfl::BuiltinOperator::SUM);
      case OpKind::Relu:
      case OpKind::Clip: return clip(n);
      case OpKind::LeakyRelu: {
        auto o = tfl::CreateLeakyReluOptions(fb_, n.attrs.f("alpha", 0.01f));
        return op(tfl::BuiltinOperator::LEAKY_RELU, 1, {tensor(n.in(0))}, tensor(n.out()),
                  tfl::BuiltinOptions::LeakyReluOptions, o.Union());
      }
      case OpKind::Sigmoid: return op(tfl::BuiltinOperator::LOGISTIC, ver(1, 2), {tensor(n.in(0))}, tensor(n.out()));
      case OpKind::Tanh: return op(tfl::BuiltinOperator::TANH, ver(1, 2), {tensor(n.in(0))}, tensor(n.out()));
      case OpKind::HardSwish:
        return op(tfl::BuiltinOperator::HARD_SWISH, 1, {tensor(n.in(0))}, tensor(n.out()),
                  tfl::BuiltinOptions::HardSwishOptions, tfl::CreateHardSwishOptions(fb_).Union());
      case OpKind::MaxPool:
      case OpKind::AvgPool: return pool(n);
      case OpKind::Reshape: return reshape(n);
      case OpKind::Transpose: return transpose(n);
      case OpKind::Concat: return concat(n);
      case OpKind::Pad: return pad(n);
      case OpKind::Softmax: return softmax(n);
      case OpKind::ReduceMean: return reduce(n, tfl::BuiltinOperator::MEAN);
      case OpKind::Quantize:
        return op(tfl::BuiltinOperator::QUANTIZE, 1, {tensor(n.in(0))}, tensor(n.out()),
                  tfl::BuiltinOptions::QuantizeOptions, tfl::CreateQuantizeOptions(fb_).Union());
      case OpKind::Lstm: return lstm(n);
      case OpKind::Resize: return resize(n);
      case OpKind::Slice: return slice(n);
      case OpKind::Gather: return gather(n);
      case OpKind::BatchMatMul: return batch_matmul(n);
      case OpKind::Tile: return tile(n);
      case OpKind::TransposeConv: return transpose_conv(n);
      case OpKind::HardSigmoid: return hard_sigmoid(n);
      case OpKind::Gru: node_error(n, "TFLite has no GRU operator (nor has TFLM); `mote compile` runs it");
      default: break;  // ops TFLite has no builtin for (Selu, LayerNorm, ...)
    }
    node_error(n, float_ ? "has no TFLite float32 equivalent" : "has no TFLite int8 equivalent");
  }
};

}  // namespace

MemoryPlan tflite_memory_plan(const Graph& g) {
  return plan_memory(g, {}, {});  // no in-place choices, no scratch
}

MemoryPlan export_tflite(const Graph& g, const std::string& path) {
  MemoryPlan plan = tflite_memory_plan(g);
  write_file_atomic(path, Exporter(g, plan).run());
  return plan;
}

std::string export_tflite_bytes(const Graph& g) { return Exporter(g, tflite_memory_plan(g)).run(); }

}  // namespace mote
