// Structured channel pruning on the IR: channels that must go together (tied by residual Adds,
// passed through BatchNorm, activations, pooling and depthwise convolutions) form one group;
// the least important channels of each group are removed from every layer that touches them:
// the filters (or FullyConnected rows) that make them, the depthwise filters and BatchNorm
// entries that carry them, and the inputs of the layers that read them.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/verify.h"
#include "train/train.h"

namespace mote::train {
namespace {

// How a node touches the channels of a group.
enum class Role {
  Source,        // Conv (group 1) / FullyConnected: makes them, weight rows and bias
  Depthwise,     // depthwise Conv: one filter per channel, in = out
  Norm,          // BatchNorm: one entry per channel in each parameter
  InConv,        // Conv (group 1) reading them: weight axis 1
  InFc,          // FullyConnected reading them (flattened: `inner` columns per channel)
  ConstOperand,  // a binary op's constant with a channel axis
  Flatten,       // a Reshape to [1, C * inner]
};

struct Member {
  Role role;
  int node;
  int input;      // ConstOperand: which input is the constant
  int64_t inner;  // InFc / Flatten: values per channel after flattening
};

class Channels {
 public:
  explicit Channels(const Graph& g) : g_(g), space_(g.tensors.size(), -1), inner_(g.tensors.size(), 1) {}

  void analyze() {
    for (size_t i = 0; i < g_.nodes.size(); ++i) node(int(i));
    for (int o : g_.outputs) fix(o);
  }

  // The groups that can be pruned: not tied to a graph output or an op that reads channels as
  // something else, with at least one layer that makes them.
  std::vector<std::vector<Member>> groups() {
    std::map<int, std::vector<Member>> by_root;
    for (const auto& [s, m] : members_) by_root[find(s)].push_back(m);
    std::vector<std::vector<Member>> r;
    for (auto& [root, ms] : by_root) {
      if (fixed_[size_t(root)]) continue;
      if (std::any_of(ms.begin(), ms.end(), [](const Member& m) { return m.role == Role::Source; })) r.push_back(std::move(ms));
    }
    return r;
  }

 private:
  int make() {
    parent_.push_back(int(parent_.size()));
    fixed_.push_back(false);
    return parent_.back();
  }
  int find(int s) {
    while (parent_[size_t(s)] != s) s = parent_[size_t(s)] = parent_[size_t(parent_[size_t(s)])];
    return s;
  }
  void unite(int a, int b) {
    a = find(a), b = find(b);
    if (a == b) return;
    parent_[size_t(b)] = a;
    fixed_[size_t(a)] = fixed_[size_t(a)] || fixed_[size_t(b)];
  }
  // Tensor `t`'s channels may not change.
  void fix(int t) {
    if (t >= 0 && space_[size_t(t)] >= 0) fixed_[size_t(find(space_[size_t(t)]))] = true;
  }
  bool activation(int t) const { return t >= 0 && !g_.t(t).is_const(); }
  // A value whose axis 1 holds channels: [1, C] or [1, C, H, W].
  bool channel_shaped(int t) const {
    const Shape& s = g_.t(t).shape;
    return (s.size() == 2 || s.size() == 4) && s[0] == 1;
  }
  void member(int t, Role r, int node, int input = -1) { members_.push_back({space_[size_t(t)], {r, node, input, inner_[size_t(t)]}}); }
  void pass(int from, int to) {
    space_[size_t(to)] = space_[size_t(from)];
    inner_[size_t(to)] = inner_[size_t(from)];
  }
  void source(int out, int node) {
    if (!channel_shaped(out)) return;
    space_[size_t(out)] = make();
    member(out, Role::Source, node);
  }
  bool has_space(int t) const { return space_[size_t(t)] >= 0; }

