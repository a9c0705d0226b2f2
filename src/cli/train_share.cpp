// mote share MODEL --bits B --data X --labels Y -o OUT.onnx: weight sharing with trained
// centroids (Deep Compression's trained quantization). Every FullyConnected and Conv weight
// takes at most 2^B int8 codes; the fine-tuning trains the codebooks. `mote compile OUT.onnx
// --encode codebook|huffman` then stores exactly those codes.
#include <fmt/format.h>

#include <cmath>

#include "cli/commands.h"
#include "cli/train_common.h"
#include "frontend/import.h"
#include "passes/passes.h"
#include "train/progress.h"

namespace mote::cli {

void add_share(CLI::App& app) {
  auto* cmd = app.add_subcommand("share", "share weights (at most 2^bits int8 codes per layer) and fine-tune the codebooks");
  static TrainArgs a;
  static std::string teacher;
  static std::vector<std::string> layer_bits;
  add_train_options(cmd, &a, "model", false);
  cmd->add_option("--bits", a.fit.share.bits, "codebook bits of every FullyConnected and Conv layer, 2 to 8")->required();
  cmd->add_option("--layer-bits", layer_bits, "NAME=B: the bits of one layer (node name; 0 leaves it unshared)");
  cmd->add_option("--teacher", teacher, "distill from this model while fine-tuning (e.g. the model before sharing)");
  cmd->add_option("--temperature", a.fit.temperature, "distillation temperature")->capture_default_str();
  cmd->add_option("--alpha", a.fit.alpha, "weight of the distillation loss")->capture_default_str();
  cmd->callback([] {
    if (a.model.empty()) fail("share needs a MODEL file");
    for (const std::string& t : layer_bits) {
      const auto [name, v] = name_value("--layer-bits", t, "NAME=B");
      if (v != std::floor(v) || std::fabs(v) > 64) fail("--layer-bits {}: the bits must be a whole number", t);
      a.fit.share.layers[name] = int(v);
    }
    Prepared p = prepare(a);
    // The quantize pass folds BatchNorm into the weights before it quantizes them: fold it first,
    // so that the codes shared here are the codes it stores.
    run_pass(p.model, "fold_batchnorm", fold_batchnorm);
    Graph t;
    if (!teacher.empty()) {
      t = import_model(teacher);
      a.fit.teacher = &t;
    }
    train::Progress progress = train::Progress::for_stdout();
    const train::FitResult r = train::fit(p.model, p.data, a.fit, &progress);
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& s : r.shared) {
      fmt::print("shared {}: {} weights, {} bits, {} codebook entries ({} pinned: 0, +-127)\n", s.layer, s.weights, s.bits, s.entries,
                 s.pinned);
      layers.push_back({{"layer", s.layer}, {"bits", s.bits}, {"weights", s.weights}, {"entries", s.entries}, {"pinned", s.pinned}});
    }
    finish(a, "share", r, p, {{"bits", a.fit.share.bits}, {"layers", layers}});
  });
}

}  // namespace mote::cli
