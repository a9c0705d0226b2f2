#include "report/html.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lower/registry.h"
#include "report/svg.h"
#include "target/energy.h"
#include "target/profiles.h"
#include "util/error.h"
#include "util/file.h"

namespace mote {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using svg::escape;
using svg::grouped;
using svg::num;

json read_json(const fs::path& p) {
  const std::string text = read_file(p.string());
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail("{}: not valid JSON: {}", p.string(), e.what());
  }
}

template <typename T>
std::optional<T> opt(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<T>();
}

struct Layer {
  std::string name, op;
  int64_t macs = 0;
};

struct Buffer {
  int64_t offset = 0, bytes = 0;
  int first = 0, last = 0;
  std::vector<std::string> tensors;  // none: the scratch of layer `first`
};

// Instructions of one inference counted under QEMU, and where they were counted.
struct Measured {
  int64_t instructions = 0;
  std::string target, how;
};

// What one compiled folder's report.json (and the runs recorded into it) says.
struct Compiled {
  std::string label, name, model, dtype, target, encodings;
  int64_t params = 0, macs = 0, weights_bytes = 0, arena_bytes = 0, float32_bytes = 0, stored_bytes = 0;
  std::optional<int64_t> image_flash, image_ram;  // mote compile's prediction for a Cortex-M build
  std::vector<Layer> layers;
  std::optional<std::vector<Buffer>> buffers;     // absent in reports of a mote before arena_buffers
  std::map<int, int64_t> layer_instructions;      // mote run/bench --profile, by layer index
  std::optional<Measured> measured;
};

struct Stage {
  std::string name, command, model;
  std::optional<double> accuracy;
  std::optional<int64_t> params, nonzero, macs, flash, ram;
  int compiled = -1;  // compile: its folder; validate: the folder it checked (index into compiled)
};

struct Outdir {
  std::string path, pipeline;  // pipeline: the YAML file, empty for a compiled folder alone
  std::vector<Stage> stages;
  std::vector<Compiled> compiled;
};

// The larger per-inference count of a run's list (the first inference can differ).
int64_t max_of(const json& list) {
  int64_t m = 0;
  for (const json& v : list) m = std::max(m, v.get<int64_t>());
  return m;
}

Compiled load_compiled(const fs::path& dir, const std::string& label) {
  const fs::path file = dir / "report.json";
  const json r = read_json(file);
  Compiled c;
  c.label = label;
  try {
    c.name = r.at("name").get<std::string>();
    c.model = fs::path(r.value(json::json_pointer("/source/model"), c.name)).filename().string();
    c.dtype = r.value("dtype", "");
    c.target = r.value(json::json_pointer("/source/target"), std::string("host"));
    c.params = r.at("params").get<int64_t>();
    c.macs = r.at("macs").get<int64_t>();
    c.weights_bytes = r.at("weights_bytes").get<int64_t>();
    c.arena_bytes = r.at("arena_bytes").get<int64_t>();
    c.float32_bytes = r.at("compression").at("float32_bytes").get<int64_t>();
    c.stored_bytes = r.at("compression").at("stored_bytes").get<int64_t>();
    std::set<std::string> kinds;
    for (const json& l : r.at("layers")) {
      c.layers.push_back({l.at("name").get<std::string>(), l.at("op").get<std::string>(), l.at("macs").get<int64_t>()});
      if (l.contains("encoding")) kinds.insert(l["encoding"].at("kind").get<std::string>());
    }
    for (const std::string& k : kinds) c.encodings += (c.encodings.empty() ? "" : ", ") + k;
    if (r.contains("arena_buffers")) {
      c.buffers.emplace();
      for (const json& b : r["arena_buffers"])
        c.buffers->push_back({b.at("offset").get<int64_t>(), b.at("bytes").get<int64_t>(), b.at("first").get<int>(),
                              b.at("last").get<int>(), b.at("tensors").get<std::vector<std::string>>()});
    }
    const json pred = r.value(json::json_pointer("/target_build/predicted"), json());
    if (pred.is_object()) {
      c.image_flash = pred.at("flash").get<int64_t>();
      c.image_ram = pred.at("ram").get<int64_t>();
    }
    // mote run / bench record their figures per core; the compiled core's run first.
    const json runs = r.value("target_runs", json::object());
    for (const auto& [core, fig] : runs.items()) {
      if (c.measured && core != c.target) continue;
      c.measured = Measured{max_of(fig.at("instructions")), core,
                            fmt::format("mote run/bench on {} under QEMU", fig.value("board", core))};
      c.layer_instructions.clear();
      for (const json& l : fig.value("layers", json::array())) c.layer_instructions[l.at("node").get<int>()] = l.at("instructions").get<int64_t>();
    }
  } catch (const json::exception& e) {
    fail("{}: {}", file.string(), e.what());
  }
  return c;
}

