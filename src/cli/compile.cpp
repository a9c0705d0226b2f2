// mote compile MODEL [--calib X] -o OUTDIR: C99 code with a static memory plan.
#include <regex>

#include <fmt/format.h>

#include "cli/commands.h"
#include "driver/pipeline.h"

namespace mote::cli {

namespace {

// The encoded layers, one line each, and the ratio against float32.
void print_encoding(const nlohmann::json& r) {
  bool any = false;
  for (const nlohmann::json& l : r["layers"]) {
    if (!l.contains("encoding")) continue;
    const nlohmann::json& e = l["encoding"];
    if (!any) fmt::print("{:<24} {:<22} {:>8} {:>8} {:>9} {:>9} {:>8} {:>8}\n", "encoded layer", "kind", "density", "codebook",
                         "bits/w", "huffman", "flash B", "scratch");
    any = true;
    fmt::print("{:<24} {:<22} {:>8.3f} {:>8} {:>9.2f} {:>9.2f} {:>8} {:>8}\n", l.value("name", ""), e.value("kind", ""),
               e.value("density", 0.0), e.value("codebook_size", 0), e.value("bits_per_weight_fixed", 0.0),
               e.value("bits_per_weight", 0.0), e.value("flash_bytes", 0), e.value("decode_scratch_bytes", 0));
  }
  if (!any) return;
  const nlohmann::json& c = r["compression"];
  fmt::print("compression against float32: encoded weights {:.1f}x ({} -> {} B); all constants {:.1f}x ({} -> {} B)\n",
             c.value("encoded_weights_ratio", 0.0), c.value("encoded_weights_float32_bytes", 0), c.value("encoded_weights_bytes", 0),
             c.value("ratio", 0.0), c.value("float32_bytes", 0), c.value("stored_bytes", 0));
}

}  // namespace

void add_compile(CLI::App& app) {
  auto* cmd = app.add_subcommand("compile", "compile to C99: NAME.h, NAME.c, runtime sources and report.json");
  static std::string model, name = "model", outdir, target = "host", part;
  static CalibOptions calib;
  cmd->add_option("model", model, "model file (.onnx or .tflite)")->required();
  add_calib_options(cmd, &calib, false);
  cmd->add_option("--name", name, "C prefix of the generated API (NAME_invoke, NAME_ARENA_BYTES, ...)");
  cmd->add_option("--target", target, "what the code runs on: host (portable C99), cortex-m0plus, cortex-m3, cortex-m4, cortex-m7, cortex-m33, cortex-m55");
  cmd->add_option("--part", part, "a part of the target's profile (e.g. STM32L4R5ZI): fail, writing nothing, if the build does not fit its flash or RAM");
  static std::string encode = "none";
  static std::string share_bits = "0";
  cmd->add_option("--encode", encode, "weights in flash, decoded on the device layer by layer: none, int4 (4-bit weights, two per byte), codebook, sparse (pruned weights), huffman");
  cmd->add_option("--share-bits", share_bits, "weight sharing before encoding: at most 2^N distinct values per layer (k-means, zeros kept), N = 2..8; auto: per layer, the fewest bits that keep the output within 1 % noise on the --calib samples; 0: keep the int8 values (lossless)");
  static std::string frontend;
  static bool posteriors = false;
  cmd->add_flag("--posteriors", posteriors, "end the network in a Softmax (int8 posteriors, scale 1/256) unless it ends in one");
  cmd->add_option("--frontend", frontend, "frontend.json of mote features: generate the audio front end beside the network (NAME_frontend.c), its int8 features the network's input");
  cmd->add_option("-o,--output", outdir, "output directory")->required();
  cmd->callback([] {
    if (!std::regex_match(name, std::regex("[A-Za-z_][A-Za-z0-9_]*")))
      fail("--name '{}' is not a C identifier", name);
    PipelineOptions opt{model, calib.calib, "", calib_method_from_name(calib.method), calib.limit, target, part};
    opt.activations = activations_from_name(calib.activations);
    opt.encode.mode = encode_mode_from_name(encode);
    opt.encode.share_bits = share_bits_from_name(share_bits);
    opt.frontend = frontend;
    opt.posteriors = posteriors;
    Pipeline p = run_pipeline(opt);
    if (!p.note.empty()) fmt::print(stderr, "note: {}\n", p.note);
    const nlohmann::json r = write_compiled(p, opt, name, outdir);
    fmt::print("compiled {} -> {}/{}.c ({})\n", model, outdir, name, p.quantized() ? activations_name(opt.activations) : "float32");
    fmt::print("params {}  MACs {}  flash (weights) {} B  RAM (arena) {} B  [greedy-by-size {} B]\n",
               r.value("params", 0), r.value("macs", 0), r.value("weights_bytes", 0),
               r.value("arena_bytes", 0), r.value("greedy_arena_bytes", 0));
    print_encoding(r);
    const nlohmann::json pred = r.value(nlohmann::json::json_pointer("/target_build/predicted"), nlohmann::json());
    if (pred.is_object())
      fmt::print("{} build: flash {} B (code {} + weights and tables {} + data {})  RAM {} B (arena and data {} + stack {}){}\n",
                 target, pred.value("flash", 0), pred.value("text", 0), pred.value("rodata", 0), pred.value("data", 0),
                 pred.value("ram", 0), pred.value("data", 0) + pred.value("bss", 0), pred.value("stack", 0),
                 part.empty() ? "" : fmt::format(", fits {}", part));
    else if (r.contains("target_build"))
      fmt::print(stderr, "note: {}\n", r["target_build"].value("note", ""));
  });
}

}  // namespace mote::cli
