// Bit-exactness against TensorFlow Lite Micro: the MLPerf Tiny int8 models compiled to C (and run
// through the C++ int8 reference) must give TFLM's output bytes for every golden input in
// ../shared/golden, for the host and for cortex-m4 (its DSP kernels, built here on their C
// emulation of the instructions); the float ResNet must match TFLM's float outputs to 1e-4.
// Skipped when the shared directory is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <tuple>

#include "backend/c/codegen.h"
#include "driver/pipeline.h"
#include "e2e_util.h"
#include "ir/op_registry.h"
#include "ref/executor.h"
#include "require.h"

namespace mote {
namespace {

fs::path shared_dir() { return fs::path(MOTE_SHARED_DIR); }

struct Golden {
  std::vector<std::string> inputs, outputs;  // raw bytes per sample
};

// in_XX.bin / out_XX.bin pairs in order of XX.
Golden load_golden(const std::string& model) {
  Golden g;
  const fs::path dir = shared_dir() / "golden" / model;
  for (int k = 0;; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "%02d.bin", k);
    const fs::path in = dir / ("in_" + std::string(name)), out = dir / ("out_" + std::string(name));
    if (!fs::exists(in) || !fs::exists(out)) break;
    g.inputs.push_back(slurp(in));
    g.outputs.push_back(slurp(out));
  }
  return g;
}

Array bytes_array(DType dt, const Shape& shape, const std::string& bytes) {
  Array a;
  a.dtype = dt;
  a.shape = shape;
  a.bytes.assign(bytes.begin(), bytes.end());
  return a;
}

struct Match {
  int64_t equal = 0, total = 0, max_lsb = 0, samples_equal = 0;
  void add(const std::string& want, const uint8_t* got, size_t n) {
    int64_t same = 0;
    for (size_t k = 0; k < n; ++k) {
      const int64_t d = std::abs(int64_t(int8_t(got[k])) - int64_t(int8_t(want[k])));
      same += d == 0;
      max_lsb = std::max(max_lsb, d);
    }
    equal += same;
    total += int64_t(n);
    samples_equal += same == int64_t(n);
  }
  std::string str() const {
    return fmt::format("{}/{} bytes equal, {} samples fully equal, max diff {} LSB", equal, total, samples_equal, max_lsb);
  }
};

class GoldenInt8 : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(GoldenInt8, GeneratedCAndInt8ReferenceGiveTflmBytes) {
  const auto& [model, target] = GetParam();
  const fs::path path = shared_dir() / "models" / (model + ".tflite");
  MOTE_REQUIRE(fs::exists(path)) << path << " is absent";
  const Golden golden = load_golden(model);
  ASSERT_EQ(golden.inputs.size(), 32u) << "golden inputs for " << model;

  PipelineOptions opt;
  opt.model = path.string();
  opt.target = target;
  const Pipeline p = run_pipeline(opt);
  ASSERT_TRUE(p.prequantized);
  const Tensor& in = p.graph.t(p.graph.inputs.at(0));
  const Tensor& out = p.graph.t(p.graph.outputs.at(0));
  ASSERT_EQ(in.dtype, DType::I8);
  const size_t in_bytes = size_t(in.numel()), out_bytes = size_t(out.numel());

  // The C++ int8 reference.
  Match ref;
  for (size_t s = 0; s < golden.inputs.size(); ++s) {
    ASSERT_EQ(golden.inputs[s].size(), in_bytes);
    ASSERT_EQ(golden.outputs[s].size(), out_bytes);
    const Array y = run_int8(p.graph, p.calls, {bytes_array(DType::I8, in.shape, golden.inputs[s])}).at(0);
    ref.add(golden.outputs[s], y.bytes.data(), out_bytes);
  }

  std::cout << "[golden] " << model << " (" << target << "): C++ int8 reference " << ref.str() << " (last op " << op_name(p.graph.nodes.back().op) << ")\n";
  RecordProperty("ref_bytes_equal", int(ref.equal));
  EXPECT_EQ(ref.equal, ref.total) << model << " C++ int8 reference: " << ref.str();