// A validate stage that ran under QEMU counted every sample's instructions: the best figure.
std::optional<Measured> load_validation(const fs::path& file, const std::string& stage) {
  if (!fs::exists(file)) return std::nullopt;
  const json v = read_json(file);
  try {
    const std::string ran_on = v.at("ran_on").get<std::string>();
    if (ran_on == "host" || !v.contains("instructions")) return std::nullopt;
    return Measured{v["instructions"].at("max").get<int64_t>(), ran_on.substr(0, ran_on.find(' ')),
                    fmt::format("validate stage '{}', the most over {} samples on {}", stage, v.at("samples").get<int64_t>(), ran_on)};
  } catch (const json::exception& e) {
    fail("{}: {}", file.string(), e.what());
  }
}

Outdir load(const std::string& path) {
  Outdir o;
  o.path = path;
  const fs::path dir(path);
  if (!fs::is_directory(dir)) fail("{}: not a directory", path);
  const fs::path summary = dir / "pipeline.json";
  if (!fs::exists(summary)) {
    if (!fs::exists(dir / "report.json"))
      fail("{}: neither pipeline.json (of mote run PIPELINE.yaml), report.json (of mote compile) nor fit.json (of mote fit) is there", path);
    o.compiled.push_back(load_compiled(dir, dir.filename().string()));
    return o;
  }
  const json j = read_json(summary);
  try {
    o.pipeline = j.value("pipeline", "");
    for (const json& r : j.at("stages")) {
      Stage s;
      s.name = r.at("stage").get<std::string>();
      s.command = r.at("command").get<std::string>();
      s.model = r.value("model", "");
      s.accuracy = opt<double>(r, "accuracy");
      s.params = opt<int64_t>(r, "params");
      s.nonzero = opt<int64_t>(r, "nonzero");
      s.macs = opt<int64_t>(r, "macs");
      s.flash = opt<int64_t>(r, "flash_bytes");
      s.ram = opt<int64_t>(r, "ram_bytes");
      if (s.name.empty() || s.name.find('/') != std::string::npos) fail("{}: stage name '{}' is not a plain name", summary.string(), s.name);
      if (s.command == "compile") {
        s.compiled = int(o.compiled.size());
        o.compiled.push_back(load_compiled(dir / s.name, s.name));
      } else if (s.command == "validate") {
        // The compile stage it checked: named since mote records it, else the latest one before it.
        const std::string of = r.value("compiled", "");
        for (const Stage& e : o.stages)
          if (e.command == "compile" && (of.empty() || e.name == of)) s.compiled = e.compiled;
        if (s.compiled < 0) fail("{}: validate stage '{}' follows no compile stage", summary.string(), s.name);
        if (auto m = load_validation(dir / (s.name + ".json"), s.name)) o.compiled[size_t(s.compiled)].measured = m;
      }
      o.stages.push_back(s);
    }
  } catch (const json::exception& e) {
    fail("{}: {}", summary.string(), e.what());
  }
  return o;
}

std::string cell(const std::optional<int64_t>& v) { return v ? grouped(*v) : "-"; }
std::string percent(double v) { return num(100 * v, 2) + " %"; }
std::string bytes_text(double v) { return grouped(int64_t(v + 0.5)) + " B"; }

