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

// Activation dtype of the quantized graph: I8 (the TFLite int8 spec) or I16 (TFLite's 16x8
// scheme: int16 activations, symmetric with zero point 0, int8 per-channel weights, int64 bias);
// the name is mote's --activations value ("int8", "int16").
DType activations_from_name(const std::string& s);  // throws on unknown
const char* activations_name(DType d);

// Quantizes canonical float graph `g` (NHWC) using calibration samples `calib`: the graph input's
// shape with its batch dimension (1) replaced by N, in the graph's layout, float32 — e.g.
// [N,28,28,1] for input [1,28,28,1]. Each sample runs as batch 1. Returns the int8 graph, or
// the 16x8 graph for activations == I16 (Conv, FullyConnected, TransposeConv and the ops that
// keep their input's quantization; any other op is refused naming the node). `input_quant`
// (int8 only) fixes the input's quantization instead of calibrating it: the input comes from a
// front end (dsp/) whose int8 outputs are quantized so.
Graph quantize(const Graph& g, const Array& calib, CalibMethod method, QuantReport* report = nullptr,
               DType activations = DType::I8, const QuantParams* input_quant = nullptr);

// Float values x quantized as quantized graph q's input says (int8 or int16, rounded to
// nearest and saturated): the bytes its generated code and its int8 reference take. x keeps
// its shape.
Array quantize_input(const Graph& q, const Array& x);

// The float values of sample k of calibration data `calib`, shaped as graph input `input`.
Array sample(const Array& calib, int64_t k, const Tensor& input);

}  // namespace mote
