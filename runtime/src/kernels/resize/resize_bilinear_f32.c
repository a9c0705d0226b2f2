/* float bilinear resize with TFLite's reference formula: per axis the two source indices and
 * the fraction from the compiler's tables, the four corner terms summed in TFLite's order. */
#include "../internal.h"

mote_status mote_resize_bilinear_f32(const mote_resize_bilinear_f32_params *p, const float *in,
                                     float *out) {
  const int32_t c_n = p->in.c;
  const size_t row = (size_t)p->in.w * (size_t)c_n;
  int32_t n, y, x, c;
  if (!mote__dims_ok(&p->in) || !mote__dims_ok(&p->out) || p->in.n != p->out.n ||
      p->in.c != p->out.c || !mote__index_table_ok(p->y_lo, p->out.h, p->in.h) ||
      !mote__index_table_ok(p->y_hi, p->out.h, p->in.h) || p->y_frac == NULL ||
      !mote__index_table_ok(p->x_lo, p->out.w, p->in.w) ||
      !mote__index_table_ok(p->x_hi, p->out.w, p->in.w) || p->x_frac == NULL) {
    return MOTE_ERR_PARAM;
  }
  for (n = 0; n < p->out.n; ++n) {
    const float *in_n = in + (size_t)n * (size_t)p->in.h * row;
    for (y = 0; y < p->out.h; ++y) {
      const float *r0 = in_n + (size_t)p->y_lo[y] * row;
      const float *r1 = in_n + (size_t)p->y_hi[y] * row;
      const float dy = p->y_frac[y];
      for (x = 0; x < p->out.w; ++x) {
        const float *a0 = r0 + (size_t)p->x_lo[x] * (size_t)c_n;
        const float *a1 = r0 + (size_t)p->x_hi[x] * (size_t)c_n;
        const float *b0 = r1 + (size_t)p->x_lo[x] * (size_t)c_n;
        const float *b1 = r1 + (size_t)p->x_hi[x] * (size_t)c_n;
        const float dx = p->x_frac[x];
        for (c = 0; c < c_n; ++c) {
          *out++ = a0[c] * (1 - dy) * (1 - dx) + b0[c] * dy * (1 - dx) + a1[c] * (1 - dy) * dx +
                   b1[c] * dy * dx;
        }
      }
    }
  }
  return MOTE_OK;
}
