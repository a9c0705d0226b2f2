/* exp(x) without libm: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2), e^r by a
 * degree-7 Taylor polynomial written as 1 + (r + r^2 q(r)) so the final rounding dominates,
 * then scaling by 2^n built from its IEEE-754 bits. */
#include <string.h>

#include "../internal.h"

static float pow2i(int32_t n) { /* 2^n for -126 <= n <= 127 */
  const uint32_t bits = (uint32_t)(n + 127) << 23;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

float mote_expf(float x) {
  const float log2e = 1.44269504088896341f;
  const float ln2_hi = 0.693145751953125f; /* 16 significant bits: n * ln2_hi is exact */
  const float ln2_lo = 1.42860682030941723212e-6f;
  float t, r, q, p;
  int32_t n;
  if (x != x) {
    return x; /* NaN */
  }
  if (x > 88.72283935546875f) {
    const uint32_t inf_bits = 0x7f800000u;
    float inf;
    memcpy(&inf, &inf_bits, sizeof inf);
    return inf;
  }
  if (x < -103.972084f) {
    return 0.0f;
  }
  t = x * log2e;
  n = (int32_t)(t >= 0.0f ? t + 0.5f : t - 0.5f);
  r = (x - (float)n * ln2_hi) - (float)n * ln2_lo;
  q = 1.0f / 5040.0f;
  q = q * r + 1.0f / 720.0f;
  q = q * r + 1.0f / 120.0f;
  q = q * r + 1.0f / 24.0f;
  q = q * r + 1.0f / 6.0f;
  q = q * r + 0.5f;
  p = 1.0f + (r + r * r * q);
  if (n > 127) {
    return p * pow2i(127) * pow2i(n - 127);
  }
  if (n < -126) { /* denormal result: scale in two steps */
    return p * pow2i(n + 64) * pow2i(-64);
  }
  return p * pow2i(n);
}
