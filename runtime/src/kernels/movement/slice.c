/* Strided slice of elements of any size on a tensor seen as 6-D. The five outer output dims
 * advance like an odometer; the innermost is one memcpy when its stride is 1, else a strided
 * copy. */
#include <string.h>

#include "../internal.h"

#define ND MOTE_SLICE_DIMS

/* Every index begin + i * stride, 0 <= i < out, must lie in [0, in). */
static int axis_ok(int32_t in, int32_t out, int32_t begin, int32_t stride) {
  const int64_t last = (int64_t)begin + (int64_t)(out - 1) * stride;
  return in > 0 && out > 0 && stride != 0 && begin >= 0 && begin < in && last >= 0 && last < in;
}

mote_status mote_slice(const mote_slice_params *p, const void *in, void *out) {
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  const size_t es = (size_t)p->elem_size;
  ptrdiff_t step[ND]; /* byte step per output index along each dim */
  size_t in_stride[ND];
  int32_t idx[ND];
  const uint8_t *base = src;
  int32_t i, k;
  if (p->elem_size <= 0) {
    return MOTE_ERR_PARAM;
  }
  for (i = 0; i < ND; ++i) {
    if (!axis_ok(p->in_dims[i], p->out_dims[i], p->begin[i], p->stride[i])) {
      return MOTE_ERR_PARAM;
    }
  }
  in_stride[ND - 1] = es;
  for (i = ND - 2; i >= 0; --i) {
    in_stride[i] = in_stride[i + 1] * (size_t)p->in_dims[i + 1];
  }
  for (i = 0; i < ND; ++i) {
    step[i] = (ptrdiff_t)p->stride[i] * (ptrdiff_t)in_stride[i];
    base += (size_t)p->begin[i] * in_stride[i];
    idx[i] = 0;
  }
  for (;;) {
    const uint8_t *s = base;
    const int32_t len = p->out_dims[ND - 1];
    for (i = 0; i < ND - 1; ++i) {
      s += (ptrdiff_t)idx[i] * step[i];
    }
    if (p->stride[ND - 1] == 1) {
      memcpy(dst, s, (size_t)len * es);
      dst += (size_t)len * es;
    } else {
      for (k = 0; k < len; ++k) {
        memcpy(dst, s + (ptrdiff_t)k * step[ND - 1], es);
        dst += es;
      }
    }
    for (i = ND - 2; i >= 0; --i) {
      if (++idx[i] < p->out_dims[i]) {
        break;
      }
      idx[i] = 0;
    }
    if (i < 0) {
      return MOTE_OK;
    }
  }
}
