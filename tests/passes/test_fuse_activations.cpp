#include "pass_test_util.h"

namespace mote::test {
namespace {

Attrs clip(float lo, float hi) {
  Attrs a;
  a.set("min", lo);
  a.set("max", hi);
  return a;
}

TEST(FuseActivations, IntoEveryFusableProducer) {
  Builder b(41);
  int x = b.input({1, 3, 6, 6});
  int c = b.unary(OpKind::Relu, b.conv(x, 4, 3, 1, 1));
  int s = b.node(OpKind::Clip, {b.node(OpKind::Add, {c, b.cst({4, 1, 1})})}, clip(-0.2f, 0.3f));
  int d = b.unary(OpKind::Relu, b.node(OpKind::Sub, {s, b.cst({1})}));
  int m = b.node(OpKind::Clip, {b.node(OpKind::Mul, {d, b.cst({4, 1, 1}, 0.5f, 4.0f)})}, clip(0.0f, 0.25f));
  int f = b.reshape(m, {1, 144});
  b.output(b.node(OpKind::Clip, {b.unary(OpKind::Relu, b.fc(f, 5))}, clip(-1.0f, 0.2f)));
  Graph after = check_pass(b.g, "fuse_activations", fuse_activations);
  EXPECT_EQ(count_op(after, OpKind::Relu), 0);
  EXPECT_EQ(count_op(after, OpKind::Clip), 0);
  EXPECT_EQ(after.nodes.size(), 6u);
  const Node& fc = after.nodes.back();
  EXPECT_EQ(fc.attrs.f("act_min", kNoMin), 0.0f) << "Relu then Clip(-1, 0.2) is Clip(0, 0.2)";
  EXPECT_EQ(fc.attrs.f("act_max", kNoMax), 0.2f);
  EXPECT_EQ(after.t(after.outputs[0]).name, b.g.t(b.g.outputs[0]).name);
  EXPECT_EQ(after.nodes[1].attrs.f("act_min", kNoMin), -0.2f);
  EXPECT_EQ(after.nodes[1].attrs.f("act_max", kNoMax), 0.3f);
}

// clamp(clamp(v, 0, 6), 7, 8) is the constant 7.
TEST(FuseActivations, DisjointRangesCompose) {
  Builder b(42);
  int x = b.input({2, 5});
  int y = b.node(OpKind::Clip, {b.fc(x, 4)}, clip(0.0f, 6.0f));
  b.output(b.node(OpKind::Clip, {y}, clip(7.0f, 8.0f)));
  Graph after = check_pass(b.g, "fuse_activations", fuse_activations);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].attrs.f("act_min", 0), 7.0f);
  EXPECT_EQ(after.nodes[0].attrs.f("act_max", 0), 7.0f);
}

TEST(FuseActivations, NotWhenTheProducerOutputIsSharedOrAnOutput) {
  Builder b(43);
  int x = b.input({1, 3, 5, 5});
  int c = b.conv(x, 4, 3, 1, 1);
  int r = b.unary(OpKind::Relu, c);
  int sum = b.node(OpKind::Add, {r, c});  // c has a second reader
  int out1 = b.conv(sum, 2, 1);
  b.output(out1);  // a graph output feeding a Relu
  b.output(b.unary(OpKind::Relu, out1));
  b.output(b.unary(OpKind::Relu, b.unary(OpKind::Tanh, x)));  // Tanh does not fuse
  Graph after = check_pass(b.g, "fuse_activations", fuse_activations);
  EXPECT_EQ(count_op(after, OpKind::Relu), 3);
}

}  // namespace
}  // namespace mote::test

namespace mote::test {
namespace {

TEST(FuseActivations, PerChannelConstantAddJoinsTheBias) {
  for (Layout l : {Layout::NCHW, Layout::NHWC}) {
    Builder b(44, l);
    Shape in = l == Layout::NHWC ? Shape{1, 5, 5, 3} : Shape{1, 3, 5, 5};
    Shape per_c = l == Layout::NHWC ? Shape{4} : Shape{4, 1, 1};
    int x = b.input(in);
    int y = b.node(OpKind::Sub, {b.conv(x, 4, 3, 1, 1, 1, false), b.cst(per_c)});
    y = b.unary(OpKind::Relu, b.node(OpKind::Add, {b.cst({1}), y}));
    b.output(b.node(OpKind::Add, {b.conv(y, 4, 1), b.cst(per_c)}));
    Graph after = check_pass(b.g, "fuse_activations", fuse_activations);
    ASSERT_EQ(after.nodes.size(), 2u);
    EXPECT_EQ(after.nodes[0].inputs.size(), 3u);
    EXPECT_EQ(after.nodes[0].attrs.f("act_min", kNoMin), 0.0f);
  }
}

TEST(FuseActivations, MatMulPlusBiasIsOneFullyConnected) {
  Builder b(45);
  int x = b.input({3, 6});
  b.output(b.unary(OpKind::Relu, b.node(OpKind::Add, {b.fc(x, 5, false), b.cst({5})})));
  Graph after = check_pass(b.g, "fuse_activations", fuse_activations);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].op, OpKind::FullyConnected);
}

// Constants that vary along a non-channel axis, that broadcast the output, or that follow a
// clamped producer stay separate nodes.
TEST(FuseActivations, BiasOnlyWhenPerChannel) {
  Builder b(46);
  int x = b.input({1, 3, 5, 5});
  int a = b.node(OpKind::Add, {b.conv(x, 4, 3, 1, 1), b.cst({5, 1})});
  int c = b.conv(a, 4, 1);
  b.g.nodes.back().attrs.set("act_min", 0.0f);
  int d = b.node(OpKind::Add, {c, b.cst({4, 1, 1})});
  int e = b.node(OpKind::Add, {b.fc(b.input({1, 4}), 3), b.cst({2, 3})});
  b.output(d);
  b.output(e);
  Graph after = check_pass(b.g, "fuse_activations", fuse_activations);
  EXPECT_EQ(count_op(after, OpKind::Add), 3);
}

}  // namespace
}  // namespace mote::test
