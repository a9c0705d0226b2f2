#include "pass_test_util.h"

namespace mote::test {
namespace {

TEST(RemoveNoops, DropsCopiesAndCollapsesReshapes) {
  Builder b(51);
  int x = b.input({1, 2, 3, 4});
  int i = b.unary(OpKind::Identity, b.unary(OpKind::Relu, x));
  int r = b.reshape(b.reshape(b.reshape(i, {1, 24}), {4, 6}), {1, 2, 3, 4});  // back to the same shape
  Attrs tp;
  tp.set("perm", std::vector<int64_t>{0, 1, 2, 3});
  int t = b.node(OpKind::Transpose, {r}, tp);
  Attrs pad;
  pad.set("pads", std::vector<int64_t>(8, 0));
  int p = b.node(OpKind::Pad, {t}, pad);
  Attrs cat;
  cat.set("axis", int64_t(1));
  int c = b.node(OpKind::Concat, {p}, cat);
  int s = b.reshape(b.reshape(b.unary(OpKind::Sigmoid, c), {2, 12}), {6, 4});
  b.output(b.unary(OpKind::Identity, s));
  Graph after = check_pass(b.g, "remove_noops", remove_noops);
  ASSERT_EQ(after.nodes.size(), 3u);
  EXPECT_EQ(after.nodes[0].op, OpKind::Relu);
  EXPECT_EQ(after.nodes[1].op, OpKind::Sigmoid);
  EXPECT_EQ(after.nodes[2].op, OpKind::Reshape);
  EXPECT_EQ(after.nodes[2].in(0), after.nodes[1].out());
  EXPECT_EQ(after.t(after.outputs[0]).name, b.g.t(b.g.outputs[0]).name);
}

// An Identity from a graph input (or to a second graph output) straight to a graph output stays:
// outputs must be distinct produced tensors.
TEST(RemoveNoops, KeepsCopiesThatAreTheOnlyProducerOfAnOutput) {
  Builder b(52);
  int x = b.input({3});
  int y = b.unary(OpKind::Tanh, x);
  b.output(b.unary(OpKind::Identity, x));
  b.output(y);
  b.output(b.unary(OpKind::Identity, y));
  Graph after = check_pass(b.g, "remove_noops", remove_noops);
  EXPECT_EQ(count_op(after, OpKind::Identity), 2);
  EXPECT_NE(after.outputs[1], after.outputs[2]);
}

TEST(RemoveNoops, KeepsRealReshapesAndTransposes) {
  Builder b(53);
  int x = b.input({2, 3});
  Attrs tp;
  tp.set("perm", std::vector<int64_t>{1, 0});
  b.output(b.reshape(b.node(OpKind::Transpose, {x}, tp), {6}));
  Graph after = check_pass(b.g, "remove_noops", remove_noops);
  EXPECT_EQ(after.nodes.size(), 2u);
}

}  // namespace
}  // namespace mote::test
