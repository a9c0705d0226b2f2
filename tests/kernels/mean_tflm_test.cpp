// TFLM's own bytes for int8 MEAN and SUM (../shared/conformance): the MEAN models go through
// mote's import and lowering, then the C kernel and the C++ oracle; the SUM models (no ReduceSum
// op yet) run the same kernel with lowering's SUM requantization, read from the model file.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <algorithm>
#include <cstring>

#include "require.h"
#include "driver/pipeline.h"
#include "lower/tables.h"
#include "mote/kernels.h"
#include "ref/executor.h"
#include "ref/kernels_ref.h"
#include "formats/tflite/schema_generated.h"
#include "util/file.h"

namespace mote {
namespace {

const std::string kCases = std::string(MOTE_SHARED_DIR) + "/conformance/";

std::vector<int8_t> bytes_of(const std::string& path) {
  const std::string b = read_file(path);
  return std::vector<int8_t>(b.begin(), b.end());
}

std::string io(const std::string& c, const char* kind, int k) {
  return kCases + c + "/" + kind + "_0" + std::to_string(k) + ".bin";
}

// Bytes equal to TFLM's over the case's four inputs, for the kernel and for the oracle.
struct Tally {
  size_t kernel = 0, oracle = 0, total = 0;
};

Tally run_case(const std::string& c, const mote_mean_s8_params& p) {
  Tally t;
  for (int k = 0; k < 4; ++k) {
    const std::vector<int8_t> in = bytes_of(io(c, "in", k)), want = bytes_of(io(c, "out", k));
    EXPECT_EQ(in.size(), size_t(p.outer) * size_t(p.reduce) * size_t(p.inner)) << c;
    EXPECT_EQ(want.size(), size_t(p.outer) * size_t(p.inner)) << c;
    if (in.size() != size_t(p.outer) * size_t(p.reduce) * size_t(p.inner) || want.size() != size_t(p.outer) * size_t(p.inner))
      return t;
    std::vector<int8_t> got(want.size()), oracle(want.size());
    EXPECT_EQ(mote_mean_s8(&p, in.data(), got.data()), MOTE_OK);
    EXPECT_EQ(ref::mean_s8(p, in.data(), oracle.data()), MOTE_OK);
    for (size_t i = 0; i < want.size(); ++i) {
      t.kernel += got[i] == want[i];
      t.oracle += oracle[i] == want[i];
    }
    t.total += want.size();
  }
  return t;
}

class TflmMean : public ::testing::TestWithParam<std::string> {};

TEST_P(TflmMean, KernelGivesTflmBytes) {
  const std::string c = GetParam();
  MOTE_REQUIRE(std::filesystem::exists(kCases + c)) << kCases + c << " is absent";
  const Pipeline p = run_pipeline({kCases + c + "/model.tflite", ""});
  ASSERT_EQ(p.calls.size(), 1u);
  ASSERT_EQ(p.calls[0].kernel(), "mote_mean_s8");
  const Tally t = run_case(c, std::get<mote_mean_s8_params>(p.calls[0].params));
  std::printf("[ tflm ] %s: kernel %zu / %zu, oracle %zu / %zu bytes equal\n", c.c_str(), t.kernel, t.total, t.oracle, t.total);
  EXPECT_GT(t.total, 0u);
  EXPECT_EQ(t.kernel, t.total);
  EXPECT_EQ(t.oracle, t.total);
  // the graph executor, which dispatches to the oracle, agrees on the whole model
  for (int k = 0; k < 4; ++k) {
    const std::vector<int8_t> in = bytes_of(io(c, "in", k)), want = bytes_of(io(c, "out", k));
    Array a;
    a.dtype = DType::I8;
    a.shape = p.graph.t(p.graph.inputs[0]).shape;
    a.bytes.assign(in.begin(), in.end());
    const Array y = run_int8(p.graph, p.calls, {a}).at(0);
    EXPECT_EQ(std::vector<int8_t>(y.as<int8_t>(), y.as<int8_t>() + y.numel()), want) << c << " input " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Conformance, TflmMean,
                         ::testing::Values("mean_hw_keepdims", "mean_hw_keepdims_samequant", "mean_axis3",
                                           "mean_axis1_keepdims"));

// SUM's parameters straight from the file: input/output quantization, shape and axes.
mote_mean_s8_params sum_params(const std::string& model_path) {
  const std::string bytes = read_file(model_path);
  const tflite::Model* m = tflite::GetModel(bytes.data());
  const tflite::SubGraph* sg = m->subgraphs()->Get(0);
  const tflite::Operator* op = sg->operators()->Get(0);
  const tflite::Tensor* x = sg->tensors()->Get(uint32_t(op->inputs()->Get(0)));
  const tflite::Tensor* axis = sg->tensors()->Get(uint32_t(op->inputs()->Get(1)));
  const tflite::Tensor* y = sg->tensors()->Get(uint32_t(op->outputs()->Get(0)));
  const auto* ax = m->buffers()->Get(axis->buffer())->data();
  std::vector<int32_t> axes(ax->size() / 4);
  std::memcpy(axes.data(), ax->data(), ax->size());
  std::sort(axes.begin(), axes.end());
  int64_t outer = 1, reduce = 1, inner = 1;
  for (int32_t d = 0; d < int32_t(x->shape()->size()); ++d) {
    const int64_t n = x->shape()->Get(uint32_t(d));
    if (d < axes.front()) outer *= n;
    else if (d <= axes.back()) reduce *= n;
    else inner *= n;
  }
  EXPECT_EQ(int64_t(axes.back() - axes.front() + 1), int64_t(axes.size())) << "contiguous axes";
  const float in_scale = x->quantization()->scale()->Get(0), out_scale = y->quantization()->scale()->Get(0);
  const ReduceS8Requant rq = tflm_reduce_requant(in_scale, out_scale, reduce, true);
  return {int32_t(outer), int32_t(reduce), int32_t(inner), int32_t(x->quantization()->zero_point()->Get(0)),
          int32_t(y->quantization()->zero_point()->Get(0)), rq.multiplier, rq.shift};
}

class TflmSum : public ::testing::TestWithParam<std::string> {};

TEST_P(TflmSum, KernelGivesTflmBytes) {
  const std::string c = GetParam();
  MOTE_REQUIRE(std::filesystem::exists(kCases + c)) << kCases + c << " is absent";
  const Tally t = run_case(c, sum_params(kCases + c + "/model.tflite"));
  std::printf("[ tflm ] %s: kernel %zu / %zu, oracle %zu / %zu bytes equal\n", c.c_str(), t.kernel, t.total, t.oracle, t.total);
  EXPECT_GT(t.total, 0u);
  EXPECT_EQ(t.kernel, t.total);
  EXPECT_EQ(t.oracle, t.total);
}

INSTANTIATE_TEST_SUITE_P(Conformance, TflmSum, ::testing::Values("sum_hw_keepdims", "sum_axis2"));

}  // namespace
}  // namespace mote
