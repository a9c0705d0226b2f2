// mote convert MODEL [--calib X] -o OUT.tflite: a fully int8 TFLite model with mote's memory plan,
// or without calibration data a float32 one.
#include <fmt/format.h>

#include "backend/tflite/tflite_export.h"
#include "cli/commands.h"
#include "driver/pipeline.h"

namespace mote::cli {

void add_convert(CLI::App& app) {
  auto* cmd = app.add_subcommand("convert", "write a .tflite: fully int8 with --calib, else float32 (memory plan as OfflineMemoryAllocation metadata)");
  static std::string model, out;
  static CalibOptions calib;
  cmd->add_option("model", model, "model file (.onnx, or .tflite: an int8 one is re-exported as it is)")->required();
  add_calib_options(cmd, &calib, false);
  cmd->add_option("-o,--output", out, "output .tflite file")->required();
  cmd->callback([] {
    PipelineOptions opt{model, calib.calib, "", calib_method_from_name(calib.method), calib.limit};
    opt.activations = activations_from_name(calib.activations);
    Pipeline p = run_pipeline(opt);
    if (!p.note.empty()) fmt::print(stderr, "note: {}\n", p.note);
    const MemoryPlan plan = export_tflite(p.graph, out);
    const DType in = p.graph.t(p.graph.inputs.at(0)).dtype;
    fmt::print("converted {} -> {} ({}, {} ops, arena {} B)\n", model, out, in == DType::F32 ? "float32" : in == DType::I16 ? "16x8" : "int8", p.graph.nodes.size(), plan.arena_bytes);
  });
}

}  // namespace mote::cli
