/* int8 Conv2D (groups 1) on the DSP extension. Output pixels go three at a time: their im2col
 * columns of (in - in_zp) as 16-bit pairs are built side by side in scratch (each group of 4
 * taps k..k+3: pixel 0's words (k, k+2) and (k+1, k+3), then pixel 1's and pixel 2's), each
 * from one word of input by two SXTAB16. Then every pair of output channels runs over them with
 * 6 accumulators, each weight word expanded once by SXTB16 for the three pixels and each column
 * word loaded once for both channels: 12 SMLAD per 24 MACs, 20 instructions (two pixels took 15
 * per 16; four would need more registers than there are). A last block of fewer pixels repeats
 * its last one. Column entries past kh * kw * in.c meet zero weights. Blocks go in row-major
 * order, or from the last (reverse): a block's columns are built before its pixels are written,
 * so the output may overlap the input (lower/lower_util.h stream_overlap). */
#include "../dsp_internal.h"

/* output pixels per block, and the column words of a group of 4 taps (two per pixel) */
#define MOTE_PIXELS 3
#define MOTE_GROUP_WORDS (2 * MOTE_PIXELS)

/* groups of 4 taps, even: the GEMM loop takes two at a time */
static int32_t k_groups(const mote_conv_s8_dsp_params *p) {
  return (p->kh * p->kw * p->in.c + 7) / 8 * 2;
}

/* in.c not a multiple of 4: the pixel's taps are first gathered bytewise into a row */
static int gathers(const mote_conv_s8_dsp_params *p) { return p->in.c % 4 != 0; }

size_t mote_conv2d_s8_dsp_scratch_bytes(const mote_conv_s8_dsp_params *p) {
  size_t groups;
  if (p->kh <= 0 || p->kw <= 0 || p->in.c <= 0) {
    return 0;
  }
  groups = (size_t)k_groups(p);
  return groups * 4u * MOTE_GROUP_WORDS + (gathers(p) ? groups * 4u : 0u) +
         mote__ring_bytes(p, MOTE_PIXELS);
}

/* Groups of 4 bytes from src as the 16-bit pairs (x0 - zp, x2 - zp), (x1 - zp, x3 - zp), into
 * every third word pair of dst (the other pixels' are in between). */
#if MOTE_DSP_ASM
/* The C version's instructions with STRD and post-indexing: 5 per group instead of 8 (dst is
 * 4-byte aligned scratch). volatile: the stores are the only effect. */
static void expand(const int8_t *src, int32_t groups, uint32_t neg_zp2, uint32_t *dst) {
  uint32_t x0, x1, e0, o0;
  if (groups & 1) {
    __asm__ volatile("ldr %[x0], [%[src]], #4\n\t"
            "sxtab16 %[e0], %[nz], %[x0]\n\t"
            "sxtab16 %[o0], %[nz], %[x0], ror #8\n\t"
            "strd %[e0], %[o0], [%[dst]], #24"
            : [src] "+r"(src), [dst] "+r"(dst), [x0] "=&r"(x0), [e0] "=&r"(e0), [o0] "=&r"(o0)
            : [nz] "r"(neg_zp2)
            : "memory");
  }
  for (groups >>= 1; groups > 0; --groups) {
    __asm__ volatile("ldr %[x0], [%[src]], #4\n\t"
            "ldr %[x1], [%[src]], #4\n\t"
            "sxtab16 %[e0], %[nz], %[x0]\n\t"
            "sxtab16 %[o0], %[nz], %[x0], ror #8\n\t"
            "strd %[e0], %[o0], [%[dst]], #24\n\t"
            "sxtab16 %[e0], %[nz], %[x1]\n\t"
            "sxtab16 %[o0], %[nz], %[x1], ror #8\n\t"
            "strd %[e0], %[o0], [%[dst]], #24"
            : [src] "+r"(src), [dst] "+r"(dst), [x0] "=&r"(x0), [x1] "=&r"(x1), [e0] "=&r"(e0),
              [o0] "=&r"(o0)
            : [nz] "r"(neg_zp2)
            : "memory");
  }
}
#else
static void expand(const int8_t *src, int32_t groups, uint32_t neg_zp2, uint32_t *dst) {
  for (; groups > 0; --groups) {
    const uint32_t x = mote_ld32(src);
    dst[0] = mote_sxtab16(neg_zp2, x);
    dst[1] = mote_sxtab16_ror8(neg_zp2, x);
    src += 4;
    dst += MOTE_GROUP_WORDS;
  }
}
#endif

