// The shipped Conv1d network (tests/data/gen_conv1d.py, trained by PyTorch on synthetic
// sequences): float within 1e-5 of PyTorch, int8 C bit-exact with the C++ reference, and int8
// top-1 within one point of float on the 300 held-out sequences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "driver/pipeline.h"
#include "e2e_util.h"
#include "ref/executor.h"
#include "validate/validate.h"

namespace mote {
namespace {

std::string data(const std::string& f) { return std::string(MOTE_TEST_DATA) + "/conv1d/" + f; }

TEST(Conv1dE2E, FloatMatchesPyTorch) {
  PipelineOptions opt;
  opt.model = data("conv1d.onnx");
  const Pipeline p = run_pipeline(opt);
  const Array x = to_graph_layout(p.imported, load_array(data("test_x.npy")), "test_x");
  const Array want = load_array(data("torch_out.npy"));
  const int64_t n = x.shape[0], per = x.numel() / n, classes = want.numel() / n;
  double worst = 0;
  for (int64_t s = 0; s < n; ++s) {
    Array one;
    one.dtype = DType::F32;
    one.shape = p.graph.t(p.graph.inputs[0]).shape;
    one.bytes.assign(x.bytes.begin() + s * per * 4, x.bytes.begin() + (s + 1) * per * 4);
    const Array y = run_float(p.graph, {one}).at(0);
    for (int64_t k = 0; k < classes; ++k)
      worst = std::max(worst, std::fabs(double(y.as<float>()[k]) - double(want.as<float>()[s * classes + k])));
  }
  std::printf("[ conv1d ] float: max |mote - PyTorch| = %.3g over %lld sequences\n", worst, (long long)n);
  EXPECT_LT(worst, 1e-5);
}

TEST(Conv1dE2E, Int8CBitExactAndWithinOnePointOfFloat) {
  PipelineOptions opt;
  opt.model = data("conv1d.onnx");
  opt.calib = data("calib.npy");
  const Pipeline p = run_pipeline(opt);
  ASSERT_TRUE(p.quantized());
  TempDir out;
  write_compiled(p, opt, "conv1d", out.path.string());
  const Array x = load_array(data("test_x.npy")), y = load_array(data("test_y.npy"));
  const ValidationInput ref{&p.imported, &p.float_graph, &p.graph, &p.calls, p.prequantized};
  const ValidationResult r = validate(out.path.string(), ref, x, &y);
  std::printf("[ conv1d ] float top-1 %.2f %%, int8 C top-1 %.2f %%\n", 100.0 * double(r.correct_float) / double(r.samples),
              100.0 * double(r.correct_c) / double(r.samples));
  EXPECT_EQ(r.samples, 300);
  EXPECT_EQ(r.bitexact_samples, r.samples) << r.to_text();
  EXPECT_GE(r.correct_c, r.correct_float - r.samples / 100) << r.to_text();  // one point
  EXPECT_GE(r.correct_float, 285) << "the shipped model should classify the held-out waves";
}

}  // namespace
}  // namespace mote
