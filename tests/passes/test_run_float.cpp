// run_float against hand-computed results (checked with PyTorch) and NCHW/NHWC agreement.
#include "pass_test_util.h"

namespace mote::test {
namespace {

std::vector<float> iota16() {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[size_t(i)] = float(i + 1);
  return v;
}

// One-node graph over a [1,1,4,4] input holding 1..16.
struct One {
  Builder b{7};
  int x = b.input({1, 1, 4, 4});
  std::vector<float> run(int out) {
    b.output(out);
    verify(b.g, "test");
    return values(run_float(b.g, {make_array({1, 1, 4, 4}, iota16())}).at(0));
  }
};

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

Attrs conv_attrs(int64_t stride, int64_t pad) {
  Attrs a;
  a.set("strides", std::vector<int64_t>{stride, stride});
  a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  return a;
}

TEST(RunFloat, Conv3x3LaplacianPadded) {
  One o;
  int w = o.b.g.add_const_f32("w", {1, 1, 3, 3}, {0, 1, 0, 1, -4, 1, 0, 1, 0});
  int bias = o.b.g.add_const_f32("b", {1}, {0.5f});
  auto y = o.run(o.b.node(OpKind::Conv, {o.x, w, bias}, conv_attrs(1, 1)));
  expect_near(y, {3.5, 2.5, 1.5, -4.5, -3.5, 0.5, 0.5, -8.5, -7.5, 0.5, 0.5, -12.5, -28.5, -17.5, -18.5, -36.5});
}

TEST(RunFloat, Conv3x3ValidAndStrided) {
  One o;
  int w = o.b.g.add_const_f32("w", {1, 1, 3, 3}, {1, 2, 0, 0, -1, 0, 1, 0, 3});
  int valid = o.b.node(OpKind::Conv, {o.x, w}, conv_attrs(1, 0));
  int strided = o.b.node(OpKind::Conv, {o.x, w}, conv_attrs(2, 1));
  o.b.output(strided);
  expect_near(o.run(valid), {17, 27, 43, 71});
  expect_near(values(run_float(o.b.g, {make_array({1, 1, 4, 4}, iota16())}).at(1)), {41, 47, 65, 71});
}

TEST(RunFloat, ConvFusedClamp) {
  One o;
  int w = o.b.g.add_const_f32("w", {1, 1, 3, 3}, {0, 1, 0, 1, -4, 1, 0, 1, 0});
  Attrs a = conv_attrs(1, 1);
  a.set("act_min", -5.0f);
  a.set("act_max", 1.0f);
  auto y = o.run(o.b.node(OpKind::Conv, {o.x, w}, a));
  expect_near(y, {1, 1, 1, -5, -4, 0, 0, -5, -5, 0, 0, -5, -5, -5, -5, -5});
}

TEST(RunFloat, AvgPoolExcludesPadding) {
  One o;
  Attrs a = conv_attrs(1, 1);
  a.set("kernel", std::vector<int64_t>{3, 3});
  auto y = o.run(o.b.node(OpKind::AvgPool, {o.x}, a));
  expect_near(y, {3.5, 4, 5, 5.5, 5.5, 6, 7, 7.5, 9.5, 10, 11, 11.5, 11.5, 12, 13, 13.5});
}

TEST(RunFloat, MaxPool) {
  One o;
  Attrs a = conv_attrs(2, 0);
  a.set("kernel", std::vector<int64_t>{2, 2});
  expect_near(o.run(o.b.node(OpKind::MaxPool, {o.x}, a)), {6, 8, 14, 16});
}

TEST(RunFloat, SoftmaxOnEitherAxis) {
  for (int64_t axis : {0, 1}) {
    Builder b(1);
    int x = b.input({2, 3});
    Attrs a;
    a.set("axis", axis);
    b.output(b.node(OpKind::Softmax, {x}, a));
    auto y = values(run_float(b.g, {make_array({2, 3}, {1, 2, 3, 0, 0, -1})}).at(0));
    if (axis == 1) expect_near(y, {0.0900306f, 0.2447285f, 0.6652410f, 0.4223188f, 0.4223188f, 0.1553624f});
    else expect_near(y, {0.7310586f, 0.8807971f, 0.9820138f, 0.2689414f, 0.1192029f, 0.0179862f});
  }
}

TEST(RunFloat, BroadcastingBinaryOps) {
  Builder b(1);
  int x = b.input({2, 3, 1});
  int c = b.g.add_const_f32("c", {2}, {10, 20});
  int add = b.node(OpKind::Add, {x, c});
  int sub = b.node(OpKind::Sub, {c, x});
  Attrs clamp;
  clamp.set("act_max", 30.0f);
  int mul = b.node(OpKind::Mul, {x, c}, clamp);
  for (int o : {add, sub, mul}) b.output(o);
  auto r = run_float(b.g, {make_array({2, 3, 1}, {1, 2, 3, 4, 5, 6})});
  EXPECT_EQ(r[0].shape, (Shape{2, 3, 2}));
  expect_near(values(r[0]), {11, 21, 12, 22, 13, 23, 14, 24, 15, 25, 16, 26});
  expect_near(values(r[1]), {9, 19, 8, 18, 7, 17, 6, 16, 5, 15, 4, 14});
  expect_near(values(r[2]), {10, 20, 20, 30, 30, 30, 30, 30, 30, 30, 30, 30});
}

TEST(RunFloat, FullyConnectedAndBatchNorm) {
  Builder b(1);
  int x = b.input({2, 3});
  int w = b.g.add_const_f32("w", {2, 3}, {1, 0, -1, 2, 1, 0});
  int bias = b.g.add_const_f32("b", {2}, {0.5f, -1});
  int y = b.node(OpKind::FullyConnected, {x, w, bias});
  // (v - mean) / sqrt(var + eps) * scale + bias with var + eps = 4.
  Attrs a;
  a.set("epsilon", 0.0f);
  int sc = b.g.add_const_f32("s", {2}, {2, 1}), bb = b.g.add_const_f32("bb", {2}, {0, 1});
  int mu = b.g.add_const_f32("m", {2}, {1, 0}), var = b.g.add_const_f32("v", {2}, {4, 4});
  b.output(b.node(OpKind::BatchNorm, {y, sc, bb, mu, var}, a));
  auto r = values(run_float(b.g, {make_array({2, 3}, {1, 2, 3, -1, 0, 2})}).at(0));
  // FC: [1-3+0.5, 2+2-1] = [-1.5, 3]; [-1-2+0.5, -2+0-1] = [-2.5, -3]
  expect_near(r, {(-1.5f - 1) / 2 * 2, 3.0f / 2 + 1, (-2.5f - 1) / 2 * 2, -3.0f / 2 + 1});
}

TEST(RunFloat, BatchNormChannelAxisFollowsLayout) {
  for (Layout l : {Layout::NCHW, Layout::NHWC}) {
    Builder b(1, l);
    int x = b.input({1, 2, 2, 2});
    Attrs a;
    a.set("epsilon", 0.0f);
    int one = b.g.add_const_f32("one", {2}, {1, 1}), zero = b.g.add_const_f32("zero", {2}, {0, 0});
    int sc = b.g.add_const_f32("s", {2}, {1, 10});
    b.output(b.node(OpKind::BatchNorm, {x, sc, zero, zero, one}, a));
    auto r = values(run_float(b.g, {make_array({1, 2, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1})}).at(0));
    if (l == Layout::NCHW) expect_near(r, {1, 1, 1, 1, 10, 10, 10, 10});
    else expect_near(r, {1, 10, 1, 10, 1, 10, 1, 10});
  }
}

TEST(RunFloat, UnaryOps) {
  std::vector<float> in = {-4, -1, 0, 0.5f, 3};
  auto run = [&](OpKind op, Attrs a = {}) {
    Builder b(1);
    int x = b.input({5});
    b.output(b.node(op, {x}, a));
    return values(run_float(b.g, {make_array({5}, in)}).at(0));
  };
  expect_near(run(OpKind::Relu), {0, 0, 0, 0.5f, 3});
  Attrs clip;
  clip.set("min", -1.5f);
  clip.set("max", 1.0f);
  expect_near(run(OpKind::Clip, clip), {-1.5f, -1, 0, 0.5f, 1});
  Attrs leaky;
  leaky.set("alpha", 0.1f);
  expect_near(run(OpKind::LeakyRelu, leaky), {-0.4f, -0.1f, 0, 0.5f, 3});
  expect_near(run(OpKind::Sigmoid), {0.0179862f, 0.2689414f, 0.5f, 0.6224593f, 0.9525741f});
  expect_near(run(OpKind::Tanh), {-0.9993293f, -0.7615942f, 0, 0.4621172f, 0.9950548f});
  expect_near(run(OpKind::HardSigmoid), {0, 0.3f, 0.5f, 0.6f, 1});
  expect_near(run(OpKind::HardSwish), {0, -1.0f / 3, 0, 0.5f * 3.5f / 6, 3});
}

TEST(RunFloat, DataMovementOps) {
  Builder b(1);
  int x = b.input({2, 3});
  Attrs tp;
  tp.set("perm", std::vector<int64_t>{1, 0});
  int t = b.node(OpKind::Transpose, {x}, tp);
  Attrs pad;
  pad.set("pads", std::vector<int64_t>{0, 1, 1, 0});
  pad.set("value", -1.0f);
  int p = b.node(OpKind::Pad, {x}, pad);
  Attrs cat;
  cat.set("axis", int64_t(1));
  int c = b.node(OpKind::Concat, {x, b.g.add_const_f32("k", {2, 1}, {7, 8}), x}, cat);
  Attrs rm;
  rm.set("axes", std::vector<int64_t>{1});
  rm.set("keepdims", int64_t(0));
  int m = b.node(OpKind::ReduceMean, {x}, rm);
  int r = b.reshape(x, {3, 2});
  for (int o : {t, p, c, m, r}) b.output(o);
  auto out = run_float(b.g, {make_array({2, 3}, {1, 2, 3, 4, 5, 6})});
  expect_near(values(out[0]), {1, 4, 2, 5, 3, 6});
  EXPECT_EQ(out[1].shape, (Shape{3, 4}));
  expect_near(values(out[1]), {-1, 1, 2, 3, -1, 4, 5, 6, -1, -1, -1, -1});
  expect_near(values(out[2]), {1, 2, 3, 7, 1, 2, 3, 4, 5, 6, 8, 4, 5, 6});
  expect_near(values(out[3]), {2, 5});
  expect_near(values(out[4]), {1, 2, 3, 4, 5, 6});
}

TEST(RunFloat, ReduceMeanSeveralAxesKeepdims) {
  Builder b(1);
  int x = b.input({1, 2, 2, 2});
  Attrs rm;
  rm.set("axes", std::vector<int64_t>{2, 3});
  rm.set("keepdims", int64_t(1));
  b.output(b.node(OpKind::ReduceMean, {x}, rm));
  auto out = run_float(b.g, {make_array({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40})}).at(0);
  EXPECT_EQ(out.shape, (Shape{1, 2, 1, 1}));
  expect_near(values(out), {2.5f, 25});
}

// The same grouped, dilated, strided, padded conv in both layouts gives the same numbers.
TEST(RunFloat, ConvLayoutsAgree) {
  Builder nchw(11, Layout::NCHW);
  int x = nchw.input({2, 6, 9, 8});
  int y = nchw.conv(x, 4, 3, 2, 2, 2, true, 2);
  nchw.output(y);
  const Node& n = nchw.g.nodes[0];
  Builder nhwc(11, Layout::NHWC);
  int xh = nhwc.input({2, 9, 8, 6});
  const Tensor& w = nchw.g.t(n.in(1));
  int wh = nhwc.g.add_const_f32("w", {4, 3, 3, 3}, transpose4(w.values<float>(), w.shape, {0, 2, 3, 1}));
  int bh = nhwc.g.add_const_f32("b", {4}, nchw.g.t(n.in(2)).values<float>());
  nhwc.output(nhwc.node(OpKind::Conv, {xh, wh, bh}, n.attrs));
  std::mt19937 rng(5);
  std::vector<float> data = randv(rng, 2 * 6 * 9 * 8);
  auto a = values(run_float(nchw.g, {make_array({2, 6, 9, 8}, data)}).at(0));
  auto bo = run_float(nhwc.g, {make_array({2, 9, 8, 6}, transpose4(data, {2, 6, 9, 8}, {0, 2, 3, 1}))}).at(0);
  EXPECT_EQ(nchw.g.t(y).shape, (Shape{2, 4, 5, 4}));
  EXPECT_LE(rel_diff(a, transpose4(values(bo), bo.shape, {0, 3, 1, 2})), 1e-6);
}

TEST(RunFloat, ObserverSeesEveryNode) {
  Builder b(3);
  int x = b.input({1, 4});
  int h = b.unary(OpKind::Relu, b.fc(x, 3));
  b.output(b.unary(OpKind::Sigmoid, h));
  std::vector<int> seen;
  std::vector<Shape> shapes;
  run_float(b.g, random_inputs(b.g, 1), [&](int node, const Array& a) {
    seen.push_back(node);
    shapes.push_back(a.shape);
    if (node == 1)
      for (int64_t i = 0; i < a.numel(); ++i) EXPECT_GE(a.as<float>()[i], 0.0f);
  });
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(shapes[2], (Shape{1, 3}));
}

TEST(RunFloat, RejectsWrongInputs) {
  Builder b(3);
  int x = b.input({1, 4});
  b.output(b.unary(OpKind::Relu, x));
  EXPECT_THROW(run_float(b.g, {}), Error);
  EXPECT_THROW(run_float(b.g, {make_array({1, 5}, {1, 2, 3, 4, 5})}), Error);
}

}  // namespace
}  // namespace mote::test
