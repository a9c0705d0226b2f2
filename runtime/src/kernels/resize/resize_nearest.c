/* Nearest-neighbour resize of NHWC elements of any size: one channel vector copied per output
 * pixel from the source pixel the compiler's index tables name. */
#include <string.h>

#include "../internal.h"

mote_status mote_resize_nearest(const mote_resize_nearest_params *p, const void *in, void *out) {
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  const size_t pixel = (size_t)p->in.c * (size_t)p->elem_size;
  int32_t n, y, x;
  if (!mote__dims_ok(&p->in) || !mote__dims_ok(&p->out) || p->in.n != p->out.n ||
      p->in.c != p->out.c || p->elem_size <= 0 ||
      !mote__index_table_ok(p->y_src, p->out.h, p->in.h) ||
      !mote__index_table_ok(p->x_src, p->out.w, p->in.w)) {
    return MOTE_ERR_PARAM;
  }
  for (n = 0; n < p->out.n; ++n) {
    const uint8_t *src_n = src + (size_t)n * (size_t)p->in.h * (size_t)p->in.w * pixel;
    for (y = 0; y < p->out.h; ++y) {
      const uint8_t *row = src_n + (size_t)p->y_src[y] * (size_t)p->in.w * pixel;
      for (x = 0; x < p->out.w; ++x) {
        memcpy(dst, row + (size_t)p->x_src[x] * pixel, pixel);
        dst += pixel;
      }
    }
  }
  return MOTE_OK;
}
