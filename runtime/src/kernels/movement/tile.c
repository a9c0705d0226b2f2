/* Tile / broadcast of elements of any size on a tensor seen as 6-D. The output is built from
 * the innermost dim outward: each input row is repeated along the last dim, then every
 * finished block of dim d is copied (out_dims[d] / in_dims[d]) - 1 more times after itself,
 * so most of the work is large memcpys of output already written. */
#include <string.h>

#include "../internal.h"

#define ND MOTE_SLICE_DIMS

/* Writes the output block of dims d.. for the input block at src into dst; returns its bytes. */
static size_t tile_block(const mote_tile_params *p, int32_t d, const uint8_t *src, uint8_t *dst,
                         const size_t *in_block) {
  const size_t es = (size_t)p->elem_size;
  const int32_t reps = p->out_dims[d] / p->in_dims[d];
  size_t one = 0; /* bytes of one output copy of the input block along d */
  int32_t i;
  if (d == ND - 1) {
    one = (size_t)p->in_dims[d] * es;
    memcpy(dst, src, one);
  } else {
    for (i = 0; i < p->in_dims[d]; ++i) {
      one += tile_block(p, d + 1, src + (size_t)i * in_block[d + 1], dst + one, in_block);
    }
  }
  for (i = 1; i < reps; ++i) {
    memcpy(dst + (size_t)i * one, dst, one);
  }
  return one * (size_t)reps;
}

mote_status mote_tile(const mote_tile_params *p, const void *in, void *out) {
  size_t in_block[ND]; /* bytes of the input block of dims d.. */
  int32_t i;
  if (p->elem_size <= 0) {
    return MOTE_ERR_PARAM;
  }
  for (i = 0; i < ND; ++i) {
    if (p->in_dims[i] <= 0 || p->out_dims[i] <= 0 || p->out_dims[i] % p->in_dims[i] != 0) {
      return MOTE_ERR_PARAM;
    }
  }
  in_block[ND - 1] = (size_t)p->in_dims[ND - 1] * (size_t)p->elem_size;
  for (i = ND - 2; i >= 0; --i) {
    in_block[i] = in_block[i + 1] * (size_t)p->in_dims[i];
  }
  tile_block(p, 0, (const uint8_t *)in, (uint8_t *)out, in_block);
  return MOTE_OK;
}
