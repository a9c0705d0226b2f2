// TFLM-exact int8 tables for RSQRT, ABS and ELU: hand-derived entries, agreement with the float
// functions to one LSB across scales, and the inverse square root multiplier.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "lower/params/unary.h"
#include "util/error.h"

namespace mote {
namespace {

using test::Rng;

int8_t at(const std::vector<int8_t>& t, int q) { return t[size_t(q + 128)]; }

// Table entries against round(f(x) / out_scale) + out_zp in double, for every input code the
// table is defined on; returns the number of entries off by exactly one (never more).
template <typename F>
int within_one_lsb(const std::vector<int8_t>& t, TensorQuant in, TensorQuant out, int q_lo, F f) {
  int off = 0;
  for (int q = q_lo; q <= 127; ++q) {
    const double want = std::clamp(std::round(f(double(in.scale) * (q - in.zero_point)) / out.scale) + out.zero_point, -128.0, 127.0);
    const double d = std::fabs(at(t, q) - want);
    EXPECT_LE(d, 1.0) << "q " << q;
    off += d == 1.0;
  }
  return off;
}

TEST(InvSqrtMultiplier, HandWorked) {
  int32_t m = 0;
  int s = 0;
  // 1/sqrt(4) = 0.5: Q31 2^30, no shift; 1/sqrt(16) = 0.25; 1/sqrt(2^20) = 2^-10, kept as
  // 2^28 (1/8 in Q31) with a right shift of 7 (reversed to -7)
  inv_sqrt_quantized_multiplier(4, -1, &m, &s);
  EXPECT_NEAR(m, 1 << 30, 64);
  EXPECT_EQ(s, 0);
  inv_sqrt_quantized_multiplier(16, -1, &m, &s);
  EXPECT_NEAR(m, 1 << 29, 64);
  EXPECT_EQ(s, 0);
  inv_sqrt_quantized_multiplier(1 << 20, -1, &m, &s);
  EXPECT_NEAR(m, 1 << 28, 64);
  EXPECT_EQ(s, -7);
  inv_sqrt_quantized_multiplier(1, -1, &m, &s);  // TFLite's special case
  EXPECT_EQ(m, INT32_MAX);
  EXPECT_EQ(s, 0);
}

TEST(InvSqrtMultiplier, MatchesFloatAcrossInputs) {
  for (int32_t v = 2; v < (1 << 30) && v > 0; v = v + v / 3 + 1) {
    int32_t m = 0;
    int s = 0;
    inv_sqrt_quantized_multiplier(v, -1, &m, &s);
    const double got = double(m) / 2147483648.0 * std::ldexp(1.0, s);
    EXPECT_NEAR(got * std::sqrt(double(v)), 1.0, 1e-5) << v;  // five Newton steps from 1
  }
}

TEST(RsqrtTable, HandWorkedAndNearFloat) {
  // in scale 1/64 (zp -128), out scale 1/16 (zp -100): q = -128 + 16 is x = 0.25, 1/sqrt = 2 -> 32
  const TensorQuant in{1.0f / 64, -128}, out{1.0f / 16, -100};
  const auto t = tflm_rsqrt_table(in, out);
  EXPECT_EQ(at(t, -128), 127);  // x = 0: TFLM's maximum
  EXPECT_EQ(at(t, -112), -100 + 32);
  EXPECT_EQ(at(t, -128 + 64), -100 + 16);  // x = 1
  Rng r(81);
  for (int k = 0; k < 20; ++k) {
    const TensorQuant qi{float(r.u(0.01, 0.1)), -128}, qo{float(r.u(0.01, 0.05)), r.i(-20, 20)};
    const auto tt = tflm_rsqrt_table(qi, qo);
    within_one_lsb(tt, qi, qo, -127, [](double x) { return 1.0 / std::sqrt(x); });
  }
}

TEST(AbsTable, SameScaleMovesOnlyTheZeroPoint) {
  // equal float scales: no multiplier even though the zero points differ
  const auto t = tflm_abs_table({0.05f, -3}, {0.05f, 10});
  for (int q = -128; q <= 127; ++q) EXPECT_EQ(at(t, q), std::min(127, std::abs(q + 3) + 10)) << q;
}

TEST(AbsTable, RescaleHandWorkedAndNearFloat) {
  // 0.05 -> 0.1: |q - 4| / 2, halves away from zero
  const auto t = tflm_abs_table({0.05f, 4}, {0.1f, -16});
  EXPECT_EQ(at(t, 4), -16);
  EXPECT_EQ(at(t, 9), -16 + 3);    // 2.5 -> 3
  EXPECT_EQ(at(t, -1), -16 + 3);   // |-5| / 2
  EXPECT_EQ(at(t, -128), -16 + 66);
  Rng r(83);
  for (int k = 0; k < 20; ++k) {
    const TensorQuant qi{float(r.u(0.02, 0.1)), r.i(-20, 20)}, qo{float(r.u(0.02, 0.1)), r.i(-20, 20)};
    within_one_lsb(tflm_abs_table(qi, qo), qi, qo, -128, [](double x) { return std::fabs(x); });
  }
}

TEST(EluTable, HandWorkedAndNearFloat) {
  const TensorQuant in{0.1f, 0}, out{0.1f, 3};
  const auto t = tflm_elu_table(in, out);
  EXPECT_EQ(at(t, 50), 53);                 // identity above 0
  EXPECT_EQ(at(t, -10), 3 - 6);             // exp(-1) - 1 = -0.632 -> -6.32 -> -6
  EXPECT_EQ(at(t, -128), 3 - 10);           // exp(-12.8) - 1 -> -1.0 -> -10
  EXPECT_EQ(at(t, 127), 127);               // 12.7 + zp 3 saturates
  Rng r(89);
  for (int k = 0; k < 20; ++k) {
    const TensorQuant qi{float(r.u(0.02, 0.1)), r.i(-20, 20)}, qo{float(r.u(0.02, 0.1)), r.i(-20, 20)};
    within_one_lsb(tflm_elu_table(qi, qo), qi, qo, -128, [](double x) { return x < 0 ? std::expm1(x) : x; });
  }
}

TEST(UnaryTables, RejectBadScales) {
  EXPECT_THROW(tflm_rsqrt_table({0.0f, -128}, {0.1f, 0}), Error);
  EXPECT_THROW(tflm_abs_table({0.1f, 0}, {-1.0f, 0}), Error);
  EXPECT_THROW(tflm_elu_table({NAN, 0}, {0.1f, 0}), Error);
}

}  // namespace
}  // namespace mote
