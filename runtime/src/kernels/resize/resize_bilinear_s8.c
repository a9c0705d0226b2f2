/* int8 bilinear resize, TFLM's ResizeBilinearInteger: weights in 1/1024 from the compiler's
 * per-axis tables, the four products summed (|sum| < 2^31 for int8 inputs and TFLM's weights,
 * which stay within [-512, 1536]) and divided by 2^20 rounding half away from zero. */
#include "../internal.h"

/* v / 2^20 rounded half away from zero (TFLM: (v +- 2^19) / 2^20, truncating division) */
static int32_t round_shift20(int32_t v) {
  return v >= 0 ? (v + (1 << 19)) >> 20 : -((-v + (1 << 19)) >> 20);
}

mote_status mote_resize_bilinear_s8(const mote_resize_bilinear_s8_params *p, const int8_t *in,
                                    int8_t *out) {
  const int32_t c_n = p->in.c;
  const size_t row = (size_t)p->in.w * (size_t)c_n;
  int32_t n, y, x, c;
  if (!mote__resize_bilinear_ok(p)) return MOTE_ERR_PARAM;
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * (size_t)p->in.h * row;
    for (y = 0; y < p->out.h; ++y) {
      const int8_t *r0 = in_n + (size_t)p->y_lo[y] * row;
      const int8_t *r1 = in_n + (size_t)p->y_hi[y] * row;
      const int32_t wy1 = p->y_frac[y], wy0 = 1024 - wy1;
      for (x = 0; x < p->out.w; ++x) {
        const size_t c0 = (size_t)p->x_lo[x] * (size_t)c_n;
        const size_t c1 = (size_t)p->x_hi[x] * (size_t)c_n;
        const int32_t wx1 = p->x_frac[x], wx0 = 1024 - wx1;
        /* products of two weights fit int32: |w| <= 1536 */
        const int32_t w00 = wy0 * wx0, w10 = wy1 * wx0, w01 = wy0 * wx1, w11 = wy1 * wx1;
        for (c = 0; c < c_n; ++c) {
          const int32_t v =
              r0[c0 + c] * w00 + r1[c0 + c] * w10 + r0[c1 + c] * w01 + r1[c1 + c] * w11;
          *out++ = (int8_t)round_shift20(v);
        }
      }
    }
  }
  return MOTE_OK;
}
