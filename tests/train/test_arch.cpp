// The built-in architectures: their sizes (the published parameter counts), one epoch of
// training on a handful of samples, and the path out: ONNX written and read back computes what
// the trained graph computes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backend/onnx/onnx_export.h"
#include "frontend/onnx/onnx_import.h"
#include "train/train.h"

namespace mote {
namespace {

int64_t params(const Graph& g) {
  int64_t n = 0;
  for (const Tensor& t : g.tensors) n += t.is_const() ? t.numel() : 0;
  return n;
}

struct ArchCase {
  const char* spec;
  Shape sample;
  bool uint8;
  int64_t classes, params;
};

// LeNet-300-100 266,610 weights (Han et al. 2015) and LeNet-5 61,706, plus the 1/255 input
// scale of uint8 data; MLPerf Tiny's ResNet-8 78,666 and autoencoder 269,992 (640 features).
const ArchCase kArchs[] = {
    {"mlp:300,100", {28, 28}, true, 10, 266610 + 1},
    {"lenet5", {28, 28}, true, 10, 61706 + 1},
    {"resnet8", {3, 32, 32}, false, 10, 78666},
    {"dscnn:16", {1, 20, 12}, false, 12, 16 * 9 + 16 + 4 * (16 * 9 + 16 + 16 * 16 + 16) + 9 * 4 * 16 + 16 * 12 + 12},
    {"autoencoder", {640}, false, 1, 269992},
};

class Arch : public ::testing::TestWithParam<ArchCase> {};

TEST_P(Arch, TrainsAndRoundTrips) {
  const ArchCase& c = GetParam();
  const Graph g = train::build_arch(c.spec, c.sample, c.classes, c.uint8, 1);
  EXPECT_EQ(params(g), c.params);
  // 24 random samples in the data's own shape.
  const int64_t n = 24, per = numel(c.sample);
  train::RawData raw;
  raw.data_path = "random";
  raw.x.dtype = DType::F32;
  raw.x.shape = {n};
  raw.x.shape.insert(raw.x.shape.end(), c.sample.begin(), c.sample.end());
  raw.x.bytes.resize(size_t(n * per) * 4);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int64_t k = 0; k < n * per; ++k) raw.x.as_mut<float>()[k] = u(rng);
  const bool classify = std::string(c.spec) != "autoencoder";
  if (classify) {
    raw.labels_path = "labels";
    raw.y.dtype = DType::I64;
    raw.y.shape = {n};
    raw.y.bytes.resize(size_t(n) * 8);
    for (int64_t k = 0; k < n; ++k) raw.y.as_mut<int64_t>()[k] = k % c.classes;
  }
  const train::Samples data = train::make_samples(g, raw);
  train::FitOptions o;
  o.epochs = 1;
  o.batch = 8;
  o.val_split = 0.25;
  const train::FitResult r = train::fit(g, data, o, nullptr);
  ASSERT_EQ(r.history.size(), 1u);
  EXPECT_TRUE(std::isfinite(r.history[0].loss));
  EXPECT_NE(onnx_model_bytes(r.model), onnx_model_bytes(g)) << "training changed no weight";
  const Graph back = import_onnx_bytes(onnx_model_bytes(r.model), "trained.onnx");
  Array x;
  x.shape = {4};
  x.shape.insert(x.shape.end(), g.t(g.inputs[0]).shape.begin(), g.t(g.inputs[0]).shape.end());
  x.bytes.assign(raw.x.bytes.begin(), raw.x.bytes.begin() + 4 * per * 4);
  const Array want = train::forward(r.model, {x})[0], got = train::forward(back, {x})[0];
  ASSERT_EQ(got.numel(), want.numel());
  for (int64_t k = 0; k < want.numel(); ++k) EXPECT_NEAR(got.as<float>()[k], want.as<float>()[k], 1e-5) << k;
}

INSTANTIATE_TEST_SUITE_P(Specs, Arch, ::testing::ValuesIn(kArchs), [](const auto& info) {
  std::string s = info.param.spec;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
});

TEST(Arch, BadSpecsNameTheProblem) {
  auto error = [](const std::string& spec, const Shape& sample) {
    try {
      train::build_arch(spec, sample, 10, false, 0);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("mlp:300,x", {4}).find("'x' is not a positive layer size"), std::string::npos);
  EXPECT_NE(error("lenet5", {784}).find("needs image samples"), std::string::npos);
  EXPECT_NE(error("resnet8:3", {3, 8, 8}).find("takes no arguments"), std::string::npos);
  EXPECT_NE(error("vgg", {3, 8, 8}).find("unknown architecture 'vgg'"), std::string::npos);
}

}  // namespace
}  // namespace mote
