/* int8 mean over the middle axis of [outer][reduce][inner] as TFLM's reference Mean: the sum
 * of (in - in_zp) requantized by in_scale / out_scale, then divided by the count with rounding
 * half away from zero. */
#include "../internal.h"

mote_status mote_mean_s8(const mote_mean_s8_params *p, const int8_t *in, int8_t *out) {
  int32_t o, r, i;
  const size_t plane = (size_t)p->reduce * (size_t)p->inner;
  const int32_t up = p->reduce - p->reduce / 2; /* remainders from here round away from 0 */
  if (p->outer <= 0 || p->reduce <= 0 || p->inner <= 0 || p->reduce > (INT32_MAX / 256)) {
    return MOTE_ERR_PARAM;
  }
  for (o = 0; o < p->outer; ++o) {
    const int8_t *src = in + (size_t)o * plane;
    for (i = 0; i < p->inner; ++i) {
      int32_t sum = 0;
      int32_t v, rem;
      for (r = 0; r < p->reduce; ++r) {
        sum += src[(size_t)r * p->inner + i];
      }
      sum -= p->in_zp * p->reduce;
      v = mote__mbqm(sum, p->multiplier, p->shift);
      /* TFLM's (v +- reduce/2) / reduce, written so that it cannot overflow */
      rem = v % p->reduce;
      v = v / p->reduce + (rem >= up ? 1 : 0) - (-rem >= up ? 1 : 0) + p->out_zp;
      *out++ = (int8_t)mote__clamp_i32(v, -128, 127);
    }
  }
  return MOTE_OK;
}
