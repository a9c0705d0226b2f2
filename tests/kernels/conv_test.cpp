// Conv2D and depthwise Conv2D, int8 and float: C runtime vs C++ reference over swept geometry,
// plus hand-worked cases.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "encode/weights.h"
#include "kernel_test_util.h"
#include "mote/decode.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::Rng;

struct Geo {
  mote_dims in{}, out{};
  int32_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
};

// One spatial axis: random padding on both sides (the far side only through the output size).
void axis(Rng& r, int32_t in, int32_t k, int32_t s, int32_t d, int32_t* pad_before, int32_t* out) {
  const int32_t eff = (k - 1) * d + 1;
  *pad_before = r.i(0, eff - 1);
  int32_t after = r.i(0, eff - 1);
  if (in + *pad_before + after < eff) after = eff - in - *pad_before;
  *out = (in + *pad_before + after - eff) / s + 1;
}

Geo make_geo(Rng& r, int32_t kh, int32_t stride, int32_t dil, int32_t cin, int32_t cout) {
  Geo g;
  g.in = {r.i(1, 2), r.pick(test::prime_sizes()), r.pick(test::prime_sizes()), cin};
  g.kh = kh;
  g.kw = r.pick(std::vector<int32_t>{1, 2, 3, 5});
  g.sh = stride;
  g.sw = r.i(1, 3);
  g.dh = dil;
  g.dw = r.i(1, 2);
  g.out.n = g.in.n;
  g.out.c = cout;
  axis(r, g.in.h, g.kh, g.sh, g.dh, &g.pt, &g.out.h);
  axis(r, g.in.w, g.kw, g.sw, g.dw, &g.pl, &g.out.w);
  return g;
}

size_t numel(const mote_dims& d) { return static_cast<size_t>(d.n) * d.h * d.w * d.c; }

std::string describe(const Geo& g, int32_t groups) {
  return "in " + std::to_string(g.in.n) + "x" + std::to_string(g.in.h) + "x" +
         std::to_string(g.in.w) + "x" + std::to_string(g.in.c) + " out " + std::to_string(g.out.h) +
         "x" + std::to_string(g.out.w) + "x" + std::to_string(g.out.c) + " k " +
         std::to_string(g.kh) + "x" + std::to_string(g.kw) + " s " + std::to_string(g.sh) + "," +
         std::to_string(g.sw) + " d " + std::to_string(g.dh) + "," + std::to_string(g.dw) +
         " pad " + std::to_string(g.pt) + "," + std::to_string(g.pl) + " groups " +
         std::to_string(groups);
}

mote_conv_s8_params s8_params(Rng& r, const Geo& g, int32_t groups, int32_t k_len,
                              std::vector<int32_t>* mult, std::vector<int32_t>* shift) {
  mote_conv_s8_params p{};
  p.in = g.in;
  p.out = g.out;
  p.kh = g.kh;
  p.kw = g.kw;
  p.stride_h = g.sh;
  p.stride_w = g.sw;
  p.dil_h = g.dh;
  p.dil_w = g.dw;
  p.pad_top = g.pt;
  p.pad_left = g.pl;
  p.groups = groups;
  p.in_zp = r.i(-128, 127);
  p.out_zp = r.i(-40, 40);
  const bool full = r.i(0, 3) != 0;
  p.act_min = full ? -128 : r.i(-128, 0);
  p.act_max = full ? 127 : r.i(p.act_min, 127);
  const double root = std::sqrt(static_cast<double>(k_len));
  test::random_multipliers(r, static_cast<size_t>(g.out.c), 0.003 / root, 0.03 / root, mult, shift);
  p.multiplier = mult->data();
  p.shift = shift->data();
  return p;
}

