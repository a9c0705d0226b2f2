// Compile-time parameters of the int8 <-> float32 DEQUANTIZE / QUANTIZE kernels. (int8 -> int8
// QUANTIZE is a mote_lut_s8 table of TFLM's Requantize, built by the lowering.)
#pragma once

#include "lower/params/quant.h"
#include "mote/kernels.h"

namespace mote {

// The int8 side's scale and zero point, checked: TFLM uses them as stored.
mote_quant_params quant_params(TensorQuant q);

}  // namespace mote
