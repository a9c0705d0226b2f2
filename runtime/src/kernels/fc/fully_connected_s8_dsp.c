/* int8 fully connected on the DSP extension, 3 instructions per 4 MACs. The compiler stores each
 * group of 4 weights w0..w3 of a row as one word whose bytes are w0 + 128, w1, w2 + 128, w3: its
 * 16-bit halves are then exactly h0 = (w0 + 128) + 256 w1 and h1 = (w2 + 128) + 256 w3, and
 * SXTB16 ROR 8 gives (w1, w3). The kernel first turns each group of 4 inputs x0..x3 into the
 * pairs p = (x0, x2) and q = (x1 - 128 - 256 x0, x3 - 128 - 256 x2), all within int16, so that
 *   SMLAD(p, word) + SMLAD(q, SXTB16 ROR 8 word)
 *     = x0 w0 + x1 w1 + x2 w2 + x3 w3 + 128 (x0 + x2) - 128 (w1 + w3).
 * The weight term 128 (w1 + w3) summed over the row, like -in_zp * sum w, is in the record's bias;
 * the input term 128 * sum of the even inputs is subtracted once per input vector. The sums wrap
 * in int32 like SMLAD; only the final accumulator, the exact TFLite one, has to fit.
 * Rows go four at a time: each input pair is loaded once for four rows. Input vectors go first to
 * last, or last to first (reverse) so that a growing layer's output may start where its input
 * does: each vector is expanded into scratch before its outputs are written. */
#include "../dsp_internal.h"

/* groups of 4 inputs, even: the loop takes two at a time */
static int32_t k_groups(const mote_fc_s8_dsp_params *p) { return (p->in_features + 7) / 8 * 2; }

size_t mote_fully_connected_s8_dsp_scratch_bytes(const mote_fc_s8_dsp_params *p) {
  return p->in_features > 0 && !p->lean ? (size_t)k_groups(p) * 8u : 0u;
}

/* The pairs (p, q) of one group of 4 inputs packed in x (byte 0 = x0); returns p. */
static inline uint32_t expand_group(uint32_t x, uint32_t *q) {
  /* (256 x0 + 128, 256 x2 + 128): the even bytes moved up, 128 in the low bytes */
  const uint32_t hi = ((x << 8) & 0xFF00FF00u) | 0x00800080u;
  *q = mote_usub16(mote_sxtb16_ror8(x), hi);
  return mote_sxtb16(x);
}

/* The pairs of one input vector into col (zeros past in_features); returns 128 * the sum of its
 * even inputs. */
static int32_t expand(const mote_fc_s8_dsp_params *p, const int8_t *x, uint32_t *col) {
  const int32_t k = p->in_features, full = k / 4, groups = k_groups(p);
  int32_t g, sum = 0;
  for (g = 0; g < full; ++g) {
    const uint32_t e = expand_group(mote_ld32(x + 4 * g), &col[2 * g + 1]);
    col[2 * g] = e;
    sum = mote_smlad(e, 0x00010001u, sum);
  }
  for (; g < groups; ++g) {
    uint8_t b[4] = {0, 0, 0, 0};
    uint32_t e;
    int32_t j;
    for (j = 0; j < 4 && 4 * g + j < k; ++j) {
      b[j] = (uint8_t)x[4 * g + j];
    }
    e = expand_group(mote_ld32(b), &col[2 * g + 1]);
    col[2 * g] = e;
    sum = mote_smlad(e, 0x00010001u, sum);
  }
  return sum * 128;
}

/* The accumulators *a0..*a3 of four rows over the pairs [col, end), from their values as set,
 * the rows' weight words at *w (advanced past them: per group, one word per row). */
/* For the asm loops below: the four rows' MACs of a group, its pairs in %[p] and %[q], the rows'
 * weight words at %[w] (advanced past them), mac_rows' instructions. */
#define MOTE_ROW(a, wr)                           \
  "smlad %[" a "], %[p], %[" wr "], %[" a "]\n\t" \
  "sxtb16 %[" wr "], %[" wr "], ror #8\n\t"       \
  "smlad %[" a "], %[q], %[" wr "], %[" a "]\n\t"
#define MOTE_ROWS                           \
  "ldrd %[w0], %[w1], [%[w]], #8\n\t"       \
  MOTE_ROW("a0", "w0") MOTE_ROW("a1", "w1") \
  "ldrd %[w0], %[w1], [%[w]], #8\n\t"       \
  MOTE_ROW("a2", "w0") MOTE_ROW("a3", "w1")
#if MOTE_DSP_ASM
/* The C version's instructions with LDRD and post-indexing: 15 per group of 16 MACs, the four
 * accumulators, the pair and two weight words in registers. LDRD needs the 4-byte aligned
 * scratch and weights. */
