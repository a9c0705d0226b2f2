// mote fit MODEL: the compressions and encodings of a model that fit a device's budget.
// Every candidate is a compression (dense, magnitude pruning to a sparsity, or structured channel
// pruning), fine-tuned briefly with the model as its teacher, then compiled with each weight
// encoding; each compiled variant is measured as it will run: int8 accuracy of the generated C on
// the test set, flash and RAM of the firmware image and instructions per inference under QEMU.
// The table shows every variant and marks the Pareto front (accuracy against flash, RAM and
// latency); the most accurate variant within the budget is compiled into -o.
//
// Candidates are independent jobs, one folder each under --out: `--plan` writes their command
// lines (jobs.txt), `--job K` runs one (on any machine that sees --out), `--collect` reads them
// all, so a batch scheduler can spread the candidates over many machines.
#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/child.h"
#include "cli/commands.h"
#include "encode/graph.h"
#include "report/html.h"
#include "target/profiles.h"
#include "util/error.h"
#include "util/file.h"

namespace mote::cli {
namespace {

namespace fs = std::filesystem;

struct FitCli {
  std::string model, data, labels, test_data, test_labels, calib, frontend;
  std::string target = "cortex-m4", part, out, output;
  std::string max_ram, max_flash;
  double max_ms = 0, min_accuracy = 0;
  std::vector<double> sparsities{0.5, 0.75, 0.9}, structured{0.25, 0.5};
  std::vector<std::string> encodings{"none", "int4", "huffman"};
  int64_t epochs = 2, threads = 0;
  double lr = 0;
  bool posteriors = false, plan = false, collect = false;
  int64_t job = -1;
};

// "32K", "1M", "4096": bytes (K = 1024).
int64_t parse_bytes(const std::string& flag, const std::string& v) {
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    fail("{} {}: expected a size such as 32K, 1M or 4096", flag, v);
  }
  const std::string unit = v.substr(used);
  double mul = 1;
  if (unit == "K" || unit == "k" || unit == "KB" || unit == "KiB") mul = 1024;
  else if (unit == "M" || unit == "MB" || unit == "MiB") mul = 1024 * 1024;
  else if (!unit.empty() && unit != "B") fail("{} {}: unknown unit '{}' (B, K, M)", flag, v, unit);
  if (!(x > 0)) fail("{} {}: must be positive", flag, v);
  return int64_t(x * mul);
}

std::string kb(double bytes) { return fmt::format("{:.1f} KB", bytes / 1024); }

// One compression, its name the folder of its job.
struct Compression {
  std::string name;
  double sparsity = 0;
  bool structured = false;
};

std::vector<Compression> compressions(const FitCli& o) {
  std::vector<Compression> c{{"dense", 0, false}};
  for (double s : o.sparsities) c.push_back({fmt::format("sparse{:g}", s), s, false});
  for (double s : o.structured) c.push_back({fmt::format("channels{:g}", s), s, true});
  return c;
}

std::string job_dir(const FitCli& o, size_t k) { return (fs::path(o.out) / "jobs" / compressions(o)[k].name).string(); }

// The command line that reproduces this fit with one more flag (--job K, --collect).
std::vector<std::string> fit_args(const FitCli& o) {
  std::vector<std::string> a{"fit", o.model, "--data", o.data, "--labels", o.labels, "--test-data", o.test_data,
                             "--test-labels", o.test_labels, "--calib", o.calib, "--target", o.target, "--out", o.out,
                             "--epochs", std::to_string(o.epochs)};
  auto list = [](const auto& v) {
    std::vector<std::string> s;
    for (const auto& x : v) s.push_back(fmt::format("{}", x));
    return fmt::format("{}", fmt::join(s, ","));
  };
  a.insert(a.end(), {"--sparsities", o.sparsities.empty() ? "none" : list(o.sparsities), "--structured",
                     o.structured.empty() ? "none" : list(o.structured), "--encodings", list(o.encodings)});
  if (!o.part.empty()) a.insert(a.end(), {"--part", o.part});
  if (!o.frontend.empty()) a.insert(a.end(), {"--frontend", o.frontend});
  if (o.posteriors) a.push_back("--posteriors");
  if (o.threads > 0) a.insert(a.end(), {"--threads", std::to_string(o.threads)});
  if (o.lr > 0) a.insert(a.end(), {"--lr", fmt::format("{}", o.lr)});
  if (!o.max_ram.empty()) a.insert(a.end(), {"--max-ram", o.max_ram});
  if (!o.max_flash.empty()) a.insert(a.end(), {"--max-flash", o.max_flash});
  if (o.max_ms > 0) a.insert(a.end(), {"--max-ms", fmt::format("{}", o.max_ms)});
  if (o.min_accuracy > 0) a.insert(a.end(), {"--min-accuracy", fmt::format("{}", o.min_accuracy)});
  return a;
}

void child(const std::vector<std::string>& args, const std::string& dir, const std::string& step, const std::string& what) {
  const std::string err = run_mote(args, (fs::path(dir) / (step + ".stderr")).string(), (fs::path(dir) / (step + ".log")).string());
  if (!err.empty()) fail("mote fit: {}: {} failed: {}", what, step, err);
}

// `mote compile` of one variant: the fit's target, calibration and front end.
std::vector<std::string> compile_args(const FitCli& o, const std::string& model, const std::string& encoding,
                                      const std::string& outdir) {
  std::vector<std::string> a{"compile", model, "--calib", o.calib, "--target", o.target, "--encode", encoding,
                             "--name", "fit", "-o", outdir};
  if (!o.frontend.empty()) a.insert(a.end(), {"--frontend", o.frontend});
  if (o.posteriors) a.push_back("--posteriors");
  return a;
}

// "a,b,c" -> {"a", "b", "c"} ("" gives one empty item, which the callers refuse).
std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> v;
  for (size_t at = 0; at <= s.size();) {
    const size_t comma = std::min(s.find(',', at), s.size());
    v.push_back(s.substr(at, comma - at));
    at = comma + 1;
  }
  return v;
}

