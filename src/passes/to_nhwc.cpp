// to_nhwc: every 4-D NCHW activation is stored NHWC. Each tensor keeps its logical
// (ONNX, NCHW) meaning; nodes are rewritten to compute the same logical values on the new storage:
// Conv weights OIHW -> OHWI, axis attributes remapped, broadcast constants permuted. Where an op
// depends on element order (Reshape, or anything without a layout-aware rewrite), a Transpose to
// logical order goes before it and one back to NHWC after it. Flattens feeding FullyConnected and
// unflattens fed by FullyConnected (or 1x1 Conv) permute their weights instead, so no Transpose is left.
#include <algorithm>
#include <map>
#include <numeric>

#include "ir/op_registry.h"
#include "passes/passes.h"

namespace mote {
namespace {

using Perm = std::vector<int64_t>;
// Storage dim j of a converted tensor holds logical dim kToNhwc[j].
const Perm kToNhwc = {0, 2, 3, 1};
const Perm kToNchw = {0, 3, 1, 2};

Shape permuted(const Shape& s, const Perm& p) {
  Shape r(p.size());
  for (size_t i = 0; i < p.size(); ++i) r[i] = s[size_t(p[i])];
  return r;
}

Perm inverse(const Perm& p) {
  Perm r(p.size());
  for (size_t i = 0; i < p.size(); ++i) r[size_t(p[i])] = int64_t(i);
  return r;
}

// True when transposing `s` by `p` keeps the row-major element order (only size-1 dims move).
bool order_kept(const Shape& s, const Perm& p) {
  int64_t last = -1;
  for (int64_t d : p) {
    if (s[size_t(d)] == 1) continue;
    if (d < last) return false;
    last = d;
  }
  return true;
}

// Row-major bytes of `t` (viewed with shape `s`) transposed by `p`.
std::vector<uint8_t> permute_bytes(const Tensor& t, const Shape& s, const Perm& p) {
  size_t es = dtype_size(t.dtype), r = s.size();
  std::vector<int64_t> st(r, 1);
  for (size_t i = r; i-- > 1;) st[i - 1] = st[i] * s[i];
  Shape out = permuted(s, p);
  std::vector<uint8_t> res(t.data.size());
  std::vector<int64_t> idx(r, 0);
  int64_t n = numel(out);
  for (int64_t k = 0; k < n; ++k) {
    int64_t src = 0;
    for (size_t i = 0; i < r; ++i) src += idx[i] * st[size_t(p[i])];
    std::memcpy(&res[size_t(k) * es], &t.data[size_t(src) * es], es);
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return res;
}

// FC weight [M, C*H*W] whose columns follow logical (c,h,w) order -> columns in (h,w,c) order;
// with `rows`, the same for the rows of a [C*H*W, K] weight or [C*H*W] bias.
std::vector<float> chw_to_hwc(const std::vector<float>& v, int64_t c, int64_t h, int64_t w, bool rows) {
  int64_t k = c * h * w, other = int64_t(v.size()) / k;
  std::vector<float> r(v.size());
  for (int64_t o = 0; o < other; ++o)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          int64_t lg = (ci * h + y) * w + x, ph = (y * w + x) * c + ci;
          if (rows) r[size_t(ph * other + o)] = v[size_t(lg * other + o)];
          else r[size_t(o * k + ph)] = v[size_t(o * k + lg)];
        }
  return r;
}

// One input, element by element: the layout does not matter.
bool elementwise_unary(OpKind op) { return op_has(op, Elementwise) && !op_has(op, Binary); }

bool const_f32(const Graph& g, int t) { return t >= 0 && g.t(t).is_const() && g.t(t).dtype == DType::F32; }

struct Rewriter {
  Graph& g;
  std::vector<Shape> logical;  // every original tensor's shape before the pass
  std::vector<bool> conv;      // original tensor now stored NHWC
  std::vector<Node> out;       // the rewritten node list
  std::map<int, int> ohwi, bcast, logical_copy;  // caches: original id -> new id

  bool C(int t) const { return t >= 0 && size_t(t) < conv.size() && conv[size_t(t)]; }

  void emit(OpKind op, const std::string& name, int in, int o, Attrs a) {
    Node n;
    n.op = op;
    n.name = name;
    n.inputs = {in};
    n.outputs = {o};
    n.attrs = std::move(a);
    out.push_back(std::move(n));
  }

