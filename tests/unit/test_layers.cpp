// Folders point one way: every #include "folder/..." in src/ names a folder at or below the
// including file's own folder in the order the README draws; the runtime includes nothing but
// itself and <stdint.h>, <stddef.h>, <string.h>.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The README line after "Folders, top to bottom": `a` → `b` → ... ; rank 0 is the top.
std::map<std::string, int> readme_order() {
  const std::string readme = slurp(fs::path(MOTE_SOURCE_DIR) / "README.md");
  const size_t at = readme.find("Folders, top to bottom");
  EXPECT_NE(at, std::string::npos) << "README.md draws no folder order";
  std::map<std::string, int> rank;
  if (at == std::string::npos) return rank;
  const size_t line = readme.find('\n', at) + 1;
  const std::string order = readme.substr(line, readme.find('\n', line) - line);
  static const std::regex name("`([a-z]+)`");
  int r = 0;
  for (auto it = std::sregex_iterator(order.begin(), order.end(), name); it != std::sregex_iterator(); ++it)
    rank[(*it)[1]] = r++;
  return rank;
}

TEST(Layers, EveryIncludePointsDown) {
  const std::map<std::string, int> rank = readme_order();
  ASSERT_GE(rank.size(), 10u);
  const fs::path src = fs::path(MOTE_SOURCE_DIR) / "src";
  static const std::regex inc("#include \"([a-z]+)/[^\"]+\"");
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext != ".h" && ext != ".cpp" && ext != ".def") continue;
    const std::string own = fs::relative(e.path(), src).begin()->string();
    ASSERT_TRUE(rank.count(own)) << "src/" << own << " is not in the README's folder order";
    const std::string text = slurp(e.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), inc); it != std::sregex_iterator(); ++it) {
      const std::string to = (*it)[1];
      if (to == "mote") continue;  // the runtime's public header depends on nothing
      ASSERT_TRUE(rank.count(to)) << e.path() << " includes unknown folder " << to;
      EXPECT_GE(rank.at(to), rank.at(own)) << fs::relative(e.path(), src) << " (" << own << ") includes " << (*it)[0]
                                           << ", a folder above it";
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

// libtorch (torch/, ATen/, c10/ headers) is seen by src/train's .cpp files and its internal
// headers (graph_module.h, augment.h) only: no header another folder includes pulls it in, so
// -DMOTE_WITH_TRAINING=OFF builds everything else, and libtorch's slow headers stay in few
// translation units.
TEST(Layers, LibtorchStaysInsideTrain) {
  const fs::path src = fs::path(MOTE_SOURCE_DIR) / "src";
  static const std::regex torch_inc("#include <(torch|ATen|c10)/");
  static const std::regex train_inc("#include \"train/([^\"]+)\"");
  static const std::set<std::string> kInternal = {"graph_module.h", "augment.h"};
  int torch_units = 0;  // .cpp files that see libtorch, directly or through graph_module.h
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    const fs::path rel = fs::relative(e.path(), src);
    const std::string own = rel.begin()->string(), text = slurp(e.path());
    const bool direct = std::regex_search(text, torch_inc);
    if (e.path().extension() == ".cpp" && (direct || text.find("#include \"train/graph_module.h\"") != std::string::npos))
      ++torch_units;
    if (direct) {
      EXPECT_EQ(own, "train") << rel << " includes libtorch outside src/train";
      if (e.path().extension() == ".h") EXPECT_TRUE(kInternal.count(rel.filename().string())) << rel << ": a public train header includes libtorch";
    }
    if (own == "train") continue;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), train_inc); it != std::sregex_iterator(); ++it)
      EXPECT_FALSE(kInternal.count((*it)[1])) << rel << " includes the libtorch-only train/" << (*it)[1];
  }
  EXPECT_GE(torch_units, 1);
  EXPECT_LE(torch_units, 4) << "libtorch headers are slow to compile: keep them in few translation units";
}

TEST(Layers, RuntimeIncludesOnlyItselfAndThreeLibcHeaders) {
  const fs::path rt = fs::path(MOTE_SOURCE_DIR) / "runtime";
  static const std::regex sys("#include <([^>]+)>");
  static const std::regex local("#include \"([^\"]+)\"");
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(rt)) {
    if (!e.is_regular_file() || (e.path().extension() != ".c" && e.path().extension() != ".h")) continue;
    const std::string text = slurp(e.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), sys); it != std::sregex_iterator(); ++it) {
      const std::string h = (*it)[1];
      EXPECT_TRUE(h == "stdint.h" || h == "stddef.h" || h == "string.h") << e.path() << " includes <" << h << ">";
    }
    for (auto it = std::sregex_iterator(text.begin(), text.end(), local); it != std::sregex_iterator(); ++it) {
      const fs::path to = (*it)[1].str();
      EXPECT_TRUE(fs::exists(e.path().parent_path() / to) || fs::exists(rt / "include" / to))
          << e.path() << " includes " << to << ", which is not part of the runtime";
    }
    ++files;
  }
  EXPECT_GT(files, 20);
}

}  // namespace