static void zero_groups(int32_t groups, uint32_t *dst) {
  for (; groups > 0; --groups) {
    dst[0] = 0;
    dst[1] = 0;
    dst += MOTE_GROUP_WORDS;
  }
}

static const int8_t *tap(const mote_conv_s8_dsp_params *p, const int8_t *in_n, int32_t iy,
                         int32_t ix) {
  return in_n + ((size_t)iy * p->in.w + (size_t)ix) * p->in.c;
}

/* n bytes from src to dst: a row of taps, a few bytes, for which a libc call costs more than
 * the copy. */
static void copy_taps(int8_t *dst, const int8_t *src, int32_t n) {
  for (; n >= 4; n -= 4) {
    const uint32_t v = mote_ld32(src);
    memcpy(dst, &v, 4);
    src += 4;
    dst += 4;
  }
  switch (n) { /* not a loop, which GCC would make a memcpy call again */
    case 3:
      dst[2] = src[2];
      /* fall through */
    case 2:
      dst[1] = src[1];
      /* fall through */
    case 1:
      dst[0] = src[0];
      break;
    default:
      break;
  }
}

/* n >= 4 bytes from src to dst as words, the last one ending at the last byte (it may rewrite
 * bytes already copied): a window row, without the byte tail of copy_taps. */
static inline void copy_row(int8_t *dst, const int8_t *src, int32_t n) {
  int32_t i;
  uint32_t v;
  if (n <= 12) { /* rows of up to 3 taps of 4 channels (RGB 3x3: 9 bytes) without the loop */
    v = mote_ld32(src);
    memcpy(dst, &v, 4);
    if (n > 8) {
      v = mote_ld32(src + 4);
      memcpy(dst + 4, &v, 4);
    }
  } else {
    for (i = 0; i + 4 < n; i += 4) {
      v = mote_ld32(src + i);
      memcpy(dst + i, &v, 4);
    }
  }
  v = mote_ld32(src + n - 4);
  memcpy(dst + n - 4, &v, 4);
}

/* The column of output pixel (oy, ox) into dst (one pixel's slot of the block), but for the
 * groups past kh * kw * in.c. */
static void im2col(const mote_conv_s8_dsp_params *p, const int8_t *in_n, int32_t oy, int32_t ox,
                   uint32_t neg_zp2, int8_t *row, uint32_t *dst) {
  const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
  const int32_t cin = p->in.c, g = cin / 4; /* groups per tap when cin % 4 == 0 */
  const int32_t tap_words = g * MOTE_GROUP_WORDS;
  int32_t ky_lo, ky_hi, kx_lo, kx_hi, ky, kx;
  if (gathers(p) && p->dil_w == 1 && p->kw * cin >= 4 && iy0 >= 0 && ix0 >= 0 && iy0 + (p->kh - 1) * p->dil_h < p->in.h &&
      ix0 + p->kw - 1 < p->in.w) {
    /* the window inside the input (most pixels of an RGB first layer): its rows of kw * in.c
     * contiguous bytes straight into row, without the tap ranges' divides */
    const int32_t span = p->kw * cin;
    const size_t step = (size_t)p->dil_h * p->in.w * cin;
    const int8_t *s = tap(p, in_n, iy0, ix0);
    for (ky = 0; ky < p->kh; ++ky, s += step) {
      copy_row(row + ky * span, s, span);
    }
    expand(row, k_groups(p), neg_zp2, dst);
    return;
  }
  if (!gathers(p) && p->dil_w == 1 && iy0 >= 0 && ix0 >= 0 &&
      iy0 + (p->kh - 1) * p->dil_h < p->in.h && ix0 + p->kw - 1 < p->in.w) {
    /* the window inside the input (every pixel of a 1x1 conv): each of its rows of taps
     * straight from the input, without the tap ranges' divides */
    for (ky = 0; ky < p->kh; ++ky) {
      expand(tap(p, in_n, iy0 + ky * p->dil_h, ix0), p->kw * g, neg_zp2,
             dst + ky * p->kw * tap_words);
    }
    return;
  }
  mote__tap_range(iy0, p->dil_h, p->kh, p->in.h, &ky_lo, &ky_hi);
  mote__tap_range(ix0, p->dil_w, p->kw, p->in.w, &kx_lo, &kx_hi);
  if (gathers(p)) {
    /* padding taps hold in_zp, so they expand to 0 like the row's tail past kh * kw * in.c,
     * which the kernel set once */
    if (ky_lo > 0 || ky_hi < p->kh || kx_lo > 0 || kx_hi < p->kw) {
      memset(row, (int)(uint8_t)p->in_zp, (size_t)(p->kh * p->kw * cin));
    }
    for (ky = ky_lo; ky < ky_hi && kx_lo < kx_hi; ++ky) {
      const int32_t iy = iy0 + ky * p->dil_h;
      if (p->dil_w == 1) { /* the row's taps are contiguous in the input */
        copy_taps(row + (ky * p->kw + kx_lo) * cin, tap(p, in_n, iy, ix0 + kx_lo), (kx_hi - kx_lo) * cin);
      } else {
        for (kx = kx_lo; kx < kx_hi; ++kx) {
          memcpy(row + (ky * p->kw + kx) * cin, tap(p, in_n, iy, ix0 + kx * p->dil_w), (size_t)cin);
        }
      }
    }
    expand(row, k_groups(p), neg_zp2, dst);
    return;
  }
  for (ky = 0; ky < p->kh; ++ky) {
    uint32_t *d = dst + ky * p->kw * tap_words;
    const int32_t iy = iy0 + ky * p->dil_h;
    if (ky < ky_lo || ky >= ky_hi) {
      zero_groups(p->kw * g, d);
      continue;
    }
    zero_groups(kx_lo * g, d);
    zero_groups((p->kw - kx_hi) * g, d + kx_hi * tap_words);
    if (p->dil_w == 1) { /* the row's taps are contiguous in the input */
      if (kx_lo < kx_hi) {
        expand(tap(p, in_n, iy, ix0 + kx_lo), (kx_hi - kx_lo) * g, neg_zp2, d + kx_lo * tap_words);
      }
    } else {
      for (kx = kx_lo; kx < kx_hi; ++kx) {
        expand(tap(p, in_n, iy, ix0 + kx * p->dil_w), g, neg_zp2, d + kx * tap_words);
      }
    }
  }
}

