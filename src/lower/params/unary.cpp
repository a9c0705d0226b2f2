// TFLM's int8 RSQRT, ABS and ELU as lookup tables (see params/unary.h).
#include "lower/params/unary.h"

#include <algorithm>
#include <cmath>

#include "lower/fixedpoint.h"
#include "util/error.h"

namespace mote {
namespace {

int8_t sat_s8(int64_t v) { return int8_t(std::clamp<int64_t>(v, -128, 127)); }

void check_scales(const char* op, TensorQuant in, TensorQuant out) {
  if (!(in.scale > 0.0f) || !(out.scale > 0.0f) || !std::isfinite(in.scale) || !std::isfinite(out.scale))
    fail("{}: scales {} -> {} must be positive and finite", op, in.scale, out.scale);
}

int leading_zeros(uint32_t x) {
  int n = 0;
  while (n < 32 && !(x & (0x80000000u >> n))) ++n;
  return n;
}

}  // namespace

void inv_sqrt_quantized_multiplier(int32_t input, int reverse_shift, int32_t* multiplier, int* shift) {
  if (input <= 1) {  // TFLite treats 0 (invalid) and 1 (would overflow below) as 1
    *multiplier = INT32_MAX;
    *shift = 0;
    return;
  }
  int s = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    ++s;
  }
  // normalize into [2^27, 2^29) by whole bit pairs, so the square root's exponent stays integral
  const int pairs = (leading_zeros(uint32_t(input)) - 1) / 2 - 1;
  s -= pairs;
  input <<= 2 * pairs;
  // Newton-Raphson for 1/sqrt(input / 2^28) in Q3.28, from x = 1, five steps
  const int32_t half_input = rounding_divide_by_pot(input >> 1, 1);
  const int32_t three_halves = (1 << 28) + (1 << 27);
  int32_t x = 1 << 28;
  for (int i = 0; i < 5; ++i) {
    const int32_t x2 = saturating_rounding_doubling_high_mul(x, x);                                    // Q6
    const int32_t x3 = saturating_rounding_multiply_by_pot(saturating_rounding_doubling_high_mul(x2, x), 6);  // Q9 -> Q3
    const auto diff = int32_t(uint32_t(saturating_rounding_doubling_high_mul(three_halves, x)) -
                              uint32_t(saturating_rounding_doubling_high_mul(half_input, x3)));  // Q6, wrapping
    x = saturating_rounding_multiply_by_pot(diff, 3);
  }
  x = saturating_rounding_doubling_high_mul(x, 1518500250);  // * sqrt(2) / 2
  if (s < 0) {
    x = int32_t(uint32_t(x) << -s);
    s = 0;
  }
  *multiplier = x;
  *shift = s * reverse_shift;
}

std::vector<int8_t> tflm_rsqrt_table(TensorQuant in, TensorQuant out) {
  constexpr int kShift = 20;  // TFLM's headroom for 1/sqrt(value) as an integer
  check_scales("Rsqrt", in, out);
  int32_t m = 0, s = 0;
  quantize_multiplier(1.0 / double(std::sqrt(in.scale) * out.scale), &m, &s);
  if (s - kShift < -31) fail("Rsqrt: scales {} -> {} are out of TFLM's range", in.scale, out.scale);
  std::vector<int8_t> t(256);
  for (int q = -128; q <= 127; ++q) {
    const int32_t value = q - in.zero_point;
    if (value == 0) {
      t[size_t(q + 128)] = 127;
      continue;
    }
    int32_t inv = 0;
    int inv_shift = 0;
    inv_sqrt_quantized_multiplier(value, -1, &inv, &inv_shift);
    const int32_t data = multiply_by_quantized_multiplier(1, inv, inv_shift + kShift);
    t[size_t(q + 128)] = sat_s8(int64_t{multiply_by_quantized_multiplier(data, m, s - kShift)} + out.zero_point);
  }
  return t;
}

std::vector<int8_t> tflm_abs_table(TensorQuant in, TensorQuant out) {
  check_scales("Abs", in, out);
  const bool rescale = in.scale != out.scale;
  int32_t m = 0, s = 0;
  if (rescale) quantize_multiplier(double(in.scale / out.scale), &m, &s);
  std::vector<int8_t> t(256);
  for (int q = -128; q <= 127; ++q) {
    const int32_t v = std::abs(q - in.zero_point);
    t[size_t(q + 128)] = sat_s8(int64_t{rescale ? multiply_by_quantized_multiplier(v, m, s) : v} + out.zero_point);
  }
  return t;
}

std::vector<int8_t> tflm_elu_table(TensorQuant in, TensorQuant out) {
  check_scales("Elu", in, out);
  const float inverse_scale = 1.0f / out.scale;
  std::vector<int8_t> t(256);
  for (int q = -128; q <= 127; ++q) {
    const float x = in.scale * float(q - in.zero_point);
    const float y = x < 0.0f ? std::exp(x) - 1.0f : x;
    const float rounded = std::round(y * inverse_scale);
    t[size_t(q + 128)] = sat_s8(int64_t(rounded + float(out.zero_point)));
  }
  return t;
}

}  // namespace mote