mote_conv_f32_params f32_params(Rng& r, const Geo& g, int32_t groups) {
  mote_conv_f32_params p{};
  p.in = g.in;
  p.out = g.out;
  p.kh = g.kh;
  p.kw = g.kw;
  p.stride_h = g.sh;
  p.stride_w = g.sw;
  p.dil_h = g.dh;
  p.dil_w = g.dw;
  p.pad_top = g.pt;
  p.pad_left = g.pl;
  p.groups = groups;
  const bool clamp = r.i(0, 3) == 0;
  p.act_min = clamp ? -0.5f : -std::numeric_limits<float>::infinity();
  p.act_max = clamp ? 0.75f : std::numeric_limits<float>::infinity();
  return p;
}

// Channel configurations: plain, grouped, and one group per input channel.
void channels(Rng& r, int mode, int32_t* cin, int32_t* cout, int32_t* groups) {
  if (mode == 0) {
    *groups = 1;
    *cin = r.pick(std::vector<int32_t>{1, 2, 3, 5, 7, 8, 13});
    *cout = r.pick(std::vector<int32_t>{1, 2, 3, 5, 7, 11});
  } else if (mode == 1) {
    *groups = r.i(2, 3);
    *cin = *groups * r.i(1, 4);
    *cout = *groups * r.i(1, 3);
  } else {
    *cin = r.pick(std::vector<int32_t>{1, 3, 5, 8});
    *groups = *cin;
    *cout = *cin * r.i(1, 2);
  }
}

TEST(Conv2dS8, MatchesReferenceOverSweep) {
  Rng r(11);
  size_t total = 0, inside = 0, trials = 0;
  for (int32_t kh : {1, 2, 3, 5})
    for (int32_t stride = 1; stride <= 3; ++stride)
      for (int32_t dil = 1; dil <= 2; ++dil)
        for (int mode = 0; mode < 3; ++mode)
          for (int rep = 0; rep < 5; ++rep) {
            int32_t cin, cout, groups;
            channels(r, mode, &cin, &cout, &groups);
            const Geo g = make_geo(r, kh, stride, dil, cin, cout);
            const int32_t k_len = g.kh * g.kw * (cin / groups);
            std::vector<int32_t> mult, shift;
            const mote_conv_s8_params p = s8_params(r, g, groups, k_len, &mult, &shift);
            const auto in = r.s8(numel(g.in));
            const auto w = r.s8(static_cast<size_t>(cout) * k_len, -127, 127);
            const int32_t bias_mag = static_cast<int32_t>(3000 * std::sqrt(k_len));
            const auto bias = r.s32(static_cast<size_t>(cout), -bias_mag, bias_mag);
            const bool use_bias = rep == 0 || mode != 0;
            std::vector<int16_t> scratch(mote_conv2d_s8_scratch_bytes(&p) / 2 + 1);
            std::vector<int8_t> got(numel(g.out) + 8, 77), want(numel(g.out));
            ASSERT_EQ(mote_conv2d_s8(&p, in.data(), w.data(), use_bias ? bias.data() : nullptr,
                                     got.data(), scratch.data()),
                      MOTE_OK);
            ASSERT_EQ(ref::conv2d_s8(p, in.data(), w.data(), use_bias ? bias.data() : nullptr,
                                     want.data()),
                      MOTE_OK);
            for (size_t k = want.size(); k < got.size(); ++k) ASSERT_EQ(got[k], 77) << "overrun";
            got.resize(want.size());
            ASSERT_EQ(test::count_mismatches(got, want, describe(g, groups)), 0u);
            total += want.size();
            inside += test::count_inside(want, p.act_min, p.act_max);
            ++trials;
          }
  EXPECT_EQ(trials, 360u);
  EXPECT_GT(inside, total / 2) << "outputs mostly saturated: the sweep tests little";
}

