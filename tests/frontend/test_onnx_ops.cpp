// Per-op import: each supported ONNX op becomes the right IR op with the right attributes,
// constants and shapes. Models are built in code with the ONNX protobuf API.
#include <cmath>

#include "ir/op_registry.h"
#include "ir/verify.h"
#include "onnx_builder.h"

namespace mote::test {
namespace {

using V = std::vector<int64_t>;
using TP = onnx::TensorProto;

int count_op(const Graph& g, OpKind op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op;
  return n;
}

TEST(OnnxOps, ConvExplicitPadsStridesBias) {
  ModelBuilder b;
  b.input("x", {1, 3, 9, 9}).output("y");
  b.init_f("w", {8, 3, 3, 3}, iota_f(8 * 27));
  b.init_f("bias", {8}, iota_f(8));
  auto& n = b.node("Conv", {"x", "w", "bias"}, {"y"}, "conv1");
  set_attr(n, "strides", V{2, 2});
  set_attr(n, "pads", V{1, 0, 1, 2});
  set_attr(n, "kernel_shape", V{3, 3});
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& c = g.nodes[0];
  EXPECT_EQ(c.op, OpKind::Conv);
  EXPECT_EQ(c.name, "conv1");
  EXPECT_EQ(c.attrs.ints("strides"), (V{2, 2}));
  EXPECT_EQ(c.attrs.ints("dilations"), (V{1, 1}));
  EXPECT_EQ(c.attrs.ints("pads"), (V{1, 0, 1, 2}));
  EXPECT_EQ(c.attrs.i("group", 0), 1);
  ASSERT_EQ(c.inputs.size(), 3u);
  const Tensor& w = g.t(c.in(1));
  EXPECT_EQ(w.name, "w");
  EXPECT_EQ(w.shape, (Shape{8, 3, 3, 3}));
  EXPECT_EQ(w.values<float>()[100], 100.0f);
  EXPECT_EQ(g.t(c.in(2)).values<float>()[7], 7.0f);
  // H: (9 + 2 - 3) / 2 + 1 = 5; W: (9 + 2 - 3) / 2 + 1 = 5
  EXPECT_EQ(g.t(c.out()).shape, (Shape{1, 8, 5, 5}));
  EXPECT_EQ(g.t(c.out()).layout, Layout::NCHW);
  EXPECT_EQ(g.t(g.inputs[0]).layout, Layout::NCHW);
  EXPECT_EQ(g.t(g.outputs[0]).name, "y");
}

TEST(OnnxOps, ConvAutoPadResolvedToExplicitPads) {
  struct Case {
    const char* mode;
    V pads;
    Shape out;
  };
  // 8x8 input, 4x4 kernel, stride 3: SAME out = ceil(8/3) = 3, total pad = 2*3 + 4 - 8 = 2.
  // Width uses stride 1 and kernel 2: total pad 1, odd, so UPPER and LOWER differ.
  for (const Case& k : {Case{"SAME_UPPER", {1, 0, 1, 1}, {1, 2, 3, 8}}, Case{"SAME_LOWER", {1, 1, 1, 0}, {1, 2, 3, 8}},
                        Case{"VALID", {0, 0, 0, 0}, {1, 2, 2, 7}}}) {
    ModelBuilder b(11);
    b.input("x", {1, 1, 8, 8}).output("y");
    b.init_f("w", {2, 1, 4, 2}, iota_f(16));
    auto& n = b.node("Conv", {"x", "w"}, {"y"});
    set_attr(n, "strides", V{3, 1});
    set_attr(n, "auto_pad", std::string(k.mode));
    Graph g = b.import();
    EXPECT_EQ(g.nodes[0].attrs.ints("pads"), k.pads) << k.mode;
    EXPECT_EQ(g.t(g.outputs[0]).shape, k.out) << k.mode;
    EXPECT_EQ(g.nodes[0].name, "Conv_0");
  }
}

TEST(OnnxOps, DepthwiseAndGroupedConv) {
  ModelBuilder b;
  b.input("x", {1, 8, 6, 6}).output("z");
  b.init_f("dw", {8, 1, 3, 3}, iota_f(72));
  b.init_f("gw", {4, 2, 1, 1}, iota_f(8));
  auto& d = b.node("Conv", {"x", "dw"}, {"y"}, "dw");
  set_attr(d, "group", int64_t(8));
  set_attr(d, "pads", V{1, 1, 1, 1});
  auto& gc = b.node("Conv", {"y", "gw"}, {"z"}, "grouped");
  set_attr(gc, "group", int64_t(4));
  Graph g = b.import();
  EXPECT_EQ(node_writing(g, "y").attrs.i("group", 0), 8);
  EXPECT_EQ(g.t(g.find_tensor("y")).shape, (Shape{1, 8, 6, 6}));
  EXPECT_EQ(node_writing(g, "z").attrs.i("group", 0), 4);
  EXPECT_EQ(g.t(g.find_tensor("z")).shape, (Shape{1, 4, 6, 6}));
}

TEST(OnnxOps, GemmTransBKeepsWeightAsIs) {
  ModelBuilder b;
  b.input("x", {-1, 4}).output("y");
  b.init_f("W", {3, 4}, iota_f(12));
  b.init_f("B", {3}, {0.5f, 1.5f, 2.5f});
  set_attr(b.node("Gemm", {"x", "W", "B"}, {"y"}, "fc"), "transB", int64_t(1));
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& fc = g.nodes[0];
  EXPECT_EQ(fc.op, OpKind::FullyConnected);
  EXPECT_EQ(g.t(fc.in(1)).name, "W");
  EXPECT_EQ(g.t(fc.in(1)).shape, (Shape{3, 4}));
  EXPECT_EQ(g.t(fc.in(2)).values<float>(), (std::vector<float>{0.5f, 1.5f, 2.5f}));
  EXPECT_EQ(g.t(g.inputs[0]).shape, (Shape{1, 4}));  // symbolic batch -> 1
  EXPECT_EQ(g.t(fc.out()).shape, (Shape{1, 3}));
  EXPECT_EQ(g.t(fc.out()).layout, Layout::Any);
}

TEST(OnnxOps, GemmAlphaBetaFoldedAndBTransposed) {
  ModelBuilder b;
  b.input("x", {1, 2}).output("y");
  b.init_f("B", {2, 3}, {1, 2, 3, 4, 5, 6});  // [K, N]
  b.init_f("C", {1, 3}, {10, 20, 30});
  auto& n = b.node("Gemm", {"x", "B", "C"}, {"y"});
  set_attr(n, "alpha", 2.0f);
  set_attr(n, "beta", 0.5f);
  Graph g = b.import();
  const Node& fc = g.nodes.at(0);
  ASSERT_EQ(fc.op, OpKind::FullyConnected);
  EXPECT_EQ(g.t(fc.in(1)).shape, (Shape{3, 2}));
  EXPECT_EQ(g.t(fc.in(1)).values<float>(), (std::vector<float>{2, 8, 4, 10, 6, 12}));
  EXPECT_EQ(g.t(fc.in(2)).values<float>(), (std::vector<float>{5, 10, 15}));
}

TEST(OnnxOps, GemmScalarAndFullC) {
  ModelBuilder b;
  b.input("x", {2, 2}).output("z");
  b.init_f("W", {3, 2}, iota_f(6));
  b.init_f("c1", {1}, {4});
  b.init_f("c2", {2, 3}, iota_f(6, 1));
  auto& g1 = b.node("Gemm", {"x", "W", "c1"}, {"y"}, "g1");
  set_attr(g1, "transB", int64_t(1));
  auto& g2 = b.node("Gemm", {"x", "W", "c2"}, {"z"}, "g2");
  set_attr(g2, "transB", int64_t(1));
  set_attr(g2, "beta", 2.0f);
  Graph g = b.import();
  // y is unused: pruned. z = FC(x) + 2 * c2, as two nodes.
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op, OpKind::FullyConnected);
  EXPECT_EQ(g.nodes[0].inputs.size(), 2u);
  const Node& add = node_writing(g, "z");
  EXPECT_EQ(add.op, OpKind::Add);
  EXPECT_EQ(add.in(0), g.nodes[0].out());
  EXPECT_EQ(g.t(add.in(1)).values<float>(), (std::vector<float>{2, 4, 6, 8, 10, 12}));

