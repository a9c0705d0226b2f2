/* int8 fully connected over sparse weights with fixed-width fields (mote/decode.h): one pass
 * over the (gap, value) entries per batch, a multiply per stored weight and none for the
 * zeros. An entry is one ibits + vbits <= 16 bit field read from three bytes: the encoder pads
 * the stream with two bytes, and one check before the loop bounds every read. */
#include "../internal.h"
#include "mote/decode.h"

mote_status mote_fully_connected_s8_sparse(const mote_fc_s8_params *p, const int8_t *in,
                                           const mote_wenc *w, const int32_t *bias, int8_t *out) {
  /* every field in a local: the output stores could alias them and force reloads */
  const int32_t ibits = w->ibits, vbits = w->vbits, width = ibits + vbits, in_features = p->in_features;
  const int32_t codebook_size = w->codebook_size;
  const uint32_t gap_mask = (1u << ibits) - 1u, value_mask = (1u << vbits) - 1u, entries = w->entries;
  const int32_t sign = (int32_t)1 << (vbits - 1);
  const uint8_t *stream = w->blob + w->stream_offset;
  const int8_t *codebook = (const int8_t *)w->blob;
  int32_t b;
  if (!mote__fc_s8_ok(p) || w->rows != p->out_features || w->row_len != in_features || w->sparse != 1 ||
      w->values.max_len != 0 || w->gaps.max_len != 0 || width > 16) {
    return MOTE_ERR_PARAM;
  }
  if ((uint64_t)entries * (uint32_t)width + 16u > (uint64_t)(w->bytes - w->stream_offset) * 8u) {
    return MOTE_ERR_CORRUPT;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t *x = in + (size_t)b * in_features;
    int8_t *y = out + (size_t)b * p->out_features;
    uint32_t e, bit = 0;
    int32_t o = 0, col = -1, dot = 0, wsum = 0;
    for (e = 0; e < entries; ++e) {
      const uint8_t *q = stream + (bit >> 3);
      const uint32_t f = ((uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16) >> (bit & 7u);
      const uint32_t v = (f >> ibits) & value_mask;
      int32_t val;
      bit += (uint32_t)width;
      col += (int32_t)(f & gap_mask) + 1;
      while (col >= in_features) { /* the entry lies in a later row: finish this one */
        y[o] = mote__fc_s8_out(p, bias, o, dot, wsum);
        dot = wsum = 0;
        col -= in_features;
        if (++o == p->out_features) return MOTE_ERR_CORRUPT;
      }
      if (codebook_size > 0) {
        if (v >= (uint32_t)codebook_size) return MOTE_ERR_CORRUPT;
        val = codebook[v];
      } else {
        val = ((int32_t)v ^ sign) - sign; /* two's complement in vbits */
      }
      dot += x[col] * val;
      wsum += val;
    }
    for (; o < p->out_features; ++o) { /* the last stored row and the all-zero rows after it */
      y[o] = mote__fc_s8_out(p, bias, o, dot, wsum);
      dot = wsum = 0;
    }
  }
  return MOTE_OK;
}