/* The 6 accumulators a = {a00, a01, a10, a11, a20, a21} (channel 0 and 1 on pixel 0, then on
 * pixels 1 and 2) of a channel pair over the block's columns at col, from the biases b0, b1 and
 * the pair's weight words at *w (advanced past them). */
#if MOTE_DSP_ASM && !defined(__OPTIMIZE_SIZE__)
/* The instructions of the C version below, two groups of 4 taps per turn, in an order that keeps
 * the accumulators, the column words and the expanded weights in registers: 43 instructions per
 * 48 MACs (left alone, GCC hoists the loads and spills or shuffles the accumulators). 14
 * registers and the loop's end in memory, which GCC allows when it optimizes for speed (at -Os
 * the frame pointer takes one). LDRD needs the 4-byte aligned scratch and weights. */
#define MOTE_HAS_ASM_GEMM 1
#define MOTE_GROUP                                  \
  "ldrd %[lo0], %[lo1], [%[w]], #8\n\t"             \
  "sxtb16 %[hi0], %[lo0], ror #8\n\t"               \
  "sxtb16 %[lo0], %[lo0]\n\t"                       \
  "sxtb16 %[hi1], %[lo1], ror #8\n\t"               \
  "sxtb16 %[lo1], %[lo1]\n\t"                       \
  "ldrd %[xa], %[xb], [%[x]], #8\n\t"               \
  "smlad %[a00], %[xa], %[lo0], %[a00]\n\t"         \
  "smlad %[a00], %[xb], %[hi0], %[a00]\n\t"         \
  "smlad %[a01], %[xa], %[lo1], %[a01]\n\t"         \
  "smlad %[a01], %[xb], %[hi1], %[a01]\n\t"         \
  "ldrd %[xa], %[xb], [%[x]], #8\n\t"               \
  "smlad %[a10], %[xa], %[lo0], %[a10]\n\t"         \
  "smlad %[a10], %[xb], %[hi0], %[a10]\n\t"         \
  "smlad %[a11], %[xa], %[lo1], %[a11]\n\t"         \
  "smlad %[a11], %[xb], %[hi1], %[a11]\n\t"         \
  "ldrd %[xa], %[xb], [%[x]], #8\n\t"               \
  "smlad %[a20], %[xa], %[lo0], %[a20]\n\t"         \
  "smlad %[a20], %[xb], %[hi0], %[a20]\n\t"         \
  "smlad %[a21], %[xa], %[lo1], %[a21]\n\t"         \
  "smlad %[a21], %[xb], %[hi1], %[a21]\n\t"
#define MOTE_MAC_LOOP                               \
  "1:\n\t" MOTE_GROUP MOTE_GROUP                    \
  "ldr %[xa], %[end]\n\t"                           \
  "cmp %[x], %[xa]\n\t"                             \
  "blo 1b\n\t"
/* the operands: the column pointer and the accumulators in ("+r") or set by the asm ("=&r") */
#define MOTE_GEMM_REGS(io)                                                                      \
  [x] io(x), [w] "+r"(wp), [a00] io(a00), [a01] io(a01), [a10] io(a10), [a11] io(a11),          \
      [a20] io(a20), [a21] io(a21), [lo0] "=&r"(lo0), [hi0] "=&r"(hi0), [lo1] "=&r"(lo1),       \
      [hi1] "=&r"(hi1), [xa] "=&r"(xa), [xb] "=&r"(xb)
#define MOTE_IN_OUT(v) "+r"(v)
#define MOTE_SET(v) "=&r"(v)
static inline void accumulate(const uint32_t *col, const uint32_t *end, const int32_t **w,
                              int32_t b0, int32_t b1, int32_t *a) {
  int32_t a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;
  const uint32_t *x = col;
  const int32_t *wp = *w;
  uint32_t lo0, hi0, lo1, hi1, xa, xb;
  __asm__(MOTE_MAC_LOOP : MOTE_GEMM_REGS(MOTE_IN_OUT) : [end] "m"(end) : "cc", "memory");
  *w = wp;
  a[0] = a00;
  a[1] = a01;
  a[2] = a10;
  a[3] = a11;
  a[4] = a20;
  a[5] = a21;
}

/* One channel's three values a0, a1, a2 (pixels 0 to 2) as out_value gives them for the full
 * clamp, from its record at byte offset `rec` of the records at x: into a0, a1 and a2. */
#define MOTE_REQUANT(rec, a0, a1, a2)               \
  "ldrd %[lo0], %[hi0], [%[x], #" rec "+4]\n\t"     \
  "ldr %[lo1], [%[x], #" rec "+12]\n\t"             \
  "lsl %[" a0 "], %[" a0 "], #1\n\t"                \
  "lsl %[" a1 "], %[" a1 "], #1\n\t"                \
  "lsl %[" a2 "], %[" a2 "], #1\n\t"                \
  "smmlar %[xa], %[" a0 "], %[lo0], %[lo1]\n\t"     \
  "smmlar %[xb], %[" a1 "], %[lo0], %[lo1]\n\t"     \
  "smmlar %[hi1], %[" a2 "], %[lo0], %[lo1]\n\t"    \
  "sub %[xa], %[xa], %[" a0 "], lsr #31\n\t"        \
  "sub %[xb], %[xb], %[" a1 "], lsr #31\n\t"        \
  "sub %[hi1], %[hi1], %[" a2 "], lsr #31\n\t"      \
  "asr %[xa], %[xa], %[hi0]\n\t"                    \
  "asr %[xb], %[xb], %[hi0]\n\t"                    \
  "asr %[hi1], %[hi1], %[hi0]\n\t"                  \
  "ssat %[" a0 "], #8, %[xa]\n\t"                   \
  "ssat %[" a1 "], #8, %[xb]\n\t"                   \
  "ssat %[" a2 "], #8, %[hi1]\n\t"
/* gemm_block's loop over the channel pairs r..r_end for the full clamp: accumulate's MAC loop,
 * then out_value's instructions and the six stores, every value in registers and the loop's
 * pointers in memory (the C version spills and reloads them around the MAC loop: 11
 * instructions more per pair). The loop's compare sets the flags the stores leave alone. */
