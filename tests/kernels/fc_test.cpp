// Fully connected, int8 and float: C runtime vs C++ reference, plus a hand-worked case.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::Rng;

TEST(FullyConnectedS8, MatchesReference) {
  Rng r(21);
  size_t total = 0, inside = 0;
  const std::vector<int32_t> features = {1, 2, 3, 5, 7, 11, 13, 31, 64, 97, 257};
  for (int32_t k : features)
    for (int32_t o : {1, 2, 3, 7, 10, 17})
      for (int32_t per_channel = 0; per_channel <= 1; ++per_channel) {
        std::vector<int32_t> mult, shift;
        const mote_fc_s8_params p = test::random_fc_params(r, k, o, per_channel, &mult, &shift);
        const double root = std::sqrt(static_cast<double>(k));
        const auto in = r.s8(static_cast<size_t>(p.batches) * k);
        const auto w = r.s8(static_cast<size_t>(o) * k, -127, 127);
        const int32_t bias_mag = static_cast<int32_t>(3000 * root);
        const auto bias = r.s32(static_cast<size_t>(o), -bias_mag, bias_mag);
        const int32_t* b = (k + o) % 3 == 0 ? nullptr : bias.data();
        const size_t n = static_cast<size_t>(p.batches) * o;
        std::vector<int8_t> got(n + 4, 55), want(n);
        ASSERT_EQ(mote_fully_connected_s8(&p, in.data(), w.data(), b, got.data()), MOTE_OK);
        ASSERT_EQ(ref::fully_connected_s8(p, in.data(), w.data(), b, want.data()), MOTE_OK);
        for (size_t i = n; i < got.size(); ++i) ASSERT_EQ(got[i], 55) << "overrun";
        got.resize(n);
        const std::string what = "k " + std::to_string(k) + " o " + std::to_string(o) +
                                 " per_channel " + std::to_string(per_channel);
        ASSERT_EQ(test::count_mismatches(got, want, what), 0u);
        total += n;
        inside += test::count_inside(want, p.act_min, p.act_max);
      }
  EXPECT_GT(inside, total / 2);
}

TEST(FullyConnectedF32, MatchesReference) {
  Rng r(22);
  for (int32_t k : {1, 2, 3, 5, 7, 11, 13, 31, 64, 97, 257})
    for (int32_t o : {1, 2, 3, 7, 10, 17}) {
      mote_fc_f32_params p{};
      p.batches = r.i(1, 3);
      p.in_features = k;
      p.out_features = o;
      const bool clamp = r.i(0, 2) == 0;
      p.act_min = clamp ? 0.0f : -std::numeric_limits<float>::infinity();
      p.act_max = clamp ? 6.0f : std::numeric_limits<float>::infinity();
      const auto in = r.f32(static_cast<size_t>(p.batches) * k);
      const auto w = r.f32(static_cast<size_t>(o) * k);
      const auto bias = r.f32(static_cast<size_t>(o));
      std::vector<float> got(static_cast<size_t>(p.batches) * o), want(got.size());
      ASSERT_EQ(mote_fully_connected_f32(&p, in.data(), w.data(), bias.data(), got.data()),
                MOTE_OK);
      ASSERT_EQ(ref::fully_connected_f32(p, in.data(), w.data(), bias.data(), want.data()),
                MOTE_OK);
      test::expect_close(got, want, 1e-5, std::sqrt(k), "k " + std::to_string(k));
    }
}

// in - in_zp = [4, -1, 6]; rows [1,2,3] and [-1,0,2]; bias [10, -3]: sums 30 and 5.
// Multiplier 0.25 = 0.5 * 2^-1: 30 -> 15 -> 7.5 -> 8; 5 -> 2.5 -> 3 -> 1.5 -> 2 (TFLite's
// double rounding, not round(1.25) = 1). Plus out_zp 3.
TEST(FullyConnectedS8, HandWorkedDoubleRounding) {
  const int32_t mult[] = {int32_t{1} << 30}, shift[] = {-1}, bias[] = {10, -3};
  mote_fc_s8_params p{};
  p.batches = 1;
  p.in_features = 3;
  p.out_features = 2;
  p.in_zp = -1;
  p.out_zp = 3;
  p.act_min = -128;
  p.act_max = 127;
  p.multiplier = mult;
  p.shift = shift;
  const std::vector<int8_t> in = {3, -2, 5}, w = {1, 2, 3, -1, 0, 2};
  std::vector<int8_t> got(2), oracle(2);
  ASSERT_EQ(mote_fully_connected_s8(&p, in.data(), w.data(), bias, got.data()), MOTE_OK);
  ASSERT_EQ(ref::fully_connected_s8(p, in.data(), w.data(), bias, oracle.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{11, 5}));
  EXPECT_EQ(oracle, got);
  p.act_max = 10;
  ASSERT_EQ(mote_fully_connected_s8(&p, in.data(), w.data(), bias, got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{10, 5}));
}

TEST(FullyConnectedS8, RejectsInconsistentParams) {
  const int32_t mult[] = {int32_t{1} << 30}, shift[] = {0};
  mote_fc_s8_params p{};
  p.batches = 1;
  p.in_features = 0;
  p.out_features = 1;
  p.act_min = -128;
  p.act_max = 127;
  p.multiplier = mult;
  p.shift = shift;
  int8_t in[1] = {0}, w[1] = {0}, out[1] = {0};
  EXPECT_EQ(mote_fully_connected_s8(&p, in, w, nullptr, out), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::fully_connected_s8(p, in, w, nullptr, out), MOTE_ERR_PARAM);
  p.in_features = 1;
  p.multiplier = nullptr;
  EXPECT_EQ(mote_fully_connected_s8(&p, in, w, nullptr, out), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::fully_connected_s8(p, in, w, nullptr, out), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote
