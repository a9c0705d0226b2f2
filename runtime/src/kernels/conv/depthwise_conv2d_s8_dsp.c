/* int8 depthwise Conv2D (depth multiplier 1) on the DSP extension: 4 channels at a time, one
 * word of input per tap split by SXTAB16 into (in - in_zp) of the channel pairs (0, 2) and
 * (1, 3), the tap's two words of 16-bit weight pairs, 4 SMLABB / SMLATT. Padding taps are
 * skipped as in the portable kernel; windows 3 taps wide run unrolled. */
#include "../dsp_internal.h"

size_t mote_depthwise_conv2d_s8_dsp_scratch_bytes(const mote_conv_s8_dsp_params *p) {
  return mote__ring_bytes(p, 1);
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

/* The taps of one output pixel that lie inside the input: rows x of the input at its first
 * such tap, `rows` x `cols` of them, x stepping by row_step / col_step, and the first tap's
 * index into the kernel's taps, the weights stepping by kw per row. */
typedef struct {
  const int8_t *x;
  int32_t rows, cols, tap0;
  size_t row_step, col_step;
} window;

/* One tap: the input word at x and the weight pair words w[0], w[1] into the accumulators. */
static inline void tap(const int8_t *x, const int32_t *w, uint32_t neg_zp2, int32_t nch,
                       int32_t *a) {
  const uint32_t xv = ld_channels(x, nch);
  const uint32_t xe = mote_sxtab16(neg_zp2, xv), xo = mote_sxtab16_ror8(neg_zp2, xv);
  a[0] = mote_smlabb(xe, (uint32_t)w[0], a[0]);
  a[2] = mote_smlatt(xe, (uint32_t)w[0], a[2]);
  a[1] = mote_smlabb(xo, (uint32_t)w[1], a[1]);
  a[3] = mote_smlatt(xo, (uint32_t)w[1], a[3]);
}

/* n (2 or 3) taps of 4 channels in a row of a 3-wide kernel: input words at x + k step, the
 * weight pairs at *w (advanced past the row's 3 taps, those outside the input skipped). */
#if MOTE_DSP_ASM && !defined(__OPTIMIZE_SIZE__)
/* The instructions of the C version, in an order that keeps the accumulators in registers (GCC
 * hoists all the loads and spills them). 12 registers, locals all, which GCC does not free at
 * -Os with a frame pointer: builds for size run the C version. LDRD needs the 4-byte aligned
 * weights. */
#define MOTE_TAP(addr)                            \
  "ldr %[xv], " addr "\n\t"                       \
  "ldrd %[we], %[wo], [%[w]], #8\n\t"             \
  "sxtab16 %[xe], %[nz], %[xv]\n\t"               \
  "sxtab16 %[xv], %[nz], %[xv], ror #8\n\t"       \
  "smlabb %[a0], %[xe], %[we], %[a0]\n\t"         \
  "smlatt %[a2], %[xe], %[we], %[a2]\n\t"         \
  "smlabb %[a1], %[xv], %[wo], %[a1]\n\t"         \
  "smlatt %[a3], %[xv], %[wo], %[a3]\n\t"
#define MOTE_ROW(taps)                                                                 \
  __asm__(taps                                                                         \
          : [w] "+r"(wp), [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),   \
            [xv] "=&r"(xv), [xe] "=&r"(xe), [we] "=&r"(we), [wo] "=&r"(wo)             \
          : [x] "r"(x), [step] "r"(step), [nz] "r"(neg_zp2)                            \
          : "memory")
static inline void row(const int8_t *x, size_t step, const int32_t **w, uint32_t neg_zp2,
                       int32_t *a, int32_t n) {
  const int32_t *wp = *w;
  int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  uint32_t xv, xe, we, wo;
  if (n == 3) {
    MOTE_ROW(MOTE_TAP("[%[x]]") MOTE_TAP("[%[x], %[step]]") MOTE_TAP("[%[x], %[step], lsl #1]"));
  } else {
    MOTE_ROW(MOTE_TAP("[%[x]]") MOTE_TAP("[%[x], %[step]]") "add %[w], %[w], #8");
  }
  *w = wp;
  a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}

#define MOTE_HAS_ASM_WINDOWS 1
/* The clamped value of accumulator a from the channel record at byte offset `rec` of the
 * records at %[we], for the full clamp (mote__dsp_requant, mote_ssat8): into a. */
#define MOTE_REQUANT(rec, a)                        \
  "ldrd %[xv], %[xe], [%[we], #" rec "+4]\n\t"      \
  "ldr %[wo], [%[we], #" rec "+12]\n\t"             \
  "lsl %[" a "], %[" a "], #1\n\t"                  \
  "smmlar %[xv], %[" a "], %[xv], %[wo]\n\t"        \
  "sub %[xv], %[xv], %[" a "], lsr #31\n\t"         \
  "asr %[xv], %[xv], %[xe]\n\t"                     \
  "ssat %[" a "], #8, %[xv]\n\t"
/* The taps of a window row, 3 or 2 of them (a column clipped: the third's weights skipped) */
#define MOTE_COLS3 MOTE_TAP("[%[x]]") MOTE_TAP("[%[x], %[step]]") MOTE_TAP("[%[x], %[step], lsl #1]")
#define MOTE_COLS2 MOTE_TAP("[%[x]]") MOTE_TAP("[%[x], %[step]]") "add %[w], %[w], #8\n\t"
/* The rows of a window, 3 or 2 (a row clipped: its weights skipped), x back at the first */
#define MOTE_ROWS3(cols)                                                              \
  cols "add %[x], %[x], %[rstep]\n\t" cols "add %[x], %[x], %[rstep]\n\t" cols      \
       "sub %[x], %[x], %[rstep], lsl #1\n\t"
#define MOTE_ROWS2(cols)                                                              \
  cols "add %[x], %[x], %[rstep]\n\t" cols "sub %[x], %[x], %[rstep]\n\t"            \
       "add %[w], %[w], #24\n\t"
/* The loop over the blocks of 4 channels (records r..r_end) for one window shape: its MACs,
 * requantization and word store, the records' and the output's pointers in memory. */
#define MOTE_WINDOWS(window)                                                              \
  __asm__ volatile("2:\n\t"                                                               \
                   "ldr %[we], %[r]\n\t"                                                  \
                   "ldr %[a0], [%[we]]\n\t"                                               \
                   "ldr %[a1], [%[we], #16]\n\t"                                          \
                   "ldr %[a2], [%[we], #32]\n\t"                                          \
                   "ldr %[a3], [%[we], #48]\n\t" window                                   \
                   "add %[x], %[x], #4\n\t"                                               \
                   "ldr %[we], %[r]\n\t" MOTE_REQUANT("0", "a0") MOTE_REQUANT("16", "a1")  \
                       MOTE_REQUANT("32", "a2") MOTE_REQUANT("48", "a3")                    \
                   "bfi %[a0], %[a1], #8, #8\n\t"                                         \
                   "bfi %[a0], %[a2], #16, #8\n\t"                                        \
                   "bfi %[a0], %[a3], #24, #8\n\t"                                        \
                   "ldr %[xv], %[o]\n\t"                                                  \
                   "str %[a0], [%[xv]], #4\n\t"                                           \
                   "str %[xv], %[o]\n\t"                                                  \
                   "add %[we], %[we], #64\n\t"                                            \
                   "str %[we], %[r]\n\t"                                                  \
                   "ldr %[xv], %[r_end]\n\t"                                              \
                   "cmp %[we], %[xv]\n\t"                                                 \
                   "blo 2b"                                                               \
                   : [x] "+r"(x), [w] "+r"(wp), [a0] "=&r"(a0), [a1] "=&r"(a1),             \
                     [a2] "=&r"(a2), [a3] "=&r"(a3), [xv] "=&r"(xv), [xe] "=&r"(xe),        \
                     [we] "=&r"(we), [wo] "=&r"(wo), [r] "+m"(r), [o] "+m"(o)               \
                   : [step] "r"(col_step), [rstep] "r"(row_step), [nz] "r"(neg_zp2),        \
                     [r_end] "m"(r_end)                                                     \
                   : "cc", "memory")
/* Every whole block of 4 channels (records r..r_end) of the pixel of window v, 2 or 3 taps each
 * way, for the full clamp: block's work in one loop (block spills and reloads its pointers
 * around the 12 registers of row: about 50 instructions more per block). */
static void windows(const window *v, const int32_t *wp, uint32_t neg_zp2, const int32_t *r,
                    const int32_t *r_end, int8_t *o) {
  const int8_t *x = v->x;
  const size_t col_step = v->col_step, row_step = v->row_step;
  int32_t a0, a1, a2, a3;
  uint32_t xv, xe, we, wo;
  wp += 2 * v->tap0;
  if (v->rows == 3 && v->cols == 3) {
    MOTE_WINDOWS(MOTE_ROWS3(MOTE_COLS3));
  } else if (v->rows == 3) {
    MOTE_WINDOWS(MOTE_ROWS3(MOTE_COLS2));
  } else if (v->cols == 3) {
    MOTE_WINDOWS(MOTE_ROWS2(MOTE_COLS3));
  } else {
    MOTE_WINDOWS(MOTE_ROWS2(MOTE_COLS2));
  }
}
#undef MOTE_WINDOWS
#undef MOTE_ROWS2
#undef MOTE_ROWS3
#undef MOTE_COLS2
#undef MOTE_COLS3
#undef MOTE_REQUANT
#undef MOTE_ROW
#undef MOTE_TAP
#else
static inline void row(const int8_t *x, size_t step, const int32_t **w, uint32_t neg_zp2,
                       int32_t *a, int32_t n) {
  int32_t k;
  for (k = 0; k < n; ++k) {
    tap(x + k * step, *w, neg_zp2, 4, a);
    *w += 2;
  }
  *w += 2 * (3 - n);
}
#endif

/* Channels c..c+nch-1 of the pixel of window v, `cols` taps wide (nch, cols, rows3 and full are
 * constants where it is inlined; rows3: the kernel is 3 wide and its rows run unrolled): w the
 * block's weights, r its channel records, neg_zp2 the halves -in_zp. */
MOTE_ALWAYS_INLINE void block(const mote_conv_s8_dsp_params *p, const window *v, int32_t c,
                              const int32_t *w, const int32_t *r, int32_t nch, int32_t cols,
                              int rows3, int full, uint32_t neg_zp2, int8_t *o) {
  const size_t w_skip = 2 * (size_t)(p->kw - cols); /* weight words of the taps outside */
  const int8_t *x = v->x + c;
  int32_t a[4];
  int32_t ky, kx;
  int8_t out[4];
  a[0] = r[0];
  a[1] = nch > 1 ? r[4] : 0;
  a[2] = nch > 2 ? r[8] : 0;
  a[3] = nch > 3 ? r[12] : 0;
  w += 2 * v->tap0;
  for (ky = 0; ky < v->rows; ++ky) {
    if (rows3 && nch == 4) {
      row(x, v->col_step, &w, neg_zp2, a, cols);
    } else {
      for (kx = 0; kx < cols; ++kx) {
        tap(x + kx * v->col_step, w, neg_zp2, nch, a);
        w += 2;
      }
      w += w_skip;
    }
    x += v->row_step;
  }
  /* all values before the first int8 store, which may alias the records */
  out[0] = mote__dsp_clamp(mote__dsp_requant(a[0], r), full, p->act_min, p->act_max);
  if (nch > 1) {
    out[1] = mote__dsp_clamp(mote__dsp_requant(a[1], r + 4), full, p->act_min, p->act_max);
  }
  if (nch > 2) {
    out[2] = mote__dsp_clamp(mote__dsp_requant(a[2], r + 8), full, p->act_min, p->act_max);
  }
  if (nch > 3) {
    out[3] = mote__dsp_clamp(mote__dsp_requant(a[3], r + 12), full, p->act_min, p->act_max);
  }
  memcpy(o + c, out, (size_t)nch);
}

/* The full channel blocks of the pixel of window v, `cols` taps wide (a constant where it is
 * inlined); returns the first channel left. */
MOTE_ALWAYS_INLINE int32_t blocks(const mote_conv_s8_dsp_params *p, const window *v,
                                  const int32_t *w, const int32_t *chan, int32_t cols, int rows3,
                                  int full, uint32_t neg_zp2, int8_t *o) {
  const size_t w_block = 2 * (size_t)p->kh * (size_t)p->kw; /* weight words per block */
  int32_t c;
  for (c = 0; c + 4 <= p->out.c; c += 4) {
    block(p, v, c, w, chan, 4, cols, rows3, full, neg_zp2, o);
    w += w_block;
    chan += 16;
  }
  return c;
}

/* Every channel of the pixel of window v (full a constant where it is inlined). */
MOTE_ALWAYS_INLINE void pixel(const mote_conv_s8_dsp_params *p, const window *v,
                              const int32_t *w, const int32_t *chan, int full, uint32_t neg_zp2,
                              int8_t *o) {
  int32_t c;
#if defined(MOTE_HAS_ASM_WINDOWS)
  if (full && p->kh == 3 && p->kw == 3 && v->rows >= 2 && v->cols >= 2 && p->out.c >= 4) {
    c = p->out.c / 4 * 4;
    windows(v, w, neg_zp2, chan, chan + 4 * c, o);
  } else
#endif
  if (p->kw == 3 && v->cols == 3) { /* rows of a 3-wide kernel, unrolled */
    c = blocks(p, v, w, chan, 3, 1, full, neg_zp2, o);
  } else if (p->kw == 3 && v->cols == 2) {
    c = blocks(p, v, w, chan, 2, 1, full, neg_zp2, o);
  } else {
    c = blocks(p, v, w, chan, v->cols, 0, full, neg_zp2, o);
  }
  if (c < p->out.c) {
    block(p, v, c, w + (size_t)c / 2 * p->kh * p->kw, chan + 4 * c, p->out.c - c, v->cols, 0, full,
          neg_zp2, o);
  }
}

mote_status mote_depthwise_conv2d_s8_dsp(const mote_conv_s8_dsp_params *p, const int8_t *in,
                                         const int32_t *w, const int32_t *chan, int8_t *out,
                                         void *scratch) {
  int8_t *ring = (int8_t *)scratch;
  const int full = p->act_min == -128 && p->act_max == 127;
  const uint32_t neg_zp2 = ((uint32_t)(-p->in_zp) & 0xFFFFu) * 0x10001u;
  int32_t n, oy, ox;
  window v;
  if (!mote__conv_dsp_ok(p, chan, p->out.c) || p->out.c != p->in.c || p->reverse ||
      (p->in_place && scratch == NULL)) {
    return MOTE_ERR_PARAM;
  }
  v.row_step = (size_t)p->dil_h * p->in.w * p->in.c;
  v.col_step = (size_t)p->dil_w * p->in.c;
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * p->in.h * p->in.w * p->in.c;
    int32_t flushed = 0;
    for (oy = 0; oy < p->out.h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky_lo, ky_hi;
      mote__tap_range(iy0, p->dil_h, p->kh, p->in.h, &ky_lo, &ky_hi);
      for (ox = 0; ox < p->out.w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int8_t *o = mote__ring_pixel(p, 1, ring, out, n, oy * p->out.w + ox);
        int32_t kx_lo, kx_hi;
        mote__tap_range(ix0, p->dil_w, p->kw, p->in.w, &kx_lo, &kx_hi);
        v.rows = ky_hi - ky_lo;
        v.cols = kx_hi - kx_lo;
        v.tap0 = ky_lo * p->kw + kx_lo;
        /* the first tap inside, or the pixel itself when none is (nothing is read) */
        v.x = v.rows > 0 && v.cols > 0
                  ? in_n + ((size_t)(iy0 + ky_lo * p->dil_h) * p->in.w +
                            (size_t)(ix0 + kx_lo * p->dil_w)) * p->in.c
                  : in_n;
        if (full) {
          pixel(p, &v, w, chan, 1, neg_zp2, o);
        } else {
          pixel(p, &v, w, chan, 0, neg_zp2, o);
        }
      }
      mote__ring_advance(p, 1, ring, out, n, &flushed, (oy + 1) * p->out.w);
    }
  }
  return MOTE_OK;
}
