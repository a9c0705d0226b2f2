// Broadcasting binary ops and unary activations: int8 through TFLite's integer kernels or
// 256-entry tables, float through the float kernels.
#include <algorithm>
#include <cmath>

#include "lower/families.h"
#include "lower/fixedpoint.h"
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

bool elementwise_in_place(const Graph& g, const Node& n, int input) {
  const Tensor& out = g.t(n.out());
  return input >= 0 && !g.t(input).is_const() && g.t(input).shape == out.shape && g.t(input).dtype == out.dtype;
}

bool is_add_sub(const LowerCtx& c) { return c.n.op == OpKind::Add || c.n.op == OpKind::Sub; }
bool is_mul(const LowerCtx& c) { return c.n.op == OpKind::Mul; }
bool is_binary_f32(const LowerCtx& c) { return is_add_sub(c) || is_mul(c); }
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
  p.op = c.n.op == OpKind::Add ? MOTE_BIN_ADD : c.n.op == OpKind::Sub ? MOTE_BIN_SUB : MOTE_BIN_MUL;
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

}  // namespace mote
