#include "ir/op_registry.h"

#include <algorithm>

namespace mote {

namespace {

// Spatial geometry of a 4-D activation in either layout.
struct SpatialDims {
  int64_t n, c, h, w;
};

SpatialDims spatial(const Graph& g, const Node& node, int tensor) {
  const Tensor& t = g.t(tensor);
  if (t.shape.size() != 4) fail("node '{}' ({}): input '{}' must be 4-D, has shape {}", node.name, op_name(node.op), t.name, shape_str(t.shape));
  if (t.layout == Layout::NHWC) return {t.shape[0], t.shape[3], t.shape[1], t.shape[2]};
  if (t.layout == Layout::NCHW) return {t.shape[0], t.shape[1], t.shape[2], t.shape[3]};
  fail("node '{}' ({}): input '{}' has no layout", node.name, op_name(node.op), t.name);
}

Shape make4(Layout l, int64_t n, int64_t c, int64_t h, int64_t w) {
  return l == Layout::NHWC ? Shape{n, h, w, c} : Shape{n, c, h, w};
}

int64_t out_dim(const Node& node, int64_t in, int64_t k, int64_t stride, int64_t dil, int64_t pb, int64_t pe) {
  int64_t eff = dil * (k - 1) + 1;
  int64_t span = in + pb + pe - eff;
  if (stride <= 0 || span < 0) fail("node '{}' ({}): window {} does not fit input {} with pads {},{}", node.name, op_name(node.op), eff, in, pb, pe);
  return span / stride + 1;
}

struct Window {
  int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

Window window(const Node& n, int64_t kh, int64_t kw) {
  auto s = n.attrs.ints("strides", {1, 1});
  auto d = n.attrs.ints("dilations", {1, 1});
  auto p = n.attrs.ints("pads", {0, 0, 0, 0});
  if (s.size() != 2 || d.size() != 2 || p.size() != 4) fail("node '{}' ({}): strides/dilations need 2 values and pads 4", n.name, op_name(n.op));
  return {kh, kw, s[0], s[1], d[0], d[1], p[0], p[1], p[2], p[3]};
}

Shape broadcast(const Node& n, const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1) fail("node '{}' ({}): shapes {} and {} do not broadcast", n.name, op_name(n.op), shape_str(a), shape_str(b));
    out[i] = std::max(da, db);
  }
  return out;
}

struct ConvGeom {
  SpatialDims in;
  int64_t out_c, kh, kw, oh, ow;
};

ConvGeom conv_geom(const Graph& g, const Node& n) {
  SpatialDims in = spatial(g, n, n.in(0));
  const Tensor& w = g.t(n.in(1));
  if (w.shape.size() != 4) fail("node '{}' (Conv): weight '{}' must be 4-D, has {}", n.name, w.name, shape_str(w.shape));
  bool nhwc = g.t(n.in(0)).layout == Layout::NHWC;
  int64_t o = w.shape[0], kh = nhwc ? w.shape[1] : w.shape[2], kw = nhwc ? w.shape[2] : w.shape[3];
  int64_t wi = nhwc ? w.shape[3] : w.shape[1];
  int64_t group = n.attrs.i("group", 1);
  if (group <= 0 || in.c % group || o % group || wi * group != in.c)
    fail("node '{}' (Conv): {} input channels, weight {} and group {} do not fit", n.name, in.c, shape_str(w.shape), group);
  Window win = window(n, kh, kw);
  return {in, o, kh, kw, out_dim(n, in.h, kh, win.sh, win.dh, win.pt, win.pb), out_dim(n, in.w, kw, win.sw, win.dw, win.pl, win.pr)};
}



// ---- shape inference, one function per shape rule (named by the ops.def rows) ---------------

Shape shape_same(const Graph& g, const Node& n) { return g.t(n.in(0)).shape; }

Shape shape_conv(const Graph& g, const Node& n) {
  ConvGeom c = conv_geom(g, n);
  return make4(g.t(n.in(0)).layout, c.in.n, c.out_c, c.oh, c.ow);
}

Shape shape_fc(const Graph& g, const Node& n) {
  const Tensor& x = g.t(n.in(0));
  const Tensor& w = g.t(n.in(1));
  if (w.shape.size() != 2 || x.shape.empty() || x.shape.back() != w.shape[1])
    fail("node '{}' (FullyConnected): input {} and weight {} do not fit", n.name, shape_str(x.shape), shape_str(w.shape));
  Shape s = x.shape;
  s.back() = w.shape[0];
  return s;
}

Shape shape_broadcast(const Graph& g, const Node& n) { return broadcast(n, g.t(n.in(0)).shape, g.t(n.in(1)).shape); }

Shape shape_pool(const Graph& g, const Node& n) {
  SpatialDims in = spatial(g, n, n.in(0));
  auto k = n.attrs.ints("kernel");
  if (k.size() != 2) fail("node '{}' ({}): kernel needs 2 values", n.name, op_name(n.op));
  Window win = window(n, k[0], k[1]);
  return make4(g.t(n.in(0)).layout, in.n, in.c, out_dim(n, in.h, k[0], win.sh, 1, win.pt, win.pb),
               out_dim(n, in.w, k[1], win.sw, 1, win.pl, win.pr));
}

Shape shape_reshape(const Graph& g, const Node& n) {
  const Tensor& x = g.t(n.in(0));
  Shape s = n.attrs.ints("shape");
  if (numel(s) != x.numel() || std::any_of(s.begin(), s.end(), [](int64_t d) { return d <= 0; }))
    fail("node '{}' ({}): cannot reshape {} to {}", n.name, op_name(n.op), shape_str(x.shape), shape_str(s));
  return s;
}

Shape shape_transpose(const Graph& g, const Node& n) {
  const Tensor& x = g.t(n.in(0));
  auto perm = n.attrs.ints("perm");
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != int64_t(i) || perm.size() != x.shape.size()) fail("node '{}' (Transpose): bad perm for rank {}", n.name, x.shape.size());
  Shape s(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) s[i] = x.shape[size_t(perm[i])];
  return s;
}

