/* int8 fully connected: out[b][o] = requant(bias[o] + sum_k (in[b][k] - in_zp) * w[o][k]).
 * Weights are symmetric (zero point 0), so the input offset folds into sum_k w[o][k]. */
#include "../internal.h"

mote_status mote_fully_connected_s8(const mote_fc_s8_params *p, const int8_t *in, const int8_t *w,
                                    const int32_t *bias, int8_t *out) {
  int32_t b, o, k;
  if (p->batches <= 0 || p->in_features <= 0 || p->out_features <= 0 || p->multiplier == NULL ||
      p->shift == NULL || !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t *x = in + (size_t)b * p->in_features;
    int8_t *y = out + (size_t)b * p->out_features;
    for (o = 0; o < p->out_features; ++o) {
      const int8_t *wr = w + (size_t)o * p->in_features;
      const int32_t ch = p->per_channel ? o : 0;
      int32_t dot = 0;
      int32_t wsum = 0;
      int32_t acc;
      for (k = 0; k < p->in_features; ++k) {
        dot += x[k] * wr[k];
        wsum += wr[k];
      }
      acc = dot - p->in_zp * wsum + (bias != NULL ? bias[o] : 0);
      acc = mote__mbqm(acc, p->multiplier[ch], p->shift[ch]) + p->out_zp;
      y[o] = (int8_t)mote__clamp_i32(acc, p->act_min, p->act_max);
    }
  }
  return MOTE_OK;
}