  ModelBuilder b2;
  b2.input("x", {2, 2}).output("y");
  b2.init_f("W", {3, 2}, iota_f(6));
  b2.init_f("c1", {1}, {4});
  set_attr(b2.node("Gemm", {"x", "W", "c1"}, {"y"}), "transB", int64_t(1));
  Graph h = b2.import();
  ASSERT_EQ(h.nodes.size(), 1u);
  EXPECT_EQ(h.t(h.nodes[0].in(2)).values<float>(), (std::vector<float>{4, 4, 4}));
}

TEST(OnnxOps, GemmTransAOnActivationTransposesIt) {
  ModelBuilder b;
  b.input("x", {4, 1}).output("y");
  b.init_f("B", {4, 3}, iota_f(12));
  set_attr(b.node("Gemm", {"x", "B"}, {"y"}, "g"), "transA", int64_t(1));
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op, OpKind::Transpose);
  EXPECT_EQ(g.nodes[0].attrs.ints("perm"), (V{1, 0}));
  EXPECT_EQ(g.nodes[1].op, OpKind::FullyConnected);
  EXPECT_EQ(g.nodes[1].in(0), g.nodes[0].out());
  EXPECT_EQ(g.t(g.nodes[1].out()).shape, (Shape{1, 3}));
}

TEST(OnnxOps, MatMulConstantBecomesFullyConnectedWithTransposedWeight) {
  ModelBuilder b;
  b.input("x", {1, 5, 2}).output("y");
  b.init_f("B", {2, 3}, {1, 2, 3, 4, 5, 6});
  b.node("MatMul", {"x", "B"}, {"y"}, "mm");
  Graph g = b.import();
  const Node& fc = g.nodes.at(0);
  EXPECT_EQ(fc.op, OpKind::FullyConnected);
  EXPECT_EQ(fc.inputs.size(), 2u);
  EXPECT_EQ(g.t(fc.in(1)).values<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(g.t(fc.out()).shape, (Shape{1, 5, 3}));
}

TEST(OnnxOps, MatMulOfTwoActivationsIsBatchMatMul) {
  ModelBuilder b;
  b.input("x", {3, 2, 4}).input("z", {4, 5}).output("y");
  b.node("MatMul", {"x", "z"}, {"y"}, "mm");
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, OpKind::BatchMatMul);
  EXPECT_EQ(g.t(g.nodes[0].out()).shape, (Shape{3, 2, 5}));
}

