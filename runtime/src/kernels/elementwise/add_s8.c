/* TFLite int8 ADD with 4-D broadcasting; a negative b_multiplier means TFLite's SUB. */
#include "../internal.h"

mote_status mote_add_s8(const mote_add_s8_params *p, const int8_t *a, const int8_t *b,
                        int8_t *out) {
  const mote_bcast *bc = &p->bc;
  const int32_t sub = p->b_multiplier < 0;
  const int32_t b_mult = sub ? -p->b_multiplier : p->b_multiplier;
  int32_t r, i3;
  size_t ia, ib;
  if (p->b_multiplier == INT32_MIN || !mote__bcast_ok(bc) || p->left_shift < 0 || p->left_shift > 23 ||
      !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  MOTE__BCAST_FOR(bc, r, i3, ia, ib) {
    const int32_t va = (a[ia] - p->a_zp) * (1 << p->left_shift);
    const int32_t vb = (b[ib] - p->b_zp) * (1 << p->left_shift);
    const int32_t sa = mote__mbqm(va, p->a_multiplier, p->a_shift);
    const int32_t sb = mote__mbqm(vb, b_mult, p->b_shift);
    const int32_t sum = sub ? sa - sb : sa + sb;
    const int32_t v = mote__mbqm(sum, p->out_multiplier, p->out_shift) + p->out_zp;
    *out++ = (int8_t)mote__clamp_i32(v, p->act_min, p->act_max);
  }
  return MOTE_OK;
}
