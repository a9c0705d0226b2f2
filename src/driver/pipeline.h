// The whole compile pipeline in one place, shared by the CLI commands and validation:
// import -> canonicalize -> (calibrate + quantize) -> (encode) -> lower -> plan.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/c/codegen.h"
#include "dsp/mfcc.h"
#include "encode/graph.h"
#include "io/layout.h"
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
  std::string target = "host";  // lower/registry.h target_named
  std::string part;             // a part of the target's profile the build must fit; empty: none
  DType activations = DType::I8;  // I16: TFLite's 16x8 scheme (quant/quantize.h)
  EncodeOptions encode;           // how weights are stored and decoded on the device
  // frontend.json of `mote features`: the audio front end generated beside the network, whose
  // int8 features are the model's input (its quantization is then the front end's, not calibrated)
  std::string frontend;
  // End the network in a Softmax over its output's last axis (unless it ends in one): int8
  // posteriors (scale 1/256) that an application averages over time.
  bool posteriors = false;
};

struct Pipeline {
  Graph imported;          // as the frontend produced it (NCHW for ONNX)
  Graph float_graph;       // canonical NHWC float graph; empty for a prequantized model
  Graph graph;             // what gets compiled: int8 (or 16x8) graph, or float_graph when no calibration
  bool prequantized = false;  // int8 model from the file (int8 .tflite): compiled as it is
  std::string note;        // something the user should know (e.g. calibration data ignored)
  QuantReport quant_report;
  std::optional<MfccTables> frontend;  // opt.frontend's tables
  std::vector<KernelCall> calls;
  MemoryPlan plan;
  bool quantized() const;
};

Pipeline run_pipeline(const PipelineOptions& opt);

// The C backend's input for p's graph, calls and plan (p must outlive it).
CodegenInput codegen_input(const Pipeline& p, const std::string& name);

// mote compile's output: the C of `p` (backend/c) and report.json (report/) with the quantization
// SQNR, the settings that rebuild the pipeline and, for a Cortex-M target, the flash and RAM its
// build takes (target/footprint.h). Throws before writing anything when the build does not fit
// opt.part. Returns the report.
nlohmann::json write_compiled(const Pipeline& p, const PipelineOptions& opt, const std::string& name,
                              const std::string& outdir);

// The settings that rebuild this pipeline, stored in OUTDIR/report.json with the model and
// calibration paths relative to OUTDIR, so that a project folder moved as a whole still
// validates; and back.
nlohmann::json compile_settings(const PipelineOptions& opt, const std::string& outdir);
PipelineOptions options_from_settings(const nlohmann::json& settings, const std::string& outdir);

}  // namespace mote
