/* float Conv2D (grouped, dilated), weights OHWI [out.c][kh][kw][in.c/groups]. */
#include "../internal.h"

mote_status mote_conv2d_f32(const mote_conv_f32_params *p, const float *in, const float *w,
                            const float *bias, float *out) {
  int32_t cin_g, cout_g, n, oy, ox;
  if (!mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                              p->dil_w) ||
      p->groups <= 0 || p->in.c % p->groups != 0 || p->out.c % p->groups != 0) {
    return MOTE_ERR_PARAM;
  }
  cin_g = p->in.c / p->groups;
  cout_g = p->out.c / p->groups;
  for (n = 0; n < p->out.n; ++n) {
    const float *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky_lo, ky_hi;
      mote__tap_range(iy0, p->dil_h, p->kh, p->in.h, &ky_lo, &ky_hi);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx_lo, kx_hi, oc;
        float *o = out + (((size_t)n * p->out.h + oy) * p->out.w + ox) * p->out.c;
        const float *in_g = in_n;
        int32_t g_end = cout_g;
        mote__tap_range(ix0, p->dil_w, p->kw, p->in.w, &kx_lo, &kx_hi);
        for (oc = 0; oc < p->out.c; ++oc) {
          if (oc == g_end) { /* next group */
            in_g += cin_g;
            g_end += cout_g;
          }
          const float *wf = w + (size_t)oc * p->kh * p->kw * cin_g;
          float acc = bias != NULL ? bias[oc] : 0.0f;
          int32_t ky, kx, ci;
          for (ky = ky_lo; ky < ky_hi; ++ky) {
            const int32_t iy = iy0 + ky * p->dil_h;
            for (kx = kx_lo; kx < kx_hi; ++kx) {
              const int32_t ix = ix0 + kx * p->dil_w;
              const float *src = in_g + ((size_t)iy * p->in.w + ix) * p->in.c;
              const float *wk = wf + (ky * p->kw + kx) * cin_g;
              for (ci = 0; ci < cin_g; ++ci) {
                acc += src[ci] * wk[ci];
              }
            }
          }
          o[oc] = mote__clamp_f32(acc, p->act_min, p->act_max);
        }
      }
    }
  }
  return MOTE_OK;
}
