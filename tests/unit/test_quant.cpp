// Post-training quantization: calibration methods, weight/bias encoding, and the int8 graph
// run by the int8 reference executor against the float reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "ir/op_registry.h"
#include "ir/verify.h"
#include "lower/lower.h"
#include "mote/kernels.h"
#include "quant/calibrate.h"
#include "quant/quantize.h"
#include "ref/executor.h"
#include "lower/fixedpoint.h"

namespace mote {
namespace {

// Builds small float NHWC graphs with random weights.
struct Builder {
  Graph g;
  std::mt19937 rng{1234};
  int counter = 0;

  std::string nm(const std::string& base) { return base + std::to_string(counter++); }
  std::vector<float> randn(size_t n, float scale) {
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
  }
  int input(const Shape& s) {
    int id = g.add_value("input", DType::F32, s, s.size() == 4 ? Layout::NHWC : Layout::Any);
    g.inputs.push_back(id);
    return id;
  }
  int node(OpKind op, std::vector<int> ins, Attrs a = {}) {
    std::string name = nm(op_name(op));
    int out = g.add_value(name + "_out", DType::F32, {1});
    Node& n = g.add_node(op, name, std::move(ins), {out}, std::move(a));
    Tensor& t = g.t(out);
    t.shape = infer_shape(g, n);
    t.layout = t.shape.size() == 4 ? Layout::NHWC : Layout::Any;
    return out;
  }
  int conv(int x, int oc, int k, int stride, int group, float act_min = kNoMin, float w_scale = 0.3f) {
    const int64_t ic = g.t(x).shape[3];
    const int64_t wi = ic / group;
    int w = g.add_const_f32(nm("w"), {oc, k, k, wi}, randn(size_t(oc * k * k * wi), w_scale));
    int b = g.add_const_f32(nm("b"), {oc}, randn(size_t(oc), 0.1f));
    Attrs a;
    a.set("strides", std::vector<int64_t>{stride, stride});
    const int64_t p = k / 2;
    a.set("pads", std::vector<int64_t>{p, p, p, p});
    a.set("group", int64_t(group));
    a.set("act_min", act_min);
    return node(OpKind::Conv, {x, w, b}, a);
  }
  int fc(int x, int m) {
    const int64_t k = g.t(x).shape.back();
    int w = g.add_const_f32(nm("fw"), {m, k}, randn(size_t(m * k), 1.0f / std::sqrt(float(k))));
    int b = g.add_const_f32(nm("fb"), {m}, randn(size_t(m), 0.1f));
    return node(OpKind::FullyConnected, {x, w, b});
  }
  int pool(OpKind op, int x, int k) {
    Attrs a;
    a.set("kernel", std::vector<int64_t>{k, k});
    a.set("strides", std::vector<int64_t>{k, k});
    return node(op, {x}, a);
  }
  int reshape(int x, const Shape& s) {
    Attrs a;
    a.set("shape", std::vector<int64_t>(s));
    return node(OpKind::Reshape, {x}, a);
  }
  int softmax(int x) {
    Attrs a;
    a.set("axis", int64_t(g.t(x).shape.size() - 1));
    return node(OpKind::Softmax, {x}, a);
  }
  void output(int id) { g.outputs.push_back(id); }
};

// Smooth random images: low-frequency patterns plus a little noise, [n, h, w, c].
Array images(int n, int h, int w, int c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Array a;
  a.dtype = DType::F32;
  a.shape = {n, h, w, c};
  a.bytes.resize(size_t(n * h * w * c) * 4);
  float* p = a.as_mut<float>();
  for (int s = 0; s < n; ++s) {
    std::vector<float> fx, fy, ph;
    for (int ch = 0; ch < c; ++ch) {
      fx.push_back(u(rng) * 0.8f);
      fy.push_back(u(rng) * 0.8f);
      ph.push_back(u(rng) * 3);
    }
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int ch = 0; ch < c; ++ch)
          *p++ = std::sin(fx[size_t(ch)] * x + fy[size_t(ch)] * y + ph[size_t(ch)]) + 0.05f * u(rng);
  }
  return a;
}

Array sample_of(const Array& batch, int64_t k, const Shape& shape) {
  Array a;
  a.dtype = DType::F32;
  a.shape = shape;
  const size_t bytes = size_t(numel(shape)) * 4;
  a.bytes.assign(batch.bytes.begin() + int64_t(k * int64_t(bytes)), batch.bytes.begin() + int64_t((k + 1) * int64_t(bytes)));
  return a;
}

std::vector<float> dequantize(const Graph& q, int tensor, const Array& a) {
  const QuantParams& qp = q.t(tensor).quant;
  std::vector<float> v(size_t(a.numel()));
  for (int64_t i = 0; i < a.numel(); ++i) v[size_t(i)] = qp.scale[0] * float(a.as<int8_t>()[i] - qp.zero_point[0]);
  return v;
}

// Max |float - dequantized int8| over the graph output on `n` samples, in output scales, and the
// fraction of samples whose arg-max agrees.
struct Agreement {
  double max_err_lsb = 0;
  double top1 = 0;
};

Agreement compare(const Graph& g, const Graph& q, const Array& data) {
  Agreement r;
  const int64_t n = data.shape[0];
  int agree = 0;
  for (int64_t s = 0; s < n; ++s) {
    Array x = sample_of(data, s, g.t(g.inputs[0]).shape);
    std::vector<Array> f = run_float(g, {x});
    std::vector<Array> i8 = run_int8(q, lower(q, host_target()).calls, {quantize_input(q, x)});
    const float* fv = f[0].as<float>();
    std::vector<float> dv = dequantize(q, q.outputs[0], i8[0]);
    const double scale = q.t(q.outputs[0]).quant.scale[0];
    for (size_t i = 0; i < dv.size(); ++i) r.max_err_lsb = std::max(r.max_err_lsb, std::fabs(fv[i] - dv[i]) / scale);
    const size_t af = size_t(std::max_element(fv, fv + dv.size()) - fv);
    const size_t ai = size_t(std::max_element(dv.begin(), dv.end()) - dv.begin());
    agree += af == ai;
  }
  r.top1 = double(agree) / double(n);
  return r;
}

TEST(QuantMultiplier, KnownValuesRequantize) {
  int32_t m = 0, s = 0;
  quantize_multiplier(0.75, &m, &s);
  EXPECT_EQ(m, 1610612736);
  EXPECT_EQ(s, 0);
  EXPECT_EQ(multiply_by_quantized_multiplier(3, m, s), 2);   // 2.25
  EXPECT_EQ(multiply_by_quantized_multiplier(2, m, s), 2);   // 1.5: the high multiply's tie goes up
  EXPECT_EQ(multiply_by_quantized_multiplier(-2, m, s), -1);  // -1.5 goes up too
  quantize_multiplier(0.1, &m, &s);
  EXPECT_EQ(m, 1717986918);  // 0.8 * 2^31
  EXPECT_EQ(s, -3);
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, m, s), 100);
  EXPECT_EQ(multiply_by_quantized_multiplier(5, m, s), 1);    // 4 / 8: the shift rounds away from zero
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, m, s), -1);
  EXPECT_EQ(mote_requantize(-5, m, s), -1);                   // the C runtime agrees
  EXPECT_EQ(mote_requantize(12345, m, s), 1235);              // 1234.5 -> 1235
  quantize_multiplier(3.5, &m, &s);  // above 1: positive shift
  EXPECT_EQ(m, 1879048192);          // 0.875 * 2^31
  EXPECT_EQ(s, 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(100, m, s), 350);
  EXPECT_EQ(mote_requantize(-7, m, s), -24);  // -28 * 0.875 = -24.5, tie goes up
  EXPECT_EQ(multiply_by_quantized_multiplier(-7, m, s), -24);
}

TEST(QuantCalib, RangeToQuantNudgesZeroPoint) {
  float s = 0;
  int32_t zp = 0;
  range_to_quant({-1.0, 3.0}, &s, &zp);
  EXPECT_FLOAT_EQ(s, 4.0f / 255);
  EXPECT_EQ(zp, int32_t(std::round(-128 + 1.0 / double(s))));  // -64
  EXPECT_EQ(zp, -64);
  range_to_quant({0.5, 2.0}, &s, &zp);  // widened to include 0
  EXPECT_FLOAT_EQ(s, 2.0f / 255);
  EXPECT_EQ(zp, -128);
  range_to_quant({-2.0, -1.0}, &s, &zp);
  EXPECT_FLOAT_EQ(s, 2.0f / 255);
  EXPECT_EQ(zp, 127);
}

// Gaussian data with a few huge outliers: percentile and MSE clip them, min/max does not.
TEST(QuantCalib, OutliersNarrowPercentileAndMse) {
  std::mt19937 rng(7);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(100000);
  for (float& x : v) x = d(rng);
  v[10] = 60.0f;
  v[20] = 55.0f;
  v[30] = -40.0f;
  TensorStats st;
  st.add_minmax(v.data(), v.size());
  st.start_histogram();
  st.add_histogram(v.data(), v.size());
  const Range mm = st.range(CalibMethod::MinMax), pc = st.range(CalibMethod::Percentile), ms = st.range(CalibMethod::Mse);
  EXPECT_DOUBLE_EQ(mm.lo, -40.0);
  EXPECT_DOUBLE_EQ(mm.hi, 60.0);
  // 99.99th percentile of N(0,1) is 3.72; histogram bins are 100/2048 wide.
  EXPECT_GT(pc.hi, 3.0);
  EXPECT_LT(pc.hi, 5.0);
  EXPECT_LT(pc.lo, -3.0);
  EXPECT_GT(pc.lo, -5.0);
  // MSE weighs the outliers' clipping error squared, so it trims them only part way.
  EXPECT_LT(ms.hi - ms.lo, 0.95 * (mm.hi - mm.lo));
  EXPECT_GT(ms.hi - ms.lo, pc.hi - pc.lo);
  EXPECT_LE(ms.lo, 0.0);
  EXPECT_GE(ms.hi, 0.0);
  const Histogram& h = st.hist[0];
  const double e_mm = quant_mse(h, mm.lo, mm.hi), e_ms = quant_mse(h, ms.lo, ms.hi);
  EXPECT_LT(e_ms, e_mm);
  EXPECT_LT(e_ms, quant_mse(h, pc.lo, pc.hi));
  // The chosen range is a local minimum: shrinking or widening either end costs.
  for (double d : {-0.5, 0.5}) {
    EXPECT_GE(quant_mse(h, ms.lo + d, ms.hi), e_ms) << d;
    EXPECT_GE(quant_mse(h, ms.lo, ms.hi + d), e_ms) << d;
  }
}

