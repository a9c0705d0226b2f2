/* int8 elementwise function through a 256-entry table indexed by in + 128. */
#include "../internal.h"

mote_status mote_lut_s8(const int8_t *table, int32_t n, const int8_t *in, int8_t *out) {
  int32_t i;
  if (table == NULL || n < 0) {
    return MOTE_ERR_PARAM;
  }
  for (i = 0; i < n; ++i) {
    out[i] = table[(uint8_t)(in[i] + 128)];
  }
  return MOTE_OK;
}