  // The generated C.
  TempDir dir;
  CodegenInput ci;
  ci.graph = &p.graph;
  ci.calls = &p.calls;
  ci.plan = &p.plan;
  ci.name = "golden";
  emit_c(ci, (dir.path / "out").string());
  std::string all_in;
  for (const std::string& s : golden.inputs) all_in += s;
  const std::vector<uint8_t> c_out = build_and_run(dir.path / "out", "golden", "gcc", false, all_in.data(), all_in.size(), int64_t(golden.inputs.size()));
  ASSERT_EQ(c_out.size(), out_bytes * golden.inputs.size());
  Match c;
  for (size_t s = 0; s < golden.inputs.size(); ++s) c.add(golden.outputs[s], c_out.data() + s * out_bytes, out_bytes);

  std::cout << "[golden] " << model << " (" << target << "): generated C " << c.str() << "\n";
  RecordProperty("c_bytes_equal", int(c.equal));
  RecordProperty("bytes_total", int(c.total));
  EXPECT_EQ(c.equal, c.total) << model << " generated C: " << c.str();
}

INSTANTIATE_TEST_SUITE_P(Mlperf, GoldenInt8,
                         ::testing::Combine(::testing::Values("kws_ref_model", "pretrainedResnet_quant"),
                                            ::testing::Values("host", "cortex-m4")),
                         [](const auto& info) {
                           std::string n = std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(GoldenFloat, PretrainedResnetRunFloatAndGeneratedCMatchTflm) {
  const fs::path path = shared_dir() / "models" / "pretrainedResnet.tflite";
  MOTE_REQUIRE(fs::exists(path)) << path << " is absent";
  const Golden golden = load_golden("pretrainedResnet");
  ASSERT_EQ(golden.inputs.size(), 32u);
  PipelineOptions opt;
  opt.model = path.string();
  const Pipeline p = run_pipeline(opt);
  ASSERT_FALSE(p.prequantized);
  ASSERT_FALSE(p.quantized());
  const Tensor& in = p.graph.t(p.graph.inputs.at(0));
  const Tensor& out = p.graph.t(p.graph.outputs.at(0));
  const size_t per_out = size_t(out.numel());

  double max_ref = 0, max_c = 0;
  std::string all_in;
  for (size_t s = 0; s < golden.inputs.size(); ++s) {
    ASSERT_EQ(golden.inputs[s].size(), size_t(in.numel()) * 4);
    ASSERT_EQ(golden.outputs[s].size(), per_out * 4);
    all_in += golden.inputs[s];
    const Array y = run_float(p.graph, {bytes_array(DType::F32, in.shape, golden.inputs[s])}).at(0);
    const float* want = reinterpret_cast<const float*>(golden.outputs[s].data());
    for (size_t k = 0; k < per_out; ++k) max_ref = std::max(max_ref, std::fabs(double(y.as<float>()[k]) - double(want[k])));
  }
  TempDir dir;
  CodegenInput ci;
  ci.graph = &p.graph;
  ci.calls = &p.calls;
  ci.plan = &p.plan;
  ci.name = "golden";
  emit_c(ci, (dir.path / "out").string());
  const std::vector<uint8_t> c_out = build_and_run(dir.path / "out", "golden", "gcc", true, all_in.data(), all_in.size(), int64_t(golden.inputs.size()));
  ASSERT_EQ(c_out.size(), per_out * 4 * golden.inputs.size());
  const float* cf = reinterpret_cast<const float*>(c_out.data());
  for (size_t s = 0; s < golden.inputs.size(); ++s) {
    const float* want = reinterpret_cast<const float*>(golden.outputs[s].data());
    for (size_t k = 0; k < per_out; ++k) max_c = std::max(max_c, std::fabs(double(cf[s * per_out + k]) - double(want[k])));
  }
  std::cout << "[golden] pretrainedResnet (float): run_float max abs diff " << max_ref << ", generated C max abs diff " << max_c << "\n";
  EXPECT_LT(max_ref, 1e-4);
  EXPECT_LT(max_c, 1e-4);
}

}  // namespace
}  // namespace mote
