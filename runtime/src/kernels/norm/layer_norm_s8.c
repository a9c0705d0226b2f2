/* Layer normalization over the last `inner` codes of each row, int8, in integers only (see
 * kernels.h for the arithmetic). */
#include "../internal.h"

/* x / 2^e rounded half away from zero, e >= 1. Positive values only are shifted, so no
 * implementation-defined right shift of a negative is used. */
static int64_t round_shift64(int64_t x, int32_t e) {
  const int64_t half = (int64_t)1 << (e - 1);
  return x >= 0 ? (x + half) >> e : -((-x + half) >> e);
}

/* 1 / sqrt(w) for w >= 1 as z * 2^-(44 + *h): w is scaled by 4^-h into u in [2^28, 2^30),
 * which read as a Q30 number a in [1/4, 1) has 1 / sqrt(a) in (1, 2]; z is that in Q29, from
 * the line 2 - 5/4 (a - 1/4) (above the convex 1/sqrt, within 25 %; shifts and adds, no
 * division, which Cortex-M0 lacks) and five Newton steps z <- z (3 - a z^2) / 2, each about
 * squaring the relative error, to within 1.2 units of Q29 (measured over u). */
static int64_t rsqrt_q29(int64_t w, int32_t *h) {
  int32_t bits = 0, e;
  int64_t u, z, i;
  while (bits < 62 && (w >> bits) > 1) {
    ++bits;
  }
  e = bits + 1 - 30; /* bit length minus 30 */
  if (e % 2 != 0) {
    ++e;
  }
  u = e >= 0 ? w >> e : w << -e;
  *h = e / 2;
  z = ((int64_t)1 << 30) - (((u - ((int64_t)1 << 28)) + ((u - ((int64_t)1 << 28)) >> 2)) >> 1);
  for (i = 0; i < 5; ++i) {
    const int64_t z2 = (z * z) >> 29;
    const int64_t az2 = (u * z2) >> 30;
    z = (z * (((int64_t)3 << 29) - az2)) >> 30;
  }
  return z;
}

mote_status mote_layer_norm_s8(const mote_layer_norm_s8_params *p, const int8_t *in, int8_t *out) {
  int32_t r, k;
  if (!p || !in || !out || !p->multiplier || !p->shift || !p->bias || p->rows <= 0 || p->inner <= 0 ||
      p->inner > 65536 || p->eps_term < 0) {
    return MOTE_ERR_PARAM;
  }
  for (r = 0; r < p->rows; ++r) {
    const int8_t *x = in + (size_t)r * (size_t)p->inner;
    int8_t *y = out + (size_t)r * (size_t)p->inner;
    int32_t sum = 0, h = 0;
    int64_t sq = 0, w, z = 0;
    for (k = 0; k < p->inner; ++k) {
      sum += x[k];
      sq += (int32_t)x[k] * x[k];
    }
    w = (int64_t)p->inner * sq - (int64_t)sum * sum + p->eps_term;
    if (w > 0) {
      z = rsqrt_q29(w, &h);
    }
    for (k = 0; k < p->inner; ++k) {
      const int64_t d = (int64_t)p->inner * x[k] - sum;
      /* w = 0 only for a constant row without epsilon: every d is 0 there */
      const int64_t n = w > 0 ? round_shift64(d * z, 22 + h) : 0;
      const int32_t s1 = 45 - p->shift[k];
      const int64_t scaled = s1 < 63 ? round_shift64(n * p->multiplier[k], s1) : 0;
      const int64_t v = round_shift64(scaled + p->bias[k], 8) + p->out_zp;
      y[k] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
  }
  return MOTE_OK;
}
