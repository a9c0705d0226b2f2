/* int8 average pooling on the DSP extension, mote_avgpool_s8's results: 4 channels at a time,
 * each window cell one word of input added by two SXTAB16 into 16-bit sums of the channel pairs
 * (0, 2) and (1, 3). The sums are exact because a window holds at most 256 cells (checked):
 * 256 * -128 and 256 * 127 fit 16 bits. */
#include "../dsp_internal.h"

/* The rounded average of `count` cells summing to acc, clamped (TFLite's rounding). */
static inline int8_t average(int32_t acc, int32_t count, int32_t lo, int32_t hi) {
  acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
  return (int8_t)mote__clamp_i32(acc, lo, hi);
}

mote_status mote_avgpool_s8_dsp(const mote_pool_s8_params *p, const int8_t *in, int8_t *out) {
  const size_t row = (size_t)p->in.w * (size_t)p->in.c;
  int32_t n, oy, ox, c;
  if (!mote__pool_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->pad_top,
                     p->pad_left) ||
      !mote__act_s8_ok(p->act_min, p->act_max) || p->kh * p->kw > 256) {
    return MOTE_ERR_PARAM;
  }
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * p->in.h * row;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky_lo, ky_hi;
      mote__tap_range(iy0, 1, p->kh, p->in.h, &ky_lo, &ky_hi);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int8_t *o = out + (((size_t)n * p->out.h + oy) * p->out.w + ox) * p->out.c;
        int32_t kx_lo, kx_hi, count, ky, kx;
        const int8_t *first;
        mote__tap_range(ix0, 1, p->kw, p->in.w, &kx_lo, &kx_hi);
        count = (ky_hi - ky_lo) * (kx_hi - kx_lo);
        first = in_n + (size_t)(iy0 + ky_lo) * row + (size_t)(ix0 + kx_lo) * p->in.c;
        for (c = 0; c + 4 <= p->out.c; c += 4) {
          uint32_t even = 0, odd = 0; /* 16-bit sums of channels c, c+2 and c+1, c+3 */
          int8_t v[4];
          for (ky = 0; ky < ky_hi - ky_lo; ++ky) {
            const int8_t *x = first + (size_t)ky * row + c;
            for (kx = 0; kx < kx_hi - kx_lo; ++kx) {
              const uint32_t w = mote_ld32(x);
              even = mote_sxtab16(even, w);
              odd = mote_sxtab16_ror8(odd, w);
              x += p->in.c;
            }
          }
          v[0] = average((int16_t)(even & 0xFFFFu), count, p->act_min, p->act_max);
          v[1] = average((int16_t)(odd & 0xFFFFu), count, p->act_min, p->act_max);
          v[2] = average((int16_t)(even >> 16), count, p->act_min, p->act_max);
          v[3] = average((int16_t)(odd >> 16), count, p->act_min, p->act_max);
          memcpy(o + c, v, 4);
        }
        for (; c < p->out.c; ++c) { /* the last channels one at a time */
          int32_t acc = 0;
          for (ky = 0; ky < ky_hi - ky_lo; ++ky) {
            for (kx = 0; kx < kx_hi - kx_lo; ++kx) {
              acc += first[(size_t)ky * row + (size_t)kx * p->in.c + c];
            }
          }
          o[c] = average(acc, count, p->act_min, p->act_max);
        }
      }
    }
  }
  return MOTE_OK;
}