TEST(QuantCalib, NonNegativeDataStaysAtZero) {
  std::vector<float> v;
  for (int i = 0; i < 5000; ++i) v.push_back(float(i % 100) / 10.0f);
  TensorStats st;
  st.add_minmax(v.data(), v.size());
  st.start_histogram();
  st.add_histogram(v.data(), v.size());
  for (CalibMethod m : {CalibMethod::MinMax, CalibMethod::Percentile, CalibMethod::Mse}) {
    Range r = st.range(m);
    EXPECT_DOUBLE_EQ(r.lo, 0.0);
    EXPECT_GT(r.hi, 8.0);
    EXPECT_LE(r.hi, 9.9 + 1e-9);
  }
  EXPECT_EQ(calib_method_from_name("mse"), CalibMethod::Mse);
  EXPECT_THROW(calib_method_from_name("kl"), Error);
}

// Weights: scale max|w_c|/127 per output channel, zero points 0; bias round(b / (s_in s_w)).
TEST(Quantize, WeightAndBiasEncoding) {
  Builder b;
  int x = b.input({1, 6, 6, 3});
  int y = b.conv(x, 5, 3, 1, 1);
  b.output(y);
  const Tensor wf = b.g.t(b.g.nodes[0].in(1));
  const Tensor bf = b.g.t(b.g.nodes[0].in(2));
  Graph q = quantize(b.g, images(8, 6, 6, 3, 1), CalibMethod::MinMax);
  verify(q, "test");
  const Node& n = q.nodes[0];
  const Tensor& w = q.t(n.in(1));
  const Tensor& bias = q.t(n.in(2));
  const float s_in = q.t(n.in(0)).quant.scale[0];
  ASSERT_EQ(w.dtype, DType::I8);
  ASSERT_EQ(bias.dtype, DType::I32);
  EXPECT_EQ(w.quant.axis, 0);
  ASSERT_EQ(w.quant.scale.size(), 5u);
  const std::vector<float> wv = wf.values<float>(), bv = bf.values<float>();
  const std::vector<int32_t> bq = bias.values<int32_t>();
  const size_t per = wv.size() / 5;
  for (size_t o = 0; o < 5; ++o) {
    float m = 0;
    for (size_t i = 0; i < per; ++i) m = std::max(m, std::fabs(wv[o * per + i]));
    EXPECT_EQ(w.quant.scale[o], m / 127.0f) << "channel " << o;
    EXPECT_EQ(w.quant.zero_point[o], 0);
    int8_t mx = 0;
    for (size_t i = 0; i < per; ++i) {
      const int8_t qv = w.as<int8_t>()[o * per + i];
      EXPECT_EQ(qv, int8_t(std::round(double(wv[o * per + i]) / double(w.quant.scale[o]))));
      mx = std::max<int8_t>(mx, int8_t(std::abs(qv)));
    }
    EXPECT_EQ(mx, 127);  // the largest weight hits the end of the range
    const float bs = s_in * w.quant.scale[o];
    EXPECT_FLOAT_EQ(bias.quant.scale[o], bs);
    EXPECT_EQ(bq[o], int32_t(std::round(double(bv[o]) / double(bs))));
  }
}

// conv+relu -> maxpool -> conv -> reshape -> fc -> softmax.
Graph classifier(Builder& b) {
  int x = b.input({1, 8, 8, 3});
  int c1 = b.conv(x, 8, 3, 1, 1, 0.0f);
  int p1 = b.pool(OpKind::MaxPool, c1, 2);
  int c2 = b.conv(p1, 8, 3, 1, 1, 0.0f, 0.2f);
  int r = b.reshape(c2, {1, 4 * 4 * 8});
  int f = b.fc(r, 10);
  b.output(b.softmax(f));
  return b.g;
}

TEST(Quantize, ClassifierMatchesFloat) {
  Builder b;
  Graph g = classifier(b);
  QuantReport rep;
  const Array calib = images(32, 8, 8, 3, 11);
  Graph q = quantize(g, calib, CalibMethod::MinMax, &rep);
  verify(q, "test");
  for (const Tensor& t : q.tensors)
    if (!t.is_const()) EXPECT_EQ(t.dtype, DType::I8) << t.name;
  const Tensor& out = q.t(q.outputs[0]);
  EXPECT_FLOAT_EQ(out.quant.scale[0], 1.0f / 256);
  EXPECT_EQ(out.quant.zero_point[0], -128);
  // Pools keep their input's quantization.
  const Node& pool = q.nodes[1];
  EXPECT_EQ(q.t(pool.out()).quant.scale, q.t(pool.in(0)).quant.scale);
  EXPECT_EQ(q.t(pool.out()).quant.zero_point, q.t(pool.in(0)).quant.zero_point);
  Agreement a = compare(g, q, calib);
  EXPECT_GE(a.top1, 0.9);
  EXPECT_LE(a.max_err_lsb, 4.0);
  Agreement h = compare(g, q, images(40, 8, 8, 3, 99));  // held out: some clipping
  EXPECT_GE(h.top1, 0.85);
  ASSERT_EQ(rep.layers.size(), q.nodes.size());
  EXPECT_EQ(rep.layers[0].op, "Conv");
  for (const LayerSqnr& l : rep.layers) EXPECT_GT(l.sqnr_db, 25.0) << l.node;
}

TEST(Quantize, SmoothConvNetSqnrAbove25dB) {
  Builder b;
  int x = b.input({1, 10, 10, 2});
  int c1 = b.conv(x, 6, 3, 1, 1, 0.0f);
  int c2 = b.conv(c1, 6, 3, 1, 1);
  int p = b.pool(OpKind::AvgPool, c2, 2);
  b.output(p);
  for (CalibMethod m : {CalibMethod::MinMax, CalibMethod::Percentile, CalibMethod::Mse}) {
    QuantReport rep;
    Graph q = quantize(b.g, images(24, 10, 10, 2, 5), m, &rep);
    ASSERT_EQ(rep.layers.size(), 3u);
    for (const LayerSqnr& l : rep.layers) EXPECT_GT(l.sqnr_db, 25.0) << l.node << " method " << int(m);
  }
}

// out = relu(conv2(relu(conv1(x)))) + conv1-output residual, then Sub and Mul by constants.
TEST(Quantize, ResidualAddAndConstantOperands) {
  Builder b;
  int x = b.input({1, 6, 6, 4});
  int c1 = b.conv(x, 4, 3, 1, 1, 0.0f);
  int c2 = b.conv(c1, 4, 3, 1, 1);
  int add = b.node(OpKind::Add, {c1, c2});
  int k = b.g.add_const_f32("k", {4}, {0.5f, -1.0f, 2.0f, 0.25f});
  int sub = b.node(OpKind::Sub, {add, k});
  int k2 = b.g.add_const_f32("k2", {1, 1, 1, 4}, {1.5f, 0.5f, -1.0f, 2.0f});
  int mul = b.node(OpKind::Mul, {sub, k2});
  b.output(mul);
  const Array calib = images(24, 6, 6, 4, 3);
  Graph q = quantize(b.g, calib, CalibMethod::MinMax);
  verify(q, "test");
  const Tensor& kq = q.t(q.nodes[3].in(1));
  EXPECT_EQ(kq.dtype, DType::I8);
  ASSERT_EQ(kq.quant.scale.size(), 1u);
  EXPECT_FLOAT_EQ(kq.quant.scale[0], 3.0f / 255);  // own range [-1, 2]
  Agreement a = compare(b.g, q, calib);  // on calibration data: no clipping
  EXPECT_LE(a.max_err_lsb, 4.0);
}

