#include "pass_test_util.h"

namespace mote::test {
namespace {

TEST(FoldConstants, ChainsOfConstantNodesBecomeConstants) {
  Builder b(31);
  int x = b.input({2, 4});
  Attrs tp;
  tp.set("perm", std::vector<int64_t>{1, 0});
  int wt = b.cst({4, 3});
  int w = b.node(OpKind::Transpose, {wt}, tp);
  int bias = b.node(OpKind::Add, {b.cst({3}), b.cst({3})});
  int y = b.node(OpKind::FullyConnected, {x, w, bias});
  int gate = b.unary(OpKind::Sigmoid, b.node(OpKind::Mul, {bias, b.cst({1})}));
  b.output(b.node(OpKind::Mul, {y, gate}));
  Graph after = check_pass(b.g, "fold_constants", fold_constants);
  ASSERT_EQ(after.nodes.size(), 2u);
  EXPECT_EQ(after.nodes[0].op, OpKind::FullyConnected);
  EXPECT_EQ(after.nodes[1].op, OpKind::Mul);
  const Tensor& fw = after.t(after.nodes[0].in(1));
  ASSERT_TRUE(fw.is_const());
  EXPECT_EQ(fw.shape, (Shape{3, 4}));
  std::vector<float> src = b.g.t(wt).values<float>(), got = fw.values<float>();
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) EXPECT_EQ(got[size_t(r * 4 + c)], src[size_t(c * 3 + r)]);
  EXPECT_TRUE(after.t(after.nodes[1].in(1)).is_const());
}

// A constant node that is a graph output stays a node; nodes reading activations stay.
TEST(FoldConstants, KeepsGraphOutputsAndActivations) {
  Builder b(32);
  int x = b.input({3});
  int k = b.unary(OpKind::Tanh, b.cst({3}));
  b.output(b.node(OpKind::Add, {x, k}));
  b.output(b.unary(OpKind::Relu, b.cst({3})));
  Graph after = check_pass(b.g, "fold_constants", fold_constants);
  ASSERT_EQ(after.nodes.size(), 2u);
  EXPECT_EQ(after.nodes[0].op, OpKind::Add);
  EXPECT_EQ(after.nodes[1].op, OpKind::Relu);
}

}  // namespace
}  // namespace mote::test
