#include "lower/lower.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>

#include "ir/op_registry.h"
#include "lower/tables.h"
#include "plan/planner.h"
#include "ref/fixedpoint.h"

namespace mote {

const ConstTable* KernelCall::table(const std::string& role) const {
  for (const ConstTable& t : tables)
    if (t.role == role) return &t;
  return nullptr;
}

namespace {

// Everything a lowering function needs about one node.
struct Ctx {
  const Graph& g;
  const Node& n;
  bool int8;     // int8 graph (activations I8) or float (F32)
  int in_place;  // the input tensor the planner lets this node overwrite, -1 if none

  const Tensor& in(size_t k) const { return g.t(n.in(k)); }
  const Tensor& out() const { return g.t(n.out()); }
  [[noreturn]] void error(const std::string& why) const {
    fail("lower: node '{}' ({}): {}", n.name, op_name(n.op), why);
  }
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

ConstTable copy_table(const std::string& role, const Tensor& t) {
  ConstTable c;
  c.role = role;
  c.dtype = t.dtype;
  c.bytes = t.data;
  return c;
}

// Scale and zero point of a per-tensor quantized int8 tensor.
struct TQ {
  double scale;
  int32_t zp;
};

TQ tensor_quant(const Ctx& c, const Tensor& t) {
  if (t.dtype != DType::I8) c.error(fmt::format("tensor '{}' is {}, expected i8", t.name, dtype_name(t.dtype)));
  if (t.quant.scale.size() != 1 || t.quant.zero_point.size() != 1)
    c.error(fmt::format("tensor '{}' needs per-tensor quantization", t.name));
  return {double(t.quant.scale[0]), t.quant.zero_point[0]};
}

bool same_quant(const QuantParams& a, const QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point && a.axis == b.axis;
}

void check_dtype(const Ctx& c, const Tensor& t) {
  DType want = c.int8 ? DType::I8 : DType::F32;
  if (t.dtype != want) c.error(fmt::format("tensor '{}' is {}, expected {}", t.name, dtype_name(t.dtype), dtype_name(want)));
}

std::pair<int32_t, int32_t> multiplier(double real) {
  int32_t m = 0, s = 0;
  quantize_multiplier(real, &m, &s);
  return {m, s};
}

int32_t to_i32(const Ctx& c, int64_t v, const char* what) {
  if (v < 0 || v > INT32_MAX) c.error(fmt::format("{} {} does not fit int32", what, v));
  return int32_t(v);
}

// Fused clamp act_min/act_max of the node in the output's int8 units.
std::pair<int32_t, int32_t> act_range_s8(const Ctx& c) {
  const TQ q = tensor_quant(c, c.out());
  const float lo = c.n.attrs.f("act_min", kNoMin), hi = c.n.attrs.f("act_max", kNoMax);
  int32_t qlo = -128, qhi = 127;
  // TFLite's CalculateActivationRangeQuantized: the bound divided by the scale in float
  const float scale = float(q.scale);
  if (std::isfinite(lo)) qlo = int32_t(std::clamp<double>(q.zp + std::round(lo / scale), -128, 127));
  if (std::isfinite(hi)) qhi = int32_t(std::clamp<double>(q.zp + std::round(hi / scale), -128, 127));
  if (qlo > qhi) c.error(fmt::format("fused activation range [{}, {}] is empty in int8", lo, hi));
  return {qlo, qhi};
}

mote_dims nhwc_dims(const Ctx& c, const Tensor& t) {
  if (t.shape.size() != 4 || t.layout != Layout::NHWC)
    c.error(fmt::format("tensor '{}' must be 4-D NHWC, is {} {}", t.name, shape_str(t.shape), layout_name(t.layout)));
  return {to_i32(c, t.shape[0], "dim"), to_i32(c, t.shape[1], "dim"), to_i32(c, t.shape[2], "dim"),
          to_i32(c, t.shape[3], "dim")};
}

// A shape left-padded with 1s to rank 4.
std::array<int64_t, 4> pad4(const Ctx& c, const Shape& s) {
  if (s.size() > 4) c.error(fmt::format("rank {} above 4 is not supported", s.size()));
  std::array<int64_t, 4> r{1, 1, 1, 1};
  for (size_t i = 0; i < s.size(); ++i) r[4 - s.size() + i] = s[i];
  return r;
}

mote_bcast bcast(const Ctx& c) {
  const auto o = pad4(c, c.out().shape), a = pad4(c, c.in(0).shape), b = pad4(c, c.in(1).shape);
  mote_bcast bc{};
  int64_t sa = 1, sb = 1;
  for (int i = 3; i >= 0; --i) {
    bc.dims[i] = to_i32(c, o[size_t(i)], "dim");
    bc.a_stride[i] = a[size_t(i)] == o[size_t(i)] && o[size_t(i)] != 1 ? to_i32(c, sa, "stride") : 0;
    bc.b_stride[i] = b[size_t(i)] == o[size_t(i)] && o[size_t(i)] != 1 ? to_i32(c, sb, "stride") : 0;
    sa *= a[size_t(i)];
    sb *= b[size_t(i)];
  }
  return bc;
}

const Tensor& const_input(const Ctx& c, size_t k, const char* what) {
  if (c.n.in(k) < 0 || !c.in(k).is_const()) c.error(fmt::format("{} must be a constant", what));
  return c.in(k);
}

// Per-output-channel scales of a weight tensor (a per-tensor scale repeats).
std::vector<double> weight_scales(const Ctx& c, const Tensor& w, int64_t channels) {
  if (w.dtype != DType::I8 || w.quant.empty()) c.error(fmt::format("weight '{}' must be quantized int8", w.name));
  for (int32_t z : w.quant.zero_point)
    if (z != 0) c.error(fmt::format("weight '{}' has zero point {}, expected 0", w.name, z));
  std::vector<double> s(static_cast<size_t>(channels));
  for (int64_t o = 0; o < channels; ++o)
    s[size_t(o)] = w.quant.per_channel() ? double(w.quant.scale.at(size_t(o))) : double(w.quant.scale[0]);
  if (w.quant.per_channel() && w.quant.axis != 0) c.error(fmt::format("weight '{}' is quantized along axis {}, expected 0", w.name, w.quant.axis));
  return s;
}

// Bias table: int32 for int8 graphs, float for float graphs; checked length.
void add_bias(const Ctx& c, KernelCall& call, size_t k, int64_t channels) {
  if (c.n.in(k) < 0) return;
  const Tensor& b = const_input(c, k, "bias");
  if (b.numel() != channels) c.error(fmt::format("bias '{}' has {} values for {} channels", b.name, b.numel(), channels));
  DType want = c.int8 ? DType::I32 : DType::F32;
  if (b.dtype != want) c.error(fmt::format("bias '{}' is {}, expected {}", b.name, dtype_name(b.dtype), dtype_name(want)));
  call.tables.push_back(copy_table("bias", b));
}

void add_requant_tables(KernelCall& call, const std::vector<double>& reals) {
  std::vector<int32_t> m(reals.size()), s(reals.size());
  for (size_t i = 0; i < reals.size(); ++i) std::tie(m[i], s[i]) = multiplier(reals[i]);
  call.tables.push_back(make_table("multiplier", DType::I32, m));
  call.tables.push_back(make_table("shift", DType::I32, s));
}

void lower_conv(const Ctx& c, KernelCall& call) {
  const Tensor& x = c.in(0);
  const Tensor& w = const_input(c, 1, "weight");
  check_dtype(c, x);
  check_dtype(c, c.out());
  const mote_dims in = nhwc_dims(c, x), out = nhwc_dims(c, c.out());
  if (w.shape.size() != 4) c.error(fmt::format("weight '{}' must be OHWI, is {}", w.name, shape_str(w.shape)));
  const int64_t group = c.n.attrs.i("group", 1);
  const auto st = c.n.attrs.ints("strides", {1, 1}), dl = c.n.attrs.ints("dilations", {1, 1});
  const auto pads = c.n.attrs.ints("pads", {0, 0, 0, 0});
  const int32_t kh = int32_t(w.shape[1]), kw = int32_t(w.shape[2]);
  const bool depthwise = group > 1 && group == in.c && w.shape[3] == 1;
  call.inputs = {c.n.in(0)};

  // Depthwise kernels read HWO [kh][kw][out.c]; OHWI [out.c][kh][kw][1] is transposed.
  auto weights = [&](size_t elem) {
    ConstTable t = copy_table("weights", w);
    if (!depthwise) return t;
    const size_t oc = size_t(out.c), taps = size_t(kh) * size_t(kw);
    for (size_t o = 0; o < oc; ++o)
      for (size_t k = 0; k < taps; ++k)
        std::memcpy(&t.bytes[(k * oc + o) * elem], &w.data[(o * taps + k) * elem], elem);
    return t;
  };

  if (c.int8) {
    mote_conv_s8_params p{};
    p.in = in;
    p.out = out;
    p.kh = kh, p.kw = kw;
    p.stride_h = int32_t(st.at(0)), p.stride_w = int32_t(st.at(1));
    p.dil_h = int32_t(dl.at(0)), p.dil_w = int32_t(dl.at(1));
    p.pad_top = int32_t(pads.at(0)), p.pad_left = int32_t(pads.at(1));
    p.groups = int32_t(group);
    p.in_place = !depthwise && c.in_place == c.n.in(0) ? 1 : 0;
    const TQ qi = tensor_quant(c, x), qo = tensor_quant(c, c.out());
    p.in_zp = qi.zp, p.out_zp = qo.zp;
    std::tie(p.act_min, p.act_max) = act_range_s8(c);
    const std::vector<double> ws = weight_scales(c, w, out.c);
    std::vector<double> reals(ws.size());
    for (size_t o = 0; o < ws.size(); ++o) reals[o] = qi.scale * ws[o] / qo.scale;
    call.tables.push_back(weights(1));
    add_bias(c, call, 2, out.c);
    add_requant_tables(call, reals);
    call.params = p;
    if (depthwise) {
      call.kernel = "mote_depthwise_conv2d_s8";
    } else {
      call.kernel = "mote_conv2d_s8";
      call.scratch_bytes = int64_t(mote_conv2d_s8_scratch_bytes(&p));
    }
    return;
  }
  mote_conv_f32_params p{};
  p.in = in;
  p.out = out;
  p.kh = kh, p.kw = kw;
  p.stride_h = int32_t(st.at(0)), p.stride_w = int32_t(st.at(1));
  p.dil_h = int32_t(dl.at(0)), p.dil_w = int32_t(dl.at(1));
  p.pad_top = int32_t(pads.at(0)), p.pad_left = int32_t(pads.at(1));
  p.groups = int32_t(group);
  p.act_min = c.n.attrs.f("act_min", kNoMin);
  p.act_max = c.n.attrs.f("act_max", kNoMax);
  if (w.dtype != DType::F32) c.error(fmt::format("weight '{}' is {}, expected f32", w.name, dtype_name(w.dtype)));
  call.tables.push_back(weights(4));
  add_bias(c, call, 2, out.c);
  call.params = p;
  call.kernel = depthwise ? "mote_depthwise_conv2d_f32" : "mote_conv2d_f32";
}

void lower_fc(const Ctx& c, KernelCall& call) {
  const Tensor& x = c.in(0);
  const Tensor& w = const_input(c, 1, "weight");
  check_dtype(c, x);
  check_dtype(c, c.out());
  if (w.shape.size() != 2) c.error(fmt::format("weight '{}' must be [M,K], is {}", w.name, shape_str(w.shape)));
  const int64_t m = w.shape[0], k = w.shape[1];
  const int32_t batches = to_i32(c, x.numel() / k, "batches");
  call.inputs = {c.n.in(0)};
  call.tables.push_back(copy_table("weights", w));
  add_bias(c, call, 2, m);
  if (c.int8) {
    mote_fc_s8_params p{};
    p.batches = batches;
    p.in_features = to_i32(c, k, "in_features");
    p.out_features = to_i32(c, m, "out_features");
    const TQ qi = tensor_quant(c, x), qo = tensor_quant(c, c.out());
    p.in_zp = qi.zp, p.out_zp = qo.zp;
    std::tie(p.act_min, p.act_max) = act_range_s8(c);
    const std::vector<double> ws = weight_scales(c, w, m);
    p.per_channel = w.quant.per_channel() ? 1 : 0;
    std::vector<double> reals(p.per_channel ? ws.size() : 1);
    for (size_t o = 0; o < reals.size(); ++o) reals[o] = qi.scale * ws[o] / qo.scale;
    add_requant_tables(call, reals);
    call.params = p;
    call.kernel = "mote_fully_connected_s8";
    return;
  }
  if (w.dtype != DType::F32) c.error(fmt::format("weight '{}' is {}, expected f32", w.name, dtype_name(w.dtype)));
  mote_fc_f32_params p{};
  p.batches = batches;
  p.in_features = int32_t(k);
  p.out_features = int32_t(m);
  p.act_min = c.n.attrs.f("act_min", kNoMin);
  p.act_max = c.n.attrs.f("act_max", kNoMax);
  call.params = p;
  call.kernel = "mote_fully_connected_f32";
}

void lower_binary(const Ctx& c, KernelCall& call) {
  for (size_t k = 0; k < 2; ++k) check_dtype(c, c.in(k));
  check_dtype(c, c.out());
  call.inputs = {c.n.in(0), c.n.in(1)};
  const mote_bcast bc = bcast(c);
  if (!c.int8) {
    mote_binary_f32_params p{};
    p.bc = bc;
    p.op = c.n.op == OpKind::Add ? MOTE_BIN_ADD : c.n.op == OpKind::Sub ? MOTE_BIN_SUB : MOTE_BIN_MUL;
    p.act_min = c.n.attrs.f("act_min", kNoMin);
    p.act_max = c.n.attrs.f("act_max", kNoMax);
    call.params = p;
    call.kernel = "mote_binary_f32";
    return;
  }
  const TQ qa = tensor_quant(c, c.in(0)), qb = tensor_quant(c, c.in(1)), qo = tensor_quant(c, c.out());
  if (c.n.op == OpKind::Mul) {
    mote_mul_s8_params p{};
    p.bc = bc;
    p.a_zp = qa.zp, p.b_zp = qb.zp, p.out_zp = qo.zp;
    std::tie(p.out_multiplier, p.out_shift) = multiplier(qa.scale * qb.scale / qo.scale);
    std::tie(p.act_min, p.act_max) = act_range_s8(c);
    call.params = p;
    call.kernel = "mote_mul_s8";
    return;
  }
  // TFLite's int8 ADD: both inputs to a common scale 2*max(sa, sb) with 20 bits of headroom.
  constexpr int kLeftShift = 20;
  const double twice_max = 2.0 * std::max(qa.scale, qb.scale);
  mote_add_s8_params p{};
  p.bc = bc;
  p.a_zp = qa.zp, p.b_zp = qb.zp, p.out_zp = qo.zp;
  p.left_shift = kLeftShift;
  std::tie(p.a_multiplier, p.a_shift) = multiplier(qa.scale / twice_max);
  std::tie(p.b_multiplier, p.b_shift) = multiplier(qb.scale / twice_max);
  if (c.n.op == OpKind::Sub) p.b_multiplier = -p.b_multiplier;
  std::tie(p.out_multiplier, p.out_shift) = multiplier(twice_max / (double(1 << kLeftShift) * qo.scale));
  std::tie(p.act_min, p.act_max) = act_range_s8(c);
  call.params = p;
  call.kernel = "mote_add_s8";
}

}  // namespace

// The float function of a unary op (shared by the float reference and the int8 tables).
double unary_fn(const Node& n, double x) {
  switch (n.op) {
    case OpKind::Relu: return std::max(0.0, x);
    case OpKind::Clip: return std::clamp(x, double(n.attrs.f("min", kNoMin)), double(n.attrs.f("max", kNoMax)));
    case OpKind::LeakyRelu: return x >= 0 ? x : double(n.attrs.f("alpha", 0.01f)) * x;
    case OpKind::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case OpKind::Tanh: return std::tanh(x);
    case OpKind::HardSigmoid:
      return std::clamp(double(n.attrs.f("alpha", 0.2f)) * x + double(n.attrs.f("beta", 0.5f)), 0.0, 1.0);
    case OpKind::HardSwish: return x * std::clamp(x / 6.0 + 0.5, 0.0, 1.0);
    default: fail("node '{}' ({}) is not a unary activation", n.name, op_name(n.op));
  }
}

std::vector<int8_t> requant_table(double in_scale, int32_t in_zp, double out_scale, int32_t out_zp,
                                  const std::function<double(double)>& f) {
  std::vector<int8_t> t(256);
  for (int q = -128; q <= 127; ++q) {
    const double y = f(in_scale * (q - in_zp));
    const double r = std::round(y / out_scale) + out_zp;  // std::round: halves away from zero
    t[size_t(q + 128)] = int8_t(std::clamp(r, -128.0, 127.0));
  }
  return t;
}

namespace {

// The int8 table of a unary activation: TFLM's integer kernel where TFLite has the op, the
// float function requantized otherwise (HardSigmoid).
std::vector<int8_t> unary_table_s8(const Ctx& c, const TQ& qi, const TQ& qo) {
  const float si = float(qi.scale), so = float(qo.scale);
  auto need_out = [&](double scale, int32_t zp) {
    if (qo.scale != scale || qo.zp != zp)
      c.error(fmt::format("int8 output must have scale {}, zero point {}", scale, zp));
  };
  switch (c.n.op) {
    case OpKind::Relu: return tflm_relu_table(si, qi.zp, so, qo.zp, 0.0f, kNoMax);
    case OpKind::Clip:
      return tflm_relu_table(si, qi.zp, so, qo.zp, c.n.attrs.f("min", kNoMin), c.n.attrs.f("max", kNoMax));
    case OpKind::LeakyRelu: return tflm_leaky_relu_table(si, qi.zp, so, qo.zp, c.n.attrs.f("alpha", 0.01f));
    case OpKind::Sigmoid:
      need_out(1.0 / 256, -128);
      return tflm_logistic_table(si, qi.zp);
    case OpKind::Tanh:
      need_out(1.0 / 128, 0);
      return tflm_tanh_table(si, qi.zp);
    case OpKind::HardSwish: return tflm_hard_swish_table(si, qi.zp, so, qo.zp);
    default: {
      const Node& node = c.n;
      return requant_table(qi.scale, qi.zp, qo.scale, qo.zp, [&](double x) { return unary_fn(node, x); });
    }
  }
}

void lower_unary(const Ctx& c, KernelCall& call) {
  check_dtype(c, c.in(0));
  check_dtype(c, c.out());
  call.inputs = {c.n.in(0)};
  const int32_t n = to_i32(c, c.out().numel(), "elements");
  if (c.int8) {
    const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
    call.tables.push_back(make_table("table", DType::I8, unary_table_s8(c, qi, qo)));
    call.params = LutParams{n};
    call.kernel = "mote_lut_s8";
    return;
  }
  mote_unary_f32_params p{};
  switch (c.n.op) {
    case OpKind::Relu: p.op = MOTE_UN_RELU; break;
    case OpKind::Clip:
      p.op = MOTE_UN_CLIP;
      p.alpha = c.n.attrs.f("min", kNoMin);
      p.beta = c.n.attrs.f("max", kNoMax);
      break;
    case OpKind::LeakyRelu:
      p.op = MOTE_UN_LEAKY_RELU;
      p.alpha = c.n.attrs.f("alpha", 0.01f);
      break;
    case OpKind::Sigmoid: p.op = MOTE_UN_SIGMOID; break;
    case OpKind::Tanh: p.op = MOTE_UN_TANH; break;
    case OpKind::HardSigmoid:
      p.op = MOTE_UN_HARD_SIGMOID;
      p.alpha = c.n.attrs.f("alpha", 0.2f);
      p.beta = c.n.attrs.f("beta", 0.5f);
      break;
    case OpKind::HardSwish: p.op = MOTE_UN_HARD_SWISH; break;
    default: c.error("not a unary op");
  }
  call.params = p;
  call.kernel = "mote_unary_f32";
}

void lower_pool(const Ctx& c, KernelCall& call) {
  check_dtype(c, c.in(0));
  check_dtype(c, c.out());
  call.inputs = {c.n.in(0)};
  const mote_dims in = nhwc_dims(c, c.in(0)), out = nhwc_dims(c, c.out());
  const auto k = c.n.attrs.ints("kernel");
  const auto st = c.n.attrs.ints("strides", {1, 1});
  const auto pads = c.n.attrs.ints("pads", {0, 0, 0, 0});
  const bool max = c.n.op == OpKind::MaxPool;
  if (c.int8) {
    if (!same_quant(c.in(0).quant, c.out().quant)) c.error("int8 pooling needs the output quantized like the input");
    mote_pool_s8_params p{};
    p.in = in, p.out = out;
    p.kh = int32_t(k.at(0)), p.kw = int32_t(k.at(1));
    p.stride_h = int32_t(st.at(0)), p.stride_w = int32_t(st.at(1));
    p.pad_top = int32_t(pads.at(0)), p.pad_left = int32_t(pads.at(1));
    std::tie(p.act_min, p.act_max) = act_range_s8(c);
    call.params = p;
    call.kernel = max ? "mote_maxpool_s8" : "mote_avgpool_s8";
    return;
  }
  mote_pool_f32_params p{};
  p.in = in, p.out = out;
  p.kh = int32_t(k.at(0)), p.kw = int32_t(k.at(1));
  p.stride_h = int32_t(st.at(0)), p.stride_w = int32_t(st.at(1));
  p.pad_top = int32_t(pads.at(0)), p.pad_left = int32_t(pads.at(1));
  p.act_min = c.n.attrs.f("act_min", kNoMin);
  p.act_max = c.n.attrs.f("act_max", kNoMax);
  call.params = p;
  call.kernel = max ? "mote_maxpool_f32" : "mote_avgpool_f32";
}

void lower_mean(const Ctx& c, KernelCall& call) {
  check_dtype(c, c.in(0));
  check_dtype(c, c.out());
  call.inputs = {c.n.in(0)};
  const Shape& s = c.in(0).shape;
  const auto axes = c.n.attrs.ints("axes");
  if (axes.empty()) c.error("no axes to reduce");
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1) c.error("reduced axes must be contiguous");
  int64_t outer = 1, reduce = 1, inner = 1;
  for (int64_t i = 0; i < int64_t(s.size()); ++i) {
    if (i < axes.front()) outer *= s[size_t(i)];
    else if (i <= axes.back()) reduce *= s[size_t(i)];
    else inner *= s[size_t(i)];
  }
  if (c.int8) {
    const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
    mote_mean_s8_params p{};
    p.outer = to_i32(c, outer, "outer"), p.reduce = to_i32(c, reduce, "reduce"), p.inner = to_i32(c, inner, "inner");
    p.in_zp = qi.zp, p.out_zp = qo.zp;
    const ReduceS8Requant rq = tflm_reduce_requant(float(qi.scale), float(qo.scale), reduce, false);
    p.multiplier = rq.multiplier, p.shift = rq.shift;
    call.params = p;
    call.kernel = "mote_mean_s8";
    return;
  }
  mote_mean_f32_params p{};
  p.outer = to_i32(c, outer, "outer"), p.reduce = to_i32(c, reduce, "reduce"), p.inner = to_i32(c, inner, "inner");
  call.params = p;
  call.kernel = "mote_mean_f32";
}

void lower_softmax(const Ctx& c, KernelCall& call) {
  check_dtype(c, c.in(0));
  check_dtype(c, c.out());
  call.inputs = {c.n.in(0)};
  const Shape& s = c.in(0).shape;
  if (c.n.attrs.i("axis", int64_t(s.size()) - 1) != int64_t(s.size()) - 1) c.error("softmax axis must be the last");
  const int64_t cols = s.back();
  const int32_t rows = to_i32(c, c.in(0).numel() / cols, "rows");
  if (c.int8) {
    const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
    if (qo.zp != -128 || qo.scale != 1.0 / 256) c.error("int8 softmax output must have scale 1/256, zero point -128");
    if (cols > 4095) c.error(fmt::format("int8 softmax over {} classes, the runtime handles 4095", cols));
    const SoftmaxS8Params sp = tflm_softmax_params(c.n.attrs.f("beta", 1.0f), float(qi.scale));
    mote_softmax_s8_params p{};
    p.rows = rows, p.cols = to_i32(c, cols, "cols");
    p.input_multiplier = sp.input_multiplier;
    p.input_left_shift = sp.input_left_shift;
    p.diff_min = sp.diff_min;
    call.params = p;
    call.kernel = "mote_softmax_s8";
    return;
  }
  mote_softmax_f32_params p{};
  p.rows = rows, p.cols = to_i32(c, cols, "cols");
  call.params = p;
  call.kernel = "mote_softmax_f32";
}

void lower_concat(const Ctx& c, KernelCall& call) {
  check_dtype(c, c.out());
  const int64_t axis = c.n.attrs.i("axis", 0);
  const size_t es = dtype_size(c.out().dtype);
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= c.out().shape[size_t(i)];
  std::vector<int32_t> inner(c.n.inputs.size());
  for (size_t k = 0; k < c.n.inputs.size(); ++k) {
    const Tensor& t = c.in(k);
    check_dtype(c, t);
    int64_t e = 1;
    for (size_t i = size_t(axis); i < t.shape.size(); ++i) e *= t.shape[i];
    inner[k] = to_i32(c, e * int64_t(es), "inner bytes");
    if (c.int8 && !same_quant(t.quant, c.out().quant)) {
      const TQ qi = tensor_quant(c, t), qo = tensor_quant(c, c.out());
      call.tables.push_back(make_table("lut" + std::to_string(k), DType::I8,
                                       requant_table(qi.scale, qi.zp, qo.scale, qo.zp, [](double x) { return x; })));
    }
  }
  call.tables.push_back(make_table("inner_bytes", DType::I32, inner));
  call.inputs = c.n.inputs;
  mote_concat_params p{};
  p.outer = to_i32(c, outer, "outer");
  p.n_inputs = int32_t(c.n.inputs.size());
  call.params = p;
  call.kernel = "mote_concat";
}

void lower_pad(const Ctx& c, KernelCall& call) {
  check_dtype(c, c.in(0));
  check_dtype(c, c.out());
  call.inputs = {c.n.in(0)};
  const Shape& s = c.in(0).shape;
  const auto pads = c.n.attrs.ints("pads");
  const auto d = pad4(c, s);
  const size_t off = 4 - s.size();
  mote_pad_params p{};
  for (size_t i = 0; i < 4; ++i) {
    p.in_dims[i] = to_i32(c, d[i], "dim");
    p.pad_before[i] = i < off ? 0 : int32_t(pads.at(i - off));
    p.pad_after[i] = i < off ? 0 : int32_t(pads.at(i - off + s.size()));
  }
  const float value = c.n.attrs.f("value", 0.0f);
  if (c.int8) {
    if (!same_quant(c.in(0).quant, c.out().quant)) c.error("int8 pad needs the output quantized like the input");
    const TQ q = tensor_quant(c, c.out());
    const int8_t v = int8_t(std::clamp(std::round(value / q.scale) + q.zp, -128.0, 127.0));
    p.elem_size = 1;
    p.value = uint32_t(uint8_t(v));
  } else {
    p.elem_size = 4;
    std::memcpy(&p.value, &value, 4);
  }
  call.params = p;
  call.kernel = "mote_pad";
}

void lower_transpose(const Ctx& c, KernelCall& call) {
  check_dtype(c, c.in(0));
  check_dtype(c, c.out());
  if (c.int8 && !same_quant(c.in(0).quant, c.out().quant)) c.error("int8 transpose needs the output quantized like the input");
  call.inputs = {c.n.in(0)};
  const Shape& s = c.in(0).shape;
  const auto perm = c.n.attrs.ints("perm");
  // Size-1 axes move nothing: drop them. Input axes that stay adjacent and in order in the
  // output move as one block: merge them. What is left is the real permutation.
  std::vector<int64_t> kept;  // input axes with size > 1, in output order
  for (int64_t a : perm)
    if (s[size_t(a)] > 1) kept.push_back(a);
  std::vector<int64_t> dims;  // merged input dims, in input order
  std::vector<size_t> group_of(s.size(), 0);
  std::vector<int64_t> sorted = kept;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<int64_t>> groups;  // runs of output axes that are consecutive inputs
  for (size_t i = 0; i < kept.size(); ++i) {
    size_t pos = size_t(std::find(sorted.begin(), sorted.end(), kept[i]) - sorted.begin());
    bool extends = i > 0 && pos > 0 && sorted[pos - 1] == kept[i - 1];
    if (extends) groups.back().push_back(kept[i]);
    else groups.push_back({kept[i]});
  }
  std::vector<size_t> order(groups.size());  // groups sorted by their first input axis
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return groups[a][0] < groups[b][0]; });
  std::vector<int64_t> rank_of(groups.size());
  for (size_t r = 0; r < order.size(); ++r) {
    int64_t d = 1;
    for (int64_t a : groups[order[r]]) d *= s[size_t(a)];
    dims.push_back(d);
    rank_of[order[r]] = int64_t(r);
  }
  constexpr size_t nd = MOTE_TRANSPOSE_DIMS;
  if (dims.size() > nd) c.error(fmt::format("transpose moves {} separate axes, the runtime handles {}", dims.size(), nd));
  const size_t off = nd - dims.size();
  mote_transpose_params p{};
  for (size_t i = 0; i < nd; ++i) {
    p.in_dims[i] = i < off ? 1 : to_i32(c, dims[i - off], "dim");
    p.perm[i] = i < off ? int32_t(i) : int32_t(rank_of[i - off] + int64_t(off));
  }
  p.elem_size = int32_t(dtype_size(c.out().dtype));
  call.params = p;
  call.kernel = "mote_transpose";
}

// TFLite int8 -> int8 QUANTIZE as a table: TFLM's Requantize, out = out_zp +
// MultiplyByQuantizedMultiplier(in - in_zp, M, shift) clamped, M from in_scale / out_scale.
void lower_quantize(const Ctx& c, KernelCall& call) {
  if (!c.int8) c.error("Quantize needs an int8 graph");
  check_dtype(c, c.in(0));
  check_dtype(c, c.out());
  const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
  const auto [m, shift] = multiplier(qi.scale / qo.scale);
  std::vector<int8_t> table(256);
  for (int q = -128; q <= 127; ++q) {
    const int32_t v = qo.zp + multiply_by_quantized_multiplier(q - qi.zp, m, shift);
    table[size_t(q + 128)] = int8_t(std::clamp(v, -128, 127));
  }
  call.inputs = {c.n.in(0)};
  call.tables.push_back(make_table("table", DType::I8, table));
  call.params = LutParams{to_i32(c, c.out().numel(), "elements")};
  call.kernel = "mote_lut_s8";
}

void lower_alias(const Ctx& c, KernelCall& call) {
  check_dtype(c, c.in(0));
  check_dtype(c, c.out());
  if (c.int8 && !same_quant(c.in(0).quant, c.out().quant)) c.error("int8 reshape needs the output quantized like the input");
  call.inputs = {c.n.in(0)};
  call.params = AliasParams{};
  call.kernel = "";
}

}  // namespace

