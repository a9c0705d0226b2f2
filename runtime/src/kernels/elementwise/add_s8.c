/* TFLite int8 ADD with 4-D broadcasting; a negative b_multiplier means TFLite's SUB. */
#include "../internal.h"

mote_status mote_add_s8(const mote_add_s8_params *p, const int8_t *a, const int8_t *b,
                        int8_t *out) {
  const mote_bcast *bc = &p->bc;
  const int32_t sub = p->b_multiplier < 0;
  const int32_t b_mult = sub ? -p->b_multiplier : p->b_multiplier;
  int32_t i0, i1, i2, i3;
  if (p->b_multiplier == INT32_MIN || !mote__bcast_ok(bc) || p->left_shift < 0 || p->left_shift > 23 ||
      !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  for (i0 = 0; i0 < bc->dims[0]; ++i0) {
    for (i1 = 0; i1 < bc->dims[1]; ++i1) {
      for (i2 = 0; i2 < bc->dims[2]; ++i2) {
        const int8_t *pa = a + (size_t)i0 * bc->a_stride[0] + (size_t)i1 * bc->a_stride[1] +
                           (size_t)i2 * bc->a_stride[2];
        const int8_t *pb = b + (size_t)i0 * bc->b_stride[0] + (size_t)i1 * bc->b_stride[1] +
                           (size_t)i2 * bc->b_stride[2];
        for (i3 = 0; i3 < bc->dims[3]; ++i3) {
          const int32_t va = (*pa - p->a_zp) * (1 << p->left_shift);
          const int32_t vb = (*pb - p->b_zp) * (1 << p->left_shift);
          const int32_t sa = mote__mbqm(va, p->a_multiplier, p->a_shift);
          const int32_t sb = mote__mbqm(vb, b_mult, p->b_shift);
          const int32_t sum = sub ? sa - sb : sa + sb;
          const int32_t r = mote__mbqm(sum, p->out_multiplier, p->out_shift) + p->out_zp;
          *out++ = (int8_t)mote__clamp_i32(r, p->act_min, p->act_max);
          pa += bc->a_stride[3];
          pb += bc->b_stride[3];
        }
      }
    }
  }
  return MOTE_OK;
}
