// Shared helpers of the pass tests: seeded random graphs, running them, comparing results across
// a pass (including the NCHW -> NHWC change of graph inputs and outputs).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "ir/op_registry.h"
#include "ir/verify.h"
#include "passes/passes.h"
#include "ref/executor.h"

namespace mote::test {

inline std::vector<float> randv(std::mt19937& rng, int64_t n, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = d(rng);
  return v;
}

inline Array make_array(const Shape& s, const std::vector<float>& v) {
  Array a;
  a.shape = s;
  a.bytes.resize(v.size() * 4);
  std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
  return a;
}

inline std::vector<float> values(const Array& a) {
  std::vector<float> v(static_cast<size_t>(a.numel()));
  std::memcpy(v.data(), a.bytes.data(), v.size() * 4);
  return v;
}

// 4-D row-major data transposed by perm (out dim i = in dim perm[i]).
inline std::vector<float> transpose4(const std::vector<float>& v, const Shape& s, const std::vector<int>& perm) {
  Shape o = {s[size_t(perm[0])], s[size_t(perm[1])], s[size_t(perm[2])], s[size_t(perm[3])]};
  int64_t st[4] = {s[1] * s[2] * s[3], s[2] * s[3], s[3], 1};
  std::vector<float> r(v.size());
  size_t k = 0;
  for (int64_t a = 0; a < o[0]; ++a)
    for (int64_t b = 0; b < o[1]; ++b)
      for (int64_t c = 0; c < o[2]; ++c)
        for (int64_t d = 0; d < o[3]; ++d)
          r[k++] = v[size_t(a * st[perm[0]] + b * st[perm[1]] + c * st[perm[2]] + d * st[perm[3]])];
  return r;
}

// Small graph-building helpers; every value tensor gets the layout of 4-D NCHW activations.
struct Builder {
  Graph g;
  std::mt19937 rng;
  Layout layout;
  explicit Builder(uint32_t seed, Layout l = Layout::NCHW) : rng(seed), layout(l) { g.name = "test"; }

