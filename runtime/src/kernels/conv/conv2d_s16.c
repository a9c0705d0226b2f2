/* 16x8 Conv2D (TFLM's int16 ConvPerChannel with an int64 bias): int16 input and output with
 * zero point 0, int8 OHWI weights, one int64 sum per output element. Grouped convs read their
 * group's slice of the input channels. */
#include "../internal.h"

mote_status mote_conv2d_s16(const mote_conv_s8_params *p, const int16_t *in, const int8_t *w,
                            const int64_t *bias, int16_t *out) {
  int32_t n, oy, ox, oc, ky, kx, ci, cin_g, cout_g;
  if (!mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                              p->dil_w) ||
      p->groups <= 0 || p->in.c % p->groups != 0 || p->out.c % p->groups != 0 || p->in_zp != 0 ||
      p->out_zp != 0 || p->in_place != 0 || !mote__act_s16_ok(p->act_min, p->act_max) ||
      !mote__requant16_ok(p->multiplier, p->shift, p->out.c)) {
    return MOTE_ERR_PARAM;
  }
  cin_g = p->in.c / p->groups;
  cout_g = p->out.c / p->groups;
  for (n = 0; n < p->out.n; ++n) {
    const int16_t *in_n = in + (size_t)n * (size_t)p->in.h * (size_t)p->in.w * (size_t)p->in.c;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      int32_t ky_lo, ky_hi;
      mote__tap_range(y0, p->dil_h, p->kh, p->in.h, &ky_lo, &ky_hi);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t x0 = ox * p->stride_w - p->pad_left;
        int32_t kx_lo, kx_hi;
        int16_t *o = out + (((size_t)n * (size_t)p->out.h + (size_t)oy) * (size_t)p->out.w +
                            (size_t)ox) * (size_t)p->out.c;
        mote__tap_range(x0, p->dil_w, p->kw, p->in.w, &kx_lo, &kx_hi);
        for (oc = 0; oc < p->out.c; ++oc) {
          const int8_t *wf = w + (size_t)oc * (size_t)p->kh * (size_t)p->kw * (size_t)cin_g;
          const size_t first = (size_t)(oc / cout_g) * (size_t)cin_g;
          int64_t acc = 0;
          for (ky = ky_lo; ky < ky_hi; ++ky) {
            const size_t row = (size_t)(y0 + ky * p->dil_h) * (size_t)p->in.w;
            for (kx = kx_lo; kx < kx_hi; ++kx) {
              const int16_t *src =
                  in_n + (row + (size_t)(x0 + kx * p->dil_w)) * (size_t)p->in.c + first;
              const int8_t *wt = wf + ((size_t)ky * (size_t)p->kw + (size_t)kx) * (size_t)cin_g;
              for (ci = 0; ci < cin_g; ++ci) {
                acc += (int32_t)src[ci] * wt[ci];
              }
            }
          }
          if (bias != NULL) {
            acc += bias[oc];
          }
          o[oc] = (int16_t)mote__clamp_i64(mote__mbqm64(acc, p->multiplier[oc], p->shift[oc]),
                                           p->act_min, p->act_max);
        }
      }
    }
  }
  return MOTE_OK;
}