TEST(OnnxOps, BinaryOpsKeepConstantsAndPutActivationFirst) {
  ModelBuilder b;
  b.input("x", {1, 2, 2, 2}).output("d");
  b.init_f("c", {2, 1, 1}, {3, 4});
  b.init_f("s", {}, {2});
  b.node("Add", {"c", "x"}, {"a"}, "add");
  b.node("Sub", {"c", "a"}, {"b"}, "sub");
  b.node("Mul", {"b", "s"}, {"m"}, "mul");
  b.node("Div", {"m", "s"}, {"d"}, "div");
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 4u);
  const Node& add = node_writing(g, "a");
  EXPECT_EQ(add.op, OpKind::Add);
  EXPECT_EQ(g.t(add.in(0)).name, "x");
  EXPECT_EQ(g.t(add.in(1)).name, "c");
  const Node& sub = node_writing(g, "b");
  EXPECT_EQ(sub.op, OpKind::Sub);
  EXPECT_EQ(g.t(sub.in(0)).name, "c");
  EXPECT_EQ(node_writing(g, "m").op, OpKind::Mul);
  const Node& div = node_writing(g, "d");
  EXPECT_EQ(div.op, OpKind::Mul);
  EXPECT_EQ(g.t(div.in(1)).values<float>(), (std::vector<float>{0.5f}));
  EXPECT_EQ(g.t(div.in(1)).shape, Shape{});
  EXPECT_EQ(g.t(div.out()).shape, (Shape{1, 2, 2, 2}));
}

TEST(OnnxOps, Activations) {
  ModelBuilder b;
  b.input("x", {1, 6}).output("o7");
  b.node("Relu", {"x"}, {"o1"});
  b.node("Sigmoid", {"o1"}, {"o2"});
  b.node("Tanh", {"o2"}, {"o3"});
  set_attr(b.node("LeakyRelu", {"o3"}, {"o4"}), "alpha", 0.125f);
  auto& hs = b.node("HardSigmoid", {"o4"}, {"o5"});
  set_attr(hs, "alpha", 0.25f);
  b.node("HardSwish", {"o5"}, {"o6"});
  set_attr(b.node("Selu", {"o6"}, {"o7"}), "gamma", 1.5f);
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 7u);
  EXPECT_EQ(g.nodes[0].op, OpKind::Relu);
  EXPECT_EQ(g.nodes[0].name, "Relu_0");
  EXPECT_EQ(g.nodes[1].op, OpKind::Sigmoid);
  EXPECT_EQ(g.nodes[2].op, OpKind::Tanh);
  EXPECT_EQ(g.nodes[3].op, OpKind::LeakyRelu);
  EXPECT_EQ(g.nodes[3].attrs.f("alpha", 0), 0.125f);
  EXPECT_EQ(g.nodes[4].op, OpKind::HardSigmoid);
  EXPECT_EQ(g.nodes[4].attrs.f("alpha", 0), 0.25f);
  EXPECT_EQ(g.nodes[4].attrs.f("beta", 0), 0.5f);
  EXPECT_EQ(g.nodes[5].op, OpKind::HardSwish);
  EXPECT_EQ(g.nodes[6].op, OpKind::Selu);
  EXPECT_EQ(g.nodes[6].attrs.f("gamma", 0), 1.5f);
  EXPECT_FLOAT_EQ(g.nodes[6].attrs.f("alpha", 0), 1.67326319f);  // ONNX's default
  EXPECT_DOUBLE_EQ(activation(g.nodes[6], 2.0), 3.0);
  EXPECT_NEAR(activation(g.nodes[6], -1.0), 1.5 * 1.67326319 * (std::exp(-1.0) - 1.0), 1e-6);
  EXPECT_EQ(g.t(g.outputs[0]).shape, (Shape{1, 6}));
}