  Layout lay(const Shape& s) const { return s.size() == 4 ? layout : Layout::Any; }
  int input(const Shape& s) {
    int id = g.add_value(g.unique_name("in"), DType::F32, s, lay(s));
    g.inputs.push_back(id);
    return id;
  }
  int cst(const Shape& s, float lo = -1.0f, float hi = 1.0f) {
    return g.add_const_f32(g.unique_name("c"), s, randv(rng, numel(s), lo, hi));
  }
  // Adds the node, infers its output shape and gives the output the builder's layout.
  int node(OpKind op, std::vector<int> ins, Attrs a = {}) {
    std::string nm = g.unique_name(std::string(op_name(op)) + "_out");
    int out = g.add_value(nm, DType::F32, {1});
    Node& n = g.add_node(op, std::string(op_name(op)) + std::to_string(g.nodes.size()), std::move(ins), {out}, std::move(a));
    Shape s = infer_shape(g, n);
    g.t(out).shape = s;
    g.t(out).layout = lay(s);
    return out;
  }
  int conv(int x, int64_t cout, int64_t k, int64_t stride = 1, int64_t pad = 0, int64_t group = 1, bool bias = true,
           int64_t dil = 1) {
    const Tensor& t = g.t(x);
    int64_t cin = layout == Layout::NHWC ? t.shape[3] : t.shape[1];
    Shape ws = layout == Layout::NHWC ? Shape{cout, k, k, cin / group} : Shape{cout, cin / group, k, k};
    float r = 1.0f / std::sqrt(float(cin / group * k * k));
    std::vector<int> ins = {x, cst(ws, -r, r)};
    if (bias) ins.push_back(cst({cout}, -0.2f, 0.2f));
    Attrs a;
    a.set("strides", std::vector<int64_t>{stride, stride});
    a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
    a.set("dilations", std::vector<int64_t>{dil, dil});
    a.set("group", group);
    return node(OpKind::Conv, ins, a);
  }
  int fc(int x, int64_t m, bool bias = true) {
    int64_t k = g.t(x).shape.back();
    float r = 1.0f / std::sqrt(float(k));
    std::vector<int> ins = {x, cst({m, k}, -r, r)};
    if (bias) ins.push_back(cst({m}, -0.2f, 0.2f));
    return node(OpKind::FullyConnected, ins);
  }
  int bn(int x) {
    const Tensor& t = g.t(x);
    int64_t c = t.layout == Layout::NHWC ? t.shape.back() : t.shape[1];
    Attrs a;
    a.set("epsilon", 1e-3f);
    return node(OpKind::BatchNorm, {x, cst({c}, 0.5f, 1.5f), cst({c}, -0.5f, 0.5f), cst({c}, -0.3f, 0.3f), cst({c}, 0.2f, 2.0f)}, a);
  }
  int unary(OpKind op, int x) { return node(op, {x}); }
  int reshape(int x, Shape s) {
    Attrs a;
    a.set("shape", s);
    return node(OpKind::Reshape, {x}, a);
  }
  void output(int t) { g.outputs.push_back(t); }
};

inline std::vector<Array> random_inputs(const Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Array> r;
  for (int i : g.inputs) r.push_back(make_array(g.t(i).shape, randv(rng, g.t(i).numel(), -2.0f, 2.0f)));
  return r;
}

// Data for `after`'s inputs from data for `before`'s: 4-D inputs that went NCHW -> NHWC are
// transposed, matched by position.
inline std::vector<Array> adapt_inputs(const Graph& before, const Graph& after, const std::vector<Array>& in) {
  std::vector<Array> r;
  for (size_t k = 0; k < in.size(); ++k) {
    const Tensor &b = before.t(before.inputs[k]), &a = after.t(after.inputs[k]);
    if (b.shape.size() == 4 && b.layout != Layout::NHWC && a.layout == Layout::NHWC)
      r.push_back(make_array(a.shape, transpose4(values(in[k]), b.shape, {0, 2, 3, 1})));
    else
      r.push_back(in[k]);
  }
  return r;
}

// Outputs of `after` in the layout `before` produced them.
inline std::vector<float> adapt_output(const Graph& before, const Graph& after, size_t k, const Array& out) {
  const Tensor &b = before.t(before.outputs[k]), &a = after.t(after.outputs[k]);
  if (b.shape.size() == 4 && b.layout != Layout::NHWC && a.layout == Layout::NHWC)
    return transpose4(values(out), a.shape, {0, 3, 1, 2});
  return values(out);
}

// max |a - b| / max(max |a|, tiny).
inline double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double mx = 1e-12, d = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    mx = std::max(mx, double(std::fabs(a[i])));
    d = std::max(d, double(std::fabs(a[i] - b[i])));
  }
  return d / mx;
}

inline int count_op(const Graph& g, OpKind op) {
  return int(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.op == op; }));
}

// Runs `pass` through run_pass on a copy of g and checks the outputs stay within tol (relative to
// the largest output) on a few random inputs. Returns the transformed graph.
inline Graph check_pass(const Graph& g, const char* name, void (*pass)(Graph&), double tol = 1e-5) {
  verify(g, "test graph");
  Graph after = g;
  run_pass(after, name, pass);
  EXPECT_EQ(after.inputs.size(), g.inputs.size());
  EXPECT_EQ(after.outputs.size(), g.outputs.size());
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    std::vector<Array> in = random_inputs(g, seed);
    std::vector<Array> ref = run_float(g, in);
    std::vector<Array> got = run_float(after, adapt_inputs(g, after, in));
    for (size_t k = 0; k < ref.size(); ++k) {
      std::vector<float> r = values(ref[k]);
      double mx = 0;
      for (float v : r) mx = std::max(mx, double(std::fabs(v)));
      EXPECT_GT(mx, 0.0) << "output " << k << " is all zeros: the test would not see a difference";
      EXPECT_LE(rel_diff(r, adapt_output(g, after, k, got[k])), tol) << name << " output " << k << " seed " << seed;
    }
  }
  return after;
}

}  // namespace mote::test
