// mote prune MODEL --data X --labels Y --sparsity S [--structured] -o OUT.onnx: magnitude
// pruning on Zhu & Gupta's gradual schedule with fine-tuning, or channel pruning that removes
// filters; a per-layer sensitivity scan (--scan); optionally distilled from a teacher.
#include <fmt/format.h>

#include <sstream>

#include "cli/commands.h"
#include "cli/train_common.h"
#include "frontend/import.h"
#include "train/progress.h"
#include "util/file.h"

namespace mote::cli {
namespace {

std::vector<double> parse_list(const std::string& s) {
  std::vector<double> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    double d = -1;
    try {
      d = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty()) fail("--scan-sparsities: '{}' is not a number", item);
    v.push_back(d);
  }
  return v;
}

void print_scan(const train::Sensitivity& s) {
  size_t w = 5;
  for (const auto& l : s.layers) w = std::max(w, l.layer.size());
  std::string head = fmt::format("{:<{}} {:>9}", "layer", w, "weights");
  for (double sp : s.sparsities) head += fmt::format(" {:>7.0f}%", 100 * sp);
  fmt::print("sensitivity ({} on the validation split; dense {:.4f}{}):\n{}\n", s.accuracy ? "accuracy" : "loss",
             s.accuracy ? 100 * s.dense : s.dense, s.accuracy ? "%" : "", head);
  for (const auto& l : s.layers) {
    std::string row = fmt::format("{:<{}} {:>9}", l.layer, w, l.weights);
    for (double m : l.metric) row += s.accuracy ? fmt::format(" {:>7.2f}%", 100 * m) : fmt::format(" {:>8.4f}", m);
    fmt::print("{}\n", row);
  }
}

}  // namespace

void add_prune(CLI::App& app) {
  auto* cmd = app.add_subcommand("prune", "prune a model (magnitude, gradual; or --structured channels) and fine-tune it");
  static TrainArgs a;
  static std::string teacher, scope = "global", scan_list = "0.5,0.7,0.8,0.9,0.95,0.98";
  static std::vector<std::string> layer_targets;
  static bool structured = false, scan = false;
  add_train_options(cmd, &a, "model", false);
  train::PruneSchedule& p = a.fit.prune;
  cmd->add_option("--sparsity", p.sparsity, "fraction of weights (with --structured: of each layer's channels) removed, in [0, 1)");
  cmd->add_flag("--structured", structured, "remove whole channels (filters, and the next layers' inputs) instead of weights");
  static int64_t multiple = 1;
  cmd->add_option("--channel-multiple", multiple, "with --structured: keep a multiple of this many channels per layer (8 suits the Cortex-M DSP kernels)")
      ->check(CLI::PositiveNumber);
  static CLI::Option* scope_opt = nullptr;
  scope_opt = cmd->add_option("--scope", scope, "global: one magnitude threshold over all layers; layer: each layer to its target")
      ->check(CLI::IsMember({"global", "layer"}))
      ->capture_default_str();
  cmd->add_option("--layer-sparsity", layer_targets, "NAME=S: the target of one layer (node name; implies --scope layer)");
  cmd->add_option("--prune-start", p.start, "when the schedule starts, as a fraction of the run")->capture_default_str();
  cmd->add_option("--prune-end", p.end, "when it reaches the target (equal to the start: one-shot)")->capture_default_str();
  cmd->add_option("--prune-every", p.every, "steps between mask updates (0: four per epoch)");
  cmd->add_option("--teacher", teacher, "distill from this model while fine-tuning (e.g. the dense model)");
  cmd->add_option("--temperature", a.fit.temperature, "distillation temperature")->capture_default_str();
  cmd->add_option("--alpha", a.fit.alpha, "weight of the distillation loss")->capture_default_str();
  cmd->add_flag("--scan", scan, "print each layer's sensitivity to pruning alone (no training, no output)");
  cmd->add_option("--scan-sparsities", scan_list, "the sparsities of --scan")->capture_default_str();
  cmd->callback([] {
    train::PruneSchedule& ps = a.fit.prune;
    if (!(ps.sparsity >= 0 && ps.sparsity < 1)) fail("--sparsity must be in [0, 1), got {}", ps.sparsity);
    if (a.model.empty()) fail("prune needs a MODEL file");
    for (const std::string& t : layer_targets) {
      const auto [name, v] = name_value("--layer-sparsity", t, "NAME=S");
      if (!(v >= 0 && v < 1)) fail("--layer-sparsity {}: the sparsity must be in [0, 1)", t);
      ps.layers[name] = v;
    }
    ps.global = scope == "global" && ps.layers.empty();
    if (scope == "global" && !ps.layers.empty() && scope_opt->count() > 0) fail("--layer-sparsity sets per-layer targets: it cannot go with --scope global");
    a.needs_output = !scan;
    Prepared prep = prepare(a);
    if (scan) {
      const train::Sensitivity s = train::sensitivity_scan(prep.model, prep.data, a.fit, parse_list(scan_list));
      print_scan(s);
      if (!a.log.empty()) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& l : s.layers) rows.push_back({{"layer", l.layer}, {"weights", l.weights}, {"metric", l.metric}});
        write_file_atomic(a.log, nlohmann::json({{"command", "prune --scan"}, {"sparsities", s.sparsities}, {"dense", s.dense},
                                                 {"accuracy", s.accuracy}, {"layers", rows}})
                                         .dump(2) + "\n");
      }
      return;
    }
    if (ps.sparsity == 0 && ps.layers.empty()) fail("--sparsity S is required (or --layer-sparsity, or --scan)");
    Graph t;
    if (!teacher.empty()) {
      t = import_model(teacher);
      a.fit.teacher = &t;
    }
    nlohmann::json extra = {{"sparsity", ps.sparsity}, {"structured", structured}, {"channel_multiple", multiple}};
    if (structured) {
      if (!ps.layers.empty()) fail("--layer-sparsity applies to magnitude pruning, not --structured");
      train::ChannelReport rep;
      prep.model = train::prune_channels(prep.model, ps.sparsity, &rep, multiple);
      nlohmann::json groups = nlohmann::json::array();
      for (const auto& g : rep.groups) {
        fmt::print("channels of {}: {} -> {}\n", fmt::join(g.sources, ", "), g.channels, g.kept);
        groups.push_back({{"sources", g.sources}, {"channels", g.channels}, {"kept", g.kept}});
      }
      fmt::print("MACs {} -> {} ({:.1f}%)\n", rep.macs_before, rep.macs_after, 100.0 * double(rep.macs_after) / double(std::max<int64_t>(1, rep.macs_before)));
      extra["groups"] = groups;
      extra["macs_before"] = rep.macs_before;
      extra["macs_after"] = rep.macs_after;
      ps = train::PruneSchedule{};  // the fine-tuning keeps every remaining weight
    }
    train::Progress progress = train::Progress::for_stdout();
    const train::FitResult r = train::fit(prep.model, prep.data, a.fit, &progress);
    finish(a, "prune", r, prep, extra);
  });
}

}  // namespace mote::cli
