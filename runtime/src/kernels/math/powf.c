/* x^y without libm as exp(y ln |x|), with std::pow's special cases for zero, negative and
 * non-finite operands. */
#include <string.h>

#include "../internal.h"

float mote_powf(float x, float y) {
  const float two23 = 8388608.0f;
  const float ay = y < 0.0f ? -y : y;
  float r;
  int odd = 0;
  if (y == 0.0f || x == 1.0f) {
    return 1.0f;
  }
  if (x != x || y != y) {
    return x + y; /* NaN */
  }
  if (x == 0.0f) {
    return y > 0.0f ? 0.0f : 1.0f / (x * x); /* +inf */
  }
  if (x < 0.0f) {
    /* |y| >= 2^23 is always integral; below, the int32 conversion is exact */
    if (ay < two23 && (float)(int32_t)y != y) {
      return (x - x) / (x - x); /* NaN */
    }
    odd = ay < two23 && ((int32_t)y & 1);
    x = -x;
  }
  r = mote_expf(y * mote_logf(x));
  return odd ? -r : r;
}
