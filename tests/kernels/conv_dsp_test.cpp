// The DSP conv kernels (conv2d_s8_dsp, depthwise_conv2d_s8_dsp) against the portable ones:
// one Conv node lowered for cortex-m4 and for host, both C kernels run on the same input, bytes
// equal. Sizes step by primes; channel counts that are not multiples of 4, strides, pads,
// dilations, batches, every input zero point range, clamps, in place. On the host the DSP
// instructions are mote/dsp.h's C emulation.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ir/op_registry.h"
#include "kernel_test_util.h"
#include "lower/lower.h"
#include "mote/dsp.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::Rng;

QuantParams per_tensor(float s, int32_t zp) {
  QuantParams q;
  q.scale = {s};
  q.zero_point = {zp};
  return q;
}

struct ConvCase {
  int32_t n = 1, h = 1, w = 1, cin = 1, cout = 1, kh = 1, kw = 1;
  int32_t sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
  bool depthwise = false;
  int32_t in_zp = 0, out_zp = 0;
  float act_min = -1e30f, act_max = 1e30f;  // real clamp (none by default)
  double real_lo = 1e-5, real_hi = 0.49;    // per-channel in_scale * w_scale / out_scale
  int32_t bias_abs = 5000;                   // biases uniform in [-bias_abs, bias_abs]
  bool bias_fixed = false;                   // ... or all bias_abs
  std::string str() const {
    return std::to_string(n) + "x" + std::to_string(h) + "x" + std::to_string(w) + "x" +
           std::to_string(cin) + " -> " + std::to_string(cout) + " k" + std::to_string(kh) + "x" +
           std::to_string(kw) + " s" + std::to_string(sh) + "," + std::to_string(sw) + " d" +
           std::to_string(dh) + "," + std::to_string(dw) + " pad " + std::to_string(pt) + "," +
           std::to_string(pl) + "," + std::to_string(pb) + "," + std::to_string(pr) +
           (depthwise ? " depthwise" : "") + " zp " + std::to_string(in_zp) + "/" +
           std::to_string(out_zp);
  }
};

// The one-node graph of a case: x -> Conv(w, b) -> y.
Graph conv_graph(Rng& r, const ConvCase& k) {
  Graph g;
  const float in_scale = 0.05f, out_scale = float(r.u(0.02, 0.5));
  const int x = g.add_value("x", DType::I8, {k.n, k.h, k.w, k.cin}, Layout::NHWC);
  g.t(x).quant = per_tensor(in_scale, k.in_zp);
  g.inputs = {x};
  const int32_t wcin = k.depthwise ? 1 : k.cin;
  const std::vector<int8_t> wv = r.s8(size_t(k.cout) * k.kh * k.kw * wcin, -127, 127);
  const int w = g.add_const("w", DType::I8, {k.cout, k.kh, k.kw, wcin}, wv.data());
  QuantParams wq;
  for (int32_t o = 0; o < k.cout; ++o) {
    const double real = std::exp(r.u(std::log(k.real_lo), std::log(k.real_hi)));
    wq.scale.push_back(float(real * out_scale / in_scale));
    wq.zero_point.push_back(0);
  }
  wq.axis = 0;
  g.t(w).quant = wq;
  const std::vector<int32_t> bv =
      k.bias_fixed ? std::vector<int32_t>(size_t(k.cout), k.bias_abs) : r.s32(size_t(k.cout), -k.bias_abs, k.bias_abs);
  const int b = g.add_const("b", DType::I32, {k.cout}, bv.data());
  const int y = g.add_value("y", DType::I8, {1}, Layout::NHWC);
  g.t(y).quant = per_tensor(out_scale, k.out_zp);
  Attrs a;
  a.set("strides", std::vector<int64_t>{k.sh, k.sw});
  a.set("dilations", std::vector<int64_t>{k.dh, k.dw});
  a.set("pads", std::vector<int64_t>{k.pt, k.pl, k.pb, k.pr});
  a.set("group", int64_t(k.depthwise ? k.cin : 1));
  if (k.act_min > -1e29f) a.set("act_min", k.act_min);
  if (k.act_max < 1e29f) a.set("act_max", k.act_max);
  Node& nd = g.add_node(OpKind::Conv, "conv", {x, w, b}, {y}, a);
  g.t(y).shape = infer_shape(g, nd);
  g.outputs = {y};
  return g;
}

KernelCall lowered(const Graph& g, const char* target) {
  std::vector<KernelCall> calls = lower(g, target_named(target)).calls;
  EXPECT_EQ(calls.size(), 1u);
  KernelCall c = calls.at(0);
  bind_tables(c);  // the params point into this copy's tables
  return c;
}

template <typename T>
const T* tab(const KernelCall& c, const char* role) {
  const ConstTable* t = c.table(role);
  return t ? reinterpret_cast<const T*>(t->bytes.data()) : nullptr;
}

