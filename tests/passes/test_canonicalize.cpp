#include "pass_test_util.h"

namespace mote::test {
namespace {

// Conv-BN-ReLU, pool, residual block, flatten, MatMul + bias, softmax: the whole pipeline leaves
// one kernel per layer, all 4-D activations NHWC, and the same function.
TEST(Canonicalize, SmallResidualNetwork) {
  Builder b(71);
  int x = b.input({2, 3, 8, 8});
  int y = b.unary(OpKind::Relu, b.bn(b.conv(x, 6, 3, 1, 1, 1, false)));
  Attrs mp;
  mp.set("kernel", std::vector<int64_t>{2, 2});
  mp.set("strides", std::vector<int64_t>{2, 2});
  y = b.node(OpKind::MaxPool, {y}, mp);
  int r = b.unary(OpKind::Identity, b.bn(b.conv(b.unary(OpKind::Relu, b.conv(y, 6, 3, 1, 1)), 6, 3, 1, 1)));
  Attrs clip;
  clip.set("min", 0.0f);
  clip.set("max", 6.0f);
  y = b.node(OpKind::Clip, {b.node(OpKind::Add, {y, r})}, clip);
  y = b.reshape(b.reshape(y, {2, 6, 16}), {2, 96});
  y = b.node(OpKind::Add, {b.fc(y, 10, false), b.cst({10})});
  Attrs sm;
  sm.set("axis", int64_t(1));
  b.output(b.node(OpKind::Softmax, {y}, sm));
  Graph c = check_pass(b.g, "canonicalize", canonicalize);
  std::vector<OpKind> ops;
  for (const Node& n : c.nodes) ops.push_back(n.op);
  EXPECT_EQ(ops, (std::vector<OpKind>{OpKind::Conv, OpKind::MaxPool, OpKind::Conv, OpKind::Conv, OpKind::Add,
                                      OpKind::Reshape, OpKind::FullyConnected, OpKind::Softmax}));
  EXPECT_EQ(c.nodes[4].attrs.f("act_max", 0), 6.0f);
  for (const Tensor& t : c.tensors)
    if (!t.is_const() && t.shape.size() == 4) EXPECT_EQ(t.layout, Layout::NHWC) << t.name;
}

TEST(Canonicalize, ReportsTheFailingStage) {
  Builder b(72);
  int x = b.input({1, 4});
  b.output(b.unary(OpKind::Relu, x));
  b.g.t(b.g.outputs[0]).shape = {1, 5};
  try {
    canonicalize(b.g);
    FAIL() << "a wrong stored shape must not pass";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("after import"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mote::test
