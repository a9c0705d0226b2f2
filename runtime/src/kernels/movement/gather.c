/* Gather of inner rows along the middle axis of [outer][axis_size][inner]: one memcpy per
 * (outer, index) pair. */
#include <string.h>

#include "../internal.h"

mote_status mote_gather(const mote_gather_params *p, const void *in, void *out) {
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  size_t row;
  int32_t o, k;
  if (p->outer <= 0 || p->axis_size <= 0 || p->inner <= 0 || p->n_indices < 0 ||
      p->elem_size <= 0 || (p->n_indices > 0 && p->indices == NULL)) {
    return MOTE_ERR_PARAM;
  }
  for (k = 0; k < p->n_indices; ++k) {
    if (p->indices[k] < 0 || p->indices[k] >= p->axis_size) {
      return MOTE_ERR_PARAM;
    }
  }
  row = (size_t)p->inner * (size_t)p->elem_size;
  for (o = 0; o < p->outer; ++o) {
    const uint8_t *block = src + (size_t)o * (size_t)p->axis_size * row;
    for (k = 0; k < p->n_indices; ++k) {
      memcpy(dst, block + (size_t)p->indices[k] * row, row);
      dst += row;
    }
  }
  return MOTE_OK;
}