TEST(OnnxOps, ClipMinMaxFromConstantInputs) {
  ModelBuilder b(11);
  b.input("x", {1, 4}).output("y2");
  b.init_f("lo", {}, {0.0f});
  b.init_f("hi", {}, {6.0f});
  b.node("Clip", {"x", "lo", "hi"}, {"y1"});
  b.node("Clip", {"y1", "", "hi"}, {"y2"});
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op, OpKind::Clip);
  EXPECT_EQ(g.nodes[0].inputs.size(), 1u);
  EXPECT_EQ(g.nodes[0].attrs.f("min", -1), 0.0f);
  EXPECT_EQ(g.nodes[0].attrs.f("max", -1), 6.0f);
  EXPECT_TRUE(std::isinf(g.nodes[1].attrs.f("min", 0)) && g.nodes[1].attrs.f("min", 0) < 0);
  EXPECT_EQ(g.nodes[1].attrs.f("max", -1), 6.0f);
}

TEST(OnnxOps, ClipNonConstantMinRejected) {
  ModelBuilder b;
  b.input("x", {1, 4}).input("lo", {}).output("y");
  b.node("Clip", {"x", "lo"}, {"y"}, "clip");
  EXPECT_NE(error_of([&] { b.import(); }).find("unsupported: Clip with non-constant min"), std::string::npos);
}

TEST(OnnxOps, Pools) {
  ModelBuilder b;
  b.input("x", {1, 2, 8, 8}).output("g");
  auto& mp = b.node("MaxPool", {"x"}, {"m"}, "mp");
  set_attr(mp, "kernel_shape", V{3, 3});
  set_attr(mp, "strides", V{2, 2});
  set_attr(mp, "pads", V{1, 1, 1, 1});
  auto& ap = b.node("AveragePool", {"m"}, {"a"}, "ap");
  set_attr(ap, "kernel_shape", V{2, 2});
  set_attr(ap, "strides", V{2, 2});
  set_attr(ap, "count_include_pad", int64_t(1));  // allowed: no pads
  b.node("GlobalAveragePool", {"a"}, {"g"}, "gap");
  Graph g = b.import();
  const Node& m = node_writing(g, "m");
  EXPECT_EQ(m.op, OpKind::MaxPool);
  EXPECT_EQ(m.attrs.ints("kernel"), (V{3, 3}));
  EXPECT_EQ(m.attrs.ints("strides"), (V{2, 2}));
  EXPECT_EQ(m.attrs.ints("pads"), (V{1, 1, 1, 1}));
  EXPECT_EQ(g.t(m.out()).shape, (Shape{1, 2, 4, 4}));
  const Node& a = node_writing(g, "a");
  EXPECT_EQ(a.op, OpKind::AvgPool);
  EXPECT_EQ(g.t(a.out()).shape, (Shape{1, 2, 2, 2}));
  const Node& gap = node_writing(g, "g");
  EXPECT_EQ(gap.op, OpKind::ReduceMean);
  EXPECT_EQ(gap.attrs.ints("axes"), (V{2, 3}));
  EXPECT_EQ(gap.attrs.i("keepdims", 0), 1);
  EXPECT_EQ(g.t(gap.out()).shape, (Shape{1, 2, 1, 1}));
}

TEST(OnnxOps, PoolAttributesRejected) {
  struct Case {
    const char* op;
    const char* attr;
    int64_t value;
    const char* message;
  };
  for (const Case& k : {Case{"MaxPool", "ceil_mode", 1, "unsupported attribute ceil_mode=1"},
                        Case{"MaxPool", "storage_order", 1, "unsupported attribute storage_order=1"},
                        Case{"AveragePool", "count_include_pad", 1, "unsupported attribute count_include_pad=1"}}) {
    ModelBuilder b;
    b.input("x", {1, 1, 6, 6}).output("y");
    auto& n = b.node(k.op, {"x"}, {"y"}, "pool");
    set_attr(n, "kernel_shape", V{2, 2});
    set_attr(n, "pads", V{1, 1, 1, 1});
    set_attr(n, k.attr, k.value);
    std::string e = error_of([&] { b.import(); });
    EXPECT_NE(e.find(fmt::format("node 'pool' (op '{}', opset 13): {}", k.op, k.message)), std::string::npos) << e;
  }
  ModelBuilder b;
  b.input("x", {1, 1, 6, 6}).output("y");
  auto& n = b.node("MaxPool", {"x"}, {"y"}, "pool");
  set_attr(n, "kernel_shape", V{2, 2});
  set_attr(n, "dilations", V{2, 2});
  EXPECT_NE(error_of([&] { b.import(); }).find("unsupported attribute dilations=[2,2]"), std::string::npos);
}

