/* sqrt(x) without libm. Halving the exponent bits gives a guess within 4%; three Newton steps
 * in double take that below 1e-13, so rounding to float is all that is left. */
#include <string.h>

#include "../internal.h"

float mote_sqrtf(float x) {
  uint32_t bits;
  float guess;
  double y, d = x;
  int k;
  if (x != x || x < 0.0f) {
    bits = 0x7fc00000u; /* NaN */
    memcpy(&guess, &bits, sizeof guess);
    return guess;
  }
  if (x == 0.0f || x > 3.4e38f) {
    return x; /* +-0 and +inf are their own roots */
  }
  if (x < 1.2e-38f) {
    return (float)(mote_sqrtf(x * 16777216.0f) / 4096.0f); /* subnormal: scale by 2^24 */
  }
  memcpy(&bits, &x, sizeof bits);
  bits = (bits >> 1) + 0x1fbb4000u;
  memcpy(&guess, &bits, sizeof guess);
  y = guess;
  for (k = 0; k < 3; ++k) {
    y = 0.5 * (y + d / y);
  }
  return (float)y;
}