// The table at the top: one row per stage (or the compiled folder alone).
std::string stage_table(const Outdir& o) {
  std::string s =
      "<table id=\"stages\"><tr><th>stage</th><th>command</th><th>model</th><th>target</th><th>accuracy</th><th>params</th>"
      "<th>non-zero</th><th>MACs</th><th>flash B (weights, tables)</th><th>RAM B (arena)</th>"
      "<th>image flash B (predicted)</th><th>image RAM B (predicted)</th></tr>\n";
  auto row = [&](const std::string& name, const std::string& command, const std::string& model, const Compiled* c,
                 const std::optional<double>& acc, const std::optional<int64_t>& params, const std::optional<int64_t>& nonzero,
                 const std::optional<int64_t>& macs, const std::optional<int64_t>& flash, const std::optional<int64_t>& ram) {
    s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                     "<td>{}</td><td>{}</td></tr>\n",
                     escape(name), escape(command), escape(model), c ? escape(c->target) : "-", acc ? percent(*acc) : "-",
                     cell(params), cell(nonzero), cell(macs), cell(flash), cell(ram), cell(c ? c->image_flash : std::nullopt),
                     cell(c ? c->image_ram : std::nullopt));
  };
  if (o.stages.empty()) {
    const Compiled& c = o.compiled.front();
    row(c.label, "compile", c.model, &c, std::nullopt, c.params, std::nullopt, c.macs, c.weights_bytes, c.arena_bytes);
  }
  for (const Stage& st : o.stages)
    row(st.name, st.command, fs::path(st.model).filename().string(), st.compiled >= 0 ? &o.compiled[size_t(st.compiled)] : nullptr,
        st.accuracy, st.params, st.nonzero, st.macs, st.flash, st.ram);
  return s + "</table>\n";
}

std::string accuracy_plot(const Outdir& o) {
  svg::Bars b{"accuracy", "Accuracy at each stage (test set; int8 for QAT and validate)", "accuracy, %", {}, {}, {}, {}};
  svg::Series s{"accuracy", "acc", {}};
  for (const Stage& st : o.stages)
    if (st.accuracy) {
      b.rows.push_back(st.name + " (" + st.command + ")");
      s.values.push_back(100 * *st.accuracy);
    }
  if (b.rows.empty()) return "<p class=\"note\">No stage measured an accuracy (give the pipeline test-data and test-labels).</p>\n";
  b.series = {s};
  b.value_text = [](double v) { return num(v, 2) + " %"; };
  b.tip = [&](size_t r, size_t) { return b.rows[r] + ": " + num(*s.values[r], 2) + " %"; };
  return svg::bar_chart(b);
}

// Bytes of the weights after each step: float32, the non-zeros pruning keeps, int8, encoded.
std::string compression_plot(const Outdir& o) {
  std::vector<std::string> rows, tips;
  svg::Series s{"bytes", "cmp", {}};
  auto add = [&](const std::string& row, int64_t v, const std::string& tip) {
    rows.push_back(row);
    s.values.push_back(double(v));
    tips.push_back(tip);
  };
  if (o.stages.empty()) {
    const Compiled& c = o.compiled.front();
    add("float32", c.float32_bytes, "every constant (weights, biases) as float32: params x 4");
    add("as compiled", c.stored_bytes, "what " + c.name + ".c stores: int8 weights" + (c.encodings.empty() ? "" : " encoded (" + c.encodings + ")") +
                                           ", biases, requantization tables");
  }
  for (const Stage& st : o.stages) {
    if (st.command == "compile") {
      const Compiled& c = o.compiled[size_t(st.compiled)];
      // Before encoding: the pipeline's int8 compile of the model this stage compiled.
      for (const Stage& m : o.stages)
        if (!c.encodings.empty() && m.command != "compile" && m.command != "validate" && m.model == st.model && m.flash) {
          add(st.name + ": int8, not encoded", *m.flash, "the int8 compile of " + m.name + "'s model, no encoding");
          break;
        }
      add(st.name + (c.encodings.empty() ? ": " + c.dtype : ": encoded (" + c.encodings + ")"), c.stored_bytes,
          "what " + c.name + ".c stores: weights, biases, requantization tables");
    } else if (st.command == "quantize" && st.flash) {
      add(st.name + ": int8", *st.flash, "the int8 compile of the model: weights, biases, requantization tables");
    } else if (st.command != "validate" && st.nonzero) {
      const bool sparse = st.params && *st.nonzero < *st.params;
      add(st.name + (sparse ? ": float32 non-zeros" : ": float32"), *st.nonzero * 4,
          sparse ? "the non-zero float32 parameters, 4 B each (no index)" : "every float32 parameter, 4 B each");
    }
  }
  const double first = s.values.empty() ? 0 : *s.values.front();
  svg::Bars b{"compression", "Compression: bytes of the weights from float32 to each stage", "bytes", rows, {s}, {}, {}};
  b.value_text = [](double v) { return bytes_text(v); };
  b.tip = [&](size_t r, size_t) {
    return fmt::format("{}: {} ({}x smaller than the first)", tips[r], bytes_text(*s.values[r]), num(first / std::max(*s.values[r], 1.0), 2));
  };
  return svg::bar_chart(b);
}

