/* int8 GRU on the integer LSTM's arithmetic (see kernels.h): int8 matmuls rescaled per row to
 * int16 Q3.12, TFLM's int16 sigmoid / tanh, the hidden state in int16 Q0.15 so the z-blend does
 * not compound int8 rounding, and an int8 copy of it for y and the recurrent matmul. */
#include "../internal.h"

/* out[o] = rescaled (bias[o] + v . m[o]) saturated to int16, per-row multipliers. */
static void row_matmul(const int8_t *m, const int32_t *bias, const int8_t *v, int32_t n,
                       int32_t rows, const int32_t *multiplier, const int32_t *shift,
                       int16_t *out) {
  int32_t o, k;
  for (o = 0; o < rows; ++o) {
    const int8_t *row = m + (size_t)o * n;
    int32_t acc = bias[o];
    for (k = 0; k < n; ++k) {
      acc += row[k] * v[k];
    }
    out[o] = mote__sat_s16(mote__mbqm(acc, multiplier[o], shift[o]));
  }
}

size_t mote_gru_s8_scratch_bytes(const mote_gru_s8_params *p) {
  return (size_t)p->hidden * (5u * sizeof(int16_t) + 2u * sizeof(int8_t));
}

mote_status mote_gru_s8(const mote_gru_s8_params *p, const int8_t *x, const int8_t *w,
                        const int8_t *r, const int32_t *in_bias, const int32_t *rec_bias,
                        const int16_t *h0, int8_t *y, void *scratch) {
  const int32_t n_in = p->in_features;
  const int32_t hd = p->hidden;
  int16_t *h, *xg, *hg;
  int8_t *hq, *rq;
  int32_t step, j;
  if (!mote__rnn_shape_ok(p->steps, n_in, hd) || p->sigmoid_table == NULL ||
      p->in_multiplier == NULL || p->in_shift == NULL || p->rec_multiplier == NULL ||
      p->rec_shift == NULL || p->out_zp < -128 || p->out_zp > 127) {
    return MOTE_ERR_PARAM;
  }
  h = (int16_t *)scratch;
  xg = h + hd;      /* [2][hidden]: x.W of z and r, then z and r themselves */
  hg = xg + 2 * hd; /* [2][hidden]: x.Wh, then the recurrent term of h~ */
  hq = (int8_t *)(hg + 2 * hd);
  rq = hq + hd;
  for (j = 0; j < hd; ++j) {
    h[j] = h0 != NULL ? h0[j] : 0;
    hq[j] = (int8_t)mote__clamp_i32(mote__mbqm(h[j], p->out_multiplier, p->out_shift) + p->out_zp,
                                    -128, 127);
  }
  for (step = 0; step < p->steps; ++step) {
    const int32_t t = p->reverse ? p->steps - 1 - step : step;
    const int8_t *xt = x + (size_t)t * n_in;
    int8_t *yt = y + (size_t)t * hd;
    const size_t hrow = (size_t)2 * hd; /* first row of the h gate */
    /* z and r: x.W and h.R of rows [0, 2*hidden), summed saturating, then sigmoid */
    row_matmul(w, in_bias, xt, n_in, 2 * hd, p->in_multiplier, p->in_shift, xg);
    row_matmul(r, rec_bias, hq, hd, 2 * hd, p->rec_multiplier, p->rec_shift, hg);
    for (j = 0; j < 2 * hd; ++j) {
      xg[j] = mote__sigmoid_q15(mote__sat_s16((int32_t)xg[j] + hg[j]), p->sigmoid_table);
    }
    row_matmul(w + hrow * n_in, in_bias + hrow, xt, n_in, hd, p->in_multiplier + hrow,
               p->in_shift + hrow, hg);
    if (p->linear_before_reset) {
      row_matmul(r + hrow * hd, rec_bias + hrow, hq, hd, hd, p->rec_multiplier + hrow,
                 p->rec_shift + hrow, hg + hd);
      for (j = 0; j < hd; ++j) {
        hg[hd + j] = mote__sat_s16(mote__rdbp((int32_t)xg[hd + j] * hg[hd + j], 15));
      }
    } else {
      for (j = 0; j < hd; ++j) {
        rq[j] = (int8_t)mote__clamp_i32(mote__rdbp((int32_t)xg[hd + j] * (hq[j] - p->out_zp), 15) + p->out_zp,
                                        -128, 127);
      }
      row_matmul(r + hrow * hd, rec_bias + hrow, rq, hd, hd, p->rec_multiplier + hrow,
                 p->rec_shift + hrow, hg + hd);
    }
    for (j = 0; j < hd; ++j) {
      const int32_t cand = mote__tanh_q15(mote__sat_s16((int32_t)hg[j] + hg[hd + j]), 3, 0, p->sigmoid_table);
      h[j] = mote__sat_s16(cand + mote__rdbp((int32_t)xg[j] * (h[j] - cand), 15));
      hq[j] = (int8_t)mote__clamp_i32(
          mote__mbqm(h[j], p->out_multiplier, p->out_shift) + p->out_zp, -128, 127);
      yt[j] = hq[j];
    }
  }
  return MOTE_OK;
}
