/* int8 MAXIMUM / MINIMUM with 4-D broadcasting on the raw codes (one shared quantization). */
#include "../internal.h"

mote_status mote_minmax_s8(const mote_minmax_s8_params *p, const int8_t *a, const int8_t *b,
                           int8_t *out) {
  const mote_bcast *bc = &p->bc;
  int32_t r, i3;
  size_t ia, ib;
  if (!mote__bcast_ok(bc)) {
    return MOTE_ERR_PARAM;
  }
  MOTE__BCAST_FOR(bc, r, i3, ia, ib) {
    const int8_t x = a[ia], y = b[ib];
    *out++ = p->is_max ? (x > y ? x : y) : (x < y ? x : y);
  }
  return MOTE_OK;
}
