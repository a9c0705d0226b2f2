// Post-training int8 quantization per the TFLite int8 spec: per-channel symmetric weights,
// per-tensor asymmetric activations, int32 bias, requantization by Q31 multiplier and shift.
#pragma once
#include <string>
#include <vector>

#include "io/array.h"
#include "ir/ir.h"

namespace mote {

enum class CalibMethod { MinMax, Percentile, Mse };
CalibMethod calib_method_from_name(const std::string& s);  // throws on unknown
const char* calib_method_name(CalibMethod m);

struct LayerSqnr {
  std::string node;
  std::string op;
  double sqnr_db;
};

struct QuantReport {
  std::vector<LayerSqnr> layers;  // per node output, float vs dequantized int8 on calib data
};

// The symmetric scale of a weight channel (or block) whose largest magnitude is `absmax`, for
// codes in [-(2^(bits-1) - 1), 2^(bits-1) - 1]: absmax / 127 for int8; an all-zero channel gets
// 1 / 127 (any scale represents it; this one keeps the bias scale sane).
float weight_scale(float absmax, int bits = 8);

// Quantizes canonical float graph `g` (NHWC) using calibration samples `calib`: the graph input's
// shape with its batch dimension (1) replaced by N, in the graph's layout, float32 — e.g.
// [N,28,28,1] for input [1,28,28,1]. Each sample runs as batch 1. Returns the int8 graph.
Graph quantize(const Graph& g, const Array& calib, CalibMethod method, QuantReport* report = nullptr);

}  // namespace mote
