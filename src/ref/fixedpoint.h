// C++ fixed-point arithmetic of the TFLite int8 spec, used by the quantizer (to encode real
// multipliers) and by the reference kernels (to requantize exactly as the C runtime does).
#pragma once
#include <cstdint>

namespace mote {

// Encodes real = multiplier * 2^(shift - 31) with multiplier in [2^30, 2^31) (TFLite's
// QuantizeMultiplier). real == 0 gives (0, 0); a negative real gives the negated multiplier of
// |real|; reals below 2^-32 encode as (0, 0) and above 2^30 saturate to (2^31 - 1, 30).
// Throws mote::Error when real is not finite.
void quantize_multiplier(double real, int32_t* multiplier, int32_t* shift);

// a * b / 2^31 rounded to nearest with ties toward +infinity (TFLite's nudge-and-truncate);
// INT32_MIN * INT32_MIN saturates to INT32_MAX.
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b);

// x / 2^exponent rounded to nearest, ties away from zero; 0 <= exponent <= 31.
int32_t rounding_divide_by_pot(int32_t x, int exponent);

// TFLite's MultiplyByQuantizedMultiplier: the rounding high multiply of x * 2^max(shift, 0) by
// multiplier, then a rounding right shift by max(-shift, 0). The left shift wraps in 32 bits.
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift);

}  // namespace mote
