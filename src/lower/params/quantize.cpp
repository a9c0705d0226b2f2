// Parameters of mote_dequantize_s8 / mote_quantize_f32.
#include "lower/params/quantize.h"

#include <cmath>

#include "util/error.h"

namespace mote {

mote_quant_params quant_params(TensorQuant q) {
  if (!(q.scale > 0.0f) || !std::isfinite(q.scale)) fail("Quantize/Dequantize: int8 scale {} must be positive and finite", q.scale);
  if (q.zero_point < -128 || q.zero_point > 127) fail("Quantize/Dequantize: int8 zero point {} is outside [-128, 127]", q.zero_point);
  return {q.scale, q.zero_point};
}

}  // namespace mote
