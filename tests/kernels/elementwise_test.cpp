// Broadcasting ADD / MUL (int8) and binary float ops, int8 lookup tables and float activations:
// C runtime vs C++ reference, plus hand-worked values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "ir/op_registry.h"
#include "lower/lower.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::Rng;

using Bcast = test::BcastCase;

// Output dims from small primes; operand a broadcast along the axes in a_mask, b along b_mask.
Bcast make_bcast(Rng& r, int a_mask, int b_mask) { return test::random_bcast(r, a_mask, b_mask, {1, 2, 3, 5}); }

std::string masks(int a, int b) {
  return "a_mask " + std::to_string(a) + " b_mask " + std::to_string(b);
}

double log_uniform(Rng& r, double lo, double hi) {
  return std::exp(r.u(std::log(lo), std::log(hi)));
}

void act(Rng& r, int32_t* lo, int32_t* hi) {
  const bool full = r.i(0, 3) != 0;
  *lo = full ? -128 : r.i(-128, 0);
  *hi = full ? 127 : r.i(*lo, 127);
}

TEST(AddS8, MatchesReferenceBroadcastingEveryAxis) {
  Rng r(31);
  size_t total = 0, inside = 0;
  for (int a_mask = 0; a_mask < 16; ++a_mask)
    for (int b_mask = 0; b_mask < 16; ++b_mask) {
      const Bcast g = make_bcast(r, a_mask, b_mask);
      // scales as TFLite derives them: both inputs to twice the larger scale, 20 bits headroom
      const double sa = log_uniform(r, 0.005, 0.1), sb = log_uniform(r, 0.005, 0.1);
      const double so = log_uniform(r, 0.01, 0.2);
      const double twice_max = 2.0 * std::max(sa, sb);
      mote_add_s8_params p{};
      p.bc = g.bc;
      p.a_zp = r.i(-128, 127);
      p.b_zp = r.i(-128, 127);
      p.out_zp = r.i(-20, 20);
      p.left_shift = 20;
      quantize_multiplier(sa / twice_max, &p.a_multiplier, &p.a_shift);
      quantize_multiplier(sb / twice_max, &p.b_multiplier, &p.b_shift);
      quantize_multiplier(twice_max / ((1 << 20) * so), &p.out_multiplier, &p.out_shift);
      if ((a_mask + b_mask) % 2) p.b_multiplier = -p.b_multiplier;  // SUB
      act(r, &p.act_min, &p.act_max);
      const auto a = r.s8(g.a_n), b = r.s8(g.b_n);
      std::vector<int8_t> got(g.out_n + 4, 99), want(g.out_n);
      ASSERT_EQ(mote_add_s8(&p, a.data(), b.data(), got.data()), MOTE_OK);
      ASSERT_EQ(ref::add_s8(p, a.data(), b.data(), want.data()), MOTE_OK);
      for (size_t k = g.out_n; k < got.size(); ++k) ASSERT_EQ(got[k], 99) << "overrun";
      got.resize(g.out_n);
      ASSERT_EQ(test::count_mismatches(got, want, masks(a_mask, b_mask)), 0u);
      total += g.out_n;
      inside += test::count_inside(want, p.act_min, p.act_max);
    }
  EXPECT_GT(inside, total / 2);
}

TEST(MulS8, MatchesReferenceBroadcastingEveryAxis) {
  Rng r(32);
  size_t total = 0, inside = 0;
  for (int a_mask = 0; a_mask < 16; ++a_mask)
    for (int b_mask = 0; b_mask < 16; ++b_mask) {
      const Bcast g = make_bcast(r, a_mask, b_mask);
      mote_mul_s8_params p{};
      p.bc = g.bc;
      p.a_zp = r.i(-128, 127);
      p.b_zp = r.i(-128, 127);
      p.out_zp = r.i(-20, 20);
      quantize_multiplier(log_uniform(r, 1.0 / 2000, 1.0 / 200), &p.out_multiplier, &p.out_shift);
      act(r, &p.act_min, &p.act_max);
      const auto a = r.s8(g.a_n), b = r.s8(g.b_n);
      std::vector<int8_t> got(g.out_n), want(g.out_n);
      ASSERT_EQ(mote_mul_s8(&p, a.data(), b.data(), got.data()), MOTE_OK);
      ASSERT_EQ(ref::mul_s8(p, a.data(), b.data(), want.data()), MOTE_OK);
      ASSERT_EQ(test::count_mismatches(got, want, masks(a_mask, b_mask)), 0u);
      total += g.out_n;
      inside += test::count_inside(want, p.act_min, p.act_max);
    }
  EXPECT_GT(inside, total / 2);
}

