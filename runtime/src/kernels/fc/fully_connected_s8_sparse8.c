/* int8 fully connected over sparse weights in byte groups (mote/decode.h, MOTE_WENC_GROUPS):
 * per stored entry a pointer move and a multiply-accumulate, the input offset folded into the
 * bias by the compiler. The descriptor is checked against the blob's size here; the counts and
 * gaps, which a row-by-row bound would cost instructions per entry, were walked by
 * mote_wenc_check (NAME_init). */
#include "../internal.h"
#include "sparse8.h"

mote_status mote__sparse8_check(const mote_wenc *w, int32_t rows, int32_t len) {
  uint32_t room;
  if (w->blob == NULL || w->sparse != MOTE_WENC_GROUPS || w->rows != rows || w->row_len != len ||
      w->stream_offset > w->bytes) {
    return MOTE_ERR_PARAM;
  }
  room = w->bytes - w->stream_offset;
  if ((uint32_t)rows > room / 2u || mote_wenc_groups_at(w) > room || w->entries % 4u != 0u ||
      (room - mote_wenc_groups_at(w)) / 2u != w->entries) {
    return MOTE_ERR_CORRUPT;
  }
  return MOTE_OK;
}

int32_t mote__sparse8_dot_c(const uint8_t *g, uint32_t n, const int8_t *x, int32_t acc) {
  uint32_t a = (uint32_t)acc; /* only the final sum, TFLite's accumulator, has to fit */
  for (; n > 0u; --n, g += 8) {
    x += g[0];
    a += (uint32_t)(x[0] * (int8_t)g[4]);
    x += g[1];
    a += (uint32_t)(x[0] * (int8_t)g[5]);
    x += g[2];
    a += (uint32_t)(x[0] * (int8_t)g[6]);
    x += g[3];
    a += (uint32_t)(x[0] * (int8_t)g[7]);
  }
  return (int32_t)a;
}

mote_status mote_fully_connected_s8_sparse8(const mote_fc_s8_params *p, const int8_t *in,
                                            const mote_wenc *w, const int32_t *bias, int8_t *out) {
  const mote_status st = mote__sparse8_check(w, p->out_features, p->in_features);
  int32_t b, o;
  if (!mote__fc_s8_ok(p) || p->in_zp != 0 || bias == NULL) {
    return MOTE_ERR_PARAM;
  }
  if (st != MOTE_OK) {
    return st;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t *x = in + (size_t)b * p->in_features;
    const uint8_t *g = w->blob + w->stream_offset + mote_wenc_groups_at(w);
    for (o = 0; o < p->out_features; ++o) {
      const uint32_t n = mote__sparse8_count(w, o);
      const int32_t acc = mote__sparse8_dot_c(g, n, x, bias[o]);
      out[(size_t)b * p->out_features + o] = mote__fc_s8_out(p, NULL, o, acc, 0);
      g += 8u * n;
    }
  }
  return MOTE_OK;
}