std::string layer_row(size_t k, const Layer& l) { return fmt::format("{} {} {}", k, l.op, l.name); }

// Which buffers hold bytes at each layer: one row per layer over the arena's offsets (as TFLM's
// memory planner prints its plan).
std::string memory_plot(const Compiled& c) {
  if (!c.buffers)
    return "<p class=\"note\">This report.json has no arena_buffers (compiled by an older mote): compile again for the memory timeline.</p>\n";
  std::vector<std::string> rows;
  for (size_t k = 0; k < c.layers.size(); ++k) rows.push_back(layer_row(k, c.layers[k]));
  svg::Frame f("memory-" + c.label, fmt::format("Memory timeline: the arena at each layer ({} B)", grouped(c.arena_bytes)), rows,
               double(c.arena_bytes), "arena offset, bytes", [](double v) { return grouped(int64_t(v)); });
  for (size_t b = 0; b < c.buffers->size(); ++b) {
    const Buffer& u = (*c.buffers)[b];
    const bool scratch = u.tensors.empty();
    std::string what = scratch ? "scratch of layer " + std::to_string(u.first) : "";
    for (const std::string& t : u.tensors) what += (what.empty() ? "" : ", ") + t;
    const std::string tip = fmt::format("{}: {} B at offset {}, live at layers {} to {}", what, grouped(u.bytes), grouped(u.offset), u.first, u.last);
    for (int step = std::max(u.first, 0); step <= u.last && size_t(step) < rows.size(); ++step)
      f.box(size_t(step), double(u.offset), double(u.offset + u.bytes), 0.1, 0.9, scratch ? "buf scr" : fmt::format("buf m{}", b % 4), tip);
  }
  f.marker(double(c.arena_bytes), "arena " + grouped(c.arena_bytes) + " B");
  f.legend("m0", "tensor (with its aliases)");
  f.legend("scr", "scratch");
  return f.str();
}

