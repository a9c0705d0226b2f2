// One conversion function per ONNX op_type, found through a table. Each reads its node's inputs
// from the context (constants or IR tensors) and either folds the result to a constant or
// appends IR nodes. Errors are thrown without the node prefix; the caller adds it.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "frontend/onnx/onnx_internal.h"
#include "frontend/op_geometry.h"

namespace mote::onnx_import {

namespace {

using onnx::NodeProto;

const onnx::AttributeProto* attr(const NodeProto& n, const char* name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t attr_i(const NodeProto& n, const char* name, int64_t def) {
  const auto* a = attr(n, name);
  return a ? a->i() : def;
}

float attr_f(const NodeProto& n, const char* name, float def) {
  const auto* a = attr(n, name);
  return a ? a->f() : def;
}

std::vector<int64_t> attr_ints(const NodeProto& n, const char* name, std::vector<int64_t> def) {
  const auto* a = attr(n, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : def;
}

std::string attr_s(const NodeProto& n, const char* name, const std::string& def) {
  const auto* a = attr(n, name);
  return a ? a->s() : def;
}

// Input k's name, "" when absent (optional inputs may be given as "").
const std::string& in(const NodeProto& n, int k) {
  static const std::string none;
  return k < n.input_size() ? n.input(k) : none;
}

const std::string& out(const NodeProto& n) {
  if (n.output_size() < 1 || n.output(0).empty()) fail("node has no output");
  return n.output(0);
}

void need_inputs(const NodeProto& n, int count) {
  for (int k = 0; k < count; ++k)
    if (in(n, k).empty()) fail("missing required input {}", k);
}

// Outputs past the first (masks, indices, training statistics) must be unused.
void extra_outputs_unused(const Ctx& c, const NodeProto& n) {
  for (int k = 1; k < n.output_size(); ++k)
    if (!n.output(k).empty() && c.consumed.count(n.output(k)))
      fail("unsupported: output {} ('{}') is used", k, n.output(k));
}

std::vector<int64_t> ints_of(const Const& c, const char* what) {
  if (c.is_float) fail("{} must be integers", what);
  return c.i;
}

float scalar_of(const Const& c, const char* what) {
  if (c.numel() != 1) fail("{} must be a single value, has shape {}", what, shape_str(c.shape));
  return float(c.at(0));
}

Attrs attrs(std::initializer_list<std::pair<const char*, AttrValue>> kv) {
  Attrs a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

// A one-input IR op on a float activation.
void unary(Ctx& c, const NodeProto& n, OpKind op, Attrs a = {}) {
  need_inputs(n, 1);
  c.emit(op, {c.tensor(in(n, 0))}, std::move(a), out(n), c.node_name);
}

// Output `n` = input 0 viewed with shape `s`: a folded constant or an IR Reshape.
void reshape_to(Ctx& c, const NodeProto& n, const Shape& s) {
  if (const Const* k = c.constant(in(n, 0))) {
    if (numel(s) != k->numel()) fail("cannot reshape {} to {}", shape_str(k->shape), shape_str(s));
    Const r = *k;
    r.shape = s;
    c.set_const(out(n), std::move(r));
    return;
  }
  c.emit(OpKind::Reshape, {c.tensor(in(n, 0))}, attrs({{"shape", s}}), out(n), c.node_name);
}

// Identity, Dropout, Cast to float: constants pass through, activations get an Identity node.
void pass_through(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  if (const Const* k = c.constant(in(n, 0))) {
    c.set_const(out(n), *k);
    return;
  }
  c.emit(OpKind::Identity, {c.tensor(in(n, 0))}, {}, out(n), c.node_name);
}

// Windowed ops (Conv, MaxPool, AveragePool) over 1-D inputs [N, C, L] are their 2-D form over
// H = 1: the input is viewed as [N, C, 1, L], each 1-D attribute gains a leading 1 (pads a 0),
// and the 4-D result is viewed back as [N, C', L'].
struct Window {
  int rank = 2;  // spatial dims of the ONNX input: 1 or 2
  Shape x4;      // the input as the IR op sees it
  int x = -1;    // its tensor

  // A 1-D attribute as its 2-D form.
  std::vector<int64_t> lift(std::vector<int64_t> v, int64_t fill) const {
    if (rank == 1) v.insert(v.begin(), fill);
    return v;
  }
  std::vector<int64_t> ints(const NodeProto& n, const char* name) const {
    auto v = attr_ints(n, name, std::vector<int64_t>(size_t(rank), 1));
    if (v.size() != size_t(rank)) fail("unsupported attribute {} with {} values for a {}-D window", name, v.size(), rank);
    return lift(v, 1);
  }
};

Window window_input(Ctx& c, const NodeProto& n) {
  Window w;
  const Shape x = c.shape(in(n, 0));
  if (x.size() != 3 && x.size() != 4)
    fail("unsupported: {}-D input {} (1-D or 2-D spatial NCHW inputs only)", x.size(), shape_str(x));
  w.rank = int(x.size()) - 2;
  w.x = c.tensor(in(n, 0));
  w.x4 = x;
  if (w.rank == 1) {
    w.x4 = {x[0], x[1], 1, x[2]};
    w.x = c.emit(OpKind::Reshape, {w.x}, attrs({{"shape", w.x4}}), c.fresh(in(n, 0) + "/as_2d"), c.node_name + "/as_2d");
  }
  return w;
}

// Emits `op` on the window's input and views a 1-D result back as 3-D; writes output 0 of `n`.
void emit_window_op(Ctx& c, const NodeProto& n, const Window& w, OpKind op, std::vector<int> ins, Attrs a) {
  ins.insert(ins.begin(), w.x);
  if (w.rank == 2) {
    c.emit(op, std::move(ins), std::move(a), out(n), c.node_name);
    return;
  }
  const int y4 = c.emit(op, std::move(ins), std::move(a), c.fresh(out(n) + "/2d"), c.node_name);
  const Shape s = c.g.t(y4).shape;
  c.emit(OpKind::Reshape, {y4}, attrs({{"shape", Shape{s[0], s[1], s[3]}}}), out(n), c.node_name + "/as_1d");
}

// Explicit (top, left, bottom, right) pads from pads / auto_pad for a 2-D (or lifted 1-D) window.
std::vector<int64_t> resolve_pads(const NodeProto& n, const Window& w, const std::vector<int64_t>& k,
                                  const std::vector<int64_t>& strides, const std::vector<int64_t>& dil) {
  std::string mode = attr_s(n, "auto_pad", "NOTSET");
  if (mode == "NOTSET") {
    auto p = attr_ints(n, "pads", std::vector<int64_t>(size_t(2 * w.rank), 0));
    if (p.size() != size_t(2 * w.rank)) fail("unsupported attribute pads with {} values ({}-D windows need {})", p.size(), w.rank, 2 * w.rank);
    return w.rank == 1 ? std::vector<int64_t>{0, p[0], 0, p[1]} : p;
  }
  if (mode == "VALID") return {0, 0, 0, 0};
  if (mode != "SAME_UPPER" && mode != "SAME_LOWER") fail("unsupported attribute auto_pad={}", mode);
  std::vector<int64_t> begin(2), end(2);
  for (size_t d = 0; d < 2; ++d) {
    int64_t in = w.x4[2 + d], o = (in + strides[d] - 1) / strides[d];
    int64_t total = std::max<int64_t>(0, (o - 1) * strides[d] + dil[d] * (k[d] - 1) + 1 - in);
    begin[d] = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
    end[d] = total - begin[d];
  }
  return {begin[0], begin[1], end[0], end[1]};
}

void cv_conv(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  const Const& w = c.need_const(in(n, 1), "Conv with non-constant weights");
  Window win = window_input(c, n);
  if (w.shape.size() != size_t(win.rank) + 2) fail("unsupported: Conv weight of shape {} for a {}-D input", shape_str(w.shape), win.rank + 2);
  std::vector<int64_t> k(w.shape.begin() + 2, w.shape.end());
  auto ks = attr_ints(n, "kernel_shape", k);
  if (ks != k) fail("kernel_shape [{}] does not match weight {}", fmt::join(ks, ","), shape_str(w.shape));
  k = win.lift(k, 1);
  auto strides = win.ints(n, "strides"), dil = win.ints(n, "dilations");
  Attrs a = attrs({{"strides", strides}, {"dilations", dil}, {"pads", resolve_pads(n, win, k, strides, dil)},
                   {"group", attr_i(n, "group", 1)}});
  int wt = c.tensor(in(n, 1));
  if (win.rank == 1) {
    Const w4 = w;
    w4.shape = {w.shape[0], w.shape[1], 1, w.shape[2]};
    wt = c.add_const(in(n, 1) + "/2d", w4);
  }
  std::vector<int> ins = {wt};
  if (!in(n, 2).empty()) {
    c.need_const(in(n, 2), "Conv with non-constant bias");
    ins.push_back(c.tensor(in(n, 2)));
  }
  emit_window_op(c, n, win, OpKind::Conv, ins, std::move(a));
}

// FullyConnected of input `x` with weight w[M,K] (and bias b[M] if given) writing `dst`.
int emit_fc(Ctx& c, int x, int w, int b, const std::string& dst) {
  std::vector<int> ins = {x, w};
  if (b >= 0) ins.push_back(b);
  return c.emit(OpKind::FullyConnected, ins, {}, dst, c.node_name);
}

void cv_gemm(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  float alpha = attr_f(n, "alpha", 1.0f), beta = attr_f(n, "beta", 1.0f);
  bool trans_a = attr_i(n, "transA", 0) != 0, trans_b = attr_i(n, "transB", 0) != 0;
  const Const& b = c.need_const(in(n, 1), "Gemm with non-constant B");
  if (b.shape.size() != 2 || !b.is_float) fail("unsupported: Gemm B of shape {}", shape_str(b.shape));
  int x;
  if (trans_a) {
    if (const Const* a = c.constant(in(n, 0)))
      x = c.add_const(c.node_name + "_A", fold_transpose(*a, {1, 0}));
    else
      x = c.emit(OpKind::Transpose, {c.tensor(in(n, 0))}, attrs({{"perm", std::vector<int64_t>{1, 0}}}), c.fresh(in(n, 0) + "_T"),
                 c.node_name + "_transA");
  } else {
    x = c.tensor(in(n, 0));
  }
  int w;
  if (trans_b && alpha == 1.0f) {
    w = c.tensor(in(n, 1));
  } else {
    Const wt = trans_b ? b : fold_transpose(b, {1, 0});
    for (float& v : wt.f) v *= alpha;
    w = c.add_const(c.node_name + "_weight", wt);
  }
  int64_t m = trans_b ? b.shape[0] : b.shape[1];
  if (in(n, 2).empty() || beta == 0.0f) {
    emit_fc(c, x, w, -1, out(n));
    return;
  }
  const Const& bias = c.need_const(in(n, 2), "Gemm with non-constant C");
  const Shape& bs = bias.shape;
  bool per_feature = bias.numel() == m && (bs.size() == 1 || (bs.size() == 2 && bs[0] == 1));
  if (per_feature || bias.numel() == 1) {
    Const bv;
    bv.shape = {m};
    bv.f.assign(size_t(m), 0.0f);
    for (int64_t k = 0; k < m; ++k) bv.f[size_t(k)] = beta * float(bias.at(per_feature ? k : 0));
    int bid = per_feature && bs.size() == 1 && beta == 1.0f && bias.is_float ? c.tensor(in(n, 2)) : c.add_const(c.node_name + "_bias", bv);
    emit_fc(c, x, w, bid, out(n));
    return;
  }
  // A full [rows, M] C is not a per-feature bias: add it after the product.
  int mid_id = emit_fc(c, x, w, -1, c.fresh(out(n) + "_product"));
  Const scaled = bias;
  for (float& v : scaled.f) v *= beta;
  c.emit(OpKind::Add, {mid_id, c.add_const(c.node_name + "_C", scaled)}, {}, out(n), c.node_name + "_add_C");
}

// Add, Sub, Mul, Div: folded when both operands are constants.
void binary(Ctx& c, const NodeProto& n, OpKind op, char sym) {
  need_inputs(n, 2);
  const Const* a = c.constant(in(n, 0));
  const Const* b = c.constant(in(n, 1));
  if (a && b) {
    c.set_const(out(n), fold_binary(*a, *b, sym));
    return;
  }
  if (sym == '/' && !b) {
    c.emit(OpKind::Div, {c.tensor(in(n, 0)), c.tensor(in(n, 1))}, {}, out(n), c.node_name);
    return;
  }
  if (sym == '/') {
    if (!b->is_float) fail("unsupported: Div by an integer constant");
    Const r = *b;
    for (float& v : r.f) v = 1.0f / v;
    int x = c.tensor(in(n, 0));
    c.emit(OpKind::Mul, {x, c.add_const(c.node_name + "_reciprocal", r)}, {}, out(n), c.node_name);
    return;
  }
  int x = c.tensor(in(n, 0)), y = c.tensor(in(n, 1));
  // The activation goes first where the op commutes: passes read the layout of input 0.
  if (a && op != OpKind::Sub) std::swap(x, y);
  c.emit(op, {x, y}, {}, out(n), c.node_name);
}

// Two-input ops mote does not fold: both activations, or one constant operand. Max and Min
// accept ONNX's variadic form with exactly two inputs.
void binary_op(Ctx& c, const NodeProto& n, OpKind op) {
  if (n.input_size() != 2) fail("unsupported: {} inputs (only 2)", n.input_size());
  need_inputs(n, 2);
  const Const* a = c.constant(in(n, 0));
  if (a && c.constant(in(n, 1))) fail("unsupported: both inputs constant");
  int x = c.tensor(in(n, 0)), y = c.tensor(in(n, 1));
  if (a && (op == OpKind::Max || op == OpKind::Min)) std::swap(x, y);  // the activation first
  c.emit(op, {x, y}, {}, out(n), c.node_name);
}

// Pow: exponent 2 is x * x (exact in float, and int8 MUL); other constant exponents are Pow.
void cv_pow(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  const Const* e = c.constant(in(n, 1));
  if (e && e->numel() == 1 && e->at(0) == 2.0) {
    const int x = c.tensor(in(n, 0));
    c.emit(OpKind::Mul, {x, x}, {}, out(n), c.node_name);
    return;
  }
  binary_op(c, n, OpKind::Pow);
}

void cv_clip(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  float lo = kNoMin, hi = kNoMax;
  if (!in(n, 1).empty()) lo = scalar_of(c.need_const(in(n, 1), "Clip with non-constant min"), "Clip min");
  if (!in(n, 2).empty()) hi = scalar_of(c.need_const(in(n, 2), "Clip with non-constant max"), "Clip max");
  unary(c, n, OpKind::Clip, attrs({{"min", lo}, {"max", hi}}));
}

Attrs pool_attrs(const NodeProto& n, const Window& w) {
  auto k = attr_ints(n, "kernel_shape", {});
  if (k.size() != size_t(w.rank)) fail("unsupported attribute kernel_shape with {} values for a {}-D window", k.size(), w.rank);
  k = w.lift(k, 1);
  if (int64_t cm = attr_i(n, "ceil_mode", 0)) fail("unsupported attribute ceil_mode={}", cm);
  auto dil = w.ints(n, "dilations");
  if (dil != std::vector<int64_t>{1, 1}) fail("unsupported attribute dilations=[{}]", fmt::join(dil, ","));
  auto strides = w.ints(n, "strides");
  return attrs({{"kernel", k}, {"strides", strides}, {"pads", resolve_pads(n, w, k, strides, dil)}});
}

void cv_maxpool(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  if (int64_t so = attr_i(n, "storage_order", 0)) fail("unsupported attribute storage_order={}", so);
  extra_outputs_unused(c, n);
  const Window w = window_input(c, n);
  emit_window_op(c, n, w, OpKind::MaxPool, {}, pool_attrs(n, w));
}

void cv_avgpool(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  const Window w = window_input(c, n);
  Attrs a = pool_attrs(n, w);
  auto pads = a.ints("pads");
  bool padded = std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; });
  if (int64_t cip = attr_i(n, "count_include_pad", 0); cip && padded)
    fail("unsupported attribute count_include_pad={} with non-zero pads", cip);
  emit_window_op(c, n, w, OpKind::AvgPool, {}, std::move(a));
}

// The mean or max over every spatial axis (2-D and 1-D inputs alike).
void global_pool(Ctx& c, const NodeProto& n, OpKind reduce) {
  need_inputs(n, 1);
  const Shape x = c.shape(in(n, 0));
  if (x.size() != 3 && x.size() != 4)
    fail("unsupported: {}-D input {} (1-D or 2-D spatial NCHW inputs only)", x.size(), shape_str(x));
  std::vector<int64_t> axes;
  for (int64_t a = 2; a < int64_t(x.size()); ++a) axes.push_back(a);
  unary(c, n, reduce, attrs({{"axes", axes}, {"keepdims", int64_t(1)}}));
}
void cv_global_avgpool(Ctx& c, const NodeProto& n) { global_pool(c, n, OpKind::ReduceMean); }
void cv_global_maxpool(Ctx& c, const NodeProto& n) { global_pool(c, n, OpKind::ReduceMax); }

void cv_batchnorm(Ctx& c, const NodeProto& n) {
  need_inputs(n, 5);
  if (int64_t tm = attr_i(n, "training_mode", 0)) fail("unsupported attribute training_mode={}", tm);
  extra_outputs_unused(c, n);
  Shape x = c.shape(in(n, 0));
  if (x.size() < 2) fail("unsupported: BatchNormalization of a {}-D input", x.size());
  static const char* kParams[] = {"scale", "bias", "mean", "variance"};
  std::vector<int> ins = {c.tensor(in(n, 0))};
  for (int k = 1; k < 5; ++k) {
    const Const& p = c.need_const(in(n, k), fmt::format("BatchNormalization with non-constant {}", kParams[k - 1]));
    if (p.shape != Shape{x[1]}) fail("BatchNormalization {} has shape {}, expected [{}]", kParams[k - 1], shape_str(p.shape), x[1]);
    ins.push_back(c.tensor(in(n, k)));
  }
  c.emit(OpKind::BatchNorm, ins, attrs({{"epsilon", attr_f(n, "epsilon", 1e-5f)}}), out(n), c.node_name);
}

void cv_reshape(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  Shape x = c.shape(in(n, 0));
  auto spec = ints_of(c.need_const(in(n, 1), "Reshape with non-constant shape"), "Reshape shape");
  bool allow_zero = attr_i(n, "allowzero", 0) != 0;
  Shape s(spec.size());
  int64_t known = 1;
  int infer = -1;
  for (size_t k = 0; k < spec.size(); ++k) {
    int64_t v = spec[k];
    if (v == 0 && !allow_zero) {
      if (k >= x.size()) fail("Reshape shape [{}] copies dimension {} of a rank-{} input", fmt::join(spec, ","), k, x.size());
      v = x[k];
    }
    if (v == -1) {
      if (infer >= 0) fail("Reshape shape [{}] has more than one -1", fmt::join(spec, ","));
      infer = int(k);
      continue;
    }
    if (v <= 0) fail("unsupported: Reshape to shape [{}]", fmt::join(spec, ","));
    if (known > kMaxElements / v) fail("cannot reshape {} to [{}]", shape_str(x), fmt::join(spec, ","));
    s[k] = v;
    known *= v;
  }
  if (infer >= 0) {
    if (known == 0 || numel(x) % known) fail("cannot reshape {} to [{}]", shape_str(x), fmt::join(spec, ","));
    s[size_t(infer)] = numel(x) / known;
  }
  reshape_to(c, n, s);
}

void cv_flatten(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  Shape x = c.shape(in(n, 0));
  int64_t axis = attr_i(n, "axis", 1);
  if (axis != int64_t(x.size())) axis = norm_axis(axis, x.size());
  int64_t rows = numel(Shape(x.begin(), x.begin() + axis));
  reshape_to(c, n, {rows, numel(x) / std::max<int64_t>(rows, 1)});
}

// Squeeze/Unsqueeze axes: an attribute before opset 13, an optional constant input from 13.
std::vector<int64_t> axes_arg(Ctx& c, const NodeProto& n, bool* given) {
  if (c.opset < 13) {
    *given = attr(n, "axes") != nullptr;
    return attr_ints(n, "axes", {});
  }
  *given = !in(n, 1).empty();
  if (!*given) return {};
  return ints_of(c.need_const(in(n, 1), fmt::format("{} with non-constant axes", n.op_type())), "axes");
}

void cv_squeeze(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  Shape x = c.shape(in(n, 0));
  bool given;
  auto axes = axes_arg(c, n, &given);
  std::vector<bool> drop(x.size(), false);
  for (int64_t a : axes) {
    size_t ax = size_t(norm_axis(a, x.size()));
    if (x[ax] != 1) fail("cannot squeeze axis {} of size {}", ax, x[ax]);
    drop[ax] = true;
  }
  Shape s;
  for (size_t d = 0; d < x.size(); ++d)
    if (!(given ? drop[d] : x[d] == 1)) s.push_back(x[d]);
  reshape_to(c, n, s);
}

void cv_unsqueeze(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  Shape x = c.shape(in(n, 0));
  bool given;
  auto axes = axes_arg(c, n, &given);
  if (!given) fail("Unsqueeze needs axes");
  size_t rank = x.size() + axes.size();
  std::vector<bool> ones(rank, false);
  for (int64_t a : axes) {
    size_t ax = size_t(norm_axis(a, rank));
    if (ones[ax]) fail("Unsqueeze axis {} repeated", ax);
    ones[ax] = true;
  }
  Shape s;
  size_t k = 0;
  for (size_t d = 0; d < rank; ++d) s.push_back(ones[d] ? 1 : x[k++]);
  reshape_to(c, n, s);
}

void cv_transpose(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  Shape x = c.shape(in(n, 0));
  std::vector<int64_t> rev(x.size());
  std::iota(rev.rbegin(), rev.rend(), 0);
  auto perm = attr_ints(n, "perm", rev);
  if (const Const* k = c.constant(in(n, 0))) {
    c.set_const(out(n), fold_transpose(*k, perm));
    return;
  }
  unary(c, n, OpKind::Transpose, attrs({{"perm", perm}}));
}

void cv_concat(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  if (!attr(n, "axis")) fail("Concat needs an axis");
  std::vector<const Const*> parts;
  for (const auto& i : n.input()) parts.push_back(c.constant(i));
  int64_t axis = attr_i(n, "axis", 0);
  if (std::all_of(parts.begin(), parts.end(), [](const Const* p) { return p != nullptr; })) {
    c.set_const(out(n), fold_concat(parts, axis));
    return;
  }
  std::vector<int> ins;
  for (const auto& i : n.input()) ins.push_back(c.tensor(i));
  c.emit(OpKind::Concat, ins, attrs({{"axis", norm_axis(axis, c.shape(in(n, 0)).size())}}), out(n), c.node_name);
}

void cv_pad(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  std::string mode = attr_s(n, "mode", "constant");
  if (mode != "constant") fail("unsupported attribute mode={}", mode);
  auto pads = ints_of(c.need_const(in(n, 1), "Pad with non-constant pads"), "Pad pads");
  float value = 0.0f;
  if (!in(n, 2).empty()) value = scalar_of(c.need_const(in(n, 2), "Pad with non-constant value"), "Pad constant_value");
  size_t rank = c.shape(in(n, 0)).size();
  if (pads.size() != 2 * rank) fail("Pad has {} pads for a rank-{} input", pads.size(), rank);
  if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; }))
    fail("unsupported: negative pads [{}]", fmt::join(pads, ","));
  unary(c, n, OpKind::Pad, attrs({{"pads", pads}, {"value", value}}));
}

