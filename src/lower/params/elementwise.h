// Compile-time parameters of the broadcasting int8 DIV, SQUARED_DIFFERENCE, MAXIMUM/MINIMUM and
// PRELU kernels, computed as TFLM's Prepare computes them. The broadcast geometry and the
// fused-activation clamp come from the caller (the same ones ADD/MUL use).
#pragma once
#include <cstdint>

#include "lower/params/quant.h"
#include "mote/kernels.h"

namespace mote {

// DIV: out_multiplier/out_shift encode a_scale / (b_scale * out_scale), divided in float.
mote_div_s8_params div_s8_params(const mote_bcast& bc, TensorQuant a, TensorQuant b,
                                 TensorQuant out, int32_t act_min, int32_t act_max);

// SQUARED_DIFFERENCE: inputs to 2 * max(a_scale, b_scale) after a left shift of 7, output
// multiplier (2 max)^2 / (2^14 out_scale); TFLM aborts unless every multiplier is below 1.
mote_squared_difference_s8_params squared_difference_s8_params(const mote_bcast& bc,
                                                               TensorQuant a, TensorQuant b,
                                                               TensorQuant out);

// MAXIMUM / MINIMUM: TFLM compares raw codes, so the three quantizations must be equal.
mote_minmax_s8_params minmax_s8_params(const mote_bcast& bc, bool is_max, TensorQuant a,
                                       TensorQuant b, TensorQuant out);

// PRELU (b = alpha): in_scale / out_scale for x >= 0, in_scale * alpha_scale / out_scale below.
mote_prelu_s8_params prelu_s8_params(const mote_bcast& bc, TensorQuant in, TensorQuant alpha,
                                     TensorQuant out);

}  // namespace mote
