#include "util/resources.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "util/error.h"

namespace mote {

namespace fs = std::filesystem;

namespace {

// The roots to search, best first. An installed mote uses its own share/mote only, so that it
// never mixes its files with a source tree that may have moved on.
std::vector<fs::path> roots() {
  if (const char* env = std::getenv("MOTE_DATA_DIR"); env && *env) return {fs::path(env)};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "mote";
    if (fs::is_directory(installed / "runtime", ec)) return {installed};
  }
  return {fs::path(MOTE_SOURCE_DIR), fs::path(MOTE_SOURCE_DIR) / "src", fs::path(MOTE_BINARY_DIR)};
}

}  // namespace

std::string data_path(const std::string& rel) {
  std::string searched;
  std::error_code ec;
  for (const fs::path& root : roots()) {
    const fs::path p = root / rel;
    if (fs::exists(p, ec)) return p.string();
    searched += (searched.empty() ? "" : ", ") + root.string();
  }
  fail("mote's data file '{}' is in none of: {} (set MOTE_DATA_DIR to the folder that holds it)", rel, searched);
}

}  // namespace mote