TEST(OnnxOps, BatchNormalizationKept) {
  ModelBuilder b(14);
  b.input("x", {1, 2, 3, 3}).output("y");
  b.init_f("s", {2}, {1, 2});
  b.init_f("bb", {2}, {0, 1});
  b.init_f("m", {2}, {0.5f, -0.5f});
  b.init_f("v", {2}, {1, 4});
  set_attr(b.node("BatchNormalization", {"x", "s", "bb", "m", "v"}, {"y"}, "bn"), "epsilon", 1e-3f);
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& bn = g.nodes[0];
  EXPECT_EQ(bn.op, OpKind::BatchNorm);
  EXPECT_EQ(bn.attrs.f("epsilon", 0), 1e-3f);
  ASSERT_EQ(bn.inputs.size(), 5u);
  EXPECT_EQ(g.t(bn.in(3)).values<float>(), (std::vector<float>{0.5f, -0.5f}));
  EXPECT_EQ(g.t(bn.in(4)).values<float>(), (std::vector<float>{1, 4}));
  EXPECT_EQ(g.t(bn.out()).shape, (Shape{1, 2, 3, 3}));
}

TEST(OnnxOps, BatchNormalizationUsedTrainingOutputRejected) {
  ModelBuilder b(11);
  b.input("x", {1, 2, 3, 3}).output("y").output("mean_out");
  for (const char* p : {"s", "bb", "m", "v"}) b.init_f(p, {2}, {1, 1});
  b.node("BatchNormalization", {"x", "s", "bb", "m", "v"}, {"y", "mean_out"}, "bn");
  std::string e = error_of([&] { b.import(); });
  EXPECT_NE(e.find("unsupported: output 1 ('mean_out') is used"), std::string::npos) << e;
}

TEST(OnnxOps, ReshapeFamilyResolvesStaticShapes) {
  ModelBuilder b(11);
  b.input("x", {1, 2, 3, 4}).output("u");
  b.init_i("shape", {3}, {0, -1, 4});
  set_attr(b.node("Flatten", {"x"}, {"f"}), "axis", int64_t(-1));       // [6, 4]
  b.node("Reshape", {"x", "shape"}, {"r"});                              // [1, 6, 4]
  set_attr(b.node("Squeeze", {"r"}, {"s"}), "axes", V{0});               // [6, 4]
  b.node("Add", {"s", "f"}, {"a"});
  set_attr(b.node("Unsqueeze", {"a"}, {"u"}), "axes", V{0, -1});         // [1, 6, 4, 1]
  Graph g = b.import();
  EXPECT_EQ(node_writing(g, "f").op, OpKind::Reshape);
  EXPECT_EQ(node_writing(g, "f").attrs.ints("shape"), (V{6, 4}));
  EXPECT_EQ(node_writing(g, "r").attrs.ints("shape"), (V{1, 6, 4}));
  EXPECT_EQ(node_writing(g, "s").attrs.ints("shape"), (V{6, 4}));
  EXPECT_EQ(node_writing(g, "u").attrs.ints("shape"), (V{1, 6, 4, 1}));
  EXPECT_EQ(g.t(g.outputs[0]).layout, Layout::NCHW);
  EXPECT_EQ(g.t(g.find_tensor("s")).layout, Layout::Any);
  EXPECT_EQ(count_op(g, OpKind::Reshape), 4);
}

TEST(OnnxOps, SqueezeUnsqueezeAxesAsInputFromOpset13) {
  ModelBuilder b(13);
  b.input("x", {1, 3, 1, 1}).output("u");
  b.init_i("sq", {2}, {2, 3});
  b.init_i("un", {1}, {1});
  b.node("Squeeze", {"x", "sq"}, {"s"});
  b.node("Unsqueeze", {"s", "un"}, {"u"});
  Graph g = b.import();
  EXPECT_EQ(node_writing(g, "s").attrs.ints("shape"), (V{1, 3}));
  EXPECT_EQ(node_writing(g, "u").attrs.ints("shape"), (V{1, 1, 3}));
}

