#include "backend/c/runtime_files.h"

#include <filesystem>
#include <functional>
#include <fstream>
#include <regex>
#include <sstream>

#include "lower/registry.h"
#include "util/error.h"
#include "util/file.h"
#include "util/resources.h"

namespace mote {

namespace fs = std::filesystem;

namespace {

// Copies runtime sources flat into the output directory as mote_<file>. Quoted includes of
// other runtime/src files are rewritten to their flat names (the runtime tree includes them by
// relative paths such as "../internal.h"); includes found under runtime/include keep their
// path and the header is placed at that path in the output.
class RuntimeCopier {
 public:
  explicit RuntimeCopier(std::map<std::string, std::string>& files)
      : files_(files), root_(data_path("runtime")), src_(root_ / "src"), inc_(root_ / "include") {}

  void add_src(const fs::path& rel) {
    const fs::path abs = (src_ / rel).lexically_normal();
    const std::string flat = "mote_" + abs.filename().string();
    auto seen = flat_src_.find(flat);
    if (seen != flat_src_.end()) {
      if (seen->second != abs) fail("C backend: runtime files {} and {} would both be copied as {}", seen->second.string(), abs.string(), flat);
      return;
    }
    flat_src_[flat] = abs;
    std::string text = read_file(abs.string());
    files_[flat] = rewrite_includes(text, abs);
  }

  void add_include(const std::string& rel) {
    if (files_.count(rel)) return;
    const fs::path abs = inc_ / rel;
    std::string text = read_file(abs.string());
    files_[rel] = "";  // marks it as seen before recursing
    files_[rel] = rewrite_includes(text, abs);
  }

 private:
  std::map<std::string, std::string>& files_;
  fs::path root_, src_, inc_;
  std::map<std::string, fs::path> flat_src_;

  std::string rewrite_includes(const std::string& text, const fs::path& file) {
    static const std::regex inc_re(R"(^(\s*#\s*include\s*)\"([^\"]+)\"(.*)$)");
    std::istringstream in(text);
    std::string line, out;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_match(line, m, inc_re)) {
        const std::string name = m[2];
        const fs::path beside = (file.parent_path() / name).lexically_normal();
        const auto [a, b] = std::mismatch(src_.begin(), src_.end(), beside.begin(), beside.end());
        if (a == src_.end() && fs::is_regular_file(beside)) {
          add_src(beside.lexically_relative(src_));
          line = m[1].str() + "\"mote_" + beside.filename().string() + "\"" + m[3].str();
        } else if (fs::is_regular_file(inc_ / name)) {
          add_include(name);
        } else {
          fail("C backend: runtime file {} includes \"{}\", found neither beside it nor in {}", file.string(), name, inc_.string());
        }
      }
      out += line + "\n";
    }
    return out;
  }
};

}  // namespace

std::map<std::string, std::string> runtime_files(const std::set<std::string>& kernels) {
  std::map<std::string, std::string> files;
  RuntimeCopier copier(files);
  copier.add_include("mote/kernels.h");
  std::set<std::string> srcs;
  std::function<void(const std::string&)> add = [&](const std::string& kernel) {
    for (const std::string& f : kernel_named(kernel).files) {
      if (f.rfind('@', 0) == 0) add("mote_" + f.substr(1));  // the files of a kernel it calls
      else srcs.insert(f);
    }
  };
  for (const std::string& k : kernels) add(k);
  for (const std::string& f : srcs) copier.add_src(f);
  return files;
}

std::map<std::string, std::string> runtime_sources(const std::vector<std::string>& srcs) {
  std::map<std::string, std::string> files;
  RuntimeCopier copier(files);
  for (const std::string& f : srcs) copier.add_src(f);
  return files;
}

}  // namespace mote
