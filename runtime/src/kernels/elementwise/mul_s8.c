/* TFLite int8 MUL with 4-D broadcasting: (a - a_zp) * (b - b_zp) rescaled to the output. */
#include "../internal.h"

mote_status mote_mul_s8(const mote_mul_s8_params *p, const int8_t *a, const int8_t *b,
                        int8_t *out) {
  const mote_bcast *bc = &p->bc;
  int32_t r, i3;
  size_t ia, ib;
  if (!mote__bcast_ok(bc) || !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  MOTE__BCAST_FOR(bc, r, i3, ia, ib) {
    const int32_t prod = (a[ia] - p->a_zp) * (b[ib] - p->b_zp);
    const int32_t v = mote__mbqm(prod, p->out_multiplier, p->out_shift) + p->out_zp;
    *out++ = (int8_t)mote__clamp_i32(v, p->act_min, p->act_max);
  }
  return MOTE_OK;
}
