// TFLM's LOG_SOFTMAX Prepare arithmetic (see params/softmax.h).
#include "lower/params/softmax.h"

#include "lower/tables.h"
#include "lower/fixedpoint.h"
#include "util/error.h"

namespace mote {

mote_log_softmax_s8_params log_softmax_s8_params(int32_t rows, int32_t cols, TensorQuant in, TensorQuant out) {
  if (out.scale != 16.0f / 256.0f || out.zero_point != 127)
    fail("LogSoftmax: int8 output must have scale 0.0625 and zero point 127, has {} and {}", out.scale, out.zero_point);
  if (rows <= 0 || cols <= 0 || cols > 4095) fail("LogSoftmax: {} rows of {} columns (at most 4095)", rows, cols);
  if (!(in.scale > 0.0f)) fail("LogSoftmax: input scale {} must be positive", in.scale);
  const SoftmaxS8Params s = tflm_softmax_params(1.0f, in.scale);
  mote_log_softmax_s8_params p{};
  p.rows = rows, p.cols = cols;
  p.input_multiplier = s.input_multiplier;
  p.input_left_shift = s.input_left_shift;
  p.diff_min = s.diff_min;
  const double reverse = double(int64_t{1} << (31 - s.input_left_shift)) / double(s.input_multiplier);
  if (!(reverse > 0.0 && reverse < 1.0)) fail("LogSoftmax: input scale {} is out of TFLM's range", in.scale);
  quantize_multiplier(reverse, &p.reverse_multiplier, &p.reverse_shift);
  if (p.reverse_shift < -31) fail("LogSoftmax: input scale {} is out of TFLM's range", in.scale);
  return p;
}

}  // namespace mote
