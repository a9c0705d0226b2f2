// C++ fixed-point arithmetic of the TFLite int8 spec, used by lowering (to encode real
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

// TFLM's MultiplyByQuantizedMultiplier for the int64 sums of the 16x8 kernels: the multiplier
// rounded to its top 16 bits (0x7FFF from 0x7FFF0000 up), x times it, rounded right shift by
// 15 - shift; multiplier >= 0, -31 <= shift <= 7, |x| < 2^47. Returned unclamped.
int64_t multiply_by_quantized_multiplier_64(int64_t x, int32_t multiplier, int32_t shift);

// ---- gemmlowp fixed point, as TFLM's softmax / logistic / tanh use it ----------------------
// Values are raw int32 in Qm.(31-m); "integer_bits" is m. Results of the transcendental
// functions are Q0.31.

// x * 2^exponent: exponent > 0 shifts left saturating to int32, exponent < 0 is
// rounding_divide_by_pot (gemmlowp's SaturatingRoundingMultiplyByPOT).
int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent);

// (a + b) / 2 rounded half away from zero, in 64 bits (gemmlowp's RoundingHalfSum).
int32_t rounding_half_sum(int32_t a, int32_t b);

// exp(a) for a <= 0 given in Q(integer_bits); 0 < integer_bits < 31. exp(0) is INT32_MAX.
int32_t exp_on_negative_values(int32_t a, int integer_bits);

// 1 / (1 + a) and (1 - a) / (1 + a) for a in [0, 1), Newton-Raphson in Q2.29.
int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a);
int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a);

// gemmlowp::logistic and gemmlowp::tanh of a in Q(integer_bits).
int32_t fixed_logistic(int32_t a, int integer_bits);
int32_t fixed_tanh(int32_t a, int integer_bits);

// TFLite's GetReciprocal: 1 / x for a positive x in Q(x_integer_digits), returned in Q0.31
// scaled by 2^-num_bits_over_unit.
int32_t get_reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit);

// TFLite's CalculateInputRadius: the largest |input| whose rescaled value stays inside
// Q(input_integer_bits); input_left_shift >= 0.
int32_t calculate_input_radius(int input_integer_bits, int input_left_shift,
                               int total_signed_bits = 31);

}  // namespace mote