TEST(OnnxOps, NonConstantReshapeShapeRejected) {
  ModelBuilder b;
  b.input("x", {1, 4}).input("shape", {2}, TP::INT64).output("y");
  b.node("Reshape", {"x", "shape"}, {"y"}, "rs");
  std::string e = error_of([&] { b.import(); });
  EXPECT_NE(e.find("graph input 'shape' has element type INT64"), std::string::npos) << e;
  ModelBuilder b2;
  b2.input("x", {1, 4}).output("y");
  b2.node("Relu", {"x"}, {"r"});
  b2.node("Reshape", {"x", "r"}, {"y"}, "rs");
  e = error_of([&] { b2.import(); });
  EXPECT_NE(e.find("node 'rs' (op 'Reshape', opset 13): unsupported: Reshape with non-constant shape"), std::string::npos) << e;
}

TEST(OnnxOps, TransposeConcatPad) {
  ModelBuilder b(11);
  b.input("x", {1, 2, 3, 4}).output("p");
  b.init_i("pads", {8}, {0, 0, 1, 0, 0, 0, 1, 2});
  b.init_f("pv", {}, {-1.5f});
  b.node("Transpose", {"x"}, {"t"});  // default: reversed -> [4, 3, 2, 1]
  auto& t2 = b.node("Transpose", {"t"}, {"t2"});
  set_attr(t2, "perm", V{3, 2, 1, 0});
  set_attr(b.node("Concat", {"x", "t2"}, {"c"}), "axis", int64_t(-3));
  b.node("Pad", {"c", "pads", "pv"}, {"p"});
  Graph g = b.import();
  const Node& t = node_writing(g, "t");
  EXPECT_EQ(t.op, OpKind::Transpose);
  EXPECT_EQ(t.attrs.ints("perm"), (V{3, 2, 1, 0}));
  EXPECT_EQ(g.t(t.out()).shape, (Shape{4, 3, 2, 1}));
  const Node& c = node_writing(g, "c");
  EXPECT_EQ(c.op, OpKind::Concat);
  EXPECT_EQ(c.attrs.i("axis", -1), 1);
  EXPECT_EQ(g.t(c.out()).shape, (Shape{1, 4, 3, 4}));
  const Node& p = node_writing(g, "p");
  EXPECT_EQ(p.op, OpKind::Pad);
  EXPECT_EQ(p.attrs.ints("pads"), (V{0, 0, 1, 0, 0, 0, 1, 2}));
  EXPECT_EQ(p.attrs.f("value", 0), -1.5f);
  EXPECT_EQ(g.t(p.out()).shape, (Shape{1, 4, 5, 6}));
}

TEST(OnnxOps, PadReflectRejected) {
  ModelBuilder b(11);
  b.input("x", {1, 4}).output("y");
  b.init_i("pads", {4}, {0, 1, 0, 1});
  set_attr(b.node("Pad", {"x", "pads"}, {"y"}, "pad"), "mode", std::string("reflect"));
  EXPECT_NE(error_of([&] { b.import(); }).find("(op 'Pad', opset 11): unsupported attribute mode=reflect"), std::string::npos);
}

TEST(OnnxOps, SoftmaxBeforeOpset13CoercesTo2D) {
  ModelBuilder b(11);
  b.input("x", {1, 3, 5}).output("y");
  b.node("Softmax", {"x"}, {"y"}, "sm");  // axis 1 of a 3-D input
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].op, OpKind::Reshape);
  EXPECT_EQ(g.nodes[0].attrs.ints("shape"), (V{1, 15}));
  EXPECT_EQ(g.nodes[1].op, OpKind::Softmax);
  EXPECT_EQ(g.nodes[1].attrs.i("axis", -1), 1);
  EXPECT_EQ(g.nodes[2].op, OpKind::Reshape);
  EXPECT_EQ(g.nodes[2].attrs.ints("shape"), (V{1, 3, 5}));
  EXPECT_EQ(g.t(g.outputs[0]).name, "y");

  ModelBuilder last(11);
  last.input("x", {1, 3, 5}).output("y");
  set_attr(last.node("Softmax", {"x"}, {"y"}), "axis", int64_t(-1));
  Graph g2 = last.import();
  ASSERT_EQ(g2.nodes.size(), 1u);
  EXPECT_EQ(g2.nodes[0].attrs.i("axis", -1), 2);
}

TEST(OnnxOps, SoftmaxFromOpset13IsPerAxis) {
  ModelBuilder b(13);
  b.input("x", {1, 3, 5}).output("y2");
  b.node("Softmax", {"x"}, {"y1"});
  set_attr(b.node("Softmax", {"y1"}, {"y2"}), "axis", int64_t(1));
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].attrs.i("axis", -1), 2);
  EXPECT_EQ(g.nodes[1].attrs.i("axis", -1), 1);
}