Shape shape_concat(const Graph& g, const Node& n) {
  const Tensor& x = g.t(n.in(0));
  int64_t axis = n.attrs.i("axis", 0);
  if (axis < 0 || axis >= int64_t(x.shape.size())) fail("node '{}' (Concat): axis {} out of range for rank {}", n.name, axis, x.shape.size());
  Shape s = x.shape;
  for (size_t k = 1; k < n.inputs.size(); ++k) {
    const Shape& o = g.t(n.inputs[k]).shape;
    bool ok = o.size() == s.size();
    for (size_t i = 0; ok && i < s.size(); ++i) ok = int64_t(i) == axis || o[i] == s[i];
    if (!ok) fail("node '{}' (Concat): input {} has shape {}, expected {} except axis {}", n.name, k, shape_str(o), shape_str(x.shape), axis);
    s[size_t(axis)] += o[size_t(axis)];
  }
  return s;
}

Shape shape_pad(const Graph& g, const Node& n) {
  const Tensor& x = g.t(n.in(0));
  auto p = n.attrs.ints("pads");
  size_t r = x.shape.size();
  if (p.size() != 2 * r) fail("node '{}' (Pad): {} pads for rank {}", n.name, p.size(), r);
  Shape s = x.shape;
  for (size_t i = 0; i < r; ++i) {
    if (p[i] < 0 || p[i + r] < 0) fail("node '{}' (Pad): negative pads are not supported", n.name);
    s[i] += p[i] + p[i + r];
  }
  return s;
}

Shape shape_reduce(const Graph& g, const Node& n) {
  const Tensor& x = g.t(n.in(0));
  auto axes = n.attrs.ints("axes");
  bool keep = n.attrs.i("keepdims", 1) != 0;
  for (int64_t a : axes)
    if (a < 0 || a >= int64_t(x.shape.size())) fail("node '{}' ({}): axis {} out of range", n.name, op_name(n.op), a);
  Shape s;
  for (size_t i = 0; i < x.shape.size(); ++i) {
    bool reduced = std::find(axes.begin(), axes.end(), int64_t(i)) != axes.end();
    if (!reduced) s.push_back(x.shape[i]);
    else if (keep) s.push_back(1);
  }
  return s;
}

// Lstm / Gru: gates per hidden unit.
int64_t rnn_gates(const Node& n) { return n.op == OpKind::Lstm ? 4 : 3; }

Shape shape_rnn(const Graph& g, const Node& n) {
  const Shape& x = g.t(n.in(0)).shape;
  const Shape& w = g.t(n.in(1)).shape;
  const Shape& r = g.t(n.in(2)).shape;
  const int64_t h = n.attrs.i("hidden_size", 0), gates = rnn_gates(n);
  if (x.size() != 2) fail("node '{}' ({}): input must be [steps, features], has shape {}", n.name, op_name(n.op), shape_str(x));
  if (h <= 0 || w != Shape{gates * h, x[1]} || r != Shape{gates * h, h})
    fail("node '{}' ({}): hidden_size {}, W {} and R {} do not fit input {}", n.name, op_name(n.op), h, shape_str(w),
         shape_str(r), shape_str(x));
  if (n.in(3) >= 0) {
    const int64_t b = g.t(n.in(3)).numel();
    if (b != 2 * gates * h && b != gates * h)
      fail("node '{}' ({}): bias has {} values, expected {}", n.name, op_name(n.op), b, 2 * gates * h);
  }
  return {x[0], h};
}

