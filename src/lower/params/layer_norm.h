// Compile-time parameters of mote's int8 LayerNorm (mote_layer_norm_s8_params; TFLM has no
// LayerNorm kernel, the integer arithmetic is mote's own, described in kernels.h).
#pragma once
#include <cstdint>
#include <vector>

#include "lower/params/quant.h"
#include "mote/kernels.h"

namespace mote {

// The params (table pointers left NULL) and the tables they point to.
struct LayerNormS8 {
  mote_layer_norm_s8_params p;
  std::vector<int32_t> multiplier, shift, bias;
};

// gamma[k] / out.scale as a Q31 multiplier and shift (0 below 2^-18, where a product moves the
// sum by under 1/256 LSB), beta[k] / out.scale in 1/256 LSB (beta empty: zeros), epsilon as
// inner^2 * epsilon / in.scale^2, which must stay below 2^31. Throws naming what does not fit.
LayerNormS8 layer_norm_s8_params(int32_t rows, int32_t inner, float epsilon, TensorQuant in, TensorQuant out,
                                 const std::vector<float>& gamma, const std::vector<float>& beta);

}  // namespace mote