void softmax(Ctx& c, const NodeProto& n, OpKind op) {
  need_inputs(n, 1);
  Shape x = c.shape(in(n, 0));
  int64_t axis = norm_axis(attr_i(n, "axis", c.opset >= 13 ? -1 : 1), x.size());
  if (c.opset >= 13 || axis == int64_t(x.size()) - 1) {
    unary(c, n, op, attrs({{"axis", axis}}));
    return;
  }
  // Before opset 13 Softmax normalizes the input coerced to 2-D at `axis`.
  Shape flat = {numel(Shape(x.begin(), x.begin() + axis)), numel(Shape(x.begin() + axis, x.end()))};
  int t = c.emit(OpKind::Reshape, {c.tensor(in(n, 0))}, attrs({{"shape", flat}}), c.fresh(out(n) + "_2d"), c.node_name + "_to_2d");
  int s = c.emit(op, {t}, attrs({{"axis", int64_t(1)}}), c.fresh(out(n) + "_softmax_2d"), c.node_name);
  c.emit(OpKind::Reshape, {s}, attrs({{"shape", x}}), out(n), c.node_name + "_from_2d");
}
void cv_softmax(Ctx& c, const NodeProto& n) { softmax(c, n, OpKind::Softmax); }
void cv_log_softmax(Ctx& c, const NodeProto& n) { softmax(c, n, OpKind::LogSoftmax); }

// ReduceMean/Max/Sum: axes from the attribute, or (ReduceSum from opset 13) a constant input.
void reduce(Ctx& c, const NodeProto& n, OpKind op) {
  need_inputs(n, 1);
  Shape x = c.shape(in(n, 0));
  std::vector<int64_t> all(x.size());
  std::iota(all.begin(), all.end(), 0);
  auto axes = attr_ints(n, "axes", all);
  if (!in(n, 1).empty()) axes = ints_of(c.need_const(in(n, 1), "reduction with non-constant axes"), "axes");
  if (axes.empty()) {
    if (attr_i(n, "noop_with_empty_axes", 0)) fail("unsupported attribute noop_with_empty_axes=1");
    axes = all;
  }
  for (int64_t& a : axes) a = norm_axis(a, x.size());
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  unary(c, n, op, attrs({{"axes", axes}, {"keepdims", attr_i(n, "keepdims", 1) != 0 ? int64_t(1) : int64_t(0)}}));
}

// Indices are int32 in mote (ONNX's int64 holds no larger values for tensors mote compiles).
void cv_arg_max(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  if (attr_i(n, "select_last_index", 0)) fail("unsupported attribute select_last_index=1");
  const int64_t axis = norm_axis(attr_i(n, "axis", 0), c.shape(in(n, 0)).size());
  unary(c, n, OpKind::ArgMax, attrs({{"axis", axis}, {"keepdims", attr_i(n, "keepdims", 1) != 0 ? int64_t(1) : int64_t(0)}}));
}

