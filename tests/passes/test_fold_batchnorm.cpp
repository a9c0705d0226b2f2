#include "pass_test_util.h"

namespace mote::test {
namespace {

TEST(FoldBatchNorm, IntoConvWithAndWithoutBias) {
  for (Layout l : {Layout::NCHW, Layout::NHWC})
    for (bool bias : {true, false}) {
      Builder b(21, l);
      Shape in = l == Layout::NHWC ? Shape{2, 7, 6, 4} : Shape{2, 4, 7, 6};
      int x = b.input(in);
      int y = b.bn(b.conv(x, 8, 3, 1, 1, 1, bias));
      b.output(b.unary(OpKind::Relu, b.bn(b.conv(y, 8, 3, 2, 1, 4, true))));  // grouped
      Graph after = check_pass(b.g, "fold_batchnorm", fold_batchnorm);
      EXPECT_EQ(count_op(after, OpKind::BatchNorm), 0);
      EXPECT_EQ(count_op(after, OpKind::Mul), 0);
      EXPECT_EQ(count_op(after, OpKind::Conv), 2);
      EXPECT_EQ(after.nodes[0].inputs.size(), 3u) << "the fold adds a bias";
    }
}

TEST(FoldBatchNorm, IntoFullyConnected) {
  Builder b(22);
  int x = b.input({3, 10});
  b.output(b.bn(b.fc(x, 5)));
  Graph after = check_pass(b.g, "fold_batchnorm", fold_batchnorm);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].op, OpKind::FullyConnected);
  EXPECT_EQ(after.t(after.outputs[0]).name, b.g.t(b.g.outputs[0]).name) << "output keeps its name";
}

// Shared weights: the folded conv gets its own copy, the other conv keeps the original.
TEST(FoldBatchNorm, SharedWeightsAreCopied) {
  Builder b(23);
  int x = b.input({1, 3, 5, 5});
  int c1 = b.conv(x, 4, 3, 1, 1);
  int w = b.g.nodes[0].in(1), bias = b.g.nodes[0].in(2);
  Attrs a = b.g.nodes[0].attrs;
  int c2 = b.node(OpKind::Conv, {x, w, bias}, a);
  b.output(b.node(OpKind::Add, {b.bn(c1), c2}));
  Graph after = check_pass(b.g, "fold_batchnorm", fold_batchnorm);
  EXPECT_EQ(count_op(after, OpKind::BatchNorm), 0);
  EXPECT_NE(after.nodes[0].in(1), after.nodes[1].in(1));
}

// Not foldable: the conv output has a second reader, the conv has a fused clamp, the producer is
// not a Conv/FC, or the input is a graph input. Each becomes Mul + Add.
TEST(FoldBatchNorm, OtherwiseMulAdd) {
  for (Layout l : {Layout::NCHW, Layout::NHWC}) {
    Builder b(24, l);
    Shape in = l == Layout::NHWC ? Shape{1, 6, 6, 3} : Shape{1, 3, 6, 6};
    int x = b.input(in);
    int first = b.bn(x);
    int c = b.conv(first, 4, 3, 1, 1);
    int shared = b.bn(c);
    int sum = b.node(OpKind::Add, {shared, c});
    int relu = b.bn(b.unary(OpKind::Relu, sum));
    int clamped = b.conv(relu, 4, 1);
    b.g.nodes.back().attrs.set("act_max", 0.5f);
    b.output(b.bn(clamped));
    Graph after = check_pass(b.g, "fold_batchnorm", fold_batchnorm);
    EXPECT_EQ(count_op(after, OpKind::BatchNorm), 0);
    EXPECT_EQ(count_op(after, OpKind::Mul), 4);
    // The constants broadcast on the channel axis.
    for (const Node& n : after.nodes) {
      if (n.op != OpKind::Mul) continue;
      const Shape& xs = after.t(n.in(0)).shape;
      int64_t ch = l == Layout::NHWC ? xs[3] : xs[1];
      EXPECT_EQ(after.t(n.in(1)).shape, (l == Layout::NHWC ? Shape{ch} : Shape{ch, 1, 1}));
    }
  }
}

TEST(FoldBatchNorm, RankTwoAndThreeInputs) {
  Builder b(25);
  int x = b.input({2, 4});
  int y = b.input({2, 3, 5});
  b.output(b.bn(x));
  b.output(b.bn(y));
  Graph after = check_pass(b.g, "fold_batchnorm", fold_batchnorm);
  EXPECT_EQ(count_op(after, OpKind::BatchNorm), 0);
  EXPECT_EQ(after.t(after.nodes[0].in(1)).shape, (Shape{4}));
  EXPECT_EQ(after.t(after.nodes[2].in(1)).shape, (Shape{3, 1}));
}

}  // namespace
}  // namespace mote::test