#define MOTE_GROUP "ldrd %[p], %[q], [%[x]], #8\n\t" MOTE_ROWS
MOTE_ALWAYS_INLINE void accumulate(const uint32_t *col, const uint32_t *end, const int32_t **w,
                                   int32_t *a0, int32_t *a1, int32_t *a2, int32_t *a3) {
  const uint32_t *x = col;
  const int32_t *wp = *w;
  uint32_t p, q, w0, w1;
  __asm__("1:\n\t" MOTE_GROUP MOTE_GROUP
          "cmp %[x], %[end]\n\t"
          "blo 1b"
          : [x] "+r"(x), [w] "+r"(wp), [a0] "+r"(*a0), [a1] "+r"(*a1), [a2] "+r"(*a2),
            [a3] "+r"(*a3), [p] "=&r"(p), [q] "=&r"(q), [w0] "=&r"(w0), [w1] "=&r"(w1)
          : [end] "r"(end)
          : "cc", "memory");
  *w = wp;
}
#undef MOTE_GROUP
#else
/* one row's 4 MACs of a group */
static inline int32_t mac4(const uint32_t *x, uint32_t wr, int32_t a) {
  return mote_smlad(x[1], mote_sxtb16_ror8(wr), mote_smlad(x[0], wr, a));
}
MOTE_ALWAYS_INLINE void accumulate(const uint32_t *col, const uint32_t *end, const int32_t **w,
                                   int32_t *a0, int32_t *a1, int32_t *a2, int32_t *a3) {
  const uint32_t *x = col;
  const int32_t *wp = *w;
  do {
    *a0 = mac4(x, (uint32_t)wp[0], *a0);
    *a1 = mac4(x, (uint32_t)wp[1], *a1);
    *a2 = mac4(x, (uint32_t)wp[2], *a2);
    *a3 = mac4(x, (uint32_t)wp[3], *a3);
    x += 2;
    wp += 4;
  } while (x < end);
  *w = wp;
}
#endif

/* Lean: 128 * the sum of the even inputs of the vector at x, which expand() returns. */
static int32_t even_sum(const mote_fc_s8_dsp_params *p, const int8_t *x) {
  int32_t k, sum = 0;
  for (k = 0; k < p->in_features; k += 2) {
    sum += x[k];
  }
  return sum * 128;
}

/* The record's bias less the even-input term, wrapping like the sums. */
static inline int32_t start(const int32_t *r, int32_t even) {
  return (int32_t)((uint32_t)r[0] - (uint32_t)even);
}

/* Every row of one input vector's pairs at col into y; full: the clamp is all of int8 (a
 * constant where it is inlined). */
MOTE_ALWAYS_INLINE void rows(const mote_fc_s8_dsp_params *p, const uint32_t *col, int32_t even,
                             const int32_t *w, const int32_t *c, int8_t *y, int full) {
  const uint32_t *end = col + 2 * k_groups(p);
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t left;
  for (left = p->out_features; left > 0; left -= 4) {
    int32_t a0 = start(c, even), a1 = start(c + 4, even), a2 = start(c + 8, even),
            a3 = start(c + 12, even);
    int8_t v0, v1, v2, v3;
    accumulate(col, end, &w, &a0, &a1, &a2, &a3);
    v0 = mote__dsp_clamp(mote__dsp_requant(a0, c), full, lo, hi);
    v1 = mote__dsp_clamp(mote__dsp_requant(a1, c + 4), full, lo, hi);
    v2 = mote__dsp_clamp(mote__dsp_requant(a2, c + 8), full, lo, hi);
    v3 = mote__dsp_clamp(mote__dsp_requant(a3, c + 12), full, lo, hi);
    y[0] = v0;
    if (left >= 4) { /* one test for a whole block */
      y[1] = v1;
      y[2] = v2;
      y[3] = v3;
    } else { /* the padding rows of the last block are not stored */
      if (left > 1) {
        y[1] = v1;
      }
      if (left > 2) {
        y[2] = v2;
      }
    }
    c += 16;
    y += 4;
  }
}

/* Lean: four rows' accumulators over one group's pairs (e, q) and the rows' weight words w. */
static inline void mac_rows(uint32_t e, uint32_t q, const int32_t *w, int32_t *a) {
  a[0] = mote_smlad(q, mote_sxtb16_ror8((uint32_t)w[0]), mote_smlad(e, (uint32_t)w[0], a[0]));
  a[1] = mote_smlad(q, mote_sxtb16_ror8((uint32_t)w[1]), mote_smlad(e, (uint32_t)w[1], a[1]));
  a[2] = mote_smlad(q, mote_sxtb16_ror8((uint32_t)w[2]), mote_smlad(e, (uint32_t)w[2], a[2]));
  a[3] = mote_smlad(q, mote_sxtb16_ror8((uint32_t)w[3]), mote_smlad(e, (uint32_t)w[3], a[3]));
}

/* Lean: the accumulators a of four rows over the `whole` (>= 1) groups of 4 inputs at x, each
 * expanded by expand_group, and mac_rows on the rows' weight words at *w (advanced past them). */
#if MOTE_DSP_ASM
/* The C version's instructions, one group per turn: 23 per 16 MACs, 13 registers (GCC spills
 * the four accumulators around the C version's calls: 27). */