TEST(BinaryF32, MatchesReferenceBroadcastingEveryAxis) {
  Rng r(33);
  for (int a_mask = 0; a_mask < 16; ++a_mask)
    for (int b_mask = 0; b_mask < 16; ++b_mask) {
      const Bcast g = make_bcast(r, a_mask, b_mask);
      mote_binary_f32_params p{};
      p.bc = g.bc;
      p.op = (a_mask + b_mask) % 3;
      const bool clamp = r.i(0, 2) == 0;
      p.act_min = clamp ? -0.25f : -std::numeric_limits<float>::infinity();
      p.act_max = clamp ? 0.5f : std::numeric_limits<float>::infinity();
      const auto a = r.f32(g.a_n), b = r.f32(g.b_n);
      std::vector<float> got(g.out_n), want(g.out_n);
      ASSERT_EQ(mote_binary_f32(&p, a.data(), b.data(), got.data()), MOTE_OK);
      ASSERT_EQ(ref::binary_f32(p, a.data(), b.data(), want.data()), MOTE_OK);
      test::expect_close(got, want, 1e-6, 1e-30, masks(a_mask, b_mask));
    }
}

// Scales 0.5 (a), 0.25 (b), 1.0 (out), zero points 0: real sum a/2 + b/4.
TEST(AddS8, HandWorked) {
  mote_add_s8_params p{};
  for (int i = 0; i < 4; ++i) p.bc.dims[i] = 1;
  p.bc.dims[3] = 4;
  p.bc.a_stride[3] = 1;
  p.bc.b_stride[3] = 1;
  p.left_shift = 20;
  quantize_multiplier(0.5, &p.a_multiplier, &p.a_shift);                  // 0.5 / (2 * 0.5)
  quantize_multiplier(0.25, &p.b_multiplier, &p.b_shift);                 // 0.25 / (2 * 0.5)
  quantize_multiplier(1.0 / (1 << 20), &p.out_multiplier, &p.out_shift);  // 1.0 / 2^20 / 1.0
  p.act_min = -128;
  p.act_max = 127;
  const std::vector<int8_t> a = {10, -10, 127, 3}, b = {4, 4, 127, 2};
  // 5 + 1 = 6; -5 + 1 = -4; 63.5 + 31.75 = 95.25 -> 95; 1.5 + 0.5 = 2
  std::vector<int8_t> got(4);
  ASSERT_EQ(mote_add_s8(&p, a.data(), b.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{6, -4, 95, 2}));
  p.b_multiplier = -p.b_multiplier;  // SUB: 5 - 1, -5 - 1, 63.5 - 31.75, 1.5 - 0.5
  ASSERT_EQ(mote_add_s8(&p, a.data(), b.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{4, -6, 32, 1}));
}

// SUB subtracts b rescaled with the positive multiplier, as TFLite does. b = 1 at left shift 20
// and multiplier 3072 is 2^20 * 3072 / 2^31 = 1.5, a tie: rounded up to 2, then subtracted:
// 0 - 2 = -2. Multiplying by -3072 instead would round -1.5 up to -1.
TEST(AddS8, SubRoundsLikeTflite) {
  mote_add_s8_params p{};
  for (int i = 0; i < 4; ++i) p.bc.dims[i] = 1;
  p.left_shift = 20;
  p.a_multiplier = 1 << 30;
  p.b_multiplier = -3072;
  p.out_multiplier = 1 << 30;  // 0.5 * 2^1: the identity
  p.out_shift = 1;
  p.act_min = -128;
  p.act_max = 127;
  const int8_t a = 0, b = 1;
  int8_t got = 0, oracle = 0;
  ASSERT_EQ(mote_add_s8(&p, &a, &b, &got), MOTE_OK);
  ASSERT_EQ(ref::add_s8(p, &a, &b, &oracle), MOTE_OK);
  EXPECT_EQ(got, -2);
  EXPECT_EQ(oracle, -2);
  p.b_multiplier = 3072;
  ASSERT_EQ(mote_add_s8(&p, &a, &b, &got), MOTE_OK);
  EXPECT_EQ(got, 2);
}

