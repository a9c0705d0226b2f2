// Max and average pooling, int8 and float: C runtime vs C++ reference, plus hand-worked cases.
#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::Rng;

struct PoolGeo {
  mote_dims in{}, out{};
  int32_t kh = 1, kw = 1, sh = 1, sw = 1, pt = 0, pl = 0;
};

// Padding below the kernel size on both sides, so every window overlaps the input.
void pool_axis(Rng& r, int32_t in, int32_t k, int32_t s, int32_t* pad_before, int32_t* out) {
  *pad_before = r.i(0, k - 1);
  int32_t after = r.i(0, k - 1);
  if (in + *pad_before + after < k) after = k - in - *pad_before;
  *out = (in + *pad_before + after - k) / s + 1;
}

PoolGeo make_pool(Rng& r, int32_t k, int32_t s) {
  PoolGeo g;
  g.in = {r.i(1, 2), r.pick(test::prime_sizes()), r.pick(test::prime_sizes()),
          r.pick(std::vector<int32_t>{1, 2, 3, 5, 8})};
  g.kh = k;
  g.kw = r.pick(std::vector<int32_t>{1, 2, 3, 5});
  g.sh = s;
  g.sw = r.i(1, 3);
  g.out.n = g.in.n;
  g.out.c = g.in.c;
  pool_axis(r, g.in.h, g.kh, g.sh, &g.pt, &g.out.h);
  pool_axis(r, g.in.w, g.kw, g.sw, &g.pl, &g.out.w);
  return g;
}

template <typename P>
void fill(P* p, const PoolGeo& g) {
  p->in = g.in;
  p->out = g.out;
  p->kh = g.kh;
  p->kw = g.kw;
  p->stride_h = g.sh;
  p->stride_w = g.sw;
  p->pad_top = g.pt;
  p->pad_left = g.pl;
}

size_t numel(const mote_dims& d) { return static_cast<size_t>(d.n) * d.h * d.w * d.c; }

std::string describe(const PoolGeo& g) {
  return "in " + std::to_string(g.in.h) + "x" + std::to_string(g.in.w) + "x" +
         std::to_string(g.in.c) + " k " + std::to_string(g.kh) + "x" + std::to_string(g.kw) +
         " s " + std::to_string(g.sh) + "," + std::to_string(g.sw) + " pad " +
         std::to_string(g.pt) + "," + std::to_string(g.pl);
}

TEST(PoolS8, MatchesReferenceOverSweep) {
  Rng r(41);
  for (int32_t k : {1, 2, 3, 5})
    for (int32_t s = 1; s <= 3; ++s)
      for (int rep = 0; rep < 4; ++rep) {
        const PoolGeo g = make_pool(r, k, s);
        mote_pool_s8_params p{};
        fill(&p, g);
        p.act_min = rep == 3 ? -20 : -128;
        p.act_max = rep == 3 ? 30 : 127;
        const auto in = r.s8(numel(g.in));
        std::vector<int8_t> got(numel(g.out) + 4, 66), want(numel(g.out));
        ASSERT_EQ(mote_maxpool_s8(&p, in.data(), got.data()), MOTE_OK);
        ASSERT_EQ(ref::maxpool_s8(p, in.data(), want.data()), MOTE_OK);
        for (size_t i = want.size(); i < got.size(); ++i) ASSERT_EQ(got[i], 66) << "overrun";
        got.resize(want.size());
        ASSERT_EQ(test::count_mismatches(got, want, "max " + describe(g)), 0u);
        ASSERT_EQ(mote_avgpool_s8(&p, in.data(), got.data()), MOTE_OK);
        ASSERT_EQ(ref::avgpool_s8(p, in.data(), want.data()), MOTE_OK);
        ASSERT_EQ(test::count_mismatches(got, want, "avg " + describe(g)), 0u);
        ASSERT_EQ(mote_avgpool_s8_dsp(&p, in.data(), got.data()), MOTE_OK);
        ASSERT_EQ(test::count_mismatches(got, want, "avg dsp " + describe(g)), 0u);
      }
}

// The DSP average pool's 16-bit sums at their limit (256 cells of -128 or 127), global pools
// over many channels, and a larger window refused (the compiler keeps those portable).
TEST(AvgPoolS8Dsp, MatchesPortableAtTheSumLimits) {
  Rng r(43);
  for (int32_t c : {4, 7, 13, 64})
    for (const auto& [h, w, k] : std::vector<std::array<int32_t, 3>>{{25, 5, 25}, {16, 16, 16}, {17, 16, 16}, {9, 6, 4}}) {
      mote_pool_s8_params p{};
      p.in = {1, h, w, c};
      p.kh = k, p.kw = k == 25 ? 5 : k, p.stride_h = k, p.stride_w = p.kw;
      p.out = {1, (h - p.kh) / p.stride_h + 1, (w - p.kw) / p.stride_w + 1, c};
      p.act_min = -128, p.act_max = 127;
      for (int fillv : {-128, 127, 0}) {
        const auto in = fillv == 0 ? r.s8(numel(p.in)) : std::vector<int8_t>(numel(p.in), int8_t(fillv));
        std::vector<int8_t> got(numel(p.out)), want(numel(p.out));
        ASSERT_EQ(mote_avgpool_s8(&p, in.data(), want.data()), MOTE_OK);
        ASSERT_EQ(mote_avgpool_s8_dsp(&p, in.data(), got.data()), MOTE_OK);
        EXPECT_EQ(got, want) << h << "x" << w << "x" << c << " k" << k << " fill " << fillv;
      }
    }
  mote_pool_s8_params p{};
  p.in = p.out = {1, 17, 17, 4};
  p.kh = p.kw = 17, p.stride_h = p.stride_w = 1, p.pad_top = p.pad_left = 8;
  p.act_min = -128, p.act_max = 127;
  std::vector<int8_t> x(numel(p.in)), y(numel(p.out));
  EXPECT_EQ(mote_avgpool_s8_dsp(&p, x.data(), y.data()), MOTE_ERR_PARAM);  // 289 cells
}

