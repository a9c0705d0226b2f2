/* TFLite int8 PRELU with alpha broadcast against the input: two requantizations, one per sign. */
#include "../internal.h"

mote_status mote_prelu_s8(const mote_prelu_s8_params *p, const int8_t *a, const int8_t *alpha,
                          int8_t *out) {
  const mote_bcast *bc = &p->bc;
  int32_t r, i3;
  size_t ia, ib;
  if (!mote__bcast_ok(bc)) {
    return MOTE_ERR_PARAM;
  }
  MOTE__BCAST_FOR(bc, r, i3, ia, ib) {
    const int32_t x = a[ia] - p->a_zp;
    const int32_t v = x >= 0 ? mote__mbqm(x, p->pos_multiplier, p->pos_shift)
                             : mote__mbqm(x * (alpha[ib] - p->alpha_zp), p->neg_multiplier,
                                          p->neg_shift);
    *out++ = (int8_t)mote__clamp_i32(v + p->out_zp, -128, 127);
  }
  return MOTE_OK;
}
