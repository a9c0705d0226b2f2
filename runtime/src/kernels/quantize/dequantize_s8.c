/* int8 -> float32 DEQUANTIZE. */
#include "../internal.h"

mote_status mote_dequantize_s8(const mote_quant_params *p, int32_t n, const int8_t *in,
                               float *out) {
  int32_t i;
  if (n < 0 || !(p->scale > 0.0f)) {
    return MOTE_ERR_PARAM;
  }
  for (i = 0; i < n; ++i) {
    out[i] = p->scale * (float)(in[i] - p->zero_point);
  }
  return MOTE_OK;
}
