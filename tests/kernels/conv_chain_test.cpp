// The depth-first conv chain kernels (mote_conv_chain_s8, _dsp) against the ops they fuse run
// one after another: x -> Conv -> Conv (-> Add with a skip) lowered for host and cortex-m4, the
// chain's output byte-equal to the plain kernels', written apart, over the skip, or over x (a
// residual block's identity skip). Sizes step by primes; strides, pads, dilations, batches,
// clamps.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsp_test_util.h"
#include "lower/lower_util.h"
#include "mote/kernels.h"

namespace mote {
namespace {

using test::ConvCase;
using test::Rng;
using test::tab;

struct Chain {
  ConvCase a, b;  // b's input is a's output
  bool add = true;
  bool identity = false;  // the skip is x itself (else another graph input shaped like b's output)
  std::string str() const {
    return a.str() + " | " + b.str() + (add ? (identity ? " + x" : " + skip") : "");
  }
};

// x -> Conv a -> Conv b [-> Add(b's output, skip)], lowered for target, tables bound.
struct Lowered3 {
  Graph g;
  std::vector<KernelCall> calls;  // the Add's the plain add_s8 call
  std::string add_kernel;         // what lowering chose for the Add (a chain where it runs)
};

Lowered3 build(const Chain& k, const char* target, uint32_t seed) {
  Rng gr(seed);  // the same graph for every target
  Lowered3 l;
  Graph& g = l.g;
  const float in_scale = 0.05f;
  const int x = g.add_value("x", DType::I8, {k.a.n, k.a.h, k.a.w, k.a.cin}, Layout::NHWC);
  g.t(x).quant = test::per_tensor(in_scale, k.a.in_zp);
  g.inputs = {x};
  const int y = test::add_conv(g, gr, k.a, x, in_scale);
  const int z = test::add_conv(g, gr, k.b, y, g.t(y).quant.scale[0]);
  int out = z;
  if (k.add) {
    int s = x;
    if (!k.identity) {
      s = g.add_value("skip", DType::I8, g.t(z).shape, Layout::NHWC);
      g.t(s).quant = test::per_tensor(gr.u(0.02, 0.3), gr.i(-128, 127));
      g.inputs.push_back(s);
    }
    out = g.add_value("out", DType::I8, g.t(z).shape, Layout::NHWC);
    g.t(out).quant = test::per_tensor(gr.u(0.05, 0.5), gr.i(-128, 127));
    Attrs attrs;
    if (gr.i(0, 1)) attrs.set("act_min", 0.0f);
    g.add_node(OpKind::Add, "add", {z, s}, {out}, attrs);
  }
  g.outputs = {out};
  l.calls = lower(g, target_named(target)).calls;
  if (k.add) {
    l.add_kernel = l.calls[2].kernel();
    const KernelDef& add = kernel_named("mote_add_s8");
    l.calls[2] = KernelCall{};
    add.build(LowerCtx{g, g.nodes[2], &add, -1}, l.calls[2]);
  }
  for (KernelCall& c : l.calls) bind_tables(c);
  return l;
}

// One row of the add's output, contiguous.
void row_bcast(mote_bcast& bc, const mote_dims& z) {
  bc = mote_bcast{};
  const int32_t dims[4] = {1, 1, z.w, z.c};
  for (int d = 0; d < 4; ++d) bc.dims[d] = dims[d];
  bc.a_stride[3] = bc.b_stride[3] = 1;
  bc.a_stride[2] = bc.b_stride[2] = z.c;
  bc.a_stride[1] = bc.b_stride[1] = bc.a_stride[0] = bc.b_stride[0] = z.w * z.c;
}

// Whether the kernel must write the output over x: yes, no (it refuses), or where it accepts.
enum class OverX { Must, Refused, IfAccepted };

// Runs the chain of params type P with kernel `run` in every placement the case allows and
// compares with want.
template <typename P, typename Run>
void check_placements(const P& p, Run run, size_t scratch_bytes, const std::vector<int8_t>& x,
                      const std::vector<int8_t>& skip, const std::vector<int8_t>& want, const Chain& k,
                      OverX over_x, const std::string& what) {
  std::vector<int32_t> scratch(scratch_bytes / 4 + 1, 0x5A5A5A5A);
  std::vector<int8_t> got(want.size(), 0x55);
  const int8_t* s = k.add ? (k.identity ? x.data() : skip.data()) : nullptr;
  ASSERT_EQ(run(&p, x.data(), s, got.data(), scratch.data()), MOTE_OK) << what;
  EXPECT_EQ(test::count_mismatches(got, want, what), 0u);
  if (k.add && !k.identity) {  // over the skip
    std::vector<int8_t> buf = skip;
    ASSERT_EQ(run(&p, x.data(), buf.data(), buf.data(), scratch.data()), MOTE_OK) << what;
    EXPECT_EQ(test::count_mismatches(buf, want, "over skip " + what), 0u);
  }
  if (x.size() >= want.size()) {  // over x, when the schedule allows it
    std::vector<int8_t> buf = x;
    const mote_status st = run(&p, buf.data(), k.add && k.identity ? buf.data() : s, buf.data(), scratch.data());
    if (over_x == OverX::Refused) {
      EXPECT_EQ(st, MOTE_ERR_PARAM) << "over x " << what;
    } else if (st == MOTE_OK || over_x == OverX::Must) {
      ASSERT_EQ(st, MOTE_OK) << "over x " << what;
      buf.resize(want.size());
      EXPECT_EQ(test::count_mismatches(buf, want, "over x " + what), 0u);
    }
  }
}

// Returns whether the DSP chain ran (all three nodes took DSP kernels on cortex-m4).
bool check_chain(Rng& r, const Chain& k, OverX over_x) {
  const uint32_t seed = uint32_t(r.i(0, 1 << 30));
  const Lowered3 host = build(k, "host", seed), m4 = build(k, "cortex-m4", seed);
  const size_t nodes = k.add ? 3 : 2;
  EXPECT_EQ(host.calls.size(), nodes);
  mote_conv_s8_params p1 = std::get<mote_conv_s8_params>(host.calls[0].params);
  mote_conv_s8_params p2 = std::get<mote_conv_s8_params>(host.calls[1].params);
  p1.in_place = p2.in_place = 0;
  const std::vector<int8_t> x = r.s8(test::numel(p1.in));
  const std::vector<int8_t> skip = r.s8(test::numel(p2.out));

  // The ops one after another.
  std::vector<int8_t> y(test::numel(p1.out)), z(test::numel(p2.out)), want;
  std::vector<int32_t> s1(mote_conv2d_s8_scratch_bytes(&p1) / 4 + 1), s2(mote_conv2d_s8_scratch_bytes(&p2) / 4 + 1);
  EXPECT_EQ(mote_conv2d_s8(&p1, x.data(), tab<int8_t>(host.calls[0], "weights"), tab<int32_t>(host.calls[0], "bias"),
                           y.data(), s1.data()), MOTE_OK);
  EXPECT_EQ(mote_conv2d_s8(&p2, y.data(), tab<int8_t>(host.calls[1], "weights"), tab<int32_t>(host.calls[1], "bias"),
                           z.data(), s2.data()), MOTE_OK);
  mote_add_s8_params add{};
  if (k.add) {
    const KernelCall& ca = host.calls[2];
    EXPECT_EQ(ca.inputs.at(0), host.calls[1].output);  // a is the conv's output, b the skip
    add = std::get<mote_add_s8_params>(ca.params);
    want.assign(z.size(), 0);
    EXPECT_EQ(mote_add_s8(&add, z.data(), k.identity ? x.data() : skip.data(), want.data()), MOTE_OK);
    row_bcast(add.bc, p2.out);
  } else {
    want = z;
  }

  mote_conv_chain_s8_params cp{};
  cp.conv1 = std::get<mote_conv_s8_params>(host.calls[0].params);
  cp.conv2 = std::get<mote_conv_s8_params>(host.calls[1].params);
  cp.w1 = tab<int8_t>(host.calls[0], "weights"), cp.bias1 = tab<int32_t>(host.calls[0], "bias");
  cp.w2 = tab<int8_t>(host.calls[1], "weights"), cp.bias2 = tab<int32_t>(host.calls[1], "bias");
  cp.has_add = k.add ? 1 : 0;
  cp.add = add;
  check_placements(cp, mote_conv_chain_s8, mote_conv_chain_s8_scratch_bytes(&cp), x, skip, want, k, over_x,
                   k.str());
  if (k.add)  // lowering takes the chain exactly where the kernel runs it
    EXPECT_EQ(host.add_kernel == "mote_conv_chain_s8", mote_conv_chain_s8_runs(&cp, 0) != 0) << k.str();

  const char* dsp_conv = "mote_conv2d_s8_dsp";
  if (m4.calls[0].kernel() != dsp_conv || m4.calls[1].kernel() != dsp_conv ||
      (k.add && m4.add_kernel != "mote_conv_chain_s8_dsp"))
    return false;
  mote_conv_chain_s8_dsp_params dp{};
  dp.conv1 = std::get<mote_conv_s8_dsp_params>(m4.calls[0].params);
  dp.conv2 = std::get<mote_conv_s8_dsp_params>(m4.calls[1].params);
  dp.w1 = tab<int32_t>(m4.calls[0], "weights"), dp.chan1 = tab<int32_t>(m4.calls[0], "bias");
  dp.w2 = tab<int32_t>(m4.calls[1], "weights"), dp.chan2 = tab<int32_t>(m4.calls[1], "bias");
  dp.has_add = cp.has_add;
  if (k.add) {
    dp.add = std::get<mote_add_s8_params>(m4.calls[2].params);
    row_bcast(dp.add.bc, p2.out);
  }
  check_placements(dp, mote_conv_chain_s8_dsp, mote_conv_chain_s8_dsp_scratch_bytes(&dp), x, skip, want, k,
                   over_x, "dsp " + k.str());
  return true;
}

// A 'same' conv of odd kernel k, stride 1, c -> c channels.
ConvCase same(Rng& r, int32_t n, int32_t h, int32_t w, int32_t c, int32_t kh, int32_t kw) {
  ConvCase k;
  k.n = n, k.h = h, k.w = w, k.cin = k.cout = c, k.kh = kh, k.kw = kw;
  k.pt = k.pb = (kh - 1) / 2;
  k.pl = k.pr = (kw - 1) / 2;
  k.in_zp = r.i(-128, 127);
  k.out_zp = r.i(-128, 127);
  if (r.i(0, 1)) k.act_min = 0.0f;  // ReLU
  return k;
}

// Residual blocks: 3x3 -> 3x3 (or 1x1 -> 3x3) same convs plus x, the output over x.
TEST(ConvChain, ResidualBlockInPlaceOverX) {
  Rng r(8801);
  int dsp = 0;
  for (int t = 0; t < 60; ++t) {
    const int32_t n = r.i(1, 2), h = r.pick(test::prime_sizes()), w = r.pick(test::prime_sizes());
    const int32_t c = r.pick(std::vector<int32_t>{1, 3, 4, 5, 8, 16});
    Chain k;
    const int32_t k1 = r.pick(std::vector<int32_t>{1, 3});
    k.a = same(r, n, h, w, c, k1, k1);
    k.b = same(r, n, h, w, c, 3, 3);
    k.b.in_zp = k.a.out_zp;
    k.identity = true;
    dsp += check_chain(r, k, OverX::Must);
  }
  EXPECT_GT(dsp, 20);  // most cases also ran the DSP chain
}

// 3x3 -> 1x1: conv2's row r needs conv1's row r, which reads x's row r + 1; the output cannot
// go over x (the kernel refuses), only apart.
TEST(ConvChain, RefusesOutputOverRowsStillRead) {
  Rng r(8802);
  for (int t = 0; t < 10; ++t) {
    Chain k;
    const int32_t h = r.pick(std::vector<int32_t>{2, 3, 5, 7}), w = r.pick(test::prime_sizes());
    k.a = same(r, 1, h, w, 4, 3, 3);
    k.b = same(r, 1, h, w, 4, 1, 1);
    k.identity = true;
    check_chain(r, k, OverX::Refused);
  }
}

// Any geometry: conv1 with strides, dilations and pads (ResNet's strided stage entry), conv2
// any kernel; with a separate skip, over the skip, and without an add.
TEST(ConvChain, MatchesOpsOverShapes) {
  Rng r(8803);
  int dsp = 0, cases = 0;
  while (cases < 200) {
    Chain k;
    k.a = test::random_case(r, false);
    k.a.act_min = r.i(0, 1) ? 0.0f : -1e30f;
    k.a.act_max = 1e30f;
    const Graph probe = test::conv_graph(r, k.a);
    const Shape& ys = probe.t(probe.outputs[0]).shape;
    k.b = test::random_case(r, false);
    k.b.n = k.a.n, k.b.h = int32_t(ys[1]), k.b.w = int32_t(ys[2]), k.b.cin = k.a.cout;
    k.b.in_zp = k.a.out_zp;
    // b's pads again within its kernel's extent for b's input size.
    const int32_t eh = (k.b.kh - 1) * k.b.dh + 1, ew = (k.b.kw - 1) * k.b.dw + 1;
    k.b.pb = std::max(k.b.pb, eh - k.b.h - k.b.pt);
    k.b.pr = std::max(k.b.pr, ew - k.b.w - k.b.pl);
    k.add = r.i(0, 3) != 0;
    ++cases;
    dsp += check_chain(r, k, OverX::IfAccepted);
  }
  EXPECT_GT(dsp, 40);
}

}  // namespace
}  // namespace mote
