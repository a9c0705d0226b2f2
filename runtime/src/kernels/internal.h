/* Helpers shared by the mote kernels. Everything here is static inline so that a kernel file
 * needs only this header and kernels.h; no other runtime source. */
#ifndef MOTE_KERNELS_INTERNAL_H
#define MOTE_KERNELS_INTERNAL_H

#include <stdint.h>

#include "mote/kernels.h"

/* Arithmetic right shift written without relying on implementation-defined >> of negatives. */
static inline int32_t mote__asr(int32_t x, int32_t e) { return x < 0 ? ~(~x >> e) : x >> e; }

/* TFLite's SaturatingRoundingDoublingHighMul: a * b / 2^31 to nearest (its nudge-and-truncate
 * sends ties toward +infinity); the only overflowing input pair saturates. */
static inline int32_t mote__srdhm(int32_t a, int32_t b) {
  int64_t v;
  if (a == INT32_MIN && b == INT32_MIN) {
    return INT32_MAX;
  }
  v = (int64_t)a * (int64_t)b;
  v += v >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  /* v / 2^31 truncated toward zero, by shifts: 64-bit division is a library call on MCUs */
  return (int32_t)(v >= 0 ? v >> 31 : -((-v) >> 31));
}

/* TFLite's RoundingDivideByPOT: x / 2^e rounded half away from zero, 0 <= e <= 31. */
static inline int32_t mote__rdbp(int32_t x, int32_t e) {
  const int32_t mask = (int32_t)(((uint32_t)1 << e) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return mote__asr(x, e) + (remainder > threshold ? 1 : 0);
}

/* TFLite's MultiplyByQuantizedMultiplier. The left shift wraps like TFLite's int32 multiply
 * instead of being undefined. */
static inline int32_t mote__mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  const int32_t shifted = (int32_t)((uint32_t)x << left);
  return mote__rdbp(mote__srdhm(shifted, multiplier), right);
}

static inline int32_t mote__clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

static inline float mote__clamp_f32(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* int8 activation range must lie inside int8. */
static inline int mote__act_s8_ok(int32_t act_min, int32_t act_max) {
  return act_min >= -128 && act_min <= act_max && act_max <= 127;
}

/* Range [*lo, *hi) of kernel taps k in [0, k_size) whose input coordinate
 * origin + k * dil lies in [0, size). Divides, so call it outside inner loops. */
static inline void mote__tap_range(int32_t origin, int32_t dil, int32_t k_size, int32_t size,
                                   int32_t *lo, int32_t *hi) {
  int32_t l = 0;
  int32_t h;
  if (origin < 0) {
    l = (-origin + dil - 1) / dil;
  }
  if (origin > size - 1) {
    h = 0;
  } else {
    h = (size - 1 - origin) / dil + 1;
  }
  if (h > k_size) {
    h = k_size;
  }
  if (l > h) {
    l = h;
  }
  *lo = l;
  *hi = h;
}

static inline int mote__dims_ok(const mote_dims *d) {
  return d->n > 0 && d->h > 0 && d->w > 0 && d->c > 0;
}

/* Broadcast geometry: positive output dims, non-negative strides. */
static inline int mote__bcast_ok(const mote_bcast *bc) {
  int i;
  for (i = 0; i < 4; ++i) {
    if (bc->dims[i] <= 0 || bc->a_stride[i] < 0 || bc->b_stride[i] < 0) {
      return 0;
    }
  }
  return 1;
}

/* Pool geometry: every window must overlap the input (else its average has no cells). The
 * first and last windows along each axis are the extreme ones. */
/* Conv and depthwise conv geometry shared by both dtypes: valid dims, one batch count, positive
 * kernel, strides and dilations. */
static inline int mote__conv_geometry_ok(const mote_dims *in, const mote_dims *out, int32_t kh,
                                         int32_t kw, int32_t stride_h, int32_t stride_w,
                                         int32_t dil_h, int32_t dil_w) {
  return mote__dims_ok(in) && mote__dims_ok(out) && in->n == out->n && kh > 0 && kw > 0 &&
         stride_h > 0 && stride_w > 0 && dil_h > 0 && dil_w > 0;
}

static inline int mote__pool_ok(const mote_dims *in, const mote_dims *out, int32_t kh, int32_t kw,
                                int32_t stride_h, int32_t stride_w, int32_t pad_top,
                                int32_t pad_left) {
  return mote__dims_ok(in) && mote__dims_ok(out) && in->n == out->n && in->c == out->c && kh > 0 &&
         kw > 0 && stride_h > 0 && stride_w > 0 && pad_top >= 0 && pad_left >= 0 && pad_top < kh &&
         pad_left < kw && (out->h - 1) * stride_h - pad_top < in->h &&
         (out->w - 1) * stride_w - pad_left < in->w;
}

/* Transpose conv: the input coordinate that output coordinate o reaches through tap k
 * (o = i * stride - pad + k * dil), or -1 when no input pixel does. */
static inline int32_t mote__tconv_src(int32_t o, int32_t k, int32_t pad, int32_t stride,
                                      int32_t dil, int32_t size) {
  const int32_t t = o + pad - k * dil;
  if (t < 0 || t % stride != 0 || t / stride >= size) {
    return -1;
  }
  return t / stride;
}

/* Element offset of batch (b0, b1, b2) for an operand with the given batch strides. */
static inline ptrdiff_t mote__batch_offset(const int32_t *stride, int32_t b0, int32_t b1,
                                           int32_t b2) {
  return (ptrdiff_t)b0 * stride[0] + (ptrdiff_t)b1 * stride[1] + (ptrdiff_t)b2 * stride[2];
}

/* Matmul geometry: positive sizes, non-negative strides (0 broadcasts a batch dim). */
static inline int mote__matmul_geom_ok(const mote_matmul_geom *g) {
  int i;
  for (i = 0; i < 3; ++i) {
    if (g->batch[i] <= 0 || g->lhs_batch_stride[i] < 0 || g->rhs_batch_stride[i] < 0) {
      return 0;
    }
  }
  return g->m > 0 && g->k > 0 && g->n > 0 && g->lhs_m >= 0 && g->lhs_k >= 0 && g->rhs_k >= 0 &&
         g->rhs_n >= 0;
}

/* Every entry of an n-entry index table lies in [0, size). */
static inline int mote__index_table_ok(const int32_t *t, int32_t n, int32_t size) {
  int32_t i;
  if (t == NULL) {
    return 0;
  }
  for (i = 0; i < n; ++i) {
    if (t[i] < 0 || t[i] >= size) {
      return 0;
    }
  }
  return 1;
}

#endif /* MOTE_KERNELS_INTERNAL_H */