// Latency at the part's clock: the chosen --part, else the profile's first.
const Part& clock_part(const FitCli& o) {
  const Profile& p = profile_for(o.target);
  if (p.parts.empty()) fail("mote fit: target {} has no parts in its profile to give a clock", o.target);
  return o.part.empty() ? p.parts.front() : part_named(p, o.part);
}

// Job K: fine-tune its compression, then compile, validate and bench every encoding.
void run_job(const FitCli& o, size_t k) {
  const Compression c = compressions(o)[k];
  const std::string dir = job_dir(o, k);
  fs::create_directories(dir);
  fmt::print("== candidate {}: {}\n", k, c.name);
  std::string model = o.model;
  if (c.sparsity > 0) {
    model = (fs::path(dir) / "model.onnx").string();
    std::vector<std::string> a{"prune", o.model, "--sparsity", fmt::format("{}", c.sparsity), "--teacher", o.model,
                               "--epochs", std::to_string(o.epochs), "--data", o.data, "--labels", o.labels,
                               "--select", "accuracy", "-o", model, "--log", (fs::path(dir) / "prune.json").string()};
    if (c.structured) a.push_back("--structured");
    if (o.threads > 0) a.insert(a.end(), {"--threads", std::to_string(o.threads)});
    if (o.lr > 0) a.insert(a.end(), {"--lr", fmt::format("{}", o.lr)});
    child(a, dir, "prune", c.name);
  }
  const Part& part = clock_part(o);
  nlohmann::json rows = nlohmann::json::array();
  for (const std::string& e : o.encodings) {
    const std::string what = c.name + " " + e, cdir = (fs::path(dir) / e).string();
    child(compile_args(o, model, e, cdir), dir, "compile-" + e, what);
    const std::string val = cdir + "/validate.json", bench = cdir + "/bench.json";
    child({"validate", cdir, "--data", o.test_data, "--labels", o.test_labels, "-o", val}, dir,
          "validate-" + e, what);
    child({"bench", cdir, "--json", bench}, dir, "bench-" + e, what);
    const nlohmann::json v = nlohmann::json::parse(read_file(val)), b = nlohmann::json::parse(read_file(bench));
    const int64_t instr = b.at("instructions").empty() ? 0 : b.at("instructions").back().get<int64_t>();
    nlohmann::json r = {{"candidate", c.name}, {"sparsity", c.sparsity}, {"structured", c.structured}, {"encoding", e},
                        {"model", model}, {"compiled", cdir}, {"accuracy", v.at("accuracy_c")},
                        {"flash", b.at("flash")}, {"ram", b.at("ram")}, {"instructions", instr},
                        {"part", part.name}, {"ms", double(instr) / (part.clock_mhz * 1e3)}};
    fmt::print("{:<14} {:<8} accuracy {:.2f}%  flash {}  RAM {}  {:.2f} ms on {}\n", c.name, e, 100 * r["accuracy"].get<double>(),
               kb(r["flash"].get<double>()), kb(r["ram"].get<double>()), r["ms"].get<double>(), part.name);
    rows.push_back(r);
  }
  write_file_atomic((fs::path(dir) / "result.json").string(), rows.dump(2) + "\n");
}