std::string cost_plot(const Compiled& c) {
  int64_t total_instr = 0;
  for (const auto& [k, v] : c.layer_instructions) total_instr += v;
  svg::Series macs{"MACs", "macs", {}}, instr{"instructions under QEMU", "instr", {}};
  std::vector<std::string> rows;
  for (size_t k = 0; k < c.layers.size(); ++k) {
    rows.push_back(layer_row(k, c.layers[k]));
    macs.values.push_back(c.macs > 0 ? 100.0 * double(c.layers[k].macs) / double(c.macs) : 0.0);
    const auto it = c.layer_instructions.find(int(k));
    instr.values.push_back(it == c.layer_instructions.end() || total_instr == 0 ? std::nullopt
                                                                                : std::optional<double>(100.0 * double(it->second) / double(total_instr)));
  }
  const bool profiled = total_instr > 0;
  svg::Bars b{"cost-" + c.label,
              profiled ? fmt::format("Cost per layer: share of the {} MACs and of the {} instructions on {} (share of latency)", grouped(c.macs),
                                     grouped(total_instr), c.measured ? c.measured->target : c.target)
                       : fmt::format("Cost per layer: share of the {} MACs", grouped(c.macs)),
              "share of the total, %", rows, {macs}, {}, {}};
  if (profiled) b.series.push_back(instr);
  b.value_text = [](double v) { return num(v, 1) + " %"; };
  b.tip = [&](size_t r, size_t k) {
    if (k == 0) return fmt::format("{}: {} MACs, {} % of the total", rows[r], grouped(c.layers[r].macs), num(*macs.values[r], 2));
    return fmt::format("{}: {} instructions, {} % of the total", rows[r], grouped(c.layer_instructions.at(int(r))), num(*instr.values[r], 2));
  };
  std::string s = svg::bar_chart(b);
  if (!profiled)
    s += "<p class=\"note\">No instruction counts per layer in report.json (<code>mote bench OUTDIR --profile</code> records them): MACs only.</p>\n";
  return s;
}

// Cycles of one inference on each profile's parts: counted under QEMU when a run did, else MACs
// times a stated estimate; then latency, energy and CR2032 life per part.
std::string energy_section(const Compiled& c, double rate_hz) {
  std::vector<const Profile*> profs;
  int64_t cycles = 0;
  std::string how;
  if (c.measured) {
    profs.push_back(&profile_for(c.measured->target));
    cycles = c.measured->instructions;
    how = fmt::format("{} instructions per inference ({}), taken as cycles: instructions, not cycles", grouped(cycles), c.measured->how);
  } else {
    const Target& t = target_named(c.target);
    const bool dsp = std::find(t.isas.begin(), t.isas.end(), Isa::ArmDsp) != t.isas.end();
    const double per_mac = dsp ? kDspCyclesPerMac : kPortableCyclesPerMac;
    for (const Profile& p : profiles())
      if (c.target == host_target().name || p.target == c.target) profs.push_back(&p);
    cycles = int64_t(double(c.macs) * per_mac + 0.5);
    how = fmt::format("estimate, no run counted them: {} MACs x {} cycles per MAC ({} kernels on a Cortex-M4 under QEMU, docs/results.md)",
                      grouped(c.macs), num(per_mac, 2), dsp ? "mote's Armv7E-M" : "mote's portable");
  }
  std::vector<std::string> rows;
  svg::Series energy{"energy", "en", {}}, days{"days", "bat", {}};
  std::string table =
      "<table class=\"parts\"><tr><th>part</th><th>core</th><th>MHz</th><th>cycles</th><th>latency ms</th><th>energy uJ</th>"
      "<th>average uA</th><th>CR2032 days</th><th>sleep</th><th>source</th></tr>\n";
  for (const Profile* p : profs)
    for (const PartCost& k : part_costs(*p, cycles, rate_hz)) {
      const Part& q = part_named(*p, k.part);
      rows.push_back(k.part + " (" + p->target + ")");
      energy.values.push_back(k.energy_uj);
      days.values.push_back(k.battery_days);
      auto f = [](const std::optional<double>& v, int d) { return v ? num(*v, d) : std::string("n/a"); };
      table += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                           escape(k.part), escape(p->target), num(k.clock_mhz), grouped(k.cycles), num(k.latency_ms, 3),
                           f(k.energy_uj, 2), f(k.average_ua, 2), k.keeps_up ? f(k.battery_days, 1) : "too slow",
                           escape(q.sleep_mode.empty() ? "-" : q.sleep_mode), escape(q.source));
    }
  table += "</table>\n";
  svg::Bars e{"energy-" + c.label, "Energy per inference (run current x supply x latency)", "energy per inference, uJ", rows, {energy}, {}, {}};
  e.value_text = [](double v) { return num(v, 2) + " uJ"; };
  e.tip = [&](size_t r, size_t) { return rows[r] + ": " + num(*energy.values[r], 3) + " uJ"; };
  svg::Bars l{"battery-" + c.label, fmt::format("Battery life on a CR2032 (225 mAh) at {} inference{} per second, asleep in between", num(rate_hz, 3),
                                                rate_hz == 1 ? "" : "s"),
              "days", rows, {days}, {}, {}};
  l.value_text = [](double v) { return num(v, 1) + " days"; };
  l.tip = [&](size_t r, size_t) { return rows[r] + ": " + num(*days.values[r], 1) + " days"; };
  return fmt::format("<p class=\"note\">Cycles: {}. Parts without published currents (n/a) get no bars.</p>\n", escape(how)) +
         svg::bar_chart(e) + svg::bar_chart(l) + table;
}

