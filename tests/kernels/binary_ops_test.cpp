// Broadcasting int8 DIV / SQUARED_DIFFERENCE / MAXIMUM / MINIMUM / PRELU and the float binary
// ops beyond ADD/SUB/MUL: C runtime vs C++ reference over every broadcast pattern, the
// compile-time parameters on hand-derived values, and libm-free pow/log against <cmath>.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "lower/params/elementwise.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"
#include "util/error.h"

namespace mote {
namespace {

using test::Rng;

// Output dims drawn from primes; operand a broadcast along a_mask's axes, b along b_mask's.
test::BcastCase geometry(Rng& r, int a_mask, int b_mask) { return test::random_bcast(r, a_mask, b_mask, {1, 2, 3, 5, 7}); }

std::string where(int a, int b) { return "a_mask " + std::to_string(a) + " b_mask " + std::to_string(b); }

TensorQuant quant(Rng& r, double lo, double hi, int32_t zp_lo = -20, int32_t zp_hi = 20) {
  return {float(std::exp(r.u(std::log(lo), std::log(hi)))), r.i(zp_lo, zp_hi)};
}

mote_bcast flat(int32_t n) {
  mote_bcast bc{};
  bc.dims[0] = bc.dims[1] = bc.dims[2] = 1;
  bc.dims[3] = n;
  bc.a_stride[3] = bc.b_stride[3] = 1;
  return bc;
}

// Runs the C kernel and the reference on random operands for all 256 broadcast patterns and
// returns how many outputs are strictly inside int8 (guards against all-saturated tests).
template <typename P, typename MakeParams, typename Kernel, typename Ref>
size_t compare_all_patterns(uint32_t seed, MakeParams make, Kernel kernel, Ref reference) {
  Rng r(seed);
  size_t inside = 0;
  for (int a_mask = 0; a_mask < 16; ++a_mask)
    for (int b_mask = 0; b_mask < 16; ++b_mask) {
      const test::BcastCase g = geometry(r, a_mask, b_mask);
      const P p = make(r, g.bc);
      const auto a = r.s8(g.a_n), b = r.s8(g.b_n);
      std::vector<int8_t> got(g.out_n + 3, 77), want(g.out_n);
      EXPECT_EQ(kernel(&p, a.data(), b.data(), got.data()), MOTE_OK);
      EXPECT_EQ(reference(p, a.data(), b.data(), want.data()), MOTE_OK);
      for (size_t k = g.out_n; k < got.size(); ++k) EXPECT_EQ(got[k], 77) << "overrun";
      got.resize(g.out_n);
      EXPECT_EQ(test::count_mismatches(got, want, where(a_mask, b_mask)), 0u);
      inside += test::count_inside(want, -128, 127);
    }
  return inside;
}

TEST(DivS8, MatchesReferenceBroadcastingEveryAxis) {
  const size_t inside = compare_all_patterns<mote_div_s8_params>(
      41,
      [](Rng& r, const mote_bcast& bc) {
        const bool clamp = r.i(0, 3) == 0;
        return div_s8_params(bc, quant(r, 0.02, 0.1), quant(r, 0.02, 0.1, -128, 127), quant(r, 0.05, 0.4),
                             clamp ? r.i(-128, 0) : -128, clamp ? r.i(1, 127) : 127);
      },
      mote_div_s8, ref::div_s8);
  EXPECT_GT(inside, 3000u);
}

// Every numerator and divisor code, including the divisor's zero point and the tiny numerators
// whose shifts leave the defined range.
TEST(DivS8, MatchesReferenceOnEveryCodePair) {
  Rng r(43);
  for (int trial = 0; trial < 6; ++trial) {
    const TensorQuant qa = quant(r, 0.01, 0.2), qb = quant(r, 0.01, 0.2), qo = quant(r, 0.01, 1.0);
    const mote_div_s8_params p = div_s8_params(flat(256 * 256), qa, qb, qo, -128, 127);
    std::vector<int8_t> a(256 * 256), b(256 * 256), got(a.size()), want(a.size());
    for (size_t k = 0; k < a.size(); ++k) a[k] = int8_t(int(k % 256) - 128), b[k] = int8_t(int(k / 256) - 128);
    ASSERT_EQ(mote_div_s8(&p, a.data(), b.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::div_s8(p, a.data(), b.data(), want.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(got, want, "trial " + std::to_string(trial)), 0u);
  }
}

// Unit scales, zero points 0: the multiplier is 1 (2^30 with shift 1).
TEST(DivS8, HandWorked) {
  const mote_div_s8_params p = div_s8_params(flat(7), {1.0f, 0}, {1.0f, 0}, {1.0f, 0}, -128, 127);
  EXPECT_EQ(p.out_multiplier, 1 << 30);
  EXPECT_EQ(p.out_shift, 1);
  const std::vector<int8_t> a = {100, -90, 9, 1, 1, 0, 5}, b = {4, 3, -3, 1, 64, 0, 0};
  // 25; -30; -3 (divisor negated first); 1; 1/64: the final shift is 6 + 30 - 1 = 35 bits,
  // which TFLM's x86 build runs as a 3-bit shift plus one, saturating (the documented quirk);
  // 0/0 -> zero point; 5/0 -> the upper bound
  const std::vector<int8_t> want = {25, -30, -3, 1, 127, 0, 127};
  std::vector<int8_t> got(7);
  ASSERT_EQ(mote_div_s8(&p, a.data(), b.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, want);
}

TEST(DivS8, ParamsRejectOutOfRangeScales) {
  EXPECT_THROW(div_s8_params(flat(1), {1.0f, 0}, {1e-6f, 0}, {1e-3f, 0}, -128, 127), Error);
  EXPECT_THROW(div_s8_params(flat(1), {0.0f, 0}, {1.0f, 0}, {1.0f, 0}, -128, 127), Error);
}

TEST(SquaredDifferenceS8, MatchesReferenceBroadcastingEveryAxis) {
  const size_t inside = compare_all_patterns<mote_squared_difference_s8_params>(
      47,
      [](Rng& r, const mote_bcast& bc) {
        return squared_difference_s8_params(bc, quant(r, 0.01, 0.1), quant(r, 0.01, 0.1), quant(r, 0.2, 2.0));
      },
      mote_squared_difference_s8, ref::squared_difference_s8);
  EXPECT_GT(inside, 3000u);
}

// Power-of-two scales (exact multipliers): a 1/8, b 1/2 (common scale 2 * 1/2 = 1), output 1/4.
TEST(SquaredDifferenceS8, HandWorked) {
  const auto p = squared_difference_s8_params(flat(3), {0.125f, 0}, {0.5f, 1}, {0.25f, -5});
  EXPECT_EQ(p.left_shift, 7);
  EXPECT_EQ(p.a_multiplier, 1 << 30);  // 1/8 = 0.5 * 2^-2
  EXPECT_EQ(p.a_shift, -2);
  EXPECT_EQ(p.b_multiplier, 1 << 30);  // 1/2
  EXPECT_EQ(p.b_shift, 0);
  EXPECT_EQ(p.out_multiplier, 1 << 30);  // 1 / (2^14 * 1/4) = 2^-12 = 0.5 * 2^-11
  EXPECT_EQ(p.out_shift, -11);
  // (1.25 - 0.5)^2 = 0.5625 -> 2.25 -> 2 - 5; (-2.5 - 2)^2 = 20.25 -> 81 - 5; (2.5 - 0)^2 -> 25 - 5
  const std::vector<int8_t> a = {10, -20, 20}, b = {2, 5, 1};
  std::vector<int8_t> got(3);
  ASSERT_EQ(mote_squared_difference_s8(&p, a.data(), b.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{-3, 76, 20}));
  EXPECT_THROW(squared_difference_s8_params(flat(1), {0.1f, 0}, {0.1f, 0}, {1e-7f, 0}), Error);
}

TEST(MinMaxS8, MatchesReferenceBroadcastingEveryAxis) {
  for (int is_max = 0; is_max < 2; ++is_max) {
    const size_t inside = compare_all_patterns<mote_minmax_s8_params>(
        53 + is_max,
        [&](Rng& r, const mote_bcast& bc) {
          const TensorQuant q = quant(r, 0.01, 0.1);
          return minmax_s8_params(bc, is_max != 0, q, q, q);
        },
        mote_minmax_s8, ref::minmax_s8);
    EXPECT_GT(inside, 3000u);
  }
}

TEST(MinMaxS8, HandWorkedAndQuantizationCheck) {
  const TensorQuant q{0.05f, 3};
  const auto pmax = minmax_s8_params(flat(3), true, q, q, q), pmin = minmax_s8_params(flat(3), false, q, q, q);
  const std::vector<int8_t> a = {-128, 5, 127}, b = {-127, 5, -1};
  std::vector<int8_t> got(3);
  ASSERT_EQ(mote_minmax_s8(&pmax, a.data(), b.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{-127, 5, 127}));
  ASSERT_EQ(mote_minmax_s8(&pmin, a.data(), b.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{-128, 5, -1}));
  EXPECT_THROW(minmax_s8_params(flat(1), true, q, {0.05f, 4}, q), Error);
  EXPECT_THROW(minmax_s8_params(flat(1), false, q, q, {0.06f, 3}), Error);
}

TEST(PreluS8, MatchesReferenceBroadcastingEveryAxis) {
  const size_t inside = compare_all_patterns<mote_prelu_s8_params>(
      59,
      [](Rng& r, const mote_bcast& bc) {
        return prelu_s8_params(bc, quant(r, 0.02, 0.1), quant(r, 0.002, 0.02, -10, 10), quant(r, 0.05, 0.2));
      },
      mote_prelu_s8, ref::prelu_s8);
  EXPECT_GT(inside, 10000u);
}

// input 0.05 (zp 2), alpha 0.004 (zp 0), output 0.1 (zp -3).
TEST(PreluS8, HandWorked) {
  const auto p = prelu_s8_params(flat(3), {0.05f, 2}, {0.004f, 0}, {0.1f, -3});
  int32_t m = 0, s = 0;
  quantize_multiplier(double(0.05f) / double(0.1f), &m, &s);
  EXPECT_EQ(p.pos_multiplier, m);
  EXPECT_EQ(p.pos_shift, s);
  quantize_multiplier(double(0.05f) * double(0.004f) / double(0.1f), &m, &s);
  EXPECT_EQ(p.neg_multiplier, m);
  EXPECT_EQ(p.neg_shift, s);
  // x = 20 (1.0) -> 10 - 3 = 7; x = -100 (-5.0) with alpha 50 (0.2) -> -1.0 -> -10 - 3 = -13;
  // x = -100 with alpha -25 (-0.1) -> 0.5 -> 5 - 3 = 2
  const std::vector<int8_t> in = {22, -98, -98}, alpha = {50, 50, -25};
  std::vector<int8_t> got(3);
  ASSERT_EQ(mote_prelu_s8(&p, in.data(), alpha.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{7, -13, 2}));
}

TEST(BinaryF32, NewOpsMatchReferenceBroadcastingEveryAxis) {
  Rng r(61);
  for (int op = MOTE_BIN_DIV; op <= MOTE_BIN_PRELU; ++op)
    for (int a_mask = 0; a_mask < 16; ++a_mask)
      for (int b_mask = 0; b_mask < 16; b_mask += 3) {
        const test::BcastCase g = geometry(r, a_mask, b_mask);
        mote_binary_f32_params p{};
        p.bc = g.bc;
        p.op = op;
        const bool clamp = r.i(0, 2) == 0;
        p.act_min = clamp ? -0.5f : -std::numeric_limits<float>::infinity();
        p.act_max = clamp ? 2.0f : std::numeric_limits<float>::infinity();
        // pow: positive bases with real exponents; DIV: divisors away from 0
        const auto a = op == MOTE_BIN_POW ? r.f32(g.a_n, 0.1, 4.0) : r.f32(g.a_n, -2.0, 2.0);
        auto b = r.f32(g.b_n, -3.0, 3.0);
        if (op == MOTE_BIN_DIV)
          for (auto& v : b) v = v < 0 ? v - 0.25f : v + 0.25f;
        std::vector<float> got(g.out_n), want(g.out_n);
        ASSERT_EQ(mote_binary_f32(&p, a.data(), b.data(), got.data()), MOTE_OK);
        ASSERT_EQ(ref::binary_f32(p, a.data(), b.data(), want.data()), MOTE_OK);
        test::expect_close(got, want, 1e-5, 1e-30, "op " + std::to_string(op) + " " + where(a_mask, b_mask));
      }
}

TEST(BinaryF32, HandWorkedNewOps) {
  const mote_bcast bc = flat(4);
  const std::vector<float> a = {3.0f, -2.0f, 0.5f, -1.5f}, b = {2.0f, 4.0f, -1.0f, 0.25f};
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<std::pair<int, std::vector<float>>> cases = {
      {MOTE_BIN_DIV, {1.5f, -0.5f, -0.5f, -6.0f}},
      {MOTE_BIN_MAX, {3.0f, 4.0f, 0.5f, 0.25f}},
      {MOTE_BIN_MIN, {2.0f, -2.0f, -1.0f, -1.5f}},
      {MOTE_BIN_SQUARED_DIFFERENCE, {1.0f, 36.0f, 2.25f, 3.0625f}},
      {MOTE_BIN_PRELU, {3.0f, -8.0f, 0.5f, -0.375f}},
  };
  for (const auto& [op, want] : cases) {
    const mote_binary_f32_params p{bc, op, -inf, inf};
    std::vector<float> got(4);
    ASSERT_EQ(mote_binary_f32(&p, a.data(), b.data(), got.data()), MOTE_OK);
    EXPECT_EQ(got, want) << "op " << op;
  }
  EXPECT_NEAR(mote_powf(3.0f, 2.0f), 9.0f, 9.0f * 3e-7f);
  EXPECT_NEAR(mote_powf(-2.0f, 3.0f), -8.0f, 8.0f * 3e-7f);
  EXPECT_NEAR(mote_powf(-2.0f, -2.0f), 0.25f, 0.25f * 3e-7f);
  EXPECT_NEAR(mote_powf(2.0f, 0.5f), 1.41421356f, 1.5f * 3e-7f);
  EXPECT_TRUE(std::isnan(mote_powf(-2.0f, 0.5f)));
  EXPECT_EQ(mote_powf(0.0f, 2.0f), 0.0f);
  EXPECT_EQ(mote_powf(0.0f, -1.0f), inf);
  EXPECT_EQ(mote_powf(-5.0f, 0.0f), 1.0f);
  EXPECT_EQ(mote_powf(0.5f, inf), 0.0f);
  EXPECT_EQ(mote_powf(2.0f, inf), inf);
}

TEST(LogF, MatchesCmathAcrossTheRange) {
  Rng r(67);
  double worst = 0.0;
  for (int k = 0; k < 20000; ++k) {
    const float x = float(std::exp(r.u(-100.0, 88.0)));
    const double want = std::log(double{x});
    const double err = std::fabs(mote_logf(x) - want) / std::max(std::fabs(want), 1e-3);
    worst = std::max(worst, err);
  }
  EXPECT_LT(worst, 3e-7);
  EXPECT_NEAR(mote_logf(1e-40f), std::log(1e-40), 1e-5);  // subnormal
  EXPECT_EQ(mote_logf(1.0f), 0.0f);
  EXPECT_EQ(mote_logf(0.0f), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(mote_logf(-1.0f)));
}

}  // namespace
}  // namespace mote
