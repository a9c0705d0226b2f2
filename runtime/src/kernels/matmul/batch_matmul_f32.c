/* float batch matmul over strided operands (mote_matmul_geom), clamped to the activation. */
#include "../internal.h"

mote_status mote_batch_matmul_f32(const mote_batch_matmul_f32_params *p, const float *lhs,
                                  const float *rhs, float *out) {
  const mote_matmul_geom *g = &p->g;
  int32_t b0, b1, b2, m, n, k;
  if (!mote__matmul_geom_ok(g)) {
    return MOTE_ERR_PARAM;
  }
  for (b0 = 0; b0 < g->batch[0]; ++b0) {
    for (b1 = 0; b1 < g->batch[1]; ++b1) {
      for (b2 = 0; b2 < g->batch[2]; ++b2) {
        const float *l = lhs + mote__batch_offset(g->lhs_batch_stride, b0, b1, b2);
        const float *r = rhs + mote__batch_offset(g->rhs_batch_stride, b0, b1, b2);
        for (m = 0; m < g->m; ++m) {
          const float *lr = l + (ptrdiff_t)m * g->lhs_m;
          for (n = 0; n < g->n; ++n) {
            const float *rc = r + (ptrdiff_t)n * g->rhs_n;
            float acc = 0.0f;
            for (k = 0; k < g->k; ++k) {
              acc += lr[(ptrdiff_t)k * g->lhs_k] * rc[(ptrdiff_t)k * g->rhs_k];
            }
            *out++ = mote__clamp_f32(acc, p->act_min, p->act_max);
          }
        }
      }
    }
  }
  return MOTE_OK;
}