  void node(int i) {
    const Node& n = g_.nodes[size_t(i)];
    const int x = n.in(0), out = n.out();
    if (op_has(n.op, Activation) || n.op == OpKind::Identity || n.op == OpKind::MaxPool || n.op == OpKind::AvgPool ||
        n.op == OpKind::Resize || n.op == OpKind::Quantize || n.op == OpKind::Dequantize) {
      pass(x, out);
      return;
    }
    if (op_has(n.op, Binary)) {
      const int y = n.in(1);
      if (activation(x) && activation(y)) {
        if (g_.t(x).shape != g_.t(y).shape || !has_space(x) || !has_space(y) || inner_[size_t(x)] != inner_[size_t(y)]) {
          fix(x), fix(y);
          return;
        }
        unite(space_[size_t(x)], space_[size_t(y)]);  // a residual Add ties the channels of both
        pass(x, out);
        return;
      }
      const int act = activation(x) ? x : y, k = activation(x) ? 1 : 0;
      pass(act, out);
      if (!has_space(act)) return;
      // A constant with more than one value along the channel axis is sliced with it.
      const Shape& cs = g_.t(n.in(size_t(k))).shape;
      const int64_t axis = int64_t(cs.size()) - int64_t(g_.t(act).shape.size()) + 1;
      if (axis >= 0 && cs[size_t(axis)] > 1) {
        if (inner_[size_t(act)] != 1) fix(act);
        else member(act, Role::ConstOperand, i, k);
      }
      return;
    }
    switch (n.op) {
      case OpKind::Conv: {
        const int64_t group = n.attrs.i("group", 1), cin = g_.t(x).shape[1], cout = g_.t(n.in(1)).shape[0];
        if (group == 1) {
          if (has_space(x) && inner_[size_t(x)] == 1) member(x, Role::InConv, i);
          source(out, i);
        } else if (group == cin && cout == cin && has_space(x) && inner_[size_t(x)] == 1) {
          pass(x, out);
          member(x, Role::Depthwise, i);
        } else {
          fix(x);  // grouped: removing a channel would break its group
        }
        return;
      }
      case OpKind::FullyConnected:
        if (has_space(x) && g_.t(x).shape.size() == 2) member(x, Role::InFc, i);
        else fix(x);
        source(out, i);
        return;
      case OpKind::BatchNorm:
        pass(x, out);
        if (has_space(x)) member(x, Role::Norm, i);
        return;
      case OpKind::Pad: {
        const auto p = n.attrs.ints("pads");
        const size_t r = g_.t(x).shape.size();
        if (r >= 2 && p[1] == 0 && p[1 + r] == 0 && p[0] == 0 && p[r] == 0) pass(x, out);
        else fix(x);
        return;
      }
      case OpKind::ReduceMean:
      case OpKind::ReduceSum:
      case OpKind::ReduceMax: {
        const auto axes = n.attrs.ints("axes");
        if (std::count(axes.begin(), axes.end(), 0) || std::count(axes.begin(), axes.end(), 1) || inner_[size_t(x)] != 1) fix(x);
        else pass(x, out);
        return;
      }
      case OpKind::Reshape: {
        // Flattening [1, C, ...] to [1, C * rest] keeps channel c in one run of columns.
        const Shape &in = g_.t(x).shape, &o = g_.t(out).shape;
        if (has_space(x) && o.size() == 2 && o[0] == 1 && in.size() >= 2 && in[0] == 1) {
          pass(x, out);
          inner_[size_t(out)] = numel(in) / (in[1] / inner_[size_t(x)]);
          member(out, Role::Flatten, i);
        } else {
          fix(x);
        }
        return;
      }
      default:
        for (int t : n.inputs)
          if (t >= 0) fix(t);
    }
  }

  const Graph& g_;
  std::vector<int> parent_;
  std::vector<bool> fixed_;
  std::vector<int> space_;      // tensor -> channel space (-1: none)
  std::vector<int64_t> inner_;  // tensor -> values per channel along axis 1
  std::vector<std::pair<int, Member>> members_;
};

// Rows of weight `w` (axis 0) by L1 norm, relative to their mean: comparable across layers.
std::vector<double> row_norms(const Tensor& w) {
  const int64_t rows = w.shape[0], per = w.numel() / rows;
  std::vector<double> r(static_cast<size_t>(rows), 0.0);
  for (int64_t o = 0; o < rows; ++o)
    for (int64_t k = 0; k < per; ++k) r[size_t(o)] += std::fabs(w.as<float>()[o * per + k]);
  const double mean = std::accumulate(r.begin(), r.end(), 0.0) / double(rows);
  for (double& v : r) v = mean > 0 ? v / mean : 0;
  return r;
}

// A copy of constant `t` keeping, along `axis`, the runs [c * inner, (c + 1) * inner) of the
// channels in `keep`.
std::vector<float> slice(const Tensor& t, size_t axis, const std::vector<int64_t>& keep, int64_t inner, Shape* shape) {
  const Shape& s = t.shape;
  int64_t outer = 1, rest = 1;
  for (size_t d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) rest *= s[d];
  const int64_t along = s[axis];
  std::vector<float> v;
  v.reserve(size_t(outer) * keep.size() * size_t(inner * rest));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c : keep)
      for (int64_t j = 0; j < inner; ++j) {
        const float* src = t.as<float>() + (o * along + c * inner + j) * rest;
        v.insert(v.end(), src, src + rest);
      }
  *shape = s;
  (*shape)[axis] = int64_t(keep.size()) * inner;
  return v;
}

// The weight of each channel that layer `n` (a source or a depthwise conv) writes: its filters'
// L1 norms relative to their mean, times the |gamma| / sqrt(var + eps) of a BatchNorm right after.
std::vector<double> channel_weights(const Graph& g, const Node& n) {
  std::vector<double> r = row_norms(g.t(n.in(1)));
  const std::vector<int> users = g.consumers(n.out());
  if (users.size() == 1 && g.nodes[size_t(users[0])].op == OpKind::BatchNorm) {
    const Node& bn = g.nodes[size_t(users[0])];
    const float eps = bn.attrs.f("epsilon", 1e-5f);
    for (size_t c = 0; c < r.size(); ++c)
      r[c] *= std::fabs(g.t(bn.in(1)).as<float>()[c]) / std::sqrt(double(g.t(bn.in(4)).as<float>()[c]) + eps);
  }
  return r;
}

}  // namespace

