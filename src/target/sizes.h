// What the runtime and the generated code cost on a core, measured when mote is built: every
// runtime source the core's kernels use is cross-compiled with the core's flags
// (-ffunction-sections -fdata-sections -fstack-usage), and the input sections, their
// relocations and frames, with the libc and libgcc members they pull in, are recorded as the
// linker sees them. `mote compile` then sums the sections a model keeps (what --gc-sections
// keeps) before anything is built. Probe code compiled at the same time gives the sizes and
// alignments of what NAME.c stores in flash and the code of NAME_invoke per kernel call.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "target/profiles.h"

namespace mote {

// One input section of the runtime, libc or libgcc.
struct SizeNode {
  std::string label;         // object(section), for messages
  char kind = 't';           // 't' .text, 'r' .rodata or .ARM.exidx, 'd' .data, 'b' .bss
  int64_t size = 0, align = 1;
  int64_t frame = 0;         // text: the stack its own frame takes
  std::vector<int> refs;     // sections the linker keeps with it
  std::vector<int> calls;    // functions it calls (BL)
  std::vector<int> tails;    // functions it branches to after popping its frame (B.W)
};

struct RuntimeSizes {
  std::string target, compiler;
  std::vector<SizeNode> nodes;
  std::map<std::string, int> globals;  // kernel functions, memcpy, memset -> node
  // C types NAME.c stores in flash ("int8_t", ..., "ptr", the params structs): the size of one
  // object, and the alignment gcc gives a const object and a const array of it.
  std::map<std::string, int64_t> type_size, object_align, array_align;
  // NAME_invoke_arena: its text without kernel calls, per call by Args kind, and its frame when
  // its largest call is of that kind; NAME_invoke's text and frame.
  int64_t invoke_base_text = 0, wrapper_text = 0, wrapper_frame = 0;
  std::map<std::string, int64_t> call_text, call_frame;
  // A concat's input list is built on the stack: text and frame per input beyond two.
  int64_t concat_input_text = 0, concat_input_frame = 0;
  // live_text[k-1], live_frame[k-1]: what keeping k arena pointers alive across calls adds to
  // NAME_invoke_arena (callee-saved registers, then spills), beyond one.
  std::vector<int64_t> live_text, live_frame;
  // memcpy(dst, src, n) of the input and the output: for n < copy_text.size() gcc may inline it;
  // copy_text[n] is then its text and copy_calls[n] whether it still calls memcpy.
  std::vector<int64_t> copy_text;
  std::vector<bool> copy_calls;
  int64_t copy_call_text = 0;  // the text of a copy that calls memcpy
};

// Build time: measures profile `p` with the cross compiler command `gcc` (shell words, e.g.
// "ccache arm-none-eabi-gcc"), using `workdir` for objects.
nlohmann::json measure_runtime(const Profile& p, const std::string& gcc, const std::string& workdir);

// The measurement of `target` (data_path("target/sizes/TARGET.json")); throws mote::Error when
// mote was built without arm-none-eabi-gcc or the file is damaged.
const RuntimeSizes& runtime_sizes(const std::string& target);

// The Args kind names the measurement uses as keys.
const char* args_name(int args);

}  // namespace mote
