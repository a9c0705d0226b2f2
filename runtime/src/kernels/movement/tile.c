/* Tile / broadcast of elements of any size on a tensor seen as 6-D. The output is built from
 * the innermost dim outward: each input row is repeated along the last dim, then every
 * finished block of dim d is copied (out_dims[d] / in_dims[d]) - 1 more times after itself,
 * so most of the work is large memcpys of output already written. Iterative, so that its stack
 * has a static bound (no recursion on a microcontroller). */
#include <string.h>

#include "../internal.h"

#define ND MOTE_SLICE_DIMS

mote_status mote_tile(const mote_tile_params *p, const void *in, void *out) {
  size_t ob[ND + 1]; /* output bytes of one finished block of dims d.. (ob[ND]: one element) */
  int32_t idx[ND];   /* the input row being written: its index along dims 0..ND-2 */
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *const dst = (uint8_t *)out;
  const size_t row = (size_t)p->in_dims[ND - 1] * (size_t)p->elem_size;
  int32_t d;
  if (p->elem_size <= 0) {
    return MOTE_ERR_PARAM;
  }
  for (d = 0; d < ND; ++d) {
    if (p->in_dims[d] <= 0 || p->out_dims[d] <= 0 || p->out_dims[d] % p->in_dims[d] != 0) {
      return MOTE_ERR_PARAM;
    }
    idx[d] = 0;
  }
  ob[ND] = (size_t)p->elem_size;
  for (d = ND - 1; d >= 0; --d) {
    ob[d] = ob[d + 1] * (size_t)p->out_dims[d];
  }
  for (;;) {
    /* Copy the row, repeat it along the last dim, then repeat every block it completes. */
    size_t at = 0;
    int32_t r;
    for (d = 0; d < ND - 1; ++d) {
      at += (size_t)idx[d] * ob[d + 1];
    }
    memcpy(dst + at, src, row);
    src += row;
    for (r = 1; r < p->out_dims[ND - 1] / p->in_dims[ND - 1]; ++r) {
      memcpy(dst + at + (size_t)r * row, dst + at, row);
    }
    for (d = ND - 2; d >= 0 && idx[d] == p->in_dims[d] - 1; --d) {
      /* Block d (at the indices above it) is complete: its first copy is written. */
      const size_t one = (size_t)p->in_dims[d] * ob[d + 1];
      size_t base = 0;
      int32_t e;
      for (e = 0; e < d; ++e) {
        base += (size_t)idx[e] * ob[e + 1];
      }
      for (r = 1; r < p->out_dims[d] / p->in_dims[d]; ++r) {
        memcpy(dst + base + (size_t)r * one, dst + base, one);
      }
      idx[d] = 0;
    }
    if (d < 0) {
      return MOTE_OK;
    }
    ++idx[d];
  }
}
