// A tensor's per-tensor int8 quantization as TFLite stores it, for the params functions.
#pragma once
#include <cstdint>

namespace mote {

struct TensorQuant {
  float scale;  // float, as TFLite keeps it: TFLM's Prepare arithmetic starts from these bits
  int32_t zero_point;
};

}  // namespace mote
