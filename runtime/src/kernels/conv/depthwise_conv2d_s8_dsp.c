/* int8 depthwise Conv2D (depth multiplier 1) on the DSP extension: 4 channels at a time, one
 * word of input and one of weights per tap, split by SXTAB16 / SXTB16 into the channel pairs
 * (0, 2) and (1, 3) and accumulated by SMLABB / SMLATT. (in - in_zp) comes out of SXTAB16, so
 * padding taps are skipped as in the portable kernel. */
#include "../dsp_internal.h"

size_t mote_depthwise_conv2d_s8_dsp_scratch_bytes(const mote_conv_s8_dsp_params *p) {
  return mote__ring_bytes(p, 0);
}

/* The first `nch` (<= 4) bytes at p, the rest zero: a tail block must not read past the
 * tensor. */
static inline uint32_t ld_channels(const int8_t *p, int32_t nch) {
  uint32_t v = 0;
  int32_t i;
  if (nch == 4) {
    return mote_ld32(p);
  }
  for (i = 0; i < nch; ++i) {
    v |= (uint32_t)(uint8_t)p[i] << (8 * i);
  }
  return v;
}

/* Channels c..c+nch-1 of one output pixel: taps [ky_lo, ky_hi) x [kx_lo, kx_hi) from input
 * row iy0 + ky * dil_h, column ix0 + kx * dil_w. */
static inline void block(const mote_conv_s8_dsp_params *p, const int8_t *in_n, const int8_t *wb,
                         const int32_t *chan, int32_t c, int32_t nch, int32_t iy0, int32_t ix0,
                         const int32_t *kr, int8_t *o) {
  const uint32_t neg_zp2 = ((uint32_t)(-p->in_zp) & 0xFFFFu) * 0x10001u;
  const size_t step = (size_t)p->dil_w * (size_t)p->in.c;
  const int full = p->act_min == -128 && p->act_max == 127;
  int32_t acc[4] = {0, 0, 0, 0};
  int32_t ky, kx, j;
  for (j = 0; j < nch; ++j) {
    acc[j] = chan[4 * (c + j)];
  }
  for (ky = kr[0]; ky < kr[1] && kr[2] < kr[3]; ++ky) {
    const int8_t *x = in_n + ((size_t)(iy0 + ky * p->dil_h) * p->in.w +
                              (size_t)(ix0 + kr[2] * p->dil_w)) * p->in.c + c;
    const int8_t *wk = wb + (ky * p->kw + kr[2]) * 4;
    for (kx = 0; kx < kr[3] - kr[2]; ++kx) {
      const uint32_t xv = ld_channels(x + (size_t)kx * step, nch), wv = mote_ld32(wk + 4 * kx);
      const uint32_t xe = mote_sxtab16(neg_zp2, xv), xo = mote_sxtab16_ror8(neg_zp2, xv);
      const uint32_t we = mote_sxtb16(wv), wo = mote_sxtb16_ror8(wv);
      acc[0] = mote_smlabb(xe, we, acc[0]);
      acc[2] = mote_smlatt(xe, we, acc[2]);
      acc[1] = mote_smlabb(xo, wo, acc[1]);
      acc[3] = mote_smlatt(xo, wo, acc[3]);
    }
  }
  for (j = 0; j < nch; ++j) {
    o[c + j] = mote__dsp_clamp(mote__dsp_requant(acc[j], chan + 4 * (c + j)), full,
                               p->act_min, p->act_max);
  }
}

mote_status mote_depthwise_conv2d_s8_dsp(const mote_conv_s8_dsp_params *p, const int8_t *in,
                                         const int8_t *w, const int32_t *chan, int8_t *out,
                                         void *scratch) {
  int8_t *ring = (int8_t *)scratch;
  const int32_t taps = p->kh * p->kw;
  int32_t n, oy, ox, c;
  if (!mote__conv_dsp_ok(p, chan, p->out.c) || p->out.c != p->in.c || (p->in_place && scratch == NULL)) {
    return MOTE_ERR_PARAM;
  }
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    int32_t flushed = 0;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t kr[4];
      mote__tap_range(iy0, p->dil_h, p->kh, p->in.h, &kr[0], &kr[1]);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int8_t *o = mote__ring_pixel(p, 0, ring, out, n, oy * p->out.w + ox);
        mote__tap_range(ix0, p->dil_w, p->kw, p->in.w, &kr[2], &kr[3]);
        for (c = 0; c + 4 <= p->out.c; c += 4) {
          block(p, in_n, w + (size_t)c * taps, chan, c, 4, iy0, ix0, kr, o);
        }
        if (c < p->out.c) {
          block(p, in_n, w + (size_t)c * taps, chan, c, p->out.c - c, iy0, ix0, kr, o);
        }
      }
      mote__ring_advance(p, 0, ring, out, n, &flushed, (oy + 1) * p->out.w);
    }
  }
  return MOTE_OK;
}
