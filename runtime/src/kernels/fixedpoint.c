/* Exported requantization; the kernels inline the same helper from internal.h. */
#include "internal.h"

int32_t mote_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  return mote__mbqm(x, multiplier, shift);
}
