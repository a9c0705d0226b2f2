/* 16x8 fully connected (TFLM's int16 FullyConnected with an int64 bias): int16 input and
 * output with zero point 0, int8 weights [out][in], per-tensor or per-channel requantization. */
#include "../internal.h"

mote_status mote_fully_connected_s16(const mote_fc_s8_params *p, const int16_t *in,
                                     const int8_t *w, const int64_t *bias, int16_t *out) {
  int32_t b, o, k;
  if (p->batches <= 0 || p->in_features <= 0 || p->out_features <= 0 || p->in_zp != 0 ||
      p->out_zp != 0 || !mote__act_s16_ok(p->act_min, p->act_max) ||
      !mote__requant16_ok(p->multiplier, p->shift, p->per_channel ? p->out_features : 1)) {
    return MOTE_ERR_PARAM;
  }
  for (b = 0; b < p->batches; ++b) {
    const int16_t *x = in + (size_t)b * (size_t)p->in_features;
    for (o = 0; o < p->out_features; ++o) {
      const int8_t *row = w + (size_t)o * (size_t)p->in_features;
      const int32_t ch = p->per_channel ? o : 0;
      int64_t acc = bias != NULL ? bias[o] : 0;
      for (k = 0; k < p->in_features; ++k) {
        acc += (int32_t)x[k] * row[k];
      }
      out[(size_t)b * (size_t)p->out_features + (size_t)o] = (int16_t)mote__clamp_i64(
          mote__mbqm64(acc, p->multiplier[ch], p->shift[ch]), p->act_min, p->act_max);
    }
  }
  return MOTE_OK;
}
