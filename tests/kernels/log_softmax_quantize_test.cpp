// int8 / float LOG_SOFTMAX and the int8 <-> float DEQUANTIZE / QUANTIZE kernels: C runtime vs
// C++ reference over prime-stepped shapes, TFLM's parameters on hand-derived values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "lower/params/quantize.h"
#include "lower/params/softmax.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"
#include "util/error.h"

namespace mote {
namespace {

using test::Rng;

const TensorQuant kLogSoftmaxOut{16.0f / 256.0f, 127};

TEST(LogSoftmaxS8, MatchesReferenceOverShapesAndScales) {
  Rng r(91);
  size_t inside = 0, total = 0;
  for (int32_t rows : {1, 2, 3, 7})
    for (int32_t cols : {1, 2, 3, 5, 10, 13, 31, 64, 257})
      for (int k = 0; k < 3; ++k) {
        const TensorQuant in{float(std::exp(r.u(std::log(0.005), std::log(0.5)))), r.i(-20, 20)};
        const auto p = log_softmax_s8_params(rows, cols, in, kLogSoftmaxOut);
        const auto x = r.s8(size_t(rows) * cols);
        std::vector<int8_t> got(x.size() + 2, 11), want(x.size());
        ASSERT_EQ(mote_log_softmax_s8(&p, x.data(), got.data()), MOTE_OK);
        ASSERT_EQ(ref::log_softmax_s8(p, x.data(), want.data()), MOTE_OK);
        EXPECT_EQ(got[x.size()], 11) << "overrun";
        got.resize(x.size());
        EXPECT_EQ(test::count_mismatches(got, want, std::to_string(rows) + "x" + std::to_string(cols)), 0u);
        inside += test::count_inside(want, -128, 127);
        total += x.size();
      }
  EXPECT_GT(inside, total / 4);
}

// Within one LSB of the float log-softmax on a row where nothing saturates.
TEST(LogSoftmaxS8, NearFloat) {
  const TensorQuant in{0.05f, 0};
  const auto p = log_softmax_s8_params(1, 8, in, kLogSoftmaxOut);
  const std::vector<int8_t> x = {0, 10, 20, 30, 40, -20, -40, 5};
  std::vector<int8_t> got(8);
  ASSERT_EQ(mote_log_softmax_s8(&p, x.data(), got.data()), MOTE_OK);
  double sum = 0;
  for (int8_t v : x) sum += std::exp(0.05 * (v - 40));
  for (size_t c = 0; c < 8; ++c) {
    const double want = std::round((0.05 * (x[c] - 40) - std::log(sum)) * 16.0) + 127;
    EXPECT_LE(std::fabs(got[c] - want), 1.0) << c;
  }
}

TEST(LogSoftmaxS8, ParamsHandWorked) {
  // in scale 2^-5: beta * scale * 2^26 = 2^21 = 0.5 * 2^22 -> multiplier 2^30, left shift 22;
  // reverse 2^(31 - 22) / 2^30 = 2^-21 -> 2^30 with shift -20
  const auto p = log_softmax_s8_params(2, 3, {1.0f / 32, 5}, kLogSoftmaxOut);
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.input_left_shift, 22);
  EXPECT_EQ(p.reverse_multiplier, 1 << 30);
  EXPECT_EQ(p.reverse_shift, -20);
  EXPECT_EQ(p.diff_min, -calculate_input_radius(5, 22));
  EXPECT_THROW(log_softmax_s8_params(1, 3, {0.1f, 0}, {1.0f / 256, -128}), Error);
  EXPECT_THROW(log_softmax_s8_params(1, 4096, {0.1f, 0}, kLogSoftmaxOut), Error);
}

TEST(LogSoftmaxF32, MatchesReference) {
  Rng r(93);
  for (int32_t rows : {1, 3, 5})
    for (int32_t cols : {1, 2, 7, 13, 100}) {
      const mote_softmax_f32_params p{rows, cols, 1};
      const auto x = r.f32(size_t(rows) * cols, -8.0, 8.0);
      std::vector<float> got(x.size()), want(x.size());
      ASSERT_EQ(mote_softmax_f32(&p, x.data(), got.data()), MOTE_OK);
      ASSERT_EQ(ref::softmax_f32(p, x.data(), want.data()), MOTE_OK);
      test::expect_close(got, want, 1e-5, 1.0, std::to_string(rows) + "x" + std::to_string(cols));
    }
}

TEST(DequantizeS8, EqualsTflmDoubleArithmeticOnEveryCode) {
  Rng r(95);
  std::vector<int8_t> codes(256);
  for (int q = -128; q <= 127; ++q) codes[size_t(q + 128)] = int8_t(q);
  for (int k = 0; k < 200; ++k) {
    const auto p = quant_params({float(std::exp(r.u(std::log(1e-4), std::log(10.0)))), r.i(-128, 127)});
    std::vector<float> got(256), want(256);
    ASSERT_EQ(mote_dequantize_s8(&p, 256, codes.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::dequantize_s8(p, 256, codes.data(), want.data()), MOTE_OK);
    ASSERT_EQ(got, want) << "scale " << p.scale;  // bit for bit, not within a tolerance
  }
  const auto p = quant_params({0.25f, -3});
  std::vector<float> out(3);
  const std::vector<int8_t> in = {-3, 1, -128};
  ASSERT_EQ(mote_dequantize_s8(&p, 3, in.data(), out.data()), MOTE_OK);
  EXPECT_EQ(out, (std::vector<float>{0.0f, 1.0f, -31.25f}));
}

TEST(QuantizeF32, MatchesReferenceIncludingHalvesAndSaturation) {
  Rng r(97);
  for (int k = 0; k < 100; ++k) {
    const auto p = quant_params({float(std::exp(r.u(std::log(1e-3), std::log(1.0)))), r.i(-20, 20)});
    auto x = r.f32(1000, -150.0 * p.scale, 150.0 * p.scale);
    for (size_t i = 0; i < 100; ++i) x[i] = float((r.i(-140, 140) + 0.5) * p.scale);  // near ties
    std::vector<int8_t> got(x.size()), want(x.size());
    ASSERT_EQ(mote_quantize_f32(&p, int32_t(x.size()), x.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::quantize_f32(p, int32_t(x.size()), x.data(), want.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(got, want, "scale " + std::to_string(p.scale)), 0u);
  }
  const auto p = quant_params({0.5f, 2});
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {1.25f, -1.25f, 0.74f, 1e30f, -inf, std::nanf("")};
  // 2.5 -> 3 (+2); -2.5 -> -3 (+2); 1.48 -> 1 (+2); saturate; saturate; NaN -> -128
  std::vector<int8_t> got(x.size());
  ASSERT_EQ(mote_quantize_f32(&p, int32_t(x.size()), x.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{5, -1, 3, 127, -128, -128}));
  EXPECT_THROW(quant_params({0.0f, 0}), Error);
  EXPECT_THROW(quant_params({0.1f, 128}), Error);
}

}  // namespace
}  // namespace mote
