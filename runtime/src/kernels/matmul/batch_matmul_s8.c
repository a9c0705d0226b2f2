/* int8 batch matmul as TFLM's reference BatchMatMul: per output element an int32 sum of
 * (lhs - lhs_zp) * (rhs - rhs_zp) over k, one per-tensor requantization, + out_zp, clamp.
 * Operands are addressed by strides (mote_matmul_geom). */
#include "../internal.h"

mote_status mote_batch_matmul_s8(const mote_batch_matmul_s8_params *p, const int8_t *lhs,
                                 const int8_t *rhs, int8_t *out) {
  const mote_matmul_geom *g = &p->g;
  int32_t b0, b1, b2, m, n, k;
  if (!mote__matmul_geom_ok(g) || p->lhs_zp < -128 || p->lhs_zp > 127 || p->rhs_zp < -128 ||
      p->rhs_zp > 127 || !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  for (b0 = 0; b0 < g->batch[0]; ++b0) {
    for (b1 = 0; b1 < g->batch[1]; ++b1) {
      for (b2 = 0; b2 < g->batch[2]; ++b2) {
        const int8_t *l = lhs + mote__batch_offset(g->lhs_batch_stride, b0, b1, b2);
        const int8_t *r = rhs + mote__batch_offset(g->rhs_batch_stride, b0, b1, b2);
        for (m = 0; m < g->m; ++m) {
          const int8_t *lr = l + (ptrdiff_t)m * g->lhs_m;
          for (n = 0; n < g->n; ++n) {
            const int8_t *rc = r + (ptrdiff_t)n * g->rhs_n;
            int32_t acc = 0;
            int32_t v;
            for (k = 0; k < g->k; ++k) {
              acc += (lr[(ptrdiff_t)k * g->lhs_k] - p->lhs_zp) *
                     (rc[(ptrdiff_t)k * g->rhs_k] - p->rhs_zp);
            }
            v = mote__mbqm(acc, p->multiplier, p->shift) + p->out_zp;
            *out++ = (int8_t)mote__clamp_i32(v, p->act_min, p->act_max);
          }
        }
      }
    }
  }
  return MOTE_OK;
}
