// 256-entry int8 tables (for mote_lut_s8: entry q + 128 is TFLM's output for input q) of the
// elementwise ops whose TFLM int8 result depends only on the input byte, built with TFLM's own
// integer algorithm or LUT construction. The activation tables (logistic, tanh, hard-swish,
// leaky-relu, relu) live in lower/tables.h.
#pragma once
#include <cstdint>
#include <vector>

#include "lower/params/quant.h"

namespace mote {

// RSQRT (TFLM elementwise.cc): 1/sqrt(q - in_zp) by gemmlowp's Newton-Raphson inverse square
// root, rescaled by 1 / (sqrt(in_scale) * out_scale); q == in_zp gives 127. Codes below the zero
// point (negative reals) make TFLM's Invoke fail; their entries hold what the algorithm gives
// for them (the same as for q - in_zp == 1).
std::vector<int8_t> tflm_rsqrt_table(TensorQuant in, TensorQuant out);

// ABS: |q - in_zp| requantized by in_scale / out_scale when the float scales differ, else only
// the zero point moves (TFLM ignores the zero points when deciding).
std::vector<int8_t> tflm_abs_table(TensorQuant in, TensorQuant out);

// ELU: TFLM's PopulateLookupTable in float: expf(x) - 1 below 0, rounded half away from zero.
std::vector<int8_t> tflm_elu_table(TensorQuant in, TensorQuant out);

// TFLite's GetInvSqrtQuantizedMultiplierExp: 1/sqrt(input) as a Q31 multiplier and a shift
// (times reverse_shift), exposed for tests.
void inv_sqrt_quantized_multiplier(int32_t input, int reverse_shift, int32_t* multiplier, int* shift);

}  // namespace mote