// Over encoded weights (one filter decoded at a time): the dense kernel's bytes on the same
// pruned, shared weights, for every geometry of the sweep's kind and three encodings.
TEST(Conv2dS8Encoded, MatchesDenseKernel) {
  Rng r(41);
  const WeightEncoding encodings[] = {{false, true, 8, true, 0}, {true, false, 8, false, 0}, {true, true, 8, true, 0}};
  int trials = 0;
  for (int32_t kh : {1, 3, 5})
    for (int32_t stride = 1; stride <= 2; ++stride)
      for (int mode = 0; mode < 3; ++mode)
        for (int rep = 0; rep < 4; ++rep) {
          int32_t cin, cout, groups;
          channels(r, mode, &cin, &cout, &groups);
          const Geo g = make_geo(r, kh, stride, 1 + rep % 2, cin, cout);
          const int32_t k_len = g.kh * g.kw * (cin / groups);
          std::vector<int32_t> mult, shift;
          const mote_conv_s8_params p = s8_params(r, g, groups, k_len, &mult, &shift);
          const auto in = r.s8(numel(g.in));
          auto w = r.s8(static_cast<size_t>(cout) * k_len, -127, 127);
          for (auto& v : w)
            if (r.i(0, 9) < 2 * rep) v = 0;
          w = share_weights(w, 4, true);
          const auto bias = r.s32(static_cast<size_t>(cout), -30000, 30000);
          std::vector<int16_t> scratch(mote_conv2d_s8_scratch_bytes(&p) / 2 + 1);
          std::vector<int8_t> want(numel(g.out));
          ASSERT_EQ(mote_conv2d_s8(&p, in.data(), w.data(), bias.data(), want.data(), scratch.data()), MOTE_OK);
          for (const WeightEncoding& opt : encodings) {
            const EncodedWeights e = encode_weights(w, cout, k_len, opt, "w");
            const mote_wenc d = e.view();
            std::vector<int8_t> filter(mote_conv2d_s8_enc_scratch_bytes(&p)), got(numel(g.out) + 8, 77);
            ASSERT_EQ(filter.size(), size_t(k_len));
            ASSERT_EQ(mote_conv2d_s8_enc(&p, in.data(), &d, bias.data(), got.data(), filter.data()), MOTE_OK);
            for (size_t k = want.size(); k < got.size(); ++k) ASSERT_EQ(got[k], 77) << "overrun";
            got.resize(want.size());
            ASSERT_EQ(test::count_mismatches(got, want, describe(g, groups)), 0u);
          }
          ++trials;
        }
  EXPECT_EQ(trials, 72);
}

// In place (out is the input buffer): "same"-size stride-1 convs give the reference's bytes for
// every top padding, dilation and kernel size, and stay inside their scratch.
TEST(Conv2dS8, InPlaceMatchesReference) {
  Rng r(29);
  int trials = 0;
  for (int32_t kh : {1, 2, 3, 5})
    for (int32_t dil = 1; dil <= 2; ++dil)
      for (int rep = 0; rep < 6; ++rep) {
        const int32_t c = r.pick(std::vector<int32_t>{1, 3, 4, 8});
        const int32_t groups = c % 2 == 0 && rep % 2 ? 2 : 1;
        Geo g;
        g.in = {r.i(1, 2), r.pick(test::prime_sizes()), r.pick(test::prime_sizes()), c};
        g.out = g.in;
        g.kh = kh;
        g.kw = r.pick(std::vector<int32_t>{1, 3});
        g.dh = dil;
        g.dw = 1;
        g.pt = r.i(0, (kh - 1) * dil);  // the rest of the padding goes below
        g.pl = (g.kw - 1) / 2;
        if (g.pt >= g.out.h) continue;
        const int32_t k_len = g.kh * g.kw * (c / groups);
        std::vector<int32_t> mult, shift;
        mote_conv_s8_params p = s8_params(r, g, groups, k_len, &mult, &shift);
        p.in_place = 1;
        const auto in = r.s8(numel(g.in));
        const auto w = r.s8(static_cast<size_t>(c) * k_len, -127, 127);
        const auto bias = r.s32(static_cast<size_t>(c), -3000, 3000);
        std::vector<int8_t> want(numel(g.out));
        ASSERT_EQ(ref::conv2d_s8(p, in.data(), w.data(), bias.data(), want.data()), MOTE_OK);
        const size_t scratch_bytes = mote_conv2d_s8_scratch_bytes(&p);
        EXPECT_GE(scratch_bytes, static_cast<size_t>(g.pt + 1) * g.out.w * c);
        std::vector<int32_t> scratch(scratch_bytes / 4 + 2, 0x5a5a5a5a);
        std::vector<int8_t> buf = in;
        ASSERT_EQ(mote_conv2d_s8(&p, buf.data(), w.data(), bias.data(), buf.data(), scratch.data()), MOTE_OK);
        for (size_t k = (scratch_bytes + 3) / 4; k < scratch.size(); ++k) ASSERT_EQ(scratch[k], 0x5a5a5a5a) << "scratch overrun";
        ASSERT_EQ(test::count_mismatches(buf, want, describe(g, groups) + " in place"), 0u);
        ++trials;
      }
  EXPECT_GT(trials, 30);
  mote_conv_s8_params bad{};
  bad.in = {1, 4, 4, 2};
  bad.out = {1, 2, 2, 2};  // in place needs the input's dims
  bad.kh = bad.kw = bad.stride_h = bad.stride_w = bad.dil_h = bad.dil_w = bad.groups = 1;
  bad.act_min = -128, bad.act_max = 127;
  bad.in_place = 1;
  int32_t m = 1 << 30, sh = 0;
  bad.multiplier = &m, bad.shift = &sh;
  std::vector<int8_t> x(32), y(32);
  std::vector<int32_t> scratch(64);
  EXPECT_EQ(mote_conv2d_s8(&bad, x.data(), x.data(), nullptr, y.data(), scratch.data()), MOTE_ERR_PARAM);
}

