/* int8 depthwise 3x3 Conv2D, stride 1, depth multiplier 1, on the DSP extension, channel by
 * channel (the order of MIT TinyEngine's in-place depthwise): one channel's input is gathered
 * into a plane in scratch whose padding cells hold in_zp, then each output pixel pair takes one
 * word per plane row, (p0 p1 p2 p3), split by SXTB16 into (p0, p2) and (p1, p3): SMLAD with the
 * row's (w0, w2) gives both pixels' outer taps, one halfword MAC each the middle tap. The
 * compiler doubles the weights and folds -in_zp * sum w into the (doubled) bias, so the sums
 * are 2 * acc as the requantization takes it. A channel is written only once its plane is
 * gathered: the output may be the input (in place). */
#include "../dsp_internal.h"

/* Plane row length: out.w + 2 columns and, for an odd out.w, the one the last pair's unused
 * pixel reads, rounded up to words. */
static int32_t plane_w(const mote_conv_s8_dsp_params *p) { return (p->out.w + 5) & ~3; }

size_t mote_depthwise_conv2d_3x3_s8_dsp_scratch_bytes(const mote_conv_s8_dsp_params *p) {
  return (size_t)plane_w(p) * (size_t)(p->out.h + 2);
}

/* Channel c of the input (src = in + c) into the plane's cells that hold input; the rest keep
 * in_zp. Plane cell (r, q) is input (r - pad_top, q - pad_left). */
static void gather(const mote_conv_s8_dsp_params *p, const int8_t *src, int8_t *plane, int32_t pw) {
  const size_t c = (size_t)p->in.c;
  const int32_t rows = mote__clamp_i32(p->out.h + 2 - p->pad_top, 0, p->in.h);
  const int32_t cols = mote__clamp_i32(pw - p->pad_left, 0, p->in.w);
  int32_t y, x;
  for (y = 0; y < rows; ++y) {
    const int8_t *s = src + (size_t)y * p->in.w * c;
    int8_t *d = plane + (size_t)(y + p->pad_top) * pw + p->pad_left;
    for (x = 0; x + 4 <= cols; x += 4) {
      d[0] = s[0];
      d[1] = s[c];
      d[2] = s[2 * c];
      d[3] = s[3 * c];
      s += 4 * c;
      d += 4;
    }
    for (; x < cols; ++x) {
      *d++ = *s;
      s += c;
    }
  }
}

/* One output row of a channel: n pixel pairs from plane rows x, x + pw, x + 2 pw, each pair's
 * two int8 results (saturated, not yet clamped) written over the pair's first two cells of row
 * x, which no later pair of the row reads. w: the channel's (w00, w02), (w10, w12), (w20, w22),
 * (w01, w11); k: {2 * bias, multiplier, e, round, (w21, 0)}. */
#if MOTE_DSP_ASM
/* 13 registers: x, pw, n, k, 4 weight words, 2 sums, 3 temporaries; k's words are reloaded
 * where no register is left for them. */
