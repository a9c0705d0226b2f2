/* int8 softmax over the last axis, TFLM's reference algorithm (gemmlowp fixed point): the
 * differences to the row max are rescaled to Q5.26, exponentiated in Q0.31, summed in Q12.19,
 * and each exponential is multiplied by the sum's reciprocal and shifted to 1/256 units. */
#include "../internal.h"

#define SCALED_DIFF_INT_BITS 5
#define ACCUM_INT_BITS 12
#define Q0_ONE INT32_MAX
#define Q2_ONE ((int32_t)1 << 29)

/* x * 2^e, saturating to int32 (gemmlowp's SaturatingRoundingMultiplyByPOT for e > 0). */
static int32_t sat_shl(int32_t x, int32_t e) {
  const int32_t limit = (int32_t)(((uint32_t)1 << (31 - e)) - 1u);
  if (x > limit) {
    return INT32_MAX;
  }
  if (x < -limit) {
    return INT32_MIN;
  }
  return (int32_t)((uint32_t)x << e);
}

/* exp(a) for a in [-1/4, 0), Q0.31: 4th-order Taylor series around -1/8. */
static int32_t exp_quarter(int32_t a) {
  const int32_t exp_minus_eighth = 1895147668;
  const int32_t x = a + ((int32_t)1 << 28);
  const int32_t x2 = mote__srdhm(x, x);
  const int32_t x3 = mote__srdhm(x2, x);
  const int32_t x4 = mote__srdhm(x2, x2);
  const int32_t poly = mote__rdbp(mote__srdhm(mote__rdbp(x4, 2) + x3, 715827883) + x2, 1);
  return exp_minus_eighth + mote__srdhm(exp_minus_eighth, x + poly);
}

/* exp(a) for a <= 0 in Q5.26, result Q0.31: the fraction of a quarter by the series, then one
 * factor exp(-2^k) per set bit of the whole quarters. */
static int32_t exp_neg_q5(int32_t a) {
  static const int32_t exp_neg_pow2[7] = {1672461947, 1302514674, 790015084, 290630308,
                                          39332535,   720401,     242};
  const int32_t frac_bits = 31 - SCALED_DIFF_INT_BITS;
  const int32_t quarter = (int32_t)1 << (frac_bits - 2);
  const int32_t rem_q = (a & (quarter - 1)) - quarter;
  const int32_t whole = rem_q - a;
  int32_t result = exp_quarter(sat_shl(rem_q, SCALED_DIFF_INT_BITS));
  int32_t k;
  for (k = 0; k < 7; ++k) {
    if (whole & ((int32_t)1 << (frac_bits - 2 + k))) {
      result = mote__srdhm(result, exp_neg_pow2[k]);
    }
  }
  return a == 0 ? Q0_ONE : result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31, by three Newton-Raphson steps in Q2.29. */
static int32_t recip_one_plus(int32_t a) {
  const int64_t s = (int64_t)a + Q0_ONE;
  const int32_t half_den = (int32_t)((s + 1) / 2); /* s >= 0: rounds half up */
  int32_t x = 1515870810 + mote__srdhm(half_den, -1010580540);
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t one_minus = Q2_ONE - mote__srdhm(half_den, x);
    x += sat_shl(mote__srdhm(x, one_minus), 2);
  }
  return sat_shl(x, 1);
}

static int32_t clz32(uint32_t x) {
  int32_t n = 0;
  while (n < 31 && !(x & (0x80000000u >> n))) {
    ++n;
  }
  return n;
}

mote_status mote_softmax_s8(const mote_softmax_s8_params *p, const int8_t *in, int8_t *out) {
  int32_t r, c;
  /* cols <= 4095 keeps the Q12.19 sum (at most 2^19 per element) inside int32 */
  if (p->rows <= 0 || p->cols <= 0 || p->cols > 4095 || p->input_left_shift < 0 ||
      p->input_left_shift > 30 || p->input_multiplier < 0 || p->diff_min > 0 ||
      (int64_t)p->diff_min * ((int64_t)1 << p->input_left_shift) < INT32_MIN) {
    return MOTE_ERR_PARAM;
  }
  for (r = 0; r < p->rows; ++r) {
    const int8_t *x = in + (size_t)r * p->cols;
    int8_t *y = out + (size_t)r * p->cols;
    int32_t mx = x[0];
    int32_t sum = 0;
    int32_t headroom, bits_over_unit, scale, exponent;
    for (c = 1; c < p->cols; ++c) {
      mx = x[c] > mx ? x[c] : mx;
    }
    for (c = 0; c < p->cols; ++c) {
      const int32_t diff = x[c] - mx;
      if (diff >= p->diff_min) {
        const int32_t scaled = mote__srdhm(diff * ((int32_t)1 << p->input_left_shift),
                                           p->input_multiplier);
        sum += mote__rdbp(exp_neg_q5(scaled), ACCUM_INT_BITS);
      }
    }
    /* reciprocal of the sum (> 0: the max alone gives 2^19) as 2^-bits_over_unit * scale */
    headroom = clz32((uint32_t)sum);
    bits_over_unit = ACCUM_INT_BITS - headroom;
    scale = recip_one_plus((int32_t)(((uint32_t)sum << headroom) - 0x80000000u));
    exponent = bits_over_unit + 31 - 8;
    for (c = 0; c < p->cols; ++c) {
      const int32_t diff = x[c] - mx;
      int32_t v = -128;
      if (diff >= p->diff_min) {
        const int32_t scaled = mote__srdhm(diff * ((int32_t)1 << p->input_left_shift),
                                           p->input_multiplier);
        const int32_t prod = mote__srdhm(scale, exp_neg_q5(scaled));
        /* a quotient below 2^-31 of the unit rounds to 0 (TFLM shifts out of range here) */
        v = (exponent > 31 ? 0 : mote__rdbp(prod, exponent)) - 128;
        v = mote__clamp_i32(v, -128, 127);
      }
      y[c] = (int8_t)v;
    }
  }
  return MOTE_OK;
}