TEST(DepthwiseConv2dS8, MatchesReferenceOverSweep) {
  Rng r(12);
  size_t total = 0, inside = 0;
  for (int32_t kh : {1, 2, 3, 5})
    for (int32_t stride = 1; stride <= 3; ++stride)
      for (int32_t dil = 1; dil <= 2; ++dil)
        for (int32_t dm = 1; dm <= 2; ++dm)
          for (int rep = 0; rep < 6; ++rep) {
            const int32_t cin = r.pick(std::vector<int32_t>{1, 2, 3, 5, 7, 8, 13});
            const Geo g = make_geo(r, kh, stride, dil, cin, cin * dm);
            std::vector<int32_t> mult, shift;
            const mote_conv_s8_params p = s8_params(r, g, 1, g.kh * g.kw, &mult, &shift);
            const auto in = r.s8(numel(g.in));
            const auto w = r.s8(static_cast<size_t>(g.kh) * g.kw * g.out.c, -127, 127);
            const int32_t bias_mag = static_cast<int32_t>(3000 * std::sqrt(g.kh * g.kw));
            const auto bias = r.s32(static_cast<size_t>(g.out.c), -bias_mag, bias_mag);
            const int32_t* b = rep % 3 == 2 ? nullptr : bias.data();
            std::vector<int8_t> got(numel(g.out) + 8, 77), want(numel(g.out));
            ASSERT_EQ(mote_depthwise_conv2d_s8(&p, in.data(), w.data(), b, got.data(), nullptr), MOTE_OK);
            ASSERT_EQ(ref::depthwise_conv2d_s8(p, in.data(), w.data(), b, want.data()), MOTE_OK);
            for (size_t k = want.size(); k < got.size(); ++k) ASSERT_EQ(got[k], 77) << "overrun";
            got.resize(want.size());
            ASSERT_EQ(test::count_mismatches(got, want, describe(g, dm)), 0u);
            total += want.size();
            inside += test::count_inside(want, p.act_min, p.act_max);
          }
  EXPECT_GT(inside, total / 2);
}

