// Resize: C kernels on the compiler's tables vs references computed from TFLite's flags, over
// upscales, downscales and every flag combination; hand-derived tables; the ONNX mapping.
#include "lower/params/resize.h"

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

struct Flags {
  bool align, half;
};
const std::vector<Flags> kBilinearFlags = {{false, false}, {true, false}, {false, true}};

mote_dims random_in(Rng& r) {
  return {r.i(1, 2), r.pick(test::prime_sizes()), r.pick(test::prime_sizes()),
          r.pick(std::vector<int32_t>{1, 2, 3, 4, 7})};
}
int32_t random_out(Rng& r) { return r.pick(std::vector<int32_t>{1, 2, 3, 4, 5, 8, 9, 10, 17, 26}); }

TEST(ResizeNearest, MatchesReferenceEveryFlagAndElementSize) {
  Rng r(81);
  for (int rep = 0; rep < 400; ++rep) {
    const mote_dims in = random_in(r);
    const int32_t oh = random_out(r), ow = random_out(r);
    const Flags f{rep % 4 == 1 || rep % 4 == 3, rep % 4 >= 2};  // includes both set
    const int32_t es = rep % 3 == 0 ? 4 : 1;
    const auto rp = resize_nearest_params(in, oh, ow, f.align, f.half, es);
    const auto p = rp.bound();
    std::vector<uint8_t> src(numel(in) * es);
    for (auto& b : src) b = static_cast<uint8_t>(r.i(0, 255));
    const size_t n_out = static_cast<size_t>(in.n) * oh * ow * in.c * es;
    std::vector<uint8_t> got(n_out), want(n_out);
    ASSERT_EQ(mote_resize_nearest(&p, src.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::resize_nearest_tflite(in, oh, ow, f.align, f.half, es, src.data(), want.data()),
              MOTE_OK);
    ASSERT_EQ(got, want) << "rep " << rep;
    std::vector<uint8_t> oracle(n_out);
    ASSERT_EQ(ref::resize_nearest(p, src.data(), oracle.data()), MOTE_OK);
    ASSERT_EQ(oracle, want) << "rep " << rep;
  }
}

TEST(ResizeBilinearS8, MatchesTflmReference) {
  Rng r(82);
  for (int rep = 0; rep < 400; ++rep) {
    const mote_dims in = random_in(r);
    const int32_t oh = random_out(r), ow = random_out(r);
    const Flags f = kBilinearFlags[static_cast<size_t>(rep % 3)];
    const auto rp = resize_bilinear_s8_params(in, oh, ow, f.align, f.half);
    const auto p = rp.bound();
    const auto src = r.s8(numel(in));
    const size_t n_out = static_cast<size_t>(in.n) * oh * ow * in.c;
    std::vector<int8_t> got(n_out), want(n_out);
    ASSERT_EQ(mote_resize_bilinear_s8(&p, src.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::resize_bilinear_s8_tflm(in, oh, ow, f.align, f.half, src.data(), want.data()),
              MOTE_OK);
    ASSERT_EQ(test::count_mismatches(got, want, "rep " + std::to_string(rep)), 0u);
    std::vector<int8_t> oracle(n_out);
    ASSERT_EQ(ref::resize_bilinear_s8(p, src.data(), oracle.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(oracle, want, "params oracle " + std::to_string(rep)), 0u);
  }
}

TEST(ResizeBilinearF32, MatchesTfliteReference) {
  Rng r(83);
  for (int rep = 0; rep < 300; ++rep) {
    const mote_dims in = random_in(r);
    const int32_t oh = random_out(r), ow = random_out(r);
    const Flags f = kBilinearFlags[static_cast<size_t>(rep % 3)];
    const auto rp = resize_bilinear_f32_params(in, oh, ow, f.align, f.half);
    const auto p = rp.bound();
    const auto src = r.f32(numel(in));
    const size_t n_out = static_cast<size_t>(in.n) * oh * ow * in.c;
    std::vector<float> got(n_out), want(n_out);
    ASSERT_EQ(mote_resize_bilinear_f32(&p, src.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::resize_bilinear_f32_tflite(in, oh, ow, f.align, f.half, src.data(), want.data()),
              MOTE_OK);
    test::expect_close(got, want, 1e-5, 1.0, "rep " + std::to_string(rep));
    std::vector<float> oracle(n_out);
    ASSERT_EQ(ref::resize_bilinear_f32(p, src.data(), oracle.data()), MOTE_OK);
    test::expect_close(got, oracle, 1e-5, 1.0, "params oracle " + std::to_string(rep));
  }
}

TEST(ResizeParams, NearestTablesByHand) {
  // 5 -> 10: scale 0.5. default floor(o/2); half pixel floor((o + .5)/2); align corners
  // scale 4/9, round(o * 4/9).
  EXPECT_EQ(tflite_nearest_axis(5, 10, false, false),
            (std::vector<int32_t>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
  EXPECT_EQ(tflite_nearest_axis(5, 10, false, true),
            (std::vector<int32_t>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
  EXPECT_EQ(tflite_nearest_axis(5, 10, true, false),
            (std::vector<int32_t>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
  // 6 -> 4: scale 1.5. default floor(1.5 o) = 0 1 3 4; half pixel floor(1.5 o + .75) = 0 2 3 5
  EXPECT_EQ(tflite_nearest_axis(6, 4, false, false), (std::vector<int32_t>{0, 1, 3, 4}));
  EXPECT_EQ(tflite_nearest_axis(6, 4, false, true), (std::vector<int32_t>{0, 2, 3, 5}));
  // align corners 6 -> 4: scale 5/3, round(0, 1.67, 3.33, 5) = 0 2 3 5
  EXPECT_EQ(tflite_nearest_axis(6, 4, true, false), (std::vector<int32_t>{0, 2, 3, 5}));
}

TEST(ResizeParams, BilinearS8TablesByHand) {
  // 5 -> 10, half pixel: scale_10 = (5120 + 5) / 10 = 512, v = 512 o + 256 - 512.
  const auto a = tflm_bilinear_axis_s8(5, 10, false, true);
  EXPECT_EQ(a.lo, (std::vector<int32_t>{0, 0, 0, 1, 1, 2, 2, 3, 3, 4}));
  EXPECT_EQ(a.hi, (std::vector<int32_t>{0, 1, 1, 2, 2, 3, 3, 4, 4, 4}));
  // v = -256 (lo 0: frac -256), 256, 768, 1280 - 1024, ...
  EXPECT_EQ(a.frac, (std::vector<int32_t>{-256, 256, 768, 256, 768, 256, 768, 256, 768, 256}));
  // 6 -> 9 align corners: scale_10 = (5 * 1024 + 4) / 8 = 640
  const auto b = tflm_bilinear_axis_s8(6, 9, true, false);
  EXPECT_EQ(b.lo, (std::vector<int32_t>{0, 0, 1, 1, 2, 3, 3, 4, 5}));
  EXPECT_EQ(b.frac, (std::vector<int32_t>{0, 640, 256, 896, 512, 128, 768, 384, 0}));
  EXPECT_EQ(b.hi, (std::vector<int32_t>{0, 1, 2, 2, 3, 4, 4, 5, 5}));
  EXPECT_THROW(resize_bilinear_s8_params({1, 2, 2, 1}, 4, 4, true, true), Error);
  // a table entry past the input is refused by kernel and oracle alike
  auto bad = resize_bilinear_s8_params({1, 2, 2, 1}, 4, 4, false, false);
  bad.y.hi[3] = 2;
  const auto bp = bad.bound();
  int8_t in[4] = {}, out[16];
  EXPECT_EQ(mote_resize_bilinear_s8(&bp, in, out), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::resize_bilinear_s8(bp, in, out), MOTE_ERR_PARAM);
}

TEST(ResizeBilinearS8, HandWorkedRounding) {
  // 1x1x2x1 -> 1x1x4x1, default flags: scale_10 512, x = 0, 512, 1024, 1536 -> lo 0 0 1 1,
  // hi 0 1 1 1, frac 0 512 0 512. in = {-3, 4}: -3, (-3 + 4) / 2 = 0.5 -> 1 (half away), 4, 4.
  const auto rp = resize_bilinear_s8_params({1, 1, 2, 1}, 1, 4, false, false);
  const auto p = rp.bound();
  const int8_t in[] = {-3, 4};
  int8_t out[4];
  ASSERT_EQ(mote_resize_bilinear_s8(&p, in, out), MOTE_OK);
  EXPECT_EQ(std::vector<int8_t>(out, out + 4), (std::vector<int8_t>{-3, 1, 4, 4}));
  const int8_t neg[] = {-4, 3};  // midpoint -0.5 -> -1
  ASSERT_EQ(mote_resize_bilinear_s8(&p, neg, out), MOTE_OK);
  EXPECT_EQ(out[1], -1);
}

TEST(ResizeParams, OnnxMapping) {
  using F = std::optional<TfliteResizeFlags>;
  const auto eq = [](const F& f, bool a, bool h) {
    return f && f->align_corners == a && f->half_pixel_centers == h;
  };
  EXPECT_TRUE(eq(onnx_resize_to_tflite("linear", "asymmetric", "", 5, 6, 10, 9), false, false));
  EXPECT_TRUE(eq(onnx_resize_to_tflite("linear", "align_corners", "", 5, 6, 10, 9), true, false));
  EXPECT_TRUE(eq(onnx_resize_to_tflite("linear", "half_pixel", "", 5, 6, 10, 9), false, true));
  EXPECT_TRUE(
      eq(onnx_resize_to_tflite("linear", "pytorch_half_pixel", "", 5, 6, 10, 9), false, true));
  EXPECT_FALSE(onnx_resize_to_tflite("linear", "pytorch_half_pixel", "", 5, 6, 1, 9));
  EXPECT_FALSE(onnx_resize_to_tflite("linear", "tf_crop_and_resize", "", 5, 6, 10, 9));
  EXPECT_FALSE(onnx_resize_to_tflite("cubic", "half_pixel", "", 5, 6, 10, 9));
  // scales that are not out / in cannot be expressed
  EXPECT_FALSE(onnx_resize_to_tflite("linear", "half_pixel", "", 5, 6, 10, 9, 2.1f, 1.5f));
  EXPECT_TRUE(
      eq(onnx_resize_to_tflite("linear", "half_pixel", "", 5, 6, 10, 9, 2.0f, 1.5f), false, true));
  // nearest: 2x upscale (asymmetric floor = PyTorch's default 'nearest')
  EXPECT_TRUE(
      eq(onnx_resize_to_tflite("nearest", "asymmetric", "floor", 5, 6, 10, 12), false, false));
  EXPECT_TRUE(eq(onnx_resize_to_tflite("nearest", "tf_half_pixel_for_nn", "floor", 5, 6, 10, 9),
                 false, true));
  EXPECT_TRUE(eq(onnx_resize_to_tflite("nearest", "half_pixel", "round_prefer_ceil", 5, 6, 10, 9),
                 false, true));
  // 6 -> 4 align corners: ONNX round_prefer_ceil = TFLite's round half away from zero
  EXPECT_TRUE(eq(onnx_resize_to_tflite("nearest", "align_corners", "round_prefer_ceil", 6, 6, 4, 4),
                 true, false));
  // 2x downscale with half_pixel + round_prefer_floor: source 2o + 0.5 ties to 2o, TFLite's
  // half-pixel rule picks 2o + 1, and the default rule (floor(2o)) matches instead
  EXPECT_TRUE(eq(onnx_resize_to_tflite("nearest", "half_pixel", "round_prefer_floor", 8, 8, 4, 4),
                 false, false));
  // 3 -> 2 asymmetric ceil: ceil(1.5 o) = 0 2; TFLite default gives 0 1, align corners 0 2
  EXPECT_TRUE(eq(onnx_resize_to_tflite("nearest", "asymmetric", "ceil", 3, 3, 2, 2), true, false));
  // 5 -> 3 asymmetric ceil: ceil(5/3 o) = 0 2 4; TFLite: default 0 1 3, align round(2 o) =
  // 0 2 4 (found first), half pixel 0 2 4
  EXPECT_TRUE(eq(onnx_resize_to_tflite("nearest", "asymmetric", "ceil", 5, 5, 3, 3), true, false));
  EXPECT_FALSE(onnx_resize_to_tflite("nearest", "asymmetric", "nearest_even", 5, 6, 10, 12));
}

}  // namespace
}  // namespace mote
