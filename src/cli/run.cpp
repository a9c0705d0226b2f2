// mote run OUTDIR --target T and mote bench OUTDIR --target T: the compiled model on a Cortex-M
// core under QEMU; outputs, instructions, sections, stack, and the cost per inference on each part.
// mote run PIPELINE.yaml hands over to the pipeline runner (train_run.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <filesystem>

#include "cli/commands.h"
#include "target/energy.h"
#include "target/firmware.h"
#include "target/profiles.h"
#include "util/file.h"

namespace mote::cli {

namespace {

struct RunCli {
  std::string outdir, target, input, output, json, build_dir;
  double timeout = 300, rate = 1;
  int64_t max_instructions = 0;
  bool profile = false;
  std::string app;
};

void add_run_options(CLI::App* cmd, RunCli* o) {
  cmd->add_option("outdir", o->outdir, "directory written by mote compile (mote run also takes a PIPELINE.yaml)")->required();
  cmd->add_option("--target", o->target, "Cortex-M core to run on (default: the one it was compiled for)");
  cmd->add_option("--input", o->input, "raw input bytes, NAME_INPUT_BYTES per inference (default: one pseudo-random input)");
  cmd->add_option("--rate", o->rate, "inferences per second, for the battery life (default 1)")->check(CLI::PositiveNumber);
  cmd->add_option("--timeout", o->timeout, "wall-clock seconds QEMU may take (default 300)")->check(CLI::PositiveNumber);
  cmd->add_option("--max-instructions", o->max_instructions,
                  "stop an inference after this many instructions, naming its layer (default: from --timeout)");
  cmd->add_option("--json", o->json, "write the figures as JSON");
  cmd->add_option("--build-dir", o->build_dir, "build the firmware image here and keep it (fw.elf, fw.map)");
  cmd->add_flag("--profile", o->profile,
                "time every layer of the first inference (the timer reads add a few instructions per layer)");
}

// One fixed pseudo-random input in the model's dtype: int8 over [-128, 127], float32 in [-1, 1).
std::string default_input(const nlohmann::json& report) {
  const int64_t bytes = report.value(nlohmann::json::json_pointer("/input/bytes"), int64_t(0));
  const bool is_float = report.value(nlohmann::json::json_pointer("/input/dtype"), std::string()) == "f32";
  std::string in(size_t(std::max<int64_t>(bytes, 0)), '\0');
  uint32_t x = 0x9e3779b9u;
  auto next = [&] {
    x = x * 1664525u + 1013904223u;
    return x;
  };
  if (is_float) {
    for (size_t k = 0; k + 4 <= in.size(); k += 4) {
      const float v = float(next() >> 8) / float(1 << 23) - 1.0f;
      std::memcpy(&in[k], &v, 4);
    }
  } else {
    for (char& c : in) c = char(next() >> 24);
  }
  return in;
}

struct Ran {
  RunResult r;
  nlohmann::json report, figures;
  std::vector<PartCost> costs;
};

// Runs, adds the cost per part, and records both in OUTDIR/report.json under target_runs.
Ran run_and_record(const RunCli& o) {
  Ran ran;
  ran.report = nlohmann::json::parse(read_file(o.outdir + "/report.json"));
  RunOptions opt;
  opt.outdir = o.outdir;
  opt.target = o.target;
  opt.inputs = o.input.empty() ? default_input(ran.report) : read_file(o.input);
  opt.timeout_s = o.timeout;
  opt.max_instructions = o.max_instructions;
  opt.build_dir = o.build_dir;
  opt.profile = o.profile;
  ran.r = run_on_qemu(opt);
  const Profile& prof = profile_for(ran.r.target);
  const int64_t instr = *std::max_element(ran.r.instructions.begin(), ran.r.instructions.end());
  ran.costs = part_costs(prof, instr, o.rate);
  ran.figures = ran.r.to_json();
  ran.figures["cost"] = costs_json(ran.costs, o.rate);
  const nlohmann::json tb = ran.report.value("target_build", nlohmann::json());
  if (tb.is_object() && tb.value("target", "") == ran.r.target && tb["predicted"].is_object())
    ran.figures["predicted"] = tb["predicted"];
  ran.report["target_runs"][ran.r.target] = ran.figures;
  write_file_atomic(o.outdir + "/report.json", ran.report.dump(2) + "\n");
  if (!o.json.empty()) write_file_atomic(o.json, ran.figures.dump(2) + "\n");
  return ran;
}

std::string with_commas(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v), r;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) r += ',';
    r += s[i];
  }
  return (v < 0 ? "-" : "") + r;
}