static void row_pairs(int8_t *x, int32_t pw, int32_t n, const uint32_t *w, const int32_t *k) {
  int32_t a0, a1;
  uint32_t e, o, t;
  __asm__ volatile(
      "1:\n\t"
      "ldr %[o], [%[x]]\n\t"
      "ldr %[a1], [%[k]]\n\t"
      "sxtb16 %[e], %[o]\n\t"
      "sxtb16 %[o], %[o], ror #8\n\t"
      "smlad %[a0], %[e], %[w0], %[a1]\n\t"
      "smlad %[a1], %[o], %[w0], %[a1]\n\t"
      "smlabb %[a0], %[o], %[m01], %[a0]\n\t"
      "smlatb %[a1], %[e], %[m01], %[a1]\n\t"
      "ldr %[o], [%[x], %[pw]]\n\t"
      "sxtb16 %[e], %[o]\n\t"
      "sxtb16 %[o], %[o], ror #8\n\t"
      "smlad %[a0], %[e], %[w1], %[a0]\n\t"
      "smlad %[a1], %[o], %[w1], %[a1]\n\t"
      "smlabt %[a0], %[o], %[m01], %[a0]\n\t"
      "smlatt %[a1], %[e], %[m01], %[a1]\n\t"
      "ldr %[o], [%[x], %[pw], lsl #1]\n\t"
      "ldr %[t], [%[k], #16]\n\t"
      "sxtb16 %[e], %[o]\n\t"
      "sxtb16 %[o], %[o], ror #8\n\t"
      "smlad %[a0], %[e], %[w2], %[a0]\n\t"
      "smlad %[a1], %[o], %[w2], %[a1]\n\t"
      "smlabb %[a0], %[o], %[t], %[a0]\n\t"
      "smlatb %[a1], %[e], %[t], %[a1]\n\t"
      "ldrd %[e], %[o], [%[k], #4]\n\t"
      "ldr %[t], [%[k], #12]\n\t"
      "smmulr %[a0], %[a0], %[e]\n\t"
      "smmulr %[a1], %[a1], %[e]\n\t"
      "sub %[a0], %[a0], %[a0], lsr #31\n\t"
      "sub %[a1], %[a1], %[a1], lsr #31\n\t"
      "add %[a0], %[a0], %[t]\n\t"
      "add %[a1], %[a1], %[t]\n\t"
      "asr %[a0], %[a0], %[o]\n\t"
      "asr %[a1], %[a1], %[o]\n\t"
      "ssat %[a0], #8, %[a0]\n\t"
      "ssat %[a1], #8, %[a1]\n\t"
      "strb %[a1], [%[x], #1]\n\t"
      "strb %[a0], [%[x]], #2\n\t"
      "subs %[n], %[n], #1\n\t"
      "bne 1b"
      : [x] "+r"(x), [n] "+r"(n), [a0] "=&r"(a0), [a1] "=&r"(a1), [e] "=&r"(e), [o] "=&r"(o),
        [t] "=&r"(t)
      : [pw] "r"(pw), [k] "r"(k), [w0] "r"(w[0]), [w1] "r"(w[1]), [w2] "r"(w[2]), [m01] "r"(w[3])
      : "cc", "memory");
}
#else
/* One plane row's products for the pair: xv its bytes from the left pixel's first tap, w02 the
 * row's (w0, w2), w1 its middle weight in the top half or not. */
static inline void row_pair(uint32_t xv, uint32_t w02, uint32_t w1, int top, int32_t *a0,
                            int32_t *a1) {
  const uint32_t e = mote_sxtb16(xv), o = mote_sxtb16_ror8(xv); /* (p0, p2), (p1, p3) */
  *a0 = mote_smlad(e, w02, *a0);
  *a1 = mote_smlad(o, w02, *a1);
  if (top) {
    *a0 = mote_smlabt(o, w1, *a0);
    *a1 = mote_smlatt(e, w1, *a1);
  } else {
    *a0 = mote_smlabb(o, w1, *a0);
    *a1 = mote_smlatb(e, w1, *a1);
  }
}

static void row_pairs(int8_t *x, int32_t pw, int32_t n, const uint32_t *w, const int32_t *k) {
  for (; n > 0; --n, x += 2) {
    int32_t a0 = k[0], a1 = k[0];
    row_pair(mote_ld32(x), w[0], w[3], 0, &a0, &a1);
    row_pair(mote_ld32(x + pw), w[1], w[3], 1, &a0, &a1);
    row_pair(mote_ld32(x + 2 * pw), w[2], (uint32_t)k[4], 0, &a0, &a1);
    x[0] = (int8_t)mote_ssat8(mote__dsp_requant_e2(a0, k[1], k[2], k[3]));
    x[1] = (int8_t)mote_ssat8(mote__dsp_requant_e2(a1, k[1], k[2], k[3]));
  }
}
#endif

