/* int8 Conv2D (grouped, dilated; not in place) over encoded weights (mote/decode.h): output
 * channel by output channel, each OHWI filter decoded once into scratch (kh * kw * in.c/groups
 * bytes) and applied at every output pixel, so RAM holds one filter. */
#include "../internal.h"
#include "mote/decode.h"

size_t mote_conv2d_s8_enc_scratch_bytes(const mote_conv_s8_params *p) {
  if (p->groups <= 0 || p->kh <= 0 || p->kw <= 0 || p->in.c <= 0) return 0;
  return (size_t)p->kh * (size_t)p->kw * (size_t)(p->in.c / p->groups);
}

mote_status mote_conv2d_s8_enc(const mote_conv_s8_params *p, const int8_t *in, const mote_wenc *w,
                               const int32_t *bias, int8_t *out, void *scratch) {
  int8_t *f = (int8_t *)scratch;
  mote_wdec s;
  mote_status st;
  int32_t cin_g, cout_g, k_len, oc;
  if (p->in_place || p->groups <= 0 || p->in.c % p->groups != 0 || p->out.c % p->groups != 0 ||
      !mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                              p->dil_w) ||
      p->multiplier == NULL || p->shift == NULL || !mote__act_s8_ok(p->act_min, p->act_max) ||
      scratch == NULL) {
    return MOTE_ERR_PARAM;
  }
  cin_g = p->in.c / p->groups;
  cout_g = p->out.c / p->groups;
  k_len = p->kh * p->kw * cin_g;
  if (w->rows != p->out.c || w->row_len != k_len) return MOTE_ERR_PARAM;
  st = mote_wdec_start(w, &s);
  for (oc = 0; oc < p->out.c && st == MOTE_OK; ++oc) {
    const int32_t c0 = (oc / cout_g) * cin_g; /* the group's first input channel */
    int32_t n, oy, ox;
    st = mote_wdec_row(w, &s, f);
    if (st != MOTE_OK) break;
    for (n = 0; n < p->out.n; ++n) {
      const int8_t *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c + c0;
      for (oy = 0; oy < p->out.h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        int32_t ky_lo, ky_hi;
        mote__tap_range(iy0, p->dil_h, p->kh, p->in.h, &ky_lo, &ky_hi);
        for (ox = 0; ox < p->out.w; ++ox) {
          const int32_t ix0 = ox * p->stride_w - p->pad_left;
          int32_t kx_lo, kx_hi, ky, kx, ci, acc = bias != NULL ? bias[oc] : 0;
          mote__tap_range(ix0, p->dil_w, p->kw, p->in.w, &kx_lo, &kx_hi);
          /* padding taps contribute (in_zp - in_zp) = 0 */
          for (ky = ky_lo; ky < ky_hi; ++ky) {
            const int32_t iy = iy0 + ky * p->dil_h;
            for (kx = kx_lo; kx < kx_hi; ++kx) {
              const int8_t *x = in_n + ((size_t)iy * p->in.w + (ix0 + kx * p->dil_w)) * p->in.c;
              const int8_t *wf = f + (ky * p->kw + kx) * cin_g;
              for (ci = 0; ci < cin_g; ++ci) acc += (x[ci] - p->in_zp) * wf[ci];
            }
          }
          acc = mote__mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->out_zp;
          out[(((size_t)n * p->out.h + oy) * p->out.w + ox) * p->out.c + oc] =
              (int8_t)mote__clamp_i32(acc, p->act_min, p->act_max);
        }
      }
    }
  }
  return st;
}