// In place (out is the input buffer, TinyEngine's channel-by-channel scheme): every stride,
// padding and dilation gives the reference's bytes with one input plane of scratch, and a
// depth multiplier above 1 or a missing scratch is refused.
TEST(DepthwiseConv2dS8, InPlaceMatchesReference) {
  Rng r(31);
  int trials = 0;
  for (int32_t kh : {1, 3, 5})
    for (int32_t stride = 1; stride <= 2; ++stride)
      for (int32_t dil = 1; dil <= 2; ++dil)
        for (int rep = 0; rep < 4; ++rep) {
          const int32_t c = r.pick(std::vector<int32_t>{1, 3, 8, 13});
          const Geo g = make_geo(r, kh, stride, dil, c, c);
          if (int64_t{g.out.h} * g.out.w > int64_t{g.in.h} * g.in.w) continue;
          std::vector<int32_t> mult, shift;
          mote_conv_s8_params p = s8_params(r, g, 1, g.kh * g.kw, &mult, &shift);
          p.in_place = 1;
          const auto in = r.s8(numel(g.in));
          const auto w = r.s8(static_cast<size_t>(g.kh) * g.kw * c, -127, 127);
          const auto bias = r.s32(static_cast<size_t>(c), -3000, 3000);
          std::vector<int8_t> want(numel(g.out));
          ASSERT_EQ(ref::depthwise_conv2d_s8(p, in.data(), w.data(), bias.data(), want.data()), MOTE_OK);
          const size_t scratch_bytes = mote_depthwise_conv2d_s8_scratch_bytes(&p);
          ASSERT_EQ(scratch_bytes, static_cast<size_t>(g.in.h) * g.in.w);
          std::vector<int8_t> scratch(scratch_bytes + 16, 0x5a);
          std::vector<int8_t> buf = in;
          ASSERT_EQ(mote_depthwise_conv2d_s8(&p, buf.data(), w.data(), bias.data(), buf.data(), scratch.data()), MOTE_OK);
          for (size_t k = scratch_bytes; k < scratch.size(); ++k) ASSERT_EQ(scratch[k], 0x5a) << "scratch overrun";
          buf.resize(want.size());
          ASSERT_EQ(test::count_mismatches(buf, want, describe(g, 1) + " in place"), 0u);
          ++trials;
        }
  EXPECT_GT(trials, 30);
  const Geo g = make_geo(r, 3, 1, 1, 2, 4);
  std::vector<int32_t> mult, shift;
  mote_conv_s8_params p = s8_params(r, g, 1, 9, &mult, &shift);
  p.in_place = 1;
  std::vector<int8_t> x(numel(g.out)), scratch(numel(g.in));
  EXPECT_EQ(mote_depthwise_conv2d_s8(&p, x.data(), x.data(), nullptr, x.data(), scratch.data()), MOTE_ERR_PARAM);
  p.out.c = p.in.c;
  EXPECT_EQ(mote_depthwise_conv2d_s8(&p, x.data(), x.data(), nullptr, x.data(), nullptr), MOTE_ERR_PARAM);
}

TEST(Conv2dF32, MatchesReferenceOverSweep) {
  Rng r(13);
  for (int32_t kh : {1, 2, 3, 5})
    for (int32_t stride = 1; stride <= 3; ++stride)
      for (int32_t dil = 1; dil <= 2; ++dil)
        for (int mode = 0; mode < 3; ++mode) {
          int32_t cin, cout, groups;
          channels(r, mode, &cin, &cout, &groups);
          const Geo g = make_geo(r, kh, stride, dil, cin, cout);
          const int32_t k_len = g.kh * g.kw * (cin / groups);
          const mote_conv_f32_params p = f32_params(r, g, groups);
          const auto in = r.f32(numel(g.in));
          const auto w = r.f32(static_cast<size_t>(cout) * k_len);
          const auto bias = r.f32(static_cast<size_t>(cout));
          const float* b = mode == 1 ? nullptr : bias.data();
          std::vector<float> got(numel(g.out)), want(numel(g.out));
          ASSERT_EQ(mote_conv2d_f32(&p, in.data(), w.data(), b, got.data()), MOTE_OK);
          ASSERT_EQ(ref::conv2d_f32(p, in.data(), w.data(), b, want.data()), MOTE_OK);
          test::expect_close(got, want, 1e-5, std::sqrt(k_len), describe(g, groups));
        }
}