TEST(OnnxOps, IdentityDropoutAndReduceMean) {
  ModelBuilder b(12);
  b.input("x", {1, 2, 3, 4}).output("r");
  b.node("Identity", {"x"}, {"i"});
  b.node("Dropout", {"i"}, {"d", "mask"});
  auto& rm = b.node("ReduceMean", {"d"}, {"r"});
  set_attr(rm, "axes", V{-1, 1});
  set_attr(rm, "keepdims", int64_t(0));
  Graph g = b.import();
  EXPECT_EQ(node_writing(g, "i").op, OpKind::Identity);
  EXPECT_EQ(node_writing(g, "d").op, OpKind::Identity);
  const Node& r = node_writing(g, "r");
  EXPECT_EQ(r.op, OpKind::ReduceMean);
  EXPECT_EQ(r.attrs.ints("axes"), (V{1, 3}));
  EXPECT_EQ(r.attrs.i("keepdims", 1), 0);
  EXPECT_EQ(g.t(r.out()).shape, (Shape{1, 3}));
}

TEST(OnnxOps, ConstantNodeForms) {
  ModelBuilder b;
  b.input("x", {1, 3}).output("y");
  auto& c1 = b.node("Constant", {}, {"k"});
  auto* a = c1.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(TP::FLOAT);
  a->mutable_t()->add_dims(3);
  float raw[3] = {1.0f, 2.0f, 4.0f};
  a->mutable_t()->set_raw_data(std::string(reinterpret_cast<const char*>(raw), sizeof raw));
  set_attr(b.node("Constant", {}, {"s"}), "value_float", 0.25f);
  set_attr(b.node("Constant", {}, {"shape"}), "value_ints", V{3, 1});
  b.node("Mul", {"x", "k"}, {"m"});
  b.node("Add", {"m", "s"}, {"a"});
  b.node("Reshape", {"a", "shape"}, {"y"});
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 3u);
  const Node& m = node_writing(g, "m");
  EXPECT_EQ(g.t(m.in(1)).values<float>(), (std::vector<float>{1, 2, 4}));
  EXPECT_EQ(g.t(node_writing(g, "a").in(1)).values<float>(), (std::vector<float>{0.25f}));
  EXPECT_EQ(node_writing(g, "y").attrs.ints("shape"), (V{3, 1}));
  for (const Tensor& t : g.tensors) EXPECT_NE(t.dtype, DType::I64) << t.name;
}

// PyTorch's x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
TEST(OnnxOps, PyTorchDynamicViewFoldsToStaticReshape) {
  for (int opset : {11, 13}) {
    ModelBuilder b(opset);
    b.input("x", {-1, 2, 3, 4}).output("y");
    b.node("Shape", {"x"}, {"shape"});
    set_attr(b.node("Constant", {}, {"zero"}), "value_int", int64_t(0));
    set_attr(b.node("Gather", {"shape", "zero"}, {"batch"}), "axis", int64_t(0));
    if (opset < 13) {
      set_attr(b.node("Unsqueeze", {"batch"}, {"batch1"}), "axes", V{0});
    } else {
      b.init_i("ax0", {1}, {0});
      b.node("Unsqueeze", {"batch", "ax0"}, {"batch1"});
    }
    b.init_i("minus1", {1}, {-1});
    set_attr(b.node("Concat", {"batch1", "minus1"}, {"target"}), "axis", int64_t(0));
    b.node("Reshape", {"x", "target"}, {"y"}, "view");
    Graph g = b.import();
    ASSERT_EQ(g.nodes.size(), 1u) << opset;
    EXPECT_EQ(g.nodes[0].op, OpKind::Reshape);
    EXPECT_EQ(g.nodes[0].name, "view");
    EXPECT_EQ(g.nodes[0].attrs.ints("shape"), (V{1, 24}));
    EXPECT_EQ(g.tensors.size(), 2u);  // input and output; the int64 chain leaves nothing behind
  }
}

// Cast, integer Mul/Div, Slice and ConstantOfShape on shapes all fold at import.
TEST(OnnxOps, IntegerShapeArithmeticFolds) {
  ModelBuilder b(13);
  b.input("x", {1, 2, 6, 4}).output("y");
  b.node("Shape", {"x"}, {"s"});
  b.init_i("st", {1}, {2});
  b.init_i("en", {1}, {INT64_MAX});
  b.node("Slice", {"s", "st", "en"}, {"hw"});  // [6, 4]
  set_attr(b.node("Cast", {"hw"}, {"hw32"}), "to", int64_t(TP::INT32));
  set_attr(b.node("Cast", {"hw32"}, {"hw64"}), "to", int64_t(TP::INT64));
  b.init_i("two", {}, {2});
  b.node("Div", {"hw64", "two"}, {"half"});    // [3, 2]
  b.node("Mul", {"half", "two"}, {"back"});    // [6, 4]
  b.init_i("one", {1}, {1});
  b.node("ConstantOfShape", {"one"}, {"ones"});  // float [0.0]
  set_attr(b.node("Cast", {"ones"}, {"ones_i"}), "to", int64_t(TP::INT64));
  b.init_i("c2", {1}, {2});
  b.node("Add", {"ones_i", "c2"}, {"chan"});   // [2]
  set_attr(b.node("Concat", {"one", "chan", "back"}, {"target"}), "axis", int64_t(0));
  b.node("Reshape", {"x", "target"}, {"y"});
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].attrs.ints("shape"), (V{1, 2, 6, 4}));
}

