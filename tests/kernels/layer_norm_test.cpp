// Layer normalization: the float C kernel (libm-free reciprocal square root) vs the double
// oracle on random rows, and a hand-computed row; the int8 integer kernel vs its C++ oracle byte
// for byte, and vs the float formula within 1 LSB.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "kernel_test_util.h"
#include "lower/params/layer_norm.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"
#include "util/error.h"

namespace mote {
namespace {

TEST(LayerNormF32, HandComputedRow) {
  // x = [1, 2, 3, 6]: mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5, eps 0.5 -> 1 / sqrt(4) = 0.5.
  const mote_layer_norm_f32_params p{1, 4, 0.5f};
  const std::vector<float> x = {1, 2, 3, 6}, scale = {1, 2, 1, -1}, bias = {0, 0, 1, 0};
  std::vector<float> y(4), r(4);
  ASSERT_EQ(mote_layer_norm_f32(&p, x.data(), scale.data(), bias.data(), y.data()), MOTE_OK);
  ASSERT_EQ(ref::layer_norm_f32(p, x.data(), scale.data(), bias.data(), r.data()), MOTE_OK);
  const std::vector<float> want = {-1.0f, -1.0f, 1.0f, -1.5f};
  test::expect_close(y, want, 1e-6, 1.0, "kernel");
  test::expect_close(r, want, 1e-7, 1.0, "oracle");
}

TEST(LayerNormF32, RandomRowsMatchOracle) {
  test::Rng rng(7);
  for (int t = 0; t < 40; ++t) {
    const int32_t rows = rng.i(1, 5), inner = rng.i(1, 70);
    const mote_layer_norm_f32_params p{rows, inner, t % 3 == 0 ? 0.0f : 1e-5f};
    // Offset rows: the mean is subtracted before squaring, so a large offset costs no accuracy.
    std::vector<float> x = rng.f32(size_t(rows * inner), -3.0 + t, 3.0 + t);
    const std::vector<float> scale = rng.f32(size_t(inner), -2.0, 2.0), bias = rng.f32(size_t(inner));
    std::vector<float> y(x.size()), r(x.size());
    const bool with_bias = t % 2 == 0;
    if (inner == 1 && p.epsilon == 0.0f) {  // zero variance and no epsilon: rejected by both
      EXPECT_EQ(mote_layer_norm_f32(&p, x.data(), scale.data(), nullptr, y.data()), MOTE_ERR_PARAM);
      EXPECT_EQ(ref::layer_norm_f32(p, x.data(), scale.data(), nullptr, r.data()), MOTE_ERR_PARAM);
      continue;
    }
    ASSERT_EQ(mote_layer_norm_f32(&p, x.data(), scale.data(), with_bias ? bias.data() : nullptr, y.data()), MOTE_OK);
    ASSERT_EQ(ref::layer_norm_f32(p, x.data(), scale.data(), with_bias ? bias.data() : nullptr, r.data()), MOTE_OK);
    test::expect_close(y, r, 2e-5, 2.0, "case " + std::to_string(t));
  }
}

TEST(LayerNormF32, RejectsBadParams) {
  const std::vector<float> x(4, 1.0f), s(4, 1.0f);
  std::vector<float> y(4);
  const mote_layer_norm_f32_params zero_rows{0, 4, 1e-5f}, neg_eps{1, 4, -1.0f};
  EXPECT_EQ(mote_layer_norm_f32(&zero_rows, x.data(), s.data(), nullptr, y.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(mote_layer_norm_f32(&neg_eps, x.data(), s.data(), nullptr, y.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(mote_layer_norm_f32(nullptr, x.data(), s.data(), nullptr, y.data()), MOTE_ERR_PARAM);
}

// One random int8 LayerNorm case: codes, quantization, gamma / beta and the folded params.
struct S8Case {
  int32_t rows = 0, inner = 0;
  float eps = 1e-5f;
  TensorQuant in{}, out{};
  std::vector<int8_t> x;
  std::vector<float> gamma, beta;
  LayerNormS8 f;

  // The float formula on the dequantized codes, quantized with halves away from zero.
  std::vector<int8_t> from_float() const {
    std::vector<int8_t> y(x.size());
    for (int32_t r = 0; r < rows; ++r) {
      double mean = 0, var = 0;
      for (int32_t k = 0; k < inner; ++k) mean += double(in.scale) * (x[size_t(r * inner + k)] - in.zero_point);
      mean /= inner;
      for (int32_t k = 0; k < inner; ++k) {
        const double d = double(in.scale) * (x[size_t(r * inner + k)] - in.zero_point) - mean;
        var += d * d;
      }
      // A constant row without epsilon normalizes to 0, its limit.
      const double inv = var > 0 || eps > 0 ? 1.0 / std::sqrt(var / inner + double(eps)) : 0.0;
      for (int32_t k = 0; k < inner; ++k) {
        const double v = (double(in.scale) * (x[size_t(r * inner + k)] - in.zero_point) - mean) * inv * gamma[size_t(k)] +
                         (beta.empty() ? 0.0 : double(beta[size_t(k)]));
        y[size_t(r * inner + k)] = int8_t(std::clamp(std::round(v / double(out.scale)) + out.zero_point, -128.0, 127.0));
      }
    }
    return y;
  }
};

S8Case random_s8_case(test::Rng& rng, int t) {
  S8Case c;
  c.rows = rng.i(1, 4);
  c.inner = t % 10 == 9 ? rng.i(200, 1200) : rng.i(1, 80);
  c.in = {float(rng.u(0.002, 0.2)), rng.i(-60, 60)};
  c.eps = t % 4 == 0 ? 0.0f : float(rng.u(1e-6, 1e-2));
  // Rows of every spread: full range, narrow, nearly constant, constant.
  const int spread = t % 5 == 0 ? 0 : t % 5 == 1 ? 1 : t % 5 == 2 ? 6 : 127;
  for (int32_t r = 0; r < c.rows; ++r) {
    const int32_t centre = rng.i(-128 + spread, 127 - spread);
    const std::vector<int8_t> row = rng.s8(size_t(c.inner), centre - spread, centre + spread);
    c.x.insert(c.x.end(), row.begin(), row.end());
  }
  c.gamma = rng.f32(size_t(c.inner), -2.0, 2.0);
  if (t % 3 != 0) c.beta = rng.f32(size_t(c.inner), -1.0, 1.0);
  // Outputs reach about +-3 (|normalized| of a few, |gamma| <= 2, |beta| <= 1) over ~200 codes.
  c.out = {float(rng.u(0.01, 0.05)), rng.i(-20, 20)};
  c.f = layer_norm_s8_params(c.rows, c.inner, c.eps, c.in, c.out, c.gamma, c.beta);
  c.f.p.multiplier = c.f.multiplier.data();
  c.f.p.shift = c.f.shift.data();
  c.f.p.bias = c.f.bias.data();
  return c;
}

TEST(LayerNormS8, KernelEqualsOracleByteForByte) {
  test::Rng rng(17);
  size_t bytes = 0;
  for (int t = 0; t < 400; ++t) {
    const S8Case c = random_s8_case(rng, t);
    std::vector<int8_t> y(c.x.size()), r(c.x.size());
    ASSERT_EQ(mote_layer_norm_s8(&c.f.p, c.x.data(), y.data()), MOTE_OK) << "case " << t;
    ASSERT_EQ(ref::layer_norm_s8(c.f.p, c.x.data(), r.data()), MOTE_OK) << "case " << t;
    ASSERT_EQ(test::count_mismatches(y, r, "case " + std::to_string(t)), 0u);
    bytes += y.size();
  }
  EXPECT_GT(bytes, 100000u);
}

// Against the real-valued formula: at most 1 LSB off, and most codes exact.
TEST(LayerNormS8, WithinOneLsbOfTheFloatFormula) {
  test::Rng rng(23);
  size_t total = 0, exact = 0;
  int worst = 0;
  for (int t = 0; t < 400; ++t) {
    const S8Case c = random_s8_case(rng, t);
    std::vector<int8_t> y(c.x.size());
    ASSERT_EQ(mote_layer_norm_s8(&c.f.p, c.x.data(), y.data()), MOTE_OK);
    const std::vector<int8_t> want = c.from_float();
    for (size_t i = 0; i < y.size(); ++i) {
      const int d = std::abs(int(y[i]) - int(want[i]));
      worst = std::max(worst, d);
      exact += d == 0;
      ++total;
      if (d > 1) ADD_FAILURE() << "case " << t << " element " << i << ": " << int(y[i]) << " vs " << int(want[i]);
    }
  }
  std::printf("[ layernorm ] int8 vs float formula: max %d LSB, %.4f %% of %zu codes exact\n", worst,
              100.0 * double(exact) / double(total), total);
  EXPECT_LE(worst, 1);
  EXPECT_GE(double(exact) / double(total), 0.99);
}

// A constant row: the variance is 0, so the output is beta alone (with or without epsilon).
TEST(LayerNormS8, ConstantRowGivesBeta) {
  for (float eps : {0.0f, 1e-5f}) {
    const std::vector<int8_t> x(8, 37);
    const std::vector<float> gamma(8, 1.5f), beta = {-1, -0.5f, 0, 0.25f, 0.5f, 1, 2, 3};
    LayerNormS8 f = layer_norm_s8_params(1, 8, eps, {0.05f, 3}, {0.02f, -5}, gamma, beta);
    f.p.multiplier = f.multiplier.data(), f.p.shift = f.shift.data(), f.p.bias = f.bias.data();
    std::vector<int8_t> y(8), r(8);
    ASSERT_EQ(mote_layer_norm_s8(&f.p, x.data(), y.data()), MOTE_OK);
    ASSERT_EQ(ref::layer_norm_s8(f.p, x.data(), r.data()), MOTE_OK);
    EXPECT_EQ(y, (std::vector<int8_t>{-55, -30, -5, 8, 20, 45, 95, 127})) << "eps " << eps;
    EXPECT_EQ(r, y);
  }
}

TEST(LayerNormS8, RejectsBadParams) {
  const std::vector<int8_t> x(4, 1);
  std::vector<int8_t> y(4);
  const std::vector<int32_t> m(4, 1 << 30), s(4, 0), b(4, 0);
  mote_layer_norm_s8_params p{1, 4, 0, 0, m.data(), s.data(), b.data()};
  EXPECT_EQ(mote_layer_norm_s8(&p, x.data(), y.data()), MOTE_OK);
  mote_layer_norm_s8_params bad = p;
  bad.rows = 0;
  EXPECT_EQ(mote_layer_norm_s8(&bad, x.data(), y.data()), MOTE_ERR_PARAM);
  bad = p, bad.eps_term = -1;
  EXPECT_EQ(mote_layer_norm_s8(&bad, x.data(), y.data()), MOTE_ERR_PARAM);
  bad = p, bad.bias = nullptr;
  EXPECT_EQ(mote_layer_norm_s8(&bad, x.data(), y.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::layer_norm_s8(bad, x.data(), y.data()), MOTE_ERR_PARAM);
  // The compiler refuses an epsilon of 2^31 or more squared input steps.
  EXPECT_THROW(layer_norm_s8_params(1, 1024, 1.0f, {1e-4f, 0}, {0.1f, 0}, std::vector<float>(1024, 1.0f), {}), Error);
}

}  // namespace
}  // namespace mote
