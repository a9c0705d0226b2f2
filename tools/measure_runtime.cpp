// mote_measure_runtime TARGET OUT.json WORKDIR GCC...: run at mote's build time, measures what
// the runtime costs on the Cortex-M core TARGET (target/sizes.h) with the cross compiler
// command GCC... (e.g. "ccache arm-none-eabi-gcc") and writes OUT.json.
#include <cstdio>
#include <filesystem>
#include <string>

#include "target/profiles.h"
#include "target/sizes.h"
#include "util/error.h"
#include "util/file.h"
#include "util/process.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s TARGET OUT.json WORKDIR GCC...\n", argv[0]);
    return 2;
  }
  try {
    std::string gcc;
    for (int i = 4; i < argc; ++i) gcc += (gcc.empty() ? "" : " ") + mote::shell_quote(argv[i]);
    const nlohmann::json j = mote::measure_runtime(mote::profile_for(argv[1]), gcc, argv[3]);
    std::filesystem::create_directories(std::filesystem::path(argv[2]).parent_path());
    mote::write_file_atomic(argv[2], j.dump(1) + "\n");
  } catch (const mote::Error& e) {
    std::fprintf(stderr, "mote_measure_runtime: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
