/* 16x8 transpose convolution (TFLM's int16 TransposeConv with an int64 bias). Each output
 * element gathers the taps that reach it (oy = iy * stride - pad + ky * dil inverted) into one
 * int64 sum, so no scratch is needed; integer sums do not depend on order, so this equals
 * TFLM's whole-output scatter. */
#include "../internal.h"

mote_status mote_transpose_conv_s16(const mote_transpose_conv_s8_params *p, const int16_t *in,
                                    const int8_t *w, const int64_t *bias, int16_t *out) {
  const int32_t cin = p->in.c, cout = p->out.c;
  const size_t w_oc = (size_t)p->kh * (size_t)p->kw * (size_t)cin; /* one filter */
  int32_t n, oy, ox, ky, kx, oc, ci;
  if (!mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                              p->dil_w) ||
      p->in_zp != 0 || p->out_zp != 0 || !mote__act_s16_ok(p->act_min, p->act_max) ||
      !mote__requant16_ok(p->multiplier, p->shift, cout)) {
    return MOTE_ERR_PARAM;
  }
  for (n = 0; n < p->out.n; ++n) {
    const int16_t *in_n = in + (size_t)n * (size_t)p->in.h * (size_t)p->in.w * (size_t)cin;
    for (oy = 0; oy < p->out.h; ++oy) {
      for (ox = 0; ox < p->out.w; ++ox) {
        int16_t *o = out + (((size_t)n * (size_t)p->out.h + (size_t)oy) * (size_t)p->out.w +
                            (size_t)ox) * (size_t)cout;
        for (oc = 0; oc < cout; ++oc) {
          int64_t acc = bias != NULL ? bias[oc] : 0;
          for (ky = 0; ky < p->kh; ++ky) {
            const int32_t iy = mote__tconv_src(oy, ky, p->pad_top, p->stride_h, p->dil_h, p->in.h);
            if (iy < 0) {
              continue;
            }
            for (kx = 0; kx < p->kw; ++kx) {
              const int32_t ix =
                  mote__tconv_src(ox, kx, p->pad_left, p->stride_w, p->dil_w, p->in.w);
              const int16_t *src;
              const int8_t *wt;
              if (ix < 0) {
                continue;
              }
              src = in_n + ((size_t)iy * (size_t)p->in.w + (size_t)ix) * (size_t)cin;
              wt = w + (size_t)oc * w_oc + ((size_t)ky * (size_t)p->kw + (size_t)kx) * (size_t)cin;
              for (ci = 0; ci < cin; ++ci) {
                acc += (int32_t)src[ci] * wt[ci];
              }
            }
          }
          o[oc] = (int16_t)mote__clamp_i64(mote__mbqm64(acc, p->multiplier[oc], p->shift[oc]),
                                           p->act_min, p->act_max);
        }
      }
    }
  }
  return MOTE_OK;
}
