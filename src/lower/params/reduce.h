// Compile-time parameters of REDUCE_MAX and ARG_MAX: the [outer][reduce][inner] view of a
// tensor reduced over a block of adjacent axes, with TFLM's Prepare checks.
#pragma once
#include <cstdint>
#include <vector>

#include "lower/params/quant.h"
#include "mote/kernels.h"

namespace mote {

// Axes may be negative (counted from the end) and repeated, as TFLite allows; once size-1
// dims are ignored, the reduced axes must form one adjacent block. No axes: reduce == 1.
mote_reduce_params reduce_max_params(const std::vector<int64_t>& shape, const std::vector<int32_t>& axes);

// int8 REDUCE_MAX: TFLM's Eval fails unless the output keeps the input's scale and zero point.
mote_reduce_params reduce_max_s8_params(const std::vector<int64_t>& shape, const std::vector<int32_t>& axes,
                                        TensorQuant in, TensorQuant out);

// ARG_MAX over one axis (negative counts from the end); int8 and float alike.
mote_reduce_params arg_max_params(const std::vector<int64_t>& shape, int32_t axis);

}  // namespace mote