std::vector<KernelCall> lower(const Graph& g) {
  std::vector<KernelCall> calls;
  calls.reserve(g.nodes.size());
  const std::vector<int> in_place = in_place_inputs(g);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    const DType dt = g.t(n.out()).dtype;
    if (dt != DType::I8 && dt != DType::F32)
      fail("lower: node '{}' ({}): output is {}, expected i8 or f32", n.name, op_name(n.op), dtype_name(dt));
    const Ctx c{g, n, dt == DType::I8, in_place[k]};
    KernelCall call;
    call.node = int(k);
    call.output = n.out();
    switch (n.op) {
      case OpKind::Conv: lower_conv(c, call); break;
      case OpKind::FullyConnected: lower_fc(c, call); break;
      case OpKind::Add:
      case OpKind::Sub:
      case OpKind::Mul: lower_binary(c, call); break;
      case OpKind::Relu:
      case OpKind::Clip:
      case OpKind::LeakyRelu:
      case OpKind::Sigmoid:
      case OpKind::Tanh:
      case OpKind::HardSigmoid:
      case OpKind::HardSwish: lower_unary(c, call); break;
      case OpKind::MaxPool:
      case OpKind::AvgPool: lower_pool(c, call); break;
      case OpKind::ReduceMean: lower_mean(c, call); break;
      case OpKind::Softmax: lower_softmax(c, call); break;
      case OpKind::Concat: lower_concat(c, call); break;
      case OpKind::Pad: lower_pad(c, call); break;
      case OpKind::Transpose: lower_transpose(c, call); break;
      case OpKind::Reshape:
      case OpKind::Identity: lower_alias(c, call); break;
      case OpKind::Quantize: lower_quantize(c, call); break;
      case OpKind::BatchNorm: c.error("BatchNorm must be folded before lowering");
      case OpKind::Count: c.error("unknown op");
    }
    calls.push_back(std::move(call));
  }
  return calls;
}

