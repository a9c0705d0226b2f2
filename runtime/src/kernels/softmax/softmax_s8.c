/* int8 softmax over the last axis, TFLM's reference algorithm (gemmlowp fixed point): the
 * differences to the row max are rescaled to Q5.26, exponentiated in Q0.31, summed in Q12.19,
 * and each exponential is multiplied by the sum's reciprocal and shifted to 1/256 units. */
#include "../internal.h"

#define ACCUM_INT_BITS 12

mote_status mote_softmax_s8(const mote_softmax_s8_params *p, const int8_t *in, int8_t *out) {
  int32_t r, c;
  if (!mote__softmax_s8_ok(p->rows, p->cols, p->input_multiplier, p->input_left_shift,
                           p->diff_min)) {
    return MOTE_ERR_PARAM;
  }
  for (r = 0; r < p->rows; ++r) {
    const int8_t *x = in + (size_t)r * p->cols;
    int8_t *y = out + (size_t)r * p->cols;
    const int32_t mx = mote__max_s8(x, p->cols);
    const int32_t sum = mote__softmax_exp_sum(x, p->cols, mx, p->diff_min, p->input_multiplier,
                                              p->input_left_shift);
    int32_t bits_over_unit, scale, exponent;
    /* reciprocal of the sum (> 0: the max alone gives 2^19) as 2^-bits_over_unit * scale */
    scale = mote__reciprocal(sum, ACCUM_INT_BITS, &bits_over_unit);
    exponent = bits_over_unit + 31 - 8;
    for (c = 0; c < p->cols; ++c) {
      const int32_t diff = x[c] - mx;
      int32_t v = -128;
      if (diff >= p->diff_min) {
        const int32_t scaled = mote__softmax_diff_q5(diff, p->input_multiplier,
                                                     p->input_left_shift);
        const int32_t prod = mote__srdhm(scale, mote__exp_neg_q5(scaled));
        /* a quotient below 2^-31 of the unit rounds to 0 (TFLM shifts out of range here) */
        v = (exponent > 31 ? 0 : mote__rdbp(prod, exponent)) - 128;
        v = mote__clamp_i32(v, -128, 127);
      }
      y[c] = (int8_t)v;
    }
  }
  return MOTE_OK;
}
