/* Transpose of elements of any size on a tensor seen as 6-D: out dims[i] = in_dims[perm[i]].
 * Walks the output in order; the five outer output dims advance like an odometer and the
 * innermost one is a strided gather from the input. */
#include <string.h>

#include "../internal.h"

#define ND MOTE_TRANSPOSE_DIMS

mote_status mote_transpose(const mote_transpose_params *p, const void *in, void *out) {
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  const size_t es = (size_t)p->elem_size;
  size_t in_stride[ND], st[ND];
  int32_t od[ND], idx[ND];
  int32_t seen = 0;
  int32_t i, k;
  if (p->elem_size <= 0) {
    return MOTE_ERR_PARAM;
  }
  for (i = 0; i < ND; ++i) {
    if (p->in_dims[i] <= 0 || p->perm[i] < 0 || p->perm[i] >= ND) {
      return MOTE_ERR_PARAM;
    }
    seen |= 1 << p->perm[i];
  }
  if (seen != (1 << ND) - 1) {
    return MOTE_ERR_PARAM;
  }
  in_stride[ND - 1] = es;
  for (i = ND - 2; i >= 0; --i) {
    in_stride[i] = in_stride[i + 1] * (size_t)p->in_dims[i + 1];
  }
  for (i = 0; i < ND; ++i) {
    od[i] = p->in_dims[p->perm[i]];
    st[i] = in_stride[p->perm[i]];
    idx[i] = 0;
  }
  for (;;) {
    const uint8_t *s = src;
    const size_t step = st[ND - 1];
    for (i = 0; i < ND - 1; ++i) {
      s += (size_t)idx[i] * st[i];
    }
    if (es == 1) {
      for (k = 0; k < od[ND - 1]; ++k) {
        *dst++ = s[(size_t)k * step];
      }
    } else if (es == 4) { /* constant-size copy compiles to one load/store */
      for (k = 0; k < od[ND - 1]; ++k) {
        memcpy(dst, s + (size_t)k * step, 4u);
        dst += 4;
      }
    } else {
      for (k = 0; k < od[ND - 1]; ++k) {
        memcpy(dst, s + (size_t)k * step, es);
        dst += es;
      }
    }
    for (i = ND - 2; i >= 0; --i) {
      if (++idx[i] < od[i]) {
        break;
      }
      idx[i] = 0;
    }
    if (i < 0) {
      return MOTE_OK;
    }
  }
}
