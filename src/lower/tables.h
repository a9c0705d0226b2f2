// Float functions and int8 lookup tables the lowering builds; exposed for tests.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "ir/ir.h"

namespace mote {

// y = f(x) of a unary activation node (Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid,
// HardSwish) with its attributes; throws for any other op.
double unary_fn(const Node& n, double x);

// 256-entry table for mote_lut_s8: entry q + 128 is f(dequantized q) quantized to the output,
// rounded half away from zero and clamped to int8.
std::vector<int8_t> requant_table(double in_scale, int32_t in_zp, double out_scale, int32_t out_zp,
                                  const std::function<double(double)>& f);

}  // namespace mote
