/* Concatenation of byte rows: for each outer index, input k contributes inner_bytes[k] bytes,
 * optionally requantized through a 256-entry int8 table. */
#include <string.h>

#include "../internal.h"

mote_status mote_concat(const mote_concat_params *p, const void *const *inputs, void *out) {
  uint8_t *dst = (uint8_t *)out;
  int32_t o, k, i;
  if (p->outer < 0 || p->n_inputs <= 0 || p->inner_bytes == NULL || inputs == NULL) {
    return MOTE_ERR_PARAM;
  }
  for (k = 0; k < p->n_inputs; ++k) {
    if (p->inner_bytes[k] < 0 || inputs[k] == NULL) {
      return MOTE_ERR_PARAM;
    }
  }
  for (o = 0; o < p->outer; ++o) {
    for (k = 0; k < p->n_inputs; ++k) {
      const int32_t len = p->inner_bytes[k];
      const uint8_t *src = (const uint8_t *)inputs[k] + (size_t)o * (size_t)len;
      const int8_t *lut = p->luts != NULL ? p->luts[k] : NULL;
      if (lut != NULL) {
        const int8_t *s = (const int8_t *)src;
        int8_t *d = (int8_t *)dst;
        for (i = 0; i < len; ++i) {
          d[i] = lut[(uint8_t)(s[i] + 128)];
        }
      } else {
        memcpy(dst, src, (size_t)len);
      }
      dst += len;
    }
  }
  return MOTE_OK;
}
