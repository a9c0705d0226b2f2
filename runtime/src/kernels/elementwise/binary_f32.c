/* float ADD / SUB / MUL with 4-D broadcasting and a fused clamp. */
#include "../internal.h"

mote_status mote_binary_f32(const mote_binary_f32_params *p, const float *a, const float *b,
                            float *out) {
  const mote_bcast *bc = &p->bc;
  int32_t i0, i1, i2, i3;
  if (!mote__bcast_ok(bc) || p->op < MOTE_BIN_ADD || p->op > MOTE_BIN_MUL) {
    return MOTE_ERR_PARAM;
  }
  for (i0 = 0; i0 < bc->dims[0]; ++i0) {
    for (i1 = 0; i1 < bc->dims[1]; ++i1) {
      for (i2 = 0; i2 < bc->dims[2]; ++i2) {
        const float *pa = a + (size_t)i0 * bc->a_stride[0] + (size_t)i1 * bc->a_stride[1] +
                          (size_t)i2 * bc->a_stride[2];
        const float *pb = b + (size_t)i0 * bc->b_stride[0] + (size_t)i1 * bc->b_stride[1] +
                          (size_t)i2 * bc->b_stride[2];
        for (i3 = 0; i3 < bc->dims[3]; ++i3) {
          float r;
          if (p->op == MOTE_BIN_ADD) {
            r = *pa + *pb;
          } else if (p->op == MOTE_BIN_SUB) {
            r = *pa - *pb;
          } else {
            r = *pa * *pb;
          }
          *out++ = mote__clamp_f32(r, p->act_min, p->act_max);
          pa += bc->a_stride[3];
          pb += bc->b_stride[3];
        }
      }
    }
  }
  return MOTE_OK;
}
