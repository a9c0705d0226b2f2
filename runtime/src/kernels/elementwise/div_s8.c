/* TFLite int8 DIV with 4-D broadcasting, reproducing TFLM's host results where its shifts leave
 * the defined range (see mote_div_s8_params). */
#include "../internal.h"

/* Redundant sign bits of x (GCC's __builtin_clrsb, which TFLite's CountLeadingSignBits uses);
 * 31 for 0 and -1. */
static int32_t leading_sign_bits(int32_t x) {
  const uint32_t u = x < 0 ? ~(uint32_t)x : (uint32_t)x;
  return u == 0 ? 31 : mote__clz32(u) - 1;
}

/* gemmlowp's RoundingDivideByPOT, extended past 31 as the x86 build evaluates it: the mask
 * (2^e - 1 truncated to 32 bits) is all ones and the shift count is taken mod 32. */
static int32_t rdbp_wide(int32_t x, int32_t e) {
  if (e <= 31) {
    return mote__rdbp(x, e);
  }
  return mote__asr(x, e & 31) + (x >= 0 ? 1 : 0);
}

static int32_t quotient(const mote_div_s8_params *p, int32_t n, int32_t d) {
  int32_t recip_shift, recip, headroom, scaled;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  if (d == 0) {
    return n == 0 ? p->out_zp : (n > 0 ? 127 : -128);
  }
  recip = mote__reciprocal(d, 31, &recip_shift);
  headroom = leading_sign_bits(n);
  scaled = mote__srdhm((int32_t)((uint32_t)n << headroom), recip);
  return rdbp_wide(mote__srdhm(scaled, p->out_multiplier),
                   recip_shift + headroom - p->out_shift) + p->out_zp;
}

mote_status mote_div_s8(const mote_div_s8_params *p, const int8_t *a, const int8_t *b,
                        int8_t *out) {
  const mote_bcast *bc = &p->bc;
  int32_t r, i3;
  size_t ia, ib;
  if (!mote__bcast_ok(bc) || !mote__act_s8_ok(p->act_min, p->act_max) ||
      p->out_multiplier < 0 || p->out_shift < -25 || p->out_shift > 23) {
    return MOTE_ERR_PARAM;
  }
  MOTE__BCAST_FOR(bc, r, i3, ia, ib) {
    const int32_t q = quotient(p, a[ia] - p->a_zp, b[ib] - p->b_zp);
    *out++ = (int8_t)mote__clamp_i32(q, p->act_min, p->act_max);
  }
  return MOTE_OK;
}
