/* int8 log-softmax over the last axis, TFLM's reference algorithm: exponentials summed in
 * Q12.19 as for softmax, their log by gemmlowp's log(x >= 1) (a rational approximation of
 * log2 around the sum's power of two), the difference rescaled to 1/16 units. */
#include "../internal.h"

#define ACCUM_INT_BITS 12

static int32_t add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

static int32_t sub_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

static int32_t sat_add(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a + b;
  return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}

/* (a + b) / 2, rounded half away from zero, in 64 bits (gemmlowp's RoundingHalfSum). */
static int32_t half_sum(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a + b;
  return (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
}

/* ln(x) in Q5.26 for x >= 1 given in Q12.19 (TFLite's log_x_for_x_greater_than_or_equal_to_1
 * with 5 output and 12 input integer bits, accumulating in Q6.25). */
static int32_t log_q12_to_q5(int32_t x) {
  const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
  const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769;
  const int32_t alpha_f = 638450708;
  const int32_t quarter_q6 = 1 << 23; /* 1/4 in Q6.25 */
  /* two candidate normalizations of x into [sqrt(1/2), 1): by its leading zeros, and by those
   * of x * sqrt(1/2); each gives the power of two it removed, +- 1/4 */
  const int32_t a_headroom = mote__clz32((uint32_t)x);
  const int32_t r_a = mote__sat_shl(mote__srdhm(mote__sat_shl(x, a_headroom - 1), sqrt_half), 1);
  const int32_t pow_a = sat_add(mote__sat_shl(ACCUM_INT_BITS - a_headroom, 31 - 6), quarter_q6);
  const int32_t b_headroom = mote__clz32((uint32_t)mote__srdhm(x, sqrt_half)) - 1;
  const int32_t r_b = mote__sat_shl(x, b_headroom);
  const int64_t pow_b64 = (int64_t)mote__sat_shl(ACCUM_INT_BITS - b_headroom, 31 - 6) - quarter_q6;
  const int32_t pow_b = pow_b64 < INT32_MIN ? INT32_MIN : (int32_t)pow_b64;
  const int32_t r = r_a < r_b ? r_a : r_b;
  const int32_t pow2 = pow_a > pow_b ? pow_a : pow_b;
  /* log of the remaining factor r near sqrt(sqrt(1/2)) by a rational approximation */
  const int32_t p = half_sum(r, sqrt_sqrt_half);
  const int32_t q0 = sub_wrap(r, sqrt_sqrt_half);
  const int32_t q = add_wrap(q0, q0);
  const int32_t q_sq = mote__srdhm(q, q);
  const int32_t num = add_wrap(mote__srdhm(q, r), mote__srdhm(mote__srdhm(q, q_sq), alpha_n));
  const int32_t den_minus_one =
      add_wrap(mote__srdhm(p, add_wrap(add_wrap(alpha_i, q), mote__srdhm(alpha_d, q_sq))),
               mote__srdhm(alpha_f, q));
  const int32_t recip = mote__recip_one_plus(den_minus_one);
  const int32_t sum_q6 =
      add_wrap(mote__srdhm(pow2, log_2), mote__srdhm(mote__rdbp(num, 6), recip));
  return mote__sat_shl(sum_q6, 1);
}

mote_status mote_log_softmax_s8(const mote_log_softmax_s8_params *p, const int8_t *in,
                                int8_t *out) {
  int32_t r, c;
  if (!mote__softmax_s8_ok(p->rows, p->cols, p->input_multiplier, p->input_left_shift,
                           p->diff_min) ||
      p->reverse_multiplier < 0 || p->reverse_shift > 0 || p->reverse_shift < -31) {
    return MOTE_ERR_PARAM;
  }
  for (r = 0; r < p->rows; ++r) {
    const int8_t *x = in + (size_t)r * p->cols;
    int8_t *y = out + (size_t)r * p->cols;
    const int32_t mx = mote__max_s8(x, p->cols);
    const int32_t log_sum = log_q12_to_q5(mote__softmax_exp_sum(
        x, p->cols, mx, p->diff_min, p->input_multiplier, p->input_left_shift));
    int32_t cutoff, rescaled_cutoff;
    /* differences whose result would fall below the int32 range of Q5.26 give -128 */
    rescaled_cutoff = mote__mbqm(add_wrap(log_sum, INT32_MIN), p->reverse_multiplier,
                                 p->reverse_shift);
    cutoff = p->diff_min - 1 > rescaled_cutoff ? p->diff_min - 1 : rescaled_cutoff;
    for (c = 0; c < p->cols; ++c) {
      const int32_t diff = x[c] - mx;
      int32_t v = -128;
      if (diff > cutoff) {
        const int32_t scaled = mote__softmax_diff_q5(diff, p->input_multiplier,
                                                     p->input_left_shift);
        v = mote__clamp_i32(mote__rdbp(sub_wrap(scaled, log_sum), 31 - 5 - 4) + 127, -128, 127);
      }
      y[c] = (int8_t)v;
    }
  }
  return MOTE_OK;
}
