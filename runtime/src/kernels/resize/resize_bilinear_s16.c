/* int16 bilinear resize, TFLite's ResizeBilinearInteger on int16 (zero point 0): the int8
 * kernel's tables (weights in 1/1024, within [-512, 1536]); the four products need 64 bits
 * (|v| * 1536^2 > 2^31), their sum is divided by 2^20 rounding half away from zero. */
#include "../internal.h"

mote_status mote_resize_bilinear_s16(const mote_resize_bilinear_s8_params *p, const int16_t *in,
                                     int16_t *out) {
  const int32_t c_n = p->in.c;
  const size_t row = (size_t)p->in.w * (size_t)c_n;
  int32_t n, y, x, c;
  if (!mote__resize_bilinear_ok(p)) return MOTE_ERR_PARAM;
  for (n = 0; n < p->out.n; ++n) {
    const int16_t *in_n = in + (size_t)n * (size_t)p->in.h * row;
    for (y = 0; y < p->out.h; ++y) {
      const int16_t *r0 = in_n + (size_t)p->y_lo[y] * row;
      const int16_t *r1 = in_n + (size_t)p->y_hi[y] * row;
      const int32_t wy1 = p->y_frac[y], wy0 = 1024 - wy1;
      for (x = 0; x < p->out.w; ++x) {
        const size_t c0 = (size_t)p->x_lo[x] * (size_t)c_n;
        const size_t c1 = (size_t)p->x_hi[x] * (size_t)c_n;
        const int32_t wx1 = p->x_frac[x], wx0 = 1024 - wx1;
        const int64_t w00 = (int64_t)wy0 * wx0, w10 = (int64_t)wy1 * wx0;
        const int64_t w01 = (int64_t)wy0 * wx1, w11 = (int64_t)wy1 * wx1;
        for (c = 0; c < c_n; ++c) {
          const int64_t v = r0[c0 + c] * w00 + r1[c0 + c] * w10 + r0[c1 + c] * w01 +
                            r1[c1 + c] * w11;
          const int64_t r = v >= 0 ? (v + (1 << 19)) >> 20 : -((-v + (1 << 19)) >> 20);
          *out++ = (int16_t)r;
        }
      }
    }
  }
  return MOTE_OK;
}
