// mote_fully_connected_s8_dsp against mote_fully_connected_s8: one FullyConnected node lowered
// for cortex-m4 and for host, both C kernels on the same input, bytes equal. Input and output
// sizes step by primes (odd lengths, rows not a multiple of 4), batches, every input zero point
// range, per-tensor and per-channel scales, no bias, ReLU. On the host the DSP instructions are
// mote/dsp.h's C emulation.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "dsp_test_util.h"
#include "mote/dsp.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::FcCase;
using test::lowered;
using test::Rng;
using test::tab;

// Returns whether the DSP call is the lean variant (no scratch).
bool check_case(Rng& r, const FcCase& k, bool expect_dsp = true) {
  const Graph g = test::fc_graph(r, k);
  const KernelCall port = lowered(g, "host"), dsp = lowered(g, "cortex-m4");
  EXPECT_EQ(port.kernel(), "mote_fully_connected_s8");
  EXPECT_EQ(dsp.kernel(), expect_dsp ? "mote_fully_connected_s8_dsp" : "mote_fully_connected_s8") << k.str();
  if (!expect_dsp || dsp.kernel() != "mote_fully_connected_s8_dsp") return false;
  const auto& pp = std::get<mote_fc_s8_params>(port.params);
  const auto& dp = std::get<mote_fc_s8_dsp_params>(dsp.params);
  // inputs at the extremes half of the time: the (x1 - 128 - 256 x0) pairs reach int16's ends
  std::vector<int8_t> in = r.s8(size_t(k.batches) * k.k);
  if (r.i(0, 1)) {
    for (int8_t& v : in) v = r.i(0, 1) ? int8_t(-128) : int8_t(127);
  }
  const size_t n = size_t(k.batches) * k.m;
  std::vector<int8_t> want(n), got(n + 4, 0x55), oracle(n);
  EXPECT_EQ(mote_fully_connected_s8(&pp, in.data(), tab<int8_t>(port, "weights"), tab<int32_t>(port, "bias"),
                                    want.data()), MOTE_OK);
  std::vector<int32_t> scratch(mote_fully_connected_s8_dsp_scratch_bytes(&dp) / 4 + 1, 0x5A5A5A5A);
  EXPECT_EQ(mote_fully_connected_s8_dsp(&dp, in.data(), tab<int32_t>(dsp, "weights"), tab<int32_t>(dsp, "bias"),
                                        got.data(), scratch.data()), MOTE_OK);
  for (size_t i = n; i < got.size(); ++i) EXPECT_EQ(got[i], 0x55) << "overrun " << k.str();
  got.resize(n);
  EXPECT_EQ(test::count_mismatches(got, want, k.str()), 0u);
  EXPECT_EQ(ref::fully_connected_s8_dsp(dp, in.data(), tab<int32_t>(dsp, "weights"), tab<int32_t>(dsp, "bias"),
                                        oracle.data()), MOTE_OK);
  EXPECT_EQ(test::count_mismatches(oracle, want, "oracle " + k.str()), 0u);
  // Both kernels with the output overlapping the input by their lags, as the plan may put them.
  EXPECT_TRUE(dsp.overlap.has_value() && port.overlap.has_value()) << k.str();
  const std::vector<int8_t> over = test::run_overlapped(in, n, *dsp.overlap, [&](const int8_t* x, int8_t* y) {
    return mote_fully_connected_s8_dsp(&dp, x, tab<int32_t>(dsp, "weights"), tab<int32_t>(dsp, "bias"), y, scratch.data());
  });
  EXPECT_EQ(test::count_mismatches(over, want, "DSP overlapped " + k.str()), 0u);
  const std::vector<int8_t> port_over = test::run_overlapped(in, n, *port.overlap, [&](const int8_t* x, int8_t* y) {
    return mote_fully_connected_s8(&pp, x, tab<int8_t>(port, "weights"), tab<int32_t>(port, "bias"), y);
  });
  EXPECT_EQ(test::count_mismatches(port_over, want, "portable overlapped " + k.str()), 0u);
  if (dp.lean) {  // needs no scratch at all
    EXPECT_EQ(mote_fully_connected_s8_dsp_scratch_bytes(&dp), 0u);
    std::vector<int8_t> none(n);
    EXPECT_EQ(mote_fully_connected_s8_dsp(&dp, in.data(), tab<int32_t>(dsp, "weights"), tab<int32_t>(dsp, "bias"),
                                          none.data(), nullptr), MOTE_OK);
    EXPECT_EQ(test::count_mismatches(none, want, "lean without scratch " + k.str()), 0u);
  }
  return dp.lean != 0;
}

