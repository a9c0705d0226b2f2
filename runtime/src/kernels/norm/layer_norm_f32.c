/* Layer normalization over the last `inner` elements of each row, float. */
#include <string.h>

#include "../internal.h"

/* 1 / sqrt(x) for x > 0 without libm: an initial guess from the IEEE-754 exponent bits, then
 * Newton steps (each squares the relative error; four reach float precision). */
static float rsqrt_pos(float x) {
  uint32_t bits;
  float y;
  int i;
  memcpy(&bits, &x, sizeof bits);
  bits = 0x5f3759dfu - (bits >> 1);
  memcpy(&y, &bits, sizeof y);
  for (i = 0; i < 4; ++i) {
    y = y * (1.5f - 0.5f * x * y * y);
  }
  return y;
}

mote_status mote_layer_norm_f32(const mote_layer_norm_f32_params *p, const float *in,
                                const float *scale, const float *bias, float *out) {
  int32_t r, k;
  if (!p || !in || !scale || !out || p->rows <= 0 || p->inner <= 0 || !(p->epsilon >= 0.0f)) {
    return MOTE_ERR_PARAM;
  }
  for (r = 0; r < p->rows; ++r) {
    const float *x = in + (size_t)r * (size_t)p->inner;
    float *y = out + (size_t)r * (size_t)p->inner;
    float mean = 0.0f, var = 0.0f, inv;
    for (k = 0; k < p->inner; ++k) {
      mean += x[k];
    }
    mean /= (float)p->inner;
    for (k = 0; k < p->inner; ++k) {
      const float d = x[k] - mean;
      var += d * d;
    }
    var /= (float)p->inner;
    if (!(var + p->epsilon > 0.0f)) {
      return MOTE_ERR_PARAM; /* a constant row with epsilon 0 */
    }
    inv = rsqrt_pos(var + p->epsilon);
    for (k = 0; k < p->inner; ++k) {
      y[k] = (x[k] - mean) * inv * scale[k] + (bias ? bias[k] : 0.0f);
    }
  }
  return MOTE_OK;
}