void cv_constant(Ctx& c, const NodeProto& n) {
  Const k;
  if (const auto* a = attr(n, "value")) {
    k = const_from_proto(a->t());
  } else if (const auto* a = attr(n, "value_float")) {
    k.f = {a->f()};
  } else if (const auto* a = attr(n, "value_floats")) {
    k.f.assign(a->floats().begin(), a->floats().end());
    k.shape = {int64_t(k.f.size())};
  } else if (const auto* a = attr(n, "value_int")) {
    k.is_float = false;
    k.i = {a->i()};
  } else if (const auto* a = attr(n, "value_ints")) {
    k.is_float = false;
    k.i.assign(a->ints().begin(), a->ints().end());
    k.shape = {int64_t(k.i.size())};
  } else {
    fail("unsupported: Constant with attribute '{}'", n.attribute_size() ? n.attribute(0).name() : "");
  }
  c.set_const(out(n), std::move(k));
}

void cv_shape(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  Shape x = c.shape(in(n, 0));
  int64_t r = int64_t(x.size());
  auto clamp_dim = [r](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + r : v, 0, r); };
  int64_t start = clamp_dim(attr_i(n, "start", 0)), end = clamp_dim(attr_i(n, "end", r));
  Const k;
  k.is_float = false;
  for (int64_t d = start; d < end; ++d) k.i.push_back(x[size_t(d)]);
  k.shape = {int64_t(k.i.size())};
  c.set_const(out(n), std::move(k));
}