/* Row x's n results to o, c bytes apart, clamped to [lo, hi] unless that is all of int8. */
static void scatter(const int8_t *x, int32_t n, size_t c, int32_t lo, int32_t hi, int8_t *o) {
  int32_t i = 0;
  if (lo == -128 && hi == 127) {
    for (; i + 4 <= n; i += 4) { /* a word of results, byte by byte */
      const uint32_t v = mote_ld32(x + i);
      o[0] = (int8_t)v;
      o[c] = (int8_t)(v >> 8);
      o[2 * c] = (int8_t)(v >> 16);
      o[3 * c] = (int8_t)(v >> 24);
      o += 4 * c;
    }
  }
  for (; i < n; ++i) {
    *o = (int8_t)mote__clamp_i32(x[i], lo, hi);
    o += c;
  }
}

/* Every output pixel of channel c (out = the output + c) from its plane, then the plane's
 * padding cells that the results went over set back to in_zp (a padding column or two is
 * stored directly: a libc call costs more). w: the channel's 5 words, r its record. */
static void channel(const mote_conv_s8_dsp_params *p, int8_t *plane, int32_t pw,
                    const int32_t *w, const int32_t *r, int8_t *out) {
  const size_t c = (size_t)p->out.c;
  const int32_t pairs = (p->out.w + 1) / 2, used = 2 * pairs; /* cells of a row results cover */
  const int32_t left = p->pad_left < used ? p->pad_left : used;
  const int32_t right = p->pad_left + p->in.w; /* the first padding column after the input */
  const int8_t zp = (int8_t)p->in_zp;
  int32_t k[5], oy;
  k[0] = r[0], k[1] = r[1], k[2] = r[2], k[3] = r[3], k[4] = w[4];
  for (oy = 0; oy < p->out.h; ++oy) {
    row_pairs(plane + (size_t)oy * pw, pw, pairs, (const uint32_t *)w, k);
  }
  for (oy = 0; oy < p->out.h; ++oy) {
    int8_t *x = plane + (size_t)oy * pw;
    scatter(x, p->out.w, c, p->act_min, p->act_max, out + (size_t)oy * p->out.w * c);
    if (oy < p->pad_top || oy >= p->pad_top + p->in.h) {
      memset(x, zp, (size_t)used);
      continue;
    }
    if (left > 2) {
      memset(x, zp, (size_t)left);
    } else if (left > 0) {
      x[0] = zp;
      x[left - 1] = zp;
    }
    if (right < used) {
      memset(x + right, zp, (size_t)(used - right));
    }
  }
}

mote_status mote_depthwise_conv2d_3x3_s8_dsp(const mote_conv_s8_dsp_params *p, const int8_t *in,
                                             const int32_t *w, const int32_t *chan, int8_t *out,
                                             void *scratch) {
  int8_t *plane = (int8_t *)scratch;
  const int32_t pw = plane_w(p);
  int32_t n, c;
  if (!mote__conv_dsp_ok(p, chan, p->out.c) || p->out.c != p->in.c || p->kh != 3 || p->kw != 3 ||
      p->stride_h != 1 || p->stride_w != 1 || p->dil_h != 1 || p->dil_w != 1 || p->pad_top < 0 ||
      p->pad_left < 0 || p->reverse || scratch == NULL) {
    return MOTE_ERR_PARAM;
  }
  /* the cells no channel's input lands on */
  memset(plane, (int)(uint8_t)p->in_zp, mote_depthwise_conv2d_3x3_s8_dsp_scratch_bytes(p));
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    int8_t *out_n = out + (size_t)n * p->out.h * p->out.w * p->out.c;
    for (c = 0; c < p->out.c; ++c) {
      gather(p, in_n + c, plane, pw);
      channel(p, plane, pw, w + 5 * c, chan + 4 * c, out_n + c);
    }
  }
  return MOTE_OK;
}
