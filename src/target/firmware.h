// Running a compiled model on a Cortex-M core under QEMU: cross-build a firmware image of an
// output folder (target/firmware: startup, vector table, linker script per board, a harness that
// reads the inputs and writes the outputs by semihosting), run it with -icount shift=0 and read
// the outputs, the instructions per inference (SysTick on the core clock, one tick per
// 1e9/systick_hz instructions, wraps counted), the painted stack's high-water mark and the
// sections of the image.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mote {

struct RunOptions {
  std::string outdir;          // written by mote compile
  std::string target;          // a Cortex-M target; empty: the one the folder was compiled for
  std::string inputs;          // raw input bytes, NAME_INPUT_BYTES per inference
  double timeout_s = 300;      // wall clock for QEMU
  // The firmware stops an inference after this many instructions and names the layer it was in;
  // 0: as many as QEMU runs in a third of timeout_s at a conservative 50 million a second.
  int64_t max_instructions = 0;
  std::string build_dir;       // where the image is built; empty: a temp folder, removed after
  bool profile = false;        // time every layer (MOTE_PROFILE_LAYER) of the first inference
};

// One layer of a profiled inference: its node and the instructions from the end of the layer
// before it (the call's start for the first) to its own end.
struct LayerCost {
  int node = -1;
  int64_t instructions = 0;
};

// The model's share of the image (the firmware's own sections are .fw_*).
struct ImageSections {
  int64_t text = 0, rodata = 0, data = 0, bss = 0;  // rodata includes .ARM.exidx
  int64_t flash() const { return text + rodata + data; }
};

struct RunResult {
  std::string target, board;
  int64_t input_bytes = 0, output_bytes = 0, arena_bytes = 0;
  std::vector<std::string> outputs;      // per inference, raw bytes
  std::vector<int64_t> instructions;     // per inference
  std::vector<int64_t> stack;            // bytes of stack per inference (painted high-water mark)
  std::vector<LayerCost> layers;         // with RunOptions::profile: the first inference's layers
  ImageSections sections;
  double systick_hz = 0;
  int64_t max_stack() const;
  int64_t ram() const { return sections.data + sections.bss + max_stack(); }
  nlohmann::json to_json() const;        // everything but the outputs
};

// Builds and runs; throws mote::Error when the build fails, the folder's code cannot run on the
// target, or the run faults or times out (naming the layer it was in).
RunResult run_on_qemu(const RunOptions& opt);

// An application firmware around a compiled model: the user's main.c (an example's), using the
// firmware's files (fw.h: input.bin to read, output.bin and figures.txt to write) in place of the
// test harness. Under QEMU on a Cortex-M target, or built natively with a stdio fw.h ("host"),
// so that the two outputs can be compared byte for byte.
struct AppOptions {
  std::string outdir;     // written by mote compile
  std::string app;        // the application's C source
  std::string target;     // "host", or a Cortex-M target; empty: the one the folder was compiled for
  std::string input;      // bytes of input.bin
  double timeout_s = 600;
  std::string build_dir;  // empty: a temp folder, removed after
};
struct AppResult {
  std::string target, board;  // board empty on the host
  std::string output;         // output.bin
  // figures.txt: "key hexvalue" records the app wrote (instruction counts are SysTick ticks
  // times instructions_per_tick under QEMU; 0 on the host)
  std::vector<std::vector<std::pair<std::string, uint32_t>>> records;
  double instructions_per_tick = 0;
  ImageSections sections;  // the model's and the app's share of the image (QEMU only)
};
// Throws mote::Error when the build fails or the app faults, times out or exits non-zero.
AppResult run_app(const AppOptions& opt);

// The folder of the firmware sources and the boards' linker scripts.
std::string firmware_dir();

}  // namespace mote
