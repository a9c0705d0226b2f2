// REDUCE_MAX and ARG_MAX: C runtime vs C++ reference over prime-stepped geometries, the
// [outer][reduce][inner] folding of axes, and TFLM's tie and NaN behaviour.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "lower/params/reduce.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"
#include "util/error.h"

namespace mote {
namespace {

using test::Rng;

std::string dims(const mote_reduce_params& p) {
  return std::to_string(p.outer) + "x" + std::to_string(p.reduce) + "x" + std::to_string(p.inner);
}

TEST(ReduceMax, MatchesReferenceOverPrimeGeometries) {
  Rng r(71);
  for (int32_t outer : test::prime_sizes())
    for (int32_t reduce : test::prime_sizes())
      for (int32_t inner : {1, 2, 5, 13}) {
        const mote_reduce_params p{outer, reduce, inner};
        const size_t n = size_t(outer) * reduce * inner, m = size_t(outer) * inner;
        // narrow int8 range so that ties and the -128 start value both occur
        const auto x8 = r.s8(n, -128, r.i(-128, 127));
        std::vector<int8_t> got8(m + 2, 55), want8(m);
        ASSERT_EQ(mote_reduce_max_s8(&p, x8.data(), got8.data()), MOTE_OK);
        ASSERT_EQ(ref::reduce_max_s8(p, x8.data(), want8.data()), MOTE_OK);
        EXPECT_EQ(got8[m], 55) << "overrun";
        got8.resize(m);
        EXPECT_EQ(test::count_mismatches(got8, want8, dims(p)), 0u);
        const auto xf = r.f32(n, -3.0, 3.0);
        std::vector<float> gotf(m), wantf(m);
        ASSERT_EQ(mote_reduce_max_f32(&p, xf.data(), gotf.data()), MOTE_OK);
        ASSERT_EQ(ref::reduce_max_f32(p, xf.data(), wantf.data()), MOTE_OK);
        EXPECT_EQ(gotf, wantf) << dims(p);  // a max is exact
      }
}

TEST(ArgMax, MatchesReferenceOverPrimeGeometries) {
  Rng r(73);
  for (int32_t outer : test::prime_sizes())
    for (int32_t reduce : test::prime_sizes())
      for (int32_t inner : {1, 3, 7}) {
        const mote_reduce_params p{outer, reduce, inner};
        const size_t n = size_t(outer) * reduce * inner, m = size_t(outer) * inner;
        const auto x8 = r.s8(n, -3, 3);  // many ties: the first maximum must win
        std::vector<int32_t> got(m + 1, -7), want(m);
        ASSERT_EQ(mote_arg_max_s8(&p, x8.data(), got.data()), MOTE_OK);
        ASSERT_EQ(ref::arg_max_s8(p, x8.data(), want.data()), MOTE_OK);
        EXPECT_EQ(got[m], -7) << "overrun";
        got.resize(m);
        EXPECT_EQ(got, want) << dims(p);
        auto xf = r.f32(n);
        for (size_t k = 0; k < n; k += 4) xf[k] = 0.5f;  // ties in float too
        std::vector<int32_t> gotf(m), wantf(m);
        ASSERT_EQ(mote_arg_max_f32(&p, xf.data(), gotf.data()), MOTE_OK);
        ASSERT_EQ(ref::arg_max_f32(p, xf.data(), wantf.data()), MOTE_OK);
        EXPECT_EQ(gotf, wantf) << dims(p);
      }
}

TEST(ReduceMax, HandWorked) {
  // [2][3][2]: max over the middle
  const mote_reduce_params p{2, 3, 2};
  const std::vector<int8_t> x = {1, -5, 7, -9, 3, -2, -128, -128, -128, 0, -128, -1};
  std::vector<int8_t> got(4);
  ASSERT_EQ(mote_reduce_max_s8(&p, x.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{7, -2, -128, 0}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> xf = {nan, 1.0f, -2.0f, nan, nan, nan, 0, 0, 0, 0, 0, 0};
  std::vector<float> gotf(4);
  ASSERT_EQ(mote_reduce_max_f32(&p, xf.data(), gotf.data()), MOTE_OK);
  // NaNs are never greater, so they are skipped; an all-NaN column keeps TFLM's lowest()
  EXPECT_EQ(gotf[0], -2.0f);
  EXPECT_EQ(gotf[1], 1.0f);
  const mote_reduce_params q{1, 2, 1};
  const std::vector<float> all_nan = {nan, nan};
  ASSERT_EQ(mote_reduce_max_f32(&q, all_nan.data(), gotf.data()), MOTE_OK);
  EXPECT_EQ(gotf[0], std::numeric_limits<float>::lowest());
}

TEST(ArgMax, HandWorkedFirstMaximumWins) {
  const mote_reduce_params p{1, 5, 2};
  const std::vector<int8_t> x = {3, -1, 9, -1, 9, 4, -2, 4, 9, 0};
  std::vector<int32_t> got(2);
  ASSERT_EQ(mote_arg_max_s8(&p, x.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int32_t>{1, 2}));
}

TEST(ReduceParams, FoldsAdjacentAxes) {
  auto same = [](const mote_reduce_params& a, mote_reduce_params b) {
    return a.outer == b.outer && a.reduce == b.reduce && a.inner == b.inner;
  };
  EXPECT_TRUE(same(reduce_max_params({1, 5, 5, 8}, {1, 2}), {1, 25, 8}));
  EXPECT_TRUE(same(reduce_max_params({1, 5, 5, 8}, {3}), {25, 8, 1}));
  EXPECT_TRUE(same(reduce_max_params({1, 5, 5, 8}, {-1, 3}), {25, 8, 1}));
  EXPECT_TRUE(same(reduce_max_params({2, 1, 4}, {0, 2}), {1, 8, 1}));  // size-1 dim between
  EXPECT_TRUE(same(reduce_max_params({2, 3, 4}, {}), {24, 1, 1}));
  EXPECT_THROW(reduce_max_params({2, 3, 4}, {0, 2}), Error);
  EXPECT_THROW(reduce_max_params({2, 3, 4}, {3}), Error);
  EXPECT_THROW(reduce_max_s8_params({2, 3}, {1}, {0.1f, 2}, {0.1f, 3}), Error);
  EXPECT_TRUE(same(reduce_max_s8_params({2, 3}, {1}, {0.1f, 2}, {0.1f, 2}), {2, 3, 1}));
  EXPECT_TRUE(same(arg_max_params({1, 5, 5, 10}, 3), {25, 10, 1}));
  EXPECT_TRUE(same(arg_max_params({1, 5, 5, 10}, -4), {1, 1, 250}));
  EXPECT_THROW(arg_max_params({1, 5}, 2), Error);
}

}  // namespace
}  // namespace mote
