// Fixed-point rounding (C runtime and C++ reference), quantize_multiplier and mote_expf.
#include "lower/fixedpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "util/error.h"

namespace mote {
namespace {

constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
constexpr int32_t kHalf = int32_t{1} << 30;  // multiplier 0.5

TEST(FixedPoint, SrdhmKnownValues) {
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMin), kMax);  // the one overflow
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMax, kMax), 2147483646);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMax), -2147483647);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kHalf, kHalf), int32_t{1} << 29);
  // x * 0.5: ties go up (TFLite's nudge then truncation toward zero)
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1, kHalf), 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-1, kHalf), 0);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, kHalf), 2);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, kHalf), -1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, kHalf), -2);
  // not a tie: -1.25 (x = -5, multiplier 0.25) rounds to -1, -1.75 to -2
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, int32_t{1} << 29), -1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-7, int32_t{1} << 29), -2);
}

TEST(FixedPoint, RoundingDivideByPotKnownValues) {
  EXPECT_EQ(rounding_divide_by_pot(7, 0), 7);
  EXPECT_EQ(rounding_divide_by_pot(5, 2), 1);    // 1.25
  EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);    // 1.5 -> away from zero
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5 -> away from zero
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);  // -1.5
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);  // -1.25
  EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);  // -1.75
  EXPECT_EQ(rounding_divide_by_pot(kMin, 31), -1);
  EXPECT_EQ(rounding_divide_by_pot(kMax, 31), 1);
  EXPECT_EQ(rounding_divide_by_pot(-1, 31), 0);
}

// mote_requantize (C) and multiply_by_quantized_multiplier (C++) on hand-computed values.
TEST(FixedPoint, RequantizeKnownValues) {
  struct Case {
    int32_t x, m, shift, want;
  };
  const Case cases[] = {
      {100, kHalf, 0, 50},        {-3, kHalf, 0, -1},  // -1.5: the high multiply's tie goes up
      {5, kHalf, -1, 2},           // 1.25, rounded twice: 2.5 -> 3, then 1.5 -> 2
      {-5, kHalf, -1, -1},         // -2.5 -> -2, then -1 exactly
      {-6, kHalf, -1, -2},         // -3, then -1.5 -> -2
      {3, kHalf, 2, 6},            // multiplier 2: left shift first
      {1000, 1610612736, -3, 94},  // 1000 * 0.75 / 8 = 93.75
      {0, kMax, -31, 0},          {kMin, kMin, 0, kMax},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(multiply_by_quantized_multiplier(c.x, c.m, c.shift), c.want)
        << c.x << " " << c.m << " " << c.shift;
    EXPECT_EQ(mote_requantize(c.x, c.m, c.shift), c.want) << c.x << " " << c.m << " " << c.shift;
  }
}

TEST(FixedPoint, RequantizeCMatchesReferenceRandom) {
  test::Rng r(1234);
  const int32_t specials[] = {kMin, kMin + 1, -65536, -3,    -2,       -1,  0,
                              1,    2,        3,      65535, kMax - 1, kMax};
  const int32_t special_m[] = {kMin, -kHalf, kHalf, kHalf + 1, kMax};
  int64_t checked = 0;
  for (int32_t x : specials)
    for (int32_t m : special_m)
      for (int32_t s = -31; s <= 30; ++s) {
        ASSERT_EQ(mote_requantize(x, m, s), multiply_by_quantized_multiplier(x, m, s))
            << x << " " << m << " " << s;
        ++checked;
      }
  for (int k = 0; k < 1000000; ++k) {
    const int32_t x = k % 2 ? r.i(kMin, kMax) : r.i(-100000, 100000);
    const int32_t m = k % 7 ? r.i(kHalf, kMax) : r.i(kMin, kMax);
    const int32_t s = k % 5 ? r.i(-31, 0) : r.i(-31, 30);
    ASSERT_EQ(mote_requantize(x, m, s), multiply_by_quantized_multiplier(x, m, s))
        << x << " " << m << " " << s;
    ++checked;
  }
  EXPECT_GT(checked, 1000000);
}

TEST(FixedPoint, QuantizeMultiplierKnownValues) {
  struct Case {
    double real;
    int32_t m, shift;
  };
  const Case cases[] = {
      {0.0, 0, 0},
      {0.5, kHalf, 0},
      {1.0, kHalf, 1},
      {0.25, kHalf, -1},
      {0.75, 1610612736, 0},
      {-0.5, -kHalf, 0},
      {1.0 - std::ldexp(1.0, -40), kHalf, 1},  // mantissa rounds up to 2^31: renormalized
      {std::ldexp(1.0, -40), 0, 0},            // below 2^-32: zero
      {std::ldexp(1.0, 40), kMax, 30},         // saturates
      {std::ldexp(0.75, -20), 1610612736, -20},
  };
  for (const Case& c : cases) {
    int32_t m = -1, s = -1;
    quantize_multiplier(c.real, &m, &s);
    EXPECT_EQ(m, c.m) << c.real;
    EXPECT_EQ(s, c.shift) << c.real;
  }
  int32_t m = 0, s = 0;
  EXPECT_THROW(quantize_multiplier(std::nan(""), &m, &s), Error);
  EXPECT_THROW(quantize_multiplier(std::numeric_limits<double>::infinity(), &m, &s), Error);
}

TEST(FixedPoint, QuantizeMultiplierRoundTrips) {
  test::Rng r(99);
  for (int k = 0; k < 20000; ++k) {
    const double real = std::exp(r.u(std::log(1e-9), std::log(1e6)));
    int32_t m = 0, s = 0;
    quantize_multiplier(real, &m, &s);
    ASSERT_GE(m, kHalf);
    ASSERT_LE(m, kMax);
    const double back = std::ldexp(static_cast<double>(m), s - 31);
    ASSERT_LE(std::fabs(back - real) / real, std::ldexp(1.0, -31)) << real;
  }
}

TEST(Expf, RelativeErrorBelow2e7) {
  double worst = 0.0;
  float worst_x = 0.0f;
  for (int k = 0; k <= 2000000; ++k) {
    const float x = static_cast<float>(-87.0 + 175.0 * k / 2000000.0);
    const double want = std::exp(static_cast<double>(x));
    const double err = std::fabs(mote_expf(x) - want) / want;
    if (err > worst) {
      worst = err;
      worst_x = x;
    }
  }
  EXPECT_LT(worst, 2e-7) << "at x = " << worst_x;
  EXPECT_EQ(mote_expf(0.0f), 1.0f);
}

TEST(Expf, EdgesAndSubnormals) {
  EXPECT_TRUE(std::isinf(mote_expf(89.0f)));
  EXPECT_GT(mote_expf(89.0f), 0.0f);
  EXPECT_EQ(mote_expf(-105.0f), 0.0f);
  EXPECT_TRUE(std::isnan(mote_expf(std::nanf(""))));
  const double big = std::exp(static_cast<double>(88.7f));
  EXPECT_NEAR(mote_expf(88.7f), big, big * 2e-7);
  for (float x = -103.0f; x < -87.0f; x += 0.37f) {  // subnormal results: within one ulp
    const double want = std::exp(static_cast<double>(x));
    EXPECT_NEAR(mote_expf(x), want, want * 2e-7 + 1.5e-45) << x;
  }
}

}  // namespace
}  // namespace mote
