// TFLM's int8 activation kernels turned into 256-entry tables: each entry runs TFLM's integer
// algorithm, with TFLM's own (float or double) parameter arithmetic, on one int8 input.
#include <algorithm>
#include <cmath>
#include <limits>

#include "lower/tables.h"
#include "lower/fixedpoint.h"
#include "util/error.h"

namespace mote {
namespace {

int8_t sat_s8(int32_t v) { return int8_t(std::clamp(v, -128, 127)); }

// TFLM's Prepare for int8 LOGISTIC / TANH: in_scale * 2^27 as frexp's mantissa in Q31 and
// exponent (no renormalization: a float scale's mantissa needs no rounding).
struct Q4Input {
  int32_t multiplier;
  int shift;
  int32_t radius;
};

Q4Input q4_input(float in_scale, const char* op) {
  constexpr int kInputIntegerBits = 4;
  int shift = 0;
  const double q = std::frexp(double(in_scale) * double(1 << (31 - kInputIntegerBits)), &shift);
  if (!(in_scale > 0.0f) || shift < 0) fail("{}: input scale {} is out of TFLM's range", op, in_scale);
  return {int32_t(std::round(q * 2147483648.0)), shift,
          calculate_input_radius(kInputIntegerBits, shift)};
}

// gemmlowp's int16 arithmetic used by TFLM's HardSwish.
int16_t srdhm16(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  const int32_t ab = int32_t{a} * b;
  return int16_t((ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15));
}
int16_t sdhm16(int16_t a, int16_t b) {  // truncating: no nudge
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  return int16_t((int32_t{a} * b) / (1 << 15));
}
int16_t sat_shl16(int16_t v, int amount) {
  const int64_t r = int64_t{v} * (int64_t{1} << amount);
  return int16_t(std::clamp<int64_t>(r, std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()));
}
// TFLM's DownScaleInt32ToInt16Multiplier
int16_t to_q15(int32_t m) {
  if (m >= std::numeric_limits<int32_t>::max() - (1 << 15)) return std::numeric_limits<int16_t>::max();
  return int16_t((m + (1 << 15)) >> 16);
}

}  // namespace

std::vector<int8_t> requant_table(double in_scale, int32_t in_zp, double out_scale, int32_t out_zp,
                                  const std::function<double(double)>& f) {
  std::vector<int8_t> t(256);
  for (int q = -128; q <= 127; ++q) {
    const double y = f(in_scale * (q - in_zp));
    // Codes outside the function's domain (NaN: log or sqrt of a negative) give the zero point.
    const double r = std::isnan(y) ? out_zp : std::round(y / out_scale) + out_zp;  // halves away from zero
    t[size_t(q + 128)] = int8_t(std::clamp(r, -128.0, 127.0));
  }
  return t;
}

namespace {

// TFLM's int8 LOGISTIC and TANH share one shape: codes within the input radius go through the
// Q4 fixed-point function, the rest saturate; `finish` maps the fixed-point result to int8.
template <typename Finish>
std::vector<int8_t> q4_table(float in_scale, int32_t in_zp, const char* op, Finish finish) {
  const Q4Input p = q4_input(in_scale, op);
  std::vector<int8_t> t(256);
  for (int q = -128; q <= 127; ++q) {
    const int32_t x = q - in_zp;
    if (x <= -p.radius) t[size_t(q + 128)] = -128;
    else if (x >= p.radius) t[size_t(q + 128)] = 127;
    else t[size_t(q + 128)] = finish(multiply_by_quantized_multiplier(x, p.multiplier, p.shift));
  }
  return t;
}

}  // namespace

std::vector<int8_t> tflm_logistic_table(float in_scale, int32_t in_zp) {
  return q4_table(in_scale, in_zp, "Logistic", [](int32_t in_q4) {
    return sat_s8(rounding_divide_by_pot(fixed_logistic(in_q4, 4), 31 - 8) - 128);
  });
}

std::vector<int8_t> tflm_tanh_table(float in_scale, int32_t in_zp) {
  return q4_table(in_scale, in_zp, "Tanh", [](int32_t in_q4) {
    return sat_s8(rounding_divide_by_pot(fixed_tanh(in_q4, 4), 31 - 7));
  });
}

std::vector<int8_t> tflm_hard_swish_table(float in_scale, int32_t in_zp, float out_scale,
                                          int32_t out_zp) {
  // TFLM's HardSwishPrepare, float arithmetic included
  const float hires_input_scale = (1.0f / 128.0f) * in_scale;
  const float reluish_scale = 3.0f / 32768.0f;
  int32_t out_m = 0, rel_m = 0, out_exp = 0, rel_exp = 0;
  quantize_multiplier(double(hires_input_scale / out_scale), &out_m, &out_exp);
  quantize_multiplier(double(hires_input_scale / reluish_scale), &rel_m, &rel_exp);
  if (out_exp > 0 || out_exp < -15 || rel_exp < -15)
    fail("HardSwish: scales {} -> {} are out of TFLM's range", in_scale, out_scale);
  const int16_t out_m16 = to_q15(out_m), rel_m16 = to_q15(rel_m);
  std::vector<int8_t> t(256);
  for (int q = -128; q <= 127; ++q) {
    const int16_t hires = int16_t((q - in_zp) * 128);
    const int16_t preshift_out = srdhm16(hires, out_m16);
    // x rescaled so that 3.0 is 32768, saturating; the last left shift bit after the multiply
    int16_t reluish = hires;
    if (rel_exp > 0) reluish = sat_shl16(reluish, rel_exp - 1);
    reluish = srdhm16(reluish, rel_m16);
    if (rel_exp > 0) reluish = sat_shl16(reluish, 1);
    if (rel_exp < 0) reluish = int16_t(rounding_divide_by_pot(reluish, -rel_exp));
    reluish = int16_t((int32_t{reluish} + (1 << 15)) >> 1);  // [-1, 1] -> [0, 1]
    const int16_t pre = sdhm16(reluish, preshift_out);
    t[size_t(q + 128)] = sat_s8(rounding_divide_by_pot(pre, -out_exp) + out_zp);
  }
  return t;
}

std::vector<int8_t> tflm_leaky_relu_table(float in_scale, int32_t in_zp, float out_scale,
                                          int32_t out_zp, float alpha) {
  int32_t am = 0, as = 0, im = 0, is = 0;
  quantize_multiplier(double(in_scale * alpha / out_scale), &am, &as);
  quantize_multiplier(double(in_scale / out_scale), &im, &is);
  std::vector<int8_t> t(256);
  for (int q = -128; q <= 127; ++q) {
    const int32_t x = q - in_zp;
    const int32_t y = x >= 0 ? multiply_by_quantized_multiplier(x, im, is)
                             : multiply_by_quantized_multiplier(x, am, as);
    t[size_t(q + 128)] = sat_s8(out_zp + y);
  }
  return t;
}

std::vector<int8_t> tflm_relu_table(float in_scale, int32_t in_zp, float out_scale,
                                    int32_t out_zp, float lo, float hi) {
  int32_t m = 0, s = 0;
  quantize_multiplier(double(in_scale) / double(out_scale), &m, &s);
  // TFLM's CalculateReluOpData: bounds divided in float, rounded with roundf
  auto quantized = [&](float bound) {
    return out_zp + int32_t(std::clamp(std::round(bound / out_scale), -1e9f, 1e9f));
  };
  const int32_t qlo = std::isfinite(lo) ? std::max(-128, quantized(lo)) : -128;
  const int32_t qhi = std::isfinite(hi) ? std::min(127, quantized(hi)) : 127;
  std::vector<int8_t> t(256);
  for (int q = -128; q <= 127; ++q) {
    const int32_t y = out_zp + multiply_by_quantized_multiplier(q - in_zp, m, s);
    t[size_t(q + 128)] = int8_t(std::min(std::max(y, qlo), qhi));
  }
  return t;
}

SoftmaxS8Params tflm_softmax_params(float beta, float in_scale) {
  constexpr int kScaledDiffIntegerBits = 5;
  // TFLite's PreprocessSoftmaxScaling then QuantizeMultiplierGreaterThanOne
  const double real = std::min(double(beta) * double(in_scale) * double(1 << (31 - kScaledDiffIntegerBits)),
                               double((int64_t{1} << 31) - 1));
  if (!(real > 1.0)) fail("Softmax: beta * input scale {} is too small for TFLM's int8 softmax", double(beta) * in_scale);
  int shift = 0;
  const double q = std::frexp(real, &shift);
  int64_t m = int64_t(std::round(q * 2147483648.0));
  if (m == (int64_t{1} << 31)) {
    m /= 2;
    ++shift;
  }
  if (shift > 30) fail("Softmax: beta * input scale {} is too large for TFLM's int8 softmax", double(beta) * in_scale);
  return {int32_t(m), shift, -calculate_input_radius(kScaledDiffIntegerBits, shift)};
}

ReduceS8Requant tflm_reduce_requant(float in_scale, float out_scale, int64_t count, bool sum) {
  if (count < 1) fail("MEAN/SUM: {} elements to reduce", count);
  ReduceS8Requant r{};
  quantize_multiplier(double(in_scale) / double(out_scale), &r.multiplier, &r.shift);
  if (sum) return r;
  // floor(log2(count)), capped so that the product cannot overflow and the shift stays >= -31
  int64_t up = 0;
  while ((int64_t{2} << up) <= count) ++up;
  up = std::min<int64_t>({up, 32, 31 + int64_t(r.shift)});
  r.multiplier = int32_t((int64_t{r.multiplier} << up) / count);
  r.shift -= int32_t(up);
  return r;
}

}  // namespace mote
