// Broadcasting binary ops and unary activations: int8 through TFLite's integer kernels or
// 256-entry tables, float through the float kernels.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "lower/families.h"
#include "lower/fixedpoint.h"
#include "lower/params/elementwise.h"
#include "lower/params/quantize.h"
#include "lower/params/unary.h"
#include "lower/tables.h"

namespace mote {

namespace {

mote_bcast bcast(const LowerCtx& c) {
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

void check_binary(const LowerCtx& c, KernelCall& call) {
  for (size_t k = 0; k < 2; ++k) check_dtype(c, c.in(k));
  check_dtype(c, c.out());
  call.inputs = {c.n.in(0), c.n.in(1)};
}

// ---- int8 tables of activations: one builder per ops.def s8_table name ----------------------

using TableBuilder = std::vector<int8_t> (*)(const LowerCtx& c, const TQ& qi, const TQ& qo);

double formula_at(const LowerCtx& c, double x) { return activation(c.n, x); }

// RELU, RELU6 and any clamp: the clamp bounds are the formula's limits.
std::vector<int8_t> tflm_relu(const LowerCtx& c, const TQ& qi, const TQ& qo) {
  const double inf = std::numeric_limits<double>::infinity();
  return tflm_relu_table(float(qi.scale), qi.zp, float(qo.scale), qo.zp, float(formula_at(c, -inf)),
                         float(formula_at(c, inf)));
}
std::vector<int8_t> tflm_leaky_relu(const LowerCtx& c, const TQ& qi, const TQ& qo) {
  return tflm_leaky_relu_table(float(qi.scale), qi.zp, float(qo.scale), qo.zp, c.n.attrs.f("alpha", 0.01f));
}
std::vector<int8_t> tflm_logistic(const LowerCtx&, const TQ& qi, const TQ&) { return tflm_logistic_table(float(qi.scale), qi.zp); }
std::vector<int8_t> tflm_tanh(const LowerCtx&, const TQ& qi, const TQ&) { return tflm_tanh_table(float(qi.scale), qi.zp); }
std::vector<int8_t> tflm_hard_swish(const LowerCtx&, const TQ& qi, const TQ& qo) {
  return tflm_hard_swish_table(float(qi.scale), qi.zp, float(qo.scale), qo.zp);
}
// Ops TFLite has no int8 kernel for: the formula on each dequantized input, requantized.
std::vector<int8_t> requant_formula(const LowerCtx& c, const TQ& qi, const TQ& qo) {
  return requant_table(qi.scale, qi.zp, qo.scale, qo.zp, [&](double x) { return formula_at(c, x); });
}
TensorQuant tflite_quant(const TQ& q) { return {float(q.scale), q.zp}; }
std::vector<int8_t> tflm_abs(const LowerCtx&, const TQ& qi, const TQ& qo) { return tflm_abs_table(tflite_quant(qi), tflite_quant(qo)); }
std::vector<int8_t> tflm_rsqrt(const LowerCtx&, const TQ& qi, const TQ& qo) { return tflm_rsqrt_table(tflite_quant(qi), tflite_quant(qo)); }
std::vector<int8_t> tflm_elu(const LowerCtx& c, const TQ& qi, const TQ& qo) {
  // TFLM's ELU has no alpha; another alpha is the formula itself.
  if (c.n.attrs.f("alpha", 1.0f) != 1.0f) return requant_formula(c, qi, qo);
  return tflm_elu_table(tflite_quant(qi), tflite_quant(qo));
}

// mote_unary_f32's op code and which attributes fill its alpha and beta.
struct UnaryF32 {
  int32_t op;
  const char* alpha = nullptr;
  float alpha_default = 0;
  const char* beta = nullptr;
  float beta_default = 0;
};

#define UN(...) UnaryF32{__VA_ARGS__}
const TableBuilder kS8Table[] = {
#define MOTE_OP(id, ...) nullptr,
#define MOTE_ACT(id, name, out_quant, formula, c_op, s8_table) &s8_table,
#include "ir/ops.def"
};
const UnaryF32 kUnaryF32[] = {
#define MOTE_OP(id, ...) UnaryF32{-1},
#define MOTE_ACT(id, name, out_quant, formula, c_op, s8_table) c_op,
#include "ir/ops.def"
};
#undef UN

}  // namespace

bool unary_f32_node(const mote_unary_f32_params& p, Node* out) {
  for (size_t k = 0; k < size_t(OpKind::Count); ++k) {
    const UnaryF32& u = kUnaryF32[k];
    if (u.op != p.op || !op_has(OpKind(k), Activation)) continue;
    out->op = OpKind(k);
    out->attrs = Attrs();
    if (u.alpha) out->attrs.set(u.alpha, p.alpha);
    if (u.beta) out->attrs.set(u.beta, p.beta);
    return true;
  }
  return false;
}

bool elementwise_in_place(const Graph& g, const Node& n, int input) {
  const Tensor& out = g.t(n.out());
  return input >= 0 && !g.t(input).is_const() && g.t(input).shape == out.shape && g.t(input).dtype == out.dtype;
}

bool is_add_sub(const LowerCtx& c) { return c.n.op == OpKind::Add || c.n.op == OpKind::Sub; }
bool is_mul(const LowerCtx& c) { return c.n.op == OpKind::Mul; }
bool is_binary_f32(const LowerCtx& c) { return op_has(c.n.op, Binary); }
bool is_div(const LowerCtx& c) { return c.n.op == OpKind::Div; }
bool is_squared_difference(const LowerCtx& c) { return c.n.op == OpKind::SquaredDifference; }
bool is_minmax(const LowerCtx& c) { return c.n.op == OpKind::Max || c.n.op == OpKind::Min; }
bool is_prelu(const LowerCtx& c) { return c.n.op == OpKind::PRelu; }
bool is_dequantize(const LowerCtx& c) { return c.n.op == OpKind::Dequantize; }
bool is_activation(const LowerCtx& c) { return op_has(c.n.op, Activation); }
bool is_lut_s8(const LowerCtx& c) { return is_activation(c) || c.n.op == OpKind::Quantize; }

// TFLite's int8 ADD: both inputs to a common scale 2*max(sa, sb) with 20 bits of headroom.
void build_add_s8(const LowerCtx& c, KernelCall& call) {
  check_binary(c, call);
  const TQ qa = tensor_quant(c, c.in(0)), qb = tensor_quant(c, c.in(1)), qo = tensor_quant(c, c.out());
  constexpr int kLeftShift = 20;
  const double twice_max = 2.0 * std::max(qa.scale, qb.scale);
  mote_add_s8_params p{};
  p.bc = bcast(c);
  p.a_zp = qa.zp, p.b_zp = qb.zp, p.out_zp = qo.zp;
  p.left_shift = kLeftShift;
  std::tie(p.a_multiplier, p.a_shift) = multiplier(qa.scale / twice_max);
  std::tie(p.b_multiplier, p.b_shift) = multiplier(qb.scale / twice_max);
  if (c.n.op == OpKind::Sub) p.b_multiplier = -p.b_multiplier;
  std::tie(p.out_multiplier, p.out_shift) = multiplier(twice_max / (double(1 << kLeftShift) * qo.scale));
  std::tie(p.act_min, p.act_max) = act_range_s8(c);
  call.params = p;
}

// mote_add_s8_dsp takes operands of the output's shape, TFLite's left shift of 20, no left
// shift in any rescale, none at all for the output, and an output rounding term (with the zero
// point) within 2^30: what keeps its SMMULR arithmetic exact.
bool is_add_s8_dsp(const LowerCtx& c) {
  if (!is_add_sub(c) || !c.int8() || c.n.inputs.size() != 2 || c.in(0).shape != c.out().shape ||
      c.in(1).shape != c.out().shape)
    return false;
  KernelCall call;
  build_add_s8(c, call);
  const auto& p = std::get<mote_add_s8_params>(call.params);
  const int64_t e = -int64_t(p.out_shift);
  const int64_t round = e >= 1 && e <= 31 ? (int64_t(1) << (e - 1)) + int64_t(p.out_zp) * (int64_t(1) << e) : 0;
  return p.left_shift == 20 && p.a_shift <= 0 && p.a_shift >= -31 && p.b_shift <= 0 && p.b_shift >= -31 &&
         e >= 1 && e <= 31 && std::abs(round) <= (int64_t(1) << 30);
}

void build_mul_s8(const LowerCtx& c, KernelCall& call) {
  check_binary(c, call);
  const TQ qa = tensor_quant(c, c.in(0)), qb = tensor_quant(c, c.in(1)), qo = tensor_quant(c, c.out());
  mote_mul_s8_params p{};
  p.bc = bcast(c);
  p.a_zp = qa.zp, p.b_zp = qb.zp, p.out_zp = qo.zp;
  std::tie(p.out_multiplier, p.out_shift) = multiplier(qa.scale * qb.scale / qo.scale);
  std::tie(p.act_min, p.act_max) = act_range_s8(c);
  call.params = p;
}

void build_binary_f32(const LowerCtx& c, KernelCall& call) {
  check_binary(c, call);
  mote_binary_f32_params p{};
  p.bc = bcast(c);
  switch (c.n.op) {
    case OpKind::Add: p.op = MOTE_BIN_ADD; break;
    case OpKind::Sub: p.op = MOTE_BIN_SUB; break;
    case OpKind::Mul: p.op = MOTE_BIN_MUL; break;
    case OpKind::Div: p.op = MOTE_BIN_DIV; break;
    case OpKind::Max: p.op = MOTE_BIN_MAX; break;
    case OpKind::Min: p.op = MOTE_BIN_MIN; break;
    case OpKind::Pow: p.op = MOTE_BIN_POW; break;
    case OpKind::SquaredDifference: p.op = MOTE_BIN_SQUARED_DIFFERENCE; break;
    case OpKind::PRelu: p.op = MOTE_BIN_PRELU; break;
    default: c.error("no float binary kernel op");
  }
  std::tie(p.act_min, p.act_max) = act_range_f32(c);
  call.params = p;
}

// Activations as TFLM's tables; Quantize (int8 -> int8) as TFLM's Requantize: out = out_zp +
// MultiplyByQuantizedMultiplier(in - in_zp, M, shift) clamped, M from in_scale / out_scale.
void build_lut_s8(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  call.inputs = {c.n.in(0)};
  const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
  const OutQuant& fixed = op_def(c.n.op).out_quant;
  if (fixed.kind == OutQuant::Fixed && (qo.scale != double(fixed.scale) || qo.zp != fixed.zero_point))
    c.error(fmt::format("int8 output must have scale {}, zero point {}", fixed.scale, fixed.zero_point));
  std::vector<int8_t> table;
  if (c.n.op == OpKind::Quantize) {
    const auto [m, shift] = multiplier(qi.scale / qo.scale);
    table.resize(256);
    for (int q = -128; q <= 127; ++q)
      table[size_t(q + 128)] = int8_t(std::clamp(qo.zp + multiply_by_quantized_multiplier(q - qi.zp, m, shift), -128, 127));
  } else {
    table = kS8Table[size_t(c.n.op)](c, qi, qo);
  }
  call.tables.push_back(make_table("table", DType::I8, table));
  call.params = LutParams{to_i32(c, c.out().numel(), "elements")};
}

void build_unary_f32(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  call.inputs = {c.n.in(0)};
  const UnaryF32& u = kUnaryF32[size_t(c.n.op)];
  mote_unary_f32_params p{};
  p.op = u.op;
  p.alpha = u.alpha ? c.n.attrs.f(u.alpha, u.alpha_default) : 0.0f;
  p.beta = u.beta ? c.n.attrs.f(u.beta, u.beta_default) : 0.0f;
  call.params = p;
}

// The broadcasting int8 DIV, SQUARED_DIFFERENCE, MAXIMUM/MINIMUM and PRELU: TFLM's Prepare
// arithmetic in lower/params/elementwise.cpp, on the tensors' float scales.
struct BinaryQuant {
  TensorQuant a, b, out;
};
BinaryQuant binary_quant(const LowerCtx& c, KernelCall& call) {
  check_binary(c, call);
  return {tflite_quant(c, c.in(0)), tflite_quant(c, c.in(1)), tflite_quant(c, c.out())};
}

void build_div_s8(const LowerCtx& c, KernelCall& call) {
  const BinaryQuant q = binary_quant(c, call);
  const auto [lo, hi] = act_range_s8(c);
  call.params = div_s8_params(bcast(c), q.a, q.b, q.out, lo, hi);
}

void build_squared_difference_s8(const LowerCtx& c, KernelCall& call) {
  const BinaryQuant q = binary_quant(c, call);
  call.params = squared_difference_s8_params(bcast(c), q.a, q.b, q.out);
}

void build_minmax_s8(const LowerCtx& c, KernelCall& call) {
  const BinaryQuant q = binary_quant(c, call);
  call.params = minmax_s8_params(bcast(c), c.n.op == OpKind::Max, q.a, q.b, q.out);
}

void build_prelu_s8(const LowerCtx& c, KernelCall& call) {
  const BinaryQuant q = binary_quant(c, call);
  call.params = prelu_s8_params(bcast(c), q.a, q.b, q.out);
}

// int8 in, float out: the input's scale and zero point.
void build_dequantize(const LowerCtx& c, KernelCall& call) {
  if (c.in(0).dtype != DType::I8) c.error(fmt::format("input '{}' is {}, expected i8", c.in(0).name, dtype_name(c.in(0).dtype)));
  call.inputs = {c.n.in(0)};
  call.params = quant_params(tflite_quant(c, c.in(0)));
}

}  // namespace mote
