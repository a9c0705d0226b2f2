#include "target/firmware.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "lower/registry.h"
#include "target/elf.h"
#include "target/profiles.h"
#include "util/error.h"
#include "util/file.h"
#include "util/process.h"
#include "util/resources.h"

namespace mote {

namespace fs = std::filesystem;

namespace {

// Exit codes of the firmware (firmware/fw.h).
enum { kFwOk = 0, kFwIo = 2, kFwFault = 3, kFwTimeout = 4, kFwStatus = 5, kKilled = 128 + 9 };

constexpr uint32_t kMaxReload = 0xffffff;  // SysTick is 24 bits

nlohmann::json read_report(const std::string& outdir) {
  try {
    return nlohmann::json::parse(read_file(outdir + "/report.json"));
  } catch (const nlohmann::json::exception& e) {
    fail("{}/report.json is not valid JSON: {}", outdir, e.what());
  }
}

// The Cortex-M target to run on, checked against the kernels the folder's code calls.
const Profile& run_profile(const RunOptions& opt, const nlohmann::json& report) {
  const std::string compiled = report.value(nlohmann::json::json_pointer("/source/target"), std::string("host"));
  const std::string want = opt.target.empty() ? compiled : opt.target;
  if (want == host_target().name)
    fail("{} was compiled for host; name the Cortex-M core to run it on with --target", opt.outdir);
  const Profile& p = profile_for(want);
  const Target& t = target_named(want);
  for (const nlohmann::json& l : report.value("layers", nlohmann::json::array())) {
    const std::string k = l.value("kernel", "");
    if (k.empty() || k == "alias" || l.contains("fused_into")) continue;
    const KernelDef& d = kernel_named(k);
    if (std::find(t.isas.begin(), t.isas.end(), d.isa) == t.isas.end())
      fail("{} was compiled for {} and calls {}, which {} cannot run; compile it for {} or run it on {}", opt.outdir,
           compiled, k, want, want, compiled);
  }
  return p;
}

std::string flags(const Profile& p) {
  std::string f;
  for (const std::string& x : p.cflags) f += " " + x;
  return f + " -O2 -std=c99 -ffunction-sections -fdata-sections";
}

// One BL in NAME_invoke_arena: where it returns to and what it calls.
struct CallSite {
  uint32_t ret = 0, target = 0;
};

// The BL instructions of the function at [start, end) (Thumb-2 encoding T1).
std::vector<CallSite> call_sites(const ElfFile& elf, uint32_t start, uint32_t end) {
  std::vector<CallSite> r;
  const std::string code = elf.read(start, end - start);
  for (size_t i = 0; i + 4 <= code.size(); i += 2) {
    const uint32_t h1 = uint8_t(code[i]) | uint32_t(uint8_t(code[i + 1])) << 8;
    const uint32_t h2 = uint8_t(code[i + 2]) | uint32_t(uint8_t(code[i + 3])) << 8;
    if ((h1 & 0xf800) != 0xf000 || (h2 & 0xd000) != 0xd000) continue;
    const uint32_t s = (h1 >> 10) & 1, j1 = (h2 >> 13) & 1, j2 = (h2 >> 11) & 1;
    const uint32_t i1 = !(j1 ^ s), i2 = !(j2 ^ s);
    uint32_t off = s << 24 | i1 << 23 | i2 << 22 | (h1 & 0x3ff) << 12 | (h2 & 0x7ff) << 1;
    if (s) off |= 0xfe000000u;
    const uint32_t at = start + uint32_t(i);
    r.push_back({at + 4, at + 4 + off});
    i += 2;
  }
  return r;
}

// Names where a stopped run was: the layer whose kernel call the first return address into
// NAME_invoke_arena (outermost first) belongs to, read from the image's code and symbols.
std::string where_stopped(const ElfFile& elf, const nlohmann::json& report, const std::string& name,
                          uint32_t pc, const std::vector<uint32_t>& rets) {
  const ElfSymbol* inv = elf.symbol(name + "_invoke_arena");
  if (!inv) return fmt::format("pc 0x{:x}", pc);
  const uint32_t start = inv->value & ~1u, end = start + inv->size;
  // The kernel calls, in code order, and the layers with kernels, in model order.
  std::map<uint32_t, std::string> fn_at;
  for (const ElfSymbol& s : elf.symbols)
    if (s.type == 2 && s.defined()) fn_at[s.value & ~1u] = s.name;
  std::vector<std::pair<int, const nlohmann::json*>> layers;
  const nlohmann::json& ls = report.at("layers");
  for (size_t k = 0; k < ls.size(); ++k) {
    const std::string kern = ls[k].value("kernel", "");
    if (!kern.empty() && kern != "alias" && !ls[k].contains("fused_into")) layers.push_back({int(k), &ls[k]});
  }
  std::vector<CallSite> kernel_calls;
  for (const CallSite& c : call_sites(elf, start, end)) {
    auto f = fn_at.find(c.target);
    if (f != fn_at.end() && f->second.rfind("mote_", 0) == 0) kernel_calls.push_back(c);
  }
  auto layer_text = [&](size_t k) {
    const nlohmann::json& l = *layers[k].second;
    return fmt::format("layer {} ({} '{}', {})", layers[k].first, l.value("op", ""), l.value("name", ""), l.value("kernel", ""));
  };
  const bool mapped = kernel_calls.size() == layers.size();
  auto fn_of = [&](uint32_t addr) {
    auto it = fn_at.upper_bound(addr & ~1u);
    return it == fn_at.begin() ? std::string("?") : std::prev(it)->second;
  };
  for (uint32_t ret : rets) {
    if ((ret & ~1u) < start || (ret & ~1u) >= end) continue;
    for (size_t k = 0; k < kernel_calls.size(); ++k)
      if (kernel_calls[k].ret == (ret & ~1u))
        return mapped ? layer_text(k) + fmt::format(", pc in {}", fn_of(pc))
                      : fmt::format("a call of {} (pc in {})", fn_at[kernel_calls[k].target], fn_of(pc));
  }
  if (pc >= start && pc < end) {
    for (size_t k = 0; k < kernel_calls.size(); ++k)
      if (kernel_calls[k].ret > pc)
        return mapped ? fmt::format("{}_invoke_arena before the call of {}", name, layer_text(k))
                      : fmt::format("{}_invoke_arena", name);
    return fmt::format("{}_invoke_arena after its last layer", name);
  }
  return fmt::format("pc 0x{:x} in {}, outside the model's layers", pc, fn_of(pc));
}

// figures.txt: records of "key hexvalue" pairs, one per line.
std::vector<std::vector<std::pair<std::string, uint32_t>>> read_records(const std::string& path) {
  std::vector<std::vector<std::pair<std::string, uint32_t>>> r;
  std::istringstream in(fs::exists(path) ? read_file(path) : std::string());
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::pair<std::string, uint32_t>> rec;
    std::string key, value;
    while (words >> key >> value) rec.push_back({key, uint32_t(std::stoul(value, nullptr, 16))});
    if (!rec.empty()) r.push_back(rec);
  }
  return r;
}

// The folder to build in: `wanted`, or a temp folder *tmp removes.
fs::path build_folder(const std::string& wanted, const char* tag, std::unique_ptr<TempDir>* tmp) {
  fs::path dir = wanted;
  if (dir.empty()) {
    *tmp = std::make_unique<TempDir>(tag);
    dir = (*tmp)->path;
  }
  fs::create_directories(dir);
  return dir;
}

// Compiles every .c of the model's folder into DIR, with the warnings the generated code
// promises to pass.
void compile_model(const fs::path& dir, const std::string& cc, const fs::path& out, const std::string& log,
                   const std::string& what) {
  std::string sources;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().extension() == ".c") sources += " " + shell_quote(e.path().string());
  run_logged("cd " + shell_quote(dir.string()) + " && " + cc + " -Wall -Wextra -Werror -pedantic -I " +
                 shell_quote(out.string()) + " -c" + sources,
             log, what);
}

// The sections outside the firmware's own (.fw_*): the model's and the application's.
ImageSections image_sections(const ElfFile& elf) {
  auto size = [&](const char* n) {
    const ElfSection* s = elf.section(n);
    return s ? int64_t(s->size) : int64_t(0);
  };
  return {size(".text"), size(".rodata") + size(".ARM.exidx"), size(".data"), size(".bss")};
}

// QEMU on DIR/fw.elf, one instruction per ns, semihosting in DIR, killed after timeout_s.
std::string qemu_command(const fs::path& dir, const Board& board, double timeout_s) {
  return "cd " + shell_quote(dir.string()) + " && timeout -s KILL " + fmt::format("{:.0f}", std::ceil(timeout_s)) +
         " qemu-system-arm -machine " + board.name +
         " -icount shift=0 -semihosting-config enable=on,target=native -nographic -monitor none -serial none -kernel fw.elf";
}

}  // namespace

int64_t RunResult::max_stack() const {
  return stack.empty() ? 0 : *std::max_element(stack.begin(), stack.end());
}

nlohmann::json RunResult::to_json() const {
  nlohmann::json j = {
      {"target", target},
      {"board", board},
      {"inferences", int64_t(instructions.size())},
      {"instructions", instructions},
      {"stack", stack},
      {"max_stack", max_stack()},
      {"systick_hz", systick_hz},
      {"sections", {{"text", sections.text}, {"rodata", sections.rodata}, {"data", sections.data}, {"bss", sections.bss}}},
      {"flash", sections.flash()},
      {"ram", ram()},
      {"arena", arena_bytes}};
  if (!layers.empty()) {
    nlohmann::json ls = nlohmann::json::array();
    for (const LayerCost& l : layers) ls.push_back({{"node", l.node}, {"instructions", l.instructions}});
    j["layers"] = ls;
  }
  return j;
}

std::string firmware_dir() { return data_path("target/firmware"); }

RunResult run_on_qemu(const RunOptions& opt) {
  const nlohmann::json report = read_report(opt.outdir);
  const std::string name = report.value("name", "");
  if (name.empty()) fail("{}/report.json names no model", opt.outdir);
  const Profile& prof = run_profile(opt, report);
  const Board& board = board_of(prof);
  RunResult r;
  r.target = prof.target;
  r.board = board.name;
  r.systick_hz = board.systick_hz;
  r.input_bytes = report.value(nlohmann::json::json_pointer("/input/bytes"), int64_t(0));
  r.output_bytes = report.value(nlohmann::json::json_pointer("/output/bytes"), int64_t(0));
  r.arena_bytes = report.value("arena_bytes", int64_t(0));
  if (r.input_bytes <= 0 || r.output_bytes <= 0) fail("{}/report.json gives no input and output sizes", opt.outdir);
  if (opt.inputs.empty() || opt.inputs.size() % size_t(r.input_bytes) != 0)
    fail("the inputs are {} bytes, not a multiple of {}'s {}-byte input", opt.inputs.size(), name, r.input_bytes);

  std::unique_ptr<TempDir> tmp;
  const fs::path dir = build_folder(opt.build_dir, "mote-run", &tmp);
  const fs::path fw = firmware_dir(), out = fs::absolute(opt.outdir);
  const std::string log = (dir / "build.log").string();
  const std::string gcc = "arm-none-eabi-gcc" + flags(prof);

  // Profiled, each layer ends with a call into the harness.
  const std::string profile_model =
      opt.profile ? " -include " + shell_quote((fw / "fw.h").string()) + " '-DMOTE_PROFILE_LAYER(k)=mote_fw_layer_end(k)'" : "";
  compile_model(dir, gcc + profile_model, out, log, fmt::format("building {} for {}", opt.outdir, prof.target));
  // The firmware, as fw-*.o (the linker script keeps them out of the model's sections).
  std::string objects;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".o" && e.path().filename().string().rfind("fw-", 0) != 0)
      objects += " " + shell_quote(e.path().filename().string());
  for (const char* f : {"io", "records", "startup", "harness"}) {
    run_logged("cd " + shell_quote(dir.string()) + " && " + gcc +
                   " -ffreestanding -fno-tree-loop-distribute-patterns -Wall -Wextra -Werror -I " + shell_quote(fw.string()) +
                   " -I " + shell_quote(out.string()) + " -DMOTE_FW_NAME=" + name + " '-DMOTE_FW_HEADER=\"" + name + ".h\"'" +
                   (opt.profile ? " -DMOTE_FW_PROFILE" : "") + " -c " +
                   shell_quote((fw / (std::string("fw_") + f + ".c")).string()) + " -o fw-" + f + ".o",
               log, fmt::format("building the {} firmware", board.name));
    objects += std::string(" fw-") + f + ".o";
  }
  run_logged("cd " + shell_quote(dir.string()) + " && " + gcc + " -nostartfiles -Wl,--gc-sections -L " +
                 shell_quote(fw.string()) + " -T " + shell_quote((fw / board.linker_script).string()) +
                 " -Wl,-Map=fw.map" + objects + " -o fw.elf",
             log, fmt::format("linking the {} firmware", board.name));
  const ElfFile elf = read_elf((dir / "fw.elf").string());
  r.sections = image_sections(elf);

  // The instruction limit, as SysTick reload and wraps.
  const double per_tick = 1e9 / board.systick_hz;
  const int64_t max_instr = opt.max_instructions > 0 ? opt.max_instructions : int64_t(opt.timeout_s / 3 * 50e6);
  const int64_t ticks = std::max<int64_t>(1, int64_t(std::ceil(double(max_instr) / per_tick)));
  uint32_t cfg[2];
  cfg[0] = ticks <= int64_t(kMaxReload) + 1 ? uint32_t(ticks - 1) : kMaxReload;
  cfg[1] = uint32_t((ticks + int64_t(cfg[0])) / (int64_t(cfg[0]) + 1));
  write_file_atomic((dir / "run.cfg").string(), std::string(reinterpret_cast<const char*>(cfg), sizeof cfg));
  write_file_atomic((dir / "input.bin").string(), opt.inputs);
  fs::remove(dir / "figures.txt");
  fs::remove(dir / "output.bin");

  const std::string qlog = (dir / "qemu.log").string();
  const int rc = run_command(qemu_command(dir, board, opt.timeout_s), qlog);
  const auto records = read_records((dir / "figures.txt").string());
  const std::string where = fmt::format("{} on {} ({})", opt.outdir, board.name, prof.target);
  if (rc == kFwFault || rc == kFwTimeout) {
    uint32_t pc = 0;
    std::vector<uint32_t> rets;
    std::string detail;
    for (const auto& rec : records)
      for (const auto& [k, v] : rec) {
        if (k == "fault" || k == "timeout") pc = v;
        if (k == "ret") rets.push_back(v);
        if (k == "cfsr") detail = fmt::format(" (CFSR 0x{:08x})", v);
      }
    const std::string at = where_stopped(elf, report, name, pc, rets);
    if (rc == kFwFault) fail("{} faulted in {}{}", where, at, detail);
    fail("{} timed out after {} instructions in {}", where, max_instr, at);
  }
  if (rc == kKilled)
    fail("{}: QEMU did not finish within {} s of wall time (the firmware's {}-instruction limit did not stop it)", where,
         opt.timeout_s, max_instr);
  if (rc == kFwStatus) {
    const auto& last = records.empty() ? std::vector<std::pair<std::string, uint32_t>>() : records.back();
    uint32_t st = 0, sample = 0;
    for (const auto& [k, v] : last) {
      if (k == "status") st = v;
      if (k == "sample") sample = v;
    }
    fail("{}: {}_invoke returned {} on inference {}", where, name, st, sample);
  }
  if (rc != kFwOk) {
    std::string text = fs::exists(qlog) ? read_file(qlog) : std::string();
    if (text.size() > 1000) text = "..." + text.substr(text.size() - 1000);
    fail("{}: QEMU exited with status {}{}: {}", where, rc, rc == kFwIo ? " (the firmware could not read or write its files)" : "", text);
  }
  const std::string outputs = read_file((dir / "output.bin").string());
  const size_t n = opt.inputs.size() / size_t(r.input_bytes);
  if (records.size() != n || outputs.size() != n * size_t(r.output_bytes))
    fail("{}: the firmware reported {} of {} inferences and wrote {} output bytes", where, records.size(), n, outputs.size());
  for (size_t k = 0; k < n; ++k) {
    int64_t t = -1, s = -1, before = 0;
    for (const auto& [key, v] : records[k]) {
      if (key == "ticks") t = v;
      if (key == "stack") s = v;
      if (k > 0) continue;
      if (key == "ln") r.layers.push_back({int(v), 0});
      if (key == "lt" && !r.layers.empty()) {
        r.layers.back().instructions = std::llround(double(int64_t(v) - before) * per_tick);
        before = v;
      }
    }
    r.instructions.push_back(std::llround(double(t) * per_tick));
    r.stack.push_back(s);
    r.outputs.push_back(outputs.substr(k * size_t(r.output_bytes), size_t(r.output_bytes)));
  }
  return r;
}

AppResult run_app(const AppOptions& opt) {
  const nlohmann::json report = read_report(opt.outdir);
  if (!fs::is_regular_file(opt.app)) fail("{}: no such application source", opt.app);
  std::unique_ptr<TempDir> tmp;
  const fs::path dir = build_folder(opt.build_dir, "mote-app", &tmp);
  const fs::path fw = firmware_dir(), out = fs::absolute(opt.outdir), app = fs::absolute(opt.app);
  const std::string log = (dir / "build.log").string();
  const std::string app_flags = " -Wall -Wextra -Werror -pedantic -I " + shell_quote(fw.string()) + " -I " + shell_quote(out.string());
  AppResult r;
  write_file_atomic((dir / "input.bin").string(), opt.input);
  fs::remove(dir / "output.bin");
  fs::remove(dir / "figures.txt");
  int rc = 0;
  const std::string qlog = (dir / "run.log").string();
  const bool host = opt.target == host_target().name;
  if (host) {
    r.target = host_target().name;
    const std::string cc = "cc -std=c99 -O2";
    compile_model(dir, cc, out, log, fmt::format("building {} for the host", opt.outdir));
    run_logged("cd " + shell_quote(dir.string()) + " && " + cc + app_flags + " -o app *.o " + shell_quote(app.string()) + " " +
                   shell_quote((fw / "fw_records.c").string()) + " " + shell_quote((fw / "fw_host.c").string()),
               log, fmt::format("building {} for the host", opt.app));
    rc = run_command("cd " + shell_quote(dir.string()) + " && timeout -s KILL " + fmt::format("{:.0f}", std::ceil(opt.timeout_s)) +
                         " ./app",
                     qlog);
  } else {
    RunOptions ro;
    ro.outdir = opt.outdir;
    ro.target = opt.target;
    const Profile& prof = run_profile(ro, report);
    const Board& board = board_of(prof);
    r.target = prof.target;
    r.board = board.name;
    r.instructions_per_tick = 1e9 / board.systick_hz;
    const std::string gcc = "arm-none-eabi-gcc" + flags(prof);
    compile_model(dir, gcc, out, log, fmt::format("building {} for {}", opt.outdir, prof.target));
    run_logged("cd " + shell_quote(dir.string()) + " && " + gcc + app_flags + " -c " + shell_quote(app.string()) + " -o app.o", log,
               fmt::format("building {} for {}", opt.app, prof.target));
    std::string objects;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".o") objects += " " + shell_quote(e.path().filename().string());
    for (const char* f : {"io", "records", "startup"}) {
      run_logged("cd " + shell_quote(dir.string()) + " && " + gcc +
                     " -ffreestanding -fno-tree-loop-distribute-patterns -Wall -Wextra -Werror -c " +
                     shell_quote((fw / (std::string("fw_") + f + ".c")).string()) + " -o fw-" + f + ".o",
                 log, fmt::format("building the {} firmware", board.name));
      objects += std::string(" fw-") + f + ".o";
    }
    run_logged("cd " + shell_quote(dir.string()) + " && " + gcc + " -nostartfiles -Wl,--gc-sections -L " + shell_quote(fw.string()) +
                   " -T " + shell_quote((fw / board.linker_script).string()) + " -Wl,-Map=fw.map" + objects + " -o fw.elf",
               log, fmt::format("linking {} for {}", opt.app, board.name));
    r.sections = image_sections(read_elf((dir / "fw.elf").string()));
    rc = run_command(qemu_command(dir, board, opt.timeout_s), qlog);
  }
  const std::string where = fmt::format("{} with {} on {}", opt.app, opt.outdir, r.board.empty() ? r.target : r.board);
  if (rc == kKilled) fail("{}: did not finish within {} s of wall time", where, opt.timeout_s);
  if (rc != 0) {
    std::string text = fs::exists(qlog) ? read_file(qlog) : std::string();
    if (text.size() > 1000) text = "..." + text.substr(text.size() - 1000);
    fail("{}: exited with status {}{}{}", where, rc, rc == kFwFault ? " (a fault)" : rc == kFwIo ? " (file I/O failed)" : "",
         text.empty() ? "" : ": " + text);
  }
  r.output = fs::exists(dir / "output.bin") ? read_file((dir / "output.bin").string()) : std::string();
  r.records = read_records((dir / "figures.txt").string());
  return r;
}

}  // namespace mote
