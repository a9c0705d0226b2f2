// mote convert MODEL [--calib X] -o OUT.tflite: a fully int8 TFLite model with mote's memory plan.
#include <fmt/format.h>

#include "backend/tflite/tflite_export.h"
#include "backend/tflite/tflm_compress.h"
#include "cli/commands.h"
#include "driver/pipeline.h"
#include "util/file.h"

namespace mote::cli {

void add_convert(CLI::App& app) {
  auto* cmd = app.add_subcommand("convert", "write a fully int8 .tflite (memory plan as OfflineMemoryAllocation metadata)");
  static std::string model, out, compress;
  static CalibOptions calib;
  cmd->add_option("model", model, "model file (.onnx, or .tflite: an int8 one is re-exported as it is)")->required();
  add_calib_options(cmd, &calib, false);
  cmd->add_option("-o,--output", out, "output .tflite file")->required();
  cmd->add_option("--compress", compress, "TFLM's compressed format (TFLM_DECODE operators): lut, huffman or prune");
  cmd->callback([] {
    const bool compressing = !compress.empty();
    const TflmCompression method = compressing ? tflm_compression_from_name(compress) : TflmCompression::Lut;
    PipelineOptions opt{model, calib.calib, "", calib_method_from_name(calib.method), calib.limit};
    opt.activations = activations_from_name(calib.activations);
    Pipeline p = run_pipeline(opt);
    if (!p.quantized()) fail("convert: {} is a float model; give calibration data with --calib", model);
    if (!p.note.empty()) fmt::print(stderr, "note: {}\n", p.note);
    MemoryPlan plan;
    if (compressing) {
      const std::string plain = export_tflite_bytes(p.graph);
      const TflmCompressed c = compress_tflite(plain, method);
      write_file_atomic(out, c.bytes);
      if (c.tensors == 0)
        fmt::print("note: --compress {}: no weight tensor gets smaller; wrote the uncompressed model\n", compress);
      else
        fmt::print("compressed {} tensors ({}): {} -> {} B; file {} -> {} B\n", c.tensors, compress, c.plain_tensor_bytes,
                   c.encoded_tensor_bytes, plain.size(), c.bytes.size());
      plan = tflite_memory_plan(p.graph);
    } else {
      plan = export_tflite(p.graph, out);
    }
    const bool q16 = p.graph.t(p.graph.inputs.at(0)).dtype == DType::I16;
    fmt::print("converted {} -> {} ({}, {} ops, arena {} B)\n", model, out, q16 ? "16x8" : "int8", p.graph.nodes.size(), plan.arena_bytes);
  });
}

}  // namespace mote::cli
