/* float binary ops (mote_binary_op) with 4-D broadcasting and a fused clamp. */
#include "../internal.h"

static float apply(int32_t op, float x, float y) {
  switch (op) {
    case MOTE_BIN_ADD:
      return x + y;
    case MOTE_BIN_SUB:
      return x - y;
    case MOTE_BIN_MUL:
      return x * y;
    case MOTE_BIN_DIV:
      return x / y;
    case MOTE_BIN_MAX:
      return x > y ? x : y;
    case MOTE_BIN_MIN:
      return x < y ? x : y;
    case MOTE_BIN_POW:
      return mote_powf(x, y);
    case MOTE_BIN_SQUARED_DIFFERENCE:
      return (x - y) * (x - y);
    default: /* MOTE_BIN_PRELU */
      return x >= 0.0f ? x : x * y;
  }
}

mote_status mote_binary_f32(const mote_binary_f32_params *p, const float *a, const float *b,
                            float *out) {
  const mote_bcast *bc = &p->bc;
  int32_t r, i3;
  size_t ia, ib;
  if (!mote__bcast_ok(bc) || p->op < MOTE_BIN_ADD || p->op > MOTE_BIN_PRELU) {
    return MOTE_ERR_PARAM;
  }
  MOTE__BCAST_FOR(bc, r, i3, ia, ib) {
    *out++ = mote__clamp_f32(apply(p->op, a[ia], b[ib]), p->act_min, p->act_max);
  }
  return MOTE_OK;
}
