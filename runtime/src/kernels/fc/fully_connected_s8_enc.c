/* int8 fully connected over encoded weights (mote/decode.h): each weight row is decoded once
 * into scratch (in_features bytes) and used for every batch, so RAM holds one row. */
#include "../internal.h"
#include "mote/decode.h"

mote_status mote_fully_connected_s8_enc(const mote_fc_s8_params *p, const int8_t *in,
                                        const mote_wenc *w, const int32_t *bias, int8_t *out,
                                        void *scratch) {
  int8_t *row = (int8_t *)scratch;
  mote_wdec s;
  mote_status st;
  int32_t b, o, k;
  if (!mote__fc_s8_ok(p) || w->rows != p->out_features || w->row_len != p->in_features) {
    return MOTE_ERR_PARAM;
  }
  st = mote_wdec_start(w, &s);
  for (o = 0; o < p->out_features && st == MOTE_OK; ++o) {
    int32_t wsum = 0;
    st = mote_wdec_row(w, &s, row);
    if (st != MOTE_OK) break;
    for (k = 0; k < p->in_features; ++k) wsum += row[k];
    for (b = 0; b < p->batches; ++b) {
      const int8_t *x = in + (size_t)b * p->in_features;
      int32_t dot = 0;
      for (k = 0; k < p->in_features; ++k) dot += x[k] * row[k];
      out[(size_t)b * p->out_features + o] = mote__fc_s8_out(p, bias, o, dot, wsum);
    }
  }
  return st;
}

size_t mote_fully_connected_s8_enc_scratch_bytes(const mote_fc_s8_params *p) {
  return (size_t)p->in_features;
}
