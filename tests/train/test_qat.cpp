// Quantization-aware training simulates the int8 model mote compiles: the fake-quantized
// forward pass agrees with the C++ int8 reference (the oracle the generated C is bit-exact
// with) on the quantize pass's own graph, through folded BatchNorm, depthwise convolutions and
// residual Adds; `mote quantize --qat` writes a model whose generated C is bit-exact and whose
// int8 accuracy is the fake-quantized accuracy QAT reports.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "frontend/import.h"
#include "io/layout.h"
#include "lower/registry.h"
#include "passes/passes.h"
#include "quant/quantize.h"
#include "ref/executor.h"
#include "train/train.h"
#include "train_test_util.h"

namespace mote {
namespace {

using test::mote_cli;

Array random_images(const Shape& sample, int64_t n, uint32_t seed) {
  Array x;
  x.dtype = DType::F32;
  x.shape = {n};
  x.shape.insert(x.shape.end(), sample.begin(), sample.end());
  x.bytes.resize(size_t(numel(x.shape)) * 4);
  uint32_t r = seed;
  for (int64_t k = 0; k < numel(x.shape); ++k) {
    r = r * 1664525u + 1013904223u;
    x.as_mut<float>()[k] = float(r >> 8) / float(1 << 24);
  }
  return x;
}

class QatMatchesInt8 : public ::testing::TestWithParam<const char*> {};

TEST_P(QatMatchesInt8, FakeQuantizedOutputsAreTheInt8Ones) {
  const Shape sample = {1, 12, 12};
  Graph g = train::build_arch(GetParam(), sample, 5, false, 3);
  // One epoch gives the BatchNorms running statistics that are not the identity.
  const Array x = random_images(sample, 64, 5);
  train::RawData raw;
  raw.data_path = raw.labels_path = "random";
  raw.x = x;
  raw.y.dtype = DType::I64;
  raw.y.shape = {64};
  raw.y.bytes.resize(64 * 8);
  for (int64_t k = 0; k < 64; ++k) raw.y.as_mut<int64_t>()[k] = k % 5;
  train::FitOptions fo;
  fo.epochs = 1;
  fo.batch = 16;
  fo.lr = 0.01;
  g = train::fit(g, train::make_samples(g, raw), fo, nullptr).model;

  train::QatOptions q;
  q.on = true;
  q.calib = x;
  q.calib_name = "random";
  const Array test = random_images(sample, 16, 9);
  const Array fq = train::forward(g, {test}, &q)[0];

  Graph c = g;
  canonicalize(c);
  const Graph iq = quantize(c, to_graph_layout(g, x, "random"), CalibMethod::MinMax);
  const auto calls = lower(iq, host_target()).calls;
  const Tensor& in = iq.t(iq.inputs[0]);
  const Tensor& out = iq.t(iq.outputs[0]);
  const Array nhwc = to_graph_layout(g, test, "test");
  const int64_t per = in.numel(), outs = out.numel();
  int64_t off_by_one = 0, worse = 0;
  for (int64_t s = 0; s < 16; ++s) {
    Array xq;
    xq.dtype = DType::I8;
    xq.shape = in.shape;
    xq.bytes.resize(size_t(per));
    for (int64_t k = 0; k < per; ++k) {
      const double v = std::round(double(nhwc.as<float>()[s * per + k]) / in.quant.scale[0]) + in.quant.zero_point[0];
      xq.bytes[size_t(k)] = uint8_t(int8_t(std::clamp(v, -128.0, 127.0)));
    }
    const Array yq = run_int8(iq, calls, {xq})[0];
    for (int64_t k = 0; k < outs; ++k) {
      const double lsb = std::fabs((fq.as<float>()[s * outs + k] - out.quant.scale[0] * (yq.as<int8_t>()[k] - out.quant.zero_point[0])) /
                                   out.quant.scale[0]);
      off_by_one += lsb > 0.01 && lsb <= 1.01;
      worse += lsb > 1.01;
    }
  }
  // Float fake quantization and integer requantization (TFLite's fixed-point multipliers, the
  // rescaled inputs of Add) round some values differently, more of them the deeper the model:
  // never by more than one step of the output's scale, for at most half the 80 logits.
  EXPECT_EQ(worse, 0);
  EXPECT_LE(off_by_one, 40);
  RecordProperty("off_by_one", std::to_string(off_by_one));
}

INSTANTIATE_TEST_SUITE_P(Archs, QatMatchesInt8, ::testing::Values("lenet5", "dscnn:8", "resnet8"), [](const auto& info) {
  std::string s = info.param;
  return s.substr(0, s.find(':'));
});

TEST(Qat, QuantizeQatCompilesToWhatItSimulated) {
  test::Dir d;
  const std::string x = d / "x.npy", y = d / "y.npy", model = d / "m.onnx", qat = d / "q.onnx", log = d / "log.json";
  test::write_blobs(x, y, 600, 16, 4, 31);
  const std::string data = " --data " + x + " --labels " + y + " --threads 1";
  ASSERT_EQ(mote_cli("train --arch mlp:32,16 --epochs 2" + data + " -o " + model).code, 0);
  const test::CliRun r = mote_cli("quantize " + model + " --calib " + x + " --calib-limit 100 --qat --epochs 2 --lr 1e-4" + data +
                                  " --test-data " + x + " --test-labels " + y + " --save " + qat + " --log " + log);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("qat epoch 2/2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("QAT: fake-quantized (8 bits)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SQNR dB"), std::string::npos) << "the quantize report of the QAT model follows: " << r.out;
  const nlohmann::json j = nlohmann::json::parse(test::slurp(log));
  ASSERT_EQ(mote_cli("compile " + qat + " --calib " + x + " --calib-limit 100 --name q -o " + (d / "c")).code, 0);
  const test::CliRun v = mote_cli("validate " + (d / "c") + " --data " + x + " --labels " + y + " -o " + (d / "v.json"));
  ASSERT_EQ(v.code, 0) << v.err;
  const nlohmann::json vj = nlohmann::json::parse(test::slurp(d / "v.json"));
  EXPECT_EQ(vj["bitexact_samples"].get<int64_t>(), 600);
  EXPECT_NEAR(vj["accuracy_c"].get<double>(), j["qat_test_accuracy"].get<double>(), 2.0 / 600);
}

TEST(Qat, BadBitsAreRefused) {
  test::Dir d;
  const std::string x = d / "x.npy", y = d / "y.npy", model = d / "m.onnx", out = d / "q.onnx";
  test::write_blobs(x, y, 100, 16, 4, 32);
  ASSERT_EQ(mote_cli("train --arch mlp:8 --epochs 1 --data " + x + " --labels " + y + " -o " + model).code, 0);
  test::expect_clean_failure(mote_cli("quantize " + model + " --calib " + x + " --qat --bits 9 --data " + x + " --labels " + y +
                                      " --save " + out),
                             {"--bits must be in [2, 8]"}, out);
  test::expect_clean_failure(mote_cli("quantize " + model + " --calib " + x + " --qat --data " + x + " --labels " + y), {"--save"}, out);
}

}  // namespace
}  // namespace mote
