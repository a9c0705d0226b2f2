/* int8 REDUCE_MAX over the middle dimension of [outer][reduce][inner], on the raw codes. */
#include "../internal.h"

mote_status mote_reduce_max_s8(const mote_reduce_params *p, const int8_t *in, int8_t *out) {
  int32_t o, r, i;
  if (!mote__reduce_ok(p)) {
    return MOTE_ERR_PARAM;
  }
  for (o = 0; o < p->outer; ++o) {
    const int8_t *x = in + (size_t)o * p->reduce * p->inner;
    int8_t *y = out + (size_t)o * p->inner;
    for (i = 0; i < p->inner; ++i) {
      y[i] = -128;
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
