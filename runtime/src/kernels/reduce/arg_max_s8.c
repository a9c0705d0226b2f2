/* int8 ARG_MAX along the middle dimension of [outer][reduce][inner], int32 indices. */
#include "../internal.h"

mote_status mote_arg_max_s8(const mote_reduce_params *p, const int8_t *in, int32_t *out) {
  int32_t o, r, i;
  if (!mote__reduce_ok(p)) {
    return MOTE_ERR_PARAM;
  }
  for (o = 0; o < p->outer; ++o) {
    const int8_t *x = in + (size_t)o * p->reduce * p->inner;
    for (i = 0; i < p->inner; ++i) {
      int8_t best = x[i];
      int32_t at = 0;
      for (r = 1; r < p->reduce; ++r) {
        const int8_t v = x[(size_t)r * p->inner + i];
        if (v > best) {
          best = v;
          at = r;
        }
      }
      *out++ = at;
    }
  }
  return MOTE_OK;
}