// mote fit's folder: its budget, every variant in a table, and accuracy against flash and against
// latency with the Pareto front joined and the best fit marked.
std::string fit_body(const fs::path& file) {
  const json j = read_json(file);
  std::string s;
  try {
    const json& b = j.at("budget");
    std::vector<std::string> limits;
    if (b.contains("ram")) limits.push_back("RAM " + bytes_text(b["ram"].get<double>()));
    if (b.contains("flash")) limits.push_back("flash " + bytes_text(b["flash"].get<double>()));
    if (b.contains("ms")) limits.push_back(num(b["ms"].get<double>()) + " ms");
    if (b.contains("accuracy")) limits.push_back("accuracy " + percent(b["accuracy"].get<double>()));
    const json& cs = j.at("candidates");
    const int64_t best = j.contains("best") ? j["best"].get<int64_t>() : -1;
    s += fmt::format("<p class=\"note\">mote fit of {} for {} (latency at {}'s clock, instructions as cycles); budget: {}. {}</p>\n",
                     escape(j.at("model").get<std::string>()), escape(j.at("target").get<std::string>()),
                     escape(j.at("part").get<std::string>()), escape(fmt::format("{}", fmt::join(limits, ", "))),
                     best >= 0 ? "" : "No variant meets the budget.");
    s += "<table id=\"fit\"><tr><th>candidate</th><th>encoding</th><th>int8 accuracy</th><th>flash B</th><th>RAM B</th><th>ms</th><th></th></tr>\n";
    svg::Scatter flash{"fit-flash", "Accuracy against flash (firmware image)", "flash, KB", "int8 accuracy, %", {}, {}, {}, {}};
    svg::Scatter ms{"fit-ms", "Accuracy against latency per inference", "ms", "int8 accuracy, %", {}, {}, {}, {}};
    for (size_t k = 0; k < cs.size(); ++k) {
      const json& c = cs[k];
      const std::string name = c.at("candidate").get<std::string>() + " " + c.at("encoding").get<std::string>();
      const bool front = c.at("pareto").get<bool>(), fits = c.at("fits").get<bool>(), is_best = int64_t(k) == best;
      std::vector<std::string> marks;
      if (front) marks.push_back("front");
      if (!fits) marks.push_back("over budget");
      if (is_best) marks.push_back("best");
      const double acc = c.at("accuracy").get<double>(), fl = c.at("flash").get<double>(), t = c.at("ms").get<double>();
      s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       escape(c["candidate"].get<std::string>()), escape(c["encoding"].get<std::string>()), percent(acc),
                       grouped(c.at("flash").get<int64_t>()), grouped(c.at("ram").get<int64_t>()), num(t, 2),
                       escape(fmt::format("{}", fmt::join(marks, ", "))));
      const std::string cls = is_best ? "best" : !fits ? "over" : front ? "onfront" : "off";
      const std::string tip = fmt::format("{}: {}, flash {}, RAM {}, {} ms", name, percent(acc), bytes_text(fl),
                                          bytes_text(c["ram"].get<double>()), num(t, 2));
      flash.points.push_back({fl / 1024, 100 * acc, cls, tip});
      ms.points.push_back({t, 100 * acc, cls, tip});
      if (front) flash.line.push_back(k), ms.line.push_back(k);
    }
    s += "</table>\n";
    // The best dot last, on top of any variant at the same place.
    if (best >= 0)
      for (svg::Scatter* p : {&flash, &ms}) {
        std::swap(p->points[size_t(best)], p->points.back());
        for (size_t& k : p->line) k = k == size_t(best) ? p->points.size() - 1 : k == p->points.size() - 1 ? size_t(best) : k;
      }
    for (svg::Scatter* p : {&flash, &ms}) {
      p->x_text = [](double v) { return num(v, 1); };
      p->y_text = [](double v) { return num(v, 1); };
    }
    s += "<p class=\"note\">Dots: blue on the Pareto front, grey off it, red over budget, green the best fit; the line joins the front.</p>\n";
    s += svg::scatter(flash) + svg::scatter(ms);
  } catch (const json::exception& e) {
    fail("{}: {}", file.string(), e.what());
  }
  return s;
}

