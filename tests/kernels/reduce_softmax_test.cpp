// Mean and softmax, int8 and float: C runtime vs C++ reference, plus hand-worked cases.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::Rng;

TEST(MeanS8, MatchesReference) {
  Rng r(51);
  size_t total = 0, inside = 0;
  for (int32_t reduce : {1, 2, 3, 5, 7, 49, 196, 1000})
    for (int rep = 0; rep < 6; ++rep) {
      mote_mean_s8_params p{};
      p.outer = r.pick(test::prime_sizes());
      p.reduce = reduce;
      p.inner = r.pick(test::prime_sizes());
      p.in_zp = r.i(-128, 127);
      p.out_zp = r.i(-30, 30);
      const double ratio = std::exp(r.u(std::log(0.5), std::log(2.0)));  // in / out scale
      quantize_multiplier(ratio / reduce, &p.multiplier, &p.shift);
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
}

// [[1,2],[3,-4],[5,7]] reduced over the middle axis (outer 1, reduce 3, inner 2), zero point
// 1, same scales: sums (0 + 2 + 4) / 3 = 2 and (1 - 5 + 6) / 3 = 0.67 -> 1, plus out_zp -1.
TEST(MeanS8, HandWorked) {
  mote_mean_s8_params p{};
  p.outer = 1;
  p.reduce = 3;
  p.inner = 2;
  p.in_zp = 1;
  p.out_zp = -1;
  quantize_multiplier(1.0 / 3.0, &p.multiplier, &p.shift);
  const std::vector<int8_t> in = {1, 2, 3, -4, 5, 7};
  std::vector<int8_t> got(2), oracle(2);
  ASSERT_EQ(mote_mean_s8(&p, in.data(), got.data()), MOTE_OK);
  ASSERT_EQ(ref::mean_s8(p, in.data(), oracle.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{1, 0}));
  EXPECT_EQ(oracle, got);
}

TEST(MeanF32, MatchesReference) {
  Rng r(52);
  for (int32_t reduce : {1, 2, 3, 5, 7, 49, 196, 1000}) {
    mote_mean_f32_params p{r.pick(test::prime_sizes()), reduce, r.pick(test::prime_sizes())};
    const auto in = r.f32(static_cast<size_t>(p.outer) * reduce * p.inner);
    std::vector<float> got(static_cast<size_t>(p.outer) * p.inner), want(got.size());
    ASSERT_EQ(mote_mean_f32(&p, in.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::mean_f32(p, in.data(), want.data()), MOTE_OK);
    test::expect_close(got, want, 1e-5, 1.0, "reduce " + std::to_string(reduce));
  }
}

// exp_table[255 + d] = round(exp(scale * d) * 2^16) for d in [-255, 0].
std::vector<uint32_t> exp_table(double scale) {
  std::vector<uint32_t> t(256);
  for (int d = -255; d <= 0; ++d)
    t[static_cast<size_t>(255 + d)] =
        static_cast<uint32_t>(std::lround(std::exp(scale * d) * 65536.0));
  return t;
}

TEST(SoftmaxS8, MatchesReference) {
  Rng r(53);
  for (int32_t cols : {1, 2, 3, 5, 10, 13, 100, 1001})
    for (int rep = 0; rep < 4; ++rep) {
      const auto table = exp_table(std::exp(r.u(std::log(0.005), std::log(0.5))));
      const mote_softmax_s8_params p{r.i(1, 5), cols, table.data()};
      const auto in = r.s8(static_cast<size_t>(p.rows) * cols);
      std::vector<int8_t> got(in.size()), want(in.size());
      ASSERT_EQ(mote_softmax_s8(&p, in.data(), got.data()), MOTE_OK);
      ASSERT_EQ(ref::softmax_s8(p, in.data(), want.data()), MOTE_OK);
      ASSERT_EQ(test::count_mismatches(got, want, "cols " + std::to_string(cols)), 0u);
    }
}

// Table 2^(16 + d) (scale ln 2). Row [0,-1,-2,5]: d = -5,-6,-7,0 -> 2048,1024,512,65536, sum
// 69120: (e * 256 + 34560) / 69120 = 8, 4, 2, 243, minus 128. Row [7,7]: 128.5 -> 128 -> 0.
TEST(SoftmaxS8, HandWorked) {
  std::vector<uint32_t> table(256, 0);
  for (int d = -16; d <= 0; ++d) table[static_cast<size_t>(255 + d)] = 65536u >> -d;
  std::vector<int8_t> got(4);
  const std::vector<int8_t> row = {0, -1, -2, 5};
  const mote_softmax_s8_params p{1, 4, table.data()};
  ASSERT_EQ(mote_softmax_s8(&p, row.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{-120, -124, -126, 115}));
  const std::vector<int8_t> pair = {7, 7};
  const mote_softmax_s8_params p2{1, 2, table.data()};
  ASSERT_EQ(mote_softmax_s8(&p2, pair.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got[0], 0);
  EXPECT_EQ(got[1], 0);
  // Near-ties: table 65536 and 8210, sum 73746: 8210 * 256 / 73746 = 28.499993 -> 28 and
  // 65536 * 256 / 73746 = 227.500007 -> 228 (the sum / 2 bias decides both).
  std::vector<uint32_t> near(256, 0);
  near[255] = 65536;
  near[254] = 8210;
  const std::vector<int8_t> row2 = {3, 2};
  const mote_softmax_s8_params pn{1, 2, near.data()};
  ASSERT_EQ(mote_softmax_s8(&pn, row2.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got[0], 100);
  EXPECT_EQ(got[1], -100);
  const std::vector<int8_t> one = {-50};  // probability 1.0 = 256/256 clamps to 127
  const mote_softmax_s8_params p1{1, 1, table.data()};
  ASSERT_EQ(mote_softmax_s8(&p1, one.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got[0], 127);
  const mote_softmax_s8_params wide{1, 65536, table.data()};  // sum could overflow 32 bits
  EXPECT_EQ(mote_softmax_s8(&wide, one.data(), got.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::softmax_s8(wide, one.data(), got.data()), MOTE_ERR_PARAM);
}

TEST(SoftmaxF32, MatchesReference) {
  Rng r(54);
  for (int32_t cols : {1, 2, 3, 5, 10, 13, 100, 1001}) {
    const mote_softmax_f32_params p{r.i(1, 5), cols};
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
