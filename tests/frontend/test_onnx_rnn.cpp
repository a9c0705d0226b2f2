// ONNX LSTM / GRU import: what the IR gets (one node per direction, Concat for bidirectional,
// Y as a view of [T, dirs * H]) and the one-line errors for what mote does not compile.
#include "ir/op_registry.h"
#include "onnx_builder.h"

namespace mote::test {
namespace {

constexpr int64_t kT = 5, kI = 3, kH = 4;

// x [T, batch, I] -> LSTM (or GRU) -> y; `edit` adjusts the node.
template <typename F>
ModelBuilder rnn_model(const std::string& op, int64_t dirs, int64_t batch, F edit) {
  const int64_t g = op == "LSTM" ? 4 : 3;
  ModelBuilder b;
  b.input("x", {kT, batch, kI}).output("y");
  b.init_f("W", {dirs, g * kH, kI}, iota_f(size_t(dirs * g * kH * kI), -1.0f, 0.01f));
  b.init_f("R", {dirs, g * kH, kH}, iota_f(size_t(dirs * g * kH * kH), 0.5f, -0.01f));
  b.init_f("B", {dirs, 2 * g * kH}, iota_f(size_t(dirs * 2 * g * kH), 0.0f, 0.02f));
  auto& n = b.node(op, {"x", "W", "R", "B"}, {"y"}, "rnn_0");
  set_attr(n, "hidden_size", kH);
  if (dirs == 2) set_attr(n, "direction", std::string("bidirectional"));
  edit(b, n);
  return b;
}

ModelBuilder rnn_model(const std::string& op, int64_t dirs, int64_t batch = 1) {
  return rnn_model(op, dirs, batch, [](ModelBuilder&, onnx::NodeProto&) {});
}

TEST(OnnxRnn, BidirectionalLstmIsTwoNodesAndConcat) {
  Graph g = rnn_model("LSTM", 2).import();
  std::vector<const Node*> lstms;
  for (const Node& n : g.nodes)
    if (n.op == OpKind::Lstm) lstms.push_back(&n);
  ASSERT_EQ(lstms.size(), 2u);
  EXPECT_EQ(lstms[0]->attrs.i("reverse", -1), 0);
  EXPECT_EQ(lstms[1]->attrs.i("reverse", -1), 1);
  EXPECT_EQ(g.t(lstms[1]->in(1)).shape, (Shape{4 * kH, kI}));
  // The backward direction's weights are the second block of W.
  EXPECT_FLOAT_EQ(g.t(lstms[1]->in(1)).as<float>()[0], -1.0f + 0.01f * float(4 * kH * kI));
  EXPECT_EQ(g.t(lstms[0]->out()).shape, (Shape{kT, kH}));
  EXPECT_EQ(node_writing(g, "y").op, OpKind::Reshape);
  EXPECT_EQ(g.t(g.outputs[0]).shape, (Shape{kT, 2, 1, kH}));
}

TEST(OnnxRnn, GruKeepsLinearBeforeReset) {
  Graph g = rnn_model("GRU", 1, 1, [](ModelBuilder&, onnx::NodeProto& n) { set_attr(n, "linear_before_reset", int64_t(1)); }).import();
  int grus = 0;
  for (const Node& n : g.nodes)
    if (n.op == OpKind::Gru) {
      ++grus;
      EXPECT_EQ(n.attrs.i("linear_before_reset", 0), 1);
      EXPECT_EQ(n.attrs.i("reverse", -1), 0);
    }
  EXPECT_EQ(grus, 1);
}

TEST(OnnxRnn, BatchAboveOneIsRejected) {
  EXPECT_NE(error_of([] { rnn_model("LSTM", 1, 2).import(); })
                .find("node 'rnn_0' (op 'LSTM', opset 13): unsupported: batch size 2 (X dimension 1); only batch 1 is compiled"),
            std::string::npos);
}

TEST(OnnxRnn, DynamicSequenceLengthIsRejected) {
  // Batch-first (PyTorch's batch_first=True): the sequence is dimension 1 of the graph input.
  ModelBuilder b;
  b.input("x", {1, -1, kI}).output("y");
  b.node("Relu", {"x"}, {"y"});
  EXPECT_NE(error_of([&] { b.import(); }).find("graph input 'x': dimension 1 is not static ('N')"), std::string::npos);
  // Sequence-first: a symbolic dimension 0 would otherwise be compiled as one step.
  ModelBuilder s = rnn_model("GRU", 1);
  s.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("T");
  const std::string e = error_of([&] { s.import(); });
  EXPECT_NE(e.find("node 'rnn_0' (op 'GRU', opset 13): unsupported: dynamic sequence length (X dimension 0, graph input 'x', is symbolic)"),
            std::string::npos)
      << e;
}

TEST(OnnxRnn, UnsupportedAttributesAreNamed) {
  const std::pair<const char*, std::string> cases[] = {{"layout", "unsupported attribute layout=1"},
                                                       {"clip", "unsupported attribute clip"},
                                                       {"input_forget", "unsupported attribute input_forget=1"}};
  for (const auto& [name, want] : cases) {
    const std::string key = name;
    std::string e = error_of([&] {
      rnn_model("LSTM", 1, 1, [&](ModelBuilder&, onnx::NodeProto& n) {
        if (key == "clip") set_attr(n, "clip", 3.0f);
        else set_attr(n, key, int64_t(1));
      }).import();
    });
    EXPECT_NE(e.find("node 'rnn_0' (op 'LSTM', opset 13): " + want), std::string::npos) << e;
  }
  std::string e = error_of([] {
    rnn_model("GRU", 1, 1, [](ModelBuilder&, onnx::NodeProto& n) {
      auto* a = n.add_attribute();
      a->set_name("activations");
      a->set_type(onnx::AttributeProto::STRINGS);
      a->add_strings("Relu");
      a->add_strings("Tanh");
    }).import();
  });
  EXPECT_NE(e.find("unsupported attribute activations: Relu (only the defaults)"), std::string::npos) << e;
}

TEST(OnnxRnn, SequenceLensAndInitialStateAreChecked) {
  std::string e = error_of([] {
    rnn_model("LSTM", 1, 1, [](ModelBuilder& b, onnx::NodeProto& n) {
      b.init_i("lens", {1}, {kT});
      n.set_input(3, "B");
      n.add_input("lens");
    }).import();
  });
  EXPECT_NE(e.find("unsupported input sequence_lens"), std::string::npos) << e;
  e = error_of([] {
    rnn_model("GRU", 1, 1, [](ModelBuilder& b, onnx::NodeProto& n) {
      b.init_f("h0", {1, 1, kH}, {0.0f, 0.5f, 0.0f, 0.0f});
      n.add_input("");
      n.add_input("h0");
    }).import();
  });
  EXPECT_NE(e.find("unsupported: non-zero initial_h (only a zero initial state)"), std::string::npos) << e;
}

}  // namespace
}  // namespace mote::test