static void channel_pairs(const uint32_t *col, const uint32_t *end, const int32_t *wp,
                          const int32_t *r, const int32_t *r_end, int8_t *o0, ptrdiff_t d1,
                          ptrdiff_t d2) {
  const uint32_t *x;
  int32_t a00, a01, a10, a11, a20, a21;
  uint32_t lo0, hi0, lo1, hi1, xa, xb;
  __asm__ volatile("2:\n\t"
                   "ldr %[lo0], %[r]\n\t"
                   "ldr %[a00], [%[lo0]]\n\t"
                   "ldr %[a01], [%[lo0], #16]\n\t"
                   "mov %[a10], %[a00]\n\t"
                   "mov %[a20], %[a00]\n\t"
                   "mov %[a11], %[a01]\n\t"
                   "mov %[a21], %[a01]\n\t"
                   "ldr %[x], %[col]\n\t"
                   MOTE_MAC_LOOP
                   "ldr %[x], %[r]\n\t"
                   MOTE_REQUANT("0", "a00", "a10", "a20") MOTE_REQUANT("16", "a01", "a11", "a21")
                   "add %[x], %[x], #32\n\t"
                   "str %[x], %[r]\n\t"
                   "ldr %[lo0], %[r_end]\n\t"
                   "cmp %[x], %[lo0]\n\t"
                   "ldr %[x], %[o0]\n\t"
                   "ldr %[lo0], %[d1]\n\t"
                   "ldr %[lo1], %[d2]\n\t"
                   "strb %[a10], [%[x], %[lo0]]\n\t"
                   "strb %[a20], [%[x], %[lo1]]\n\t"
                   "strb %[a00], [%[x]], #1\n\t"
                   "strb %[a11], [%[x], %[lo0]]\n\t"
                   "strb %[a21], [%[x], %[lo1]]\n\t"
                   "strb %[a01], [%[x]], #1\n\t"
                   "str %[x], %[o0]\n\t"
                   "blo 2b"
                   : MOTE_GEMM_REGS(MOTE_SET), [r] "+m"(r), [o0] "+m"(o0)
                   : [end] "m"(end), [col] "m"(col), [r_end] "m"(r_end), [d1] "m"(d1),
                     [d2] "m"(d2)
                   : "cc", "memory");
}
#undef MOTE_REQUANT
#undef MOTE_GEMM_REGS
#undef MOTE_IN_OUT
#undef MOTE_SET
#undef MOTE_MAC_LOOP
#undef MOTE_GROUP
#else
static inline void accumulate(const uint32_t *col, const uint32_t *end, const int32_t **w,
                              int32_t b0, int32_t b1, int32_t *a) {
  int32_t a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;
  const uint32_t *x = col;
  do { /* one group per iteration, the column words x[0..5] of pixels 0, 1 and 2 */
    const uint32_t w0 = (uint32_t)(*w)[0], w1 = (uint32_t)(*w)[1];
    const uint32_t lo0 = mote_sxtb16(w0), hi0 = mote_sxtb16_ror8(w0);
    const uint32_t lo1 = mote_sxtb16(w1), hi1 = mote_sxtb16_ror8(w1);
    a00 = mote_smlad(x[1], hi0, mote_smlad(x[0], lo0, a00));
    a01 = mote_smlad(x[1], hi1, mote_smlad(x[0], lo1, a01));
    a10 = mote_smlad(x[3], hi0, mote_smlad(x[2], lo0, a10));
    a11 = mote_smlad(x[3], hi1, mote_smlad(x[2], lo1, a11));
    a20 = mote_smlad(x[5], hi0, mote_smlad(x[4], lo0, a20));
    a21 = mote_smlad(x[5], hi1, mote_smlad(x[4], lo1, a21));
    x += MOTE_GROUP_WORDS;
    *w += 2;
  } while (x < end);
  a[0] = a00;
  a[1] = a01;
  a[2] = a10;
  a[3] = a11;
  a[4] = a20;
  a[5] = a21;
}
#endif

/* The clamped output of accumulator v of channel record r. */
static inline int8_t out_value(int32_t v, const int32_t *r, int full, int32_t lo, int32_t hi) {
  return mote__dsp_clamp(mote__dsp_requant(v, r), full, lo, hi);
}

/* Every output channel of the three pixels whose columns are at col, into o[0..2]; full: the
 * clamp is all of int8 (a constant where it is inlined). */