bool dominates(const nlohmann::json& a, const nlohmann::json& b) {
  const double aa = a["accuracy"], ba = b["accuracy"], af = a["flash"], bf = b["flash"], ar = a["ram"], br = b["ram"];
  const double am = a["ms"], bm = b["ms"];
  const bool no_worse = aa >= ba && af <= bf && ar <= br && am <= bm;
  return no_worse && (aa > ba || af < bf || ar < br || am < bm);
}

struct Budget {
  std::optional<int64_t> ram, flash;
  std::optional<double> ms, accuracy;
};

// What a variant misses the budget by, one phrase per constraint (empty: it fits).
std::vector<std::string> misses(const nlohmann::json& r, const Budget& b, const FitCli& o) {
  std::vector<std::string> m;
  const double ram = r["ram"], flash = r["flash"], ms = r["ms"], acc = r["accuracy"];
  if (b.ram && ram > double(*b.ram)) m.push_back(fmt::format("RAM {} is {} over --max-ram {}", kb(ram), kb(ram - double(*b.ram)), o.max_ram));
  if (b.flash && flash > double(*b.flash))
    m.push_back(fmt::format("flash {} is {} over --max-flash {}", kb(flash), kb(flash - double(*b.flash)), o.max_flash));
  if (b.ms && ms > *b.ms) m.push_back(fmt::format("latency {:.2f} ms is {:.2f} ms over --max-ms {:g}", ms, ms - *b.ms, *b.ms));
  if (b.accuracy && acc < *b.accuracy)
    m.push_back(fmt::format("accuracy {:.2f}% is {:.2f} points under --min-accuracy {:g}", 100 * acc, 100 * (*b.accuracy - acc), *b.accuracy));
  return m;
}

// Reads every job's result, prints the table and the front, compiles the best fit into -o.
void collect(const FitCli& o, const Budget& b) {
  nlohmann::json rows = nlohmann::json::array();
  for (size_t k = 0; k < compressions(o).size(); ++k) {
    const std::string f = job_dir(o, k) + "/result.json";
    if (!fs::exists(f)) fail("mote fit --collect: candidate {} ({}) has not run: {} is missing", k, compressions(o)[k].name, f);
    for (const auto& r : nlohmann::json::parse(read_file(f))) rows.push_back(r);
  }
  std::optional<size_t> best;
  for (size_t i = 0; i < rows.size(); ++i) {
    bool front = true;
    for (size_t j = 0; j < rows.size(); ++j)
      if (j != i && dominates(rows[j], rows[i])) front = false;
    rows[i]["pareto"] = front;
    rows[i]["fits"] = misses(rows[i], b, o).empty();
    if (!rows[i]["fits"]) continue;
    const double acc = rows[i]["accuracy"], flash = rows[i]["flash"];
    if (!best || acc > rows[*best]["accuracy"].get<double>() ||
        (acc == rows[*best]["accuracy"].get<double>() && flash < rows[*best]["flash"].get<double>()))
      best = i;
  }
  fmt::print("\n{:<14} {:<9} {:>9} {:>10} {:>10} {:>9}  {}\n", "candidate", "encoding", "accuracy", "flash", "RAM", "ms", "");
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::string mark = r["pareto"].get<bool>() ? "front" : "";
    if (!r["fits"].get<bool>()) mark += mark.empty() ? "over budget" : ", over budget";
    if (best && i == *best) mark += ", best";
    fmt::print("{:<14} {:<9} {:>8.2f}% {:>10} {:>10} {:>9.2f}  {}\n", r["candidate"].get<std::string>(), r["encoding"].get<std::string>(),
               100 * r["accuracy"].get<double>(), kb(r["flash"]), kb(r["ram"]), r["ms"].get<double>(), mark);
  }
  nlohmann::json budget = nlohmann::json::object();
  if (b.ram) budget["ram"] = *b.ram;
  if (b.flash) budget["flash"] = *b.flash;
  if (b.ms) budget["ms"] = *b.ms;
  if (b.accuracy) budget["accuracy"] = *b.accuracy;
  nlohmann::json summary = {{"model", o.model}, {"target", o.target}, {"part", clock_part(o).name}, {"budget", budget}, {"candidates", rows}};
  if (!best) {
    write_file_atomic((fs::path(o.out) / "fit.json").string(), summary.dump(2) + "\n");
    // The variant closest to the budget: fewest constraints missed, then the least summed excess
    // (each as a fraction of its limit).
    auto excess = [&](const nlohmann::json& r) {
      double e = 0;
      if (b.ram) e += std::max(0.0, r["ram"].get<double>() / double(*b.ram) - 1);
      if (b.flash) e += std::max(0.0, r["flash"].get<double>() / double(*b.flash) - 1);
      if (b.ms) e += std::max(0.0, r["ms"].get<double>() / *b.ms - 1);
      if (b.accuracy) e += std::max(0.0, 1 - r["accuracy"].get<double>() / *b.accuracy);
      return std::make_pair(misses(r, b, o).size(), e);
    };
    size_t closest = 0;
    for (size_t i = 1; i < rows.size(); ++i)
      if (excess(rows[i]) < excess(rows[closest])) closest = i;
    fail("mote fit: no candidate meets the budget; the closest ({} {}): {}", rows[closest]["candidate"].get<std::string>(),
         rows[closest]["encoding"].get<std::string>(), fmt::join(misses(rows[closest], b, o), "; "));
  }
  summary["best"] = *best;
  const nlohmann::json& r = rows[*best];
  if (!o.output.empty()) {
    child(compile_args(o, r["model"].get<std::string>(), r["encoding"].get<std::string>(), o.output), o.out, "compile-best",
          "the best candidate");
    summary["output"] = o.output;
  }
  write_file_atomic((fs::path(o.out) / "fit.json").string(), summary.dump(2) + "\n");
  const std::string page = (fs::path(o.out) / "report.html").string();
  write_file_atomic(page, report_page(o.out));
  fmt::print("best within the budget: {} {} ({:.2f}%, flash {}, RAM {}, {:.2f} ms on {}){}\n", r["candidate"].get<std::string>(),
             r["encoding"].get<std::string>(), 100 * r["accuracy"].get<double>(), kb(r["flash"]), kb(r["ram"]), r["ms"].get<double>(),
             r["part"].get<std::string>(), o.output.empty() ? "" : ", compiled into " + o.output);
  fmt::print("wrote {}\nreport: {}\n", (fs::path(o.out) / "fit.json").string(), page);
}

std::string quoted(const std::vector<std::string>& args) {
  std::string s = "mote";
  for (const std::string& a : args)
    s += a.find_first_of(" '\"$\\") == std::string::npos ? " " + a : " '" + a + "'";
  return s;
}

}  // namespace

