#include "target/footprint.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "lower/registry.h"
#include "target/profiles.h"
#include "target/sizes.h"
#include "util/error.h"

namespace mote {

namespace {

int64_t align_up(int64_t v, int64_t a) { return a > 1 ? (v + a - 1) / a * a : v; }

// The flash objects of NAME.c: file-scope "static const TYPE name[N] = {" and
// "static const TYPE name = {" lines (codegen prints nothing else at file scope as const).
int64_t model_rodata(const RuntimeSizes& s, const std::string& c_text) {
  static const std::regex decl(R"(^static const ([A-Za-z_][A-Za-z0-9_]*) (\*const )?[A-Za-z_][A-Za-z0-9_]*(\[([0-9]+)\])? = )");
  std::istringstream in(c_text);
  std::string line;
  int64_t at = 0;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, decl)) continue;
    const std::string type = m[2].matched ? "ptr" : m[1].str();
    const bool array = m[3].matched;
    auto size = s.type_size.find(type);
    if (size == s.type_size.end())
      fail("predicting the {} build: the generated C stores a {}, which the runtime measurement has no size for; rebuild mote",
           s.target, type);
    const int64_t count = array ? std::stoll(m[4].str()) : 1;
    const int64_t align = (array ? s.array_align : s.object_align).at(type);
    at = align_up(at, align) + size->second * count;
  }
  return at;
}

struct Closure {
  std::set<int> kept;
  void add(const RuntimeSizes& s, int n) {
    if (!kept.insert(n).second) return;
    for (int r : s.nodes[size_t(n)].refs) add(s, r);
  }
};

// The deepest stack below function node n: its frame plus its deepest call, or a function it
// tail-calls after popping its frame.
int64_t stack_bound(const RuntimeSizes& s, int n, std::map<int, int64_t>& memo, std::set<int>& open) {
  auto it = memo.find(n);
  if (it != memo.end()) return it->second;
  const SizeNode& x = s.nodes[size_t(n)];
  if (!open.insert(n).second) fail("predicting the {} stack: {} is recursive; no static bound", s.target, x.label);
  int64_t callee = 0, tail = 0;
  for (int c : x.calls) callee = std::max(callee, stack_bound(s, c, memo, open));
  for (int t : x.tails) tail = std::max(tail, stack_bound(s, t, memo, open));
  open.erase(n);
  return memo[n] = std::max(x.frame + callee, tail);
}

// The most arena pointers NAME_invoke_arena keeps alive across one call: offsets (other than 0,
// the arena itself) that a call at or before it uses and one after it uses again. Positions: the
// input copy, the kernel calls, the output copy.
int64_t live_pointers(const ModelSource& m) {
  const Graph& g = *m.graph;
  std::map<int64_t, std::pair<int, int>> range;
  auto use = [&](int64_t off, int at) {
    if (off <= 0) return;
    auto [it, fresh] = range.emplace(off, std::make_pair(at, at));
    if (!fresh) it->second.second = at;
  };
  int at = 0;
  use(m.plan->tensor_offset.at(size_t(g.inputs.at(0))), at);
  for (const KernelCall& c : *m.calls) {
    if (!c.has_code()) continue;
    ++at;
    for (int t : c.inputs)
      if (t >= 0 && !g.t(t).is_const()) use(m.plan->tensor_offset.at(size_t(t)), at);
    use(m.plan->tensor_offset.at(size_t(c.output)), at);
    use(m.plan->scratch_offset.at(size_t(c.node)), at);
  }
  use(m.plan->tensor_offset.at(size_t(g.outputs.at(0))), ++at);
  int64_t most = 0;
  for (int k = 0; k <= at; ++k) {
    int64_t live = 0;
    for (const auto& [off, r] : range) live += r.first <= k && k < r.second;
    most = std::max(most, live);
  }
  return most;
}

// A table entry for k >= 1, extended past its end by its last step.
int64_t table_at(const std::vector<int64_t>& t, int64_t k) {
  if (k < 1 || t.empty()) return 0;
  if (k <= int64_t(t.size())) return t[size_t(k - 1)];
  const int64_t step = t.size() >= 2 ? t.back() - t[t.size() - 2] : 0;
  return t.back() + step * (k - int64_t(t.size()));
}

}  // namespace

nlohmann::json Footprint::to_json() const {
  return {{"text", text},
          {"rodata", rodata},
          {"data", data},
          {"bss", bss},
          {"stack", stack},
          {"flash", flash()},
          {"ram", ram()},
          {"runtime_text", runtime_text},
          {"invoke_text", invoke_text},
          {"model_rodata", model_rodata},
          {"runtime_rodata", runtime_rodata},
          {"arena", arena}};
}

