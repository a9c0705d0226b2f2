/* int8 mean (or sum) over the middle axis of [outer][reduce][inner] as TFLM's
 * QuantizedMeanOrSum: the sum of (in - in_zp) requantized by one multiplier and shift, which
 * for a mean already hold the division by the count (folded by the compiler, as TFLM does). */
#include "../internal.h"

mote_status mote_mean_s8(const mote_mean_s8_params *p, const int8_t *in, int8_t *out) {
  int32_t o, r, i;
  const size_t plane = (size_t)p->reduce * (size_t)p->inner;
  /* |in - in_zp| <= 255 keeps the int32 sum exact; mote__mbqm takes shifts in [-31, 30] */
  if (p->outer <= 0 || p->reduce <= 0 || p->inner <= 0 || p->reduce > (INT32_MAX / 256) ||
      p->shift < -31 || p->shift > 30) {
    return MOTE_ERR_PARAM;
  }
  for (o = 0; o < p->outer; ++o) {
    const int8_t *src = in + (size_t)o * plane;
    for (i = 0; i < p->inner; ++i) {
      int32_t sum = 0;
      for (r = 0; r < p->reduce; ++r) {
        sum += src[(size_t)r * p->inner + i];
      }
      sum -= p->in_zp * p->reduce;
      *out++ = (int8_t)mote__clamp_i32(mote__mbqm(sum, p->multiplier, p->shift) + p->out_zp, -128, 127);
    }
  }
  return MOTE_OK;
}