TEST(OnnxOps, CastOfActivations) {
  ModelBuilder b;
  b.input("x", {1, 3}).output("y");
  set_attr(b.node("Cast", {"x"}, {"y"}, "cast"), "to", int64_t(TP::FLOAT));
  Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, OpKind::Identity);

  ModelBuilder bad;
  bad.input("x", {1, 3}).output("y");
  set_attr(bad.node("Cast", {"x"}, {"y"}, "cast"), "to", int64_t(TP::INT32));
  std::string e = error_of([&] { bad.import(); });
  EXPECT_NE(e.find("node 'cast' (op 'Cast', opset 13): unsupported: Cast of an activation to INT32"), std::string::npos) << e;
}

// By an activation Div stays a Div; by a constant it is a Mul by the reciprocal.
TEST(OnnxOps, DivByActivationIsDiv) {
  ModelBuilder b;
  b.input("x", {1, 3}).input("z", {1, 3}).output("y");
  b.node("Div", {"x", "z"}, {"y"}, "div");
  const Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, OpKind::Div);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<int>{g.inputs[0], g.inputs[1]}));
}

TEST(OnnxOps, InitializerListedAsInputIsConstant) {
  ModelBuilder b;
  b.input("x", {1, 2}).input("W", {2, 2}).output("y");
  b.init_f("W", {2, 2}, {1, 2, 3, 4});
  b.node("MatMul", {"x", "W"}, {"y"});
  Graph g = b.import();
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.t(g.inputs[0]).name, "x");
  EXPECT_EQ(g.t(g.nodes[0].in(1)).values<float>(), (std::vector<float>{1, 3, 2, 4}));
}

TEST(OnnxOps, TensorDataFromRawAndTypedFields) {
  ModelBuilder b;
  b.input("x", {1, 2}).output("y");
  auto& w = b.init_f("W", {2, 2}, {});
  float raw[4] = {1.5f, -2.0f, 3.0f, 0.25f};
  w.set_raw_data(std::string(reinterpret_cast<const char*>(raw), sizeof raw));
  auto& shape = b.init_i("shape", {2}, {});
  shape.set_data_type(TP::INT32);
  shape.add_int32_data(2);
  shape.add_int32_data(1);
  b.node("MatMul", {"x", "W"}, {"m"});
  b.node("Reshape", {"m", "shape"}, {"y"});
  Graph g = b.import();
  EXPECT_EQ(g.t(node_writing(g, "m").in(1)).values<float>(), (std::vector<float>{1.5f, 3.0f, -2.0f, 0.25f}));
  EXPECT_EQ(node_writing(g, "y").attrs.ints("shape"), (V{2, 1}));
}

TEST(OnnxOps, ExternalDataRejected) {
  ModelBuilder b;
  b.input("x", {1, 2}).output("y");
  auto& w = b.init_f("W", {2, 2}, {});
  w.set_data_location(TP::EXTERNAL);
  auto* e = w.add_external_data();
  e->set_key("location");
  e->set_value("weights.bin");
  b.node("MatMul", {"x", "W"}, {"y"});
  std::string path = b.save("external.onnx");
  std::string msg = error_of([&] { import_onnx(path); });
  EXPECT_EQ(msg, path + ": tensor 'W': external data is not supported");
}

TEST(OnnxOps, GraphInputChecks) {
  ModelBuilder b;
  b.input("x", {1, -1, 4}).output("y");
  b.node("Relu", {"x"}, {"y"});
  std::string path = b.save("dyn.onnx");
  EXPECT_EQ(error_of([&] { import_onnx(path); }), path + ": graph input 'x': dimension 1 is not static ('N')");
}

TEST(OnnxOps, ImportedGraphVerifiesAndDumps) {
  ModelBuilder b;
  b.input("x", {1, 1, 4, 4}).output("y");
  b.init_f("w", {2, 1, 3, 3}, iota_f(18));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"y"}, "relu");
  Graph g = b.import();
  EXPECT_NO_THROW(verify(g, "test"));
  std::string d = dump(g);
  EXPECT_NE(d.find("Conv(%x, %w)"), std::string::npos) << d;
  EXPECT_EQ(g.name, "test");
}

}  // namespace
}  // namespace mote::test
