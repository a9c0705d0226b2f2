/* float REDUCE_MAX over the middle dimension of [outer][reduce][inner], TFLM's comparison. */
#include "../internal.h"

mote_status mote_reduce_max_f32(const mote_reduce_params *p, const float *in, float *out) {
  int32_t o, r, i;
  if (!mote__reduce_ok(p)) {
    return MOTE_ERR_PARAM;
  }
  for (o = 0; o < p->outer; ++o) {
    const float *x = in + (size_t)o * p->reduce * p->inner;
    float *y = out + (size_t)o * p->inner;
    for (i = 0; i < p->inner; ++i) {
      y[i] = -3.40282347e38f; /* std::numeric_limits<float>::lowest(), TFLM's initial value */
    }
    for (r = 0; r < p->reduce; ++r) {
      for (i = 0; i < p->inner; ++i) {
        y[i] = x[i] > y[i] ? x[i] : y[i];
      }
      x += p->inner;
    }
  }
  return MOTE_OK;
}
