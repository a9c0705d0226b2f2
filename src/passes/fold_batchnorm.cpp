// fold_batchnorm: y = (x - mean) / sqrt(var + eps) * scale + bias is the affine map y = s*x + t
// per channel. After a Conv or FullyConnected that only feeds it, s scales the producer's weights
// per output channel and t joins its bias; anywhere else it becomes Mul(s) then Add(t).
#include <cmath>

#include "passes/passes.h"

namespace mote {
namespace {

bool has_act(const Node& n) {
  return n.attrs.f("act_min", kNoMin) != kNoMin || n.attrs.f("act_max", kNoMax) != kNoMax;
}

// Whether BatchNorm `bn` (channel axis `axis` of its input) can fold into the node producing it.
bool foldable(const Graph& g, const Node& bn, size_t axis, int p) {
  if (p < 0) return false;
  const Node& prod = g.nodes[size_t(p)];
  int x = bn.in(0);
  if (prod.op != OpKind::Conv && prod.op != OpKind::FullyConnected) return false;
  if (g.consumers(x).size() != 1 || g.is_graph_output(x) || has_act(prod)) return false;
  if (!g.t(prod.in(1)).is_const() || g.t(prod.in(1)).dtype != DType::F32) return false;
  if (prod.in(2) >= 0 && (!g.t(prod.in(2)).is_const() || g.t(prod.in(2)).dtype != DType::F32)) return false;
  // FullyConnected's output channels are its last axis.
  return prod.op == OpKind::Conv || axis + 1 == g.t(x).shape.size();
}

size_t channel_axis(const Tensor& x) { return x.layout == Layout::NHWC ? x.shape.size() - 1 : 1; }

}  // namespace

int batchnorm_fold_target(const Graph& g, const Node& bn) {
  const int p = g.producer(bn.in(0));
  return g.t(bn.in(0)).shape.size() >= 2 && foldable(g, bn, channel_axis(g.t(bn.in(0))), p) ? p : -1;
}

void fold_batchnorm(Graph& g) {
  std::vector<bool> dead(g.nodes.size(), false);
  std::vector<std::pair<size_t, std::vector<Node>>> replace;  // BatchNorm index -> Mul, Add
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    if (g.nodes[k].op != OpKind::BatchNorm) continue;
    const Node bn = g.nodes[k];
    bool params_const = true;
    for (size_t j = 1; j <= 4; ++j) params_const = params_const && g.t(bn.in(j)).is_const() && g.t(bn.in(j)).dtype == DType::F32;
    if (!params_const) continue;
    const Tensor& x = g.t(bn.in(0));
    if (x.shape.size() < 2) fail("fold_batchnorm: node '{}' input '{}' has no channel axis", bn.name, x.name);
    size_t axis = channel_axis(x);
    int64_t c = x.shape[axis];
    std::vector<float> sc = g.t(bn.in(1)).values<float>(), bi = g.t(bn.in(2)).values<float>(),
                       mu = g.t(bn.in(3)).values<float>(), var = g.t(bn.in(4)).values<float>();
    if (int64_t(sc.size()) != c || int64_t(bi.size()) != c || int64_t(mu.size()) != c || int64_t(var.size()) != c)
      fail("fold_batchnorm: node '{}' parameters do not have {} channels", bn.name, c);
    double eps = bn.attrs.f("epsilon", 1e-5f);
    std::vector<double> s(static_cast<size_t>(c)), t(static_cast<size_t>(c));
    for (size_t i = 0; i < size_t(c); ++i) {
      s[i] = double(sc[i]) / std::sqrt(double(var[i]) + eps);
      t[i] = double(bi[i]) - double(mu[i]) * s[i];
    }

    int p = g.producer(bn.in(0));
    if (foldable(g, bn, axis, p)) {
      Node& prod = g.nodes[size_t(p)];
      const Tensor& w = g.t(prod.in(1));
      if (w.shape[0] != c) fail("fold_batchnorm: node '{}' has {} channels but '{}' has {} outputs", bn.name, c, prod.name, w.shape[0]);
      std::vector<float> wv = w.values<float>();
      int64_t per = w.numel() / c;
      for (int64_t o = 0; o < c; ++o)
        for (int64_t j = 0; j < per; ++j) wv[size_t(o * per + j)] = float(double(wv[size_t(o * per + j)]) * s[size_t(o)]);
      std::vector<float> bv(size_t(c), 0.0f);
      if (prod.in(2) >= 0) bv = g.t(prod.in(2)).values<float>();
      for (size_t o = 0; o < size_t(c); ++o) bv[o] = float(double(bv[o]) * s[o] + t[o]);
      Shape wshape = w.shape;
      std::string wname = g.unique_name(w.name + "_bnfold");
      int wid = g.add_const_f32(wname, wshape, wv);
      int bid = g.add_const_f32(g.unique_name(prod.name + "_bias_bnfold"), {c}, bv);
      prod.inputs.resize(3, -1);
      prod.inputs[1] = wid;
      prod.inputs[2] = bid;
      prod.outputs[0] = bn.out();
      dead[k] = true;
      continue;
    }

    // Constants shaped [C, 1, ...] so they broadcast along the channel axis.
    Shape cshape{c};
    for (size_t i = axis + 1; i < x.shape.size(); ++i) cshape.push_back(1);
    std::vector<float> sf(s.begin(), s.end()), tf(t.begin(), t.end());
    int sid = g.add_const_f32(g.unique_name(bn.name + "_scale"), cshape, sf);
    int tid = g.add_const_f32(g.unique_name(bn.name + "_shift"), cshape, tf);
    const Tensor& xin = g.t(bn.in(0));
    int mid = g.add_value(g.unique_name(bn.name + "_scaled"), xin.dtype, xin.shape, xin.layout);
    Node mul, add;
    mul.op = OpKind::Mul;
    mul.name = bn.name + "_mul";
    mul.inputs = {bn.in(0), sid};
    mul.outputs = {mid};
    add.op = OpKind::Add;
    add.name = bn.name + "_add";
    add.inputs = {mid, tid};
    add.outputs = {bn.out()};
    replace.push_back({k, {mul, add}});
    dead[k] = true;
  }
  std::vector<Node> out;
  size_t r = 0;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    if (r < replace.size() && replace[r].first == k) {
      for (Node& n : replace[r].second) out.push_back(std::move(n));
      ++r;
    }
    if (!dead[k]) out.push_back(std::move(g.nodes[k]));
  }
  g.nodes = std::move(out);
  g.prune();
}

}  // namespace mote
