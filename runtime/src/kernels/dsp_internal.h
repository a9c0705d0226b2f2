/* Helpers shared by the DSP kernels (*_dsp.c): the requantization they all use, the parameter
 * check and the in-place row ring of the two convolutions. */
#ifndef MOTE_KERNELS_DSP_INTERNAL_H
#define MOTE_KERNELS_DSP_INTERNAL_H

#include <string.h>

#include "mote/dsp.h"
#include "internal.h"

/* The kernels' hand-scheduled asm blocks (each with a C version of the same instructions) take
 * up to 13 registers, which GCC frees only when it optimizes: unoptimized builds run the C
 * versions. */
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
#define MOTE_DSP_ASM 1
#else
#define MOTE_DSP_ASM 0
#endif

/* For a function the kernel calls with a constant flag, so each call compiles to its own
 * specialized copy. */
#if defined(__GNUC__)
#define MOTE_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define MOTE_ALWAYS_INLINE static inline
#endif

/* TFLite's MultiplyByQuantizedMultiplier plus the output zero point, for a right shift e >= 1
 * and |acc| < 2^30 (both guaranteed by the compiler), from a channel record r = {bias,
 * multiplier, e, 2^(e-1) + out_zp * 2^e}: SaturatingRoundingDoublingHighMul(acc, m) is
 * round(2 * acc * m / 2^32), one SMMULR; RoundingDivideByPOT rounds half away from zero, which
 * is rounding half up after subtracting 1 from negative values. One SMMLAR adds the rounding
 * term; the 1 is subtracted where acc is negative rather than the product, which differs only
 * where the product rounds to 0, and there both give out_zp (2^(e-1) and 2^(e-1) - 1 shift to 0
 * for e >= 1; the multiplier is positive). From acc2 = 2 * acc, which kernels with doubled
 * weights and bias accumulate directly. */
static inline int32_t mote__dsp_requant_e2(int32_t acc2, int32_t m, int32_t e, int32_t round) {
  return mote__asr(mote_smmlar(acc2, m, round) + (acc2 < 0 ? -1 : 0), e);
}

/* The same from acc itself. */
static inline int32_t mote__dsp_requant_e(int32_t acc, int32_t m, int32_t e, int32_t round) {
  return mote__dsp_requant_e2(acc * 2, m, e, round);
}

static inline int32_t mote__dsp_requant(int32_t acc, const int32_t *r) {
  return mote__dsp_requant_e(acc, r[1], r[2], r[3]);
}

/* The clamp to [lo, hi]: one SSAT when that is all of int8. */
static inline int8_t mote__dsp_clamp(int32_t v, int full, int32_t lo, int32_t hi) {
  return (int8_t)(full ? mote_ssat8(v) : mote__clamp_i32(v, lo, hi));
}

/* The parameters, and the right shift of each of the n channel records. */
static inline int mote__conv_dsp_ok(const mote_conv_s8_dsp_params *p, const int32_t *chan,
                                    int32_t n) {
  int32_t c;
  if (!mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                              p->dil_w) ||
      chan == NULL || p->in_zp < -128 || p->in_zp > 127 ||
      !mote__act_s8_ok(p->act_min, p->act_max)) {
    return 0;
  }
  if (p->in_place && (p->in.h != p->out.h || p->in.w != p->out.w || p->in.c != p->out.c ||
                      p->stride_h != 1 || p->stride_w != 1 || p->pad_top < 0 ||
                      p->pad_top >= p->out.h)) {
    return 0;
  }
  for (c = 0; c < n; ++c) {
    if (chan[4 * c + 2] < 1 || chan[4 * c + 2] > 31) {
      return 0;
    }
  }
  return 1;
}

/* In place, output pixels are computed in row-major order into a ring of rows and a row is
 * copied over its input row once the next pixel to compute no longer reads it: with stride 1,
 * output row r reads input rows from r - pad_top on. A step that computes `step` pixels at once
 * may write rows past the one it starts in before that one is copied, unless the steps tile the
 * rows: those rows are added. */
static inline int32_t mote__ring_rows(const mote_conv_s8_dsp_params *p, int32_t step) {
  return p->pad_top + 1 + (p->out.w % step != 0 ? (step - 2 + p->out.w) / p->out.w : 0);
}

static inline size_t mote__ring_bytes(const mote_conv_s8_dsp_params *p, int32_t step) {
  if (!p->in_place || p->pad_top < 0) {
    return 0;
  }
  return (size_t)mote__ring_rows(p, step) * (size_t)p->out.w * (size_t)p->out.c;
}

/* Where output pixel `pix` (row-major in batch n) of the kernel goes: the output, or its ring
 * row in place. */
static inline int8_t *mote__ring_pixel(const mote_conv_s8_dsp_params *p, int32_t step,
                                       int8_t *ring, int8_t *out, int32_t n, int32_t pix) {
  if (p->in_place) {
    const int32_t rows = mote__ring_rows(p, step);
    const int32_t r = pix / p->out.w;
    return ring + ((size_t)(r % rows) * p->out.w + (size_t)(pix - r * p->out.w)) * p->out.c;
  }
  return out + ((size_t)n * p->out.h * p->out.w + (size_t)pix) * p->out.c;
}

/* Copies the finished ring rows [*flushed, upto) of batch n to the output; upto = out.h flushes
 * all. */
static inline void mote__ring_flush(const mote_conv_s8_dsp_params *p, int32_t step,
                                    const int8_t *ring, int8_t *out, int32_t n, int32_t *flushed,
                                    int32_t upto) {
  const size_t row = (size_t)p->out.w * (size_t)p->out.c;
  const int32_t rows = mote__ring_rows(p, step);
  for (; *flushed < upto; ++*flushed) {
    memcpy(out + ((size_t)n * p->out.h + *flushed) * row, ring + (size_t)(*flushed % rows) * row,
           row);
  }
}

/* After the pixels before `next` are done: flush the rows no later pixel reads. */
static inline void mote__ring_advance(const mote_conv_s8_dsp_params *p, int32_t step,
                                      const int8_t *ring, int8_t *out, int32_t n,
                                      int32_t *flushed, int32_t next) {
  const int32_t hw = p->out.h * p->out.w;
  const int32_t q = next < hw ? next / p->out.w : p->out.h;
  if (p->in_place) {
    mote__ring_flush(p, step, ring, out, n, flushed, q == p->out.h ? q : q - p->pad_top);
  }
}

#endif /* MOTE_KERNELS_DSP_INTERNAL_H */
