#include "target/sizes.h"

#include <algorithm>
#include <bitset>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "lower/registry.h"
#include "target/elf.h"
#include "util/error.h"
#include "util/file.h"
#include "util/process.h"
#include "util/resources.h"

namespace mote {

namespace fs = std::filesystem;

const char* args_name(int args) {
  static const char* const names[] = {"ConvScratch", "WeightsBias", "Binary", "Lut", "UnaryN",
                                      "InOut",       "Concat",      "Lstm",   "Gru",    "Chain"};
  static_assert(sizeof names / sizeof names[0] == size_t(Args::Chain) + 1, "one name per Args kind");
  return args >= 0 && args <= int(Args::Chain) ? names[args] : "?";
}

namespace {

// R_ARM_* relocation types that are calls and tail calls.
constexpr uint32_t kThmCall = 10, kArmCall = 28, kArmJump24 = 29, kThmJump24 = 30;

uint16_t le16(const std::string& b, size_t at) {
  uint16_t v = 0;
  if (at + 2 <= b.size()) std::memcpy(&v, b.data() + at, 2);
  return v;
}

// Thumb-2 modified immediate (ThumbExpandImm) of i:imm3:imm8.
uint32_t thumb_expand_imm(uint32_t imm12) {
  const uint32_t low = imm12 & 0xff;
  switch (imm12 >> 8) {
    case 0: return low;
    case 1: return low << 16 | low;
    case 2: return low << 24 | low << 8;
    case 3: return low << 24 | low << 16 | low << 8 | low;
    default: {
      const uint32_t v = 0x80 | (imm12 & 0x7f), rot = imm12 >> 7;
      return v >> rot | v << (32 - rot);
    }
  }
}

// The stack a library function's prologue takes (pushes, vpush, sub sp), read from its first
// instructions: libc and libgcc come without -fstack-usage files.
int64_t prologue_frame(const std::string& code) {
  int64_t frame = 0;
  size_t i = 0;
  while (i + 2 <= code.size()) {
    const uint16_t h = le16(code, i);
    if ((h & 0xfe00) == 0xb400) {  // PUSH {regs[, lr]}
      frame += 4 * int64_t(std::bitset<9>(h & 0x1ff).count());
      i += 2;
    } else if ((h & 0xff80) == 0xb080) {  // SUB SP, SP, #imm7*4
      frame += 4 * (h & 0x7f);
      i += 2;
    } else if (i + 4 <= code.size()) {
      const uint16_t h2 = le16(code, i + 2);
      const uint32_t imm12 = (uint32_t(h >> 10) & 1) << 11 | (uint32_t(h2 >> 12) & 7) << 8 | (h2 & 0xff);
      if (h == 0xe92d) {  // PUSH.W {regs}
        frame += 4 * int64_t(std::bitset<16>(h2 & 0x5fff).count());
      } else if (h == 0xf84d && (h2 & 0x0fff) == 0x0d04) {  // STR.W Rt, [SP, #-4]!
        frame += 4;
      } else if ((h & 0xffbf) == 0xed2d && (h2 & 0x0e00) == 0x0a00) {  // VPUSH
        frame += 4 * (h2 & 0xff);
      } else if ((h & 0xfbff) == 0xf1ad && (h2 & 0x8f00) == 0x0d00) {  // SUB.W SP, SP, #const
        frame += thumb_expand_imm(imm12);
      } else if ((h & 0xfbff) == 0xf2ad && (h2 & 0x8f00) == 0x0d00) {  // SUBW SP, SP, #imm12
        frame += imm12;
      } else {
        break;
      }
      i += 4;
    } else {
      break;
    }
  }
  return frame;
}

// gcc's -fstack-usage lines "file.c:12:5:name<TAB>bytes<TAB>static".
std::map<std::string, int64_t> read_stack_usage(const std::string& path) {
  std::map<std::string, int64_t> r;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t'), colon = line.rfind(':', tab);
    if (tab == std::string::npos || colon == std::string::npos) continue;
    r[line.substr(colon + 1, tab - colon - 1)] = std::stoll(line.substr(tab + 1));
  }
  return r;
}

// The linker's view of the runtime: objects, the archive members they pull in, and the input
// sections reachable from the roots, which --gc-sections keeps.
class SectionGraph {
 public:
  void add_archive(std::vector<ElfFile> members) {
    const int a = int(archives_.size());
    for (size_t m = 0; m < members.size(); ++m)
      for (const ElfSymbol& s : members[m].symbols)
        if (s.defined() && s.bind != 0 && !archive_defs_.count(s.name)) archive_defs_[s.name] = {a, m};
    archives_.push_back(std::move(members));
    taken_.emplace_back(archives_.back().size(), false);
  }

