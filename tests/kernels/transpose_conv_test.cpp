// Transpose convolution: C runtime vs the scatter-form C++ reference over many geometries,
// a hand-worked case, and the compile-time padding / multiplier parameters.
#include "lower/params/transpose_conv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"
#include "util/error.h"

namespace mote {
namespace {

using test::numel;
using test::Rng;

TconvGeometry random_geometry(Rng& r) {
  TconvGeometry g{};
  g.in = {r.i(1, 2), r.pick(test::prime_sizes()), r.pick(test::prime_sizes()),
          r.pick(std::vector<int32_t>{1, 2, 3, 5, 8})};
  g.kh = r.i(1, 5);
  g.kw = r.i(1, 5);
  g.stride_h = r.i(1, 3);
  g.stride_w = r.i(1, 3);
  g.dil_h = r.i(0, 3) == 0 ? 2 : 1;
  g.dil_w = r.i(0, 3) == 0 ? 2 : 1;
  // Natural output size minus the padding, plus or minus a little to cover rows no input
  // reaches and rows cut off.
  const auto axis = [&](int32_t in, int32_t k, int32_t s, int32_t d, int32_t* pad) {
    *pad = r.i(-1, (k - 1) * d);
    const int32_t natural = (in - 1) * s + (k - 1) * d + 1;
    return std::max(1, natural - 2 * std::max(*pad, 0) + r.i(-1, 2));
  };
  g.out = {g.in.n, axis(g.in.h, g.kh, g.stride_h, g.dil_h, &g.pad_top),
           axis(g.in.w, g.kw, g.stride_w, g.dil_w, &g.pad_left), r.pick(test::prime_sizes())};
  return g;
}

TEST(TransposeConvS8, MatchesReferenceOverGeometries) {
  Rng r(71);
  size_t inside = 0, total = 0;
  for (int rep = 0; rep < 300; ++rep) {
    const TconvGeometry g = random_geometry(r);
    std::vector<float> ws(static_cast<size_t>(g.out.c));
    for (auto& s : ws) s = static_cast<float>(r.u(0.002, 0.02));
    const int32_t out_zp = r.i(-20, 20);
    const auto act = rep % 4 == 0 ? tflite_act_range_s8(0.1f, out_zp, 0.0f, 6.0f)
                                  : tflite_act_range_s8(0.1f, out_zp);
    const TconvS8Params tp =
        transpose_conv_s8_params(g, static_cast<float>(r.u(0.02, 0.1)), r.i(-20, 20), ws, 0.1f,
                                 out_zp, act.first, act.second);
    const auto p = tp.bound();
    const auto in = r.s8(numel(g.in));
    const auto w = r.s8(static_cast<size_t>(g.out.c) * g.kh * g.kw * g.in.c);
    const auto bias = r.s32(static_cast<size_t>(g.out.c), -3000, 3000);
    const int32_t* b = rep % 3 == 0 ? nullptr : bias.data();
    std::vector<int8_t> got(numel(g.out)), want(numel(g.out));
    std::vector<uint8_t> scratch(mote_transpose_conv_s8_scratch_bytes(&p));
    ASSERT_EQ(scratch.size(), static_cast<size_t>(g.out.c) * 4);
    ASSERT_EQ(mote_transpose_conv_s8(&p, in.data(), w.data(), b, got.data(), scratch.data()),
              MOTE_OK);
    ASSERT_EQ(ref::transpose_conv_s8(p, in.data(), w.data(), b, want.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(got, want, "rep " + std::to_string(rep)), 0u);
    inside += test::count_inside(want, -128, 127);
    total += want.size();
  }
  EXPECT_GT(inside, total / 2) << "outputs mostly saturated: the test would prove little";
}

TEST(TransposeConvF32, MatchesReferenceOverGeometries) {
  Rng r(72);
  for (int rep = 0; rep < 200; ++rep) {
    const TconvGeometry g = random_geometry(r);
    const bool relu = rep % 3 == 0;
    const auto p = transpose_conv_f32_params(g, relu ? 0.0f : -1e30f, 1e30f);
    const auto in = r.f32(numel(g.in));
    const auto w = r.f32(static_cast<size_t>(g.out.c) * g.kh * g.kw * g.in.c);
    const auto bias = r.f32(static_cast<size_t>(g.out.c));
    std::vector<float> got(numel(g.out)), want(numel(g.out));
    ASSERT_EQ(mote_transpose_conv_f32(&p, in.data(), w.data(), bias.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::transpose_conv_f32(p, in.data(), w.data(), bias.data(), want.data()), MOTE_OK);
    test::expect_close(got, want, 1e-5, 1.0, "rep " + std::to_string(rep));
  }
}

TEST(TransposeConvS8, HandWorkedStride2) {
  // 1x2x2x1 input, 2x2 kernel, stride 2, no padding: each input pixel paints one 2x2 block
  // with (x - zp) * w, identity requantization (real multiplier 1).
  TconvGeometry g{};
  g.in = {1, 2, 2, 1};
  g.out = {1, 4, 4, 1};
  g.kh = g.kw = 2;
  g.stride_h = g.stride_w = 2;
  const auto tp = transpose_conv_s8_params(g, 0.5f, 1, {0.25f}, 0.125f, 0, -128, 127);
  const auto p = tp.bound();
  const int8_t in[] = {2, 3, 4, 1};  // minus zp 1: 1, 2, 3, 0
  const int8_t w[] = {1, 2, 3, 4};
  const int32_t bias[] = {5};
  std::vector<int8_t> out(16);
  int32_t scratch[1];
  ASSERT_EQ(mote_transpose_conv_s8(&p, in, w, bias, out.data(), scratch), MOTE_OK);
  EXPECT_EQ(out, (std::vector<int8_t>{6, 7, 7, 9, 8, 9, 11, 13, 8, 11, 5, 5, 14, 17, 5, 5}));
}

TEST(TransposeConvS8, RejectsBadParams) {
  TconvGeometry g{};
  g.in = {1, 2, 2, 1};
  g.out = {1, 4, 4, 1};
  g.kh = g.kw = 2;
  g.stride_h = g.stride_w = 2;
  auto p = transpose_conv_s8_params(g, 0.5f, 0, {0.25f}, 0.125f, 0, -128, 127).bound();
  int8_t in[4] = {}, w[4] = {}, out[16];
  int32_t scratch[1];
  EXPECT_EQ(mote_transpose_conv_s8(&p, in, w, nullptr, out, nullptr), MOTE_ERR_PARAM);
  p.stride_h = 0;
  EXPECT_EQ(mote_transpose_conv_s8(&p, in, w, nullptr, out, scratch), MOTE_ERR_PARAM);
  EXPECT_THROW(transpose_conv_s8_params(g, 0.5f, 0, {0.25f, 0.5f}, 0.125f, 0, -128, 127), Error);
}

TEST(TransposeConvParams, TflitePaddingFromOutputSize) {
  // The three conformance geometries: SAME 3x3 / 4x4 stride 2 to 10, VALID 3x3 stride 2 to 9.
  EXPECT_EQ(tflite_transpose_conv_axis(true, 10, 3, 2).pad_begin, 0);  // total 1, offset dropped
  EXPECT_EQ(tflite_transpose_conv_axis(true, 10, 4, 2).pad_begin, 1);  // total 2
  EXPECT_EQ(tflite_transpose_conv_axis(false, 9, 3, 2).pad_begin, 0);  // total 0
  EXPECT_EQ(tflite_transpose_conv_axis(true, 7, 5, 1).pad_begin, 2);   // total 4
}

TEST(TransposeConvParams, OnnxAxis) {
  // natural = 2 * (5 - 1) + 1 + 3 = 12
  EXPECT_EQ(onnx_conv_transpose_axis(5, 3, 2, 1, 1, 1, 1, -1, "NOTSET").out, 10);
  EXPECT_EQ(onnx_conv_transpose_axis(5, 3, 2, 1, 1, 1, 1, -1, "NOTSET").pad_begin, 1);
  EXPECT_EQ(onnx_conv_transpose_axis(5, 3, 2, 1, 1, 1, 0, -1, "VALID").out, 11);
  // SAME: out = 10, total padding 1: the end gets it (UPPER) or the start (LOWER)
  EXPECT_EQ(onnx_conv_transpose_axis(5, 3, 2, 1, 0, 0, 0, -1, "SAME_UPPER").pad_begin, 0);
  EXPECT_EQ(onnx_conv_transpose_axis(5, 3, 2, 1, 0, 0, 0, -1, "SAME_LOWER").pad_begin, 1);
  // explicit output_shape 9 with dilation 2: natural 2*4 + 5 = 13, total 4, start 2
  const TconvAxis a = onnx_conv_transpose_axis(5, 3, 2, 2, 0, 0, 0, 9, "NOTSET");
  EXPECT_EQ(a.out, 9);
  EXPECT_EQ(a.pad_begin, 2);
  EXPECT_THROW(onnx_conv_transpose_axis(2, 1, 1, 1, 1, 1, 0, -1, "NOTSET"), Error);
  EXPECT_THROW(onnx_conv_transpose_axis(2, 1, 1, 1, 0, 0, 0, -1, "SAME"), Error);
}

TEST(TransposeConvParams, MultipliersAndActRange) {
  TconvGeometry g{};
  g.in = {1, 1, 1, 1};
  g.out = {1, 1, 1, 2};
  g.kh = g.kw = g.stride_h = g.stride_w = 1;
  // 0.5 * 0.25 / 0.125 = 1 = 2^30 * 2^(1 - 31); 0.5 * 0.375 / 0.125 = 1.5 = 3 * 2^29 * 2^(1-31)
  const auto tp = transpose_conv_s8_params(g, 0.5f, 0, {0.25f, 0.375f}, 0.125f, 0, -128, 127);
  EXPECT_EQ(tp.multiplier, (std::vector<int32_t>{1 << 30, 3 << 29}));
  EXPECT_EQ(tp.shift, (std::vector<int32_t>{1, 1}));
  // RELU6 at scale 0.1, zp 10: [10 + 0, 10 + 60]; RELU_N1_TO_1 at scale 0.004: [-128 clamp, 127]
  EXPECT_EQ(tflite_act_range_s8(0.1f, 10, 0.0f, 6.0f), (std::pair<int32_t, int32_t>{10, 70}));
  EXPECT_EQ(tflite_act_range_s8(0.004f, 0, -1.0f, 1.0f), (std::pair<int32_t, int32_t>{-128, 127}));
  EXPECT_EQ(tflite_act_range_s8(0.1f, 10), (std::pair<int32_t, int32_t>{-128, 127}));
}

TEST(TransposeConvParams, OnnxWeightsToOhwi) {
  // ONNX [in_c = 2][out_c = 3][1][2]: value = 50 * i + 10 * o + x
  std::vector<int8_t> w;
  for (int i = 0; i < 2; ++i)
    for (int o = 0; o < 3; ++o)
      for (int x = 0; x < 2; ++x) w.push_back(static_cast<int8_t>(i * 50 + o * 10 + x));
  const auto ohwi = onnx_conv_transpose_weights_ohwi(w.data(), 2, 3, 1, 2);
  // OHWI[o][0][x][i]
  EXPECT_EQ(ohwi, (std::vector<int8_t>{0, 50, 1, 51, 10, 60, 11, 61, 20, 70, 21, 71}));
}

}  // namespace
}  // namespace mote