TEST(PoolF32, MatchesReferenceOverSweep) {
  Rng r(42);
  for (int32_t k : {1, 2, 3, 5})
    for (int32_t s = 1; s <= 3; ++s)
      for (int rep = 0; rep < 3; ++rep) {
        const PoolGeo g = make_pool(r, k, s);
        mote_pool_f32_params p{};
        fill(&p, g);
        p.act_min = rep == 2 ? -0.3f : -std::numeric_limits<float>::infinity();
        p.act_max = rep == 2 ? 0.4f : std::numeric_limits<float>::infinity();
        const auto in = r.f32(numel(g.in));
        std::vector<float> got(numel(g.out)), want(numel(g.out));
        ASSERT_EQ(mote_maxpool_f32(&p, in.data(), got.data()), MOTE_OK);
        ASSERT_EQ(ref::maxpool_f32(p, in.data(), want.data()), MOTE_OK);
        EXPECT_EQ(got, want) << describe(g);
        ASSERT_EQ(mote_avgpool_f32(&p, in.data(), got.data()), MOTE_OK);
        ASSERT_EQ(ref::avgpool_f32(p, in.data(), want.data()), MOTE_OK);
        test::expect_close(got, want, 1e-5, 1.0, "avg " + describe(g));
      }
}

// 3x3 input [[1,2,3],[4,5,6],[7,8,-9]], 2x2 windows, stride 2: the right and bottom windows
// hang off the input and average only their inside cells:
// (1+2+4+5)/4 = 3, (3+6)/2 = 4.5 -> 5, (7+8)/2 = 7.5 -> 8, -9/1 = -9.
TEST(AvgPoolS8, HandWorkedPartialWindows) {
  mote_pool_s8_params p{};
  p.in = {1, 3, 3, 1};
  p.out = {1, 2, 2, 1};
  p.kh = p.kw = 2;
  p.stride_h = p.stride_w = 2;
  p.act_min = -128;
  p.act_max = 127;
  const std::vector<int8_t> in = {1, 2, 3, 4, 5, 6, 7, 8, -9};
  std::vector<int8_t> got(4), oracle(4);
  ASSERT_EQ(mote_avgpool_s8(&p, in.data(), got.data()), MOTE_OK);
  ASSERT_EQ(ref::avgpool_s8(p, in.data(), oracle.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{3, 5, 8, -9}));
  EXPECT_EQ(oracle, got);
  ASSERT_EQ(mote_maxpool_s8(&p, in.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{5, 6, 8, -9}));
}

// Negative ties round away from zero: (-3 + -2) / 2 = -2.5 -> -3; with left padding 1 the
// first window holds only -3.
TEST(AvgPoolS8, HandWorkedNegativeTieAndPadding) {
  mote_pool_s8_params p{};
  p.in = {1, 1, 2, 1};
  p.out = {1, 1, 2, 1};
  p.kh = 1;
  p.kw = 2;
  p.stride_h = p.stride_w = 1;
  p.pad_left = 1;
  p.act_min = -128;
  p.act_max = 127;
  const std::vector<int8_t> in = {-3, -2};
  std::vector<int8_t> got(2);
  ASSERT_EQ(mote_avgpool_s8(&p, in.data(), got.data()), MOTE_OK);
  EXPECT_EQ(got, (std::vector<int8_t>{-3, -3}));
}

TEST(PoolS8, RejectsWindowsOutsideTheInput) {
  mote_pool_s8_params p{};
  p.in = {1, 2, 2, 1};
  p.out = {1, 2, 2, 1};
  p.kh = p.kw = 2;
  p.stride_h = p.stride_w = 1;
  p.pad_top = 2;  // first window entirely in padding
  p.act_min = -128;
  p.act_max = 127;
  std::vector<int8_t> in(4), out(4);
  EXPECT_EQ(mote_avgpool_s8(&p, in.data(), out.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::avgpool_s8(p, in.data(), out.data()), MOTE_ERR_PARAM);
  p.pad_top = 0;
  p.out.h = 3;  // last window starts below the input
  p.stride_h = 2;
  std::vector<int8_t> out3(6);
  EXPECT_EQ(mote_maxpool_s8(&p, in.data(), out3.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::maxpool_s8(p, in.data(), out3.data()), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote
