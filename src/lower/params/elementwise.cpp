// TFLM's Prepare arithmetic for the broadcasting int8 binary kernels of params/elementwise.h.
#include "lower/params/elementwise.h"

#include <algorithm>
#include <cmath>

#include "lower/fixedpoint.h"
#include "util/error.h"

namespace mote {
namespace {

void check_scales(const char* op, TensorQuant a, TensorQuant b, TensorQuant out) {
  for (const float s : {a.scale, b.scale, out.scale})
    if (!(s > 0.0f) || !std::isfinite(s))
      fail("{}: scales {}, {} -> {} must be positive and finite", op, a.scale, b.scale, out.scale);
}

// A multiplier below 1 as TFLite's QuantizeMultiplierSmallerThanOneExp requires it.
void below_one(const char* op, const char* what, double real, int32_t* m, int32_t* s) {
  if (!(real > 0.0 && real < 1.0)) fail("{}: {} multiplier {} must lie in (0, 1) for TFLM", op, what, real);
  quantize_multiplier(real, m, s);
}

}  // namespace

mote_div_s8_params div_s8_params(const mote_bcast& bc, TensorQuant a, TensorQuant b,
                                 TensorQuant out, int32_t act_min, int32_t act_max) {
  check_scales("Div", a, b, out);
  mote_div_s8_params p{};
  p.bc = bc;
  p.a_zp = a.zero_point, p.b_zp = b.zero_point, p.out_zp = out.zero_point;
  p.act_min = act_min, p.act_max = act_max;
  quantize_multiplier(double(a.scale / (b.scale * out.scale)), &p.out_multiplier, &p.out_shift);
  if (p.out_shift < -25 || p.out_shift > 23)
    fail("Div: scale ratio {} / ({} * {}) is outside [2^-26, 2^23)", a.scale, b.scale, out.scale);
  return p;
}

mote_squared_difference_s8_params squared_difference_s8_params(const mote_bcast& bc,
                                                               TensorQuant a, TensorQuant b,
                                                               TensorQuant out) {
  constexpr int kLeftShift = 7;
  check_scales("SquaredDifference", a, b, out);
  const double twice_max = 2.0 * double(std::max(a.scale, b.scale));
  mote_squared_difference_s8_params p{};
  p.bc = bc;
  p.a_zp = a.zero_point, p.b_zp = b.zero_point, p.out_zp = out.zero_point;
  p.left_shift = kLeftShift;
  below_one("SquaredDifference", "first input", double(a.scale) / twice_max, &p.a_multiplier, &p.a_shift);
  below_one("SquaredDifference", "second input", double(b.scale) / twice_max, &p.b_multiplier, &p.b_shift);
  below_one("SquaredDifference", "output", twice_max * twice_max / ((1 << (2 * kLeftShift)) * double(out.scale)),
            &p.out_multiplier, &p.out_shift);
  p.act_min = -128, p.act_max = 127;
  return p;
}

mote_minmax_s8_params minmax_s8_params(const mote_bcast& bc, bool is_max, TensorQuant a,
                                       TensorQuant b, TensorQuant out) {
  const char* op = is_max ? "Maximum" : "Minimum";
  for (const TensorQuant& q : {a, b})
    if (q.scale != out.scale || q.zero_point != out.zero_point)
      fail("{}: input quantization ({}, {}) differs from the output's ({}, {}); TFLM compares raw int8 codes",
           op, q.scale, q.zero_point, out.scale, out.zero_point);
  mote_minmax_s8_params p{};
  p.bc = bc;
  p.is_max = is_max ? 1 : 0;
  return p;
}

mote_prelu_s8_params prelu_s8_params(const mote_bcast& bc, TensorQuant in, TensorQuant alpha,
                                     TensorQuant out) {
  check_scales("Prelu", in, alpha, out);
  mote_prelu_s8_params p{};
  p.bc = bc;
  p.a_zp = in.zero_point, p.alpha_zp = alpha.zero_point, p.out_zp = out.zero_point;
  quantize_multiplier(double(in.scale) / double(out.scale), &p.pos_multiplier, &p.pos_shift);
  quantize_multiplier(double(in.scale) * double(alpha.scale) / double(out.scale), &p.neg_multiplier,
                      &p.neg_shift);
  return p;
}

}  // namespace mote