void cv_cast(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  int to = int(attr_i(n, "to", 0));
  if (const Const* k = c.constant(in(n, 0))) {
    c.set_const(out(n), fold_cast(*k, to));
    return;
  }
  if (to != onnx::TensorProto::FLOAT)
    fail("unsupported: Cast of an activation to {}", onnx::TensorProto::DataType_Name(onnx::TensorProto::DataType(to)));
  pass_through(c, n);
}

void cv_constant_of_shape(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  auto dims = ints_of(c.need_const(in(n, 0), "ConstantOfShape with non-constant shape"), "ConstantOfShape shape");
  Const fill;
  fill.f = {0.0f};
  if (const auto* a = attr(n, "value")) fill = const_from_proto(a->t());
  if (fill.numel() != 1) fail("ConstantOfShape value must have one element");
  Const k;
  k.is_float = fill.is_float;
  k.shape = Shape(dims.begin(), dims.end());
  check_shape(k.shape, "ConstantOfShape");
  if (k.is_float) k.f.assign(size_t(k.numel()), fill.f[0]);
  else k.i.assign(size_t(k.numel()), fill.i[0]);
  c.set_const(out(n), std::move(k));
}

// ---- ConvTranspose, Resize, slicing / gather / tile on activations, MatMul of activations,
// LayerNormalization ----

std::vector<int32_t> dims32(const Shape& s) { return std::vector<int32_t>(s.begin(), s.end()); }

// 1-D and 2-D, group 1: weights [C_in, C_out, (kh,) kw] become OIHW [C_out, C_in, kh, kw].
void cv_conv_transpose(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  const Const& w = c.need_const(in(n, 1), "ConvTranspose with non-constant weights");
  Window win = window_input(c, n);
  if (int64_t gr = attr_i(n, "group", 1); gr != 1) fail("unsupported attribute group={}", gr);
  if (w.shape.size() != size_t(win.rank) + 2 || w.shape[0] != win.x4[1])
    fail("unsupported: ConvTranspose weight of shape {} for input {}", shape_str(w.shape), shape_str(c.shape(in(n, 0))));
  Const wt = fold_transpose(w, win.rank == 2 ? std::vector<int64_t>{1, 0, 2, 3} : std::vector<int64_t>{1, 0, 2});
  if (win.rank == 1) wt.shape = {wt.shape[0], wt.shape[1], 1, wt.shape[2]};
  const std::vector<int64_t> k = {wt.shape[2], wt.shape[3]};
  const auto strides = win.ints(n, "strides"), dil = win.ints(n, "dilations");
  const auto pads = attr_ints(n, "pads", std::vector<int64_t>(size_t(2 * win.rank), 0));
  const auto opad = attr_ints(n, "output_padding", std::vector<int64_t>(size_t(win.rank), 0));
  const auto oshape = attr_ints(n, "output_shape", {});
  if (pads.size() != size_t(2 * win.rank) || opad.size() != size_t(win.rank) || (!oshape.empty() && oshape.size() != size_t(win.rank)))
    fail("unsupported: pads / output_padding / output_shape of the wrong length for a {}-D window", win.rank);
  const std::string auto_pad = attr_s(n, "auto_pad", "NOTSET");
  std::vector<int64_t> pb(2, 0), hw(2, 1);
  for (int d = 0; d < 2; ++d) {
    const int od = d - (2 - win.rank);  // the ONNX axis, -1 for the lifted H of a 1-D input
    const TconvAxis a = od < 0 ? TconvAxis{1, 0}
                               : onnx_conv_transpose_axis(int32_t(win.x4[size_t(2 + d)]), int32_t(k[size_t(d)]), int32_t(strides[size_t(d)]),
                                                          int32_t(dil[size_t(d)]), int32_t(pads[size_t(od)]), int32_t(pads[size_t(od + win.rank)]),
                                                          int32_t(opad[size_t(od)]), oshape.empty() ? -1 : int32_t(oshape[size_t(od)]), auto_pad);
    pb[size_t(d)] = a.pad_begin;
    hw[size_t(d)] = a.out;
  }
  std::vector<int> ins = {c.add_const(in(n, 1) + "/oihw", wt)};
  if (!in(n, 2).empty()) {
    c.need_const(in(n, 2), "ConvTranspose with non-constant bias");
    ins.push_back(c.tensor(in(n, 2)));
  }
  emit_window_op(c, n, win, OpKind::TransposeConv, ins, attrs({{"strides", strides}, {"dilations", dil}, {"pads", pb}, {"out_hw", hw}}));
}

// Resize (opset 11+) and Upsample over H and W of a 4-D NCHW input, as TFLite's coordinate
// rules: the ONNX modes that one of TFLite's flag pairs reproduces exactly.
void cv_resize(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  const Shape x = c.shape(in(n, 0));
  if (x.size() != 4) fail("unsupported: Resize of a {}-D input (4-D NCHW only)", x.size());
  const bool upsample = n.op_type() == "Upsample";
  const std::string scales_in = upsample ? in(n, 1) : in(n, 2), sizes_in = upsample ? std::string() : in(n, 3);
  std::vector<float> scales;
  Shape out_s;
  if (!sizes_in.empty()) {
    const auto v = ints_of(c.need_const(sizes_in, "Resize with non-constant sizes"), "Resize sizes");
    out_s.assign(v.begin(), v.end());
  } else if (!scales_in.empty()) {
    const Const& k = c.need_const(scales_in, "Resize with non-constant scales");
    for (int64_t i = 0; i < k.numel(); ++i) scales.push_back(float(k.at(i)));
    if (scales.size() == 4)
      for (size_t d = 0; d < 4; ++d) out_s.push_back(int64_t(std::floor(double(x[d]) * double(scales[d]))));
  } else if (const auto* a = attr(n, "scales")) {  // Upsample before opset 9
    scales.assign(a->floats().begin(), a->floats().end());
    if (scales.size() == 4)
      for (size_t d = 0; d < 4; ++d) out_s.push_back(int64_t(std::floor(double(x[d]) * double(scales[d]))));
  }
  if (out_s.size() != 4) fail("Resize needs 4 scales or sizes");
  if (out_s[0] != x[0] || out_s[1] != x[1]) fail("unsupported: Resize of the batch or channel axis");
  std::string mode = attr_s(n, "mode", "nearest");
  if (mode == "bilinear") mode = "linear";  // Upsample's spelling
  const std::string coord = upsample ? "asymmetric" : attr_s(n, "coordinate_transformation_mode", "half_pixel");
  const std::string nearest = upsample ? "floor" : attr_s(n, "nearest_mode", "round_prefer_floor");
  if (!upsample && mode == "cubic") fail("unsupported attribute mode=cubic");
  const auto flags = onnx_resize_to_tflite(mode, coord, nearest, int32_t(x[2]), int32_t(x[3]), int32_t(out_s[2]), int32_t(out_s[3]),
                                           scales.size() == 4 ? scales[2] : 0.0f, scales.size() == 4 ? scales[3] : 0.0f);
  if (!flags) fail("unsupported: Resize mode={} coordinate_transformation_mode={} nearest_mode={} for {} -> {}", mode, coord, nearest, shape_str(x), shape_str(out_s));
  unary(c, n, OpKind::Resize,
        attrs({{"mode", mode}, {"align_corners", int64_t(flags->align_corners)}, {"half_pixel_centers", int64_t(flags->half_pixel_centers)},
               {"size", std::vector<int64_t>{out_s[2], out_s[3]}}}));
}

