#include "lower/fixedpoint.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/error.h"

namespace mote {

void quantize_multiplier(double real, int32_t* multiplier, int32_t* shift) {
  if (!std::isfinite(real)) fail("quantize_multiplier: real multiplier {} is not finite", real);
  if (real == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  if (real < 0.0) {
    quantize_multiplier(-real, multiplier, shift);
    *multiplier = -*multiplier;
    return;
  }
  int exp = 0;
  const double frac = std::frexp(real, &exp);  // real = frac * 2^exp, frac in [0.5, 1)
  int64_t q = static_cast<int64_t>(std::round(frac * 2147483648.0));
  if (q == (int64_t{1} << 31)) {  // frac rounded up to 1.0
    q /= 2;
    ++exp;
  }
  if (exp < -31) {  // too small to represent: acts as zero
    q = 0;
    exp = 0;
  }
  if (exp > 30) {
    q = std::numeric_limits<int32_t>::max();
    exp = 30;
  }
  *multiplier = static_cast<int32_t>(q);
  *shift = exp;
}

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && b == a)
    return std::numeric_limits<int32_t>::max();
  // floor(a * b / 2^31 + 1/2): TFLite's nudge-and-truncate rounds ties up, so -0.5 goes to 0
  const int64_t prod = static_cast<int64_t>(a) * b;
  const int64_t num = prod + (int64_t{1} << 30);
  const int64_t den = int64_t{1} << 31;
  const int64_t floor_q = num / den - (num % den < 0 ? 1 : 0);
  return static_cast<int32_t>(floor_q);
}

int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  const int64_t v = x;
  const int64_t mag = v < 0 ? -v : v;
  const int64_t rounded = (mag + (int64_t{1} << (exponent - 1))) >> exponent;
  return static_cast<int32_t>(v < 0 ? -rounded : rounded);
}

int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right);
}

int64_t multiply_by_quantized_multiplier_64(int64_t x, int32_t multiplier, int32_t shift) {
  if (multiplier < 0 || shift < -31 || shift > 7) fail("16x8 requantization: multiplier {} shift {} out of range", multiplier, shift);
  const int64_t m16 = multiplier < 0x7FFF0000 ? (int64_t{multiplier} + (1 << 15)) / 65536 : 0x7FFF;
  const int total = 15 - shift;
  // floor((x * m16 + 2^(total - 1)) / 2^total), written as a floor division
  const int64_t num = x * m16 + (int64_t{1} << (total - 1)), den = int64_t{1} << total;
  return num / den - (num % den != 0 && num < 0 ? 1 : 0);
}

int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent) {
  if (exponent <= 0) return rounding_divide_by_pot(x, -exponent);
  const int64_t v = int64_t{x} * (int64_t{1} << exponent);
  return static_cast<int32_t>(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}

int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = int64_t{a} + b;
  return static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

namespace {

constexpr int32_t kQ0One = std::numeric_limits<int32_t>::max();  // 1.0 saturated in Q0.31
constexpr int32_t kQ2One = int32_t{1} << 29;

// exp(a) for a in [-1/4, 0) in Q0.31: Taylor series around -1/8 to the 4th power.
int32_t exp_quarter_interval(int32_t a) {
  constexpr int32_t kExpMinusEighth = 1895147668;  // exp(-1/8)
  constexpr int32_t kOneThird = 715827883;
  const int32_t x = a + (int32_t{1} << 28);
  const int32_t x2 = saturating_rounding_doubling_high_mul(x, x);
  const int32_t x3 = saturating_rounding_doubling_high_mul(x2, x);
  const int32_t x4 = saturating_rounding_doubling_high_mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t poly = rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(x4_over_4 + x3, kOneThird) + x2, 1);
  return kExpMinusEighth + saturating_rounding_doubling_high_mul(kExpMinusEighth, x + poly);
}

// Newton-Raphson for 1 / (2 * half_denominator) in Q2.29, three steps from 48/17 - 32/17 d.
int32_t newton_reciprocal_q2(int32_t half_denominator) {
  int32_t x = 1515870810 + saturating_rounding_doubling_high_mul(half_denominator, -1010580540);
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus = kQ2One - saturating_rounding_doubling_high_mul(half_denominator, x);
    x += saturating_rounding_multiply_by_pot(saturating_rounding_doubling_high_mul(x, one_minus), 2);
  }
  return x;
}

}  // namespace

int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int frac = 31 - integer_bits;
  const int32_t quarter = int32_t{1} << (frac - 2);
  const int32_t a_mod_quarter_minus_quarter = (a & (quarter - 1)) - quarter;
  int32_t result = exp_quarter_interval(
      saturating_rounding_multiply_by_pot(a_mod_quarter_minus_quarter, integer_bits));
  // The whole quarters of -a, bit by bit: exp(-2^e) for e = -2 .. 4.
  const int32_t remainder = a_mod_quarter_minus_quarter - a;
  constexpr int32_t kExpNegPow2[7] = {1672461947, 1302514674, 790015084, 290630308,
                                      39332535,   720401,     242};
  for (int e = -2; e <= 4; ++e) {
    if (integer_bits > e && (remainder & (int32_t{1} << (frac + e))))
      result = saturating_rounding_doubling_high_mul(result, kExpNegPow2[e + 2]);
  }
  if (integer_bits > 5 && a < -(int32_t{1} << (frac + 5))) result = 0;  // below exp(-32)
  return a == 0 ? kQ0One : result;
}

int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t x = newton_reciprocal_q2(rounding_half_sum(a, kQ0One));
  return saturating_rounding_multiply_by_pot(x, 1);  // Q2.29 / 2 read as Q1.30, to Q0.31
}

int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t x = newton_reciprocal_q2(rounding_half_sum(a, kQ0One));
  return saturating_rounding_multiply_by_pot(x - kQ2One, 2);
}

int32_t fixed_logistic(int32_t a, int integer_bits) {
  if (a == 0) return int32_t{1} << 30;
  const int32_t on_positive =
      one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(a > 0 ? -a : a, integer_bits));
  return a > 0 ? on_positive : kQ0One - on_positive;
}

int32_t fixed_tanh(int32_t a, int integer_bits) {
  if (a == 0) return 0;
  // exp(2 * n) for n = -|a|: the same raw value read with one more integer bit
  const int32_t t = one_minus_x_over_one_plus_x_for_x_in_0_1(
      exp_on_negative_values(a < 0 ? a : -a, integer_bits + 1));
  return a < 0 ? -t : t;
}

int32_t get_reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const uint32_t ux = static_cast<uint32_t>(x);
  int headroom_plus_one = 0;
  while (headroom_plus_one < 31 && !(ux & (0x80000000u >> headroom_plus_one))) ++headroom_plus_one;
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const int32_t shifted_minus_one =
      static_cast<int32_t>((ux << headroom_plus_one) - (uint32_t{1} << 31));
  return one_over_one_plus_x_for_x_in_0_1(shifted_minus_one);
}

int32_t calculate_input_radius(int input_integer_bits, int input_left_shift,
                               int total_signed_bits) {
  const double max_input_rescaled =
      std::ldexp(double((1 << input_integer_bits) - 1),
                 total_signed_bits - input_integer_bits - input_left_shift);
  return static_cast<int32_t>(std::min(std::floor(max_input_rescaled), 2147483647.0));
}

}  // namespace mote