TEST(DepthwiseConv2dF32, MatchesReferenceOverSweep) {
  Rng r(14);
  for (int32_t kh : {1, 2, 3, 5})
    for (int32_t stride = 1; stride <= 3; ++stride)
      for (int32_t dil = 1; dil <= 2; ++dil)
        for (int32_t dm = 1; dm <= 2; ++dm) {
          const int32_t cin = r.pick(std::vector<int32_t>{1, 2, 3, 5, 7, 8, 13});
          const Geo g = make_geo(r, kh, stride, dil, cin, cin * dm);
          const mote_conv_f32_params p = f32_params(r, g, 1);
          const auto in = r.f32(numel(g.in));
          const auto w = r.f32(static_cast<size_t>(g.kh) * g.kw * g.out.c);
          const auto bias = r.f32(static_cast<size_t>(g.out.c));
          std::vector<float> got(numel(g.out)), want(numel(g.out));
          ASSERT_EQ(mote_depthwise_conv2d_f32(&p, in.data(), w.data(), bias.data(), got.data()),
                    MOTE_OK);
          ASSERT_EQ(ref::depthwise_conv2d_f32(p, in.data(), w.data(), bias.data(), want.data()),
                    MOTE_OK);
          test::expect_close(got, want, 1e-5, std::sqrt(g.kh * g.kw), describe(g, dm));
        }
}

// 3x3 input minus zero point 1 = [[0,1,2],[3,4,5],[6,7,8]], 2x2 filter [[1,-1],[2,0]], bias 4:
// sums 9, 11, 15, 17; times 0.5 rounds ties up: 5, 6, 8, 9; plus out_zp -2.
TEST(Conv2dS8, HandWorked) {
  const int32_t mult[] = {int32_t{1} << 30}, shift[] = {0}, bias[] = {4};
  mote_conv_s8_params p{};
  p.in = {1, 3, 3, 1};
  p.out = {1, 2, 2, 1};
  p.kh = p.kw = 2;
  p.stride_h = p.stride_w = p.dil_h = p.dil_w = p.groups = 1;
  p.in_zp = 1;
  p.out_zp = -2;
  p.act_min = -128;
  p.act_max = 127;
  p.multiplier = mult;
  p.shift = shift;
  const std::vector<int8_t> in = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, -1, 2, 0};
  const std::vector<int8_t> want = {3, 4, 6, 7};
  std::vector<int16_t> scratch(mote_conv2d_s8_scratch_bytes(&p) / 2);
  ASSERT_EQ(scratch.size(), 4u);
  std::vector<int8_t> got(4), oracle(4);
  ASSERT_EQ(mote_conv2d_s8(&p, in.data(), w.data(), bias, got.data(), scratch.data()), MOTE_OK);
  ASSERT_EQ(ref::conv2d_s8(p, in.data(), w.data(), bias, oracle.data()), MOTE_OK);
  EXPECT_EQ(got, want);
  EXPECT_EQ(oracle, want);
  p.act_max = 5;  // fused clamp
  ASSERT_EQ(mote_conv2d_s8(&p, in.data(), w.data(), bias, got.data(), scratch.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{3, 4, 5, 5}));
}

