// The C backend's table of runtime kernels: how the generated code calls each one and which
// runtime source files (relative to runtime/src) it needs, its shared dependencies included.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mote {

// How a kernel's arguments are laid out (runtime/include/mote/kernels.h).
enum class KernelArgs {
  ConvScratch,  // (params, in, weights, bias, out, scratch)
  WeightsBias,  // (params, in, weights, bias, out)
  Binary,       // (params, a, b, out)
  Lut,          // (table, n, in, out)
  UnaryN,       // (params, n, in, out)
  InOut,        // (params, in, out)
  Concat,       // (params, inputs[], out)
};

struct KernelInfo {
  std::string name;                // e.g. "mote_conv2d_s8"
  KernelArgs args;
  std::vector<std::string> files;  // e.g. "kernels/conv/conv2d_s8.c"; the kernel's own first
};

const std::vector<KernelInfo>& kernel_table();
// The entry for `name`; throws mote::Error if the backend does not know it.
const KernelInfo& kernel_info(const std::string& name);

// What the generated code of these kernels needs from the runtime, as output-relative path ->
// contents: mote/kernels.h at its include path, and the kernels' sources and internal headers
// flat as mote_<file>, their relative includes (e.g. "../internal.h") rewritten to the flat
// names so that `cc OUTDIR/*.c -I OUTDIR` builds.
std::map<std::string, std::string> runtime_files(const std::set<std::string>& kernels);

}  // namespace mote
