// The PyTorch-exported models of tests/data/models: run_float on the imported graph and on the
// canonical graph both match PyTorch's outputs.
#include <fstream>

#include <nlohmann/json.hpp>

#include "frontend/onnx/onnx_import.h"
#include "pass_test_util.h"
#include "require.h"

namespace mote::test {
namespace {

const std::string kModels = std::string(MOTE_TEST_DATA) + "/models/";

// Sample i of an array holding `count` samples along the first axis, with shape `s`.
Array sample(const Array& all, int64_t i, int64_t count, const Shape& s) {
  int64_t per = all.numel() / count;
  std::vector<float> v(static_cast<size_t>(per));
  for (int64_t k = 0; k < per; ++k) v[size_t(k)] = all.get_f32(i * per + k);
  return make_array(s, v);
}

TEST(Models, FloatMatchesPyTorchBeforeAndAfterCanonicalize) {
  std::ifstream f(kModels + "manifest.json");
  MOTE_REQUIRE(f) << "no " << kModels << "manifest.json";
  nlohmann::json m = nlohmann::json::parse(f);
  int64_t samples = m.at("samples").get<int64_t>();
  int checked = 0;
  for (const auto& file : m.at("files")) {
    std::string name = file.at("file").get<std::string>(), model = file.at("model").get<std::string>();
    SCOPED_TRACE(name);
    const auto& info = m.at("models").at(model);
    Array xs = load_array(kModels + info.at("input_npy").get<std::string>());
    Array ys = load_array(kModels + info.at("output_npy").get<std::string>());
    Graph g = import_onnx(kModels + name);
    ASSERT_EQ(g.inputs.size(), 1u);
    ASSERT_EQ(g.outputs.size(), 1u);
    Graph c = g;
    canonicalize(c);

    EXPECT_EQ(count_op(c, OpKind::BatchNorm), 0);
    EXPECT_EQ(count_op(c, OpKind::Identity), 0);
    for (const Tensor& t : c.tensors)
      if (!t.is_const() && t.shape.size() == 4) EXPECT_NE(t.layout, Layout::NCHW) << t.name;
    if (model != "autoencoder") EXPECT_EQ(count_op(c, OpKind::Transpose), 0) << dump(c);
    for (const Node& n : c.nodes)
      if (n.op == OpKind::Relu || n.op == OpKind::Clip) {
        int p = c.producer(n.in(0));
        bool fusable = p >= 0 && (c.nodes[size_t(p)].op == OpKind::Conv || c.nodes[size_t(p)].op == OpKind::FullyConnected ||
                                  c.nodes[size_t(p)].op == OpKind::Add || c.nodes[size_t(p)].op == OpKind::Mul ||
                                  c.nodes[size_t(p)].op == OpKind::Sub);
        EXPECT_FALSE(fusable && c.consumers(n.in(0)).size() == 1) << "unfused " << n.name;
      }

    for (int64_t i = 0; i < samples; ++i) {
      Array x = sample(xs, i, samples, g.t(g.inputs[0]).shape);
      std::vector<float> want = values(sample(ys, i, samples, g.t(g.outputs[0]).shape));
      std::vector<float> got = values(run_float(g, {x}).at(0));
      EXPECT_LE(rel_diff(want, got), 1e-4) << "imported graph, sample " << i;
      std::vector<float> canon = adapt_output(g, c, 0, run_float(c, adapt_inputs(g, c, {x})).at(0));
      EXPECT_LE(rel_diff(want, canon), 1e-4) << "canonical graph, sample " << i;
    }
    ++checked;
  }
  EXPECT_EQ(checked, int(m.at("files").size()));
}

}  // namespace
}  // namespace mote::test
