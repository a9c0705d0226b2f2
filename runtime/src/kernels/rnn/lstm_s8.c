/* int8 LSTM with TFLM's integer arithmetic (UNIDIRECTIONAL_SEQUENCE_LSTM, 8x8->16 path): each
 * gate is two int8 matmuls rescaled to int16 Q3.12, a saturating add and the int16 sigmoid /
 * tanh; the cell state stays int16 and the hidden state int8. */
#include "../internal.h"

/* gate[o] += rescaled (bias[o] + v . m[o]) for the hidden rows of one gate, saturating int16 at
 * both the rescale and the add, as TFLM's FullyConnected to int16 + AddElementWise do. */
static void gate_matmul(const int8_t *m, const int32_t *bias, const int8_t *v, int32_t n,
                        int32_t rows, int32_t multiplier, int32_t shift, int16_t *gate,
                        int accumulate) {
  int32_t o, k;
  for (o = 0; o < rows; ++o) {
    const int8_t *row = m + (size_t)o * n;
    int32_t acc = bias[o];
    int16_t q;
    for (k = 0; k < n; ++k) {
      acc += row[k] * v[k];
    }
    q = mote__sat_s16(mote__mbqm(acc, multiplier, shift));
    gate[o] = accumulate ? mote__sat_s16((int32_t)gate[o] + q) : q;
  }
}

size_t mote_lstm_s8_scratch_bytes(const mote_lstm_s8_params *p) {
  return (size_t)p->hidden * (6u * sizeof(int16_t) + sizeof(int8_t));
}

mote_status mote_lstm_s8(const mote_lstm_s8_params *p, const int8_t *x, const int8_t *w,
                         const int8_t *r, const int32_t *in_bias, const int32_t *rec_bias,
                         const int8_t *h0, const int16_t *c0, int8_t *y, void *scratch) {
  const int32_t n_in = p->in_features;
  const int32_t hd = p->hidden;
  int16_t *c;
  int16_t *gates; /* [4][hidden] pre-activations, then activations */
  int16_t *tmp;
  int8_t *h;
  int32_t step, g, j;
  if (!mote__rnn_shape_ok(p->steps, n_in, hd) || p->sigmoid_table == NULL ||
      (p->cell_act != MOTE_UN_TANH && p->cell_act != MOTE_UN_SIGMOID) || p->cell_clip < 0 ||
      p->hidden_zp < -128 || p->hidden_zp > 127) {
    return MOTE_ERR_PARAM;
  }
  c = (int16_t *)scratch;
  gates = c + hd;
  tmp = gates + 4 * hd;
  h = (int8_t *)(tmp + hd);
  for (j = 0; j < hd; ++j) {
    c[j] = c0 != NULL ? c0[j] : 0;
    h[j] = (int8_t)(h0 != NULL ? h0[j] : p->hidden_zp);
  }
  for (step = 0; step < p->steps; ++step) {
    const int32_t t = p->reverse ? p->steps - 1 - step : step;
    const int8_t *xt = x + (size_t)t * n_in;
    int8_t *yt = y + (size_t)t * hd;
    for (g = 0; g < 4; ++g) {
      int16_t *gv = gates + g * hd;
      const size_t off = (size_t)g * hd;
      gate_matmul(w + off * n_in, in_bias + off, xt, n_in, hd, p->in_multiplier[g],
                  p->in_shift[g], gv, 0);
      gate_matmul(r + off * hd, rec_bias + off, h, hd, hd, p->rec_multiplier[g], p->rec_shift[g],
                  gv, 1);
      for (j = 0; j < hd; ++j) {
        gv[j] = (g == 2 && p->cell_act == MOTE_UN_TANH)
                    ? mote__tanh_q15(gv[j], 3, 0, p->sigmoid_table)
                    : mote__sigmoid_q15(gv[j], p->sigmoid_table);
      }
    }
    for (j = 0; j < hd; ++j) {
      const int16_t ig = gates[j], fg = gates[hd + j], cg = gates[2 * hd + j];
      const int16_t og = gates[3 * hd + j];
      const int16_t fc = mote__sat_s16(mote__mbqm((int32_t)fg * c[j], p->forget_multiplier, p->forget_shift));
      const int16_t icg = mote__sat_s16(mote__mbqm((int32_t)ig * cg, p->input_multiplier, p->input_shift));
      int16_t cn = mote__sat_s16((int32_t)fc + icg);
      int16_t th;
      if (p->cell_clip > 0) {
        cn = (int16_t)mote__clamp_i32(cn, -p->cell_clip, p->cell_clip);
      }
      c[j] = cn;
      th = mote__tanh_q15(cn, p->cell_tanh_multiplier, p->cell_tanh_shift, p->sigmoid_table);
      tmp[j] = (int16_t)mote__clamp_i32(
          mote__mbqm((int32_t)th * og, p->output_multiplier, p->output_shift) + p->hidden_zp, -128, 127);
    }
    /* h changes only after every gate of the step has read the previous one */
    for (j = 0; j < hd; ++j) {
      h[j] = (int8_t)tmp[j];
      yt[j] = h[j];
    }
  }
  return MOTE_OK;
}