bool operator==(const mote_dims& a, const mote_dims& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

// Runs the case's node on both targets, the DSP call also in place where it may be.
void check_case(Rng& r, const ConvCase& k, bool expect_dsp = true) {
  const Graph g = conv_graph(r, k);
  const KernelCall port = lowered(g, "host"), dsp = lowered(g, "cortex-m4");
  const std::string dsp_name = k.depthwise ? "mote_depthwise_conv2d_s8_dsp" : "mote_conv2d_s8_dsp";
  ASSERT_EQ(dsp.kernel(), expect_dsp ? dsp_name : port.kernel()) << k.str();
  if (!expect_dsp) return;
  const auto& pp = std::get<mote_conv_s8_params>(port.params);
  mote_conv_s8_dsp_params dp = std::get<mote_conv_s8_dsp_params>(dsp.params);
  const std::vector<int8_t> in = r.s8(size_t(k.n) * k.h * k.w * k.cin);
  const size_t out_n = test::numel(pp.out);
  std::vector<int8_t> want(out_n), got(out_n, 0x55), oracle(out_n);
  std::vector<int32_t> pscratch(mote_conv2d_s8_scratch_bytes(&pp) / 4 + 1);
  if (k.depthwise) {
    ASSERT_EQ(mote_depthwise_conv2d_s8(&pp, in.data(), tab<int8_t>(port, "weights"), tab<int32_t>(port, "bias"),
                                       want.data()), MOTE_OK);
  } else {
    ASSERT_EQ(mote_conv2d_s8(&pp, in.data(), tab<int8_t>(port, "weights"), tab<int32_t>(port, "bias"), want.data(),
                             pscratch.data()), MOTE_OK);
  }
  auto run_dsp = [&](const mote_conv_s8_dsp_params& p, const int8_t* x, int8_t* y) {
    const size_t bytes = k.depthwise ? mote_depthwise_conv2d_s8_dsp_scratch_bytes(&p) : mote_conv2d_s8_dsp_scratch_bytes(&p);
    std::vector<int32_t> scratch(bytes / 4 + 1, 0x5A5A5A5A);  // 4-byte aligned, not zeroed
    const int32_t* w = tab<int32_t>(dsp, "weights");
    const int32_t* b = tab<int32_t>(dsp, "bias");
    return k.depthwise ? mote_depthwise_conv2d_s8_dsp(&p, x, w, b, y, scratch.data())
                       : mote_conv2d_s8_dsp(&p, x, w, b, y, scratch.data());
  };
  ASSERT_EQ(run_dsp(dp, in.data(), got.data()), MOTE_OK);
  EXPECT_EQ(test::count_mismatches(got, want, k.str()), 0u);
  const auto oracle_fn = k.depthwise ? ref::depthwise_conv2d_s8_dsp : ref::conv2d_s8_dsp;
  ASSERT_EQ(oracle_fn(dp, in.data(), tab<int32_t>(dsp, "weights"), tab<int32_t>(dsp, "bias"), oracle.data()), MOTE_OK);
  EXPECT_EQ(test::count_mismatches(oracle, want, "oracle " + k.str()), 0u);
  // In place where the kernel allows it: the output written over a copy of the input.
  if (pp.in == pp.out && k.sh == 1 && k.sw == 1 && k.pt < pp.out.h) {
    dp.in_place = 1;
    std::vector<int8_t> buf = in;
    ASSERT_EQ(run_dsp(dp, buf.data(), buf.data()), MOTE_OK);
    EXPECT_EQ(test::count_mismatches(buf, want, "in place " + k.str()), 0u);
  }
}

// Random geometry: sizes from the primes, pads up to the kernel's extent.
ConvCase random_case(Rng& r, bool depthwise) {
  ConvCase k;
  k.depthwise = depthwise;
  k.n = r.i(1, 2);
  k.h = r.pick(test::prime_sizes());
  k.w = r.pick(test::prime_sizes());
  k.cin = r.pick(std::vector<int32_t>{1, 2, 3, 4, 5, 7, 8, 12, 13, 16});
  if (depthwise && k.cin == 1) k.cin = 6;  // one group of one channel is a plain conv
  k.cout = depthwise ? k.cin : r.pick(std::vector<int32_t>{1, 2, 3, 5, 7, 8, 11, 16});
  k.kh = r.pick(std::vector<int32_t>{1, 2, 3, 5});
  k.kw = r.pick(std::vector<int32_t>{1, 2, 3, 5});
  k.sh = r.i(1, 3);
  k.sw = r.i(1, 3);
  k.dh = r.i(1, 2);
  k.dw = r.i(1, 2);
  const int32_t eh = (k.kh - 1) * k.dh + 1, ew = (k.kw - 1) * k.dw + 1;
  k.pt = r.i(0, eh - 1);
  k.pl = r.i(0, ew - 1);
  k.pb = std::max(r.i(0, eh - 1), eh - k.h - k.pt);
  k.pr = std::max(r.i(0, ew - 1), ew - k.w - k.pl);
  k.in_zp = r.pick(std::vector<int32_t>{-128, 127, 0, r.i(-128, 127)});
  k.out_zp = r.i(-128, 127);
  if (r.i(0, 2) == 0) {
    k.act_min = float(r.u(-2.0, 0.0));
    k.act_max = float(r.u(0.5, 3.0));
  }
  return k;
}

TEST(ConvDsp, MatchesPortableOverShapes) {
  Rng r(801);
  for (int t = 0; t < 300; ++t) check_case(r, random_case(r, false));
}

TEST(DepthwiseDsp, MatchesPortableOverShapes) {
  Rng r(802);
  for (int t = 0; t < 300; ++t) check_case(r, random_case(r, true));
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
  EXPECT_EQ(mote_ssat8(300), 127);
  EXPECT_EQ(mote_ssat8(-129), -128);
  EXPECT_EQ(mote_ld32("\x01\x02\x03\x04"), 0x04030201u);
}

}  // namespace
}  // namespace mote