// The reduced axis kept as size 1 (keepdims) or dropped.
Shape shape_arg_max(const Graph& g, const Node& n) {
  const Shape& s = g.t(n.in(0)).shape;
  const int64_t axis = n.attrs.i("axis", 0);
  if (axis < 0 || axis >= int64_t(s.size())) fail("node '{}' (ArgMax): axis {} out of range for rank {}", n.name, axis, s.size());
  Shape o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (int64_t(i) != axis) o.push_back(s[i]);
    else if (n.attrs.i("keepdims", 1) != 0) o.push_back(1);
  }
  return o;
}

// ---- shapes of the transpose conv, resize, slicing and matmul ops ----

Shape shape_transpose_conv(const Graph& g, const Node& n) {
  SpatialDims in = spatial(g, n, n.in(0));
  const Tensor& w = g.t(n.in(1));
  bool nhwc = g.t(n.in(0)).layout == Layout::NHWC;
  auto hw = n.attrs.ints("out_hw");
  if (w.shape.size() != 4 || hw.size() != 2 || hw[0] <= 0 || hw[1] <= 0)
    fail("node '{}' (TransposeConv): weight {} must be 4-D and out_hw 2 positive values", n.name, shape_str(w.shape));
  if ((nhwc ? w.shape[3] : w.shape[1]) != in.c)
    fail("node '{}' (TransposeConv): weight {} does not take {} input channels", n.name, shape_str(w.shape), in.c);
  return make4(g.t(n.in(0)).layout, in.n, w.shape[0], hw[0], hw[1]);
}

Shape shape_resize(const Graph& g, const Node& n) {
  SpatialDims in = spatial(g, n, n.in(0));
  auto sz = n.attrs.ints("size");
  if (sz.size() != 2 || sz[0] <= 0 || sz[1] <= 0) fail("node '{}' (Resize): size needs 2 positive values", n.name);
  return make4(g.t(n.in(0)).layout, in.n, in.c, sz[0], sz[1]);
}

Shape shape_slice(const Graph& g, const Node& n) {
  const Shape& x = g.t(n.in(0)).shape;
  auto b = n.attrs.ints("begins"), st = n.attrs.ints("strides"), sz = n.attrs.ints("sizes");
  if (b.size() != x.size() || st.size() != x.size() || sz.size() != x.size())
    fail("node '{}' (Slice): begins/strides/sizes need {} values each", n.name, x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t last = b[i] + (sz[i] - 1) * st[i];
    if (sz[i] <= 0 || st[i] == 0 || b[i] < 0 || b[i] >= x[i] || last < 0 || last >= x[i])
      fail("node '{}' (Slice): axis {} reads {} elements from {} step {} of {}", n.name, i, sz[i], b[i], st[i], x[i]);
  }
  return sz;
}

Shape shape_gather(const Graph& g, const Node& n) {
  const Shape& x = g.t(n.in(0)).shape;
  int64_t axis = n.attrs.i("axis", 0);
  auto idx = n.attrs.ints("indices");
  Shape is = n.attrs.ints("indices_shape");
  if (axis < 0 || axis >= int64_t(x.size()) || numel(is) != int64_t(idx.size()))
    fail("node '{}' (Gather): axis {} / {} indices of shape {} do not fit input {}", n.name, axis, idx.size(), shape_str(is), shape_str(x));
  for (int64_t i : idx)
    if (i < 0 || i >= x[size_t(axis)]) fail("node '{}' (Gather): index {} out of range [0, {})", n.name, i, x[size_t(axis)]);
  Shape s(x.begin(), x.begin() + axis);
  s.insert(s.end(), is.begin(), is.end());
  s.insert(s.end(), x.begin() + axis + 1, x.end());
  return s;
}

Shape shape_tile(const Graph& g, const Node& n) {
  const Shape& x = g.t(n.in(0)).shape;
  Shape s = n.attrs.ints("shape");
  bool ok = s.size() >= x.size();
  for (size_t i = 0; ok && i < x.size(); ++i) {
    int64_t o = s[s.size() - x.size() + i];
    ok = o > 0 && x[i] > 0 && o % x[i] == 0;
  }
  if (!ok) fail("node '{}' (Tile): input {} does not tile to {}", n.name, shape_str(x), shape_str(s));
  return s;
}

// Batch matmul operands as [batch..., M, K] and [batch..., K, N] (after adj_x / adj_y; a 1-D
// lhs is [1, K] and a 1-D rhs [K, 1], those added axes dropped from the output).
Shape shape_batch_matmul(const Graph& g, const Node& n) {
  Shape a = g.t(n.in(0)).shape, b = g.t(n.in(1)).shape;
  if (a.empty() || b.empty()) fail("node '{}' (BatchMatMul): operands must have a rank", n.name);
  const bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), 1);
  if (b1) b.push_back(1);
  if (n.attrs.i("adj_x", 0)) std::swap(a[a.size() - 1], a[a.size() - 2]);
  if (n.attrs.i("adj_y", 0)) std::swap(b[b.size() - 1], b[b.size() - 2]);
  if (a.back() != b[b.size() - 2])
    fail("node '{}' (BatchMatMul): inner dims of {} and {} differ", n.name, shape_str(g.t(n.in(0)).shape), shape_str(g.t(n.in(1)).shape));
  Shape s = broadcast(n, Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!a1) s.push_back(a[a.size() - 2]);
  if (!b1) s.push_back(b.back());
  return s;
}

// ---- MAC counts ----------------------------------------------------------------------------

int64_t macs_none(const Graph&, const Node&) { return 0; }
int64_t macs_elems(const Graph& g, const Node& n) { return g.t(n.out()).numel(); }
int64_t macs_inputs(const Graph& g, const Node& n) { return g.t(n.in(0)).numel(); }

int64_t macs_conv(const Graph& g, const Node& n) {
  ConvGeom c = conv_geom(g, n);
  return c.in.n * c.oh * c.ow * c.out_c * (c.in.c / n.attrs.i("group", 1)) * c.kh * c.kw;
}

int64_t macs_fc(const Graph& g, const Node& n) { return g.t(n.out()).numel() * g.t(n.in(1)).shape[1]; }

int64_t macs_pool(const Graph& g, const Node& n) {
  auto k = n.attrs.ints("kernel");
  return g.t(n.out()).numel() * (k.size() == 2 ? k[0] * k[1] : 1);
}

// Both matrix products of every step.
int64_t macs_rnn(const Graph& g, const Node& n) {
  const Shape& x = g.t(n.in(0)).shape;
  const int64_t h = n.attrs.i("hidden_size", 0);
  return x[0] * rnn_gates(n) * h * (x[1] + h);
}

int64_t macs_transpose_conv(const Graph& g, const Node& n) {
  // Every input element meets every tap of every output channel.
  return g.t(n.in(0)).numel() * (numel(g.t(n.in(1)).shape) / spatial(g, n, n.in(0)).c);
}

// Output elements times the inner dimension.
int64_t macs_batch_matmul(const Graph& g, const Node& n) {
  const Shape& a = g.t(n.in(0)).shape;
  int64_t k = n.attrs.i("adj_x", 0) && a.size() > 1 ? a[a.size() - 2] : a.back();
  return g.t(n.out()).numel() * k;
}

constexpr OutQuant Calibrated{OutQuant::Calibrated, 0.0f, 0};
constexpr OutQuant SameAsInput{OutQuant::SameAsInput, 0.0f, 0};
constexpr OutQuant Index{OutQuant::Index, 0.0f, 0};
constexpr OutQuant Fixed(float scale, int32_t zero_point) { return {OutQuant::Fixed, scale, zero_point}; }

const OpDef kOps[] = {
#define MOTE_OP(id, name, min_in, max_in, flags, out_quant, shape_fn, macs_fn, float_fn) \
  {name, min_in, max_in, uint32_t(flags), out_quant, shape_fn, macs_fn, nullptr},
#define MOTE_ACT(id, name, out_quant, formula, c_op, s8_table) \
  {name, 1, 1, Elementwise | Activation, out_quant, shape_same, macs_elems, formula},
#include "ir/ops.def"
};
static_assert(sizeof(kOps) / sizeof(kOps[0]) == size_t(OpKind::Count), "ops.def and kOps disagree");

}  // namespace

const OpDef& op_def(OpKind op) {
  if (size_t(op) >= size_t(OpKind::Count)) fail("op id {} is not in ops.def", int(op));
  return kOps[size_t(op)];
}
const char* op_name(OpKind op) { return op_def(op).name; }

bool op_from_name(const std::string& name, OpKind* out) {
  for (size_t i = 0; i < size_t(OpKind::Count); ++i)
    if (name == kOps[i].name) {
      *out = OpKind(i);
      return true;
    }
  return false;
}

Shape infer_shape(const Graph& g, const Node& n) { return op_def(n.op).shape(g, n); }

void infer_shapes(Graph& g) {
  for (const Node& n : g.nodes) g.t(n.out()).shape = infer_shape(g, n);
}

int64_t mac_count(const Graph& g, const Node& n) { return op_def(n.op).macs(g, n); }

double activation(const Node& n, double x) {
  const OpDef& d = op_def(n.op);
  if (!d.formula) fail("node '{}' ({}) is not an activation", n.name, d.name);
  return d.formula(x, n.attrs);
}

}  // namespace mote
