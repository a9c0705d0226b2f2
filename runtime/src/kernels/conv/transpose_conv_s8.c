/* int8 transpose convolution, one output pixel at a time: the taps that reach it are found by
 * inverting oy = iy * stride - pad + ky * dil, and their products summed in out.c int32
 * accumulators (scratch). Integer sums do not depend on order, so this equals TFLM's
 * whole-output scatter bit for bit. */
#include "../internal.h"

static int tconv_s8_ok(const mote_transpose_conv_s8_params *p) {
  return mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                                p->dil_w) &&
         p->multiplier != NULL && p->shift != NULL && p->in_zp >= -128 && p->in_zp <= 127 &&
         mote__act_s8_ok(p->act_min, p->act_max);
}

size_t mote_transpose_conv_s8_scratch_bytes(const mote_transpose_conv_s8_params *p) {
  return p->out.c > 0 ? (size_t)p->out.c * sizeof(int32_t) : 0;
}

mote_status mote_transpose_conv_s8(const mote_transpose_conv_s8_params *p, const int8_t *in,
                                   const int8_t *w, const int32_t *bias, int8_t *out,
                                   void *scratch) {
  int32_t *acc = (int32_t *)scratch;
  const int32_t cin = p->in.c, cout = p->out.c;
  const size_t w_oc = (size_t)p->kh * (size_t)p->kw * (size_t)cin; /* one filter */
  int32_t n, oy, ox, ky, kx, oc, ci;
  if (!tconv_s8_ok(p) || scratch == NULL) {
    return MOTE_ERR_PARAM;
  }
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * p->in.h * p->in.w * cin;
    for (oy = 0; oy < p->out.h; ++oy) {
      for (ox = 0; ox < p->out.w; ++ox) {
        int8_t *o = out + (((size_t)n * p->out.h + oy) * p->out.w + ox) * cout;
        for (oc = 0; oc < cout; ++oc) {
          acc[oc] = 0;
        }
        for (ky = 0; ky < p->kh; ++ky) {
          const int32_t iy = mote__tconv_src(oy, ky, p->pad_top, p->stride_h, p->dil_h, p->in.h);
          if (iy < 0) {
            continue;
          }
          for (kx = 0; kx < p->kw; ++kx) {
            const int32_t ix = mote__tconv_src(ox, kx, p->pad_left, p->stride_w, p->dil_w, p->in.w);
            const int8_t *src;
            const int8_t *wt;
            if (ix < 0) {
              continue;
            }
            src = in_n + ((size_t)iy * p->in.w + ix) * cin;
            wt = w + ((size_t)ky * p->kw + kx) * cin;
            for (oc = 0; oc < cout; ++oc) {
              const int8_t *wf = wt + (size_t)oc * w_oc;
              int32_t s = 0;
              for (ci = 0; ci < cin; ++ci) {
                s += (src[ci] - p->in_zp) * wf[ci];
              }
              acc[oc] += s;
            }
          }
        }
        for (oc = 0; oc < cout; ++oc) {
          int32_t v = acc[oc] + (bias != NULL ? bias[oc] : 0);
          v = mote__mbqm(v, p->multiplier[oc], p->shift[oc]) + p->out_zp;
          o[oc] = (int8_t)mote__clamp_i32(v, p->act_min, p->act_max);
        }
      }
    }
  }
  return MOTE_OK;
}
