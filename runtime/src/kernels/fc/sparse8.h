/* What the byte-group sparse FC kernels share (mote/decode.h, MOTE_WENC_GROUPS). */
#ifndef MOTE_KERNELS_FC_SPARSE8_H
#define MOTE_KERNELS_FC_SPARSE8_H

#include "mote/decode.h"

/* MOTE_OK when w holds byte groups for rows x len weights and its entries fill the blob;
 * MOTE_ERR_PARAM for another format or shape, MOTE_ERR_CORRUPT otherwise. The counts and gaps
 * are mote_wenc_check's. */
mote_status mote__sparse8_check(const mote_wenc *w, int32_t rows, int32_t len);

/* acc plus the n groups at g weighing the columns of x they land on, wrapping in 32 bits. */
int32_t mote__sparse8_dot_c(const uint8_t *g, uint32_t n, const int8_t *x, int32_t acc);

/* Row o's count of groups. */
static inline uint32_t mote__sparse8_count(const mote_wenc *w, int32_t o) {
  const uint8_t *c = w->blob + w->stream_offset + 2 * o;
  return (uint32_t)c[0] | (uint32_t)c[1] << 8;
}

#endif
