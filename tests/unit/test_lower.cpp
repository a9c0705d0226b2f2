// Lowering to runtime kernel calls: params, tables and the int8 reference executor that runs them.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ir/op_registry.h"
#include "ir/verify.h"
#include "lower/lower.h"
#include "lower/tables.h"
#include "ref/executor.h"
#include "lower/fixedpoint.h"

namespace mote {
namespace {

QuantParams pt(float s, int32_t zp) {
  QuantParams q;
  q.scale = {s};
  q.zero_point = {zp};
  return q;
}

int act(Graph& g, const std::string& name, const Shape& s, QuantParams q) {
  int id = g.add_value(name, DType::I8, s, s.size() == 4 ? Layout::NHWC : Layout::Any);
  g.t(id).quant = std::move(q);
  return id;
}

int node(Graph& g, OpKind op, std::vector<int> ins, int out, Attrs a = {}) {
  Node& n = g.add_node(op, std::string(op_name(op)) + std::to_string(g.nodes.size()), std::move(ins), {out}, std::move(a));
  Tensor& t = g.t(out);
  t.shape = infer_shape(g, n);
  t.layout = t.shape.size() == 4 ? Layout::NHWC : Layout::Any;
  return out;
}

Attrs conv_attrs(int64_t stride, int64_t pad, int64_t group, int64_t dil = 1) {
  Attrs a;
  a.set("strides", std::vector<int64_t>{stride, stride});
  a.set("dilations", std::vector<int64_t>{dil, dil});
  a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  a.set("group", group);
  return a;
}

// Depthwise conv (group == in_c, multiplier 2) through lower + run_int8 against a grouped
// convolution computed here straight from the OHWI weights.
TEST(Lower, DepthwisePermutesWeights) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> q8(-128, 127), w8(-127, 127), b32(-2000, 2000);
  std::uniform_real_distribution<float> us(0.002f, 0.02f);
  const int C = 3, M = 2, OC = C * M, H = 6, W = 5, K = 3;
  for (int stride : {1, 2}) {
    Graph g;
    const QuantParams qin = pt(0.05f, 3), qout = pt(0.1f, -5);
    int x = act(g, "x", {1, H, W, C}, qin);
    g.inputs = {x};
    std::vector<int8_t> wv(size_t(OC * K * K));
    for (auto& v : wv) v = int8_t(w8(rng));
    int w = g.add_const("w", DType::I8, {OC, K, K, 1}, wv.data());
    QuantParams wq;
    for (int o = 0; o < OC; ++o) wq.scale.push_back(us(rng)), wq.zero_point.push_back(0);
    wq.axis = 0;
    g.t(w).quant = wq;
    std::vector<int32_t> bv(static_cast<size_t>(OC));
    for (auto& v : bv) v = b32(rng);
    int b = g.add_const("b", DType::I32, {OC}, bv.data());
    int y = act(g, "y", {1}, qout);
    node(g, OpKind::Conv, {x, w, b}, y, conv_attrs(stride, 1, C));
    g.outputs = {y};
    verify(g, "test");

    std::vector<KernelCall> calls = lower(g, host_target()).calls;
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].kernel(), "mote_depthwise_conv2d_s8");
    const ConstTable* wt = calls[0].table("weights");
    ASSERT_NE(wt, nullptr);
    // HWO: entry (ky, kx, o) is OHWI (o, ky, kx, 0).
    EXPECT_EQ(int8_t(wt->bytes[size_t((1 * K + 2) * OC + 4)]), wv[size_t(4 * K * K + 1 * K + 2)]);

    Array in;
    in.dtype = DType::I8;
    in.shape = {1, H, W, C};
    in.bytes.resize(size_t(H * W * C));
    for (auto& v : in.bytes) v = uint8_t(int8_t(q8(rng)));
    std::vector<Array> out = run_int8(g, lower(g, host_target()).calls, {in});
    const Shape& os = g.t(y).shape;
    ASSERT_EQ(out[0].shape, os);
    const int OH = int(os[1]), OW = int(os[2]);
    int mismatches = 0;
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox)
        for (int oc = 0; oc < OC; ++oc) {
          const int ic = oc / M;  // group oc / (OC / C)
          int32_t acc = bv[size_t(oc)];
          for (int ky = 0; ky < K; ++ky)
            for (int kx = 0; kx < K; ++kx) {
              const int iy = oy * stride - 1 + ky, ix = ox * stride - 1 + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const int xv = int8_t(in.bytes[size_t((iy * W + ix) * C + ic)]);
              acc += (xv - 3) * wv[size_t((oc * K + ky) * K + kx)];
            }
          int32_t m = 0, s = 0;
          quantize_multiplier(0.05 * double(wq.scale[size_t(oc)]) / double(0.1f), &m, &s);
          const int32_t want = std::clamp(multiply_by_quantized_multiplier(acc, m, s) - 5, -128, 127);
          mismatches += out[0].as<int8_t>()[(oy * OW + ox) * OC + oc] != want;
        }
    EXPECT_EQ(mismatches, 0) << "stride " << stride;
  }
}

// A grouped (not depthwise) conv stays a conv2d call with scratch; a float depthwise conv uses
// the f32 depthwise kernel with permuted float weights.
TEST(Lower, ConvVariantsAndScratch) {
  Graph g;
  int x = act(g, "x", {1, 4, 4, 4}, pt(0.1f, 0));
  g.inputs = {x};
  std::vector<int8_t> wv(size_t(6 * 3 * 3 * 2), 1);
  int w = g.add_const("w", DType::I8, {6, 3, 3, 2}, wv.data());
  g.t(w).quant = pt(0.01f, 0);
  int y = act(g, "y", {1}, pt(0.05f, -10));
  Attrs a = conv_attrs(1, 1, 2);
  a.set("act_min", 0.0f);
  a.set("act_max", 6.0f);
  node(g, OpKind::Conv, {x, w}, y, a);
  g.outputs = {y};
  std::vector<KernelCall> calls = lower(g, host_target()).calls;
  EXPECT_EQ(calls[0].kernel(), "mote_conv2d_s8");
  EXPECT_EQ(calls[0].scratch_bytes, 3 * 3 * 2 * 2);  // one int16 im2col row per group
  EXPECT_EQ(calls[0].table("bias"), nullptr);
  const auto& p = std::get<mote_conv_s8_params>(calls[0].params);
  EXPECT_EQ(p.groups, 2);
  EXPECT_EQ(p.act_min, -10);                     // real 0 is the zero point
  EXPECT_EQ(p.act_max, 110);                     // -10 + 6 / 0.05
  EXPECT_EQ(calls[0].table("multiplier")->count(), 6);
  int32_t m = 0, s = 0;
  quantize_multiplier(double(0.1f) * double(0.01f) / double(0.05f), &m, &s);
  EXPECT_EQ(reinterpret_cast<const int32_t*>(calls[0].table("multiplier")->bytes.data())[5], m);
  EXPECT_EQ(reinterpret_cast<const int32_t*>(calls[0].table("shift")->bytes.data())[5], s);
  bind_tables(calls[0]);
  const auto& pb = std::get<mote_conv_s8_params>(calls[0].params);
  EXPECT_EQ(pb.multiplier, reinterpret_cast<const int32_t*>(calls[0].table("multiplier")->bytes.data()));

  Graph f;
  int fx = f.add_value("x", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  f.inputs = {fx};
  std::vector<float> fw(size_t(4 * 2 * 2));
  for (size_t i = 0; i < fw.size(); ++i) fw[i] = float(i);
  int fwid = f.add_const_f32("w", {4, 2, 2, 1}, fw);
  int fy = f.add_value("y", DType::F32, {1}, Layout::NHWC);
  node(f, OpKind::Conv, {fx, fwid}, fy, conv_attrs(1, 0, 2));
  f.outputs = {fy};
  std::vector<KernelCall> fc = lower(f, host_target()).calls;
  EXPECT_EQ(fc[0].kernel(), "mote_depthwise_conv2d_f32");
  const float* hwo = reinterpret_cast<const float*>(fc[0].table("weights")->bytes.data());
  for (int o = 0; o < 4; ++o)
    for (int k = 0; k < 4; ++k) EXPECT_EQ(hwo[k * 4 + o], fw[size_t(o * 4 + k)]);
}

TEST(Lower, ActivationClampInOutputUnits) {
  Graph g;
  int x = act(g, "x", {1, 8}, pt(0.1f, 0));
  g.inputs = {x};
  std::vector<int8_t> wv(size_t(4 * 8), 2);
  int w = g.add_const("w", DType::I8, {4, 8}, wv.data());
  g.t(w).quant = pt(0.01f, 0);
  int y = act(g, "y", {1}, pt(0.1f, -20));
  Attrs a;
  a.set("act_min", 0.0f);
  a.set("act_max", 6.0f);
  node(g, OpKind::FullyConnected, {x, w}, y, a);
  g.outputs = {y};
  std::vector<KernelCall> calls = lower(g, host_target()).calls;
  EXPECT_EQ(calls[0].kernel(), "mote_fully_connected_s8");
  const auto& p = std::get<mote_fc_s8_params>(calls[0].params);
  EXPECT_EQ(p.act_min, -20);
  EXPECT_EQ(p.act_max, 40);  // -20 + round(6 / 0.1)
  EXPECT_EQ(p.batches, 1);
  EXPECT_EQ(p.in_features, 8);
  EXPECT_EQ(p.out_features, 4);
  EXPECT_EQ(p.per_channel, 0);
  EXPECT_EQ(calls[0].table("multiplier")->count(), 1);
}

// TFLite ADD/SUB/MUL parameters and 4-D broadcast strides.
TEST(Lower, BinaryParamsAndBroadcast) {
  for (OpKind op : {OpKind::Add, OpKind::Sub, OpKind::Mul}) {
    Graph g;
    int a = act(g, "a", {1, 3, 4, 8}, pt(0.02f, 5));
    g.inputs = {a};
    std::vector<int8_t> kv(8, 7);
    int k = g.add_const("k", DType::I8, {8}, kv.data());
    g.t(k).quant = pt(0.05f, -3);
    int y = act(g, "y", {1}, pt(0.1f, 1));
    node(g, op, {a, k}, y);
    g.outputs = {y};
    std::vector<KernelCall> calls = lower(g, host_target()).calls;
    ASSERT_EQ(calls[0].inputs, (std::vector<int>{a, k}));
    const mote_bcast* bc = nullptr;
    if (op == OpKind::Mul) {
      const auto& p = std::get<mote_mul_s8_params>(calls[0].params);
      EXPECT_EQ(calls[0].kernel(), "mote_mul_s8");
      int32_t m = 0, s = 0;
      quantize_multiplier(double(0.02f) * double(0.05f) / double(0.1f), &m, &s);
      EXPECT_EQ(p.out_multiplier, m);
      EXPECT_EQ(p.out_shift, s);
      bc = &p.bc;
    } else {
      const auto& p = std::get<mote_add_s8_params>(calls[0].params);
      EXPECT_EQ(calls[0].kernel(), "mote_add_s8");
      EXPECT_EQ(p.left_shift, 20);
      EXPECT_EQ(p.a_zp, 5);
      EXPECT_EQ(p.b_zp, -3);
      EXPECT_EQ(p.out_zp, 1);
      const double tm = 2 * double(0.05f);
      int32_t m = 0, s = 0;
      quantize_multiplier(double(0.02f) / tm, &m, &s);
      EXPECT_EQ(p.a_multiplier, m);
      EXPECT_EQ(p.a_shift, s);
      quantize_multiplier(0.5, &m, &s);  // b has the larger scale
      EXPECT_EQ(p.b_multiplier, op == OpKind::Sub ? -m : m);
      EXPECT_EQ(p.b_shift, s);
      quantize_multiplier(tm / ((1 << 20) * double(0.1f)), &m, &s);
      EXPECT_EQ(p.out_multiplier, m);
      EXPECT_EQ(p.out_shift, s);
      bc = &p.bc;
    }
    EXPECT_EQ(std::vector<int32_t>(bc->dims, bc->dims + 4), (std::vector<int32_t>{1, 3, 4, 8}));
    EXPECT_EQ(std::vector<int32_t>(bc->a_stride, bc->a_stride + 4), (std::vector<int32_t>{0, 32, 8, 1}));
    EXPECT_EQ(std::vector<int32_t>(bc->b_stride, bc->b_stride + 4), (std::vector<int32_t>{0, 0, 0, 1}));

    // a - k with k constant through the executor: dequantized results within one output LSB.
    Array in;
    in.dtype = DType::I8;
    in.shape = {1, 3, 4, 8};
    for (int i = 0; i < 96; ++i) in.bytes.push_back(uint8_t(int8_t(i * 5 % 256 - 128)));
    std::vector<Array> out = run_int8(g, lower(g, host_target()).calls, {in});
    for (int i = 0; i < 96; ++i) {
      const double av = 0.02 * (int8_t(in.bytes[size_t(i)]) - 5), kv2 = 0.05 * (7 + 3);
      const double want = op == OpKind::Add ? av + kv2 : op == OpKind::Sub ? av - kv2 : av * kv2;
      const double got = 0.1 * (out[0].as<int8_t>()[i] - 1);
      if (std::fabs(want / 0.1 + 1) < 127) EXPECT_LE(std::fabs(got - want), 0.1 * 0.51 + 1e-6) << op_name(op) << " " << i;
    }
  }
}

TEST(Lower, RankAboveFourAndSplitAxesAreRejected) {
  Graph g;
  int a = act(g, "a", {1, 2, 2, 2, 2}, pt(0.1f, 0));
  g.inputs = {a};
  int y = act(g, "y", {1}, pt(0.1f, 0));
  node(g, OpKind::Add, {a, a}, y);
  g.outputs = {y};
  EXPECT_THROW(lower(g, host_target()).calls, Error);

  Graph r;
  int x = act(r, "x", {2, 3, 4, 5}, pt(0.1f, 0));
  r.inputs = {x};
  int m = act(r, "m", {1}, pt(0.05f, 2));
  Attrs at;
  at.set("axes", std::vector<int64_t>{1, 3});
  at.set("keepdims", int64_t(0));
  node(r, OpKind::ReduceMean, {x}, m, at);
  r.outputs = {m};
  EXPECT_THROW(lower(r, host_target()).calls, Error);
  r.nodes[0].attrs.set("axes", std::vector<int64_t>{1, 2});
  r.t(m).shape = infer_shape(r, r.nodes[0]);
  std::vector<KernelCall> calls = lower(r, host_target()).calls;
  const auto& p = std::get<mote_mean_s8_params>(calls[0].params);
  EXPECT_EQ(p.outer, 2);
  EXPECT_EQ(p.reduce, 12);
  EXPECT_EQ(p.inner, 5);
  // in/out 2 is 2^30 with shift 2; TFLM folds 1/12 in: (2^30 << 3) / 12, shift 2 - 3
  EXPECT_EQ(p.multiplier, 715827882);
  EXPECT_EQ(p.shift, -1);
}

TEST(Lower, SoftmaxTflmParams) {
  Graph g;
  int x = act(g, "x", {2, 10}, pt(0.125f, 0));
  g.inputs = {x};
  int y = act(g, "y", {1}, pt(1.0f / 256, -128));
  Attrs a;
  a.set("axis", int64_t(1));
  node(g, OpKind::Softmax, {x}, y, a);
  g.outputs = {y};
  std::vector<KernelCall> calls = lower(g, host_target()).calls;
  EXPECT_TRUE(calls[0].tables.empty());
  const auto& p = std::get<mote_softmax_s8_params>(calls[0].params);
  EXPECT_EQ(p.rows, 2);
  EXPECT_EQ(p.cols, 10);
  // 0.125 * 2^26 = 2^23 = 0.5 * 2^24: multiplier 2^30, left shift 24, and diff_min
  // -floor(31 * 2^26 / 2^24) = -124
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.input_left_shift, 24);
  EXPECT_EQ(p.diff_min, -124);
  // Equal inputs: every output 1/10 = 25.6/256 -> 26 - 128.
  Array in;
  in.dtype = DType::I8;
  in.shape = {2, 10};
  in.bytes.assign(20, 7);
  std::vector<Array> out = run_int8(g, lower(g, host_target()).calls, {in});
  for (int i = 0; i < 20; ++i) EXPECT_EQ(out[0].as<int8_t>()[i], 26 - 128);
  g.t(y).quant = pt(1.0f / 128, 0);
  EXPECT_THROW(lower(g, host_target()).calls, Error);
}

TEST(Lower, PadTransposeConcatReshape) {
  Graph g;
  const QuantParams q = pt(0.1f, -7);
  int x = act(g, "x", {1, 2, 3, 2}, q);
  g.inputs = {x};
  Attrs pa;
  pa.set("pads", std::vector<int64_t>{0, 1, 0, 0, 0, 2, 1, 0});
  int p = act(g, "p", {1}, q);
  node(g, OpKind::Pad, {x}, p, pa);
  Attrs ta;
  ta.set("perm", std::vector<int64_t>{0, 3, 1, 2});
  int t = act(g, "t", {1}, q);
  node(g, OpKind::Transpose, {p}, t, ta);
  int r = act(g, "r", {1}, q);
  Attrs ra;
  ra.set("shape", std::vector<int64_t>{2, 5, 4});
  node(g, OpKind::Reshape, {t}, r, ra);
  // concat a constant with a different quantization along axis 1
  std::vector<int8_t> kv(2 * 1 * 4, 10);
  int k = g.add_const("k", DType::I8, {2, 1, 4}, kv.data());
  g.t(k).quant = pt(0.2f, 0);
  Attrs ca;
  ca.set("axis", int64_t(1));
  int c = act(g, "c", {1}, q);
  node(g, OpKind::Concat, {r, k}, c, ca);
  g.outputs = {c};
  verify(g, "test");
  std::vector<KernelCall> calls = lower(g, host_target()).calls;
  const auto& pp = std::get<mote_pad_params>(calls[0].params);
  EXPECT_EQ(pp.value, uint32_t(uint8_t(int8_t(-7))));
  EXPECT_EQ(std::vector<int32_t>(pp.pad_before, pp.pad_before + 4), (std::vector<int32_t>{0, 1, 0, 0}));
  EXPECT_EQ(std::vector<int32_t>(pp.pad_after, pp.pad_after + 4), (std::vector<int32_t>{0, 2, 1, 0}));
  EXPECT_EQ(pp.elem_size, 1);
  const auto& tp = std::get<mote_transpose_params>(calls[1].params);
  // [1,5,4,2] by (0,3,1,2): the size-1 axis drops, axes 1 and 2 move together as one of 20.
  EXPECT_EQ(std::vector<int32_t>(tp.in_dims, tp.in_dims + 6), (std::vector<int32_t>{1, 1, 1, 1, 20, 2}));
  EXPECT_EQ(std::vector<int32_t>(tp.perm, tp.perm + 6), (std::vector<int32_t>{0, 1, 2, 3, 5, 4}));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(calls[2].params));
  EXPECT_EQ(calls[2].kernel(), "");
  const auto& cp = std::get<mote_concat_params>(calls[3].params);
  EXPECT_EQ(cp.outer, 2);
  EXPECT_EQ(calls[3].table("lut0"), nullptr);  // same quantization: plain copy
  ASSERT_NE(calls[3].table("lut1"), nullptr);
  EXPECT_EQ(int8_t(calls[3].table("lut1")->bytes[10 + 128]), 13);  // 10 * 0.2 / 0.1 - 7

  Array in;
  in.dtype = DType::I8;
  in.shape = {1, 2, 3, 2};
  for (int i = 0; i < 12; ++i) in.bytes.push_back(uint8_t(int8_t(i)));
  std::vector<Array> out = run_int8(g, lower(g, host_target()).calls, {in});
  // padded [1,5,4,2]: h in [1,3), w in [0,3) hold x; transposed to [1,2,5,4] -> [2,5,4]; + k row.
  const int8_t* o = out[0].as<int8_t>();
  ASSERT_EQ(out[0].shape, (Shape{2, 6, 4}));
  for (int ch = 0; ch < 2; ++ch)
    for (int h = 0; h < 5; ++h)
      for (int w = 0; w < 4; ++w) {
        const bool inside = h >= 1 && h < 3 && w < 3;
        const int want = inside ? ((h - 1) * 3 + w) * 2 + ch : -7;
        EXPECT_EQ(o[(ch * 6 + h) * 4 + w], want) << ch << " " << h << " " << w;
      }
  for (int ch = 0; ch < 2; ++ch)
    for (int w = 0; w < 4; ++w) EXPECT_EQ(o[(ch * 6 + 5) * 4 + w], 13);
  bind_tables(calls[3]);
  const auto& cb = std::get<mote_concat_params>(calls[3].params);
  ASSERT_NE(cb.luts, nullptr);
  EXPECT_EQ(cb.luts[0], nullptr);
  EXPECT_EQ(cb.luts[1], reinterpret_cast<const int8_t*>(calls[3].table("lut1")->bytes.data()));
}

TEST(Lower, RequantTableRoundsHalfAwayAndClamps) {
  // identity from scale 0.5 to scale 1: q/2 rounds half away from zero
  std::vector<int8_t> t = requant_table(0.5, 0, 1.0, 0, [](double x) { return x; });
  EXPECT_EQ(t[3 + 128], 2);    // 1.5 -> 2
  EXPECT_EQ(t[-3 + 128], -2);  // -1.5 -> -2
  EXPECT_EQ(t[-128 + 128], -64);
  std::vector<int8_t> c = requant_table(1.0, 0, 0.25, 0, [](double x) { return x; });
  EXPECT_EQ(c[100 + 128], 127);
  EXPECT_EQ(c[-100 + 128], -128);
  Node n;
  n.op = OpKind::HardSigmoid;
  EXPECT_DOUBLE_EQ(activation(n, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(activation(n, 10.0), 1.0);
  n.op = OpKind::Conv;
  EXPECT_THROW(activation(n, 1.0), Error);
}

TEST(Lower, FloatGraphKernels) {
  Graph g;
  int x = g.add_value("x", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  g.inputs = {x};
  int r = g.add_value("r", DType::F32, {1}, Layout::NHWC);
  node(g, OpKind::Relu, {x}, r);
  Attrs pa;
  pa.set("kernel", std::vector<int64_t>{2, 2});
  pa.set("strides", std::vector<int64_t>{2, 2});
  int p = g.add_value("p", DType::F32, {1}, Layout::NHWC);
  node(g, OpKind::AvgPool, {r}, p, pa);
  Attrs pd;
  pd.set("pads", std::vector<int64_t>{0, 0, 0, 0, 0, 1, 1, 0});
  pd.set("value", 1.5f);
  int q = g.add_value("q", DType::F32, {1}, Layout::NHWC);
  node(g, OpKind::Pad, {p}, q, pd);
  g.outputs = {q};
  std::vector<KernelCall> calls = lower(g, host_target()).calls;
  EXPECT_EQ(calls[0].kernel(), "mote_unary_f32");
  EXPECT_EQ(std::get<mote_unary_f32_params>(calls[0].params).op, MOTE_UN_RELU);
  EXPECT_EQ(calls[1].kernel(), "mote_avgpool_f32");
  const auto& pp = std::get<mote_pad_params>(calls[2].params);
  EXPECT_EQ(pp.elem_size, 4);
  float v = 0;
  std::memcpy(&v, &pp.value, 4);
  EXPECT_EQ(v, 1.5f);
  Array in;
  in.dtype = DType::F32;
  in.shape = {1, 4, 4, 2};
  in.bytes.assign(4 * 32, 0);
  EXPECT_THROW(run_int8(g, lower(g, host_target()).calls, {in}), Error);  // a float graph is not the int8 executor's
}

// conv (3x3 s2) -> conv (3x3) -> Add with a 1x1 s2 conv's skip, the chain's operand second:
// lowering picks the chain for the Add (the DSP one on the M4), absorbs both convs, and its
// output is the plain Add's over the absorbed convs' values.
TEST(Lower, ConvChainIsThePlainConvsAndAdd) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> q8(-128, 127), w8(-60, 60), b32(-300, 300);
  Graph g;
  const int C = 4, O = 6, H = 9, W = 7;
  int x = act(g, "x", {1, H, W, C}, pt(0.04f, -3));
  g.inputs = {x};
  auto conv = [&](int in, int k, int stride, int pad, int oc, const QuantParams& q) {
    const int64_t ic = g.t(in).shape[3];
    std::vector<int8_t> wv(static_cast<size_t>(oc * k * k * ic));
    for (auto& v : wv) v = int8_t(w8(rng));
    const int w = g.add_const("w" + std::to_string(g.nodes.size()), DType::I8, {oc, k, k, ic}, wv.data());
    QuantParams wq;
    for (int o = 0; o < oc; ++o) wq.scale.push_back(0.003f + 0.001f * float(o)), wq.zero_point.push_back(0);
    wq.axis = 0;
    g.t(w).quant = wq;
    std::vector<int32_t> bv(static_cast<size_t>(oc));
    for (auto& v : bv) v = b32(rng);
    const int b = g.add_const("b" + std::to_string(g.nodes.size()), DType::I32, {oc}, bv.data());
    return node(g, OpKind::Conv, {in, w, b}, act(g, "y" + std::to_string(g.nodes.size()), {1}, q), conv_attrs(stride, pad, 1));
  };
  const int y1 = conv(x, 3, 2, 1, O, pt(0.05f, 2));
  const int y2 = conv(y1, 3, 1, 1, O, pt(0.06f, -1));
  const int skip = conv(x, 1, 2, 0, O, pt(0.03f, 4));
  const int sum = node(g, OpKind::Add, {skip, y2}, act(g, "sum", {1}, pt(0.08f, -7)));
  g.outputs = {sum};
  verify(g, "test");

  Array in;
  in.dtype = DType::I8;
  in.shape = g.t(x).shape;
  in.bytes.resize(size_t(H * W * C));
  for (auto& v : in.bytes) v = uint8_t(int8_t(q8(rng)));
  for (const char* target : {"host", "cortex-m4"}) {
    const Lowered low = lower(g, target_named(target));
    ASSERT_EQ(low.calls.size(), 4u);
    EXPECT_EQ(low.calls[3].kernel(), std::string(target) == "host" ? "mote_conv_chain_s8" : "mote_conv_chain_s8_dsp");
    EXPECT_EQ(low.fused_into, (std::vector<int>{3, 3, -1, -1}));
    EXPECT_EQ(low.calls[3].inputs, (std::vector<int>{x, skip}));
    EXPECT_FALSE(low.calls[0].has_code());
    std::vector<Array> seen(g.nodes.size());
    const std::vector<Array> out = run_int8(g, low.calls, {in}, [&](int n, const Array& a) { seen[size_t(n)] = a; });

    // The Add alone, its operands graph inputs, so no chain can form.
    Graph add;
    const int a0 = act(add, "skip", g.t(skip).shape, g.t(skip).quant), a1 = act(add, "y2", g.t(y2).shape, g.t(y2).quant);
    add.inputs = {a0, a1};
    add.outputs = {node(add, OpKind::Add, {a0, a1}, act(add, "sum", {1}, g.t(sum).quant))};
    const std::vector<Array> want = run_int8(add, lower(add, host_target()).calls, {seen[2], seen[1]});
    EXPECT_EQ(out.at(0).bytes, want.at(0).bytes) << target;
  }
}

}  // namespace
}  // namespace mote