const char* const kStyle = R"(body{font:12px "DejaVu Sans",sans-serif;margin:16px;color:#222;background:#fff;max-width:1000px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}.parts td:last-child{text-align:left;font-size:11px}
.note{color:#555}svg.plot{display:block;margin:10px 0}
svg text{font:12px "DejaVu Sans",sans-serif;fill:#222}svg .title{font-weight:bold;font-size:13px}
svg .grid{stroke:#e6e6e6}svg .axisline{stroke:#555}svg line.mark{stroke:#c00;stroke-dasharray:4 3}svg text.mark{fill:#c00}
.buf{stroke:#fff;stroke-width:0.5}.m0{fill:#4e79a7}.m1{fill:#76a5d6}.m2{fill:#2d5b8a}.m3{fill:#9dc3ea}.scr{fill:#bab0ac}
.pt.onfront{fill:#4e79a7}.pt.off{fill:#bab0ac}.pt.over{fill:#e15759}.pt.best{fill:#59a14f}polyline.front{stroke:#4e79a7;stroke-width:1.5}
.macs{fill:#f28e2b}.instr{fill:#9c755f}.cmp{fill:#59a14f}.acc{fill:#e15759}.en{fill:#b07aa1}.bat{fill:#edc948}
)";

}  // namespace

std::string report_page(const std::string& outdir, double rate_hz) {
  if (!(rate_hz > 0)) fail("the rate must be a positive number of inferences per second, not {}", rate_hz);
  const fs::path fit = fs::path(outdir) / "fit.json";
  if (fs::exists(fit) && !fs::exists(fs::path(outdir) / "pipeline.json") && !fs::exists(fs::path(outdir) / "report.json"))
    return fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mote report: fit</title>\n<style>{}</style></head>\n"
                       "<body>\n<h1>mote report: fit</h1>\n<p class=\"note\">From {}.</p>\n<h2>Candidates</h2>\n{}</body></html>\n",
                       kStyle, escape(outdir), fit_body(fit));
  const Outdir o = load(outdir);
  const std::string title = o.pipeline.empty() ? o.compiled.front().name : fs::path(o.pipeline).filename().string();
  std::string s = fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mote report: {0}</title>\n<style>{1}</style></head>\n"
                              "<body>\n<h1>mote report: {0}</h1>\n<p class=\"note\">From {2}{3}.</p>\n",
                              escape(title), kStyle, escape(outdir),
                              o.pipeline.empty() ? std::string(" (one compiled folder)") : ", the output of mote run " + escape(o.pipeline));
  s += "<h2>Stages</h2>\n" + stage_table(o);
  if (!o.stages.empty()) s += "<h2>Accuracy</h2>\n" + accuracy_plot(o);
  s += "<h2>Compression</h2>\n" + compression_plot(o);
  for (const Compiled& c : o.compiled) {
    s += fmt::format("<h2>{}: {} ({}, {})</h2>\n", escape(c.label), escape(c.name), escape(c.dtype), escape(c.target));
    s += memory_plot(c) + cost_plot(c) + energy_section(c, rate_hz);
  }
  return s + "</body></html>\n";
}

}  // namespace mote