// 1x3 input, 2 channels, zero point 1 (so shifted c0 = 0,1,2 and c1 = -2,-3,-4), 1x2 filter,
// left padding 1 (padding reads as the zero point, contributing 0), multiplier 1.0.
TEST(DepthwiseConv2dS8, HandWorkedWithPadding) {
  const int32_t mult[] = {int32_t{1} << 30, int32_t{1} << 30}, shift[] = {1, 1};
  mote_conv_s8_params p{};
  p.in = {1, 1, 3, 2};
  p.out = {1, 1, 3, 2};
  p.kh = 1;
  p.kw = 2;
  p.stride_h = p.stride_w = p.dil_h = p.dil_w = 1;
  p.pad_left = 1;
  p.in_zp = 1;
  p.act_min = -128;
  p.act_max = 127;
  p.multiplier = mult;
  p.shift = shift;
  const std::vector<int8_t> in = {1, -1, 2, -2, 3, -3};
  const std::vector<int8_t> w = {1, 2, 3, 4};  // [kx][c]
  const std::vector<int8_t> want = {0, -8, 3, -16, 7, -22};
  std::vector<int8_t> got(6), oracle(6);
  ASSERT_EQ(mote_depthwise_conv2d_s8(&p, in.data(), w.data(), nullptr, got.data(), nullptr), MOTE_OK);
  ASSERT_EQ(ref::depthwise_conv2d_s8(p, in.data(), w.data(), nullptr, oracle.data()), MOTE_OK);
  EXPECT_EQ(got, want);
  EXPECT_EQ(oracle, want);
}

// 2x2 input, one channel, 3x3 filter of ones with padding 1: each output sums the whole input
// (1+2+3+4 = 10) plus bias 0.5.
TEST(Conv2dF32, HandWorkedPadding) {
  mote_conv_f32_params p{};
  p.in = {1, 2, 2, 1};
  p.out = {1, 2, 2, 1};
  p.kh = p.kw = 3;
  p.stride_h = p.stride_w = p.dil_h = p.dil_w = p.groups = 1;
  p.pad_top = p.pad_left = 1;
  p.act_min = -100.0f;
  p.act_max = 100.0f;
  const std::vector<float> in = {1, 2, 3, 4}, w(9, 1.0f), bias = {0.5f};
  std::vector<float> got(4);
  ASSERT_EQ(mote_conv2d_f32(&p, in.data(), w.data(), bias.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<float>{10.5f, 10.5f, 10.5f, 10.5f}));
}

TEST(Conv2dS8, RejectsInconsistentParams) {
  const int32_t mult[] = {int32_t{1} << 30, int32_t{1} << 30}, shift[] = {0, 0};
  mote_conv_s8_params p{};
  p.in = {1, 2, 2, 3};
  p.out = {1, 2, 2, 2};
  p.kh = p.kw = 1;
  p.stride_h = p.stride_w = p.dil_h = p.dil_w = 1;
  p.groups = 2;  // does not divide in.c = 3
  p.act_min = -128;
  p.act_max = 127;
  p.multiplier = mult;
  p.shift = shift;
  std::vector<int8_t> in(12), w(6), out(8);
  std::vector<int16_t> scratch(16);
  EXPECT_EQ(mote_conv2d_s8(&p, in.data(), w.data(), nullptr, out.data(), scratch.data()),
            MOTE_ERR_PARAM);
  EXPECT_EQ(ref::conv2d_s8(p, in.data(), w.data(), nullptr, out.data()), MOTE_ERR_PARAM);
  p.groups = 1;
  p.in.c = 2;
  EXPECT_EQ(mote_conv2d_s8(&p, in.data(), w.data(), nullptr, out.data(), nullptr),
            MOTE_ERR_PARAM);  // missing scratch
  p.act_min = 10;
  p.act_max = 0;
  EXPECT_EQ(mote_conv2d_s8(&p, in.data(), w.data(), nullptr, out.data(), scratch.data()),
            MOTE_ERR_PARAM);
  EXPECT_EQ(ref::conv2d_s8(p, in.data(), w.data(), nullptr, out.data()), MOTE_ERR_PARAM);
  p.act_min = -128;
  p.act_max = 127;
  p.out.c = 3;  // depthwise: out.c must be a multiple of in.c
  EXPECT_EQ(mote_depthwise_conv2d_s8(&p, in.data(), w.data(), nullptr, out.data(), nullptr), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::depthwise_conv2d_s8(p, in.data(), w.data(), nullptr, out.data()), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote
