/* int8 Conv2D (grouped, dilated) via a per-pixel int16 im2col row of (in - in_zp), so the inner
 * loop is a contiguous dot product with one OHWI filter. In place, output row oy is held in a
 * ring of pad_top + 1 rows and written over input row oy once row oy + pad_top is done: no
 * later output row reads input rows at or above it. */
#include <string.h>

#include "../internal.h"

static int conv_s8_ok(const mote_conv_s8_params *p) {
  if (p->in_place &&
      (p->in.h != p->out.h || p->in.w != p->out.w || p->in.c != p->out.c || p->stride_h != 1 ||
       p->stride_w != 1 || p->pad_top < 0 || p->pad_top >= p->out.h)) {
    return 0;
  }
  return mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w,
                                p->dil_h, p->dil_w) &&
         p->groups > 0 && p->in.c % p->groups == 0 && p->out.c % p->groups == 0 &&
         p->multiplier != NULL && p->shift != NULL && p->in_zp >= -128 && p->in_zp <= 127 &&
         mote__act_s8_ok(p->act_min, p->act_max);
}

/* im2col bytes, rounded up to keep the ring that follows 4-byte aligned */
static size_t col_bytes(const mote_conv_s8_params *p) {
  const size_t n = (size_t)p->kh * (size_t)p->kw * (size_t)(p->in.c / p->groups) * sizeof(int16_t);
  return (n + 3u) & ~(size_t)3u;
}

size_t mote_conv2d_s8_scratch_bytes(const mote_conv_s8_params *p) {
  size_t ring = 0;
  if (p->groups <= 0 || p->kh <= 0 || p->kw <= 0 || p->in.c <= 0) {
    return 0;
  }
  if (p->in_place && p->pad_top >= 0) {
    ring = (size_t)(p->pad_top + 1) * (size_t)p->out.w * (size_t)p->out.c;
  }
  return col_bytes(p) + ring;
}

mote_status mote_conv2d_s8(const mote_conv_s8_params *p, const int8_t *in, const int8_t *w,
                           const int32_t *bias, int8_t *out, void *scratch) {
  int16_t *col = (int16_t *)scratch;
  int8_t *ring;
  const size_t row_bytes = (size_t)p->out.w * (size_t)p->out.c;
  const int32_t delay = p->pad_top; /* in place: rows that wait in the ring */
  int32_t cin_g, cout_g, k_len, n, oy, ox, g;
  if (!conv_s8_ok(p) || scratch == NULL) {
    return MOTE_ERR_PARAM;
  }
  ring = (int8_t *)scratch + col_bytes(p);
  cin_g = p->in.c / p->groups;
  cout_g = p->out.c / p->groups;
  k_len = p->kh * p->kw * cin_g;
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky_lo, ky_hi;
      mote__tap_range(iy0, p->dil_h, p->kh, p->in.h, &ky_lo, &ky_hi);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx_lo, kx_hi;
        int8_t *o = p->in_place ? ring + ((size_t)(oy % (delay + 1)) * p->out.w + ox) * p->out.c
                                : out + (((size_t)n * p->out.h + oy) * p->out.w + ox) * p->out.c;
        mote__tap_range(ix0, p->dil_w, p->kw, p->in.w, &kx_lo, &kx_hi);
        for (g = 0; g < p->groups; ++g) {
          int32_t ky, kx, ci, oc;
          /* padding taps contribute (in_zp - in_zp) = 0 */
          if (ky_lo > 0 || ky_hi < p->kh || kx_lo > 0 || kx_hi < p->kw) {
            memset(col, 0, (size_t)k_len * sizeof(int16_t));
          }
          for (ky = ky_lo; ky < ky_hi; ++ky) {
            const int32_t iy = iy0 + ky * p->dil_h;
            for (kx = kx_lo; kx < kx_hi; ++kx) {
              const int32_t ix = ix0 + kx * p->dil_w;
              const int8_t *src = in_n + ((size_t)iy * p->in.w + ix) * p->in.c + g * cin_g;
              int16_t *dst = col + (ky * p->kw + kx) * cin_g;
              for (ci = 0; ci < cin_g; ++ci) {
                dst[ci] = (int16_t)(src[ci] - p->in_zp);
              }
            }
          }
          for (oc = g * cout_g; oc < (g + 1) * cout_g; ++oc) {
            const int8_t *wf = w + (size_t)oc * k_len;
            int32_t acc = bias != NULL ? bias[oc] : 0;
            int32_t k;
            for (k = 0; k < k_len; ++k) {
              acc += (int32_t)col[k] * wf[k];
            }
            acc = mote__mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->out_zp;
            o[oc] = (int8_t)mote__clamp_i32(acc, p->act_min, p->act_max);
          }
        }
      }
      if (p->in_place && oy >= delay) {
        const int32_t done = oy - delay;
        memcpy(out + ((size_t)n * p->out.h + done) * row_bytes,
               ring + (size_t)(done % (delay + 1)) * row_bytes, row_bytes);
      }
    }
    if (p->in_place) {
      for (oy = p->out.h - delay; oy < p->out.h; ++oy) {
        memcpy(out + ((size_t)n * p->out.h + oy) * row_bytes,
               ring + (size_t)(oy % (delay + 1)) * row_bytes, row_bytes);
      }
    }
  }
  return MOTE_OK;
}