Footprint predict_footprint(const std::string& target, const ModelSource& m) {
  const RuntimeSizes& s = runtime_sizes(target);
  Footprint f;

  // NAME_invoke_arena and NAME_invoke: calibrated per call, plus the input and output copies,
  // which gcc inlines when they are short.
  std::set<std::string> kernels;
  int64_t invoke_frame = 0;
  f.invoke_text = s.invoke_base_text + s.wrapper_text;
  for (const KernelCall& c : *m.calls) {
    if (!c.has_code()) continue;
    kernels.insert(c.def->name);
    const std::string kind = args_name(int(c.def->args));
    const int64_t extra = c.def->args == Args::Concat ? std::max<int64_t>(0, int64_t(c.inputs.size()) - 2) : 0;
    f.invoke_text += s.call_text.at(kind) + extra * s.concat_input_text;
    invoke_frame = std::max(invoke_frame, s.call_frame.at(kind) + extra * s.concat_input_frame);
  }
  const int64_t live = live_pointers(m);
  f.invoke_text += table_at(s.live_text, live);
  invoke_frame += table_at(s.live_frame, live);
  bool invoke_calls_memcpy = false;
  const int64_t input_bytes = int64_t(m.graph->t(m.graph->inputs.at(0)).bytes());
  const int64_t output_bytes = int64_t(m.graph->t(m.graph->outputs.at(0)).bytes());
  for (int64_t n : {input_bytes, output_bytes}) {
    const bool inlined = n < int64_t(s.copy_text.size());
    f.invoke_text += (inlined ? s.copy_text[size_t(n)] : s.copy_call_text) - s.copy_call_text;
    invoke_calls_memcpy = invoke_calls_memcpy || !inlined || s.copy_calls[size_t(n)];
  }

  // The runtime sections the calls keep.
  Closure keep;
  std::vector<int> roots;
  for (const std::string& k : kernels) {
    auto it = s.globals.find(k);
    if (it == s.globals.end())
      fail("predicting the {} build: kernel {} was not measured for {}; rebuild mote", target, k, target);
    roots.push_back(it->second);
  }
  if (invoke_calls_memcpy) roots.push_back(s.globals.at("memcpy"));
  const bool encoded = std::any_of(m.calls->begin(), m.calls->end(), [](const KernelCall& c) { return c.encoded.has_value(); });
  if (encoded) roots.push_back(s.globals.at("mote_wenc_check"));  // NAME_init checks each blob
  for (int r : roots) keep.add(s, r);
  for (int n : keep.kept) {
    const SizeNode& x = s.nodes[size_t(n)];
    const int64_t bytes = align_up(x.size, x.align);
    switch (x.kind) {
      case 't': f.runtime_text += bytes; break;
      case 'r': f.runtime_rodata += bytes; break;
      case 'd': f.data += bytes; break;
      default: f.bss += bytes; break;
    }
  }
  f.model_rodata = model_rodata(s, m.c_text);
  f.arena = align_up(m.plan->arena_bytes, 8);  // the arena union is aligned (and sized) to 8
  f.text = f.invoke_text + f.runtime_text;
  f.rodata = f.model_rodata + f.runtime_rodata;
  f.bss += f.arena;

  std::map<int, int64_t> memo;
  std::set<int> open;
  int64_t deepest = 0;
  for (int r : roots) deepest = std::max(deepest, stack_bound(s, r, memo, open));
  f.stack = s.wrapper_frame + invoke_frame + deepest;
  return f;
}

nlohmann::json target_build_report(const std::string& target, const std::string& part, const ModelSource& m,
                                   const std::string& model_name) {
  const Profile& prof = profile_for(target);
  const Part* chosen = part.empty() ? nullptr : &part_named(prof, part);
  const Footprint f = predict_footprint(target, m);
  nlohmann::json parts = nlohmann::json::array();
  for (const Part& q : prof.parts)
    parts.push_back({{"name", q.name},
                     {"flash_bytes", q.flash_bytes},
                     {"sram_bytes", q.sram_bytes},
                     {"flash_free", q.flash_bytes - f.flash()},
                     {"ram_free", q.sram_bytes - f.ram()},
                     {"fits", f.flash() <= q.flash_bytes && f.ram() <= q.sram_bytes}});
  if (chosen) {
    std::vector<std::string> over;
    if (f.flash() > chosen->flash_bytes)
      over.push_back(fmt::format("flash needs {} B (code {} + weights and tables {} + data {}), the part has {} B: {} B over",
                                 f.flash(), f.text, f.rodata, f.data, chosen->flash_bytes, f.flash() - chosen->flash_bytes));
    if (f.ram() > chosen->sram_bytes)
      over.push_back(fmt::format("RAM needs {} B (arena {} + runtime data/bss {} + stack {}), the part has {} B: {} B over",
                                 f.ram(), f.arena, f.data + f.bss - f.arena, f.stack, chosen->sram_bytes,
                                 f.ram() - chosen->sram_bytes));
    if (!over.empty()) {
      std::string what;
      for (const std::string& o : over) what += (what.empty() ? "" : "; ") + o;
      fail("model '{}' does not fit {} ({}): {}", model_name, chosen->name, target, what);
    }
  }
  const RuntimeSizes& s = runtime_sizes(target);
  return {{"target", target},
          {"cflags", prof.cflags},
          {"compiler", "arm-none-eabi-gcc " + s.compiler},
          {"predicted", f.to_json()},
          {"part", chosen ? nlohmann::json(chosen->name) : nlohmann::json(nullptr)},
          {"parts", parts}};
}

}  // namespace mote
