/* float depthwise Conv2D: output channel oc = ic * depth_multiplier + m, weights [kh][kw][out.c].
 */
#include "../internal.h"

mote_status mote_depthwise_conv2d_f32(const mote_conv_f32_params *p, const float *in,
                                      const float *w, const float *bias, float *out) {
  int32_t dm, n, oy, ox;
  if (!mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                              p->dil_w) ||
      p->out.c % p->in.c != 0) {
    return MOTE_ERR_PARAM;
  }
  dm = p->out.c / p->in.c;
  for (n = 0; n < p->out.n; ++n) {
    const float *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky_lo, ky_hi;
      mote__tap_range(iy0, p->dil_h, p->kh, p->in.h, &ky_lo, &ky_hi);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx_lo, kx_hi, ic, m;
        float *o = out + (((size_t)n * p->out.h + oy) * p->out.w + ox) * p->out.c;
        mote__tap_range(ix0, p->dil_w, p->kw, p->in.w, &kx_lo, &kx_hi);
        for (ic = 0; ic < p->in.c; ++ic) {
          for (m = 0; m < dm; ++m) {
            const int32_t oc = ic * dm + m;
            float acc = bias != NULL ? bias[oc] : 0.0f;
            int32_t ky, kx;
            for (ky = ky_lo; ky < ky_hi; ++ky) {
              const int32_t iy = iy0 + ky * p->dil_h;
              const float *row = in_n + (size_t)iy * p->in.w * p->in.c + ic;
              const float *wrow = w + (size_t)ky * p->kw * p->out.c + oc;
              for (kx = kx_lo; kx < kx_hi; ++kx) {
                const int32_t ix = ix0 + kx * p->dil_w;
                acc += row[(size_t)ix * p->in.c] * wrow[(size_t)kx * p->out.c];
              }
            }
            o[oc] = mote__clamp_f32(acc, p->act_min, p->act_max);
          }
        }
      }
    }
  }
  return MOTE_OK;
}
