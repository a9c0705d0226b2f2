// Mean and softmax, int8 and float: C runtime vs C++ reference, plus hand-worked cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "lower/tables.h"
#include "ref/kernels_ref.h"
#include "util/error.h"

namespace mote {
namespace {

using test::Rng;

// Random shapes and scales, with the multipliers lowering gives MEAN (1/count folded in) and
// SUM, including the large counts whose folded shift reaches -31.
TEST(MeanS8, MatchesReference) {
  Rng r(51);
  size_t total = 0, inside = 0;
  for (int32_t reduce : {1, 2, 3, 5, 7, 49, 196, 1000})
    for (int rep = 0; rep < 6; ++rep) {
      const bool sum = rep % 2 == 1;
      mote_mean_s8_params p{};
      p.outer = r.pick(test::prime_sizes());
      p.reduce = reduce;
      p.inner = r.pick(test::prime_sizes());
      p.in_zp = r.i(-128, 127);
      p.out_zp = r.i(-30, 30);
      // in / out scale: around 1 for a mean, around 1/reduce for a sum
      const double ratio = std::exp(r.u(std::log(0.5), std::log(2.0))) / (sum ? reduce : 1);
      const ReduceS8Requant rq = tflm_reduce_requant(float(ratio), 1.0f, reduce, sum);
      p.multiplier = rq.multiplier, p.shift = rq.shift;
      const auto in = r.s8(static_cast<size_t>(p.outer) * reduce * p.inner);
      const size_t n = static_cast<size_t>(p.outer) * p.inner;
      std::vector<int8_t> got(n), want(n);
      ASSERT_EQ(mote_mean_s8(&p, in.data(), got.data()), MOTE_OK);
      ASSERT_EQ(ref::mean_s8(p, in.data(), want.data()), MOTE_OK);
      ASSERT_EQ(test::count_mismatches(got, want, "reduce " + std::to_string(reduce)), 0u);
      total += n;
      inside += test::count_inside(want, -128, 127);
    }
  EXPECT_GT(inside, total / 2);
  mote_mean_s8_params bad{1, 2, 1, 0, 0, 1 << 30, -32};
  std::vector<int8_t> x(2), y(1);
  EXPECT_EQ(mote_mean_s8(&bad, x.data(), y.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::mean_s8(bad, x.data(), y.data()), MOTE_ERR_PARAM);
}

// TFLM's MEAN folds 1/count into the multiplier: same scales, count 3 gives 2^31 / 3 =
// 715827882 with shift 0 (QuantizeMultiplier(1) = 2^30, 1, then << 1 and / 3); count 2 gives
// 2^30, 0. SUM keeps QuantizeMultiplier(in / out).
TEST(MeanS8, TflmRequantParams) {
  const ReduceS8Requant m3 = tflm_reduce_requant(0.1f, 0.1f, 3, false);
  EXPECT_EQ(m3.multiplier, 715827882);
  EXPECT_EQ(m3.shift, 0);
  const ReduceS8Requant m2 = tflm_reduce_requant(0.1f, 0.1f, 2, false);
  EXPECT_EQ(m2.multiplier, 1 << 30);
  EXPECT_EQ(m2.shift, 0);
  const ReduceS8Requant s = tflm_reduce_requant(0.25f, 1.0f, 3, true);
  EXPECT_EQ(s.multiplier, 1 << 30);
  EXPECT_EQ(s.shift, -1);
  // the fold's shift is capped at 31 + shift: in/out 2^-30 has shift -29, so only 2 of the
  // 9 bits floor(log2(1000)) allows are folded
  const ReduceS8Requant tiny = tflm_reduce_requant(std::ldexp(1.0f, -30), 1.0f, 1000, false);
  EXPECT_EQ(tiny.shift, -31);
  EXPECT_EQ(tiny.multiplier, int32_t((int64_t{1} << 32) / 1000));
  EXPECT_THROW(tflm_reduce_requant(1.0f, 1.0f, 0, false), Error);
}

// [[1,2],[3,-4],[5,7]] reduced over the middle axis (outer 1, reduce 3, inner 2), zero point
// 1, same scales: sums 0 + 2 + 4 = 6 and 1 - 5 + 6 = 2, times 715827882 / 2^31 -> 2 and 1,
// plus out_zp -1. Ties: the mean of [-1, -2] is -1.5, which TFLM's high multiply sends up to
// -1 (a division rounding half away from zero would give -2). A SUM at in/out 0.25 of 6 and
// -6 rounds +-1.5 away from zero in the final shift: 2 and -2.
TEST(MeanS8, HandWorked) {
  mote_mean_s8_params p{1, 3, 2, 1, -1, 715827882, 0};
  const std::vector<int8_t> in = {1, 2, 3, -4, 5, 7};
  std::vector<int8_t> got(2), oracle(2);
  ASSERT_EQ(mote_mean_s8(&p, in.data(), got.data()), MOTE_OK);
  ASSERT_EQ(ref::mean_s8(p, in.data(), oracle.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{1, 0}));
  EXPECT_EQ(oracle, got);
  mote_mean_s8_params h{1, 2, 1, 0, 0, 1 << 30, 0};
  const std::vector<int8_t> tie = {-1, -2};
  ASSERT_EQ(mote_mean_s8(&h, tie.data(), got.data()), MOTE_OK);
  ASSERT_EQ(ref::mean_s8(h, tie.data(), oracle.data()), MOTE_OK);
  EXPECT_EQ(got[0], -1);
  EXPECT_EQ(oracle[0], -1);
  mote_mean_s8_params s{1, 3, 2, 0, 0, 1 << 30, -1};
  const std::vector<int8_t> terms = {1, -1, 2, -2, 3, -3};  // [reduce][inner]: sums 6, -6
  ASSERT_EQ(mote_mean_s8(&s, terms.data(), got.data()), MOTE_OK);
  ASSERT_EQ(ref::mean_s8(s, terms.data(), oracle.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{2, -2}));
  EXPECT_EQ(oracle, got);
}

TEST(MeanF32, MatchesReference) {
  Rng r(52);
  for (int32_t reduce : {1, 2, 3, 5, 7, 49, 196, 1000}) {
    mote_mean_f32_params p{r.pick(test::prime_sizes()), reduce, r.pick(test::prime_sizes()), 1.0f / float(reduce)};
    const auto in = r.f32(static_cast<size_t>(p.outer) * reduce * p.inner);
    std::vector<float> got(static_cast<size_t>(p.outer) * p.inner), want(got.size());
    ASSERT_EQ(mote_mean_f32(&p, in.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::mean_f32(p, in.data(), want.data()), MOTE_OK);
    test::expect_close(got, want, 1e-5, 1.0, "reduce " + std::to_string(reduce));
  }
}

mote_softmax_s8_params softmax_params(int32_t rows, int32_t cols, float beta, float in_scale) {
  const SoftmaxS8Params sp = tflm_softmax_params(beta, in_scale);
  return {rows, cols, sp.input_multiplier, sp.input_left_shift, sp.diff_min};
}

TEST(SoftmaxS8, MatchesReference) {
  Rng r(53);
  for (int32_t cols : {1, 2, 3, 5, 10, 13, 100, 1001, 4095})
    for (int rep = 0; rep < 6; ++rep) {
      const float scale = float(std::exp(r.u(std::log(0.002), std::log(1.0))));
      const float beta = rep % 2 ? 1.0f : float(r.u(0.3, 3.0));
      const mote_softmax_s8_params p = softmax_params(r.i(1, 5), cols, beta, scale);
      // narrow inputs too, so that many differences land above diff_min
      const auto in = r.s8(static_cast<size_t>(p.rows) * cols, rep < 3 ? -128 : -20, 127);
      std::vector<int8_t> got(in.size()), want(in.size());
      ASSERT_EQ(mote_softmax_s8(&p, in.data(), got.data()), MOTE_OK);
      ASSERT_EQ(ref::softmax_s8(p, in.data(), want.data()), MOTE_OK);
      ASSERT_EQ(test::count_mismatches(got, want, "cols " + std::to_string(cols)), 0u);
    }
}

// Against the exact float softmax (beta * scale * (x - max)): TFLM's fixed point stays within
// 1 LSB of round(256 p) - 128.
TEST(SoftmaxS8, WithinOneLsbOfFloat) {
  Rng r(55);
  for (int rep = 0; rep < 200; ++rep) {
    const int32_t cols = r.i(1, 40);
    const float scale = float(std::exp(r.u(std::log(0.01), std::log(0.3))));
    const mote_softmax_s8_params p = softmax_params(1, cols, 1.0f, scale);
    const auto in = r.s8(static_cast<size_t>(cols), -60, 60);
    std::vector<int8_t> got(in.size());
    ASSERT_EQ(mote_softmax_s8(&p, in.data(), got.data()), MOTE_OK);
    const int mx = *std::max_element(in.begin(), in.end());
    double sum = 0.0;
    for (int8_t v : in) sum += std::exp(double(scale) * (v - mx));
    for (int32_t c = 0; c < cols; ++c) {
      const double want = std::min(127.0, std::round(256.0 * std::exp(double(scale) * (in[c] - mx)) / sum) - 128);
      EXPECT_LE(std::fabs(got[c] - want), 1.0) << "rep " << rep << " col " << c;
    }
  }
}

// Worked through TFLM's algorithm by hand. Equal rows of n: each exp(0) is 1.0 = 2^19 in Q12.19,
// so the sum is n * 2^19 and the output 256 / n - 128: n = 1 -> 256 -> 127 (clamped), 2 -> 0,
// 3 -> 85.33 -> -43, 4 -> -64, 10 -> 25.6 -> -102. Scale 1/16: the multiplier is 2^30 with left
// shift 23 (2^22 = 1/16 in Q5.26) and diff_min = -floor(31 * 2^26 / 2^23) = -248. [0, -16] is
// p = 1/(1 + e^-1) = 0.7311 -> 187.2 -> 59 and 68.8 -> -59; [100, -100]: e^-12.5 * 256 rounds
// to 0; [127, -128]: 255 is beyond -248, so -128 without computing it.
TEST(SoftmaxS8, HandWorked) {
  std::vector<int8_t> got(10);
  const std::vector<std::pair<int32_t, int8_t>> equal = {{1, 127}, {2, 0}, {3, -43}, {4, -64}, {10, -102}};
  for (const auto& [n, want] : equal) {
    const mote_softmax_s8_params p = softmax_params(1, n, 1.0f, 0.1f);
    const std::vector<int8_t> row(static_cast<size_t>(n), 17);
    ASSERT_EQ(mote_softmax_s8(&p, row.data(), got.data()), MOTE_OK);
    for (int32_t c = 0; c < n; ++c) EXPECT_EQ(got[size_t(c)], want) << "n " << n;
  }
  const mote_softmax_s8_params p = softmax_params(1, 2, 1.0f, 0.0625f);
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.input_left_shift, 23);
  EXPECT_EQ(p.diff_min, -248);
  const std::vector<std::pair<std::vector<int8_t>, std::vector<int8_t>>> cases = {
      {{0, -16}, {59, -59}}, {{100, -100}, {127, -128}}, {{-128, 127}, {-128, 127}}};
  for (const auto& [in, want] : cases) {
    std::vector<int8_t> out(2), oracle(2);
    ASSERT_EQ(mote_softmax_s8(&p, in.data(), out.data()), MOTE_OK);
    ASSERT_EQ(ref::softmax_s8(p, in.data(), oracle.data()), MOTE_OK);
    EXPECT_EQ(out, want);
    EXPECT_EQ(oracle, want);
  }
  const mote_softmax_s8_params wide = softmax_params(1, 4096, 1.0f, 0.1f);  // Q12 sum overflows
  EXPECT_EQ(mote_softmax_s8(&wide, got.data(), got.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::softmax_s8(wide, got.data(), got.data()), MOTE_ERR_PARAM);
  mote_softmax_s8_params bad = p;
  bad.input_left_shift = 31;
  EXPECT_EQ(mote_softmax_s8(&bad, got.data(), got.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::softmax_s8(bad, got.data(), got.data()), MOTE_ERR_PARAM);
}

TEST(SoftmaxF32, MatchesReference) {
  Rng r(54);
  for (int32_t cols : {1, 2, 3, 5, 10, 13, 100, 1001}) {
    const mote_softmax_f32_params p{r.i(1, 5), cols, 0};
    const auto in = r.f32(static_cast<size_t>(p.rows) * cols, -20.0, 20.0);
    std::vector<float> got(in.size()), want(in.size());
    ASSERT_EQ(mote_softmax_f32(&p, in.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::softmax_f32(p, in.data(), want.data()), MOTE_OK);
    test::expect_close(got, want, 1e-5, 1e-30, "cols " + std::to_string(cols));
  }
  const std::vector<float> x = {0.0f, std::log(3.0f)};  // probabilities 1/4, 3/4
  std::vector<float> y(2);
  const mote_softmax_f32_params p{1, 2};
  ASSERT_EQ(mote_softmax_f32(&p, x.data(), y.data()), MOTE_OK);
  EXPECT_NEAR(y[0], 0.25f, 1e-6f);
  EXPECT_NEAR(y[1], 0.75f, 1e-6f);
}

}  // namespace
}  // namespace mote
