/* int8 fully connected: out[b][o] = requant(bias[o] + sum_k (in[b][k] - in_zp) * w[o][k]).
 * Weights are symmetric (zero point 0), so the input offset folds into sum_k w[o][k]. */
#include "../internal.h"

mote_status mote_fully_connected_s8(const mote_fc_s8_params *p, const int8_t *in, const int8_t *w,
                                    const int32_t *bias, int8_t *out) {
  int32_t b, o, k;
  if (!mote__fc_s8_ok(p)) return MOTE_ERR_PARAM;
  for (b = 0; b < p->batches; ++b) {
    const int8_t *x = in + (size_t)b * p->in_features;
    int8_t *y = out + (size_t)b * p->out_features;
    for (o = 0; o < p->out_features; ++o) {
      const int8_t *wr = w + (size_t)o * p->in_features;
      int32_t dot = 0;
      int32_t wsum = 0;
      for (k = 0; k < p->in_features; ++k) {
        dot += x[k] * wr[k];
        wsum += wr[k];
      }
      y[o] = mote__fc_s8_out(p, bias, o, dot, wsum);
    }
  }
  return MOTE_OK;
}
