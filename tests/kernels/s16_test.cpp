// 16x8 kernels (int16 activations, int8 weights, int64 bias): the C runtime against the C++
// oracles over prime-stepped shapes, TFLM's 64-bit requantization on hand-worked values, and
// the parameters the kernels refuse.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "lower/fixedpoint.h"
#include "lower/params/resize.h"
#include "lower/params/transpose_conv.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::numel;
using test::Rng;

std::vector<int16_t> s16(Rng& r, size_t n) {
  std::vector<int16_t> v(n);
  for (auto& x : v) x = static_cast<int16_t>(r.i(-32768, 32767));
  return v;
}

// int64 biases of the sums' size, one in eight beyond int32 (16x8 biases may be).
std::vector<int64_t> bias64(Rng& r, size_t n) {
  std::vector<int64_t> v(n);
  for (auto& b : v) b = int64_t{r.i(-1 << 24, 1 << 24)} * (r.i(0, 7) == 0 ? 4096 : 1);
  return v;
}

// Reals that keep typical outputs inside int16 for sums of `terms` products of int16 x int8.
void requant(Rng& r, size_t n, int32_t terms, std::vector<int32_t>* m, std::vector<int32_t>* s) {
  const double unit = 32768.0 * 128.0 * std::sqrt(double(terms));
  test::random_multipliers(r, n, 2000.0 / unit, 60000.0 / unit, m, s);
}

TEST(Requant16, TflmRoundingOnHandWorkedValues) {
  // 0.5 is multiplier 2^30, shift 0; rounded to 16 bits 2^14; (x * 2^14 + 2^14) >> 15.
  EXPECT_EQ(multiply_by_quantized_multiplier_64(1001, 1 << 30, 0), 501);   // 500.5 up
  EXPECT_EQ(multiply_by_quantized_multiplier_64(-1001, 1 << 30, 0), -500); // -500.5 up too
  EXPECT_EQ(multiply_by_quantized_multiplier_64(1000, 1 << 30, 0), 500);
  // the 16-bit rounding of the multiplier: 0x7FFF0000 and above stay 0x7FFF
  // (2^40 * 32767 + 2^45) / 2^46 = 512.48
  EXPECT_EQ(multiply_by_quantized_multiplier_64(int64_t{1} << 40, 0x7FFFFFFF, -31), 512);
  // 192 needs shift 8, one past TFLM's range; 96 = 0.75 * 2^7: (100 * 24576 + 2^7) >> 8
  int32_t m = 0, s = 0;
  quantize_multiplier(192.0, &m, &s);
  ASSERT_EQ(s, 8);
  quantize_multiplier(96.0, &m, &s);
  ASSERT_EQ(s, 7);
  EXPECT_EQ(multiply_by_quantized_multiplier_64(100, m, s), 9600);
}