void add_fit(CLI::App& app) {
  auto* cmd = app.add_subcommand("fit", "search compressions and encodings under a flash / RAM / latency budget; print the Pareto front, compile the best fit");
  static FitCli o;
  static std::string sparsities, structured, encodings;
  cmd->add_option("model", o.model, "the trained float model (.onnx)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", o.data, "training data of the fine-tuning")->required();
  cmd->add_option("--labels", o.labels, "its labels")->required();
  cmd->add_option("--test-data", o.test_data, "held-out data: every variant's int8 accuracy")->required();
  cmd->add_option("--test-labels", o.test_labels, "its labels")->required();
  cmd->add_option("--calib", o.calib, "calibration data of the int8 compile")->required();
  cmd->add_option("--target", o.target, "the core")->capture_default_str();
  cmd->add_option("--part", o.part, "the part whose clock gives the latency (default: the profile's first)");
  cmd->add_option("--max-ram", o.max_ram, "RAM budget of the firmware image (data, bss, stack), e.g. 32K");
  cmd->add_option("--max-flash", o.max_flash, "flash budget of the firmware image, e.g. 128K");
  cmd->add_option("--max-ms", o.max_ms, "latency budget per inference at the part's clock")->check(CLI::PositiveNumber);
  cmd->add_option("--min-accuracy", o.min_accuracy, "least int8 accuracy on the test data, in (0, 1]")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--sparsities", sparsities, "magnitude-pruning sparsities to try (default 0.5,0.75,0.9; none)");
  cmd->add_option("--structured", structured, "fractions of channels to remove to try (default 0.25,0.5; none)");
  cmd->add_option("--encodings", encodings, "weight encodings to try (default none,int4,huffman: int8, 4-bit weights, Huffman-coded; also codebook, sparse)");
  cmd->add_option("--epochs", o.epochs, "fine-tuning epochs of each pruned candidate")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--lr", o.lr, "fine-tuning learning rate (default: mote prune's)");
  cmd->add_option("--threads", o.threads, "libtorch threads of each candidate's training");
  cmd->add_option("--frontend", o.frontend, "frontend.json of mote features: compiled beside the network, part of the budget");
  cmd->add_flag("--posteriors", o.posteriors, "end the network in a Softmax (as mote compile --posteriors)");
  cmd->add_option("--out", o.out, "the candidates' folder (default: MODEL's name + .fit)");
  cmd->add_option("-o,--output", o.output, "compile the best variant within the budget into this folder");
  cmd->add_flag("--plan", o.plan, "write OUT/jobs.txt, one command line per candidate, and run nothing");
  cmd->add_option("--job", o.job, "run candidate K only (a line of jobs.txt)");
  cmd->add_flag("--collect", o.collect, "read every candidate's result, print the front and compile the best");
  cmd->callback([] {
    auto doubles = [](const std::string& flag, const std::string& s, std::vector<double>* v) {
      if (s.empty()) return;
      v->clear();
      if (s == "none") return;
      for (const std::string& item : split_commas(s)) {
        char* end = nullptr;
        const double x = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0' || !(x > 0 && x < 1)) fail("{} {}: '{}' is not a fraction in (0, 1)", flag, s, item);
        v->push_back(x);
      }
    };
    doubles("--sparsities", sparsities, &o.sparsities);
    doubles("--structured", structured, &o.structured);
    if (!encodings.empty()) {
      o.encodings = split_commas(encodings);
      for (const std::string& e : o.encodings) {
        try {
          encode_mode_from_name(e);
        } catch (const Error& err) {
          fail("--encodings {}: {}", encodings, err.what());
        }
      }
    }
    Budget b;
    if (!o.max_ram.empty()) b.ram = parse_bytes("--max-ram", o.max_ram);
    if (!o.max_flash.empty()) b.flash = parse_bytes("--max-flash", o.max_flash);
    if (o.max_ms > 0) b.ms = o.max_ms;
    if (o.min_accuracy > 0) b.accuracy = o.min_accuracy;
    if (!b.ram && !b.flash && !b.ms) fail("mote fit needs a budget: --max-ram, --max-flash or --max-ms");
    for (const std::string* f : {&o.data, &o.labels, &o.test_data, &o.test_labels, &o.calib})
      if (!fs::exists(*f)) fail("mote fit: {}: no such file", *f);
    if (!o.frontend.empty() && !fs::exists(o.frontend)) fail("--frontend {}: no such file", o.frontend);
    clock_part(o);
    if (o.out.empty()) o.out = (fs::path(o.model).parent_path() / (fs::path(o.model).stem().string() + ".fit")).string();
    fs::create_directories(o.out);
    const size_t n = compressions(o).size();
    if (o.plan) {
      std::string lines;
      for (size_t k = 0; k < n; ++k) {
        std::vector<std::string> a = fit_args(o);
        a.insert(a.end(), {"--job", std::to_string(k)});
        lines += quoted(a) + "\n";
      }
      write_file_atomic((fs::path(o.out) / "jobs.txt").string(), lines);
      std::vector<std::string> c = fit_args(o);
      c.push_back("--collect");
      if (!o.output.empty()) c.insert(c.end(), {"-o", o.output});
      fmt::print("wrote {} ({} candidates); when they have run: {}\n", (fs::path(o.out) / "jobs.txt").string(), n, quoted(c));
      return;
    }
    if (o.job >= 0) {
      if (size_t(o.job) >= n) fail("--job {}: there are {} candidates (0 to {})", o.job, n, n - 1);
      run_job(o, size_t(o.job));
      return;
    }
    if (!o.collect)
      for (size_t k = 0; k < n; ++k) run_job(o, k);
    collect(o, b);
  });
}

}  // namespace mote::cli