static inline void lean_groups(const int8_t *x, int32_t whole, const int32_t **w, int32_t *a) {
  const int8_t *end = x + 4 * whole;
  const int32_t *wp = *w;
  int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  uint32_t xw, hi, p, q, w0, w1;
  __asm__("1:\n\t"
          "ldr %[xw], [%[x]], #4\n\t"
          "lsl %[hi], %[xw], #8\n\t"
          "and %[hi], %[hi], #0xFF00FF00\n\t"
          "orr %[hi], %[hi], #0x00800080\n\t"
          "sxtb16 %[q], %[xw], ror #8\n\t"
          "usub16 %[q], %[q], %[hi]\n\t"
          "sxtb16 %[p], %[xw]\n\t"
          MOTE_ROWS
          "cmp %[x], %[end]\n\t"
          "blo 1b"
          : [x] "+r"(x), [w] "+r"(wp), [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),
            [xw] "=&r"(xw), [hi] "=&r"(hi), [p] "=&r"(p), [q] "=&r"(q), [w0] "=&r"(w0),
            [w1] "=&r"(w1)
          : [end] "r"(end)
          : "cc", "memory");
  *w = wp;
  a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}
#else
static inline void lean_groups(const int8_t *x, int32_t whole, const int32_t **w, int32_t *a) {
  int32_t g;
  for (g = 0; g < whole; ++g) {
    uint32_t q;
    const uint32_t e = expand_group(mote_ld32(x + 4 * g), &q);
    mac_rows(e, q, *w, a);
    *w += 4;
  }
}
#endif
#undef MOTE_ROWS
#undef MOTE_ROW

/* Lean: every row of the vector at x into y with no scratch, each group's pairs made again for
 * every block of four rows (about 1.4 instructions per MAC instead of 0.9); the groups past
 * in_features, zero inputs against zero weights, are skipped. */
static void rows_lean(const mote_fc_s8_dsp_params *p, const int8_t *x, int32_t even, const int32_t *w,
                      const int32_t *c, int8_t *y, int full) {
  const int32_t whole = p->in_features / 4, lo = p->act_min, hi = p->act_max;
  uint8_t b[4] = {0, 0, 0, 0};
  uint32_t tail_e, tail_q;
  int32_t left, j;
  for (j = 0; 4 * whole + j < p->in_features; ++j) { /* the last, partial group, zero-filled */
    b[j] = (uint8_t)x[4 * whole + j];
  }
  tail_e = expand_group(mote_ld32(b), &tail_q);
  for (left = p->out_features; left > 0; left -= 4) {
    int32_t a[4];
    const int32_t *wp = w;
    int8_t v[4];
    a[0] = start(c, even), a[1] = start(c + 4, even), a[2] = start(c + 8, even), a[3] = start(c + 12, even);
    if (whole > 0) {
      lean_groups(x, whole, &wp, a);
    }
    if (j > 0) {
      mac_rows(tail_e, tail_q, wp, a);
    }
    v[0] = mote__dsp_clamp(mote__dsp_requant(a[0], c), full, lo, hi);
    v[1] = mote__dsp_clamp(mote__dsp_requant(a[1], c + 4), full, lo, hi);
    v[2] = mote__dsp_clamp(mote__dsp_requant(a[2], c + 8), full, lo, hi);
    v[3] = mote__dsp_clamp(mote__dsp_requant(a[3], c + 12), full, lo, hi);
    memcpy(y, v, (size_t)(left < 4 ? left : 4)); /* the padding rows of the last block are not stored */
    w += 4 * k_groups(p);
    c += 16;
    y += 4;
  }
}

mote_status mote_fully_connected_s8_dsp(const mote_fc_s8_dsp_params *p, const int8_t *in,
                                        const int32_t *w, const int32_t *chan, int8_t *out,
                                        void *scratch) {
  uint32_t *col = (uint32_t *)scratch;
  const int full = p->act_min == -128 && p->act_max == 127;
  int32_t t, o;
  if (p->batches <= 0 || p->in_features <= 0 || p->out_features <= 0 || chan == NULL ||
      (scratch == NULL && !p->lean) || !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  for (o = 0; o < (p->out_features + 3) / 4 * 4; ++o) {
    if (chan[4 * o + 2] < 1 || chan[4 * o + 2] > 31) {
      return MOTE_ERR_PARAM;
    }
  }
  for (t = 0; t < p->batches; ++t) {
    const int32_t b = p->reverse ? p->batches - 1 - t : t;
    const int8_t *x = in + (size_t)b * p->in_features;
    int8_t *y = out + (size_t)b * p->out_features;
    if (p->lean) { /* one copy for both clamps: the lean path is about RAM, not speed */
      rows_lean(p, x, even_sum(p, x), w, chan, y, full);
    } else if (full) {
      rows(p, col, expand(p, x, col), w, chan, y, 1);
    } else {
      rows(p, col, expand(p, x, col), w, chan, y, 0);
    }
  }
  return MOTE_OK;
}
