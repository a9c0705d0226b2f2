/* float max and average pooling over the window cells inside the input (padding never counts). */
#include "../internal.h"

static mote_status pool_f32(const mote_pool_f32_params *p, const float *in, float *out, int average) {
  int32_t n, oy, ox, c;
  if (!mote__pool_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->pad_top,
                     p->pad_left)) {
    return MOTE_ERR_PARAM;
  }
  for (n = 0; n < p->out.n; ++n) {
    const float *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky_lo, ky_hi;
      mote__tap_range(iy0, 1, p->kh, p->in.h, &ky_lo, &ky_hi);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        float *o = out + (((size_t)n * p->out.h + oy) * p->out.w + ox) * p->out.c;
        int32_t kx_lo, kx_hi;
        float inv_count;
        mote__tap_range(ix0, 1, p->kw, p->in.w, &kx_lo, &kx_hi);
        inv_count = 1.0f / (float)((ky_hi - ky_lo) * (kx_hi - kx_lo));
        for (c = 0; c < p->out.c; ++c) {
          /* max starts from the first cell inside the input: no infinity constant needed */
          float acc = average ? 0.0f : in_n[((size_t)(iy0 + ky_lo) * p->in.w + ix0 + kx_lo) * p->in.c + c];
          int32_t ky, kx;
          for (ky = ky_lo; ky < ky_hi; ++ky) {
            const float *row = in_n + ((size_t)(iy0 + ky) * p->in.w + (ix0 + kx_lo)) * p->in.c + c;
            for (kx = 0; kx < kx_hi - kx_lo; ++kx) {
              const float v = row[(size_t)kx * p->in.c];
              if (average) {
                acc += v;
              } else {
                acc = v > acc ? v : acc;
              }
            }
          }
          o[c] = mote__clamp_f32(average ? acc * inv_count : acc, p->act_min, p->act_max);
        }
      }
    }
  }
  return MOTE_OK;
}

mote_status mote_maxpool_f32(const mote_pool_f32_params *p, const float *in, float *out) {
  return pool_f32(p, in, out, 0);
}

mote_status mote_avgpool_f32(const mote_pool_f32_params *p, const float *in, float *out) {
  return pool_f32(p, in, out, 1);
}
