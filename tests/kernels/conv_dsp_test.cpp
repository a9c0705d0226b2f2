// The DSP conv kernels (conv2d_s8_dsp, depthwise_conv2d_s8_dsp) against the portable ones:
// one Conv node lowered for cortex-m4 and for host, both C kernels run on the same input, bytes
// equal. Sizes step by primes; channel counts that are not multiples of 4, strides, pads,
// dilations, batches, every input zero point range, clamps, in place. On the host the DSP
// instructions are mote/dsp.h's C emulation.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "dsp_test_util.h"
#include "../../runtime/src/kernels/dsp_internal.h"
#include "mote/dsp.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::ConvCase;
using test::Rng;
using test::lowered;
using test::random_case;
using test::tab;

bool operator==(const mote_dims& a, const mote_dims& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

// The portable conv's bytes from the FC kernel the registry chose for a pointwise conv.
void check_pointwise_fc(Rng& r, const ConvCase& k, const KernelCall& port, const KernelCall& dsp) {
  const auto& pp = std::get<mote_conv_s8_params>(port.params);
  const auto& dp = std::get<mote_fc_s8_dsp_params>(dsp.params);
  EXPECT_EQ(dp.batches, k.n * k.h * k.w);
  const std::vector<int8_t> in = r.s8(size_t(k.n) * k.h * k.w * k.cin);
  const size_t out_n = test::numel(pp.out);
  std::vector<int8_t> want(out_n), got(out_n, 0x55);
  std::vector<int32_t> pscratch(mote_conv2d_s8_scratch_bytes(&pp) / 4 + 1);
  ASSERT_EQ(mote_conv2d_s8(&pp, in.data(), tab<int8_t>(port, "weights"), tab<int32_t>(port, "bias"), want.data(),
                           pscratch.data()), MOTE_OK);
  std::vector<int32_t> scratch(mote_fully_connected_s8_dsp_scratch_bytes(&dp) / 4 + 1, 0x5A5A5A5A);
  ASSERT_EQ(mote_fully_connected_s8_dsp(&dp, in.data(), tab<int32_t>(dsp, "weights"), tab<int32_t>(dsp, "bias"),
                                        got.data(), scratch.data()), MOTE_OK);
  EXPECT_EQ(test::count_mismatches(got, want, "pointwise " + k.str()), 0u);
  ASSERT_TRUE(dsp.overlap.has_value()) << k.str();
  const std::vector<int8_t> over = test::run_overlapped(in, out_n, *dsp.overlap, [&](const int8_t* x, int8_t* y) {
    return mote_fully_connected_s8_dsp(&dp, x, tab<int32_t>(dsp, "weights"), tab<int32_t>(dsp, "bias"), y, scratch.data());
  });
  EXPECT_EQ(test::count_mismatches(over, want, "pointwise overlapped " + k.str()), 0u);
  if (k.cin == k.cout) {  // in place, as the plan may run it
    std::vector<int8_t> buf = in;
    ASSERT_EQ(mote_fully_connected_s8_dsp(&dp, buf.data(), tab<int32_t>(dsp, "weights"), tab<int32_t>(dsp, "bias"),
                                          buf.data(), scratch.data()), MOTE_OK);
    EXPECT_EQ(test::count_mismatches(buf, want, "pointwise in place " + k.str()), 0u);
  }
}

// The DSP kernel the registry should choose for a conv case: depthwise 3x3 of stride and
// dilation 1 over rows of 12 or more goes channel by channel through a plane.
bool plane_dw(const ConvCase& k) {
  return k.depthwise && k.kh == 3 && k.kw == 3 && k.sh == 1 && k.sw == 1 && k.dh == 1 && k.dw == 1 &&
         k.w + k.pl + k.pr - 2 >= 12;
}

// Runs the case's node on both targets, the DSP call also in place where it may be.
void check_case(Rng& r, const ConvCase& k, bool expect_dsp = true) {
  const Graph g = test::conv_graph(r, k);
  const KernelCall port = lowered(g, "host"), dsp = lowered(g, "cortex-m4");
  const std::string dsp_name = !k.depthwise ? "mote_conv2d_s8_dsp"
                               : plane_dw(k) ? "mote_depthwise_conv2d_3x3_s8_dsp"
                                             : "mote_depthwise_conv2d_s8_dsp";
  if (dsp.kernel() == "mote_fully_connected_s8_dsp") {  // a pointwise conv as FC over the pixels
    ASSERT_TRUE(expect_dsp && !k.depthwise && k.kh == 1 && k.kw == 1 && k.sh == 1 && k.sw == 1 &&
                k.pt + k.pl + k.pb + k.pr == 0) << k.str();
    check_pointwise_fc(r, k, port, dsp);
    return;
  }
  ASSERT_EQ(dsp.kernel(), expect_dsp ? dsp_name : port.kernel()) << k.str();
  if (!expect_dsp) return;
  const bool plane = plane_dw(k);
  const auto& pp = std::get<mote_conv_s8_params>(port.params);
  mote_conv_s8_dsp_params dp = std::get<mote_conv_s8_dsp_params>(dsp.params);
  const std::vector<int8_t> in = r.s8(size_t(k.n) * k.h * k.w * k.cin);
  const size_t out_n = test::numel(pp.out);
  std::vector<int8_t> want(out_n), got(out_n, 0x55), oracle(out_n);
  std::vector<int32_t> pscratch(
      (k.depthwise ? mote_depthwise_conv2d_s8_scratch_bytes(&pp) : mote_conv2d_s8_scratch_bytes(&pp)) / 4 + 1);
  auto run_port = [&](const int8_t* x, int8_t* y) {
    const int8_t* w = tab<int8_t>(port, "weights");
    const int32_t* b = tab<int32_t>(port, "bias");
    return k.depthwise ? mote_depthwise_conv2d_s8(&pp, x, w, b, y, pscratch.data())
                       : mote_conv2d_s8(&pp, x, w, b, y, pscratch.data());
  };
  ASSERT_EQ(run_port(in.data(), want.data()), MOTE_OK);
  auto run_dsp = [&](const mote_conv_s8_dsp_params& p, const int8_t* x, int8_t* y) {
    const size_t bytes = plane         ? mote_depthwise_conv2d_3x3_s8_dsp_scratch_bytes(&p)
                         : k.depthwise ? mote_depthwise_conv2d_s8_dsp_scratch_bytes(&p)
                                       : mote_conv2d_s8_dsp_scratch_bytes(&p);
    std::vector<int32_t> scratch(bytes / 4 + 1, 0x5A5A5A5A);  // 4-byte aligned, not zeroed
    const int32_t* w = tab<int32_t>(dsp, "weights");
    const int32_t* b = tab<int32_t>(dsp, "bias");
    return plane         ? mote_depthwise_conv2d_3x3_s8_dsp(&p, x, w, b, y, scratch.data())
           : k.depthwise ? mote_depthwise_conv2d_s8_dsp(&p, x, w, b, y, scratch.data())
                         : mote_conv2d_s8_dsp(&p, x, w, b, y, scratch.data());
  };
  ASSERT_EQ(run_dsp(dp, in.data(), got.data()), MOTE_OK);
  EXPECT_EQ(test::count_mismatches(got, want, k.str()), 0u);
  const auto oracle_fn = plane ? ref::depthwise_conv2d_3x3_s8_dsp
                         : k.depthwise ? ref::depthwise_conv2d_s8_dsp : ref::conv2d_s8_dsp;
  ASSERT_EQ(oracle_fn(dp, in.data(), tab<int32_t>(dsp, "weights"), tab<int32_t>(dsp, "bias"), oracle.data()), MOTE_OK);
  EXPECT_EQ(test::count_mismatches(oracle, want, "oracle " + k.str()), 0u);
  // Both kernels with the output overlapping the input by their lags, as the plan may put them;
  // the plane kernel reads every pixel of a channel before it writes one: no lag, in place.
  ASSERT_TRUE(port.overlap.has_value() && dsp.overlap.has_value() != plane) << k.str();
  if (!plane) {
    const std::vector<int8_t> over = test::run_overlapped(in, out_n, *dsp.overlap, [&](const int8_t* x, int8_t* y) { return run_dsp(dp, x, y); });
    EXPECT_EQ(test::count_mismatches(over, want, "DSP overlapped " + k.str()), 0u);
  }
  const std::vector<int8_t> port_over = test::run_overlapped(in, out_n, *port.overlap, run_port);
  EXPECT_EQ(test::count_mismatches(port_over, want, "portable overlapped " + k.str()), 0u);
  // In place where the kernel allows it: the output written over a copy of the input.
  if (pp.in == pp.out && (plane || (k.sh == 1 && k.sw == 1 && k.pt < pp.out.h))) {
    dp.in_place = plane ? 0 : 1;
    std::vector<int8_t> buf = in;
    ASSERT_EQ(run_dsp(dp, buf.data(), buf.data()), MOTE_OK);
    EXPECT_EQ(test::count_mismatches(buf, want, "in place " + k.str()), 0u);
  }
}

TEST(ConvDsp, MatchesPortableOverShapes) {
  Rng r(801);
  for (int t = 0; t < 300; ++t) check_case(r, random_case(r, false));
}

TEST(DepthwiseDsp, MatchesPortableOverShapes) {
  Rng r(802);
  for (int t = 0; t < 300; ++t) check_case(r, random_case(r, true));
}

// The plane kernel: 3x3, stride 1, pads 0 to 2 on each side (more than the window on the
// bottom or right), heights by primes, odd widths, channel counts off multiples of 4; the
// narrower rows keep the other kernel.
TEST(DepthwiseDsp, PlaneMatchesPortableOverShapes) {
  Rng r(805);
  for (int t = 0; t < 200; ++t) {
    ConvCase k = random_case(r, true);
    k.kh = k.kw = 3, k.sh = k.sw = 1, k.dh = k.dw = 1;
    k.w = r.pick(std::vector<int32_t>{7, 11, 12, 13, 17, 23});
    k.pt = r.i(0, 2), k.pl = r.i(0, 2);
    k.pb = std::max(r.i(0, 3), 3 - k.h - k.pt);
    k.pr = std::max(r.i(0, 3), 3 - k.w - k.pl);
    check_case(r, k);
  }
}

// Pixels go three at a time: 1x1 convs (whole groups of 4 channels take the pointwise path, the
// others gather), and 3x3 ones, over every width from 1 to 8 (blocks that span two or three
// rows, the ring in place) and pixel counts on both sides of multiples of 3; in place wherever
// the channels match.
TEST(ConvDsp, PixelBlocksMatchPortableOverWidths) {
  Rng r(806);
  for (int32_t w = 1; w <= 8; ++w)
    for (int32_t k : {1, 3})
      for (int t = 0; t < 6; ++t) {
        ConvCase c = random_case(r, false);
        c.w = w, c.h = r.pick(std::vector<int32_t>{1, 2, 3, 5, 7});
        c.kh = c.kw = k, c.sh = c.sw = 1, c.dh = c.dw = 1;
        c.pt = c.pl = c.pb = c.pr = k / 2;
        c.cin = r.pick(std::vector<int32_t>{4, 8, 12, 5, 16});
        c.cout = t % 2 == 0 ? c.cin : r.pick(std::vector<int32_t>{1, 2, 3, 7, 16});
        check_case(r, c);
      }
}

// The layers of the MLPerf Tiny models: DS-CNN's 10x4 stride-2 first conv and 64-channel
// depthwise / pointwise pairs, ResNet-8's 3x3 convs and 1x1 stride-2 shortcuts.
TEST(ConvDsp, MatchesPortableOnModelLayers) {
  Rng r(803);
  auto base = [&](int32_t h, int32_t w, int32_t cin, int32_t cout, int32_t k, int32_t s, int32_t pad) {
    ConvCase c;
    c.h = h, c.w = w, c.cin = cin, c.cout = cout, c.kh = c.kw = k, c.sh = c.sw = s;
    c.pt = c.pl = c.pb = c.pr = pad;
    c.in_zp = -128;
    c.out_zp = -128;
    c.act_min = 0.0f;  // ReLU
    return c;
  };
  ConvCase first = base(49, 10, 1, 64, 1, 2, 0);
  first.kh = 10, first.kw = 4, first.pt = 4, first.pl = 1, first.pb = 5, first.pr = 1;
  first.in_zp = 83;
  check_case(r, first);
  check_case(r, base(25, 5, 64, 64, 1, 1, 0));
  ConvCase dw = base(25, 5, 64, 64, 3, 1, 1);
  dw.depthwise = true;
  check_case(r, dw);
  check_case(r, base(32, 32, 3, 16, 3, 1, 1));
  check_case(r, base(32, 32, 16, 16, 3, 1, 1));
  check_case(r, base(32, 32, 16, 32, 3, 2, 1));
  check_case(r, base(32, 32, 16, 32, 1, 2, 0));
  check_case(r, base(8, 8, 64, 64, 3, 1, 1));
  // VWW's pointwise convs: 8 and 16 channels at 48x48, 128 -> 256 at 3x3, 128 at 6x6
  check_case(r, base(48, 48, 8, 16, 1, 1, 0));
  check_case(r, base(48, 48, 16, 16, 1, 1, 0));
  check_case(r, base(3, 3, 128, 256, 1, 1, 0));
  check_case(r, base(6, 6, 128, 128, 1, 1, 0));
}

// Where SMMULR's requantization would not be exact the registry keeps the portable kernel: a
// multiplier of 1 or more (a left shift), an accumulator that may reach 2^30; so it does for a
// depth multiplier other than 1.
TEST(ConvDsp, FallsBackWhereNotExact) {
  Rng r(804);
  ConvCase k;
  k.h = 4, k.w = 6, k.cin = 4, k.cout = 8, k.kh = k.kw = 3, k.depthwise = true;
  check_case(r, k, false);
  k = ConvCase{};
  k.h = 5, k.w = 5, k.cin = 4, k.cout = 3, k.kh = k.kw = 3;
  k.real_lo = 1.5, k.real_hi = 3.0;
  check_case(r, k, false);
  k.depthwise = true;
  k.cout = 4;
  check_case(r, k, false);
  k = ConvCase{};
  k.cin = 4, k.cout = 2;
  k.in_zp = 127;  // |in - in_zp| up to 255
  k.bias_fixed = true;
  k.bias_abs = (1 << 30) - 1;
  k.real_lo = 1e-9, k.real_hi = 2e-9;
  check_case(r, k, false);
  // ... and takes the DSP kernel right below the bound: |bias| + 255 * 127 * 4 < 2^30
  k.bias_abs = (1 << 30) - 255 * 127 * 4 - 1;
  check_case(r, k, true);
}

// The emulated instructions on hand-worked operands (the ARM build runs the instructions).
TEST(DspIntrinsics, HandWorked) {
  EXPECT_EQ(mote_sxtb16(0x80FF017Fu), 0xFFFF007Fu);                     // bytes 0, 2: 127, -1
  EXPECT_EQ(mote_sxtb16_ror8(0x80FF017Fu), 0xFF800001u);                // bytes 1, 3: 1, -128
  EXPECT_EQ(mote_sxtab16(0x00010002u, 0x00FF00FEu), 0x00000000u);       // (2 - 2, 1 - 1)
  EXPECT_EQ(mote_smlad(0x0003FFFEu, 0x00050007u, 100), 100 - 14 + 15);  // (-2 * 7) + (3 * 5)
  EXPECT_EQ(mote_smlabb(0x0000FFFFu, 0x00000003u, 1), -2);
  EXPECT_EQ(mote_smlatt(0x80000000u, 0x80000000u, 0), 1 << 30);
  EXPECT_EQ(mote_pkhbt(0x11112222u, 0x33334444u), 0x44442222u);
  EXPECT_EQ(mote_pkhtb(0x11112222u, 0x33334444u), 0x11113333u);
  EXPECT_EQ(mote_smmulr(1 << 30, 1 << 30), 1 << 28);
  EXPECT_EQ(mote_smmulr(-3, 1 << 30), -1);  // (-3 * 2^30 + 2^31) / 2^32 = -0.25, floor -1
  EXPECT_EQ(mote_smlabt(0x0000FFFEu, 0x00030000u, 10), 10 - 6);        // -2 * 3
  EXPECT_EQ(mote_smlatb(0xFFFE0000u, 0x00000003u, 10), 10 - 6);
  EXPECT_EQ(mote_smmlar(-3, 1 << 30, 5), 4);                            // 5 + floor(-0.25)
  EXPECT_EQ(mote_smmlar(INT32_MAX, 2, INT32_MAX), INT32_MIN);           // the sum wraps
  EXPECT_EQ(mote_ssat8(300), 127);
  EXPECT_EQ(mote_ssat8(-129), -128);
  EXPECT_EQ(mote_ld32("\x01\x02\x03\x04"), 0x04030201u);
}

// The kernels' requantization against TFLite's MultiplyByQuantizedMultiplier plus the zero
// point, over random sums and the edges: the sums that round to 0 or -1 (where it takes the
// sum's sign for the product's), a power-of-two multiplier, the largest shifts.
TEST(DspRequant, MatchesTfliteOverSumsAndEdges) {
  Rng r(806);
  int64_t checked = 0;
  for (int t = 0; t < 20000; ++t) {
    const int32_t m = t % 4 == 0 ? (1 << 30) : r.i(1 << 30, INT32_MAX);
    const int32_t e = t % 7 == 0 ? 31 : r.i(1, 12);
    const int32_t zp = r.i(-128, 127);
    const int64_t round = (int64_t(1) << (e - 1)) + int64_t(zp) * (int64_t(1) << e);
    const int32_t acc = t % 3 == 0 ? r.i(-3, 3) : r.i(-(1 << 20), 1 << 20);
    if (std::abs(round) + (1 << 20) + 2 > INT32_MAX) continue;  // dsp_records refuses these
    EXPECT_EQ(mote__dsp_requant_e(acc, m, e, int32_t(round)), mote__mbqm(acc, m, -e) + zp) << acc << " " << m << " " << e;
    ++checked;
  }
  EXPECT_GT(checked, 15000);
}

}  // namespace
}  // namespace mote
