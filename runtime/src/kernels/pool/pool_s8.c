/* int8 max and average pooling over the window cells inside the input (padding never counts);
 * both keep the input's quantization. The average is TFLite's: the sum divided by the cell
 * count, rounded half away from zero. */
#include "../internal.h"

static mote_status pool_s8(const mote_pool_s8_params *p, const int8_t *in, int8_t *out, int average) {
  int32_t n, oy, ox, c;
  if (!mote__pool_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->pad_top,
                     p->pad_left) ||
      !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky_lo, ky_hi;
      mote__tap_range(iy0, 1, p->kh, p->in.h, &ky_lo, &ky_hi);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int8_t *o = out + (((size_t)n * p->out.h + oy) * p->out.w + ox) * p->out.c;
        int32_t kx_lo, kx_hi, count;
        mote__tap_range(ix0, 1, p->kw, p->in.w, &kx_lo, &kx_hi);
        count = (ky_hi - ky_lo) * (kx_hi - kx_lo);
        for (c = 0; c < p->out.c; ++c) {
          int32_t acc = average ? 0 : -128;
          int32_t ky, kx;
          for (ky = ky_lo; ky < ky_hi; ++ky) {
            const int8_t *row = in_n + ((size_t)(iy0 + ky) * p->in.w + (ix0 + kx_lo)) * p->in.c + c;
            for (kx = 0; kx < kx_hi - kx_lo; ++kx) {
              const int32_t v = row[(size_t)kx * p->in.c];
              if (average) {
                acc += v;
              } else {
                acc = v > acc ? v : acc;
              }
            }
          }
          if (average) {
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          }
          o[c] = (int8_t)mote__clamp_i32(acc, p->act_min, p->act_max);
        }
      }
    }
  }
  return MOTE_OK;
}

mote_status mote_maxpool_s8(const mote_pool_s8_params *p, const int8_t *in, int8_t *out) {
  return pool_s8(p, in, out, 0);
}

mote_status mote_avgpool_s8(const mote_pool_s8_params *p, const int8_t *in, int8_t *out) {
  return pool_s8(p, in, out, 1);
}
