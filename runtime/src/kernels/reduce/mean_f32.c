/* float mean or sum over the middle axis of [outer][reduce][inner]. */
#include "../internal.h"

mote_status mote_mean_f32(const mote_mean_f32_params *p, const float *in, float *out) {
  int32_t o, r, i;
  const size_t plane = (size_t)p->reduce * (size_t)p->inner;
  if (p->outer <= 0 || p->reduce <= 0 || p->inner <= 0) {
    return MOTE_ERR_PARAM;
  }
  for (o = 0; o < p->outer; ++o) {
    const float *src = in + (size_t)o * plane;
    for (i = 0; i < p->inner; ++i) {
      float sum = 0.0f;
      for (r = 0; r < p->reduce; ++r) {
        sum += src[(size_t)r * p->inner + i];
      }
      *out++ = sum * p->scale;
    }
  }
  return MOTE_OK;
}
