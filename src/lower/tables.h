// The int8 lookup tables lowering builds; exposed for tests.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "ir/ir.h"

namespace mote {

// 256-entry table for mote_lut_s8: entry q + 128 is f(dequantized q) quantized to the output,
// rounded half away from zero and clamped to int8.
std::vector<int8_t> requant_table(double in_scale, int32_t in_zp, double out_scale, int32_t out_zp,
                                  const std::function<double(double)>& f);

// TFLM's int8 activation kernels as tables for mote_lut_s8 (entry q + 128 = TFLM's output for
// input q), each computed with TFLM's integer algorithm and its own parameter arithmetic from
// the tensors' float scales. Throw mote::Error where TFLM's Prepare would fail.
// LOGISTIC: output scale 1/256, zero point -128 (gemmlowp logistic on Q4.27).
std::vector<int8_t> tflm_logistic_table(float in_scale, int32_t in_zp);
// TANH: output scale 1/128, zero point 0 (gemmlowp tanh on Q4.27).
std::vector<int8_t> tflm_tanh_table(float in_scale, int32_t in_zp);
// HARD_SWISH: reference_ops::HardSwish with int16 multipliers.
std::vector<int8_t> tflm_hard_swish_table(float in_scale, int32_t in_zp, float out_scale,
                                          int32_t out_zp);
// LEAKY_RELU: identity and alpha multipliers (float products, as TFLM computes them).
std::vector<int8_t> tflm_leaky_relu_table(float in_scale, int32_t in_zp, float out_scale,
                                          int32_t out_zp, float alpha);
// RELU / RELU6 (and any clamp): requantize by in/out, then clamp to [lo, hi] quantized with
// roundf(bound / out_scale); an infinite bound does not clamp.
std::vector<int8_t> tflm_relu_table(float in_scale, int32_t in_zp, float out_scale,
                                    int32_t out_zp, float lo, float hi);

// Compile-time parameters of TFLM's int8 softmax (mote_softmax_s8_params).
struct SoftmaxS8Params {
  int32_t input_multiplier, input_left_shift, diff_min;
};
SoftmaxS8Params tflm_softmax_params(float beta, float in_scale);

// Requantization of TFLM's int8 MEAN and SUM (reference_ops::QuantizedMeanOrSum, which TFLM
// runs for every int8 MEAN, same quantization and 4-D axes {1, 2} included): the sum of
// (q - in_zp) over `count` inputs times in_scale / out_scale (QuantizeMultiplier). For MEAN
// (sum false) 1/count is folded into the multiplier and shift by TFLM's integer division.
struct ReduceS8Requant {
  int32_t multiplier, shift;
};
ReduceS8Requant tflm_reduce_requant(float in_scale, float out_scale, int64_t count, bool sum);

}  // namespace mote
