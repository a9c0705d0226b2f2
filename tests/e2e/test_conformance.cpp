// TFLM conformance: every single-operator int8 case in ../shared/conformance (a .tflite file, four
// inputs and the outputs TFLM's reference kernels gave for them) must give TFLM's bytes exactly,
// from the C++ int8 reference and from the generated C. One test per case, named after it, so the
// passing cases are mote's operator coverage; a case mote cannot compile or run fails saying why.
// The folder being absent skips the cases, or fails when the CI environment variable is set.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <map>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "backend/c/codegen.h"
#include "driver/pipeline.h"
#include "e2e_util.h"
#include "ref/executor.h"

namespace mote {
namespace {

constexpr int kSamples = 4;  // in_00..in_03 per case
// -O1: 98 small models compile much faster than at -O2, and the bytes must not depend on it.
const std::string kConformanceFlags = " -std=c99 -O1 -Wall -Wextra -Werror -pedantic";

fs::path conformance_dir() { return fs::path(MOTE_SHARED_DIR) / "conformance"; }

struct Manifest {
  bool present = false;
  std::string error;                       // why manifest.json could not be read
  std::map<std::string, nlohmann::json> cases;  // case name -> its manifest entry
};

// Read once, at test registration; never throws (a broken manifest fails ConformanceVectors).
const Manifest& manifest() {
  static const Manifest m = [] {
    Manifest r;
    const fs::path p = conformance_dir() / "manifest.json";
    r.present = fs::exists(conformance_dir());
    if (!r.present) return r;
    try {
      const nlohmann::json j = nlohmann::json::parse(slurp(p));
      for (const auto& [name, c] : j.at("cases").items()) r.cases[name] = c;
    } catch (const std::exception& e) {
      r.error = p.string() + ": " + e.what();
      r.cases.clear();
    }
    return r;
  }();
  return m;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& [name, c] : manifest().cases) names.push_back(name);
  return names;
}

// A GoogleTest name for a case: letters, digits and '_' only (leaky_relu_a0.1 -> leaky_relu_a0_1).
std::string test_name(const std::string& name) {
  std::string s = name;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

std::string sample_file(const char* prefix, int k) { return fmt::format("{}_{:02d}.bin", prefix, k); }

DType manifest_dtype(const std::string& s) {
  if (s == "int8") return DType::I8;
  if (s == "int32") return DType::I32;
  if (s == "float32") return DType::F32;
  fail("manifest output_dtype '{}' is not int8, int32 or float32", s);
}

// Compares one output with TFLM's in its dtype; empty when equal, else how far apart they are.
std::string compare(DType dt, const std::string& want, const std::string& got) {
  if (got.size() != want.size()) return fmt::format("{} bytes, TFLM gave {}", got.size(), want.size());
  const size_t n = want.size() / dtype_size(dt);
  size_t equal = 0;
  double max_diff = 0;
  for (size_t k = 0; k < n; ++k) {
    double d = 0;
    bool same = false;
    if (dt == DType::I8) {
      d = std::abs(double(int8_t(got[k])) - double(int8_t(want[k])));
      same = d == 0;
    } else {
      // int32 or float32, little-endian like the host; float must match bit for bit (no -0 for +0).
      same = std::memcmp(got.data() + 4 * k, want.data() + 4 * k, 4) == 0;
      if (dt == DType::I32) {
        int32_t a, b;
        std::memcpy(&a, got.data() + 4 * k, 4);
        std::memcpy(&b, want.data() + 4 * k, 4);
        d = std::abs(double(a) - double(b));
      } else {
        float a, b;
        std::memcpy(&a, got.data() + 4 * k, 4);
        std::memcpy(&b, want.data() + 4 * k, 4);
        d = std::fabs(double(a) - double(b));
      }
    }
    equal += same;
    if (!same) max_diff = std::max(max_diff, d);
  }
  if (equal == n) return "";
  return dt == DType::F32 ? fmt::format("{}/{} values equal, max diff {:g}", equal, n, max_diff)
                          : fmt::format("{}/{} values equal, max diff {} LSB", equal, n, int64_t(max_diff));
}

// Everything one case gave: filled by the suite's setup, checked by the case's test.
struct Outcome {
  std::string op;
  std::string case_error;      // the case's own files or manifest entry are unusable
  std::string pipeline_error;  // import, canonicalize, lower or plan threw
  std::string ref_error;       // the C++ int8 reference could not run it or gave other bytes
  std::string c_error;         // the generated C could not be built or run, or gave other bytes
  DType dtype = DType::I8;     // TFLM's output dtype
  std::vector<std::string> inputs, want;
  // Set when there is C to build: the output folder, harness and data files.
  fs::path dir;
};

// Imports, runs the C++ reference and writes the generated C with its harness into DIR.
Outcome prepare(const std::string& name, const nlohmann::json& info, const fs::path& dir) {
  Outcome o;
  o.op = info.value("op", "?");
  const fs::path src = conformance_dir() / name;
  o.dtype = manifest_dtype(info.at("output_dtype").get<std::string>());
  for (int k = 0; k < kSamples; ++k) {
    o.inputs.push_back(slurp(src / sample_file("in", k)));
    o.want.push_back(slurp(src / sample_file("out", k)));
  }
  Pipeline p;
  try {
    PipelineOptions opt;
    opt.model = (src / "model.tflite").string();
    p = run_pipeline(opt);
    if (!p.prequantized) fail("the int8 model was not taken as prequantized");
  } catch (const std::exception& e) {
    o.pipeline_error = e.what();
    return o;
  }
  const Graph& g = p.graph;
  if (g.inputs.size() != 1 || g.outputs.size() != 1) {
    o.pipeline_error = fmt::format("mote's graph has {} inputs and {} outputs, expected 1 and 1", g.inputs.size(), g.outputs.size());
    return o;
  }
  const Tensor& in = g.t(g.inputs[0]);
  const Tensor& out = g.t(g.outputs[0]);
  if (out.dtype != o.dtype)
    o.ref_error = fmt::format("mote's output '{}' is {} but TFLM's is {}", out.name, dtype_name(out.dtype), dtype_name(o.dtype));
  // Every differing sample is listed, so the message shows how far off the op is.
  bool ran = o.ref_error.empty();
  for (int k = 0; k < kSamples && ran; ++k) {
    if (o.inputs[size_t(k)].size() != size_t(in.numel()) || in.dtype != DType::I8) {
      o.ref_error = fmt::format("{} has {} bytes but mote's input '{}' is {} {}", sample_file("in", k), o.inputs[size_t(k)].size(), in.name, dtype_name(in.dtype), shape_str(in.shape));
      break;
    }
    Array x;
    x.dtype = DType::I8;
    x.shape = in.shape;
    x.bytes.assign(o.inputs[size_t(k)].begin(), o.inputs[size_t(k)].end());
    try {
      const Array y = run_int8(g, p.calls, {x}).at(0);
      const std::string diff = compare(o.dtype, o.want[size_t(k)], std::string(y.bytes.begin(), y.bytes.end()));
      if (!diff.empty()) o.ref_error += fmt::format("{}{}: {}", o.ref_error.empty() ? "" : "; ", sample_file("out", k), diff);
    } catch (const std::exception& e) {
      o.ref_error = e.what();
      ran = false;
    }
  }

  if (out.dtype != DType::I8 || o.dtype != DType::I8) {
    o.c_error = fmt::format("the C backend's interface is int8 in, int8 out; the output is {} (mote) and {} (TFLM)",
                            dtype_name(out.dtype), dtype_name(o.dtype));
    return o;
  }
  try {
    CodegenInput ci;
    ci.graph = &g;
    ci.calls = &p.calls;
    ci.plan = &p.plan;
    ci.name = "conf";
    emit_c(ci, (dir / "c").string());
  } catch (const std::exception& e) {
    o.c_error = e.what();
    return o;
  }
  spit(dir / "main.c", harness_source("conf", false));
  std::string all;
  for (const std::string& s : o.inputs) all += s;
  spit(dir / "in.bin", all);
  o.dir = dir;
  return o;
}

// Builds and runs one prepared case's C; sets c_error when it fails or gives other bytes.
void build_and_check_c(Outcome& o) {
  std::string log;
  if (shell(harness_build_command(o.dir / "c", o.dir / "main.c", o.dir / "exe", "gcc", kConformanceFlags),
            o.dir / "build.log", &log) != 0) {
    o.c_error = "gcc failed: " + log.substr(0, 2000);
    return;
  }
  if (shell(harness_run_command(o.dir / "exe", o.dir / "in.bin", o.dir / "out.bin", kSamples), o.dir / "run.log", &log) != 0) {
    o.c_error = "the harness failed: " + log.substr(0, 2000);
    return;
  }
  const std::string got = slurp(o.dir / "out.bin");
  const size_t per = o.want[0].size();
  if (got.size() != per * kSamples) {
    o.c_error = fmt::format("the harness wrote {} bytes, expected {}", got.size(), per * kSamples);
    return;
  }
  for (int k = 0; k < kSamples; ++k) {
    const std::string diff = compare(o.dtype, o.want[size_t(k)], got.substr(size_t(k) * per, per));
    if (!diff.empty()) o.c_error += fmt::format("{}{}: {}", o.c_error.empty() ? "" : "; ", sample_file("out", k), diff);
  }
}

class Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  // Every selected case is prepared here and all their C is compiled in parallel: one gcc per
  // case, run on all four inputs at once.
  static void SetUpTestSuite() {
    work_ = std::make_unique<TempDir>();
    outcomes_ = std::make_unique<std::map<std::string, Outcome>>();
    std::map<std::string, std::string> by_test_name;
    for (const auto& [name, c] : manifest().cases) by_test_name[test_name(name)] = name;
    const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    std::vector<Outcome*> to_build;
    for (int i = 0; suite && i < suite->total_test_count(); ++i) {
      const ::testing::TestInfo* t = suite->GetTestInfo(i);
      if (!t->should_run()) continue;
      const std::string tn = t->name();
      const auto it = by_test_name.find(tn.substr(tn.find('/') + 1));
      if (it == by_test_name.end()) continue;
      const fs::path dir = work_->path / test_name(it->second);
      fs::create_directories(dir);
      Outcome& o = (*outcomes_)[it->second];
      try {
        o = prepare(it->second, manifest().cases.at(it->second), dir);
      } catch (const std::exception& e) {
        o.case_error = e.what();
      }
      if (!o.dir.empty()) to_build.push_back(&o);
    }
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    const unsigned n = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned w = 0; w < n; ++w)
      workers.emplace_back([&] {
        for (size_t k; (k = next++) < to_build.size();) build_and_check_c(*to_build[k]);
      });
    for (std::thread& t : workers) t.join();
  }
  static void TearDownTestSuite() {
    outcomes_.reset();
    work_.reset();
  }
  static std::unique_ptr<TempDir> work_;
  static std::unique_ptr<std::map<std::string, Outcome>> outcomes_;
};

