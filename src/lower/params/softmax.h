// Compile-time parameters of TFLM's int8 LOG_SOFTMAX (mote_log_softmax_s8_params).
#pragma once
#include <cstdint>

#include "lower/params/quant.h"
#include "mote/kernels.h"

namespace mote {

// TFLM's LogSoftmaxPrepare: beta 1, PreprocessLogSoftmaxScalingExp on the input scale (the
// softmax input scaling plus its inverse, 2^(31 - left_shift) / multiplier, below 1). The
// output must be scale 16/256, zero point 127 as TFLM requires.
mote_log_softmax_s8_params log_softmax_s8_params(int32_t rows, int32_t cols, TensorQuant in, TensorQuant out);

}  // namespace mote