// An IR Slice of activation `x` writing ONNX value `dst`.
void emit_slice(Ctx& c, int x, const std::vector<SliceAxis>& axes, const std::string& dst) {
  std::vector<int64_t> b, st, sz;
  for (const SliceAxis& a : axes) b.push_back(a.begin), st.push_back(a.stride), sz.push_back(a.size);
  c.emit(OpKind::Slice, {x}, attrs({{"begins", b}, {"strides", st}, {"sizes", sz}}), dst, c.node_name);
}

void cv_slice(Ctx& c, const NodeProto& n) {
  need_inputs(n, 3);
  auto starts = ints_of(c.need_const(in(n, 1), "Slice with non-constant starts"), "Slice starts");
  auto ends = ints_of(c.need_const(in(n, 2), "Slice with non-constant ends"), "Slice ends");
  std::vector<int64_t> axes(starts.size()), steps(starts.size(), 1);
  std::iota(axes.begin(), axes.end(), 0);
  if (!in(n, 3).empty()) axes = ints_of(c.need_const(in(n, 3), "Slice with non-constant axes"), "Slice axes");
  if (!in(n, 4).empty()) steps = ints_of(c.need_const(in(n, 4), "Slice with non-constant steps"), "Slice steps");
  if (const Const* data = c.constant(in(n, 0))) {
    c.set_const(out(n), fold_slice(*data, starts, ends, axes, steps));
    return;
  }
  emit_slice(c, c.tensor(in(n, 0)), onnx_slice(dims32(c.shape(in(n, 0))), starts, ends, axes, steps), out(n));
}

// Split (split sizes as an attribute before opset 13, an input from 13; equal parts otherwise).
void cv_split(Ctx& c, const NodeProto& n) {
  need_inputs(n, 1);
  const Shape x = c.shape(in(n, 0));
  const int32_t axis = int32_t(norm_axis(attr_i(n, "axis", 0), x.size()));
  std::vector<int64_t> sizes = c.opset < 13 ? attr_ints(n, "split", {}) : std::vector<int64_t>{};
  if (c.opset >= 13 && !in(n, 1).empty()) sizes = ints_of(c.need_const(in(n, 1), "Split with non-constant split"), "Split split");
  std::vector<int32_t> sz(sizes.begin(), sizes.end());
  if (sz.empty()) sz = equal_split_sizes(int32_t(x[size_t(axis)]), int32_t(n.output_size()));
  if (sz.size() != size_t(n.output_size())) fail("Split has {} outputs for {} sizes", n.output_size(), sz.size());
  const int xt = c.tensor(in(n, 0));
  for (int k = 0; k < n.output_size(); ++k)
    if (!n.output(k).empty()) emit_slice(c, xt, split_output(dims32(x), axis, sz, k), n.output(k));
}

void cv_gather(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  const Const& idx = c.need_const(in(n, 1), "Gather with non-constant indices");
  if (const Const* data = c.constant(in(n, 0))) {
    c.set_const(out(n), fold_gather(*data, idx, attr_i(n, "axis", 0)));
    return;
  }
  const Shape x = c.shape(in(n, 0));
  const int64_t axis = norm_axis(attr_i(n, "axis", 0), x.size());
  std::vector<int64_t> v = ints_of(idx, "Gather indices");
  for (int64_t& i : v) {
    if (i < -x[size_t(axis)] || i >= x[size_t(axis)]) fail("Gather index {} out of range for axis {} of size {}", i, axis, x[size_t(axis)]);
    if (i < 0) i += x[size_t(axis)];
  }
  unary(c, n, OpKind::Gather, attrs({{"axis", axis}, {"indices", v}, {"indices_shape", idx.shape}}));
}

// Tile (repeats) and Expand (two-way broadcast to a shape) are both an IR Tile.
void cv_tile(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  const Shape x = c.shape(in(n, 0));
  const bool tile = n.op_type() == "Tile";
  const auto v = ints_of(c.need_const(in(n, 1), fmt::format("{} with a non-constant shape", n.op_type())), "shape");
  std::vector<int32_t> s = tile ? tile_shape(dims32(x), v) : broadcast_shapes(dims32(x), std::vector<int32_t>(v.begin(), v.end()));
  if (c.constant(in(n, 0))) fail("unsupported: {} of a constant", n.op_type());
  unary(c, n, OpKind::Tile, attrs({{"shape", Shape(s.begin(), s.end())}}));
}

// A 2-D constant B is a FullyConnected; anything else a BatchMatMul of the two operands.
void cv_matmul(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  const Const* b = c.constant(in(n, 1));
  if (b && b->shape.size() == 2 && b->is_float && !c.constant(in(n, 0))) {
    int w = c.add_const(c.node_name + "_weight", fold_transpose(*b, {1, 0}));
    emit_fc(c, c.tensor(in(n, 0)), w, -1, out(n));
    return;
  }
  if (c.constant(in(n, 0))) fail("unsupported: MatMul with a constant first operand");
  c.emit(OpKind::BatchMatMul, {c.tensor(in(n, 0)), c.tensor(in(n, 1))}, {}, out(n), c.node_name);
}

