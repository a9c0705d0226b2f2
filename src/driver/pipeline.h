// The whole compile pipeline in one place, shared by the CLI commands and validation:
// import -> canonicalize -> (calibrate + quantize) -> lower -> plan.
#pragma once
#include <string>
#include <vector>

#include "ir/ir.h"
#include "lower/lower.h"
#include "plan/planner.h"
#include "quant/quantize.h"

namespace mote {

struct PipelineOptions {
  std::string model;       // .onnx or .tflite path
  std::string calib;       // calibration data file (model's own input layout); empty = float
  std::string calib_key;   // member of an .npz
  CalibMethod method = CalibMethod::MinMax;
  int64_t calib_limit = 0; // use at most this many samples (0 = all)
};

struct Pipeline {
  Graph imported;          // as the frontend produced it (NCHW for ONNX)
  Graph float_graph;       // canonical NHWC float graph; empty for a prequantized model
  Graph graph;             // what gets compiled: int8 graph, or float_graph when no calibration
  bool prequantized = false;  // int8 model from the file (int8 .tflite): compiled as it is
  std::string note;        // something the user should know (e.g. calibration data ignored)
  QuantReport quant_report;
  std::vector<KernelCall> calls;
  MemoryPlan plan;
  bool quantized() const;
};

Pipeline run_pipeline(const PipelineOptions& opt);

// Converts a batch of samples in the imported graph's input layout (NCHW for 4-D ONNX inputs)
// to the canonical graph's layout (NHWC), checking shape and converting dtype to float32.
// `what` names the data file in errors.
Array to_graph_layout(const Graph& imported, const Array& data, const std::string& what);

}  // namespace mote
