/* mote_fully_connected_s8_sparse8 on the DSP extension, 16 instructions per group of four
 * entries: one LDRD takes the four gaps and the four values, which SXTB16 and SXTB16 ROR 8
 * spread into the halves (v0, v2) and (v1, v3); per entry UXTAB moves the input pointer by its
 * gap byte, LDRSB loads the input there and SMLABB / SMLABT adds it times the value's half.
 * Groups go two per loop, an odd one first. Each row ends in the DSP kernels' requantization:
 * the records' biases hold the folded input offset. */
#include "../dsp_internal.h"
#include "sparse8.h"

#if MOTE_DSP_ASM
/* The groups' loads: LDRD needs them 4-byte aligned; two LDRs do not. */
#define MOTE_LOAD_LDRD "ldrd %[gaps], %[v02], [%[g]], #8\n\t"
#define MOTE_LOAD_LDR "ldr %[gaps], [%[g]], #4\n\tldr %[v02], [%[g]], #4\n\t"
#define MOTE_GROUP(load)                           \
  load "uxtab %[x], %[x], %[gaps]\n\t"             \
  "ldrsb %[t], [%[x]]\n\t"                         \
  "sxtb16 %[v13], %[v02], ror #8\n\t"              \
  "sxtb16 %[v02], %[v02]\n\t"                      \
  "smlabb %[acc], %[t], %[v02], %[acc]\n\t"        \
  "uxtab %[x], %[x], %[gaps], ror #8\n\t"          \
  "ldrsb %[t], [%[x]]\n\t"                         \
  "smlabb %[acc], %[t], %[v13], %[acc]\n\t"        \
  "uxtab %[x], %[x], %[gaps], ror #16\n\t"         \
  "ldrsb %[t], [%[x]]\n\t"                         \
  "smlabt %[acc], %[t], %[v02], %[acc]\n\t"        \
  "uxtab %[x], %[x], %[gaps], ror #24\n\t"         \
  "ldrsb %[t], [%[x]]\n\t"                         \
  "smlabt %[acc], %[t], %[v13], %[acc]\n\t"
/* n >= 1 groups, g advanced past them. LSRS leaves the pairs in n, the odd group in C and "no
 * pair" in Z, which the group's instructions do not touch. */
#define MOTE_DOT(load)                                                                      \
  __asm__("lsrs %[n], %[n], #1\n\t"                                                         \
          "bcc 1f\n\t" MOTE_GROUP(load) "beq 2f\n\t"                                        \
          "1:\n\t" MOTE_GROUP(load) MOTE_GROUP(load) "subs %[n], %[n], #1\n\t"              \
          "bne 1b\n\t"                                                                      \
          "2:"                                                                              \
          : [g] "+r"(g), [n] "+r"(n), [x] "+r"(x), [acc] "+r"(acc), [gaps] "=&r"(gaps),     \
            [v02] "=&r"(v02), [v13] "=&r"(v13), [t] "=&r"(t)                                \
          :                                                                                 \
          : "cc", "memory")
MOTE_ALWAYS_INLINE int32_t dot(const uint8_t **gp, uint32_t n, const int8_t *x, int32_t acc,
                               int aligned) {
  const uint8_t *g = *gp;
  uint32_t gaps, v02, v13, t;
  if (aligned) {
    MOTE_DOT(MOTE_LOAD_LDRD);
  } else {
    MOTE_DOT(MOTE_LOAD_LDR);
  }
  *gp = g;
  return acc;
}
#undef MOTE_DOT
#undef MOTE_GROUP
#undef MOTE_LOAD_LDR
#undef MOTE_LOAD_LDRD
#else
MOTE_ALWAYS_INLINE int32_t dot(const uint8_t **gp, uint32_t n, const int8_t *x, int32_t acc,
                               int aligned) {
  const int32_t a = mote__sparse8_dot_c(*gp, n, x, acc);
  (void)aligned;
  *gp += 8u * n;
  return a;
}
#endif

/* Every row of one input vector x into y[0..n_rows), from the counts at c, the groups at g and
 * the records at r; full: the clamp is all of int8; aligned: g is on a 4-byte boundary
 * (constants where this is inlined). All in locals: the output stores could alias fields. */
MOTE_ALWAYS_INLINE void rows(const uint8_t *c, const uint8_t *g, const int32_t *r,
                             const int8_t *x, int8_t *y, int32_t n_rows, int32_t lo, int32_t hi,
                             int full, int aligned) {
  const int8_t *end = y + n_rows;
  for (; y < end; ++y, c += 2, r += 4) {
    const uint32_t n = (uint32_t)c[0] | (uint32_t)c[1] << 8;
    const int32_t acc = n > 0u ? dot(&g, n, x, r[0], aligned) : r[0];
    *y = mote__dsp_clamp(mote__dsp_requant(acc, r), full, lo, hi);
  }
}

mote_status mote_fully_connected_s8_sparse8_dsp(const mote_fc_s8_dsp_params *p, const int8_t *in,
                                                const mote_wenc *w, const int32_t *chan,
                                                int8_t *out) {
  const mote_status st = mote__sparse8_check(w, p->out_features, p->in_features);
  const int full = p->act_min == -128 && p->act_max == 127;
  const uint8_t *c, *g;
  int aligned;
  int32_t b, o;
  if (p->batches <= 0 || p->in_features <= 0 || p->out_features <= 0 || chan == NULL ||
      p->reverse != 0 || !mote__act_s8_ok(p->act_min, p->act_max)) {
    return MOTE_ERR_PARAM;
  }
  for (o = 0; o < p->out_features; ++o) {
    if (chan[4 * o + 2] < 1 || chan[4 * o + 2] > 31) {
      return MOTE_ERR_PARAM;
    }
  }
  if (st != MOTE_OK) {
    return st;
  }
  c = w->blob + w->stream_offset;
  g = c + mote_wenc_groups_at(w);
  aligned = ((uintptr_t)g & 3u) == 0u;
  for (b = 0; b < p->batches; ++b) {
    const int8_t *x = in + (size_t)b * p->in_features;
    int8_t *y = out + (size_t)b * p->out_features;
    const int32_t m = p->out_features, lo = p->act_min, hi = p->act_max;
    if (full && aligned) {
      rows(c, g, chan, x, y, m, lo, hi, 1, 1);
    } else if (full) {
      rows(c, g, chan, x, y, m, lo, hi, 1, 0);
    } else if (aligned) {
      rows(c, g, chan, x, y, m, lo, hi, 0, 1);
    } else {
      rows(c, g, chan, x, y, m, lo, hi, 0, 0);
    }
  }
  return MOTE_OK;
}
