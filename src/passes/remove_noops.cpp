// remove_noops: drops nodes that copy their input unchanged (Identity, Reshape to the same shape,
// Transpose by the identity perm, Pad by zeros, one-input Concat) and collapses Reshape chains.
#include <algorithm>

#include "passes/passes.h"

namespace mote {
namespace {

bool is_noop(const Graph& g, const Node& n) {
  switch (n.op) {
    case OpKind::Identity:
      return true;
    case OpKind::Reshape:
      return g.t(n.in(0)).shape == g.t(n.out()).shape;
    case OpKind::Transpose: {
      auto perm = n.attrs.ints("perm");
      for (size_t i = 0; i < perm.size(); ++i)
        if (perm[i] != int64_t(i)) return false;
      return true;
    }
    case OpKind::Pad: {
      auto p = n.attrs.ints("pads");
      return std::all_of(p.begin(), p.end(), [](int64_t v) { return v == 0; });
    }
    case OpKind::Concat:
      return n.inputs.size() == 1;
    default:
      return false;
  }
}

}  // namespace

void remove_noops(Graph& g) {
  std::vector<bool> dead(g.nodes.size(), false);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    Node& n = g.nodes[k];
    // Reshape(Reshape(x)) reads x directly; the inner one dies if nobody else reads it.
    if (n.op == OpKind::Reshape) {
      int p = g.producer(n.in(0));
      while (p >= 0 && g.nodes[size_t(p)].op == OpKind::Reshape) {
        n.inputs[0] = g.nodes[size_t(p)].in(0);
        p = g.producer(n.in(0));
      }
    }
    if (!is_noop(g, n)) continue;
    int in = n.in(0), out = n.out();
    // A graph output must stay a distinct, produced tensor that keeps its name.
    if (g.is_graph_output(out) && (g.producer(in) < 0 || g.is_graph_output(in))) continue;
    g.replace_uses(out, in);
    dead[k] = true;
  }
  g.remove_nodes(dead);
}

}  // namespace mote
