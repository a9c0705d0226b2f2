#include "ref/fixedpoint.h"

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

}  // namespace mote
