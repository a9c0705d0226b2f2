// The built-in architectures: their sizes (the published parameter counts), one epoch of
// training on a handful of samples, and the path out: ONNX written and read back computes what
// the trained graph computes. The frame and signal networks: shapes, MACs, and a task they learn.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backend/onnx/onnx_export.h"
#include "frontend/onnx/onnx_import.h"
#include "ir/op_registry.h"
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
    // mobilenet:8: a 3x3 conv, seven depthwise-separable blocks (8, 16, 16, 32, 32, 64, 64
    // channels), FC; every conv with a BatchNorm (4 constants a channel), plus the 1/255 scale.
    {"mobilenet:8", {96, 96}, true, 2, 1 + 11994},
    // cnn1d:8 over two channels: 1x7 conv to 8, 1x5 convs to 8, 16, 16, 32, a 1x3 conv, FC.
    {"cnn1d:8", {2, 1000}, false, 5, 8709},
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

int64_t weighted_macs(const Graph& g) {
  int64_t n = 0;
  for (const Node& node : g.nodes)
    if (node.op == OpKind::Conv || node.op == OpKind::FullyConnected) n += mac_count(g, node);
  return n;
}

// The shape that reaches the global average pool.
Shape pooled_shape(const Graph& g) {
  for (const Node& node : g.nodes)
    if (node.op == OpKind::ReduceMean) return g.t(node.inputs[0]).shape;
  return {};
}

TEST(Arch, MobileNetShapesAndMacs) {
  const Graph g = train::build_arch("mobilenet:8", {96, 96}, 2, true, 1);
  EXPECT_EQ(g.t(g.inputs[0]).shape, (Shape{1, 1, 96, 96}));
  EXPECT_EQ(g.t(g.outputs[0]).shape, (Shape{1, 2}));
  EXPECT_EQ(pooled_shape(g), (Shape{1, 64, 6, 6}));
  // The 3x3 conv at 48x48, then per block the depthwise 3x3 and the 1x1 at the block's size.
  const int64_t want = 48 * 48 * 8 * 9 + (48 * 48 * 8 * 9 + 48 * 48 * 8 * 8) + (24 * 24 * 8 * 9 + 24 * 24 * 8 * 16) +
                       (24 * 24 * 16 * 9 + 24 * 24 * 16 * 16) + (12 * 12 * 16 * 9 + 12 * 12 * 16 * 32) +
                       (12 * 12 * 32 * 9 + 12 * 12 * 32 * 32) + (6 * 6 * 32 * 9 + 6 * 6 * 32 * 64) +
                       (6 * 6 * 64 * 9 + 6 * 6 * 64 * 64) + 64 * 2;
  EXPECT_EQ(weighted_macs(g), want);
  EXPECT_EQ(want, 1360640);
  // The width scales the channels: 16 gives 128 at the pool.
  EXPECT_EQ(pooled_shape(train::build_arch("mobilenet:16", {1, 64, 64}, 3, false, 1)), (Shape{1, 128, 4, 4}));
}

TEST(Arch, Cnn1dShapesAndMacs) {
  const Graph g = train::build_arch("cnn1d:8", {2, 1000}, 5, false, 1);
  EXPECT_EQ(g.t(g.inputs[0]).shape, (Shape{1, 2, 1, 1000}));
  EXPECT_EQ(g.t(g.outputs[0]).shape, (Shape{1, 5}));
  EXPECT_EQ(pooled_shape(g), (Shape{1, 32, 1, 31}));
  // 500 samples after the strided conv, halved by each pool.
  const int64_t want = 500 * 2 * 8 * 7 + 500 * 8 * 8 * 5 + 250 * 8 * 16 * 5 + 125 * 16 * 16 * 5 + 62 * 16 * 32 * 5 +
                       31 * 32 * 32 * 3 + 32 * 5;
  EXPECT_EQ(weighted_macs(g), want);
  EXPECT_EQ(want, 790112);
  // [T] and [C, 1, T] samples are signals too.
  const Graph mono = train::build_arch("cnn1d", {256}, 2, false, 1);
  EXPECT_EQ(mono.t(mono.inputs[0]).shape, (Shape{1, 1, 1, 256}));
  EXPECT_EQ(pooled_shape(train::build_arch("cnn1d", {3, 1, 256}, 2, false, 1)), (Shape{1, 64, 1, 8}));
}

