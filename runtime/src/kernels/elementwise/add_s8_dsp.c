/* TFLite int8 ADD / SUB of two same-shape operands on the DSP extension: mote_add_s8's
 * arithmetic with each of its three MultiplyByQuantizedMultiplier steps as one SMMULR and a
 * rounding shift, the output zero point on the rounding term. That is exact because the
 * kernel takes only TFLite's left_shift of 20, right shifts (none for the inputs) and a
 * rounding term within 2^30: the shifted inputs stay below 2^28 in magnitude, their rescaled
 * sum too. */
#include "../dsp_internal.h"

/* round(x * m * 2^-31) then a rounding right shift by e (0 <= e <= 31), TFLite's way. */
typedef struct {
  int32_t m, e, neg_mask, round;
} rescale;

/* 0 if the rounding term is out of range */
static int make_rescale(int32_t m, int32_t shift, int32_t zp, rescale *r) {
  const int64_t round = (shift < 0 ? (int64_t)1 << (-shift - 1) : 0) + (int64_t)zp * ((int64_t)1 << -shift);
  r->m = m;
  r->e = -shift;
  r->neg_mask = r->e > 0 ? -1 : 0; /* RoundingDivideByPOT by 0 is the identity */
  r->round = (int32_t)round;
  return round >= -((int64_t)1 << 30) && round <= ((int64_t)1 << 30);
}

static inline int32_t apply(int32_t x2, const rescale *r) {
  const int32_t t = mote_smmulr(x2, r->m);
  return mote__asr(t + ((t < 0 ? -1 : 0) & r->neg_mask) + r->round, r->e);
}

/* (x - zp) * 2^21 (TFLite's shift by 20 and the doubling), from zs = zp * 2^21 */
static inline int32_t shifted(int8_t x, int32_t zs) {
  return (int32_t)((uint32_t)x << 21) - zs;
}

/* Every element (sub and full constants where it is inlined). */
MOTE_ALWAYS_INLINE void add_all(const mote_add_s8_params *p, const rescale *r, const int8_t *a,
                                const int8_t *b, int8_t *out, int32_t n, int sub, int full) {
  const int32_t za = p->a_zp * (1 << 21), zb = p->b_zp * (1 << 21);
  const rescale ra = r[0], rb = r[1];
  const int32_t om = r[2].m, oe = r[2].e, oround = r[2].round;
  int32_t i;
  for (i = 0; i < n; ++i) {
    const int32_t sa = apply(shifted(a[i], za), &ra);
    const int32_t sb = apply(shifted(b[i], zb), &rb);
    out[i] = mote__dsp_clamp(mote__dsp_requant_e(sub ? sa - sb : sa + sb, om, oe, oround), full,
                             p->act_min, p->act_max);
  }
}

mote_status mote_add_s8_dsp(const mote_add_s8_params *p, const int8_t *a, const int8_t *b,
                            int8_t *out) {
  const int32_t n = p->bc.dims[0] * p->bc.dims[1] * p->bc.dims[2] * p->bc.dims[3];
  const int sub = p->b_multiplier < 0;
  const int full = p->act_min == -128 && p->act_max == 127;
  rescale r[3];
  if (p->b_multiplier == INT32_MIN || !mote__bcast_ok(&p->bc) || p->left_shift != 20 ||
      p->a_shift > 0 || p->a_shift < -31 || p->b_shift > 0 || p->b_shift < -31 ||
      p->out_shift > -1 || p->out_shift < -31 || p->a_zp < -128 || p->a_zp > 127 ||
      p->b_zp < -128 || p->b_zp > 127 ||
      !mote__act_s8_ok(p->act_min, p->act_max) || !make_rescale(p->a_multiplier, p->a_shift, 0, &r[0]) ||
      !make_rescale(sub ? -p->b_multiplier : p->b_multiplier, p->b_shift, 0, &r[1]) ||
      !make_rescale(p->out_multiplier, p->out_shift, p->out_zp, &r[2])) {
    return MOTE_ERR_PARAM;
  }
  if (sub) {
    if (full) {
      add_all(p, r, a, b, out, n, 1, 1);
    } else {
      add_all(p, r, a, b, out, n, 1, 0);
    }
  } else if (full) {
    add_all(p, r, a, b, out, n, 0, 1);
  } else {
    add_all(p, r, a, b, out, n, 0, 0);
  }
  return MOTE_OK;
}