  void add_object(ElfFile f, std::map<std::string, int64_t> stack_usage) {
    const int o = int(objs_.size());
    for (const ElfSymbol& s : f.symbols) {
      if (!s.defined() || s.bind == 0) continue;
      auto it = defs_.find(s.name);
      if (it == defs_.end() || (weak_.count(s.name) && s.bind == 1)) {
        defs_[s.name] = {o, s.shndx};
        if (s.bind == 2) weak_.insert(s.name);
        else weak_.erase(s.name);
      }
    }
    Obj obj{std::move(f), std::move(stack_usage), {}};
    for (uint32_t i = 0; i < obj.elf.sections.size(); ++i)
      if (obj.elf.sections[i].link_order()) obj.link_order[obj.elf.sections[i].link].push_back(i);
    objs_.push_back(std::move(obj));
  }

  // The node of the definition of `name`, walking everything it needs; -1 if none defines it.
  int root(const std::string& name) {
    const auto d = resolve(name);
    if (!d) return -1;
    const int n = node(d->first, d->second);
    drain();
    return n;
  }

  std::vector<SizeNode> nodes;

 private:
  struct Obj {
    ElfFile elf;
    std::map<std::string, int64_t> su;
    std::map<uint32_t, std::vector<uint32_t>> link_order;  // section -> its SHF_LINK_ORDER followers
  };
  std::vector<Obj> objs_;
  std::map<std::string, std::pair<int, uint16_t>> defs_;
  std::set<std::string> weak_;
  std::vector<std::vector<ElfFile>> archives_;
  std::vector<std::vector<bool>> taken_;
  std::map<std::string, std::pair<int, size_t>> archive_defs_;
  std::map<std::pair<int, uint32_t>, int> node_of_;
  std::vector<std::pair<int, uint32_t>> where_;
  std::deque<int> todo_;

  std::optional<std::pair<int, uint16_t>> resolve(const std::string& name) {
    auto it = defs_.find(name);
    if (it != defs_.end()) return it->second;
    auto a = archive_defs_.find(name);
    if (a == archive_defs_.end()) return std::nullopt;
    const auto [archive, member] = a->second;
    if (!taken_[size_t(archive)][member]) {
      taken_[size_t(archive)][member] = true;
      add_object(archives_[size_t(archive)][member], {});
    }
    it = defs_.find(name);
    return it == defs_.end() ? std::nullopt : std::optional(it->second);
  }

  int node(int o, uint32_t sec) {
    auto it = node_of_.find({o, sec});
    if (it != node_of_.end()) return it->second;
    const ElfFile& f = objs_[size_t(o)].elf;
    const ElfSection& s = f.sections.at(sec);
    SizeNode n;
    n.label = f.label + ":" + s.name;
    n.kind = s.exec() ? 't' : s.nobits() ? 'b' : s.write() ? 'd' : 'r';
    n.size = s.size;
    n.align = std::max<int64_t>(1, s.align);
    if (n.kind == 't') {
      for (const ElfSymbol& y : f.symbols) {
        if (y.type != 2 || y.shndx != sec) continue;
        const auto su = objs_[size_t(o)].su.find(y.name);
        const int64_t frame = su != objs_[size_t(o)].su.end()
                                  ? su->second
                                  : prologue_frame(f.bytes.substr(s.offset + (y.value & ~1u), std::min<uint32_t>(32, s.size)));
        n.frame = std::max(n.frame, frame);
      }
    }
    const int id = int(nodes.size());
    nodes.push_back(n);
    node_of_[{o, sec}] = id;
    where_.push_back({o, sec});
    todo_.push_back(id);
    return id;
  }

  int functions_in(int o, uint32_t sec) const {
    int n = 0;
    for (const ElfSymbol& y : objs_[size_t(o)].elf.symbols) n += y.type == 2 && y.shndx == sec;
    return n;
  }

  void drain() {
    while (!todo_.empty()) {
      const int id = todo_.front();
      todo_.pop_front();
      const auto [o, sec] = where_[size_t(id)];
      std::set<int> refs, calls, tails;
      const std::vector<ElfReloc> relocs = objs_[size_t(o)].elf.relocs.at(sec);
      for (const ElfReloc& r : relocs) {
        const ElfSymbol y = objs_[size_t(o)].elf.symbols[r.symbol];
        std::optional<std::pair<int, uint16_t>> to;
        if (y.defined()) {
          to = std::pair<int, uint16_t>{o, y.shndx};
        } else if (!y.name.empty()) {
          to = resolve(y.name);
          if (!to && y.bind != 2)
            fail("measuring the runtime: {} ({}) refers to '{}', which no object or library defines",
                 objs_[size_t(o)].elf.label, objs_[size_t(o)].elf.sections[sec].name, y.name);
        }
        if (!to || !objs_[size_t(to->first)].elf.sections.at(to->second).alloc()) continue;
        const int t = node(to->first, to->second);
        if (t == id) {
          // A function calling itself has no static stack bound: stack_bound reports it. In a
          // library section holding several functions the call is to another of them.
          if ((r.type == kThmCall || r.type == kArmCall) && functions_in(o, sec) <= 1) calls.insert(t);
          continue;
        }
        refs.insert(t);
        if (r.type == kThmCall || r.type == kArmCall) calls.insert(t);
        if (r.type == kThmJump24 || r.type == kArmJump24) tails.insert(t);
      }
      auto lo = objs_[size_t(o)].link_order.find(sec);
      if (lo != objs_[size_t(o)].link_order.end())
        for (uint32_t s : lo->second) refs.insert(node(o, s));
      nodes[size_t(id)].refs.assign(refs.begin(), refs.end());
      nodes[size_t(id)].calls.assign(calls.begin(), calls.end());
      nodes[size_t(id)].tails.assign(tails.begin(), tails.end());
    }
  }
};

// The C types NAME.c stores in flash, by the name the measurement uses.
std::vector<std::pair<std::string, std::string>> stored_types() {
  std::vector<std::pair<std::string, std::string>> t = {
      {"int8_t", "int8_t"},   {"uint8_t", "uint8_t"}, {"int16_t", "int16_t"}, {"uint16_t", "uint16_t"},
      {"int32_t", "int32_t"}, {"float", "float"},     {"int64_t", "int64_t"}, {"ptr", "int8_t *const"},
      {"mote_wenc", "mote_wenc"}};
  std::set<std::string> seen;
  for (const KernelDef& k : kernel_registry())
    if (*k.params_type && seen.insert(k.params_type).second) t.push_back({k.params_type, k.params_type});
  return t;
}

constexpr int kCalls = 9;  // the calls of the longer invoke probe; the shorter has one
constexpr int kCopyProbe = 129;  // memcpy sizes probed for inlining: 0 .. kCopyProbe-1
constexpr int kLiveProbe = 24;   // arena pointers live across calls probed: 1 .. kLiveProbe

// The argument list codegen prints for a call of each Args kind, with probe names: P params,
// W and B weights and bias, I and O the layer's input and output in the arena, S its scratch.
std::string probe_call(int args, const std::string& P, const std::string& W, const std::string& B,
                       const std::string& I, const std::string& O, const std::string& S) {
  switch (Args(args)) {
    case Args::ConvScratch: return fmt::format("&{}, (int8_t *)({}), {}, {}, (int8_t *)({}), {}", P, I, W, B, O, S);
    case Args::WeightsBias: return fmt::format("&{}, (int8_t *)({}), {}, {}, (int8_t *)({})", P, I, W, B, O);
    case Args::Binary: return fmt::format("&{}, (int8_t *)({}), (int8_t *)({}), (int8_t *)({})", P, I, S, O);
    case Args::Lut: return fmt::format("{}, 1000, (int8_t *)({}), (int8_t *)({})", W, I, O);
    case Args::UnaryN: return fmt::format("&{}, 1000, (int8_t *)({}), (int8_t *)({})", P, I, O);
    case Args::InOut: return fmt::format("&{}, (int8_t *)({}), (int8_t *)({})", P, I, O);
    case Args::Concat: return fmt::format("&{}, mote_probe_list, (int8_t *)({})", P, O);
    case Args::Lstm:
      return fmt::format("&{0}, (int8_t *)({3}), {1}, {1}, {2}, {2}, NULL, NULL, (int8_t *)({4}), {5}", P, W, B, I, O, S);
    case Args::Gru:
      return fmt::format("&{0}, (int8_t *)({3}), {1}, {1}, {2}, {2}, NULL, (int8_t *)({4}), {5}", P, W, B, I, O, S);
    case Args::Chain: return fmt::format("&{}, (int8_t *)({}), (int8_t *)({}), (int8_t *)({}), {}", P, I, I, O, S);
  }
  return "";
}

// The probe source: objects of every stored type, NAME_invoke_arena-like functions of one and of
// kCalls calls per Args kind (each layer reading the one before, in two arena buffers as a
// sequential plan gives), and memcpy copies of 0..kCopyProbe-1 bytes.
std::string probe_source() {
  std::string s = "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n#include \"mote/kernels.h\"\n#include \"mote/decode.h\"\n\n";
  for (const auto& [id, ctype] : stored_types()) {
    s += fmt::format("const {0} mote_obj_{1} = {{0}};\n", ctype, id);
    s += fmt::format("const {0} mote_arr_{1}[37] = {{0}};\n", ctype, id);
  }
  s += "typedef struct { int32_t v[8]; } mote_probe_params;\n";
  const char* const buffers[2] = {"arena + 0", "arena + 8000"};
  for (int a = 0; a <= int(Args::Chain); ++a) {
    s += fmt::format("extern mote_status mote_probe_k{}();\n", a);
    for (int calls : {1, kCalls}) {
      std::string body;
      for (int i = 0; i < calls; ++i) {
        const std::string tag = fmt::format("{}_{}_{}", a, calls, i);
        s += fmt::format("static const mote_probe_params P{0} = {{{{1}}}};\nstatic const int8_t W{0}[16] = {{1}};\n"
                         "static const int32_t B{0}[4] = {{1}};\n", tag);
        const std::string in = buffers[i % 2], out = buffers[(i + 1) % 2], scratch = "arena + 8492";
        const std::string call = probe_call(a, "P" + tag, "W" + tag, "B" + tag, in, out, scratch);
        if (Args(a) == Args::Concat)
          body += fmt::format("  {{\n    const void *const mote_probe_list[2] = {{ (int8_t *)({}), (int8_t *)({}) }};\n"
                              "    st = mote_probe_k{}({});\n  }}\n  if (st != MOTE_OK) {{\n    return (int)st;\n  }}\n",
                              in, scratch, a, call);
        else
          body += fmt::format("  st = mote_probe_k{}({});\n  if (st != MOTE_OK) {{\n    return (int)st;\n  }}\n", a, call);
      }
      s += fmt::format("int mote_probe_invoke_{}_{}(uint8_t *arena, const int8_t *input, int8_t *output) {{\n"
                       "  mote_status st;\n  memcpy(arena + 12, input, 4096);\n{}  memcpy(output, arena + 8000, 4096);\n"
                       "  return 0;\n}}\n\n", a, calls, body);
    }
  }
  // K arena pointers written by K calls and read by K later ones: gcc keeps them in callee-saved
  // registers across the calls in between, and spills those it has no register for.
  for (int k = 1; k <= kLiveProbe; ++k) {
    std::string body;
    for (int i = 0; i < 2 * k; ++i) {
      const std::string tag = fmt::format("L{}_{}", k, i);
      s += fmt::format("static const mote_probe_params P{} = {{{{1}}}};\n", tag);
      const std::string off = std::to_string(16 + 104 * (i % k));
      const std::string in = i < k ? "arena + 12" : "arena + " + off, out = i < k ? "arena + " + off : "arena + 8000";
      body += fmt::format("  st = mote_probe_k{}({});\n  if (st != MOTE_OK) {{\n    return (int)st;\n  }}\n", int(Args::InOut),
                          probe_call(int(Args::InOut), "P" + tag, "", "", in, out, ""));
    }
    s += fmt::format("int mote_probe_live_{}(uint8_t *arena, const int8_t *input, int8_t *output) {{\n"
                     "  mote_status st;\n  memcpy(arena + 12, input, 4096);\n{}  memcpy(output, arena + 8000, 4096);\n"
                     "  return 0;\n}}\n\n", k, body);
  }
  // A concat's input list is built on the stack at the call: its cost per input.
  for (int n : {2, 6}) {
    std::string list;
    for (int i = 0; i < n; ++i) list += fmt::format("{}(int8_t *)(arena + {})", i ? ", " : "", 100 * i);
    s += fmt::format("static const mote_probe_params PC{0} = {{{{1}}}};\n"
                     "int mote_probe_concat_{0}(uint8_t *arena, const int8_t *input, int8_t *output) {{\n"
                     "  mote_status st;\n  memcpy(arena + 12, input, 4096);\n"
                     "  {{\n    const void *const mote_probe_list[{0}] = {{ {1} }};\n"
                     "    st = mote_probe_k{2}(&PC{0}, mote_probe_list, (int8_t *)(arena + 8000));\n  }}\n"
                     "  if (st != MOTE_OK) {{\n    return (int)st;\n  }}\n"
                     "  memcpy(output, arena + 8000, 4096);\n  return 0;\n}}\n\n", n, list, int(Args::Concat));
  }
  for (int n = 0; n < kCopyProbe; ++n)
    s += fmt::format("void mote_probe_copy_{0}(uint8_t *arena, const int8_t *input) {{\n  memcpy(arena + 8000, input, {0});\n}}\n", n);
  s += "void mote_probe_copy_call(uint8_t *arena, const int8_t *input) {\n  memcpy(arena + 8000, input, 4096);\n}\n";
  return s;
}

// NAME_invoke, in a file of its own so that gcc sees NAME_invoke_arena as large as a real model's
// (in NAME.c it is, and gcc neither inlines nor splits it).
std::string probe_wrapper_source() {
  return "#include <stdint.h>\n"
         "int mote_probe_invoke(uint8_t *arena, const int8_t *input, int8_t *output);\n"
         "static union {\n  uint8_t b[32768];\n  int64_t align_i64;\n  double align_double;\n  long double align_long_double;\n"
         "} mote_probe_arena;\n"
         "int mote_probe_wrapper(const int8_t *input, int8_t *output) {\n"
         "  return mote_probe_invoke(mote_probe_arena.b, input, output);\n}\n";
}

std::string first_line(const std::string& path) {
  const std::string t = read_file(path);
  return t.substr(0, t.find('\n'));
}

}  // namespace

nlohmann::json measure_runtime(const Profile& p, const std::string& gcc, const std::string& workdir) {
  const Target& target = target_named(p.target);
  const fs::path work(workdir), runtime(data_path("runtime"));
  fs::create_directories(work);
  std::string cc = gcc;
  for (const std::string& f : p.cflags) cc += " " + f;
  cc += " -O2 -std=c99 -ffunction-sections -fdata-sections -fstack-usage -I " + shell_quote((runtime / "include").string());

  // The runtime sources of the kernels this core may run, and those kernels.
  std::set<std::string> files, kernels;
  for (const KernelDef& k : kernel_registry()) {
    if (std::find(target.isas.begin(), target.isas.end(), k.isa) == target.isas.end()) continue;
    kernels.insert(k.name);
    for (const std::string& f : k.files)
      if (f.rfind('@', 0) != 0) files.insert(f);
  }
  SectionGraph graph;
  for (const std::string& f : files) {
    std::string flat = f;
    std::replace(flat.begin(), flat.end(), '/', '_');
    const fs::path obj = work / (fs::path(flat).stem().string() + ".o");
    run_logged(cc + " -c " + shell_quote((runtime / "src" / f).string()) + " -o " + shell_quote(obj.string()),
               (work / "build.log").string(), fmt::format("measuring the runtime for {}: compiling {}", p.target, f));
    ElfFile e = read_elf(obj.string());
    e.label = f;
    graph.add_object(std::move(e), read_stack_usage(fs::path(obj).replace_extension(".su").string()));
  }
  const fs::path probe = work / "probe.c", probe_o = work / "probe.o";
  write_file_atomic(probe.string(), probe_source());
  run_logged(cc + " -c " + shell_quote(probe.string()) + " -o " + shell_quote(probe_o.string()),
             (work / "build.log").string(), fmt::format("measuring the runtime for {}: compiling the probe", p.target));
  const fs::path wrapper = work / "probe_wrapper.c", wrapper_o = work / "probe_wrapper.o";
  write_file_atomic(wrapper.string(), probe_wrapper_source());
  run_logged(cc + " -c " + shell_quote(wrapper.string()) + " -o " + shell_quote(wrapper_o.string()),
             (work / "build.log").string(), fmt::format("measuring the runtime for {}: compiling the probe", p.target));
  const ElfFile pe = read_elf(probe_o.string()), we = read_elf(wrapper_o.string());
  auto probe_su = read_stack_usage((work / "probe.su").string());
  for (const auto& [fn, bytes] : read_stack_usage((work / "probe_wrapper.su").string())) probe_su[fn] = bytes;

  auto tool_output = [&](const std::string& arg) {
    const std::string out = (work / "tool.txt").string();
    run_logged(cc + " " + arg, out, "asking " + gcc + " for " + arg);
    return first_line(out);
  };
  graph.add_archive(read_archive(tool_output("-print-libgcc-file-name")));
  graph.add_archive(read_archive(tool_output("-print-file-name=libc.a")));

  nlohmann::json j;
  j["target"] = p.target;
  j["cflags"] = p.cflags;
  j["compiler"] = tool_output("-dumpfullversion");
  nlohmann::json globals = nlohmann::json::object();
  for (const std::string& name : kernels) {
    const int n = graph.root(name);
    if (n < 0) fail("measuring the runtime for {}: no runtime source defines kernel {}", p.target, name);
    globals[name] = n;
  }
  for (const char* lib : {"memcpy", "memset"}) {
    const int n = graph.root(lib);
    if (n < 0) fail("measuring the runtime for {}: libc has no {}", p.target, lib);
    globals[lib] = n;
  }
  // What the generated code calls besides the kernels: NAME_init's check of encoded weights.
  const int wenc_check = graph.root("mote_wenc_check");
  if (wenc_check < 0) fail("measuring the runtime for {}: no runtime source defines mote_wenc_check", p.target);
  globals["mote_wenc_check"] = wenc_check;
  nlohmann::json nodes = nlohmann::json::array();
  for (const SizeNode& n : graph.nodes)
    nodes.push_back({{"label", n.label}, {"kind", std::string(1, n.kind)}, {"size", n.size}, {"align", n.align},
                     {"frame", n.frame}, {"refs", n.refs}, {"calls", n.calls}, {"tails", n.tails}});
  j["nodes"] = nodes;
  j["globals"] = globals;

  // The probe's objects, functions and frames.
  auto text_of = [&](const std::string& fn) {
    const ElfSection* s = pe.section(".text." + fn);
    if (!s) s = we.section(".text." + fn);
    if (!s) fail("measuring the runtime for {}: the probe has no function {}", p.target, fn);
    return int64_t(s->size);
  };
  auto frame_of = [&](const std::string& fn) {
    auto it = probe_su.find(fn);
    return it == probe_su.end() ? int64_t(0) : it->second;
  };
  auto calls_memcpy = [&](const std::string& fn) {
    const ElfSection* s = pe.section(".text." + fn);
    const size_t idx = size_t(s - pe.sections.data());
    return std::any_of(pe.relocs[idx].begin(), pe.relocs[idx].end(),
                       [&](const ElfReloc& r) { return pe.symbols[r.symbol].name == "memcpy"; });
  };
  nlohmann::json size = nlohmann::json::object(), oalign = nlohmann::json::object(), aalign = nlohmann::json::object();
  for (const auto& [id, ctype] : stored_types()) {
    const ElfSymbol* o = pe.symbol("mote_obj_" + id);
    const ElfSymbol* a = pe.symbol("mote_arr_" + id);
    if (!o || !a) fail("measuring the runtime for {}: the probe has no objects of {}", p.target, ctype);
    size[id] = o->size;
    oalign[id] = pe.sections.at(o->shndx).align;
    aalign[id] = pe.sections.at(a->shndx).align;
  }
  j["type_size"] = size;
  j["object_align"] = oalign;
  j["array_align"] = aalign;
  nlohmann::json call_text = nlohmann::json::object(), call_frame = nlohmann::json::object();
  int64_t base = 0;
  for (int a = 0; a <= int(Args::Chain); ++a) {
    const int64_t one = text_of(fmt::format("mote_probe_invoke_{}_1", a));
    const int64_t many = text_of(fmt::format("mote_probe_invoke_{}_{}", a, kCalls));
    const int64_t per_call = (many - one + (kCalls - 1) / 2) / (kCalls - 1);
    call_text[args_name(a)] = per_call;
    call_frame[args_name(a)] = frame_of(fmt::format("mote_probe_invoke_{}_{}", a, kCalls));
    base += one - per_call;
  }
  j["invoke"] = {{"base_text", base / (int(Args::Chain) + 1)},
                 {"wrapper_text", text_of("mote_probe_wrapper")},
                 {"wrapper_frame", frame_of("mote_probe_wrapper")},
                 {"call_text", call_text},
                 {"call_frame", call_frame},
                 {"concat_input_text", (text_of("mote_probe_concat_6") - text_of("mote_probe_concat_2") + 2) / 4},
                 {"concat_input_frame", (frame_of("mote_probe_concat_6") - frame_of("mote_probe_concat_2") + 2) / 4}};
  // Beyond the calls themselves: what keeping K pointers alive adds to text and frame.
  nlohmann::json live_text = nlohmann::json::array(), live_frame = nlohmann::json::array();
  for (int k = 1; k <= kLiveProbe; ++k) {
    const std::string fn = fmt::format("mote_probe_live_{}", k);
    live_text.push_back(text_of(fn) - text_of("mote_probe_live_1") - 2 * (k - 1) * call_text[args_name(int(Args::InOut))].get<int64_t>());
    live_frame.push_back(frame_of(fn) - frame_of("mote_probe_live_1"));
  }
  j["live"] = {{"text", live_text}, {"frame", live_frame}};
  nlohmann::json copy_text = nlohmann::json::array(), copy_calls = nlohmann::json::array();
  for (int n = 0; n < kCopyProbe; ++n) {
    copy_text.push_back(text_of(fmt::format("mote_probe_copy_{}", n)));
    copy_calls.push_back(calls_memcpy(fmt::format("mote_probe_copy_{}", n)));
  }
  j["copy"] = {{"text", copy_text}, {"calls", copy_calls}, {"call_text", text_of("mote_probe_copy_call")}};
  return j;
}

const RuntimeSizes& runtime_sizes(const std::string& target) {
  static std::mutex mu;
  static std::map<std::string, RuntimeSizes> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(target);
  if (it != cache.end()) return it->second;
  const std::string rel = "target/sizes/" + target + ".json";
  std::string path;
  try {
    path = data_path(rel);
  } catch (const Error& e) {
    fail("no runtime sizes for {}: mote was built without arm-none-eabi-gcc ({})", target, e.what());
  }
  RuntimeSizes r;
  try {
    const nlohmann::json j = nlohmann::json::parse(read_file(path));
    r.target = j.at("target").get<std::string>();
    r.compiler = j.at("compiler").get<std::string>();
    for (const nlohmann::json& n : j.at("nodes")) {
      SizeNode x;
      x.label = n.at("label").get<std::string>();
      x.kind = n.at("kind").get<std::string>().at(0);
      x.size = n.at("size").get<int64_t>();
      x.align = n.at("align").get<int64_t>();
      x.frame = n.at("frame").get<int64_t>();
      x.refs = n.at("refs").get<std::vector<int>>();
      x.calls = n.at("calls").get<std::vector<int>>();
      x.tails = n.at("tails").get<std::vector<int>>();
      r.nodes.push_back(x);
    }
    r.globals = j.at("globals").get<std::map<std::string, int>>();
    r.type_size = j.at("type_size").get<std::map<std::string, int64_t>>();
    r.object_align = j.at("object_align").get<std::map<std::string, int64_t>>();
    r.array_align = j.at("array_align").get<std::map<std::string, int64_t>>();
    const nlohmann::json& inv = j.at("invoke");
    r.invoke_base_text = inv.at("base_text").get<int64_t>();
    r.wrapper_text = inv.at("wrapper_text").get<int64_t>();
    r.wrapper_frame = inv.at("wrapper_frame").get<int64_t>();
    r.call_text = inv.at("call_text").get<std::map<std::string, int64_t>>();
    r.call_frame = inv.at("call_frame").get<std::map<std::string, int64_t>>();
    r.concat_input_text = inv.at("concat_input_text").get<int64_t>();
    r.concat_input_frame = inv.at("concat_input_frame").get<int64_t>();
    r.live_text = j.at("live").at("text").get<std::vector<int64_t>>();
    r.live_frame = j.at("live").at("frame").get<std::vector<int64_t>>();
    r.copy_text = j.at("copy").at("text").get<std::vector<int64_t>>();
    r.copy_calls = j.at("copy").at("calls").get<std::vector<bool>>();
    r.copy_call_text = j.at("copy").at("call_text").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    fail("{} is damaged: {}; rebuild mote", path, e.what());
  }
  for (const SizeNode& n : r.nodes)
    for (const std::vector<int>* v : {&n.refs, &n.calls, &n.tails})
      for (int k : *v)
        if (k < 0 || size_t(k) >= r.nodes.size()) fail("{} is damaged: {} refers to section {}; rebuild mote", path, n.label, k);
  return cache.emplace(target, std::move(r)).first->second;
}

}  // namespace mote