std::unique_ptr<TempDir> Conformance::work_;
std::unique_ptr<std::map<std::string, Outcome>> Conformance::outcomes_;

TEST_P(Conformance, Int8ReferenceAndGeneratedCGiveTflmBytes) {
  const std::string name = GetParam();
  ASSERT_TRUE(outcomes_->count(name)) << name << " was not prepared";
  const Outcome& o = outcomes_->at(name);
  RecordProperty("op", o.op);
  if (!o.case_error.empty()) FAIL() << name << ": the case is unusable: " << o.case_error;
  if (!o.pipeline_error.empty()) FAIL() << name << " (" << o.op << "): mote cannot compile it: " << o.pipeline_error;
  EXPECT_TRUE(o.ref_error.empty()) << name << " (" << o.op << "): C++ int8 reference: " << o.ref_error;
  EXPECT_TRUE(o.c_error.empty()) << name << " (" << o.op << "): generated C: " << o.c_error;
}

INSTANTIATE_TEST_SUITE_P(Tflm, Conformance, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return test_name(i.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Conformance);

// The vectors themselves: present (or the run is not in CI), readable, and every case complete.
TEST(ConformanceVectors, PresentAndComplete) {
  const Manifest& m = manifest();
  if (!m.present) {
    if (std::getenv("CI")) FAIL() << conformance_dir() << " is absent; CI must run the TFLM conformance cases";
    GTEST_SKIP() << conformance_dir() << " is absent";
  }
  ASSERT_TRUE(m.error.empty()) << m.error;
  ASSERT_FALSE(m.cases.empty()) << "manifest.json lists no cases";
  std::map<std::string, std::string> seen;
  for (const auto& [name, c] : m.cases) {
    EXPECT_TRUE(seen.emplace(test_name(name), name).second) << name << " and " << seen[test_name(name)] << " get one test name";
    EXPECT_TRUE(fs::exists(conformance_dir() / name / "model.tflite")) << name << ": model.tflite missing";
    for (int k = 0; k < kSamples; ++k) {
      EXPECT_TRUE(fs::exists(conformance_dir() / name / sample_file("in", k))) << name << ": " << sample_file("in", k) << " missing";
      EXPECT_TRUE(fs::exists(conformance_dir() / name / sample_file("out", k))) << name << ": " << sample_file("out", k) << " missing";
    }
  }
}

}  // namespace
}  // namespace mote
