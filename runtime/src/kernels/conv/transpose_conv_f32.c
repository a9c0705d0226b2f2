/* float transpose convolution, gathered per output pixel like the int8 kernel; the output
 * pixel itself is the accumulator. */
#include "../internal.h"

mote_status mote_transpose_conv_f32(const mote_transpose_conv_f32_params *p, const float *in,
                                    const float *w, const float *bias, float *out) {
  const int32_t cin = p->in.c, cout = p->out.c;
  const size_t w_oc = (size_t)p->kh * (size_t)p->kw * (size_t)cin;
  int32_t n, oy, ox, ky, kx, oc, ci;
  if (!mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                              p->dil_w)) {
    return MOTE_ERR_PARAM;
  }
  for (n = 0; n < p->out.n; ++n) {
    const float *in_n = in + (size_t)n * p->in.h * p->in.w * cin;
    for (oy = 0; oy < p->out.h; ++oy) {
      for (ox = 0; ox < p->out.w; ++ox) {
        float *o = out + (((size_t)n * p->out.h + oy) * p->out.w + ox) * cout;
        for (oc = 0; oc < cout; ++oc) {
          o[oc] = 0.0f;
        }
        for (ky = 0; ky < p->kh; ++ky) {
          const int32_t iy = mote__tconv_src(oy, ky, p->pad_top, p->stride_h, p->dil_h, p->in.h);
          if (iy < 0) {
            continue;
          }
          for (kx = 0; kx < p->kw; ++kx) {
            const int32_t ix = mote__tconv_src(ox, kx, p->pad_left, p->stride_w, p->dil_w, p->in.w);
            const float *src;
            const float *wt;
            if (ix < 0) {
              continue;
            }
            src = in_n + ((size_t)iy * p->in.w + ix) * cin;
            wt = w + ((size_t)ky * p->kw + kx) * cin;
            for (oc = 0; oc < cout; ++oc) {
              const float *wf = wt + (size_t)oc * w_oc;
              float s = 0.0f;
              for (ci = 0; ci < cin; ++ci) {
                s += src[ci] * wf[ci];
              }
              o[oc] += s;
            }
          }
        }
        for (oc = 0; oc < cout; ++oc) {
          const float v = o[oc] + (bias != NULL ? bias[oc] : 0.0f);
          o[oc] = mote__clamp_f32(v, p->act_min, p->act_max);
        }
      }
    }
  }
  return MOTE_OK;
}
