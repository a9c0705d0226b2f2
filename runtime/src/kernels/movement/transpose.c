/* 4-D transpose of elements of any size: out dims[i] = in_dims[perm[i]], walking the output in
 * order and the input by permuted strides. */
#include <string.h>

#include "../internal.h"

mote_status mote_transpose(const mote_transpose_params *p, const void *in, void *out) {
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  const size_t es = (size_t)p->elem_size;
  size_t in_stride[4], st[4];
  int32_t od[4];
  int32_t seen = 0;
  int32_t i, i0, i1, i2, i3;
  if (p->elem_size <= 0) {
    return MOTE_ERR_PARAM;
  }
  for (i = 0; i < 4; ++i) {
    if (p->in_dims[i] <= 0 || p->perm[i] < 0 || p->perm[i] > 3) {
      return MOTE_ERR_PARAM;
    }
    seen |= 1 << p->perm[i];
  }
  if (seen != 15) {
    return MOTE_ERR_PARAM;
  }
  in_stride[3] = es;
  for (i = 2; i >= 0; --i) {
    in_stride[i] = in_stride[i + 1] * (size_t)p->in_dims[i + 1];
  }
  for (i = 0; i < 4; ++i) {
    od[i] = p->in_dims[p->perm[i]];
    st[i] = in_stride[p->perm[i]];
  }
  for (i0 = 0; i0 < od[0]; ++i0) {
    for (i1 = 0; i1 < od[1]; ++i1) {
      for (i2 = 0; i2 < od[2]; ++i2) {
        const uint8_t *s = src + (size_t)i0 * st[0] + (size_t)i1 * st[1] + (size_t)i2 * st[2];
        if (es == 1) {
          for (i3 = 0; i3 < od[3]; ++i3) {
            *dst++ = s[(size_t)i3 * st[3]];
          }
        } else if (es == 4) { /* constant-size copy compiles to one load/store */
          for (i3 = 0; i3 < od[3]; ++i3) {
            memcpy(dst, s + (size_t)i3 * st[3], 4u);
            dst += 4;
          }
        } else {
          for (i3 = 0; i3 < od[3]; ++i3) {
            memcpy(dst, s + (size_t)i3 * st[3], es);
            dst += es;
          }
        }
      }
    }
  }
  return MOTE_OK;
}