void print_memory(const Ran& ran) {
  const RunResult& r = ran.r;
  fmt::print("image: .text {} B  .rodata {} B  .data {} B  .bss {} B  (arena {} B)  peak stack {} B\n", r.sections.text,
             r.sections.rodata, r.sections.data, r.sections.bss, r.arena_bytes, r.max_stack());
  fmt::print("flash {} B  RAM {} B", r.sections.flash(), r.ram());
  if (ran.figures.contains("predicted")) {
    const nlohmann::json& p = ran.figures["predicted"];
    const int64_t pf = p.value("flash", int64_t(0)), pr = p.value("ram", int64_t(0));
    fmt::print("  (mote compile predicted flash {} B, {:+.2f} %; RAM {} B, {:+.2f} %; stack {} B)", pf,
               100.0 * double(pf - r.sections.flash()) / double(r.sections.flash()), pr,
               100.0 * double(pr - r.ram()) / double(r.ram()), p.value("stack", int64_t(0)));
  }
  fmt::print("\n");
}

// mote run --profile: one line per layer, in the order they ran.
void print_layers(const Ran& ran) {
  if (ran.r.layers.empty()) return;
  const nlohmann::json& ls = ran.report.at("layers");
  int64_t total = 0;
  for (const LayerCost& l : ran.r.layers) total += l.instructions;
  fmt::print("{:>5} {:<18} {:<28} {:<32} {:>13} {:>7}\n", "layer", "op", "name", "kernel", "instructions", "share");
  for (const LayerCost& l : ran.r.layers) {
    const nlohmann::json& j = l.node >= 0 && size_t(l.node) < ls.size() ? ls[size_t(l.node)] : nlohmann::json::object();
    fmt::print("{:>5} {:<18} {:<28} {:<32} {:>13} {:>6.1f}%\n", l.node, j.value("op", "?"), j.value("name", "?"),
               j.value("kernel", "?"), with_commas(l.instructions), total ? 100.0 * double(l.instructions) / double(total) : 0.0);
  }
}

void print_costs(const Ran& ran, double rate) {
  fmt::print("{:<22} {:>8} {:>12} {:>12} {:>14}\n", "part", "MHz", "latency ms", "energy uJ",
             fmt::format("CR2032 @{:g} Hz", rate));
  for (const PartCost& c : ran.costs) {
    const std::string energy = c.energy_uj ? fmt::format("{:.1f}", *c.energy_uj) : "n/a";
    const std::string days = !c.keeps_up ? "too slow" : c.battery_days ? fmt::format("{:.0f} days", *c.battery_days) : "n/a";
    fmt::print("{:<22} {:>8g} {:>12.3f} {:>12} {:>14}\n", c.part, c.clock_mhz, c.latency_ms, energy, days);
  }
}

// mote run OUTDIR --app main.c: the app's output (printed when it is text) and, per key of the
// records it wrote, the range of values (ticks as instructions under QEMU).
void run_application(const RunCli& o) {
  AppOptions opt;
  opt.outdir = o.outdir;
  opt.app = o.app;
  opt.target = o.target;
  opt.input = o.input.empty() ? std::string() : read_file(o.input);
  opt.timeout_s = o.timeout;
  opt.build_dir = o.build_dir;
  const AppResult r = run_app(opt);
  const bool text = std::all_of(r.output.begin(), r.output.end(), [](char c) { return c == '\n' || (c >= 0x20 && c < 0x7f); });
  fmt::print("ran {} with {} on {}: {} bytes of output\n", o.app, o.outdir, r.board.empty() ? r.target : r.board + " (" + r.target + ")",
             r.output.size());
  if (text) fmt::print("{}", r.output);
  std::map<std::string, std::pair<int64_t, int64_t>> range;
  std::map<std::string, int64_t> count;
  for (const auto& rec : r.records)
    for (const auto& [k, v] : rec) {
      const bool ticks = k.size() > 5 && k.compare(k.size() - 5, 5, "ticks") == 0;
      const int64_t x = ticks ? std::llround(double(v) * r.instructions_per_tick) : int64_t(v);
      auto [it, fresh] = range.emplace(k, std::make_pair(x, x));
      it->second = {std::min(it->second.first, x), std::max(it->second.second, x)};
      ++count[k];
    }
  nlohmann::json figures = {{"target", r.target}, {"board", r.board}, {"output_bytes", r.output.size()}};
  for (const auto& [k, mm] : range) {
    const bool ticks = k.size() > 5 && k.compare(k.size() - 5, 5, "ticks") == 0;
    const std::string name = ticks ? k.substr(0, k.size() - 5) + "instructions" : k;
    fmt::print("{}: {} records, {} to {}\n", name, count[k], with_commas(mm.first), with_commas(mm.second));
    figures["records"][name] = {{"count", count[k]}, {"min", mm.first}, {"max", mm.second}};
  }
  if (!r.board.empty()) {
    fmt::print("image (model, front end and app): .text {} B  .rodata {} B  .data {} B  .bss {} B: flash {} B, static RAM {} B\n",
               r.sections.text, r.sections.rodata, r.sections.data, r.sections.bss, r.sections.flash(),
               r.sections.data + r.sections.bss);
    figures["sections"] = {{"text", r.sections.text}, {"rodata", r.sections.rodata}, {"data", r.sections.data}, {"bss", r.sections.bss}};
    figures["flash"] = r.sections.flash();
    figures["static_ram"] = r.sections.data + r.sections.bss;
  }
  if (!o.output.empty()) write_file_atomic(o.output, r.output);
  if (!o.json.empty()) write_file_atomic(o.json, figures.dump(2) + "\n");
}

}  // namespace

