// The libtorch form of a graph computes what mote's float executor computes: every shipped
// test model, batched in libtorch, sample by sample in ref/run_float, within 1e-5 (relative
// beyond magnitude 1: libtorch accumulates in float32, the executor in double).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "frontend/import.h"
#include "io/array.h"
#include "shipped_models.h"
#include "ref/executor.h"
#include "train/train.h"
#include "train_test_util.h"

namespace mote {
namespace {


class Forward : public ::testing::TestWithParam<test::ShippedModel> {};

TEST_P(Forward, MatchesTheFloatExecutor) {
  const std::string dir = std::string(MOTE_TEST_DATA) + "/";
  const Graph g = import_model(dir + GetParam().model);
  ASSERT_EQ(g.inputs.size(), 1u);
  const Array all = test::first_samples(load_array(dir + GetParam().input), 8);
  const int64_t n = all.shape[0], per = g.t(g.inputs[0]).numel();
  ASSERT_EQ(all.numel(), n * per);
  const std::vector<Array> batched = train::forward(g, {all});
  ASSERT_EQ(batched.size(), g.outputs.size());
  double worst = 0;
  for (int64_t s = 0; s < n; ++s) {
    Array one;
    one.shape = g.t(g.inputs[0]).shape;
    one.bytes.assign(all.bytes.begin() + s * per * 4, all.bytes.begin() + (s + 1) * per * 4);
    const std::vector<Array> ref = run_float(g, {one});
    for (size_t o = 0; o < ref.size(); ++o) {
      const int64_t m = ref[o].numel();
      ASSERT_EQ(batched[o].numel(), n * m);
      for (int64_t k = 0; k < m; ++k) {
        const double want = ref[o].as<float>()[k], got = batched[o].as<float>()[s * m + k];
        worst = std::max(worst, std::fabs(want - got) / std::max(1.0, std::fabs(want)));
        ASSERT_NEAR(got, want, 1e-5 * std::max(1.0, std::fabs(want))) << GetParam().model << " sample " << s << " output " << o << " element " << k;
      }
    }
  }
  RecordProperty("max_diff", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(Models, Forward, ::testing::ValuesIn(test::kShippedModels),
                         [](const auto& info) { return test::model_test_name(info.param.model); });

TEST(Forward, UnsupportedOpNamesNodeAndOp) {
  // A BatchMatMul whose left operand is a 1-D activation.
  Graph g;
  g.name = "bmm1d";
  const int x = g.add_value("x", DType::F32, {4});
  g.inputs = {x};
  const int w = g.add_const_f32("w", {4, 3}, std::vector<float>(12, 0.5f));
  const int y = g.add_value("y", DType::F32, {3});
  g.add_node(OpKind::BatchMatMul, "the_matmul", {x, w}, {y});
  g.outputs = {y};
  Array in;
  in.shape = {1, 4};
  in.bytes.assign(16, 0);
  try {
    train::forward(g, {in});
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'the_matmul'"), std::string::npos) << m;
    EXPECT_NE(m.find("BatchMatMul"), std::string::npos) << m;
    EXPECT_NE(m.find("not supported in training"), std::string::npos) << m;
  }
}

TEST(Forward, NhwcGraphsAreRefused) {
  Graph g;
  g.name = "nhwc";
  const int x = g.add_value("x", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  g.inputs = {x};
  const int y = g.add_value("y", DType::F32, {1, 2, 2, 2}, Layout::NHWC);
  Attrs a;
  a.set("kernel", std::vector<int64_t>{2, 2});
  a.set("strides", std::vector<int64_t>{2, 2});
  g.add_node(OpKind::MaxPool, "pool", {x}, {y}, a);
  g.outputs = {y};
  Array in;
  in.shape = {1, 1, 4, 4, 2};
  in.bytes.assign(128, 0);
  try {
    train::forward(g, {in});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'pool' (MaxPool)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NHWC"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mote