MOTE_ALWAYS_INLINE void gemm_block(const mote_conv_s8_dsp_params *p, const uint32_t *col,
                                   const int32_t *w, const int32_t *chan, int8_t *const *o,
                                   int full) {
  const uint32_t *end = col + MOTE_GROUP_WORDS * k_groups(p);
  const int32_t lo = p->act_min, hi = p->act_max;
  const ptrdiff_t d1 = o[1] - o[0], d2 = o[2] - o[0];
  const int32_t *r = chan;
  int8_t *o0 = o[0];
  int32_t pairs = p->out.c / 2, a[6], k;
#if defined(MOTE_HAS_ASM_GEMM)
  if (full && pairs > 0) {
    channel_pairs(col, end, w, r, r + 8 * pairs, o0, d1, d2);
    w += (size_t)pairs * 2 * k_groups(p);
    r += 8 * pairs;
    o0 += 2 * pairs;
    pairs = 0;
  }
#endif
  for (k = 0; k < pairs; ++k) {
    int8_t v[6];
    accumulate(col, end, &w, r[0], r[4], a);
    /* all six before the first int8 store, which may alias the records */
    v[0] = out_value(a[0], r, full, lo, hi);
    v[1] = out_value(a[1], r + 4, full, lo, hi);
    v[2] = out_value(a[2], r, full, lo, hi);
    v[3] = out_value(a[3], r + 4, full, lo, hi);
    v[4] = out_value(a[4], r, full, lo, hi);
    v[5] = out_value(a[5], r + 4, full, lo, hi);
    o0[0] = v[0];
    o0[1] = v[1];
    o0[d1] = v[2];
    o0[d1 + 1] = v[3];
    o0[d2] = v[4];
    o0[d2 + 1] = v[5];
    r += 8;
    o0 += 2;
  }
  if (p->out.c & 1) { /* its pair's second channel has zero weights and is not stored */
    int8_t v[3];
    accumulate(col, end, &w, r[0], 0, a);
    v[0] = out_value(a[0], r, full, lo, hi);
    v[1] = out_value(a[2], r, full, lo, hi);
    v[2] = out_value(a[4], r, full, lo, hi);
    o0[0] = v[0];
    o0[d1] = v[1];
    o0[d2] = v[2];
  }
}

mote_status mote_conv2d_s8_dsp(const mote_conv_s8_dsp_params *p, const int8_t *in,
                               const int32_t *w, const int32_t *chan, int8_t *out, void *scratch) {
  uint32_t *col = (uint32_t *)scratch;
  const int full = p->act_min == -128 && p->act_max == 127;
  const uint32_t neg_zp2 = ((uint32_t)(-p->in_zp) & 0xFFFFu) * 0x10001u;
  /* 1x1, stride 1, no padding, whole groups: a pixel's column is its input pixel */
  const int pointwise = p->kh == 1 && p->kw == 1 && p->stride_h == 1 && p->stride_w == 1 &&
                        p->in.h == p->out.h && p->in.w == p->out.w && !gathers(p);
  int8_t *row, *ring;
  int32_t hw, blocks, t, j, flushed = 0;
  if (!mote__conv_dsp_ok(p, chan, p->out.c) || scratch == NULL || (p->reverse && p->in_place)) {
    return MOTE_ERR_PARAM;
  }
  row = (int8_t *)(col + MOTE_GROUP_WORDS * k_groups(p));
  ring = row + (gathers(p) ? 4 * k_groups(p) : 0);
  if (gathers(p)) {
    memset(row, (int)(uint8_t)p->in_zp, (size_t)k_groups(p) * 4u);
  }
  hw = p->out.h * p->out.w;
  if (!gathers(p)) { /* the groups past kh * kw * in.c, which im2col leaves alone */
    const int32_t used = p->kh * p->kw * p->in.c / 4;
    for (j = 0; j < MOTE_PIXELS; ++j) {
      zero_groups(k_groups(p) - used, col + MOTE_GROUP_WORDS * used + 2 * j);
    }
  }
  blocks = (hw + MOTE_PIXELS - 1) / MOTE_PIXELS;
  for (t = 0; t < p->out.n * blocks; ++t) {
    /* block k: image n, pixels from pix; reversed, from the last block of the last image */
    const int32_t k = p->reverse ? p->out.n * blocks - 1 - t : t;
    const int32_t n = k / blocks, pix = k % blocks * MOTE_PIXELS;
    const int8_t *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    int8_t *o[MOTE_PIXELS];
    if (pix == 0) {
      flushed = 0;
    }
    for (j = 0; j < MOTE_PIXELS; ++j) {
      const int32_t q = pix + j < hw ? pix + j : hw - 1;
      o[j] = mote__ring_pixel(p, MOTE_PIXELS, ring, out, n, q);
      if (pointwise) {
        expand(in_n + (size_t)q * p->in.c, p->in.c / 4, neg_zp2, col + 2 * j);
      } else {
        im2col(p, in_n, q / p->out.w, q % p->out.w, neg_zp2, row, col + 2 * j);
      }
    }
    if (full) {
      gemm_block(p, col, w, chan, o, 1);
    } else {
      gemm_block(p, col, w, chan, o, 0);
    }
    mote__ring_advance(p, MOTE_PIXELS, ring, out, n, &flushed, pix + MOTE_PIXELS);
  }
  return MOTE_OK;
}