void add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "run a compiled model on a Cortex-M core under QEMU, or the stages of a PIPELINE.yaml");
  static RunCli o;
  add_run_options(cmd, &o);
  cmd->add_option("--output", o.output, "write the raw output bytes of every inference (with --app: the app's output.bin) here");
  cmd->add_option("--app", o.app,
                  "an application firmware (C, using firmware/fw.h's files) instead of the test harness; --target host "
                  "builds and runs it natively");
  cmd->callback([] {
    const std::string ext = std::filesystem::path(o.outdir).extension().string();
    if (ext == ".yaml" || ext == ".yml") {
#ifdef MOTE_WITH_TRAINING
      run_pipeline_file(o.outdir);
      return;
#else
      fail("mote run {}: pipelines need the training stages, and this mote was built with MOTE_WITH_TRAINING=OFF", o.outdir);
#endif
    }
    if (!o.app.empty()) {
      run_application(o);
      return;
    }
    const Ran ran = run_and_record(o);
    const RunResult& r = ran.r;
    fmt::print("ran {} on {} ({}): {} inference{}\n", o.outdir, r.board, r.target, r.outputs.size(),
               r.outputs.size() == 1 ? "" : "s");
    for (size_t k = 0; k < r.outputs.size() && k < 4; ++k) {
      std::string bytes;
      for (size_t i = 0; i < r.outputs[k].size() && i < 16; ++i) bytes += fmt::format(" {}", int(int8_t(r.outputs[k][i])));
      fmt::print("output {}: {} bytes:{}{}\n", k, r.outputs[k].size(), bytes, r.outputs[k].size() > 16 ? " ..." : "");
    }
    for (size_t k = 0; k < r.instructions.size() && k < 8; ++k)
      fmt::print("instructions, inference {}: {} (SysTick at {:g} MHz: {:g} instructions per tick)\n", k,
                 with_commas(r.instructions[k]), r.systick_hz / 1e6, 1e9 / r.systick_hz);
    if (r.instructions.size() > 8)
      fmt::print("instructions over all {} inferences: {} to {}\n", r.instructions.size(),
                 with_commas(*std::min_element(r.instructions.begin(), r.instructions.end())),
                 with_commas(*std::max_element(r.instructions.begin(), r.instructions.end())));
    print_memory(ran);
    print_layers(ran);
    if (!o.output.empty()) {
      std::string all;
      for (const std::string& s : r.outputs) all += s;
      write_file_atomic(o.output, all);
    }
  });
}

void add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "run under QEMU and print the cost per inference on each part of the core's profile");
  static RunCli o;
  add_run_options(cmd, &o);
  cmd->callback([] {
    const Ran ran = run_and_record(o);
    const int64_t instr = ran.costs.empty() ? 0 : ran.costs.front().cycles;
    fmt::print("{} on {} ({}): {} instructions per inference (cycles, proxy)\n", o.outdir, ran.r.board, ran.r.target,
               with_commas(instr));
    print_memory(ran);
    print_layers(ran);
    print_costs(ran, o.rate);
  });
}

}  // namespace mote::cli