  // Moves `src` to `dst`, whose shape is `src`'s transposed by `p`: a Reshape when the element
  // order stays the same, else a Transpose.
  void emit_perm(int src, int dst, const Perm& p, const std::string& name) {
    Attrs a;
    if (order_kept(g.t(src).shape, p)) {
      a.set("shape", g.t(dst).shape);
      emit(OpKind::Reshape, name, src, dst, a);
    } else {
      a.set("perm", p);
      emit(OpKind::Transpose, name, src, dst, a);
    }
  }

  // A new 4-D tensor in logical NCHW order. Only order-only ops (Transpose, Reshape,
  // FullyConnected) read it, so it carries no layout and a second to_nhwc leaves it alone.
  int new_logical(int like, const Shape& s, const std::string& suffix) {
    const Tensor& t = g.t(like);
    return g.add_value(g.unique_name(t.name + suffix), t.dtype, s, Layout::Any);
  }

  // The values of converted tensor `t` in logical order (one conversion shared by all readers).
  int logical_of(int t) {
    auto it = logical_copy.find(t);
    if (it != logical_copy.end()) return it->second;
    int l = new_logical(t, logical[size_t(t)], "_nchw");
    emit_perm(t, l, kToNchw, g.t(t).name + "/to_nchw");
    logical_copy[t] = l;
    return l;
  }

  // Node writes logical-order `tmp`, then `tmp` moves into converted `dst`.
  int output_via_logical(Node& n) {
    int dst = n.out();
    int tmp = new_logical(dst, logical[size_t(dst)], "_nchw");
    n.outputs[0] = tmp;
    return tmp;
  }
  void finish_via_logical(int tmp, int dst, const std::string& name) { emit_perm(tmp, dst, kToNhwc, name + "/to_nhwc"); }

  // Rewrites inputs and output of a node that only works in logical order.
  void generic(Node n) {
    for (int& i : n.inputs)
      if (C(i)) i = logical_of(i);
    if (!C(n.out())) {
      out.push_back(std::move(n));
      return;
    }
    int dst = n.out(), tmp = output_via_logical(n);
    std::string name = n.name;
    out.push_back(std::move(n));
    finish_via_logical(tmp, dst, name);
  }

  // A 4-D constant permuted like a converted activation (Conv weights: OIHW -> OHWI).
  int nhwc_const(int w) {
    auto it = ohwi.find(w);
    if (it != ohwi.end()) return it->second;
    Tensor t = g.t(w);
    t.data = permute_bytes(t, t.shape, kToNhwc);
    t.shape = permuted(t.shape, kToNhwc);
    t.name = g.unique_name(t.name + "_nhwc");
    int id = g.add_tensor(std::move(t));
    ohwi[w] = id;
    return id;
  }

  // A constant broadcast against a converted 4-D tensor: aligned to rank 4, permuted to NHWC,
  // leading 1s dropped.
  int bcast_const(int c) {
    auto it = bcast.find(c);
    if (it != bcast.end()) return it->second;
    Tensor t = g.t(c);
    Shape s4(4 - t.shape.size(), 1);
    s4.insert(s4.end(), t.shape.begin(), t.shape.end());
    t.data = permute_bytes(t, s4, kToNhwc);
    Shape ps = permuted(s4, kToNhwc);
    size_t lead = 0;
    while (lead + 1 < ps.size() && ps[lead] == 1) ++lead;
    t.shape.assign(ps.begin() + long(lead), ps.end());
    t.layout = Layout::Any;
    t.name = g.unique_name(t.name + "_nhwc");
    int id = g.add_tensor(std::move(t));
    bcast[c] = id;
    return id;
  }

  // A lower-rank activation broadcast against a converted 4-D tensor, as a 4-D NHWC tensor.
  int bcast_value(int v, const std::string& name) {
    const Tensor& t = g.t(v);
    Shape s4(4 - t.shape.size(), 1);
    s4.insert(s4.end(), t.shape.begin(), t.shape.end());
    int l = new_logical(v, s4, "_4d");
    Attrs a;
    a.set("shape", s4);
    emit(OpKind::Reshape, name + "/to_4d", v, l, a);
    int p = g.add_value(g.unique_name(g.t(v).name + "_nhwc"), g.t(v).dtype, permuted(s4, kToNhwc), Layout::NHWC);
    emit_perm(l, p, kToNhwc, name + "/to_nhwc");
    return p;
  }

  void binary(Node n) {
    if (C(n.out()))
      for (int& i : n.inputs) {
        if (C(i) || g.t(i).layout == Layout::NHWC) continue;
        if (g.t(i).is_const()) i = bcast_const(i);
        else i = bcast_value(i, n.name + "_in");
      }
    out.push_back(std::move(n));
  }

  void reduce_mean(Node n) {
    if (!C(n.in(0))) return out.push_back(std::move(n));
    Perm inv = inverse(kToNhwc);
    auto axes = n.attrs.ints("axes");
    Perm na;
    for (int64_t a : axes) na.push_back(inv[size_t(a)]);
    std::sort(na.begin(), na.end());
    n.attrs.set("axes", na);
    if (C(n.out())) return out.push_back(std::move(n));
    // Without keepdims the kept dims come out in storage order; put them back in logical order.
    Perm kept;
    for (int64_t a : kToNhwc)
      if (std::find(axes.begin(), axes.end(), a) == axes.end()) kept.push_back(a);
    Perm sorted = kept;
    std::sort(sorted.begin(), sorted.end());
    if (kept == sorted) return out.push_back(std::move(n));
    Perm p;
    for (int64_t a : sorted) p.push_back(std::find(kept.begin(), kept.end(), a) - kept.begin());
    int dst = n.out();
    const Tensor& d = g.t(dst);
    int tmp = g.add_value(g.unique_name(d.name + "_nhwc_order"), d.dtype, permuted(d.shape, inverse(p)), Layout::Any);
    n.outputs[0] = tmp;
    std::string name = n.name;
    out.push_back(std::move(n));
    emit_perm(tmp, dst, p, name + "/reorder");
  }

  // Flatten [N,C,H,W] -> [N,C*H*W] read only by FullyConnected nodes with constant weights:
  // permute those weights' columns to (h,w,c) order.
  bool flatten_into_fc(int x, int y) {
    const Shape &li = logical[size_t(x)], &lo = logical[size_t(y)];
    if (lo.size() != 2 || lo[0] != li[0] || g.is_graph_output(y)) return false;
    std::vector<int> cons = g.consumers(y);
    if (cons.empty()) return false;
    for (int c : cons) {
      const Node& fc = g.nodes[size_t(c)];
      if (fc.op != OpKind::FullyConnected || fc.in(0) != y || fc.in(1) == y || fc.in(2) == y || !const_f32(g, fc.in(1))) return false;
    }
    for (int c : cons) {
      Node& fc = g.nodes[size_t(c)];
      const Tensor& w = g.t(fc.in(1));
      Shape ws = w.shape;
      std::string nm = g.unique_name(w.name + "_hwc");
      std::vector<float> v = chw_to_hwc(w.values<float>(), li[1], li[2], li[3], false);
      fc.inputs[1] = g.add_const_f32(nm, ws, v);
    }
    return true;
  }

  // Unflatten [N,C*H*W] (or [N,C*H*W,1,1]) -> [N,C,H,W] of values computed by a
  // FullyConnected or a Conv with 1x1 output, with constant weights, through elementwise
  // activations only: permute that node's output channels to (h,w,c) order.
  bool producer_into_unflatten(int x, int y) {
    const Shape &li = logical[size_t(x)], &lo = logical[size_t(y)];
    if (li.size() < 2 || li[0] != lo[0] || li[0] * li[1] != numel(li)) return false;
    int t = x;
    for (;;) {
      if (g.consumers(t).size() != 1 || g.is_graph_output(t)) return false;
      auto it = std::find_if(out.begin(), out.end(), [&](const Node& m) { return m.out() == t; });
      if (it == out.end()) return false;
      if (elementwise_unary(it->op)) {
        t = it->in(0);
        continue;
      }
      Node& p = *it;
      const Shape& ps = g.t(t).shape;
      bool fc = p.op == OpKind::FullyConnected && ps.size() == 2;
      bool conv1 = p.op == OpKind::Conv && C(t) && ps[1] == 1 && ps[2] == 1;
      if (!(fc || conv1) || !const_f32(g, p.in(1)) || (p.in(2) >= 0 && !const_f32(g, p.in(2)))) return false;
      const Tensor& w = g.t(p.in(1));
      Shape ws = w.shape;
      std::string wn = g.unique_name(w.name + "_hwc");
      std::vector<float> wv = chw_to_hwc(w.values<float>(), lo[1], lo[2], lo[3], true);
      std::vector<float> bv;
      std::string bn;
      if (p.in(2) >= 0) {
        bn = g.unique_name(g.t(p.in(2)).name + "_hwc");
        bv = chw_to_hwc(g.t(p.in(2)).values<float>(), lo[1], lo[2], lo[3], true);
      }
      p.inputs[1] = g.add_const_f32(wn, ws, wv);
      if (!bn.empty()) p.inputs[2] = g.add_const_f32(bn, {ws[0]}, bv);
      return true;
    }
  }

