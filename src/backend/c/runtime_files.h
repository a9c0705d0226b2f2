// The runtime sources the generated code of a model needs, copied flat beside it.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mote {

// What the generated code of these kernels (C names, from the kernel registry) needs from the
// runtime, as output-relative path ->
// contents: mote/kernels.h at its include path, and the kernels' sources and internal headers
// flat as mote_<file>, their relative includes (e.g. "../internal.h") rewritten to the flat
// names so that `cc OUTDIR/*.c -I OUTDIR` builds.
std::map<std::string, std::string> runtime_files(const std::set<std::string>& kernels);
// The same for runtime sources named by their path under runtime/src (e.g. "dsp/mfcc_s16.c").
std::map<std::string, std::string> runtime_sources(const std::vector<std::string>& srcs);

}  // namespace mote