// Two branches with very different ranges: the concat output covers both and the narrower input
// is requantized through a LUT.
TEST(Quantize, ConcatOfDifferentRanges) {
  Builder b;
  int x = b.input({1, 6, 6, 2});
  int c1 = b.conv(x, 3, 1, 1, 1, kNoMin, 0.1f);
  int c2 = b.conv(x, 3, 1, 1, 1, kNoMin, 5.0f);
  Attrs a;
  a.set("axis", int64_t(3));
  int cat = b.node(OpKind::Concat, {c1, c2}, a);
  b.output(cat);
  Graph q = quantize(b.g, images(16, 6, 6, 2, 4), CalibMethod::MinMax);
  const QuantParams &q1 = q.t(q.nodes[0].out()).quant, &q2 = q.t(q.nodes[1].out()).quant, &qo = q.t(cat).quant;
  auto lo = [](const QuantParams& p) { return p.scale[0] * (-128 - p.zero_point[0]); };
  auto hi = [](const QuantParams& p) { return p.scale[0] * (127 - p.zero_point[0]); };
  EXPECT_LE(lo(qo), std::min(lo(q1), lo(q2)) + 1e-4);
  EXPECT_GE(hi(qo), std::max(hi(q1), hi(q2)) - 1e-4);
  EXPECT_GT(qo.scale[0], 5 * q1.scale[0]);
  std::vector<KernelCall> calls = lower(q, host_target()).calls;
  const KernelCall& cc = calls[2];
  EXPECT_EQ(cc.kernel(), "mote_concat");
  EXPECT_NE(cc.table("lut0"), nullptr);
  const ConstTable* inner = cc.table("inner_bytes");
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(inner->count(), 2);
  EXPECT_EQ(reinterpret_cast<const int32_t*>(inner->bytes.data())[0], 3);
  Agreement ag = compare(b.g, q, images(8, 6, 6, 2, 8));
  EXPECT_LE(ag.max_err_lsb, 3.0);
}

TEST(Quantize, PercentileInputRangeNarrowerWithOutlier) {
  Builder b;
  int x = b.input({1, 4, 4, 2});
  b.output(b.conv(x, 2, 1, 1, 1));
  Array data = images(700, 4, 4, 2, 9);  // 22400 values: the outlier is under 0.01% of them
  data.as_mut<float>()[17] = 80.0f;
  Graph qm = quantize(b.g, data, CalibMethod::MinMax);
  Graph qp = quantize(b.g, data, CalibMethod::Percentile);
  Graph qe = quantize(b.g, data, CalibMethod::Mse);
  const float sm = qm.t(qm.inputs[0]).quant.scale[0];
  EXPECT_GT(sm, 80.9f / 255);  // [about -1.05, 80]
  EXPECT_LT(sm, 81.1f / 255);
  EXPECT_LT(qp.t(qp.inputs[0]).quant.scale[0], 0.1f * sm);
  EXPECT_LT(qe.t(qe.inputs[0]).quant.scale[0], sm);
}

TEST(Quantize, RejectsBadInput) {
  Builder b;
  int x = b.input({1, 4, 4, 2});
  b.output(b.conv(x, 2, 1, 1, 1));
  EXPECT_THROW(quantize(b.g, images(2, 4, 4, 3, 1), CalibMethod::MinMax), Error);  // wrong shape
  Graph bn = b.g;
  int s = bn.add_const_f32("s", {2}, {1, 1});
  int y = bn.add_value("bn", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  bn.add_node(OpKind::BatchNorm, "bn", {bn.outputs[0], s, s, s, s}, {y});
  bn.outputs = {y};
  EXPECT_THROW(quantize(bn, images(2, 4, 4, 2, 1), CalibMethod::MinMax), Error);
}

// Runs one bound int8 call through the C runtime kernels (what the generated code calls).
mote_status run_runtime(const KernelCall& c, const std::vector<const int8_t*>& in, int8_t* out, size_t out_bytes) {
  auto tab = [&](const char* role) -> const void* {
    const ConstTable* t = c.table(role);
    return t ? t->bytes.data() : nullptr;
  };
  const int8_t* w = static_cast<const int8_t*>(tab("weights"));
  const int32_t* bias = static_cast<const int32_t*>(tab("bias"));
  if (auto* p = std::get_if<mote_conv_s8_params>(&c.params)) {
    std::vector<uint8_t> scratch(size_t(c.scratch_bytes));
    if (c.kernel() == "mote_depthwise_conv2d_s8") return mote_depthwise_conv2d_s8(p, in[0], w, bias, out, scratch.data());
    return mote_conv2d_s8(p, in[0], w, bias, out, scratch.data());
  }
  if (auto* p = std::get_if<mote_fc_s8_params>(&c.params)) return mote_fully_connected_s8(p, in[0], w, bias, out);
  if (auto* p = std::get_if<mote_add_s8_params>(&c.params)) return mote_add_s8(p, in[0], in[1], out);
  if (auto* p = std::get_if<mote_mul_s8_params>(&c.params)) return mote_mul_s8(p, in[0], in[1], out);
  if (auto* p = std::get_if<LutParams>(&c.params)) return mote_lut_s8(static_cast<const int8_t*>(tab("table")), p->n, in[0], out);
  if (auto* p = std::get_if<mote_pool_s8_params>(&c.params))
    return c.kernel() == "mote_maxpool_s8" ? mote_maxpool_s8(p, in[0], out) : mote_avgpool_s8(p, in[0], out);
  if (auto* p = std::get_if<mote_mean_s8_params>(&c.params)) return mote_mean_s8(p, in[0], out);
  if (auto* p = std::get_if<mote_softmax_s8_params>(&c.params)) return mote_softmax_s8(p, in[0], out);
  if (auto* p = std::get_if<mote_concat_params>(&c.params)) {
    std::vector<const void*> v(in.begin(), in.end());
    return mote_concat(p, v.data(), out);
  }
  if (auto* p = std::get_if<mote_pad_params>(&c.params)) return mote_pad(p, in[0], out);
  if (auto* p = std::get_if<mote_transpose_params>(&c.params)) return mote_transpose(p, in[0], out);
  std::memcpy(out, in[0], out_bytes);  // AliasParams
  return MOTE_OK;
}

// Every op family, quantized, then executed call by call on the C runtime: each node's output
// equals run_int8's bit for bit, and the dequantized result tracks the float graph.
TEST(Quantize, AllOpsRuntimeMatchesInt8Executor) {
  Builder b;
  int x = b.input({1, 8, 8, 3});
  int c1 = b.conv(x, 6, 3, 2, 1);
  Attrs la;
  la.set("alpha", 0.1f);
  int lr = b.node(OpKind::LeakyRelu, {c1}, la);
  Attrs pa;
  pa.set("pads", std::vector<int64_t>{0, 1, 1, 0, 0, 1, 1, 0});
  int pd = b.node(OpKind::Pad, {lr}, pa);
  int dw = b.conv(pd, 12, 3, 1, 6);
  int hs = b.node(OpKind::HardSwish, {dw});
  int ap = b.pool(OpKind::AvgPool, hs, 2);
  int sg = b.node(OpKind::Sigmoid, {ap});
  int mx = b.pool(OpKind::MaxPool, dw, 2);
  Attrs ca;
  ca.set("axis", int64_t(3));
  int cat = b.node(OpKind::Concat, {sg, mx}, ca);
  Attrs ta;
  ta.set("perm", std::vector<int64_t>{0, 3, 1, 2});
  int tr = b.node(OpKind::Transpose, {cat}, ta);
  Attrs ma;
  ma.set("axes", std::vector<int64_t>{2, 3});
  ma.set("keepdims", int64_t(0));
  int mean = b.node(OpKind::ReduceMean, {tr}, ma);
  int fc = b.fc(mean, 8);
  int th = b.node(OpKind::Tanh, {fc});
  Attrs cl;
  cl.set("min", -0.5f);
  cl.set("max", 0.5f);
  int clip = b.node(OpKind::Clip, {th}, cl);
  int k = b.g.add_const_f32("k", {8}, b.randn(8, 1.0f));
  int mul = b.node(OpKind::Mul, {clip, k});
  int sub = b.node(OpKind::Sub, {mul, fc});
  b.output(b.softmax(sub));
  const Array calib = images(16, 8, 8, 3, 21);
  QuantReport rep;
  Graph q = quantize(b.g, calib, CalibMethod::Mse, &rep);
  verify(q, "test");
  EXPECT_EQ(rep.layers.size(), q.nodes.size());
  std::vector<KernelCall> calls = lower(q, host_target()).calls;
  for (KernelCall& c : calls) bind_tables(c);
  EXPECT_EQ(calls[3].kernel(), "mote_depthwise_conv2d_s8");
  for (int64_t s = 0; s < 4; ++s) {
    Array xin = quantize_input(q, sample_of(calib, s, q.t(q.inputs[0]).shape));
    std::vector<std::vector<int8_t>> vals(q.tensors.size());
    vals[size_t(q.inputs[0])].assign(xin.as<int8_t>(), xin.as<int8_t>() + xin.numel());
    for (size_t t = 0; t < q.tensors.size(); ++t)
      if (q.tensors[t].is_const() && q.tensors[t].dtype == DType::I8) vals[t].assign(q.tensors[t].as<int8_t>(), q.tensors[t].as<int8_t>() + q.tensors[t].numel());
    std::vector<std::vector<int8_t>> oracle(q.nodes.size());
    run_int8(q, lower(q, host_target()).calls, {xin}, [&](int node, const Array& a) { oracle[size_t(node)].assign(a.as<int8_t>(), a.as<int8_t>() + a.numel()); });
    for (const KernelCall& c : calls) {
      std::vector<const int8_t*> in;
      for (int id : c.inputs) in.push_back(vals[size_t(id)].data());
      std::vector<int8_t>& out = vals[size_t(c.output)];
      out.assign(size_t(q.t(c.output).numel()), 0);
      ASSERT_EQ(run_runtime(c, in, out.data(), out.size()), MOTE_OK) << c.kernel();
      EXPECT_EQ(out, oracle[size_t(c.node)]) << q.nodes[size_t(c.node)].name << " " << c.kernel();
    }
  }
  for (const LayerSqnr& l : rep.layers) EXPECT_GT(l.sqnr_db, 20.0) << l.node << " " << l.op;
  Agreement a = compare(b.g, q, calib);
  EXPECT_GE(a.top1, 0.9);
  EXPECT_LE(a.max_err_lsb, 6.0);
}

// Two convs sharing weight and bias constants but reading differently scaled inputs: each gets
// its own int32 bias at its own input scale.
TEST(Quantize, SharedConstantsArePerNode) {
  Builder b;
  int x = b.input({1, 4, 4, 2});
  int c1 = b.conv(x, 2, 1, 1, 1);
  const Node first = b.g.nodes[0];
  Attrs a = first.attrs;
  int big = b.g.add_const_f32("ten", {1}, {10.0f});
  int xs = b.node(OpKind::Mul, {x, big});
  int c2 = b.node(OpKind::Conv, {xs, first.in(1), first.in(2)}, a);
  int sum = b.node(OpKind::Add, {c1, c2});
  b.output(sum);
  Graph q = quantize(b.g, images(8, 4, 4, 2, 6), CalibMethod::MinMax);
  const Node& n1 = q.nodes[0];
  const Node& n2 = q.nodes[2];
  ASSERT_NE(n1.in(2), n2.in(2));
  const float s1 = q.t(n1.in(0)).quant.scale[0], s2 = q.t(n2.in(0)).quant.scale[0];
  EXPECT_GT(s2, 5 * s1);
  EXPECT_FLOAT_EQ(q.t(n1.in(2)).quant.scale[0], s1 * q.t(n1.in(1)).quant.scale[0]);
  EXPECT_FLOAT_EQ(q.t(n2.in(2)).quant.scale[0], s2 * q.t(n2.in(1)).quant.scale[0]);
  for (const Tensor& t : q.tensors) EXPECT_NE(t.dtype, DType::F32) << t.name;
}

// Sigmoid/Tanh LUTs: monotone, each entry within one output LSB of the float function.
TEST(QuantLut, SigmoidAndTanhTables) {
  for (OpKind op : {OpKind::Sigmoid, OpKind::Tanh, OpKind::HardSwish}) {
    Builder b;
    int x = b.input({1, 4, 4, 3});
    int c = b.conv(x, 3, 3, 1, 1, kNoMin, 1.0f);
    b.output(b.node(op, {c}));
    Graph q = quantize(b.g, images(8, 4, 4, 3, 2), CalibMethod::MinMax);
    std::vector<KernelCall> calls = lower(q, host_target()).calls;
    ASSERT_EQ(calls[1].kernel(), "mote_lut_s8");
    const ConstTable* t = calls[1].table("table");
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(t->count(), 256);
    const int8_t* tab = reinterpret_cast<const int8_t*>(t->bytes.data());
    const QuantParams &qi = q.t(q.nodes[1].in(0)).quant, &qo = q.t(q.nodes[1].out()).quant;
    for (int v = -128; v <= 127; ++v) {
      const double xr = double(qi.scale[0]) * (v - qi.zero_point[0]);
      double y = op == OpKind::Sigmoid ? 1 / (1 + std::exp(-xr)) : op == OpKind::Tanh ? std::tanh(xr) : xr * std::clamp(xr / 6 + 0.5, 0.0, 1.0);
      const double got = double(qo.scale[0]) * (tab[v + 128] - qo.zero_point[0]);
      EXPECT_LE(std::fabs(got - y), qo.scale[0] * 1.0 + 1e-9) << op_name(op) << " q=" << v;
      if (op != OpKind::HardSwish && v > -128) EXPECT_GE(tab[v + 128], tab[v + 127]) << op_name(op);
    }
  }
}

// An LSTM's int8 encoding is what TFLite's integer LSTM takes: one weight scale per gate, the
// gate biases Wb + Rb in int32 at in_scale * w_scale, and a power-of-two int16 cell scale that
// covers the cell state seen during calibration; its SQNR stays high.
TEST(Quantize, LstmGateScalesAndCellScale) {
  Builder b;
  const int64_t T = 10, I = 3, H = 5;
  const int x = b.input({T, I});
  const int w = b.g.add_const_f32("W", {4 * H, I}, b.randn(size_t(4 * H * I), 0.8f));
  const int r = b.g.add_const_f32("R", {4 * H, H}, b.randn(size_t(4 * H * H), 0.5f));
  const int bias = b.g.add_const_f32("B", {8 * H}, b.randn(size_t(8 * H), 0.5f));
  Attrs a;
  a.set("hidden_size", H);
  b.g.outputs.push_back(b.node(OpKind::Lstm, {x, w, r, bias}, a));
  Array calib;
  calib.shape = {32, T, I};
  calib.bytes.resize(size_t(calib.numel()) * 4);
  std::normal_distribution<float> d(0.0f, 1.5f);
  for (int64_t k = 0; k < calib.numel(); ++k) calib.as_mut<float>()[k] = d(b.rng);
  QuantReport rep;
  Graph q = quantize(b.g, calib, CalibMethod::MinMax, &rep);
  const Node& n = q.nodes.at(0);
  ASSERT_EQ(n.op, OpKind::Lstm);
  for (size_t k : {size_t(1), size_t(2)}) {
    const Tensor& t = q.t(n.in(k));
    ASSERT_EQ(t.dtype, DType::I8);
    ASSERT_EQ(t.quant.scale.size(), size_t(4 * H));
    for (int64_t row = 0; row < 4 * H; ++row) EXPECT_EQ(t.quant.scale[size_t(row)], t.quant.scale[size_t(row / H * H)]) << t.name << " row " << row;
  }
  const Tensor& qb = q.t(n.in(3));
  EXPECT_EQ(qb.dtype, DType::I32);
  EXPECT_EQ(qb.shape, (Shape{4 * H}));
  const std::vector<float> fb = b.g.t(bias).values<float>();
  const float s0 = q.t(n.in(0)).quant.scale[0] * q.t(n.in(1)).quant.scale[0];
  EXPECT_EQ(qb.as<int32_t>()[0], int32_t(std::round((fb[0] + fb[size_t(4 * H)]) / s0)));
  const float cell = n.attrs.f("cell_scale", 0.0f);
  const double log2 = std::log2(double(cell));
  EXPECT_EQ(log2, std::round(log2)) << cell;
  EXPECT_LE(cell, 1.0f / 32768 * 16) << "the cell state of this LSTM stays below 16";
  EXPECT_GE(cell, 1.0f / 32768);
  ASSERT_EQ(rep.layers.size(), 1u);
  EXPECT_GT(rep.layers[0].sqnr_db, 25.0);
}

}  // namespace
}  // namespace mote