  void reshape(Node n) {
    int x = n.in(0), y = n.out();
    if (!C(x) && !C(y)) return out.push_back(std::move(n));
    bool direct_in = !C(x) || order_kept(logical[size_t(x)], kToNhwc) || flatten_into_fc(x, y);
    if (!direct_in) n.inputs[0] = logical_of(x);
    if (!C(y)) return out.push_back(std::move(n));
    // li[0] * li[1] == numel(li) in producer_into_unflatten also means the input is read directly.
    bool direct_out = order_kept(logical[size_t(y)], kToNhwc) || producer_into_unflatten(x, y);
    if (direct_out) {
      n.attrs.set("shape", g.t(y).shape);
      return out.push_back(std::move(n));
    }
    int tmp = output_via_logical(n);
    std::string name = n.name;
    out.push_back(std::move(n));
    finish_via_logical(tmp, y, name);
  }

  void rewrite(Node n) {
    int x = n.in(0);
    Perm inv = inverse(kToNhwc);
    switch (n.op) {
      case OpKind::Conv:
        if (C(x) && g.t(n.in(1)).is_const()) n.inputs[1] = nhwc_const(n.in(1));
        // A computed 4-D NCHW weight is converted like an activation: OIHW becomes OHWI.
        else if (C(x) && !C(n.in(1))) fail("to_nhwc: Conv '{}' has a computed weight '{}' that is not NCHW", n.name, g.t(n.in(1)).name);
        break;
      case OpKind::TransposeConv:  // weights OIHW -> OHWI like Conv; its attrs are layout-free
        if (C(x) && g.t(n.in(1)).is_const()) n.inputs[1] = nhwc_const(n.in(1));
        else if (C(x)) fail("to_nhwc: TransposeConv '{}' has a computed weight '{}'", n.name, g.t(n.in(1)).name);
        break;
      case OpKind::Resize:
      case OpKind::MaxPool:
      case OpKind::AvgPool:
      case OpKind::BatchNorm:
        break;
      case OpKind::Add:
      case OpKind::Sub:
      case OpKind::Mul:
      case OpKind::Div:
      case OpKind::Max:
      case OpKind::Min:
      case OpKind::Pow:
      case OpKind::SquaredDifference:
      case OpKind::PRelu:
        return binary(std::move(n));
      case OpKind::Softmax:
      case OpKind::LogSoftmax:
        if (C(x)) n.attrs.set("axis", inv[size_t(n.attrs.i("axis", 3))]);
        break;
      case OpKind::Concat:
        if (!C(n.out())) break;
        n.attrs.set("axis", inv[size_t(n.attrs.i("axis", 0))]);
        for (int& i : n.inputs)
          if (!C(i) && g.t(i).is_const()) i = nhwc_const(i);
        break;
      case OpKind::Pad:
        if (C(x)) {
          auto p = n.attrs.ints("pads");
          Perm np(8);
          for (size_t j = 0; j < 4; ++j) {
            np[j] = p[size_t(kToNhwc[j])];
            np[j + 4] = p[size_t(kToNhwc[j]) + 4];
          }
          n.attrs.set("pads", np);
        }
        break;
      case OpKind::Transpose:
        if (C(x) || C(n.out())) {
          Perm p = n.attrs.ints("perm"), np(p.size());
          for (size_t j = 0; j < p.size(); ++j) {
            int64_t lj = C(n.out()) ? kToNhwc[j] : int64_t(j);
            int64_t la = p[size_t(lj)];
            np[j] = C(x) ? inv[size_t(la)] : la;
          }
          n.attrs.set("perm", np);
        }
        break;
      case OpKind::ReduceMean:
      case OpKind::ReduceMax:
      case OpKind::ReduceSum:
        return reduce_mean(std::move(n));
      case OpKind::Reshape:
        return reshape(std::move(n));
      default:
        if (elementwise_unary(n.op)) break;
        return generic(std::move(n));
    }
    out.push_back(std::move(n));
  }
};

}  // namespace

void to_nhwc(Graph& g) {
  Rewriter r{g, {}, {}, {}, {}, {}, {}};
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    Tensor& t = g.tensors[i];
    r.logical.push_back(t.shape);
    bool c = !t.is_const() && t.shape.size() == 4 && t.layout == Layout::NCHW;
    r.conv.push_back(c);
    if (c) {
      t.shape = permuted(t.shape, kToNhwc);
      t.layout = Layout::NHWC;
    }
  }
  for (size_t k = 0; k < g.nodes.size(); ++k) r.rewrite(g.nodes[k]);
  g.nodes = std::move(r.out);
  g.prune();
}

}  // namespace mote
