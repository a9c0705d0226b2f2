/* Constant padding of a 4-D tensor of 1-, 2- or 4-byte elements, one innermost row at a time. */
#include <string.h>

#include "../internal.h"

/* Writes count copies of the elem-byte pattern (native byte order, as the value is stored). */
static void fill(uint8_t *dst, int32_t count, int32_t elem, uint32_t value) {
  int32_t i;
  if (elem == 1) {
    memset(dst, (int)(value & 0xffu), (size_t)count);
  } else if (elem == 2) {
    const uint16_t v = (uint16_t)value;
    for (i = 0; i < count; ++i) {
      memcpy(dst + (size_t)i * 2u, &v, 2u);
    }
  } else {
    for (i = 0; i < count; ++i) {
      memcpy(dst + (size_t)i * 4u, &value, 4u);
    }
  }
}

mote_status mote_pad(const mote_pad_params *p, const void *in, void *out) {
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  const int32_t es = p->elem_size;
  int32_t od[4];
  int32_t i, i0, i1, i2;
  size_t in_row, out_row;
  if (es != 1 && es != 2 && es != 4) {
    return MOTE_ERR_PARAM;
  }
  for (i = 0; i < 4; ++i) {
    if (p->in_dims[i] <= 0 || p->pad_before[i] < 0 || p->pad_after[i] < 0) {
      return MOTE_ERR_PARAM;
    }
    od[i] = p->pad_before[i] + p->in_dims[i] + p->pad_after[i];
  }
  in_row = (size_t)p->in_dims[3] * (size_t)es;
  out_row = (size_t)od[3] * (size_t)es;
  for (i0 = 0; i0 < od[0]; ++i0) {
    const int32_t s0 = i0 - p->pad_before[0];
    const int in0 = s0 >= 0 && s0 < p->in_dims[0];
    for (i1 = 0; i1 < od[1]; ++i1) {
      const int32_t s1 = i1 - p->pad_before[1];
      const int in1 = in0 && s1 >= 0 && s1 < p->in_dims[1];
      for (i2 = 0; i2 < od[2]; ++i2) {
        const int32_t s2 = i2 - p->pad_before[2];
        if (in1 && s2 >= 0 && s2 < p->in_dims[2]) {
          const size_t row = ((size_t)s0 * p->in_dims[1] + (size_t)s1) * p->in_dims[2] + s2;
          fill(dst, p->pad_before[3], es, p->value);
          memcpy(dst + (size_t)p->pad_before[3] * es, src + row * in_row, in_row);
          fill(dst + (size_t)p->pad_before[3] * es + in_row, p->pad_after[3], es, p->value);
        } else {
          fill(dst, od[3], es, p->value);
        }
        dst += out_row;
      }
    }
  }
  return MOTE_OK;
}
