/* TFLite int8 SQUARED_DIFFERENCE with 4-D broadcasting: both inputs rescaled to a common scale,
 * the difference squared, rescaled to the output. */
#include "../internal.h"

mote_status mote_squared_difference_s8(const mote_squared_difference_s8_params *p,
                                       const int8_t *a, const int8_t *b, int8_t *out) {
  const mote_bcast *bc = &p->bc;
  int32_t r, i3;
  size_t ia, ib;
  /* left_shift <= 7 keeps each rescaled input below 2^15 so the square fits int32 */
  if (!mote__bcast_ok(bc) || p->left_shift < 0 || p->left_shift > 7 || p->a_multiplier < 0 ||
      p->b_multiplier < 0 || p->a_shift > 0 || p->b_shift > 0 ||
      !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  MOTE__BCAST_FOR(bc, r, i3, ia, ib) {
    const int32_t sa = mote__mbqm((a[ia] - p->a_zp) * (1 << p->left_shift), p->a_multiplier,
                                  p->a_shift);
    const int32_t sb = mote__mbqm((b[ib] - p->b_zp) * (1 << p->left_shift), p->b_multiplier,
                                  p->b_shift);
    const int32_t v = mote__mbqm((sa - sb) * (sa - sb), p->out_multiplier, p->out_shift);
    *out++ = (int8_t)mote__clamp_i32(v + p->out_zp, p->act_min, p->act_max);
  }
  return MOTE_OK;
}
