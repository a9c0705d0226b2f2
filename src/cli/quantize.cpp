// mote quantize MODEL --calib X: post-training int8 quantization with a per-layer SQNR report.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#ifdef MOTE_WITH_TRAINING
#include "cli/train_qat.h"
#endif
#include "driver/pipeline.h"
#include "ir/op_registry.h"
#include "ir/verify.h"
#include "util/file.h"

namespace mote::cli {

void add_quantize(CLI::App& app) {
  auto* cmd = app.add_subcommand("quantize", "quantize to int8 (TFLite spec) and report per-layer SQNR");
  static std::string model, out_json;
  static CalibOptions calib;
  static bool ir = false;
  cmd->add_option("model", model, "model file (.onnx)")->required();
  add_calib_options(cmd, &calib, true);
  cmd->add_option("-o,--output", out_json, "write the report as JSON");
  cmd->add_flag("--ir", ir, "print the quantized IR");
#ifdef MOTE_WITH_TRAINING
  static QatArgs qat;
  add_qat_options(cmd, &qat);
#endif
  cmd->callback([] {
#ifdef MOTE_WITH_TRAINING
    if (qat.on) model = run_qat(qat, model, calib.calib, calib.method, calib.limit);
#endif
    PipelineOptions opt{model, calib.calib, "", calib_method_from_name(calib.method), calib.limit};
    opt.activations = activations_from_name(calib.activations);
    Pipeline p = run_pipeline(opt);
    nlohmann::json layers = nlohmann::json::array();
    size_t w = 4;
    for (const LayerSqnr& l : p.quant_report.layers) w = std::max(w, l.node.size());
    fmt::print("{:<{}}  {:<16} {:>8}\n", "node", w, "op", "SQNR dB");
    for (const LayerSqnr& l : p.quant_report.layers) {
      fmt::print("{:<{}}  {:<16} {:>8.2f}\n", l.node, w, l.op, l.sqnr_db);
      layers.push_back({{"node", l.node}, {"op", l.op}, {"sqnr_db", l.sqnr_db}});
    }
    const Tensor& in = p.graph.t(p.graph.inputs[0]);
    const Tensor& out = p.graph.t(p.graph.outputs[0]);
    fmt::print("input  scale {:.9g} zero point {}\n", in.quant.scale[0], in.quant.zero_point[0]);
    fmt::print("output scale {:.9g} zero point {}\n", out.quant.scale[0], out.quant.zero_point[0]);
    if (ir) fmt::print("\n{}", dump(p.graph));
    if (!out_json.empty()) {
      nlohmann::json j = {{"model", model}, {"method", calib.method}, {"layers", layers},
                          {"input", {{"scale", in.quant.scale[0]}, {"zero_point", in.quant.zero_point[0]}}},
                          {"output", {{"scale", out.quant.scale[0]}, {"zero_point", out.quant.zero_point[0]}}}};
      write_file_atomic(out_json, j.dump(2) + "\n");
    }
  });
}

}  // namespace mote::cli