Graph prune_channels(const Graph& g, double fraction, ChannelReport* report, int64_t multiple) {
  if (multiple < 1) fail("prune: channel multiple {}, expected at least 1", multiple);
  if (!(fraction >= 0 && fraction < 1)) fail("--sparsity must be in [0, 1), got {}", fraction);
  Channels ch(g);
  ch.analyze();
  Graph h = g;
  ChannelReport rep;
  for (const Node& n : g.nodes) rep.macs_before += mac_count(g, n);
  // Input `k` of node `node` replaced by its slice (a new constant: weights may be shared).
  auto cut = [&](int node, size_t k, size_t axis, const std::vector<int64_t>& keep, int64_t inner) {
    Node& n = h.nodes[size_t(node)];
    if (n.in(k) < 0) return;
    const Tensor& t = h.t(n.in(k));
    if (t.dtype != DType::F32) fail("prune: node '{}' ({}): constant '{}' is not float", n.name, op_name(n.op), t.name);
    Shape shape;
    const std::vector<float> v = slice(t, axis, keep, inner, &shape);
    n.inputs[k] = h.add_const_f32(h.unique_name(t.name + "/pruned"), shape, v);
  };
  for (const std::vector<Member>& group : ch.groups()) {
    ChannelGroup info;
    std::vector<double> score;
    for (const Member& m : group) {
      if (m.role != Role::Source) continue;
      const Node& n = g.nodes[size_t(m.node)];
      info.sources.push_back(n.name);
      const std::vector<double> r = channel_weights(g, n);
      if (score.empty()) score.assign(r.size(), 0.0);
      if (r.size() != score.size()) fail("prune: layers tied to '{}' have {} and {} channels", info.sources[0], score.size(), r.size());
      for (size_t c = 0; c < r.size(); ++c) score[c] += r[c];
    }
    // A depthwise conv (and its BatchNorm) scales each channel again before the next layer reads it.
    for (const Member& m : group)
      if (m.role == Role::Depthwise) {
        const std::vector<double> r = channel_weights(g, g.nodes[size_t(m.node)]);
        for (size_t c = 0; c < r.size() && c < score.size(); ++c) score[c] *= r[c];
      }
    const int64_t channels = int64_t(score.size());
    int64_t kept = std::max<int64_t>(1, int64_t(std::llround(double(channels) * (1.0 - fraction))));
    kept = std::min(channels, (kept + multiple - 1) / multiple * multiple);
    std::vector<int64_t> keep(static_cast<size_t>(channels));
    std::iota(keep.begin(), keep.end(), 0);
    std::stable_sort(keep.begin(), keep.end(), [&](int64_t a, int64_t b) { return score[size_t(a)] > score[size_t(b)]; });
    keep.resize(size_t(kept));
    std::sort(keep.begin(), keep.end());
    info.channels = channels;
    info.kept = kept;
    rep.groups.push_back(info);
    if (kept == channels) continue;
    for (const Member& m : group) {
      Node& n = h.nodes[size_t(m.node)];
      switch (m.role) {
        case Role::Source:
          cut(m.node, 1, 0, keep, 1);
          cut(m.node, 2, 0, keep, 1);
          break;
        case Role::Depthwise:
          cut(m.node, 1, 0, keep, 1);
          cut(m.node, 2, 0, keep, 1);
          n.attrs.set("group", kept);
          break;
        case Role::Norm:
          for (size_t k = 1; k <= 4; ++k) cut(m.node, k, 0, keep, 1);
          break;
        case Role::InConv: cut(m.node, 1, 1, keep, 1); break;
        case Role::InFc: cut(m.node, 1, 1, keep, m.inner); break;
        case Role::ConstOperand: {
          const size_t rank = h.t(n.out()).shape.size(), crank = h.t(n.in(size_t(m.input))).shape.size();
          cut(m.node, size_t(m.input), crank + 1 - rank, keep, 1);
          break;
        }
        case Role::Flatten: n.attrs.set("shape", Shape{1, kept * m.inner}); break;
      }
    }
  }
  infer_shapes(h);
  h.prune();
  verify(h, "prune_channels");
  for (const Node& n : h.nodes) rep.macs_after += mac_count(h, n);
  if (report) *report = rep;
  return h;
}

}  // namespace mote::train
