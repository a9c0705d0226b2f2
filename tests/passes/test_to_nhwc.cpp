#include "pass_test_util.h"

namespace mote::test {
namespace {

// 4-D activations of `g` not stored NHWC.
int non_nhwc(const Graph& g) {
  int n = 0;
  for (const Tensor& t : g.tensors) n += !t.is_const() && t.shape.size() == 4 && t.layout != Layout::NHWC;
  return n;
}

Attrs ints(const std::string& k, std::vector<int64_t> v) {
  Attrs a;
  a.set(k, std::move(v));
  return a;
}

Attrs pool(int64_t k, int64_t s, int64_t p) {
  Attrs a = ints("kernel", {k, k});
  a.set("strides", std::vector<int64_t>{s, s});
  a.set("pads", std::vector<int64_t>{p, p, p, p});
  return a;
}

Graph convert(const Graph& g) {
  Graph after = check_pass(g, "to_nhwc", to_nhwc);
  // Converting twice changes nothing.
  Graph again = after;
  run_pass(again, "to_nhwc again", to_nhwc);
  EXPECT_EQ(again.nodes.size(), after.nodes.size());
  EXPECT_EQ(count_op(again, OpKind::Transpose), count_op(after, OpKind::Transpose));
  return after;
}

TEST(ToNhwc, ConvPoolBroadcastSoftmax) {
  Builder b(61);
  int x = b.input({2, 3, 9, 8});
  int y = b.unary(OpKind::Relu, b.bn(b.conv(x, 8, 3, 1, 1)));
  y = b.node(OpKind::MaxPool, {y}, pool(3, 2, 1));
  y = b.conv(y, 8, 3, 1, 2, 8, true, 2);  // depthwise, dilated
  y = b.node(OpKind::AvgPool, {y}, pool(2, 1, 1));
  y = b.node(OpKind::Add, {y, b.cst({8, 1, 1})});
  y = b.node(OpKind::Mul, {b.cst({1, 8, 1, 1}), y});
  y = b.node(OpKind::Sub, {y, b.cst({1})});
  y = b.node(OpKind::Sub, {y, b.cst({5})});  // broadcasts along W
  Attrs sm;
  sm.set("axis", int64_t(1));
  b.output(b.node(OpKind::Softmax, {y}, sm));
  Graph after = convert(b.g);
  EXPECT_EQ(non_nhwc(after), 0);
  EXPECT_EQ(count_op(after, OpKind::Transpose), 0);
  EXPECT_EQ(count_op(after, OpKind::Reshape), 0);
  EXPECT_EQ(after.t(after.inputs[0]).shape, (Shape{2, 9, 8, 3}));
  EXPECT_EQ(after.t(after.nodes[0].in(1)).shape, (Shape{8, 3, 3, 3})) << "weights OHWI";
  EXPECT_EQ(after.nodes.back().attrs.i("axis", -1), 3);
}

TEST(ToNhwc, ConcatPadTransposeReduceMean) {
  Builder b(62);
  int x = b.input({1, 4, 6, 5});
  Attrs cat;
  cat.set("axis", int64_t(1));
  int c = b.node(OpKind::Concat, {x, b.cst({1, 2, 6, 5}), b.unary(OpKind::Tanh, x)}, cat);
  Attrs pad = ints("pads", {0, 1, 2, 0, 0, 0, 1, 3});
  pad.set("value", 0.25f);
  int p = b.node(OpKind::Pad, {c}, pad);                                    // [1,11,9,8]
  int t = b.node(OpKind::Transpose, {p}, ints("perm", {0, 1, 3, 2}));       // swap H and W: [1,11,8,9]
  int s = b.conv(t, 6, 3, 2, 1);                                            // [1,6,4,5]
  Attrs keep = ints("axes", {2, 3});
  keep.set("keepdims", int64_t(1));
  int se = b.node(OpKind::Mul, {s, b.unary(OpKind::Sigmoid, b.node(OpKind::ReduceMean, {s}, keep))});
  Attrs drop_c = ints("axes", {1});
  drop_c.set("keepdims", int64_t(0));
  Attrs drop_h = ints("axes", {2});
  drop_h.set("keepdims", int64_t(0));
  b.output(se);
  b.output(b.node(OpKind::ReduceMean, {se}, drop_c));                         // [1,4,5]
  b.output(b.node(OpKind::ReduceMean, {se}, drop_h));                         // [1,6,5]: needs reorder
  b.output(b.node(OpKind::Transpose, {se}, ints("perm", {0, 2, 3, 1})));    // to NHWC by hand
  Graph after = convert(b.g);
  EXPECT_EQ(non_nhwc(after), 0);
  EXPECT_EQ(after.t(after.outputs[2]).shape, (Shape{1, 6, 5}));
  EXPECT_EQ(count_op(after, OpKind::Transpose), 3) << "H/W swap, the reorder after ReduceMean, the output transpose";
}

TEST(ToNhwc, FlattenIntoFullyConnectedPermutesWeights) {
  Builder b(63);
  int x = b.input({2, 3, 6, 6});
  int f = b.reshape(b.conv(x, 4, 3, 2, 1), {2, 36});
  b.output(b.fc(f, 5));
  b.output(b.unary(OpKind::Relu, b.fc(f, 3)));
  Graph after = convert(b.g);
  EXPECT_EQ(non_nhwc(after), 0);
  EXPECT_EQ(count_op(after, OpKind::Transpose), 0);
}

TEST(ToNhwc, FlattenElsewhereGetsTranspose) {
  Builder b(64);
  int x = b.input({1, 3, 4, 4});
  int f = b.reshape(b.conv(x, 4, 3, 1, 1), {1, 64});
  b.output(b.unary(OpKind::Relu, f));
  b.output(b.fc(f, 3));
  Graph after = convert(b.g);
  EXPECT_EQ(count_op(after, OpKind::Transpose), 1);
}

// [N,C,1,1] -> [N,C] keeps its element order in NHWC: a plain Reshape.
TEST(ToNhwc, GlobalPoolFlattenIsAReshape) {
  Builder b(65);
  int x = b.input({2, 3, 5, 5});
  int p = b.node(OpKind::AvgPool, {b.conv(x, 6, 1)}, pool(5, 1, 0));
  b.output(b.unary(OpKind::Relu, b.reshape(p, {2, 6})));
  Graph after = convert(b.g);
  EXPECT_EQ(count_op(after, OpKind::Transpose), 0);
  EXPECT_EQ(non_nhwc(after), 0);
}

TEST(ToNhwc, UnflattenAfterFullyConnectedPermutesRows) {
  for (bool bias : {true, false}) {
    Builder b(66);
    int x = b.input({2, 10});
    int h = b.unary(OpKind::LeakyRelu, b.unary(OpKind::Relu, b.fc(x, 72, bias)));
    int u = b.reshape(h, {2, 8, 3, 3});
    b.output(b.conv(u, 4, 3, 1, 1));
    Graph after = convert(b.g);
    EXPECT_EQ(count_op(after, OpKind::Transpose), 0);
    EXPECT_EQ(non_nhwc(after), 0);
  }
}

// The autoencoder pattern: [N,K,1,1] from a 1x1 Conv reshaped to [N,C,H,W].
TEST(ToNhwc, UnflattenAfterPointwiseConvPermutesChannels) {
  Builder b(69);
  int x = b.input({2, 16, 1, 1});
  int u = b.reshape(b.unary(OpKind::Relu, b.conv(x, 72, 1)), {2, 8, 3, 3});
  b.output(b.conv(u, 4, 3, 1, 1));
  Graph after = convert(b.g);
  EXPECT_EQ(count_op(after, OpKind::Transpose), 0);
  EXPECT_EQ(non_nhwc(after), 0);
}

TEST(ToNhwc, UnflattenOfAnInputGetsTranspose) {
  Builder b(67);
  int x = b.input({2, 72});
  int u = b.reshape(x, {2, 8, 3, 3});
  b.output(b.conv(u, 4, 3, 1, 1));
  b.output(b.reshape(b.unary(OpKind::Tanh, u), {2, 4, 18, 1}));  // 4-D to 4-D
  Graph after = convert(b.g);
  EXPECT_GE(count_op(after, OpKind::Transpose), 1);
}

// Ops without a layout-aware rewrite run on a logical-order copy.
TEST(ToNhwc, FullyConnectedOnFourDimsAndLowRankOperands) {
  Builder b(68);
  int x = b.input({1, 2, 3, 4});
  int f = b.fc(x, 5);                             // over W
  int hw = b.input({3, 5});
  int s = b.node(OpKind::Add, {f, hw});           // activation broadcast along H, W
  int c = b.input({2, 1, 1});
  b.output(b.node(OpKind::Mul, {c, s}));          // along C
  Graph after = convert(b.g);
  EXPECT_EQ(after.t(after.outputs[0]).shape, (Shape{1, 3, 5, 2}));
}

}  // namespace
}  // namespace mote::test
