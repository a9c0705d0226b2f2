/* int8 MAXIMUM / MINIMUM with 4-D broadcasting on the raw codes (one shared quantization). */
#include "../internal.h"

mote_status mote_minmax_s8(const mote_minmax_s8_params *p, const int8_t *a, const int8_t *b,
                           int8_t *out) {
  const mote_bcast *bc = &p->bc;
  int32_t r, i3;
  if (!mote__bcast_ok(bc)) {
    return MOTE_ERR_PARAM;
  }
  for (r = 0; r < mote__bcast_rows(bc); ++r) {
    size_t ia, ib;
    mote__bcast_row(bc, r, &ia, &ib);
    for (i3 = 0; i3 < bc->dims[3]; ++i3) {
      const int8_t x = a[ia], y = b[ib];
      *out++ = p->is_max ? (x > y ? x : y) : (x < y ? x : y);
      ia += (size_t)bc->a_stride[3];
      ib += (size_t)bc->b_stride[3];
    }
  }
  return MOTE_OK;
}
