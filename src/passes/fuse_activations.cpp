// fuse_activations: a constant per-channel Add/Sub after a Conv or FullyConnected joins its bias
// (MatMul + Add from ONNX); Relu and Clip after a Conv, FullyConnected, Add, Sub or Mul become
// that node's act_min/act_max clamp. Both only when the producer's output feeds nothing else.
#include <algorithm>

#include "ir/op_registry.h"
#include "passes/passes.h"

namespace mote {
namespace {

bool fusable_producer(OpKind op) { return op_has(op, FusesAct); }

float clampf(float v, float lo, float hi) { return std::min(std::max(v, lo), hi); }

// The node producing `x` when one node reads it and it is not a graph output; else -1.
int sole_producer(const Graph& g, int x) {
  int p = g.producer(x);
  if (p < 0 || g.consumers(x).size() != 1 || g.is_graph_output(x)) return -1;
  return p;
}

// Folds node k = Add(y, c), Add(c, y) or Sub(y, c), with y from an unclamped Conv/FC and c a
// constant that varies at most along y's channel axis, into that producer's bias.
bool fuse_bias(Graph& g, size_t k) {
  const Node& n = g.nodes[k];
  if (n.op != OpKind::Add && n.op != OpKind::Sub) return false;
  for (int side = 0; side < 2; ++side) {
    if (side == 1 && n.op == OpKind::Sub) break;
    int y = n.in(size_t(side)), c = n.in(size_t(1 - side));
    const Tensor &ct = g.t(c), &yt = g.t(y);
    if (!ct.is_const() || ct.dtype != DType::F32 || ct.shape.size() > yt.shape.size() || g.t(n.out()).shape != yt.shape) continue;
    int p = sole_producer(g, y);
    if (p < 0) continue;
    Node& prod = g.nodes[size_t(p)];
    if (!op_has(prod.op, Weighted)) continue;
    if (prod.attrs.f("act_min", kNoMin) != kNoMin || prod.attrs.f("act_max", kNoMax) != kNoMax) continue;
    if (prod.in(2) >= 0 && (!g.t(prod.in(2)).is_const() || g.t(prod.in(2)).dtype != DType::F32)) continue;
    size_t rank = yt.shape.size();
    size_t axis = (prod.op == OpKind::Conv || prod.op == OpKind::TransposeConv) && yt.layout != Layout::NHWC ? 1 : rank - 1;
    bool per_channel = true;
    for (size_t i = 0; i < ct.shape.size(); ++i) {
      size_t d = rank - ct.shape.size() + i;
      per_channel = per_channel && (ct.shape[i] == 1 || d == axis);
    }
    if (!per_channel) continue;
    int64_t m = yt.shape[axis];
    std::vector<float> cv = ct.values<float>(), bias(size_t(m), 0.0f);
    if (prod.in(2) >= 0) bias = g.t(prod.in(2)).values<float>();
    float sign = n.op == OpKind::Sub ? -1.0f : 1.0f;
    for (size_t o = 0; o < size_t(m); ++o) bias[o] += sign * cv[cv.size() == 1 ? 0 : o];
    std::string name = g.unique_name(prod.name + "_bias");
    int out = n.out();
    prod.inputs.resize(3, -1);
    prod.inputs[2] = g.add_const_f32(name, {m}, bias);
    prod.outputs[0] = out;
    return true;
  }
  return false;
}

}  // namespace

void fuse_activations(Graph& g) {
  std::vector<bool> dead(g.nodes.size(), false);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    if (fuse_bias(g, k)) {
      dead[k] = true;
      continue;
    }
    const Node& act = g.nodes[k];
    if (act.op != OpKind::Relu && act.op != OpKind::Clip) continue;
    int x = act.in(0);
    // An int8 activation requantizes to its own output scale: fusing would change the bytes. A
    // 16x8 one quantized like its input only clamps (TFLM's int16 RELU then multiplies by 1).
    const Tensor& xt = g.t(x);
    const bool clamp16 = xt.dtype == DType::I16 && xt.quant.scale == g.t(act.out()).quant.scale &&
                         xt.quant.zero_point == g.t(act.out()).quant.zero_point;
    if (xt.dtype != DType::F32 && !clamp16) continue;
    int p = sole_producer(g, x);
    if (p < 0 || !fusable_producer(g.nodes[size_t(p)].op)) continue;
    float lo = act.op == OpKind::Relu ? 0.0f : act.attrs.f("min", kNoMin);
    float hi = act.op == OpKind::Relu ? kNoMax : act.attrs.f("max", kNoMax);
    Node& prod = g.nodes[size_t(p)];
    // clamp(clamp(v, a, b), lo, hi) == clamp(v, clamp(a, lo, hi), clamp(b, lo, hi)).
    float a = prod.attrs.f("act_min", kNoMin), b = prod.attrs.f("act_max", kNoMax);
    float nlo = clampf(a, lo, hi), nhi = clampf(b, lo, hi);
    if (nlo != kNoMin) prod.attrs.set("act_min", nlo);
    if (nhi != kNoMax) prod.attrs.set("act_max", nhi);
    prod.outputs[0] = act.out();
    dead[k] = true;
  }
  g.remove_nodes(dead);
}

}  // namespace mote
