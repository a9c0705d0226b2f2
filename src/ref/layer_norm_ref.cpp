// Reference layer normalization: mean and biased variance of each row in double, then
// (x - mean) / sqrt(var + epsilon) * scale + bias. Also the float semantics of LayerNorm.
#include <cmath>

#include "ref/kernels_ref.h"

namespace mote::ref {

mote_status layer_norm_f32(const mote_layer_norm_f32_params& p, const float* in, const float* scale,
                           const float* bias, float* out) {
  if (!in || !scale || !out || p.rows <= 0 || p.inner <= 0 || !(p.epsilon >= 0.0f)) return MOTE_ERR_PARAM;
  const size_t inner = size_t(p.inner);
  for (size_t r = 0; r < size_t(p.rows); ++r) {
    const float* x = in + r * inner;
    double mean = 0, var = 0;
    for (size_t k = 0; k < inner; ++k) mean += x[k];
    mean /= double(inner);
    for (size_t k = 0; k < inner; ++k) var += (x[k] - mean) * (x[k] - mean);
    var = var / double(inner) + double(p.epsilon);
    if (!(var > 0)) return MOTE_ERR_PARAM;
    const double inv = 1.0 / std::sqrt(var);
    for (size_t k = 0; k < inner; ++k)
      out[r * inner + k] = float((x[k] - mean) * inv * scale[k] + (bias ? double(bias[k]) : 0.0));
  }
  return MOTE_OK;
}

}  // namespace mote::ref
