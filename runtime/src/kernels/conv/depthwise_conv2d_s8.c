/* int8 depthwise Conv2D: output channel oc = ic * depth_multiplier + m, weights [kh][kw][out.c]. */
#include "../internal.h"

mote_status mote_depthwise_conv2d_s8(const mote_conv_s8_params *p, const int8_t *in,
                                     const int8_t *w, const int32_t *bias, int8_t *out) {
  int32_t dm, n, oy, ox;
  if (!mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                              p->dil_w) ||
      p->out.c % p->in.c != 0 || p->multiplier == NULL || p->shift == NULL ||
      !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  dm = p->out.c / p->in.c;
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky_lo, ky_hi;
      mote__tap_range(iy0, p->dil_h, p->kh, p->in.h, &ky_lo, &ky_hi);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx_lo, kx_hi, ic, m;
        int8_t *o = out + (((size_t)n * p->out.h + oy) * p->out.w + ox) * p->out.c;
        mote__tap_range(ix0, p->dil_w, p->kw, p->in.w, &kx_lo, &kx_hi);
        for (ic = 0; ic < p->in.c; ++ic) {
          for (m = 0; m < dm; ++m) {
            const int32_t oc = ic * dm + m;
            int32_t acc = bias != NULL ? bias[oc] : 0;
            int32_t ky, kx;
            for (ky = ky_lo; ky < ky_hi; ++ky) {
              const int32_t iy = iy0 + ky * p->dil_h;
              const int8_t *row = in_n + (size_t)iy * p->in.w * p->in.c + ic;
              const int8_t *wrow = w + (size_t)ky * p->kw * p->out.c + oc;
              for (kx = kx_lo; kx < kx_hi; ++kx) {
                const int32_t ix = ix0 + kx * p->dil_w;
                acc += (row[(size_t)ix * p->in.c] - p->in_zp) * wrow[(size_t)kx * p->out.c];
              }
            }
            acc = mote__mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->out_zp;
            o[oc] = (int8_t)mote__clamp_i32(acc, p->act_min, p->act_max);
          }
        }
      }
    }
  }
  return MOTE_OK;
}
