#include "backend/c/kernel_table.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "util/error.h"
#include "util/file.h"

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
      : files_(files), root_(MOTE_RUNTIME_DIR), src_(root_ / "src"), inc_(root_ / "include") {}

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

const std::vector<KernelInfo>& kernel_table() {
  // The one place that knows the runtime's file layout. tests/e2e checks that every entry's
  // files compile and link on their own.
  static const std::vector<KernelInfo> table = {
      {"mote_conv2d_s8", KernelArgs::ConvScratch, {"kernels/conv/conv2d_s8.c"}},
      {"mote_depthwise_conv2d_s8", KernelArgs::WeightsBias, {"kernels/conv/depthwise_conv2d_s8.c"}},
      {"mote_conv2d_f32", KernelArgs::WeightsBias, {"kernels/conv/conv2d_f32.c"}},
      {"mote_depthwise_conv2d_f32", KernelArgs::WeightsBias, {"kernels/conv/depthwise_conv2d_f32.c"}},
      {"mote_fully_connected_s8", KernelArgs::WeightsBias, {"kernels/fc/fully_connected_s8.c"}},
      {"mote_fully_connected_f32", KernelArgs::WeightsBias, {"kernels/fc/fully_connected_f32.c"}},
      {"mote_add_s8", KernelArgs::Binary, {"kernels/elementwise/add_s8.c"}},
      {"mote_mul_s8", KernelArgs::Binary, {"kernels/elementwise/mul_s8.c"}},
      {"mote_binary_f32", KernelArgs::Binary,
       {"kernels/elementwise/binary_f32.c", "kernels/math/powf.c", "kernels/math/logf.c", "kernels/math/expf.c"}},
      {"mote_lut_s8", KernelArgs::Lut, {"kernels/unary/lut_s8.c"}},
      {"mote_unary_f32", KernelArgs::UnaryN, {"kernels/unary/unary_f32.c", "kernels/math/expf.c"}},
      {"mote_maxpool_s8", KernelArgs::InOut, {"kernels/pool/maxpool_s8.c"}},
      {"mote_avgpool_s8", KernelArgs::InOut, {"kernels/pool/avgpool_s8.c"}},
      {"mote_maxpool_f32", KernelArgs::InOut, {"kernels/pool/maxpool_f32.c"}},
      {"mote_avgpool_f32", KernelArgs::InOut, {"kernels/pool/avgpool_f32.c"}},
      {"mote_mean_s8", KernelArgs::InOut, {"kernels/reduce/mean_s8.c"}},
      {"mote_mean_f32", KernelArgs::InOut, {"kernels/reduce/mean_f32.c"}},
      {"mote_softmax_s8", KernelArgs::InOut, {"kernels/softmax/softmax_s8.c"}},
      {"mote_softmax_f32", KernelArgs::InOut, {"kernels/softmax/softmax_f32.c", "kernels/math/expf.c"}},
      {"mote_concat", KernelArgs::Concat, {"kernels/movement/concat.c"}},
      {"mote_pad", KernelArgs::InOut, {"kernels/movement/pad.c"}},
      {"mote_transpose", KernelArgs::InOut, {"kernels/movement/transpose.c"}},
  };
  return table;
}

const KernelInfo& kernel_info(const std::string& name) {
  for (const KernelInfo& k : kernel_table())
    if (k.name == name) return k;
  fail("C backend: unknown runtime kernel '{}'", name);
}

std::map<std::string, std::string> runtime_files(const std::set<std::string>& kernels) {
  std::map<std::string, std::string> files;
  RuntimeCopier copier(files);
  copier.add_include("mote/kernels.h");
  std::set<std::string> srcs;
  for (const std::string& k : kernels)
    for (const std::string& f : kernel_info(k).files) srcs.insert(f);
  for (const std::string& f : srcs) copier.add_src(f);
  return files;
}

}  // namespace mote
