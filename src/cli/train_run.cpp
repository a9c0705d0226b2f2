// mote run PIPELINE.yaml: stages (train, distill, prune, share, quantize, compile, validate), each run
// as the mote command of the same name, chained by name, then one table: accuracy, parameters,
// non-zeros, MACs, flash and RAM after every stage.
//
//   data: train-images.gz      # training data and labels of the training stages
//   labels: train-labels.gz
//   test-data: t10k-images.gz  # held out: every stage's accuracy, validate's data
//   test-labels: t10k-labels.gz
//   calib: calib.npy           # quantize, compile, and the table's int8 flash and RAM
//   threads: 1
//   out: build/pipeline        # default: next to the file, named after it
//   stages:
//     - name: dense
//       train: {arch: "mlp:300,100", epochs: 20}
//     - name: pruned
//       prune: {model: dense, sparsity: 0.9, teacher: dense}
//     - name: shared
//       share: {model: pruned, bits: 5, teacher: pruned}
//     - name: c
//       compile: {model: shared, encode: huffman, target: cortex-m4}
//     - name: check
//       validate: {compiled: c, target: compiled}  # every test sample under QEMU
//
// A stage's options are its command's flags without the dashes (true for a flag, a list for a
// repeated one); `model`, `student`, `teacher` and `compiled` may name an earlier stage.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/child.h"
#include "cli/commands.h"
#include "cli/train_common.h"
#include "driver/pipeline.h"
#include "frontend/import.h"
#include "ir/op_registry.h"
#include "report/html.h"
#include "report/report.h"
#include "util/file.h"

namespace mote::cli {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kCommands = {"train", "distill", "prune", "share", "quantize", "compile", "validate"};
const std::set<std::string> kTraining = {"train", "distill", "prune", "share"};

// Whether `mote COMMAND` takes --KEY (or KEY as its positional model / folder), read from the
// commands' own definitions.
bool command_has_option(const std::string& command, const std::string& key) {
  static CLI::App probe;
  if (probe.get_subcommands({}).empty()) {
    add_train(probe);
    add_distill(probe);
    add_prune(probe);
    add_share(probe);
    add_quantize(probe);
    add_compile(probe);
    add_validate(probe);
  }
  if (key == "model" || key == "student" || key == "teacher" || key == "compiled" || key == "qat") return true;
  const CLI::App* sub = nullptr;
  for (const CLI::App* c : probe.get_subcommands({}))
    if (c->get_name() == command) sub = c;
  return sub && sub->get_option_no_throw("--" + key) != nullptr;
}

struct Stage {
  std::string name, command;
  std::vector<std::string> args;  // after `mote`
  std::string model;              // the model after this stage (.onnx)
  std::string log;                // its JSON: training log, quantize report, validate result
  std::string compiled;           // compile: its output directory; validate: the one it checks
};

class Pipeline {
 public:
  explicit Pipeline(const std::string& path) : path_(path) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
      fail("{}: {}", path, e.what());
    }
    if (!root.IsMap()) fail("{}: expected a map with 'stages'", path);
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key == "stages") continue;
      if (!kv.second.IsScalar()) fail("{}: '{}' must be a single value", path, key);
      if (key != "data" && key != "labels" && key != "test-data" && key != "test-labels" && key != "calib" && key != "threads" &&
          key != "out")
        fail("{}:{}: unknown key '{}' (data, labels, test-data, test-labels, calib, threads, out, stages)", path,
             kv.first.Mark().line + 1, key);
      top_[key] = kv.second.as<std::string>();
    }
    const fs::path p(path);
    out_ = top_.count("out") ? top_["out"] : (p.parent_path() / (p.stem().string() + ".out")).string();
    const YAML::Node stages = root["stages"];
    if (!stages || !stages.IsSequence() || stages.size() == 0) fail("{}: 'stages' must be a list of stages", path);
    for (size_t k = 0; k < stages.size(); ++k) stages_.push_back(stage(stages[k], k + 1));
    // A name that is a later stage's is a mistake, not a file.
    for (const auto& [index, what, name] : refs_)
      for (size_t k = index - 1; k < stages_.size(); ++k)
        if (stages_[k].name == name)
          fail("{}: stage {} ('{}'): {} '{}' is stage {}, which runs later", path, index, stages_[index - 1].name, what, name, k + 1);
  }

  void run() {
    std::error_code ec;
    fs::create_directories(out_, ec);
    if (ec) fail("{}: cannot create {}: {}", path_, out_, ec.message());
    for (const Stage& s : stages_) {
      fmt::print("== stage {} ({})\n", s.name, s.command);
      std::fflush(stdout);
      spawn(s);
    }
    table();
  }

 private:
  const Stage& earlier(const std::string& what, const std::string& name, size_t index) const {
    for (const Stage& s : stages_)
      if (s.name == name) return s;
    fail("{}: stage {}: {} '{}' is no earlier stage", path_, index, what, name);
  }
  // A model option of stage `index`: an earlier stage's model, or a file.
  std::string model_ref(const std::string& what, const std::string& v, size_t index) {
    for (const Stage& s : stages_)
      if (s.name == v) return s.model;
    refs_.push_back({index, what, v});
    return v;
  }

  Stage stage(const YAML::Node& n, size_t index) {
    const std::string at = fmt::format("{}: stage {}", path_, index);
    if (!n.IsMap() || !n["name"] || !n["name"].IsScalar()) fail("{}: needs a 'name'", at);
    Stage s;
    s.name = n["name"].as<std::string>();
    if (s.name.empty() || s.name.find('/') != std::string::npos) fail("{}: name '{}' is not a plain name", at, s.name);
    for (const Stage& o : stages_)
      if (o.name == s.name) fail("{}: the name '{}' is taken by an earlier stage", at, s.name);
    YAML::Node opts;
    for (const auto& kv : n) {
      const std::string key = kv.first.as<std::string>();
      if (key == "name") continue;
      if (!kCommands.count(key))
        fail("{} ('{}', line {}): unknown command '{}' (train, distill, prune, share, quantize, compile, validate)", at, s.name,
             kv.first.Mark().line + 1, key);
      if (!s.command.empty()) fail("{} ('{}'): two commands, '{}' and '{}'", at, s.name, s.command, key);
      s.command = key;
      opts = kv.second;
    }
    if (s.command.empty()) fail("{} ('{}'): no command", at, s.name);
    if (opts && !opts.IsNull() && !opts.IsMap()) fail("{} ('{}'): the options of {} must be a map", at, s.name, s.command);
    std::map<std::string, YAML::Node> o;
    if (opts && opts.IsMap())
      for (const auto& kv : opts) {
        const std::string k = kv.first.as<std::string>();
        // An option the command does not have fails here, before any stage runs.
        if (!command_has_option(s.command, k))
          fail("{} ('{}', line {}): {} has no option '{}' (see mote {} --help)", at, s.name, kv.first.Mark().line + 1, s.command,
               k, s.command);
        o[k] = kv.second;
      }
    auto take = [&](const std::string& k) {
      auto it = o.find(k);
      if (it == o.end()) return std::string();
      if (!it->second.IsScalar()) fail("{} ('{}'): '{}' must be a single value", at, s.name, k);
      const std::string v = it->second.as<std::string>();
      o.erase(it);
      return v;
    };
    const std::string base = (fs::path(out_) / s.name).string();
    const bool qat = s.command == "quantize" && take("qat") == "true";
    s.args = {s.command};
    if (s.command == "validate") {
      const std::string c = take("compiled");
      if (c.empty()) fail("{} ('{}'): validate needs 'compiled', an earlier compile stage", at, s.name);
      const Stage& from = earlier("compiled", c, index);
      if (from.command != "compile") fail("{} ('{}'): '{}' is a {} stage, not compile", at, s.name, c, from.command);
      s.compiled = from.compiled;
      s.model = from.model;
      s.args.push_back(s.compiled);
    } else {
      std::string model = take(s.command == "distill" ? "student" : "model");
      if (model.empty() && s.command != "train" && s.command != "distill")
        fail("{} ('{}'): {} needs 'model' (a file or an earlier stage)", at, s.name, s.command);
      if (!model.empty()) {
        model = model_ref(s.command == "distill" ? "student" : "model", model, index);
        if (s.command == "distill") s.args.push_back("--student");
        s.args.push_back(model);
      }
      s.model = model;
      if (const std::string t = take("teacher"); !t.empty()) s.args.insert(s.args.end(), {"--teacher", model_ref("teacher", t, index)});
    }
    // What the pipeline's top level gives every stage that takes it and does not set it.
    auto given = [&](const std::string& flag, const std::string& top) {
      if (!o.count(flag) && top_.count(top)) s.args.insert(s.args.end(), {"--" + flag, top_.at(top)});
    };
    if (kTraining.count(s.command) || qat) {
      for (const char* k : {"data", "labels", "test-data", "test-labels", "threads"}) given(k, k);
      s.model = base + ".onnx";
      s.log = base + ".json";
      s.args.insert(s.args.end(), {qat ? "--save" : "-o", s.model, "--log", s.log});
    }
    if (s.command == "quantize") {
      if (qat) s.args.push_back("--qat");
      given("calib", "calib");
      s.args.insert(s.args.end(), {"-o", base + ".report.json"});
      if (!qat) s.log = base + ".report.json";
    }
    if (s.command == "compile") {
      given("calib", "calib");
      s.compiled = base;
      s.args.insert(s.args.end(), {"--name", s.name, "-o", base});
    }
    if (s.command == "validate") {
      given("data", "test-data");
      given("labels", "test-labels");
      s.log = base + ".json";
      s.args.insert(s.args.end(), {"-o", s.log});
    }
    for (const auto& [k, v] : o) {
      if (v.IsSequence()) {
        for (const auto& e : v) s.args.insert(s.args.end(), {"--" + k, e.as<std::string>()});
      } else if (v.IsScalar() && v.as<std::string>() == "true") {
        s.args.push_back("--" + k);
      } else if (v.IsScalar() && v.as<std::string>() != "false") {
        s.args.insert(s.args.end(), {"--" + k, v.as<std::string>()});
      } else if (!v.IsScalar()) {
        fail("{} ('{}'): '{}' must be a value or a list", at, s.name, k);
      }
    }
    return s;
  }

  // The stage's command in a child mote; its stderr kept to name the failure in one line.
  void spawn(const Stage& s) const {
    const std::string err = run_mote(s.args, (fs::path(out_) / (s.name + ".stderr")).string());
    if (!err.empty()) fail("{}: stage '{}' ({}) failed: {}", path_, s.name, s.command, err);
  }

  void table() const {
    nlohmann::json rows = nlohmann::json::array();
    fmt::print("\n{:<14} {:<9} {:>9} {:>10} {:>10} {:>12} {:>10} {:>9}\n", "stage", "command", "accuracy", "params", "non-zero", "MACs",
               "flash B", "RAM B");
    for (const Stage& s : stages_) {
      nlohmann::json r = {{"stage", s.name}, {"command", s.command}, {"model", s.model}};
      if (s.command == "validate") r["compiled"] = fs::path(s.compiled).filename().string();
      const nlohmann::json log = s.log.empty() || !fs::exists(s.log) ? nlohmann::json() : nlohmann::json::parse(read_file(s.log));
      // Accuracy: the test set's, else the validation split's; int8 for QAT and validate.
      if (log.contains("qat_test_accuracy")) r["accuracy"] = log["qat_test_accuracy"];
      else if (log.contains("qat_val_accuracy")) r["accuracy"] = log["qat_val_accuracy"];
      else if (log.contains("test_accuracy")) r["accuracy"] = log["test_accuracy"];
      else if (log.contains("accuracy_c") && !log["accuracy_c"].is_null()) r["accuracy"] = log["accuracy_c"];
      else if (log.contains("history") && !log["history"].empty() && log["best_epoch"].get<int64_t>() > 0)
        r["accuracy"] = log["history"][size_t(log["best_epoch"].get<int64_t>() - 1)]["val_accuracy"];
      if (!s.model.empty() && fs::exists(s.model)) {
        const Graph g = import_model(s.model);
        const ParamCount pc = count_params(g);
        int64_t macs = 0;
        for (const Node& n : g.nodes) macs += mac_count(g, n);
        r["params"] = pc.params;
        r["nonzero"] = pc.nonzero;
        r["macs"] = macs;
      }
      // Flash and RAM: the compiled report, or the int8 compile this model would get.
      nlohmann::json rep;
      if (!s.compiled.empty() && fs::exists(fs::path(s.compiled) / "report.json")) {
        rep = nlohmann::json::parse(read_file((fs::path(s.compiled) / "report.json").string()));
      } else if (top_.count("calib") && !s.model.empty() && fs::exists(s.model)) {
        PipelineOptions po;
        po.model = s.model;
        po.calib = top_.at("calib");
        const mote::Pipeline p = run_pipeline(po);
        rep = make_report(p.graph, p.calls, p.plan, s.name);
      }
      if (!rep.is_null()) {
        r["flash_bytes"] = rep["weights_bytes"];
        r["ram_bytes"] = rep["arena_bytes"];
      }
      auto cell = [&](const char* k, bool pct = false) {
        if (!r.contains(k) || r[k].is_null()) return std::string("-");
        return pct ? fmt::format("{:.2f}%", 100 * r[k].get<double>()) : fmt::format("{}", r[k].get<int64_t>());
      };
      fmt::print("{:<14} {:<9} {:>9} {:>10} {:>10} {:>12} {:>10} {:>9}\n", s.name, s.command, cell("accuracy", true), cell("params"),
                 cell("nonzero"), cell("macs"), cell("flash_bytes"), cell("ram_bytes"));
      rows.push_back(r);
    }
    const std::string summary = (fs::path(out_) / "pipeline.json").string();
    write_file_atomic(summary, nlohmann::json({{"pipeline", path_}, {"stages", rows}}).dump(2) + "\n");
    fmt::print("wrote {}\n", summary);
    const std::string page = (fs::path(out_) / "report.html").string();
    write_file_atomic(page, report_page(out_));
    fmt::print("report: {}\n", page);
  }

  std::string path_, out_;
  std::map<std::string, std::string> top_;
  std::vector<Stage> stages_;
  std::vector<std::tuple<size_t, std::string, std::string>> refs_;  // (stage, option, name) that named no earlier stage
};

}  // namespace

void run_pipeline_file(const std::string& file) { Pipeline(file).run(); }

}  // namespace mote::cli