void cv_layer_norm(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  const Shape x = c.shape(in(n, 0));
  const int64_t axis = norm_axis(attr_i(n, "axis", -1), x.size());
  if (attr_i(n, "stash_type", 1) != 1) fail("unsupported attribute stash_type={}", attr_i(n, "stash_type", 1));
  extra_outputs_unused(c, n);
  std::vector<int> ins = {c.tensor(in(n, 0))};
  c.need_const(in(n, 1), "LayerNormalization with non-constant scale");
  ins.push_back(c.tensor(in(n, 1)));
  if (!in(n, 2).empty()) {
    c.need_const(in(n, 2), "LayerNormalization with non-constant bias");
    ins.push_back(c.tensor(in(n, 2)));
  }
  c.emit(OpKind::LayerNorm, ins, attrs({{"axis", axis}, {"epsilon", attr_f(n, "epsilon", 1e-5f)}}), out(n), c.node_name);
}

// Equal and Where on constants only (the shape arithmetic PyTorch exports around Expand):
// operands of one shape, or single values broadcast.
std::vector<const Const*> const_operands(Ctx& c, const NodeProto& n, int count, Shape* shape) {
  need_inputs(n, count);
  std::vector<const Const*> k;
  for (int i = 0; i < count; ++i) {
    k.push_back(c.constant(in(n, i)));
    if (!k.back()) fail("unsupported: {} of non-constant values", n.op_type());
  }
  *shape = {};
  for (const Const* x : k)
    if (x->numel() != 1) {
      if (!shape->empty() && *shape != x->shape) fail("unsupported: {} of shapes that differ beyond single values", n.op_type());
      *shape = x->shape;
    }
  if (shape->empty()) *shape = k[0]->shape;
  return k;
}

void cv_equal(Ctx& c, const NodeProto& n) {
  Shape s;
  const auto k = const_operands(c, n, 2, &s);
  Const r;
  r.is_float = false;
  r.shape = s;
  for (int64_t e = 0; e < numel(s); ++e) r.i.push_back(k[0]->at(k[0]->numel() == 1 ? 0 : e) == k[1]->at(k[1]->numel() == 1 ? 0 : e));
  c.set_const(out(n), std::move(r));
}

void cv_where(Ctx& c, const NodeProto& n) {
  Shape s;
  const auto k = const_operands(c, n, 3, &s);
  if (k[1]->is_float != k[2]->is_float) fail("Where of float and integer values");
  Const r;
  r.is_float = k[1]->is_float;
  r.shape = s;
  for (int64_t e = 0; e < numel(s); ++e) {
    const Const* pick = k[0]->at(k[0]->numel() == 1 ? 0 : e) != 0 ? k[1] : k[2];
    const double v = pick->at(pick->numel() == 1 ? 0 : e);
    if (r.is_float) r.f.push_back(float(v));
    else r.i.push_back(int64_t(v));
  }
  c.set_const(out(n), std::move(r));
}

void cv_dropout(Ctx& c, const NodeProto& n) {
  if (!in(n, 2).empty() && scalar_of(c.need_const(in(n, 2), "Dropout with non-constant training_mode"), "training_mode") != 0)
    fail("unsupported: Dropout in training mode");
  extra_outputs_unused(c, n);
  pass_through(c, n);
}

// Expand of a constant (PyTorch's zero initial state of a recurrent layer): folded.
// Expand of a constant folds (PyTorch's zero initial states); of an activation it is a Tile.
void cv_expand(Ctx& c, const NodeProto& n) {
  need_inputs(n, 2);
  if (!c.constant(in(n, 0))) return cv_tile(c, n);
  const Const& x = *c.constant(in(n, 0));
  auto dims = ints_of(c.need_const(in(n, 1), "Expand with non-constant shape"), "Expand shape");
  Const zeros;
  zeros.is_float = x.is_float;
  zeros.shape = Shape(dims.begin(), dims.end());
  if (x.is_float) zeros.f.assign(size_t(zeros.numel()), 0.0f);
  else zeros.i.assign(size_t(zeros.numel()), 0);
  c.set_const(out(n), fold_binary(x, zeros, '+'));
}

// Block d of a [dirs, ...] recurrent-layer constant, without its leading axis.
Const direction_slice(const Const& k, int64_t d) {
  Const r;
  r.shape = Shape(k.shape.begin() + 1, k.shape.end());
  const int64_t per = r.numel();
  r.f.assign(k.f.begin() + d * per, k.f.begin() + (d + 1) * per);
  return r;
}

