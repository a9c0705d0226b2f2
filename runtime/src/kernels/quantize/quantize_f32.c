/* float32 -> int8 QUANTIZE, TFLM's AffineQuantize. */
#include "../internal.h"

/* round(v) + zp clamped to int8, rounding half away from zero like std::round. Beyond
 * +-1024 the result saturates whatever the zero point, so v is clamped first to keep the int32
 * conversion defined. */
static int8_t round_to_s8(float v, int32_t zp) {
  int32_t t;
  float frac;
  if (v != v) {
    return -128;
  }
  v = v > 1024.0f ? 1024.0f : (v < -1024.0f ? -1024.0f : v);
  t = (int32_t)v; /* toward zero; the fraction below is exact */
  frac = v - (float)t;
  if (frac >= 0.5f) {
    ++t;
  } else if (frac <= -0.5f) {
    --t;
  }
  return (int8_t)mote__clamp_i32(t + zp, -128, 127);
}

mote_status mote_quantize_f32(const mote_quant_params *p, int32_t n, const float *in,
                              int8_t *out) {
  int32_t i;
  if (n < 0 || !(p->scale > 0.0f) || p->zero_point < -128 || p->zero_point > 127) {
    return MOTE_ERR_PARAM;
  }
  for (i = 0; i < n; ++i) {
    out[i] = round_to_s8(in[i] / p->scale, p->zero_point);
  }
  return MOTE_OK;
}