TEST(FcDsp, MatchesPortableOverShapes) {
  Rng r(831);
  int cases = 0, lean = 0;
  for (int32_t k : {1, 2, 3, 5, 7, 8, 11, 13, 17, 31, 64, 97, 128, 257, 640})
    for (int32_t m : {1, 2, 3, 5, 7, 8, 10, 13, 17, 31}) {
      FcCase c;
      c.batches = r.i(1, 3);
      c.k = k, c.m = m;
      c.in_zp = r.pick(std::vector<int32_t>{-128, 127, 0, r.i(-128, 127)});
      c.out_zp = r.i(-128, 127);
      c.per_channel = r.i(0, 1) == 1;
      c.bias = r.i(0, 4) != 0;
      c.relu = r.i(0, 2) == 0;
      c.real_hi = 0.5 / std::sqrt(double(k));
      c.real_lo = c.real_hi / 100;
      lean += check_case(r, c);
      ++cases;
    }
  EXPECT_EQ(cases, 150);
  EXPECT_GT(lean, 10);  // both variants are covered
  EXPECT_LT(lean, 140);
}

// The MLPerf Tiny FC layers: the AD autoencoder's 640 -> 128 -> 8 -> 128 -> 640 (ReLU, input
// zero point -128 after a ReLU), DS-CNN's 64 -> 12, ResNet-8's 64 -> 10, VWW's 256 -> 2.
TEST(FcDsp, MatchesPortableOnModelLayers) {
  Rng r(832);
  for (const auto& [k, m] : std::vector<std::pair<int32_t, int32_t>>{{640, 128}, {128, 128}, {128, 8}, {8, 128},
                                                                    {128, 640}, {64, 12}, {64, 10}, {256, 2}}) {
    FcCase c;
    c.k = k, c.m = m;
    c.in_zp = -128, c.out_zp = -128, c.relu = true;
    c.per_channel = false;
    c.real_hi = 0.5 / std::sqrt(double(k));
    c.real_lo = c.real_hi / 10;
    // lean where the expanded input would outweigh every activation (here input and output)
    EXPECT_EQ(check_case(r, c), 16 * ((k + 7) / 8) > std::max(k, m)) << k << " -> " << m;
  }
}

// Where SMMULR's requantization would not be exact the registry keeps the portable kernel: a
// multiplier of 1 or more, an accumulator that may reach 2^30.
TEST(FcDsp, FallsBackWhereNotExact) {
  Rng r(833);
  FcCase c;
  c.k = 9, c.m = 5;
  c.real_lo = 1.5, c.real_hi = 3.0;
  check_case(r, c, false);
  c.real_lo = 1e-9, c.real_hi = 2e-9;
  c.in_zp = 127;  // |in - in_zp| up to 255
  c.k = 4, c.m = 2;
  c.bias_fixed = true;
  c.bias_abs = (1 << 30) - 1;
  check_case(r, c, false);
  // ... and takes the DSP kernel right below the bound: |bias| + 255 * 127 * 4 < 2^30
  c.bias_abs = (1 << 30) - 255 * 127 * 4 - 1;
  check_case(r, c, true);
}

TEST(FcDsp, RejectsBadParams) {
  mote_fc_s8_dsp_params p{1, 4, 2, -128, 127};
  std::vector<int32_t> w(8, 0x00800080), chan(16, 0), scratch(4);
  for (int o = 0; o < 4; ++o) chan[size_t(4 * o + 2)] = 1;
  std::vector<int8_t> x(4, 1), y(2);
  EXPECT_EQ(mote_fully_connected_s8_dsp(&p, x.data(), w.data(), chan.data(), y.data(), scratch.data()), MOTE_OK);
  chan[3 * 4 + 2] = 0;  // a padding row's shift is checked too
  EXPECT_EQ(mote_fully_connected_s8_dsp(&p, x.data(), w.data(), chan.data(), y.data(), scratch.data()), MOTE_ERR_PARAM);
  chan[3 * 4 + 2] = 1;
  EXPECT_EQ(mote_fully_connected_s8_dsp(&p, x.data(), w.data(), chan.data(), y.data(), nullptr), MOTE_ERR_PARAM);
  p.act_min = 5, p.act_max = 4;
  EXPECT_EQ(mote_fully_connected_s8_dsp(&p, x.data(), w.data(), chan.data(), y.data(), scratch.data()), MOTE_ERR_PARAM);
}

TEST(DspIntrinsics, Usub16WrapsEachHalf) {
  EXPECT_EQ(mote_usub16(0x00010000u, 0x00020001u), 0xFFFFFFFFu);  // (0 - 1, 1 - 2)
  EXPECT_EQ(mote_usub16(0x80007FFFu, 0x0001FFFFu), 0x7FFF8000u);
}

}  // namespace
}  // namespace mote
