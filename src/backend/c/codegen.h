// The C backend: writes NAME.h, NAME.c and the runtime sources the model needs into an output
// directory that builds on its own (cc -std=c99 OUTDIR/*.c -I OUTDIR plus a main.c).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "dsp/mfcc.h"
#include "ir/ir.h"
#include "lower/lower.h"
#include "plan/planner.h"

namespace mote {

struct CodegenInput {
  const Graph* graph = nullptr;                 // canonical NHWC graph, int8 or float
  const std::vector<KernelCall>* calls = nullptr;  // lower(*graph)
  const MemoryPlan* plan = nullptr;             // plan_memory(*graph, scratch per node)
  std::string name = "model";                   // C identifier prefix
  const MfccTables* frontend = nullptr;         // the audio front end generated beside it, or none
};

// The files of the output directory, by output-relative path: NAME.h, NAME.c, the runtime
// sources its kernels need and a CMakeLists.txt that builds them as the static library NAME.
std::map<std::string, std::string> generate_c(const CodegenInput& in);

// Writes `files` into `outdir` (created if missing) through temp files renamed in one go.
void write_output(const std::string& outdir, const std::map<std::string, std::string>& files);

// Writes the C sources and `files` (output-relative path -> contents, e.g. the report) into
// `outdir` (created if missing). Every file is written to a temp name and renamed, so a failure
// leaves no half-written file. Deterministic: same input, same bytes.
void emit_c(const CodegenInput& in, const std::string& outdir, std::map<std::string, std::string> files = {});

}  // namespace mote
