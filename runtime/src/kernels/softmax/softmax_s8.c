/* int8 softmax over the last axis, integer only: table exponentials of (x - row max) in Q16,
 * then each one scaled to 1/256 units with one rounding division by the row sum. */
#include "../internal.h"

mote_status mote_softmax_s8(const mote_softmax_s8_params *p, const int8_t *in, int8_t *out) {
  const uint32_t *table;
  int32_t r, c;
  /* sum <= 2^16 * cols must fit in uint32 */
  if (p->rows <= 0 || p->cols <= 0 || p->cols > 65535 || p->exp_table == NULL) {
    return MOTE_ERR_PARAM;
  }
  table = p->exp_table + 255; /* indexed by x - max in [-255, 0] */
  for (r = 0; r < p->rows; ++r) {
    const int8_t *x = in + (size_t)r * p->cols;
    int8_t *y = out + (size_t)r * p->cols;
    int32_t mx = x[0];
    uint32_t sum = 0;
    uint32_t half;
    for (c = 1; c < p->cols; ++c) {
      mx = x[c] > mx ? x[c] : mx;
    }
    for (c = 0; c < p->cols; ++c) {
      sum += table[x[c] - mx];
    }
    if (sum == 0u) {
      return MOTE_ERR_PARAM; /* table without exp(0) */
    }
    half = sum / 2u;
    for (c = 0; c < p->cols; ++c) {
      const uint32_t q = (table[x[c] - mx] * 256u + half) / sum;
      y[c] = (int8_t)(q > 255u ? 127 : (int32_t)q - 128);
    }
  }
  return MOTE_OK;
}
