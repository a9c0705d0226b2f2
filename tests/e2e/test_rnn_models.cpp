// The PyTorch recurrent classifiers of tests/data/rnn (gen_rnn_models.py: a GRU and a
// bidirectional LSTM on synthetic wave sequences) through the whole pipeline: float against
// PyTorch's outputs, int8 generated C against the C++ reference byte for byte, and int8 top-1
// on the held-out set against float.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "backend/c/codegen.h"
#include "driver/pipeline.h"
#include "e2e_util.h"
#include "io/array.h"
#include "ref/executor.h"

namespace mote {
namespace {

std::string rnn_data(const std::string& file) { return std::string(MOTE_TEST_DATA) + "/rnn/" + file; }

Pipeline compile_model(const std::string& m, bool int8) {
  PipelineOptions opt;
  opt.model = rnn_data(m + ".onnx");
  if (int8) opt.calib = rnn_data("calib_x.npy");
  return run_pipeline(opt);
}

Array quantize_sample(const Array& x, const Tensor& in) {
  Array q;
  q.dtype = DType::I8;
  q.shape = in.shape;
  q.bytes.resize(size_t(x.numel()));
  for (int64_t i = 0; i < x.numel(); ++i)
    q.bytes[size_t(i)] = uint8_t(int8_t(std::clamp(std::round(x.as<float>()[i] / in.quant.scale[0]) + in.quant.zero_point[0], -128.0f, 127.0f)));
  return q;
}

// Index of the largest of n values (int8 logits share one scale, so their order is the real one).
template <typename T>
int64_t argmax(const T* v, int64_t n) { return std::max_element(v, v + n) - v; }

class RnnModel : public ::testing::TestWithParam<std::string> {};

TEST_P(RnnModel, FloatMatchesPyTorch) {
  const std::string m = GetParam();
  Pipeline p = compile_model(m, false);
  const Array x = load_array(rnn_data(m + "_input.npy")), want = load_array(rnn_data(m + "_output.npy"));
  const Tensor& in = p.graph.t(p.graph.inputs[0]);
  const int64_t n = x.shape[0], classes = want.numel() / n;
  std::vector<float> ref;
  double worst = 0;
  for (int64_t s = 0; s < n; ++s) {
    const Array y = run_float(p.graph, {sample(x, s, in)}).at(0);
    ASSERT_EQ(y.numel(), classes);
    for (int64_t c = 0; c < classes; ++c) worst = std::max(worst, std::fabs(double(y.as<float>()[c]) - want.as<float>()[s * classes + c]));
  }
  EXPECT_LE(worst, 1e-5) << m << ": C++ float reference vs PyTorch";
  // The generated float C, built with both compilers, on the same inputs.
  TempDir out;
  const CodegenInput ci = codegen_input(p, m + "_f32");
  emit_c(ci, out.path.string());
  for (const char* cc : kCompilers) {
    std::vector<uint8_t> got = build_and_run(out.path, ci.name, cc, true, x.bytes.data(), x.bytes.size(), n);
    ASSERT_EQ(got.size(), size_t(want.numel()) * 4) << cc;
    const float* y = reinterpret_cast<const float*>(got.data());
    double c_worst = 0;
    for (int64_t k = 0; k < want.numel(); ++k) c_worst = std::max(c_worst, std::fabs(double(y[k]) - want.as<float>()[k]));
    EXPECT_LE(c_worst, 1e-5) << m << ": generated float C (" << cc << ") vs PyTorch";
    std::cout << "[ rnn ] " << m << " float max |error| vs PyTorch: C++ " << worst << ", " << cc << " " << c_worst << "\n";
  }
}

TEST_P(RnnModel, Int8GeneratedCIsBitExactAndKeepsTop1) {
  const std::string m = GetParam();
  Pipeline f = compile_model(m, false), q = compile_model(m, true);
  ASSERT_TRUE(q.quantized());
  const Array x = load_array(rnn_data("heldout_x.npy")), labels = load_array(rnn_data("heldout_y.npy"));
  const Tensor& fin = f.graph.t(f.graph.inputs[0]);
  const Tensor& qin = q.graph.t(q.graph.inputs[0]);
  const Tensor& qout = q.graph.t(q.graph.outputs[0]);
  const int64_t n = x.shape[0], classes = qout.numel();
  std::vector<uint8_t> qx, want;
  int64_t right_f = 0, right_q = 0;
  for (int64_t s = 0; s < n; ++s) {
    const Array xs = sample(x, s, fin);
    const Array yf = run_float(f.graph, {xs}).at(0);
    const Array xq = quantize_sample(xs, qin);
    const Array yq = run_int8(q.graph, q.calls, {xq}).at(0);
    qx.insert(qx.end(), xq.bytes.begin(), xq.bytes.end());
    want.insert(want.end(), yq.bytes.begin(), yq.bytes.end());
    const int64_t label = labels.as<int64_t>()[s];
    right_f += argmax(yf.as<float>(), classes) == label;
    right_q += argmax(yq.as<int8_t>(), classes) == label;
  }
  const double acc_f = 100.0 * double(right_f) / double(n), acc_q = 100.0 * double(right_q) / double(n);
  std::cout << "[ rnn ] " << m << " held-out top-1 (" << n << "): float " << acc_f << " %, int8 " << acc_q << " %\n";
  EXPECT_GE(acc_f, 95.0) << m << ": the trained model itself is worse than the script reported";
  EXPECT_GE(acc_q, acc_f - 1.0) << m;

  TempDir out;
  const CodegenInput ci = codegen_input(q, m);
  emit_c(ci, out.path.string());
  for (const char* cc : kCompilers) {
    std::vector<uint8_t> got = build_and_run(out.path, m, cc, false, qx.data(), qx.size(), n);
    ASSERT_EQ(got.size(), want.size()) << cc;
    int64_t diff = 0;
    for (size_t k = 0; k < got.size(); ++k) diff += got[k] != want[k];
    EXPECT_EQ(diff, 0) << cc << ": " << diff << " of " << got.size() << " output bytes differ from run_int8";
  }
}

INSTANTIATE_TEST_SUITE_P(PyTorch, RnnModel, ::testing::Values("gru_cls", "bilstm_cls"));

}  // namespace
}  // namespace mote
