// The one-node graphs the DSP kernel tests lower: a Conv with random geometry and quantization,
// a binary op; and their lowering for a target.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ir/op_registry.h"
#include "kernel_test_util.h"
#include "lower/lower.h"

namespace mote::test {

inline QuantParams per_tensor(double s, int32_t zp) {
  QuantParams q;
  q.scale = {float(s)};
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
// Appends the Conv node of case k reading tensor x (quantized with scale in_scale and zero point
// k.in_zp); returns its output.
inline int add_conv(Graph& g, Rng& r, const ConvCase& k, int x, float in_scale) {
  const std::string id = std::to_string(g.nodes.size());
  const float out_scale = float(r.u(0.02, 0.5));
  const int32_t wcin = k.depthwise ? 1 : k.cin;
  const std::vector<int8_t> wv = r.s8(size_t(k.cout) * k.kh * k.kw * wcin, -127, 127);
  const int w = g.add_const("w" + id, DType::I8, {k.cout, k.kh, k.kw, wcin}, wv.data());
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
  const int b = g.add_const("b" + id, DType::I32, {k.cout}, bv.data());
  const int y = g.add_value("y" + id, DType::I8, {1}, Layout::NHWC);
  g.t(y).quant = per_tensor(out_scale, k.out_zp);
  Attrs a;
  a.set("strides", std::vector<int64_t>{k.sh, k.sw});
  a.set("dilations", std::vector<int64_t>{k.dh, k.dw});
  a.set("pads", std::vector<int64_t>{k.pt, k.pl, k.pb, k.pr});
  a.set("group", int64_t(k.depthwise ? k.cin : 1));
  if (k.act_min > -1e29f) a.set("act_min", k.act_min);
  if (k.act_max < 1e29f) a.set("act_max", k.act_max);
  Node& nd = g.add_node(OpKind::Conv, "conv" + id, {x, w, b}, {y}, a);
  g.t(y).shape = infer_shape(g, nd);
  return y;
}

// The graph of case k: x -> Conv -> y; chained: x -> 1x1 Conv -> Conv -> y, so that the case's
// input dies at its node and the plan may put its output over it.
inline Graph conv_graph(Rng& r, const ConvCase& k, bool chained = false) {
  Graph g;
  const float in_scale = 0.05f;
  const int x = g.add_value("x", DType::I8, {k.n, k.h, k.w, k.cin}, Layout::NHWC);
  g.t(x).quant = per_tensor(in_scale, chained ? 0 : k.in_zp);
  g.inputs = {x};
  int y = x;
  if (chained) {
    ConvCase pre;
    pre.cin = pre.cout = k.cin;
    pre.out_zp = k.in_zp;
    y = add_conv(g, r, pre, x, in_scale);
  }
  g.outputs = {add_conv(g, r, k, y, g.t(y).quant.scale[0])};
  return g;
}

// Random geometry: sizes from the primes, pads up to the kernel's extent.
inline ConvCase random_case(Rng& r, bool depthwise) {
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

struct FcCase {
  int32_t batches = 1, k = 1, m = 1;
  int32_t in_zp = 0, out_zp = 0;
  bool per_channel = true, bias = true, relu = false;
  double real_lo = 1e-4, real_hi = 0.05;  // in_scale * w_scale / out_scale
  int32_t bias_abs = 5000;  // biases uniform in [-bias_abs, bias_abs]
  bool bias_fixed = false;  // ... or all bias_abs
  std::string str() const {
    return std::to_string(batches) + "x" + std::to_string(k) + " -> " + std::to_string(m) + " zp " +
           std::to_string(in_zp) + "/" + std::to_string(out_zp) + (per_channel ? " per channel" : "") +
           (bias ? "" : " no bias") + (relu ? " relu" : "");
  }
};

// x [batches, k] -> FullyConnected(w [m, k], b) -> y.
inline Graph fc_graph(Rng& r, const FcCase& k) {
  Graph g;
  const float in_scale = 0.05f, out_scale = float(r.u(0.02, 0.5));
  const int x = g.add_value("x", DType::I8, {k.batches, k.k}, Layout::NHWC);
  g.t(x).quant = per_tensor(in_scale, k.in_zp);
  g.inputs = {x};
  const std::vector<int8_t> wv = r.s8(size_t(k.m) * k.k, -127, 127);
  const int w = g.add_const("w", DType::I8, {k.m, k.k}, wv.data());
  QuantParams wq;
  for (int32_t o = 0; o < (k.per_channel ? k.m : 1); ++o) {
    const double real = std::exp(r.u(std::log(k.real_lo), std::log(k.real_hi)));
    wq.scale.push_back(float(real * out_scale / in_scale));
    wq.zero_point.push_back(0);
  }
  if (k.per_channel) wq.axis = 0;
  g.t(w).quant = wq;
  std::vector<int> ins = {x, w};
  if (k.bias) {
    const std::vector<int32_t> bv =
        k.bias_fixed ? std::vector<int32_t>(size_t(k.m), k.bias_abs) : r.s32(size_t(k.m), -k.bias_abs, k.bias_abs);
    ins.push_back(g.add_const("b", DType::I32, {k.m}, bv.data()));
  }
  const int y = g.add_value("y", DType::I8, {1}, Layout::NHWC);
  g.t(y).quant = per_tensor(out_scale, k.out_zp);
  Attrs a;
  if (k.relu) a.set("act_min", 0.0f);
  Node& nd = g.add_node(OpKind::FullyConnected, "fc", ins, {y}, a);
  g.t(y).shape = infer_shape(g, nd);
  g.outputs = {y};
  return g;
}

// y = a op b with a, b of shape sa, sb.
inline Graph binary_graph(OpKind op, const Shape& sa, const Shape& sb, const QuantParams& qa, const QuantParams& qb,
                   const QuantParams& qy, bool relu) {
  Graph g;
  const int a = g.add_value("a", DType::I8, sa, Layout::NHWC), b = g.add_value("b", DType::I8, sb, Layout::NHWC);
  g.t(a).quant = qa;
  g.t(b).quant = qb;
  g.inputs = {a, b};
  const int y = g.add_value("y", DType::I8, {1}, Layout::NHWC);
  g.t(y).quant = qy;
  Attrs attrs;
  if (relu) attrs.set("act_min", 0.0f);
  Node& n = g.add_node(op, "op", {a, b}, {y}, attrs);
  g.t(y).shape = infer_shape(g, n);
  g.outputs = {y};
  return g;
}

// A call's table of that role as T, nullptr if it has none.
template <typename T>
const T* tab(const KernelCall& c, const char* role) {
  const ConstTable* t = c.table(role);
  return t ? reinterpret_cast<const T*>(t->bytes.data()) : nullptr;
}

// The one call of a one-node graph lowered for target, its params bound to its own tables.
inline KernelCall lowered(const Graph& g, const char* target) {
  std::vector<KernelCall> calls = lower(g, target_named(target)).calls;
  EXPECT_EQ(calls.size(), 1u);
  KernelCall c = calls.at(0);
  bind_tables(c);  // the params point into this copy's tables
  return c;
}

// The output of run(x, y) with x a copy of `in` and y placed over it in one buffer as closely
// as `o` allows, as the memory plan may place a streaming kernel's output (KernelCall::overlap);
// the bytes of the buffer no tensor covers are 0x5A.
template <typename Run>
std::vector<int8_t> run_overlapped(const std::vector<int8_t>& in, size_t out_n, const Overlap& o, Run run) {
  const int64_t shift = o.above ? o.lag : -o.lag;  // out - in
  const size_t in_off = size_t(std::max<int64_t>(-shift, 0)), out_off = size_t(int64_t(in_off) + shift);
  std::vector<int32_t> words((std::max(in_off + in.size(), out_off + out_n) + 3) / 4, 0x5A5A5A5A);
  int8_t* buf = reinterpret_cast<int8_t*>(words.data());  // 4-byte aligned like the arena
  std::copy(in.begin(), in.end(), buf + in_off);
  EXPECT_EQ(run(buf + in_off, buf + out_off), MOTE_OK) << "lag " << o.lag << (o.above ? " above" : " below");
  return std::vector<int8_t>(buf + out_off, buf + out_off + out_n);
}

}  // namespace mote::test
