/* ln(x) without libm: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) for
 * s = (m - 1) / (m + 1) (|s| < 0.172) by its odd series, e ln2 added in two parts. */
#include <string.h>

#include "../internal.h"

static float from_bits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

float mote_logf(float x) {
  const float ln2_hi = 0.693145751953125f; /* 16 significant bits: e * ln2_hi is exact */
  const float ln2_lo = 1.42860682030941723212e-6f;
  uint32_t bits;
  int32_t e = 0;
  float m, s, s2, q;
  if (x != x || x < 0.0f) {
    return from_bits(0x7fc00000u); /* NaN */
  }
  if (x == 0.0f) {
    return from_bits(0xff800000u); /* -inf */
  }
  if (x > 3.40282347e38f) {
    return x; /* +inf */
  }
  memcpy(&bits, &x, sizeof bits);
  if (bits < 0x00800000u) { /* subnormal: scale into the normal range first */
    x *= 8388608.0f;
    memcpy(&bits, &x, sizeof bits);
    e = -23;
  }
  e += (int32_t)(bits >> 23) - 127;
  m = from_bits((bits & 0x007fffffu) | 0x3f800000u);
  if (m > 1.41421356f) {
    m *= 0.5f;
    ++e;
  }
  s = (m - 1.0f) / (m + 1.0f);
  s2 = s * s;
  q = 2.0f / 13.0f;
  q = q * s2 + 2.0f / 11.0f;
  q = q * s2 + 2.0f / 9.0f;
  q = q * s2 + 2.0f / 7.0f;
  q = q * s2 + 2.0f / 5.0f;
  q = q * s2 + 2.0f / 3.0f;
  return (float)e * ln2_hi + ((float)e * ln2_lo + (2.0f * s + s * s2 * q));
}