// ONNX LSTM / GRU as PyTorch exports them: layout 0, batch 1, zero or absent initial state,
// default activations. Each direction becomes one IR node on X [T, I]; the directions are
// concatenated on the feature axis and Y [T, dirs, 1, H] is that result's view.
void cv_rnn(Ctx& c, const NodeProto& n, OpKind op) {
  need_inputs(n, 3);
  const bool lstm = op == OpKind::Lstm;
  const int64_t gates = lstm ? 4 : 3;
  const std::string& type = n.op_type();
  if (attr_i(n, "layout", 0) != 0) fail("unsupported attribute layout={} (only 0: [seq, batch, features])", attr_i(n, "layout", 0));
  if (attr(n, "clip")) fail("unsupported attribute clip");
  if (lstm && attr_i(n, "input_forget", 0) != 0) fail("unsupported attribute input_forget=1");
  if (attr(n, "activation_alpha") || attr(n, "activation_beta")) fail("unsupported attributes activation_alpha/activation_beta");
  const std::string direction = attr_s(n, "direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    fail("unsupported attribute direction={}", direction);
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;
  if (const auto* a = attr(n, "activations")) {
    const std::vector<std::string> want = lstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                               : std::vector<std::string>{"Sigmoid", "Tanh"};
    for (int k = 0; k < a->strings_size(); ++k)
      if (a->strings(k) != want[size_t(k) % want.size()])
        fail("unsupported attribute activations: {} (only the defaults)", a->strings(k));
  }
  const Shape x = c.shape(in(n, 0));
  if (x.size() != 3) fail("input X must be [seq, batch, features], has shape {}", shape_str(x));
  if (c.symbolic_dim0.count(in(n, 0)))
    fail("unsupported: dynamic sequence length (X dimension 0, graph input '{}', is symbolic)", in(n, 0));
  if (x[1] != 1) fail("unsupported: batch size {} (X dimension 1); only batch 1 is compiled", x[1]);
  const int64_t h = attr_i(n, "hidden_size", 0);
  const Const& w = c.need_const(in(n, 1), type + " with non-constant W");
  const Const& r = c.need_const(in(n, 2), type + " with non-constant R");
  if (h <= 0 || w.shape != Shape{dirs, gates * h, x[2]} || r.shape != Shape{dirs, gates * h, h})
    fail("hidden_size {}, W {} and R {} do not fit X {} ({} directions)", h, shape_str(w.shape), shape_str(r.shape),
         shape_str(x), dirs);
  const Const* b = in(n, 3).empty() ? nullptr : &c.need_const(in(n, 3), type + " with non-constant B");
  if (b && b->shape != Shape{dirs, 2 * gates * h}) fail("B has shape {}, expected [{},{}]", shape_str(b->shape), dirs, 2 * gates * h);
  if (!in(n, 4).empty()) fail("unsupported input sequence_lens (all sequences must have the full length)");
  for (int k : {5, 6}) {
    if (k == 6 && !lstm) break;
    if (in(n, k).empty()) continue;
    const Const& s = c.need_const(in(n, k), fmt::format("{} with a non-constant {}", type, k == 5 ? "initial_h" : "initial_c"));
    for (int64_t i = 0; i < s.numel(); ++i)
      if (s.at(i) != 0) fail("unsupported: non-zero {} (only a zero initial state)", k == 5 ? "initial_h" : "initial_c");
  }
  if (lstm && !in(n, 7).empty()) fail("unsupported input P (peepholes)");
  extra_outputs_unused(c, n);

  const int seq = c.emit(OpKind::Reshape, {c.tensor(in(n, 0))}, attrs({{"shape", Shape{x[0], x[2]}}}),
                         c.fresh(out(n) + "_x"), c.node_name + "_x");
  std::vector<int> ys;
  for (int64_t d = 0; d < dirs; ++d) {
    const std::string tag = dirs == 1 ? "" : d == 0 ? "_fw" : "_bw";
    std::vector<int> ins = {seq, c.add_const(c.node_name + tag + "_W", direction_slice(w, d)),
                            c.add_const(c.node_name + tag + "_R", direction_slice(r, d))};
    if (b) ins.push_back(c.add_const(c.node_name + tag + "_B", direction_slice(*b, d)));
    Attrs a = attrs({{"hidden_size", h}, {"reverse", int64_t(direction == "reverse" || d == 1)}});
    if (!lstm) a.set("linear_before_reset", attr_i(n, "linear_before_reset", 0));
    ys.push_back(c.emit(op, ins, std::move(a), c.fresh(out(n) + tag + "_seq"), c.node_name + tag));
  }
  const int y = dirs == 1 ? ys[0]
                          : c.emit(OpKind::Concat, ys, attrs({{"axis", int64_t(1)}}), c.fresh(out(n) + "_seq"),
                                   c.node_name + "_concat");
  c.emit(OpKind::Reshape, {y}, attrs({{"shape", Shape{x[0], dirs, 1, h}}}), out(n), c.node_name + "_y");
}

const std::unordered_map<std::string, OpConverter>& table() {
  static const std::unordered_map<std::string, OpConverter> t = {
      {"Conv", cv_conv},
      {"Gemm", cv_gemm},
      {"MatMul", cv_matmul},
      {"Add", +[](Ctx& c, const NodeProto& n) { binary(c, n, OpKind::Add, '+'); }},
      {"Sub", +[](Ctx& c, const NodeProto& n) { binary(c, n, OpKind::Sub, '-'); }},
      {"Mul", +[](Ctx& c, const NodeProto& n) { binary(c, n, OpKind::Mul, '*'); }},
      {"Div", +[](Ctx& c, const NodeProto& n) { binary(c, n, OpKind::Mul, '/'); }},
      {"Max", +[](Ctx& c, const NodeProto& n) { binary_op(c, n, OpKind::Max); }},
      {"Min", +[](Ctx& c, const NodeProto& n) { binary_op(c, n, OpKind::Min); }},
      {"PRelu", +[](Ctx& c, const NodeProto& n) { binary_op(c, n, OpKind::PRelu); }},
      {"Pow", cv_pow},
      {"Neg", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Neg); }},
      {"Abs", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Abs); }},
      {"Sqrt", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Sqrt); }},
      {"Exp", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Exp); }},
      {"Log", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Log); }},
      {"Erf", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Erf); }},
      {"Softplus", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Softplus); }},
      {"Elu", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Elu, attrs({{"alpha", attr_f(n, "alpha", 1.0f)}})); }},
      {"GlobalMaxPool", cv_global_maxpool},
      {"LogSoftmax", cv_log_softmax},
      {"ReduceMax", +[](Ctx& c, const NodeProto& n) { reduce(c, n, OpKind::ReduceMax); }},
      {"ReduceSum", +[](Ctx& c, const NodeProto& n) { reduce(c, n, OpKind::ReduceSum); }},
      {"ArgMax", cv_arg_max},
      {"Relu", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Relu); }},
      {"Clip", cv_clip},
      {"LeakyRelu", +[](Ctx& c, const NodeProto& n) {
         unary(c, n, OpKind::LeakyRelu, attrs({{"alpha", attr_f(n, "alpha", 0.01f)}}));
       }},
      {"Sigmoid", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Sigmoid); }},
      {"Tanh", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::Tanh); }},
      {"HardSigmoid", +[](Ctx& c, const NodeProto& n) {
         unary(c, n, OpKind::HardSigmoid, attrs({{"alpha", attr_f(n, "alpha", 0.2f)}, {"beta", attr_f(n, "beta", 0.5f)}}));
       }},
      {"HardSwish", +[](Ctx& c, const NodeProto& n) { unary(c, n, OpKind::HardSwish); }},
      {"Selu", +[](Ctx& c, const NodeProto& n) {
         unary(c, n, OpKind::Selu, attrs({{"alpha", attr_f(n, "alpha", 1.67326319f)}, {"gamma", attr_f(n, "gamma", 1.05070102f)}}));
       }},
      {"MaxPool", cv_maxpool},
      {"AveragePool", cv_avgpool},
      {"GlobalAveragePool", cv_global_avgpool},
      {"BatchNormalization", cv_batchnorm},
      {"Flatten", cv_flatten},
      {"Reshape", cv_reshape},
      {"Squeeze", cv_squeeze},
      {"Unsqueeze", cv_unsqueeze},
      {"Transpose", cv_transpose},
      {"Concat", cv_concat},
      {"Pad", cv_pad},
      {"Softmax", cv_softmax},
      {"Identity", pass_through},
      {"Dropout", cv_dropout},
      {"Constant", cv_constant},
      {"ReduceMean", +[](Ctx& c, const NodeProto& n) { reduce(c, n, OpKind::ReduceMean); }},
      {"Shape", cv_shape},
      {"Gather", cv_gather},
      {"Cast", cv_cast},
      {"ConstantOfShape", cv_constant_of_shape},
      {"Slice", cv_slice},
      {"Expand", cv_expand},
      {"LSTM", +[](Ctx& c, const NodeProto& n) { cv_rnn(c, n, OpKind::Lstm); }},
      {"GRU", +[](Ctx& c, const NodeProto& n) { cv_rnn(c, n, OpKind::Gru); }},
      {"ConvTranspose", cv_conv_transpose},
      {"Resize", cv_resize},
      {"Upsample", cv_resize},
      {"Split", cv_split},
      {"Tile", cv_tile},
      {"LayerNormalization", cv_layer_norm},
      {"Equal", cv_equal},
      {"Where", cv_where},
  };
  return t;
}

}  // namespace

OpConverter find_converter(const std::string& op_type) {
  auto it = table().find(op_type);
  return it == table().end() ? nullptr : it->second;
}

}  // namespace mote::onnx_import
