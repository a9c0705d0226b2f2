/* float fully connected: out[b][o] = sum_k in[b][k] * w[o][k] + bias[o], clamped. */
#include "../internal.h"

mote_status mote_fully_connected_f32(const mote_fc_f32_params *p, const float *in, const float *w,
                                     const float *bias, float *out) {
  int32_t b, o, k;
  if (p->batches <= 0 || p->in_features <= 0 || p->out_features <= 0) {
    return MOTE_ERR_PARAM;
  }
  for (b = 0; b < p->batches; ++b) {
    const float *x = in + (size_t)b * p->in_features;
    float *y = out + (size_t)b * p->out_features;
    for (o = 0; o < p->out_features; ++o) {
      const float *wr = w + (size_t)o * p->in_features;
      float acc = bias != NULL ? bias[o] : 0.0f;
      for (k = 0; k < p->in_features; ++k) {
        acc += x[k] * wr[k];
      }
      y[o] = mote__clamp_f32(acc, p->act_min, p->act_max);
    }
  }
  return MOTE_OK;
}
