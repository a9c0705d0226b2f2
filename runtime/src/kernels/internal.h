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

/* TFLM's MultiplyByQuantizedMultiplier for int64 sums (16x8 kernels): the Q31 multiplier
 * rounded to 16 bits, then a rounding right shift by 15 - shift (shift in [-31, 7], so the
 * shift is 8..46 and the product of an |x| < 2^47 stays inside int64). The result is returned
 * in 64 bits; callers clamp it. */
static inline int64_t mote__mbqm64(int64_t x, int32_t multiplier, int32_t shift) {
  const int64_t m16 = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
  const int32_t total = 15 - shift;
  const int64_t v = x * m16 + ((int64_t)1 << (total - 1));
  return v < 0 ? ~(~v >> total) : v >> total;
}

/* The per-channel requantization a 16x8 kernel accepts: non-negative multipliers, shifts in
 * [-31, 7]. */
static inline int mote__requant16_ok(const int32_t *multiplier, const int32_t *shift, int32_t n) {
  int32_t i;
  if (multiplier == NULL || shift == NULL) {
    return 0;
  }
  for (i = 0; i < n; ++i) {
    if (multiplier[i] < 0 || shift[i] < -31 || shift[i] > 7) {
      return 0;
    }
  }
  return 1;
}

static inline int64_t mote__clamp_i64(int64_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* int16 activation range must lie inside int16. */
static inline int mote__act_s16_ok(int32_t act_min, int32_t act_max) {
  return act_min >= -32768 && act_min <= act_max && act_max <= 32767;
}

static inline int32_t mote__clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

static inline float mote__clamp_f32(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* int16 saturation, as TFLM's int16 gate arithmetic clamps. */
static inline int16_t mote__sat_s16(int32_t v) { return (int16_t)mote__clamp_i32(v, -32768, 32767); }

/* TFLM's int16 logistic (reference_integer_ops::Logistic with a Q3.12 input): linear
 * interpolation in table (sigmoid(k/24), Q0.16) of |3x| / 2^9, mirrored for negative x;
 * result Q0.15. */
static inline int16_t mote__sigmoid_q15(int32_t x, const uint16_t *table) {
  const int32_t v = x * 3;
  const uint32_t a = (uint32_t)(v < 0 ? -v : v);
  const uint32_t k = a >> 9;
  uint32_t res;
  if (k >= 255u) {
    res = (uint32_t)0x7FFF << 10;
  } else {
    res = ((uint32_t)table[k] << 9) + (a & 0x1FFu) * (uint32_t)(table[k + 1] - table[k]);
  }
  res = v >= 0 ? res + ((uint32_t)1 << 9) : ((uint32_t)1 << 25) - res + ((uint32_t)1 << 9) - 1u;
  return (int16_t)(res >> 10);
}

/* TFLM's int16 tanh (tanh(x) = 2 sigmoid(2x) - 1 on the same table): the input is first rescaled
 * to (x * m + 2^(s-1)) >> s, the unit of which the compiler chose; result Q0.15. */
static inline int16_t mote__tanh_q15(int32_t x, int32_t m, int32_t s, const uint16_t *table) {
  const int32_t v = mote__asr(x * m + (s > 0 ? (int32_t)1 << (s - 1) : 0), s);
  const uint32_t a = (uint32_t)(v < 0 ? -v : v);
  const uint32_t k = a >> 8;
  int32_t res;
  if (k >= 255u) {
    res = (int32_t)0xFFFF << 8;
  } else {
    res = (int32_t)(((uint32_t)table[k] << 8) + (a & 0xFFu) * (uint32_t)(table[k + 1] - table[k]));
  }
  res = v >= 0 ? res - ((int32_t)1 << 23) + 128 : -res + ((int32_t)1 << 23) + 127;
  return (int16_t)mote__asr(res, 8);
}

/* Recurrent layer shape shared by the LSTM / GRU kernels. */
static inline int mote__rnn_shape_ok(int32_t steps, int32_t in_features, int32_t hidden) {
  return steps > 0 && in_features > 0 && hidden > 0;
}

/* int8 activation range must lie inside int8. */
static inline int mote__act_s8_ok(int32_t act_min, int32_t act_max) {
  return act_min >= -128 && act_min <= act_max && act_max <= 127;
}

/* The parameters every int8 fully-connected variant accepts. */
static inline int mote__fc_s8_ok(const mote_fc_s8_params *p) {
  return p->batches > 0 && p->in_features > 0 && p->out_features > 0 && p->multiplier != NULL &&
         p->shift != NULL && mote__act_s8_ok(p->act_min, p->act_max);
}

/* One int8 FC output from sum_k x[k] * w[o][k] and sum_k w[o][k]: the input offset folds into
 * the weight sum (weights are symmetric), then bias, requantization, clamp. */
static inline int8_t mote__fc_s8_out(const mote_fc_s8_params *p, const int32_t *bias, int32_t o,
                                     int32_t dot, int32_t wsum) {
  const int32_t ch = p->per_channel ? o : 0;
  int32_t acc = dot - p->in_zp * wsum + (bias != NULL ? bias[o] : 0);
  acc = mote__mbqm(acc, p->multiplier[ch], p->shift[ch]) + p->out_zp;
  return (int8_t)mote__clamp_i32(acc, p->act_min, p->act_max);
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

/* Offsets into operands a and b of the first element of output row r, a row being the last
 * output dim (r < dims[0] * dims[1] * dims[2]). Divides, so call it once per row. */
static inline void mote__bcast_row(const mote_bcast *bc, int32_t r, size_t *ia, size_t *ib) {
  const int32_t i2 = r % bc->dims[2];
  const int32_t i1 = (r / bc->dims[2]) % bc->dims[1];
  const int32_t i0 = r / bc->dims[2] / bc->dims[1];
  *ia = (size_t)i0 * bc->a_stride[0] + (size_t)i1 * bc->a_stride[1] + (size_t)i2 * bc->a_stride[2];
  *ib = (size_t)i0 * bc->b_stride[0] + (size_t)i1 * bc->b_stride[1] + (size_t)i2 * bc->b_stride[2];
}

/* The loop every broadcasting binary kernel runs: the body sees each output element in order,
 * with ia and ib (size_t) the offsets of its operands in a and b; r and k are int32_t counters.
 * Row offsets are computed once per row, the last dim steps by its strides. */
#define MOTE__BCAST_FOR(bc, r, k, ia, ib)                                                   \
  for ((r) = 0; (r) < (bc)->dims[0] * (bc)->dims[1] * (bc)->dims[2]; ++(r))                 \
    for (mote__bcast_row((bc), (r), &(ia), &(ib)), (k) = 0; (k) < (bc)->dims[3];             \
         ++(k), (ia) += (size_t)(bc)->a_stride[3], (ib) += (size_t)(bc)->b_stride[3])

/* ---- gemmlowp fixed point shared by the softmax, log-softmax and DIV kernels ---- */

/* x * 2^e for 0 < e < 31, saturating to int32 (gemmlowp's SaturatingRoundingMultiplyByPOT). */
static inline int32_t mote__sat_shl(int32_t x, int32_t e) {
  const int32_t limit = (int32_t)(((uint32_t)1 << (31 - e)) - 1u);
  if (x > limit) {
    return INT32_MAX;
  }
  if (x < -limit) {
    return INT32_MIN;
  }
  return (int32_t)((uint32_t)x << e);
}

/* Leading zero bits of a non-zero x. */
static inline int32_t mote__clz32(uint32_t x) {
  int32_t n = 0;
  while (n < 31 && !(x & (0x80000000u >> n))) {
    ++n;
  }
  return n;
}

/* exp(a) for a in [-1/4, 0), Q0.31: 4th-order Taylor series around -1/8. */
static inline int32_t mote__exp_quarter(int32_t a) {
  const int32_t exp_minus_eighth = 1895147668;
  const int32_t x = a + ((int32_t)1 << 28);
  const int32_t x2 = mote__srdhm(x, x);
  const int32_t x3 = mote__srdhm(x2, x);
  const int32_t x4 = mote__srdhm(x2, x2);
  const int32_t poly = mote__rdbp(mote__srdhm(mote__rdbp(x4, 2) + x3, 715827883) + x2, 1);
  return exp_minus_eighth + mote__srdhm(exp_minus_eighth, x + poly);
}

/* exp(a) for a <= 0 in Q5.26, result Q0.31: the fraction of a quarter by the series, then one
 * factor exp(-2^k) per set bit of the whole quarters. */
static inline int32_t mote__exp_neg_q5(int32_t a) {
  static const int32_t exp_neg_pow2[7] = {1672461947, 1302514674, 790015084, 290630308,
                                          39332535,   720401,     242};
  const int32_t frac_bits = 31 - 5;
  const int32_t quarter = (int32_t)1 << (frac_bits - 2);
  const int32_t rem_q = (a & (quarter - 1)) - quarter;
  const int32_t whole = rem_q - a;
  int32_t result = mote__exp_quarter(mote__sat_shl(rem_q, 5));
  int32_t k;
  for (k = 0; k < 7; ++k) {
    if (whole & ((int32_t)1 << (frac_bits - 2 + k))) {
      result = mote__srdhm(result, exp_neg_pow2[k]);
    }
  }
  return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31, by three Newton-Raphson steps in Q2.29. */
static inline int32_t mote__recip_one_plus(int32_t a) {
  const int64_t s = (int64_t)a + INT32_MAX;
  const int32_t half_den = (int32_t)((s + 1) / 2); /* s >= 0: rounds half up */
  int32_t x = 1515870810 + mote__srdhm(half_den, -1010580540);
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t one_minus = ((int32_t)1 << 29) - mote__srdhm(half_den, x);
    x += mote__sat_shl(mote__srdhm(x, one_minus), 2);
  }
  return mote__sat_shl(x, 1);
}

/* TFLite's GetReciprocal for x > 0 in Q(integer_digits): 1/x = result * 2^-bits_over_unit. */
static inline int32_t mote__reciprocal(int32_t x, int32_t integer_digits, int32_t *bits_over_unit) {
  const int32_t headroom = mote__clz32((uint32_t)x);
  *bits_over_unit = integer_digits - headroom;
  return mote__recip_one_plus((int32_t)(((uint32_t)x << headroom) - 0x80000000u));
}

static inline int mote__reduce_ok(const mote_reduce_params *p) {
  return p->outer > 0 && p->reduce > 0 && p->inner > 0;
}

/* ---- softmax and log-softmax rows ---- */

static inline int32_t mote__max_s8(const int8_t *x, int32_t n) {
  int32_t m = x[0];
  int32_t i;
  for (i = 1; i < n; ++i) {
    m = x[i] > m ? x[i] : m;
  }
  return m;
}

static inline float mote__max_f32(const float *x, int32_t n) {
  float m = x[0];
  int32_t i;
  for (i = 1; i < n; ++i) {
    m = x[i] > m ? x[i] : m;
  }
  return m;
}

/* The int8 softmax parameters both kernels accept; cols <= 4095 keeps the Q12.19 sum of
 * exponentials (at most 2^19 per element) inside int32. */
static inline int mote__softmax_s8_ok(int32_t rows, int32_t cols, int32_t multiplier,
                                      int32_t left_shift, int32_t diff_min) {
  return rows > 0 && cols > 0 && cols <= 4095 && left_shift >= 0 && left_shift <= 30 &&
         multiplier >= 0 && diff_min <= 0 &&
         (int64_t)diff_min * ((int64_t)1 << left_shift) >= INT32_MIN;
}

/* A difference to the row max (<= 0) times beta * in_scale, in Q5.26. */
static inline int32_t mote__softmax_diff_q5(int32_t diff, int32_t multiplier, int32_t left_shift) {
  return mote__srdhm(diff * ((int32_t)1 << left_shift), multiplier);
}

/* Sum in Q12.19 of exp(diff) over the row elements whose diff to the max is >= diff_min. */
static inline int32_t mote__softmax_exp_sum(const int8_t *x, int32_t n, int32_t mx,
                                            int32_t diff_min, int32_t multiplier,
                                            int32_t left_shift) {
  int32_t sum = 0;
  int32_t i;
  for (i = 0; i < n; ++i) {
    if (x[i] - mx >= diff_min) {
      const int32_t e = mote__exp_neg_q5(mote__softmax_diff_q5(x[i] - mx, multiplier, left_shift));
      sum += mote__rdbp(e, 12); /* Q0.31 -> Q12.19 */
    }
  }
  return sum;
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

/* A bilinear axis table (resize_bilinear_s8 / _s16): lo/hi inside the input, TFLM's weights
 * within [-512, 1536]. */
static inline int mote__bilinear_axis_ok(const int32_t *lo, const int32_t *hi, const int32_t *frac,
                                         int32_t n, int32_t size) {
  int32_t i;
  if (!mote__index_table_ok(lo, n, size) || !mote__index_table_ok(hi, n, size) || frac == NULL) {
    return 0;
  }
  for (i = 0; i < n; ++i) {
    if (frac[i] < -512 || frac[i] > 1536) {
      return 0;
    }
  }
  return 1;
}

/* The parameters both integer bilinear resizes (int8, int16) accept: same batch and channels,
 * both axes' tables inside the input. */
static inline int mote__resize_bilinear_ok(const mote_resize_bilinear_s8_params *p) {
  return mote__dims_ok(&p->in) && mote__dims_ok(&p->out) && p->in.n == p->out.n &&
         p->in.c == p->out.c &&
         mote__bilinear_axis_ok(p->y_lo, p->y_hi, p->y_frac, p->out.h, p->in.h) &&
         mote__bilinear_axis_ok(p->x_lo, p->x_hi, p->x_frac, p->out.w, p->in.w);
}

#endif /* MOTE_KERNELS_INTERNAL_H */