// n samples of a two-class task each architecture should pick up within a few epochs.
train::RawData two_class_task(const Shape& sample, int64_t n, bool image) {
  train::RawData raw;
  raw.data_path = "task";
  raw.labels_path = "labels";
  raw.x.dtype = DType::F32;
  raw.x.shape = {n};
  raw.x.shape.insert(raw.x.shape.end(), sample.begin(), sample.end());
  raw.x.bytes.resize(size_t(numel(raw.x.shape)) * 4);
  raw.y.dtype = DType::I64;
  raw.y.shape = {n};
  raw.y.bytes.resize(size_t(n) * 8);
  std::mt19937 rng(5);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  const int64_t per = numel(sample), w = sample.back();
  for (int64_t s = 0; s < n; ++s) {
    const int64_t label = s % 2;
    raw.y.as_mut<int64_t>()[s] = label;
    float* x = raw.x.as_mut<float>() + s * per;
    // Images: a bright 8x8 square somewhere in class 1. Signals: a slow or a fast sine.
    const int64_t top = int64_t(rng() % uint32_t(w - 8)), left = int64_t(rng() % uint32_t(w - 8));
    const float phase = float(rng() % 100) / 16.0f;
    for (int64_t k = 0; k < per; ++k) {
      const int64_t r = k / w % w, c = k % w;
      const bool in_square = label && r >= top && r < top + 8 && c >= left && c < left + 8;
      const float signal = std::sin(phase + float(c) * (label ? 0.8f : 0.2f));
      x[k] = noise(rng) + (image ? (in_square ? 1.5f : 0.0f) : signal);
    }
  }
  return raw;
}

TEST(Arch, MobileNetAndCnn1dLearn) {
  struct Task {
    const char* spec;
    Shape sample;
    bool image;
  };
  for (const Task& t : {Task{"mobilenet:8", {32, 32}, true}, Task{"cnn1d:8", {1, 128}, false}}) {
    SCOPED_TRACE(t.spec);
    const Graph g = train::build_arch(t.spec, t.sample, 2, false, 1);
    const train::Samples data = train::make_samples(g, two_class_task(t.sample, 384, t.image));
    train::FitOptions o;
    o.epochs = 6;
    o.batch = 16;
    o.lr = 3e-3;
    o.val_split = 0.25;
    o.seed = 2;
    const train::FitResult r = train::fit(g, data, o, nullptr);
    ASSERT_EQ(r.history.size(), 6u);
    // Measured: mobilenet:8 0.65 to 0.03, cnn1d:8 0.21 to 0.01; both 100 % on validation.
    EXPECT_LT(r.history.back().loss, 0.5 * r.history.front().loss);
    EXPECT_GE(r.history.back().val_accuracy, 0.9);
  }
}

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
  EXPECT_NE(error("mobilenet:8,16", {96, 96}).find("takes one width after ':', not 2"), std::string::npos);
  EXPECT_NE(error("mobilenet", {8, 8}).find("needs frames of at least 16x16, the data has 8x8"), std::string::npos);
  EXPECT_NE(error("cnn1d", {2, 3, 100}).find("needs signal samples [T], [C,T] or [C,1,T]"), std::string::npos);
  EXPECT_NE(error("cnn1d:0", {2, 100}).find("'0' is not a positive layer size"), std::string::npos);
  EXPECT_NE(error("cnn1d", {2, 20}).find("needs signals of at least 32 samples, the data has 20"), std::string::npos);
}

}  // namespace
}  // namespace mote