TEST(LutS8, MatchesReferenceAndNegates) {
  Rng r(34);
  const auto table = r.s8(256);
  const auto in = r.s8(1001);
  std::vector<int8_t> got(in.size()), want(in.size());
  ASSERT_EQ(mote_lut_s8(table.data(), static_cast<int32_t>(in.size()), in.data(), got.data()),
            MOTE_OK);
  ASSERT_EQ(ref::lut_s8(table.data(), static_cast<int32_t>(in.size()), in.data(), want.data()),
            MOTE_OK);
  EXPECT_EQ(test::count_mismatches(got, want, "lut"), 0u);
  std::vector<int8_t> neg(256);  // out = clamp(-in)
  for (int i = 0; i < 256; ++i) neg[i] = static_cast<int8_t>(std::min(127, 128 - i));
  const std::vector<int8_t> x = {-128, -1, 0, 5, 127};
  std::vector<int8_t> y(5);
  ASSERT_EQ(mote_lut_s8(neg.data(), 5, x.data(), y.data()), MOTE_OK);
  EXPECT_EQ(y, (std::vector<int8_t>{127, 1, 0, -5, -127}));
}

TEST(UnaryF32, MatchesReferenceEveryOp) {
  Rng r(35);
  std::vector<float> in = r.f32(4000, -10.0, 10.0);
  const auto small = r.f32(500, -0.5, 0.5);  // tanh's polynomial branch
  in.insert(in.end(), small.begin(), small.end());
  for (float v :
       {-200.0f, -100.0f, -90.0f, -20.0f, -1e-6f, 0.0f, 1e-6f, 0.3f, -0.3f, 20.0f, 100.0f, 200.0f})
    in.push_back(v);
  const int32_t n = static_cast<int32_t>(in.size());
  // Every activation of ops.def, lowered as the compiler lowers it, against its formula.
  int checked = 0;
  for (size_t k = 0; k < size_t(OpKind::Count); ++k) {
    if (!op_has(OpKind(k), Activation)) continue;
    Graph g;
    const int x = g.add_value("x", DType::F32, {n});
    const int y = g.add_value("y", DType::F32, {n});
    g.inputs = {x};
    g.outputs = {y};
    Attrs a;
    a.set("min", -1.5f);
    a.set("max", 2.5f);
    a.set("alpha", 0.2f);
    Node& node = g.add_node(OpKind(k), "act", {x}, {y}, a);
    const std::vector<KernelCall> calls = lower(g, host_target()).calls;
    ASSERT_EQ(calls.at(0).kernel(), "mote_unary_f32") << op_name(OpKind(k));
    const auto& p = std::get<mote_unary_f32_params>(calls[0].params);
    if (p.op >= MOTE_UN_ABS) continue;  // the math ops: MatchesReferenceMathOps, on their domains
    std::vector<float> got(in.size()), want(in.size()), oracle(in.size());
    ASSERT_EQ(mote_unary_f32(&p, n, in.data(), got.data()), MOTE_OK);
    for (size_t i = 0; i < in.size(); ++i) want[i] = float(activation(node, double(in[i])));
    ASSERT_EQ(ref::unary_f32(p, n, in.data(), oracle.data()), MOTE_OK);
    EXPECT_EQ(oracle, want) << op_name(OpKind(k));
    test::expect_close(got, want, 1e-5, 1e-37, op_name(OpKind(k)));
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

// The libm-free ops: relative 1e-5 (ERF and GELU: absolute 1e-6 below |y| = 0.1, Abramowitz-
// Stegun's erf is good to 1.5e-7 absolute); SQRT, RSQRT and LOG on |x|, EXP where it is finite.
TEST(UnaryF32, MatchesReferenceMathOps) {
  Rng r(36);
  std::vector<float> in = r.f32(4000, -10.0, 10.0);
  const auto small = r.f32(500, -0.5, 0.5);
  in.insert(in.end(), small.begin(), small.end());
  for (float v : {-9.9f, -1e-6f, -1e-30f, 0.0f, 1e-30f, 1e-6f, 0.29f, -0.31f, 0.5f, -0.5f, 6.5f, 9.9f}) in.push_back(v);
  std::vector<float> pos(in.size());
  for (size_t k = 0; k < in.size(); ++k) pos[k] = std::fabs(in[k]) + 1e-3f;
  const int32_t n = static_cast<int32_t>(in.size());
  for (int32_t op = MOTE_UN_ABS; op <= MOTE_UN_GELU; ++op) {
    const std::vector<float>& x = op == MOTE_UN_SQRT || op == MOTE_UN_RSQRT || op == MOTE_UN_LOG ? pos : in;
    mote_unary_f32_params p{op, op == MOTE_UN_ELU ? 0.7f : 0.0f, 0.0f};
    std::vector<float> got(x.size()), want(x.size());
    ASSERT_EQ(mote_unary_f32(&p, n, x.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::unary_f32(p, n, x.data(), want.data()), MOTE_OK);
    const bool erf_based = op == MOTE_UN_ERF || op == MOTE_UN_GELU;
    test::expect_close(got, want, 1e-5, erf_based ? 0.1 : 1e-37, "op " + std::to_string(op));
  }
  // sqrt itself: exact squares, subnormals, and the edges.
  EXPECT_EQ(mote_sqrtf(16.0f), 4.0f);
  EXPECT_EQ(mote_sqrtf(0.0f), 0.0f);
  EXPECT_FLOAT_EQ(mote_sqrtf(2e-40f), float(std::sqrt(double(2e-40f))));
  EXPECT_TRUE(std::isnan(mote_sqrtf(-1.0f)));
  EXPECT_NEAR(mote_erff(1.0f), 0.8427007929f, 2e-7);
  EXPECT_EQ(mote_erff(-8.0f), -1.0f);
}

TEST(UnaryF32, HandWorked) {
  const std::vector<float> x = {-4.0f, -1.0f, 0.0f, 1.0f, 4.0f};
  auto run = [&](int32_t op, float alpha, float beta) {
    mote_unary_f32_params p{op, alpha, beta};
    std::vector<float> y(x.size());
    EXPECT_EQ(mote_unary_f32(&p, static_cast<int32_t>(x.size()), x.data(), y.data()), MOTE_OK);
    return y;
  };
  EXPECT_EQ(run(MOTE_UN_RELU, 0, 0), (std::vector<float>{0, 0, 0, 1, 4}));
  EXPECT_EQ(run(MOTE_UN_CLIP, -2, 3), (std::vector<float>{-2, -1, 0, 1, 3}));
  EXPECT_EQ(run(MOTE_UN_LEAKY_RELU, 0.25f, 0), (std::vector<float>{-1, -0.25f, 0, 1, 4}));
  const auto hs = run(MOTE_UN_HARD_SIGMOID, 0.2f, 0.5f);  // 0.2 x + 0.5 clamped to [0, 1]
  EXPECT_FLOAT_EQ(hs[0], 0.0f);
  EXPECT_FLOAT_EQ(hs[1], 0.3f);
  EXPECT_FLOAT_EQ(hs[2], 0.5f);
  EXPECT_FLOAT_EQ(hs[3], 0.7f);
  EXPECT_FLOAT_EQ(hs[4], 1.0f);
  const auto hw = run(MOTE_UN_HARD_SWISH, 0, 0);  // x * clamp(x / 6 + 0.5, 0, 1)
  EXPECT_FLOAT_EQ(hw[0], 0.0f);
  EXPECT_FLOAT_EQ(hw[1], -1.0f / 3.0f);
  EXPECT_FLOAT_EQ(hw[3], 2.0f / 3.0f);
  EXPECT_FLOAT_EQ(hw[4], 4.0f);
  const auto sg = run(MOTE_UN_SIGMOID, 0, 0);
  EXPECT_FLOAT_EQ(sg[2], 0.5f);
  EXPECT_FLOAT_EQ(sg[3], 0.7310585786f);
  EXPECT_FLOAT_EQ(sg[0], 0.0179862100f);
  const auto th = run(MOTE_UN_TANH, 0, 0);
  EXPECT_FLOAT_EQ(th[2], 0.0f);
  EXPECT_FLOAT_EQ(th[3], 0.7615941560f);
  EXPECT_FLOAT_EQ(th[1], -0.7615941560f);
  mote_unary_f32_params bad{99, 0, 0};
  std::vector<float> y(x.size());
  EXPECT_EQ(mote_unary_f32(&bad, 5, x.data(), y.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::unary_f32(bad, 5, x.data(), y.data()), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote
