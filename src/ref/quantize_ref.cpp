// Reference DEQUANTIZE / QUANTIZE, literally TFLite's reference_ops arithmetic: the
// dequantized value in double rounded to float, the quantized one by std::round of the float
// quotient.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ref/kernels_ref.h"

namespace mote::ref {

mote_status dequantize_s8(const mote_quant_params& p, int32_t n, const int8_t* in, float* out) {
  if (n < 0 || !(p.scale > 0.0f)) return MOTE_ERR_PARAM;
  for (int32_t i = 0; i < n; ++i) out[i] = static_cast<float>(double{p.scale} * (in[i] - p.zero_point));
  return MOTE_OK;
}

mote_status quantize_f32(const mote_quant_params& p, int32_t n, const float* in, int8_t* out) {
  if (n < 0 || !(p.scale > 0.0f) || p.zero_point < -128 || p.zero_point > 127) return MOTE_ERR_PARAM;
  for (int32_t i = 0; i < n; ++i) {
    const float r = std::round(in[i] / p.scale);
    // NaN -> -128 (TFLM's x86 conversion gives INT32_MIN before the clamp); huge values saturate
    const double v = std::isnan(r) ? -1e9 : double{r} + p.zero_point;
    out[i] = static_cast<int8_t>(std::clamp(v, -128.0, 127.0));
  }
  return MOTE_OK;
}

}  // namespace mote::ref