void bind_tables(KernelCall& call) {
  auto ptr = [&](const char* role) -> const uint8_t* {
    const ConstTable* t = call.table(role);
    if (!t) fail("bind_tables: {} call for node {} has no '{}' table", call.kernel, call.node, role);
    return t->bytes.data();
  };
  if (auto* p = std::get_if<mote_conv_s8_params>(&call.params)) {
    p->multiplier = reinterpret_cast<const int32_t*>(ptr("multiplier"));
    p->shift = reinterpret_cast<const int32_t*>(ptr("shift"));
  } else if (auto* p = std::get_if<mote_fc_s8_params>(&call.params)) {
    p->multiplier = reinterpret_cast<const int32_t*>(ptr("multiplier"));
    p->shift = reinterpret_cast<const int32_t*>(ptr("shift"));
  } else if (auto* p = std::get_if<mote_concat_params>(&call.params)) {
    p->inner_bytes = reinterpret_cast<const int32_t*>(ptr("inner_bytes"));
    call.bound_luts.assign(size_t(p->n_inputs), nullptr);
    bool any = false;
    for (int32_t k = 0; k < p->n_inputs; ++k)
      if (const ConstTable* t = call.table("lut" + std::to_string(k))) {
        call.bound_luts[size_t(k)] = reinterpret_cast<const int8_t*>(t->bytes.data());
        any = true;
      }
    p->luts = any ? call.bound_luts.data() : nullptr;
  }
}

}  // namespace mote