TEST(Conv2dS16, MatchesReferenceOverPrimeShapes) {
  Rng r(161);
  size_t inside = 0, total = 0;
  for (int rep = 0; rep < 240; ++rep) {
    mote_conv_s8_params p{};
    p.groups = r.pick(std::vector<int32_t>{1, 1, 1, 2, 3});
    const int32_t cin_g = r.pick(test::prime_sizes()), cout_g = r.pick(test::prime_sizes());
    p.in = {r.i(1, 2), r.pick(test::prime_sizes()), r.pick(test::prime_sizes()), cin_g * p.groups};
    p.kh = r.i(1, 5), p.kw = r.i(1, 5);
    p.stride_h = r.i(1, 3), p.stride_w = r.i(1, 3);
    p.dil_h = r.i(1, 2), p.dil_w = r.i(1, 2);
    p.pad_top = r.i(0, p.kh - 1), p.pad_left = r.i(0, p.kw - 1);
    const auto out_size = [&](int32_t in, int32_t k, int32_t s, int32_t d, int32_t pad) {
      return std::max(1, (in + pad + r.i(0, k - 1) - (k - 1) * d - 1) / s + 1);
    };
    p.out = {p.in.n, out_size(p.in.h, p.kh, p.stride_h, p.dil_h, p.pad_top),
             out_size(p.in.w, p.kw, p.stride_w, p.dil_w, p.pad_left), cout_g * p.groups};
    std::vector<int32_t> m, s;
    requant(r, size_t(p.out.c), cin_g * p.kh * p.kw, &m, &s);
    p.multiplier = m.data(), p.shift = s.data();
    p.act_min = rep % 4 == 0 ? 0 : -32768;
    p.act_max = 32767;
    const auto in = s16(r, numel(p.in));
    const auto w = r.s8(size_t(p.out.c) * size_t(p.kh * p.kw * cin_g));
    const auto bias = bias64(r, size_t(p.out.c));
    const int64_t* b = rep % 5 == 0 ? nullptr : bias.data();
    std::vector<int16_t> got(numel(p.out)), want(numel(p.out));
    ASSERT_EQ(mote_conv2d_s16(&p, in.data(), w.data(), b, got.data()), MOTE_OK);
    ASSERT_EQ(ref::conv2d_s16(p, in.data(), w.data(), b, want.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(got, want, "rep " + std::to_string(rep)), 0u);
    inside += test::count_inside(want, -32768, 32767);
    total += want.size();
  }
  EXPECT_GT(inside, total / 2) << "outputs mostly saturated: the test would prove little";
}

TEST(FullyConnectedS16, MatchesReferenceOverPrimeShapes) {
  Rng r(162);
  size_t inside = 0, total = 0;
  for (int rep = 0; rep < 200; ++rep) {
    mote_fc_s8_params p{};
    p.batches = r.pick(test::prime_sizes());
    p.in_features = r.pick(std::vector<int32_t>{1, 2, 3, 5, 7, 11, 13, 31, 97, 211});
    p.out_features = r.pick(test::prime_sizes());
    p.per_channel = rep % 2;
    std::vector<int32_t> m, s;
    requant(r, p.per_channel ? size_t(p.out_features) : 1, p.in_features, &m, &s);
    p.multiplier = m.data(), p.shift = s.data();
    p.act_min = rep % 3 == 0 ? 0 : -32768;
    p.act_max = 32767;
    const auto in = s16(r, size_t(p.batches * p.in_features));
    const auto w = r.s8(size_t(p.out_features * p.in_features));
    const auto bias = bias64(r, size_t(p.out_features));
    const int64_t* b = rep % 4 == 0 ? nullptr : bias.data();
    std::vector<int16_t> got(size_t(p.batches * p.out_features)), want(got.size());
    ASSERT_EQ(mote_fully_connected_s16(&p, in.data(), w.data(), b, got.data()), MOTE_OK);
    ASSERT_EQ(ref::fully_connected_s16(p, in.data(), w.data(), b, want.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(got, want, "rep " + std::to_string(rep)), 0u);
    inside += test::count_inside(want, -32768, 32767);
    total += want.size();
  }
  EXPECT_GT(inside, total / 2);
}

TEST(TransposeConvS16, MatchesScatterReferenceOverPrimeShapes) {
  Rng r(163);
  size_t inside = 0, total = 0;
  for (int rep = 0; rep < 200; ++rep) {
    TconvGeometry g{};
    g.in = {r.i(1, 2), r.pick(test::prime_sizes()), r.pick(test::prime_sizes()), r.pick(test::prime_sizes())};
    g.kh = r.i(1, 5), g.kw = r.i(1, 5);
    g.stride_h = r.i(1, 3), g.stride_w = r.i(1, 3);
    g.pad_top = r.i(0, g.kh - 1), g.pad_left = r.i(0, g.kw - 1);
    g.out = {g.in.n, std::max(1, (g.in.h - 1) * g.stride_h + g.kh - 2 * g.pad_top + r.i(-1, 1)),
             std::max(1, (g.in.w - 1) * g.stride_w + g.kw - 2 * g.pad_left + r.i(-1, 1)), r.pick(test::prime_sizes())};
    std::vector<float> ws(size_t(g.out.c));
    for (auto& x : ws) x = float(r.u(0.002, 0.02));
    const int32_t terms = g.in.c * ((g.kh + g.stride_h - 1) / g.stride_h) * ((g.kw + g.stride_w - 1) / g.stride_w);
    const double in_scale = 1e-3, out_scale = in_scale * 0.01 * 32768.0 * 128.0 * std::sqrt(double(terms)) / 20000.0;
    const auto act = rep % 4 == 0 ? std::pair<int32_t, int32_t>{0, 32767} : std::pair<int32_t, int32_t>{-32768, 32767};
    const TconvS8Params tp = transpose_conv_s8_params(g, float(in_scale), 0, ws, float(out_scale), 0, act.first,
                                                      act.second, -32768, 32767);
    const auto p = tp.bound();
    const auto in = s16(r, numel(g.in));
    const auto w = r.s8(size_t(g.out.c) * size_t(g.kh * g.kw * g.in.c));
    const auto bias = bias64(r, size_t(g.out.c));
    const int64_t* b = rep % 3 == 0 ? nullptr : bias.data();
    std::vector<int16_t> got(numel(g.out)), want(numel(g.out));
    ASSERT_EQ(mote_transpose_conv_s16(&p, in.data(), w.data(), b, got.data()), MOTE_OK);
    ASSERT_EQ(ref::transpose_conv_s16(p, in.data(), w.data(), b, want.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(got, want, "rep " + std::to_string(rep)), 0u);
    inside += test::count_inside(want, -32768, 32767);
    total += want.size();
  }
  EXPECT_GT(inside, total / 2);
}

TEST(ResizeBilinearS16, MatchesReferenceOverPrimeShapes) {
  Rng r(164);
  for (int rep = 0; rep < 200; ++rep) {
    const mote_dims in{r.i(1, 2), r.pick(test::prime_sizes()), r.pick(test::prime_sizes()), r.pick(test::prime_sizes())};
    const int32_t oh = r.pick(test::prime_sizes()) * r.i(1, 3), ow = r.pick(test::prime_sizes()) * r.i(1, 3);
    const int mode = rep % 3;  // plain, align_corners, half_pixel_centers
    const ResizeBilinearS8Params tp = resize_bilinear_s8_params(in, oh, ow, mode == 1, mode == 2);
    const auto p = tp.bound();
    const auto x = s16(r, numel(in));
    std::vector<int16_t> got(numel(p.out)), want(numel(p.out));
    ASSERT_EQ(mote_resize_bilinear_s16(&p, x.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::resize_bilinear_s16(p, x.data(), want.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(got, want, "rep " + std::to_string(rep)), 0u);
  }
}

// A 2x upscale of one row reads both neighbours at full int16 magnitude: products past 2^31.
TEST(ResizeBilinearS16, FullRangeValuesInterpolate) {
  const mote_dims in{1, 1, 2, 1};
  const ResizeBilinearS8Params tp = resize_bilinear_s8_params(in, 1, 4, false, false);
  const auto p = tp.bound();
  const std::vector<int16_t> x = {-32768, 32767};
  std::vector<int16_t> y(4);
  ASSERT_EQ(mote_resize_bilinear_s16(&p, x.data(), y.data()), MOTE_OK);
  // source positions 0, 0.5, 1, 1.5 (clamped to the last pixel); -0.5 rounds away from zero
  EXPECT_EQ(y, (std::vector<int16_t>{-32768, -1, 32767, 32767}));
}

TEST(Conv2dS16, RefusesZeroPointsAndShiftsOutsideTflm) {
  std::vector<int32_t> m = {1 << 30}, s = {0};
  mote_conv_s8_params p{};
  p.in = {1, 1, 1, 1};
  p.out = {1, 1, 1, 1};
  p.kh = p.kw = p.stride_h = p.stride_w = p.dil_h = p.dil_w = p.groups = 1;
  p.multiplier = m.data(), p.shift = s.data();
  p.act_min = -32768, p.act_max = 32767;
  const int16_t x = 1000;
  const int8_t w = 2;
  int16_t y = 0, want = 0;
  ASSERT_EQ(mote_conv2d_s16(&p, &x, &w, nullptr, &y), MOTE_OK);
  ASSERT_EQ(ref::conv2d_s16(p, &x, &w, nullptr, &want), MOTE_OK);
  EXPECT_EQ(y, 1000);  // 1000 * 2 * 0.5
  EXPECT_EQ(want, 1000);
  p.in_zp = 1;
  EXPECT_EQ(mote_conv2d_s16(&p, &x, &w, nullptr, &y), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::conv2d_s16(p, &x, &w, nullptr, &want), MOTE_ERR_PARAM);
  p.in_zp = 0;
  s[0] = 8;
  EXPECT_EQ(mote_conv2d_s16(&p, &x, &w, nullptr, &y), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::conv2d_s16(p, &x, &w, nullptr, &want), MOTE_ERR_PARAM);
  s[0] = 0;
  p.act_max = 40000;
  EXPECT_EQ(mote_conv2d_s16(&p, &x, &w, nullptr, &y), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::conv2d_s16(p, &x, &w, nullptr, &want), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote
