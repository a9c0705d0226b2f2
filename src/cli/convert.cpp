// mote convert MODEL [--calib X] -o OUT.tflite: a fully int8 TFLite model with mote's memory plan,
// or without calibration data a float32 one.
#include <fmt/format.h>

#include "backend/tflite/tflite_export.h"
#include "backend/tflite/tflm_compress.h"
#include "cli/commands.h"
#include "driver/pipeline.h"
#include "util/file.h"

namespace mote::cli {

// --compress: the exported model through TFLM's compressor, written whole or not at all.
static MemoryPlan write_compressed(const Graph& g, const std::string& path, const std::string& method) {
  const std::string plain = export_tflite_bytes(g);
  const TflmCompressed c = compress_tflite(plain, tflm_compression_from_name(method));
  write_file_atomic(path, c.bytes);
  if (c.tensors == 0)
    fmt::print("note: --compress {}: no weight tensor gets smaller; wrote the uncompressed model\n", method);
  else
    fmt::print("compressed {} tensors ({}): {} -> {} B; file {} -> {} B\n", c.tensors, method, c.plain_tensor_bytes,
               c.encoded_tensor_bytes, plain.size(), c.bytes.size());
  return tflite_memory_plan(g);
}

void add_convert(CLI::App& app) {
  auto* cmd = app.add_subcommand("convert", "write a .tflite: fully int8 with --calib, else float32 (memory plan as OfflineMemoryAllocation metadata)");
  static std::string model, out, compress;
  static CalibOptions calib;
  cmd->add_option("model", model, "model file (.onnx, or .tflite: an int8 one is re-exported as it is)")->required();
  add_calib_options(cmd, &calib, false);
  cmd->add_option("-o,--output", out, "output .tflite file")->required();
  cmd->add_option("--compress", compress, "TFLM's compressed format (TFLM_DECODE operators): lut, huffman or prune");
  cmd->callback([] {
    if (!compress.empty()) tflm_compression_from_name(compress);  // a bad name fails before the pipeline runs
    PipelineOptions opt{model, calib.calib, "", calib_method_from_name(calib.method), calib.limit};
    opt.activations = activations_from_name(calib.activations);
    Pipeline p = run_pipeline(opt);
    if (!p.note.empty()) fmt::print(stderr, "note: {}\n", p.note);
    const MemoryPlan plan = compress.empty() ? export_tflite(p.graph, out) : write_compressed(p.graph, out, compress);
    const DType in = p.graph.t(p.graph.inputs.at(0)).dtype;
    fmt::print("converted {} -> {} ({}, {} ops, arena {} B)\n", model, out, in == DType::F32 ? "float32" : in == DType::I16 ? "16x8" : "int8", p.graph.nodes.size(), plan.arena_bytes);
  });
}

}  // namespace mote::cli
