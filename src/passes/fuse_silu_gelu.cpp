// fuse_silu_gelu: x * Sigmoid(x) becomes one Silu node, and the exact GELU as PyTorch exports it
// (Div by sqrt 2 -- a Mul by its reciprocal after import --, Erf, Add 1, Mul by x, Mul by 0.5)
// one Gelu node. In int8 each is then one 256-entry table of the formula (the unfused chain
// rounds at every step), in float one pass over the data. Float graphs only: an int8 model's
// ops are TFLM's, and fusing them would change its bytes.
#include <cmath>

#include "ir/op_registry.h"
#include "passes/passes.h"

namespace mote {
namespace {

// The producer of `t` when that node alone reads it and it is not a graph output; else -1.
int sole_producer(const Graph& g, int t) {
  const int p = g.producer(t);
  if (p < 0 || g.consumers(t).size() != 1 || g.is_graph_output(t)) return -1;
  return p;
}

// Node n is `op` with one activation input and one constant float scalar (as the second input
// when `scalar_second`); sets them.
bool with_scalar(const Graph& g, const Node& n, OpKind op, bool scalar_second, int* act, double* c) {
  if (n.op != op) return false;
  for (size_t side = scalar_second ? 1 : 0; side < 2; ++side) {
    const Tensor& k = g.t(n.in(side));
    if (!k.is_const() || k.dtype != DType::F32 || k.numel() != 1) continue;
    *act = n.in(1 - side);
    *c = k.as<float>()[0];
    return !g.t(*act).is_const();
  }
  return false;
}

bool near(double v, double want) { return std::fabs(v - want) <= 1e-6 * std::fabs(want); }

// Mul(x, Sigmoid(x)), either order: the x it gates, else -1.
int silu_input(const Graph& g, const Node& n) {
  if (n.op != OpKind::Mul) return -1;
  for (size_t side = 0; side < 2; ++side) {
    const int p = sole_producer(g, n.in(side));
    if (p >= 0 && g.nodes[size_t(p)].op == OpKind::Sigmoid && g.nodes[size_t(p)].in(0) == n.in(1 - side)) return n.in(1 - side);
  }
  return -1;
}

// Mul(Mul(x, Add(Erf(x / sqrt 2), 1)), 0.5): its x, else -1.
int gelu_input(const Graph& g, const Node& n) {
  int half_in, t3, t1;
  double c;
  if (!with_scalar(g, n, OpKind::Mul, false, &half_in, &c) || c != 0.5) return -1;
  const int p4 = sole_producer(g, half_in);
  if (p4 < 0 || g.nodes[size_t(p4)].op != OpKind::Mul) return -1;
  const Node& mul = g.nodes[size_t(p4)];
  for (size_t side = 0; side < 2; ++side) {
    const int x = mul.in(1 - side);
    const int p3 = sole_producer(g, mul.in(side));
    if (p3 < 0 || !with_scalar(g, g.nodes[size_t(p3)], OpKind::Add, false, &t3, &c) || c != 1.0) continue;
    const int p2 = sole_producer(g, t3);
    if (p2 < 0 || g.nodes[size_t(p2)].op != OpKind::Erf) continue;
    const int p1 = sole_producer(g, g.nodes[size_t(p2)].in(0));
    if (p1 < 0) continue;
    const Node& scale = g.nodes[size_t(p1)];
    const bool by_mul = with_scalar(g, scale, OpKind::Mul, false, &t1, &c) && near(c, std::sqrt(0.5));
    const bool by_div = !by_mul && with_scalar(g, scale, OpKind::Div, true, &t1, &c) && near(c, std::sqrt(2.0));
    if ((by_mul || by_div) && t1 == x) return x;
  }
  return -1;
}

}  // namespace

void fuse_silu_gelu(Graph& g) {
  bool changed = false;
  for (Node& n : g.nodes) {
    if (g.t(n.out()).dtype != DType::F32) continue;
    int x = silu_input(g, n);
    OpKind op = OpKind::Silu;
    if (x < 0) {
      x = gelu_input(g, n);
      op = OpKind::Gelu;
    }
    if (x < 0) continue;
    n.op = op;
    n.inputs = {x};
    n.attrs = {};
    changed = true;
  }
  if (changed) g.prune();  // the chains the fused nodes replace
}

}  // namespace mote
