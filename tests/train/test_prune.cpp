// mote prune: the gradual schedule reaches Zhu & Gupta's sparsities step by step and keeps the
// target exactly; per-layer targets hold per layer; channel pruning removes exactly the channels
// that carry nothing, through BatchNorm, depthwise convolutions, residual Adds and flattening,
// so the pruned model computes what the unpruned one computes; bad sparsities are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "frontend/import.h"
#include "ir/op_registry.h"
#include "train/train.h"
#include "train_test_util.h"

namespace mote {
namespace {

using test::mote_cli;

// Zeros and weights of the Conv / FullyConnected weights of `g`, per node name.
std::map<std::string, std::pair<int64_t, int64_t>> zeros_per_layer(const Graph& g) {
  std::map<std::string, std::pair<int64_t, int64_t>> r;
  for (const Node& n : g.nodes) {
    if (n.op != OpKind::FullyConnected && n.op != OpKind::Conv) continue;
    const Tensor& w = g.t(n.in(1));
    int64_t z = 0;
    for (int64_t k = 0; k < w.numel(); ++k) z += w.as<float>()[k] == 0.0f;
    r[n.name] = {z, w.numel()};
  }
  return r;
}

struct Trained {
  test::Dir dir;
  std::string x = dir / "x.npy", y = dir / "y.npy", model = dir / "dense.onnx";
  Trained() {
    test::write_blobs(x, y, 640, 16, 4, 21);
    EXPECT_EQ(mote_cli("train --arch mlp:32,16 --epochs 3 --threads 1 --data " + x + " --labels " + y + " -o " + model).code, 0);
  }
  std::string data() const { return " --data " + x + " --labels " + y + " --threads 1"; }
};

TEST(Prune, GradualScheduleReachesTheTarget) {
  Trained t;
  const std::string out = t.dir / "p.onnx", log = t.dir / "log.json";
  // 640 samples, 10 % validation: 576 train in 18 batches of 32; 4 epochs = 72 steps; the
  // schedule runs from step 0 to step 36 with a mask update at every step.
  const test::CliRun r = mote_cli("prune " + t.model + t.data() + " --sparsity 0.8 --epochs 4 --batch 32 --prune-end 0.5 --prune-every 1 -o " +
                                  out + " --log " + log);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto z = zeros_per_layer(import_model(out));
  int64_t zeros = 0, total = 0;
  for (const auto& [name, c] : z) zeros += c.first, total += c.second;
  EXPECT_EQ(total, 16 * 32 + 32 * 16 + 16 * 4);
  EXPECT_EQ(zeros, int64_t(std::floor(0.8 * double(total))));
  const nlohmann::json j = nlohmann::json::parse(test::slurp(log));
  // After epoch 1 the last update was at step 17: s_f (1 - (1 - 17/36)^3) of the weights.
  const double f = 1.0 - std::pow(1.0 - 17.0 / 36.0, 3);
  EXPECT_NEAR(j["history"][0]["sparsity"].get<double>(), std::floor(f * 0.8 * double(total)) / double(total), 1e-12);
  for (size_t e = 1; e < 4; ++e)
    EXPECT_GE(j["history"][e]["sparsity"].get<double>(), j["history"][e - 1]["sparsity"].get<double>());
  EXPECT_NEAR(j["history"][3]["sparsity"].get<double>(), 0.8, 0.01);
  EXPECT_EQ(j["nonzero_params"].get<int64_t>() + zeros, j["params"].get<int64_t>());
  EXPECT_GT(j["history"][3]["val_accuracy"].get<double>(), 0.85);
}

TEST(Prune, PerLayerTargetsAndTeacher) {
  Trained t;
  const std::string out = t.dir / "p.onnx";
  const test::CliRun r = mote_cli("prune " + t.model + t.data() + " --sparsity 0.9 --layer-sparsity fc1=0.5 --epochs 2 --prune-end 0.5 --teacher " +
                                  t.model + " -o " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("prune epoch 2/2"), std::string::npos) << r.out;
  const auto z = zeros_per_layer(import_model(out));
  ASSERT_EQ(z.size(), 3u);
  EXPECT_EQ(z.at("fc1").first, 256);                                 // 50 % of 16 x 32
  EXPECT_EQ(z.at("fc2").first, int64_t(std::floor(0.9 * 32 * 16)));  // the default target
  EXPECT_EQ(z.at("fc3").first, int64_t(std::floor(0.9 * 16 * 4)));
}

TEST(Prune, ScanAndBadSparsities) {
  Trained t;
  const test::CliRun scan = mote_cli("prune " + t.model + t.data() + " --scan --scan-sparsities 0.5,0.9");
  ASSERT_EQ(scan.code, 0) << scan.err;
  EXPECT_NE(scan.out.find("layer"), std::string::npos);
  for (const char* l : {"fc1 ", "fc2 ", "fc3 "}) EXPECT_NE(scan.out.find(l), std::string::npos) << scan.out;
  const std::string out = t.dir / "bad.onnx";
  for (const char* s : {"1", "1.5", "-0.1"})
    test::expect_clean_failure(mote_cli("prune " + t.model + t.data() + " --sparsity " + s + " -o " + out), {"--sparsity must be in [0, 1)"}, out);
  test::expect_clean_failure(mote_cli("prune " + t.model + t.data() + " --structured --sparsity 1 -o " + out), {"--sparsity"}, out);
  test::expect_clean_failure(mote_cli("prune " + t.model + t.data() + " --sparsity 0.5 --layer-sparsity nosuch=0.5 -o " + out),
                             {"no prunable layer 'nosuch'"}, out);
}

// Channels c with c % 4 == 1 made to carry exactly zero: their filters and biases, and the
// BatchNorm shift and mean that follow. Pruning a quarter of every group must remove them and
// nothing else, and give the same outputs.
void zero_every_fourth_channel(Graph& g) {
  auto zero = [&](int t, int64_t per_row) {
    if (t < 0) return;
    Tensor& w = g.t(t);
    const int64_t rows = w.numel() / per_row;
    for (int64_t c = 1; c < rows; c += 4)
      for (int64_t k = 0; k < per_row; ++k) w.as_mut<float>()[c * per_row + k] = 0.0f;
  };
  for (const Node& n : g.nodes) {
    if (n.op == OpKind::Conv || n.op == OpKind::FullyConnected) {
      zero(n.in(1), g.t(n.in(1)).numel() / g.t(n.in(1)).shape[0]);
      zero(n.in(2), 1);
    }
    if (n.op == OpKind::BatchNorm) {
      zero(n.in(2), 1);
      zero(n.in(3), 1);
    }
  }
}

struct ChannelCase {
  const char* name;
  int64_t groups;
};

class Channels : public ::testing::TestWithParam<ChannelCase> {};

TEST_P(Channels, RemovesExactlyTheDeadChannels) {
  Graph g;
  const std::string name = GetParam().name;
  if (name == "fashion_cnn") g = import_model(std::string(MOTE_TEST_DATA) + "/../../examples/fashion_mnist/fashion_cnn.onnx");
  else g = train::build_arch(name, name == "dscnn:16" ? Shape{1, 16, 16} : Shape{3, 16, 16}, 10, false, 4);
  zero_every_fourth_channel(g);
  train::ChannelReport rep;
  const Graph p = train::prune_channels(g, 0.25, &rep);
  EXPECT_EQ(int64_t(rep.groups.size()), GetParam().groups);
  for (const auto& grp : rep.groups) EXPECT_EQ(grp.kept * 4, grp.channels * 3) << grp.sources[0];
  EXPECT_LT(rep.macs_after, rep.macs_before);
  int64_t macs = 0;
  for (const Node& n : p.nodes) macs += mac_count(p, n);
  EXPECT_EQ(macs, rep.macs_after);
  Array x;
  x.shape = {3};
  const Shape& s = g.t(g.inputs[0]).shape;
  x.shape.insert(x.shape.end(), s.begin(), s.end());
  x.bytes.resize(size_t(numel(x.shape)) * 4);
  for (int64_t k = 0; k < numel(x.shape); ++k) x.as_mut<float>()[k] = float(std::sin(0.37 * double(k)));
  const Array want = train::forward(g, {x})[0], got = train::forward(p, {x})[0];
  ASSERT_EQ(got.numel(), want.numel());
  for (int64_t k = 0; k < want.numel(); ++k)
    EXPECT_NEAR(got.as<float>()[k], want.as<float>()[k], 1e-5 * std::max(1.0f, std::fabs(want.as<float>()[k]))) << k;
}

// ResNet-8: the stem and the first block's second conv are tied by the identity Add, each
// strided block's second conv and its 1x1 shortcut by theirs; the classifier's outputs are the
// graph's. DS-CNN: one group per pointwise layer with the depthwise layer after it. The demo CNN:
// three conv groups (the last flattened into fc1) and fc1's features.
INSTANTIATE_TEST_SUITE_P(Models, Channels,
                         ::testing::Values(ChannelCase{"resnet8", 6}, ChannelCase{"dscnn:16", 5}, ChannelCase{"fashion_cnn", 4}),
                         [](const auto& info) {
                           std::string s = info.param.name;
                           return s.substr(0, s.find(':'));
                         });

TEST(Channels, CommandRemovesFiltersAndFineTunes) {
  test::Dir d;
  // 160 random 8x8 uint8 images in 3 classes: enough to run the command end to end.
  Array x, y;
  x.dtype = DType::U8;
  x.shape = {160, 8, 8};
  x.bytes.resize(160 * 64);
  for (size_t k = 0; k < x.bytes.size(); ++k) x.bytes[k] = uint8_t((k * 2654435761u) >> 24);
  y.dtype = DType::I64;
  y.shape = {160};
  y.bytes.resize(160 * 8);
  for (int64_t k = 0; k < 160; ++k) y.as_mut<int64_t>()[k] = k % 3;
  save_npy(d / "x.npy", x);
  save_npy(d / "y.npy", y);
  const std::string data = " --data " + (d / "x.npy") + " --labels " + (d / "y.npy") + " --threads 1 --epochs 1";
  ASSERT_EQ(mote_cli("train --arch dscnn:8" + data + " -o " + (d / "ds.onnx")).code, 0);
  const test::CliRun r = mote_cli("prune " + (d / "ds.onnx") + data + " --structured --sparsity 0.5 -o " + (d / "p.onnx") + " --log " + (d / "log.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("channels of conv1: 8 -> 4"), std::string::npos) << r.out;
  const nlohmann::json j = nlohmann::json::parse(test::slurp(d / "log.json"));
  EXPECT_EQ(j["groups"].size(), 5u);
  EXPECT_LT(2 * j["macs_after"].get<int64_t>(), j["macs_before"].get<int64_t>());
  const Graph p = import_model(d / "p.onnx");
  int64_t macs = 0;
  for (const Node& n : p.nodes) macs += mac_count(p, n);
  EXPECT_EQ(macs, j["macs_after"].get<int64_t>());
}

TEST(Channels, ResidualAddTiesItsSources) {
  const Graph g = train::build_arch("resnet8", {3, 16, 16}, 10, false, 4);
  train::ChannelReport rep;
  train::prune_channels(g, 0.5, &rep);
  int tied = 0;
  for (const auto& grp : rep.groups) tied += grp.sources.size() == 2;
  EXPECT_EQ(tied, 3);
  for (const auto& grp : rep.groups) EXPECT_EQ(grp.kept * 2, grp.channels);
}

}  // namespace
// A depthwise conv scales the channels it carries: those it makes near zero go first, however
// large the filters that made them.
TEST(Channels, DepthwiseFiltersWeighTheChannelsTheyCarry) {
  Graph g = train::build_arch("dscnn:16", {1, 16, 16}, 10, false, 4);
  auto first_depthwise = [](const Graph& m) {
    for (const Node& n : m.nodes)
      if (n.op == OpKind::Conv && n.attrs.i("group", 1) > 1) return n.in(1);
    return -1;
  };
  ASSERT_GE(first_depthwise(g), 0);
  Tensor& w = g.t(first_depthwise(g));
  const int64_t per = w.numel() / w.shape[0];
  for (int64_t c = 0; c < 4; ++c)
    for (int64_t k = 0; k < per; ++k) w.as_mut<float>()[(3 * c + 1) * per + k] *= 1e-3f;
  const Graph p = train::prune_channels(g, 0.25, nullptr);
  const Tensor& kept = p.t(first_depthwise(p));
  ASSERT_EQ(kept.shape[0], 12);
  double smallest = INFINITY;
  for (int64_t c = 0; c < 12; ++c) {
    double l1 = 0;
    for (int64_t k = 0; k < per; ++k) l1 += std::fabs(kept.as<float>()[c * per + k]);
    smallest = std::min(smallest, l1);
  }
  double largest_scaled = 0;
  for (int64_t c = 0; c < 4; ++c) {
    double l1 = 0;
    for (int64_t k = 0; k < per; ++k) l1 += std::fabs(w.as<float>()[(3 * c + 1) * per + k]);
    largest_scaled = std::max(largest_scaled, l1);
  }
  EXPECT_GT(smallest, largest_scaled);
}

// Kept channels rounded up to a multiple (DS-CNN:16: 16 channels, 40 % off leaves 10 -> 12).
TEST(Channels, KeptChannelsRoundUpToTheMultiple) {
  const Graph g = train::build_arch("dscnn:16", {1, 16, 16}, 10, false, 4);
  for (int64_t m : {1, 4, 32}) {
    train::ChannelReport rep;
    train::prune_channels(g, 0.4, &rep, m);
    ASSERT_FALSE(rep.groups.empty());
    for (const auto& grp : rep.groups) EXPECT_EQ(grp.kept, m == 1 ? 10 : m == 4 ? 12 : 16) << grp.sources[0];
  }
  EXPECT_THROW(train::prune_channels(g, 0.4, nullptr, 0), Error);
}

}  // namespace mote
