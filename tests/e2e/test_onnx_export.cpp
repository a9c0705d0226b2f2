// The ONNX writer: every shipped ONNX test model, imported, written and imported again, gives
// the float executor's outputs and the same number of weights; the files pass the
// ONNX checker with full_check (shape inference in strict mode).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "backend/onnx/onnx_export.h"
#include "e2e_util.h"
#include "frontend/import.h"
#include "frontend/onnx/onnx_import.h"
#include "io/array.h"
#include "shipped_models.h"
#include "ref/executor.h"
#include "require.h"

namespace mote {
namespace {


// Sample s of a data file as one float input of `g`.
Array sample(const Graph& g, const Array& data, int64_t s) {
  Array one;
  one.shape = g.t(g.inputs[0]).shape;
  const int64_t per = numel(one.shape);
  one.bytes.resize(size_t(per) * sizeof(float));
  for (int64_t k = 0; k < per; ++k) one.as_mut<float>()[k] = data.get_f32(s * per + k);
  return one;
}

class OnnxExport : public ::testing::TestWithParam<test::ShippedModel> {};

TEST_P(OnnxExport, RoundTripKeepsTheOutputs) {
  const std::string dir = std::string(MOTE_TEST_DATA) + "/";
  const Graph g = import_model(dir + GetParam().model);
  const std::string once = onnx_model_bytes(g);
  const Graph back = import_onnx_bytes(once, "written.onnx");
  ASSERT_EQ(back.inputs.size(), g.inputs.size());
  ASSERT_EQ(back.outputs.size(), g.outputs.size());
  EXPECT_EQ(back.t(back.inputs[0]).shape, g.t(g.inputs[0]).shape);
  const Array data = load_array(dir + GetParam().input);
  for (int64_t s = 0; s < std::min<int64_t>(4, data.shape[0]); ++s) {
    const Array x = sample(g, data, s);
    const std::vector<Array> want = run_float(g, {x}), got = run_float(back, {x});
    for (size_t o = 0; o < want.size(); ++o) {
      ASSERT_EQ(got[o].shape, want[o].shape);
      for (int64_t k = 0; k < want[o].numel(); ++k) {
        const double w = want[o].as<float>()[k];
        ASSERT_NEAR(got[o].as<float>()[k], w, 1e-6 * std::max(1.0, std::fabs(w))) << "sample " << s << " output " << o << " element " << k;
      }
    }
  }
  // The same weights come back: no constant lost or duplicated on the way.
  auto const_elements = [](const Graph& h) {
    int64_t n = 0;
    for (const Tensor& t : h.tensors) n += t.is_const() ? t.numel() : 0;
    return n;
  };
  EXPECT_EQ(const_elements(back), const_elements(g));
}

TEST_P(OnnxExport, PassesTheOnnxChecker) {
  MOTE_REQUIRE(fs::exists("/usr/bin/python3"));
  TempDir tmp;
  const fs::path file = tmp.path / "model.onnx";
  write_onnx(import_model(std::string(MOTE_TEST_DATA) + "/" + GetParam().model), file.string());
  std::string log;
  const std::string cmd = "/usr/bin/python3 -c \"import onnx, sys; m = onnx.load(sys.argv[1]); "
                          "onnx.checker.check_model(m, full_check=True); print(m.opset_import[0].version)\" '" + file.string() + "'";
  ASSERT_EQ(shell(cmd, tmp.path / "log", &log), 0) << log;
  EXPECT_EQ(log, "17\n");
}

INSTANTIATE_TEST_SUITE_P(Models, OnnxExport, ::testing::ValuesIn(test::kShippedModels),
                         [](const auto& info) { return test::model_test_name(info.param.model); });

TEST(OnnxExport, RefusesCanonicalGraphsNamingTheNode) {
  Graph g;
  g.name = "nhwc";
  const int x = g.add_value("x", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  g.inputs = {x};
  const int y = g.add_value("y", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  g.add_node(OpKind::Relu, "act", {x}, {y});
  g.outputs = {y};
  TempDir tmp;
  const fs::path file = tmp.path / "out.onnx";
  try {
    write_onnx(g, file.string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'act' (Relu)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NHWC"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(file));
}

}  // namespace
}  // namespace mote
