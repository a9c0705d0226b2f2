// Import-time evaluation of constant subgraphs: the int64 shape arithmetic PyTorch exports
// around Reshape (Shape -> Gather -> Unsqueeze -> Concat) and small float constant math.
#include <algorithm>

#include "frontend/onnx/onnx_internal.h"

namespace mote::onnx_import {

namespace {

Shape strides_of(const Shape& s) {
  Shape st(s.size(), 1);
  for (size_t k = s.size(); k-- > 1;) st[k - 1] = st[k] * s[k];
  return st;
}

// Calls f(index) for every multi-index of `s` in row-major order.
template <typename F>
void for_each_index(const Shape& s, F f) {
  int64_t n = numel(s);
  Shape idx(s.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    f(idx);
    for (size_t d = s.size(); d-- > 0;) {
      if (++idx[d] < s[d]) break;
      idx[d] = 0;
    }
  }
}

Const empty_like(const Const& c, Shape shape) {
  Const r;
  r.is_float = c.is_float;
  r.shape = std::move(shape);
  return r;
}

void push(Const& dst, const Const& src, int64_t k) {
  if (dst.is_float) dst.f.push_back(src.f[size_t(k)]);
  else dst.i.push_back(src.i[size_t(k)]);
}

}  // namespace

int64_t norm_axis(int64_t axis, size_t rank) {
  int64_t r = int64_t(rank);
  if (axis < -r || axis >= r) fail("axis {} out of range for rank {}", axis, rank);
  return axis < 0 ? axis + r : axis;
}

static Shape broadcast_shapes(const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1) fail("shapes {} and {} do not broadcast", shape_str(a), shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Const fold_binary(const Const& a, const Const& b, char op) {
  if (a.is_float != b.is_float) fail("constant operands mix integer and float types");
  Shape out = broadcast_shapes(a.shape, b.shape);
  Const r = empty_like(a, out);
  Shape sa = strides_of(a.shape), sb = strides_of(b.shape);
  size_t oa = out.size() - a.shape.size(), ob = out.size() - b.shape.size();
  for_each_index(out, [&](const Shape& idx) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < out.size(); ++d) {
      if (d >= oa && a.shape[d - oa] != 1) ia += idx[d] * sa[d - oa];
      if (d >= ob && b.shape[d - ob] != 1) ib += idx[d] * sb[d - ob];
    }
    if (r.is_float) {
      float x = a.f[size_t(ia)], y = b.f[size_t(ib)];
      r.f.push_back(op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y);
    } else {
      int64_t x = a.i[size_t(ia)], y = b.i[size_t(ib)];
      if (op == '/' && y == 0) fail("integer division by zero in a constant");
      r.i.push_back(op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y);
    }
  });
  return r;
}

Const fold_transpose(const Const& c, const std::vector<int64_t>& perm) {
  if (perm.size() != c.shape.size()) fail("perm of {} values for rank {}", perm.size(), c.shape.size());
  Shape out(perm.size()), in_st = strides_of(c.shape), st(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) {
    int64_t p = norm_axis(perm[k], perm.size());
    out[k] = c.shape[size_t(p)];
    st[k] = in_st[size_t(p)];
  }
  Const r = empty_like(c, out);
  for_each_index(out, [&](const Shape& idx) {
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d) src += idx[d] * st[d];
    push(r, c, src);
  });
  return r;
}

Const fold_gather(const Const& data, const Const& indices, int64_t axis) {
  if (indices.is_float) fail("Gather indices must be integers");
  size_t ax = size_t(norm_axis(axis, data.shape.size()));
  Shape out(data.shape.begin(), data.shape.begin() + ptrdiff_t(ax));
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), data.shape.begin() + ptrdiff_t(ax) + 1, data.shape.end());
  int64_t outer = numel(Shape(data.shape.begin(), data.shape.begin() + ptrdiff_t(ax)));
  int64_t inner = numel(Shape(data.shape.begin() + ptrdiff_t(ax) + 1, data.shape.end()));
  int64_t dim = data.shape[ax];
  Const r = empty_like(data, out);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j : indices.i) {
      if (j < -dim || j >= dim) fail("Gather index {} out of range for dimension {}", j, dim);
      int64_t base = (o * dim + (j < 0 ? j + dim : j)) * inner;
      for (int64_t k = 0; k < inner; ++k) push(r, data, base + k);
    }
  return r;
}

Const fold_concat(const std::vector<const Const*>& parts, int64_t axis) {
  const Const& first = *parts.at(0);
  size_t ax = size_t(norm_axis(axis, first.shape.size()));
  Shape out = first.shape;
  out[ax] = 0;
  for (const Const* p : parts) {
    bool ok = p->is_float == first.is_float && p->shape.size() == out.size();
    for (size_t d = 0; ok && d < out.size(); ++d) ok = d == ax || p->shape[d] == out[d];
    if (!ok) fail("constant Concat inputs {} and {} do not fit on axis {}", shape_str(first.shape), shape_str(p->shape), ax);
    out[ax] += p->shape[ax];
  }
  int64_t outer = numel(Shape(out.begin(), out.begin() + ptrdiff_t(ax)));
  Const r = empty_like(first, out);
  for (int64_t o = 0; o < outer; ++o)
    for (const Const* p : parts) {
      int64_t block = numel(Shape(p->shape.begin() + ptrdiff_t(ax), p->shape.end()));
      for (int64_t k = 0; k < block; ++k) push(r, *p, o * block + k);
    }
  return r;
}

Const fold_slice(const Const& data, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                 const std::vector<int64_t>& axes, const std::vector<int64_t>& steps) {
  size_t rank = data.shape.size();
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    fail("Slice starts, ends, axes and steps differ in length");
  Shape begin(rank, 0), step(rank, 1), out = data.shape;
  for (size_t k = 0; k < starts.size(); ++k) {
    size_t ax = size_t(norm_axis(axes[k], rank));
    int64_t dim = data.shape[ax], s = starts[k], e = ends[k], st = steps[k];
    if (st == 0) fail("Slice step 0");
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      out[ax] = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      out[ax] = s > e ? (s - e - st - 1) / -st : 0;
    }
    begin[ax] = s;
    step[ax] = st;
  }
  Shape in_st = strides_of(data.shape);
  Const r = empty_like(data, out);
  for_each_index(out, [&](const Shape& idx) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) src += (begin[d] + idx[d] * step[d]) * in_st[d];
    push(r, data, src);
  });
  return r;
}

Const fold_cast(const Const& c, int onnx_type) {
  using TP = onnx::TensorProto;
  Const r = empty_like(c, c.shape);
  switch (onnx_type) {
    case TP::FLOAT:
    case TP::DOUBLE:
      r.is_float = true;
      for (int64_t k = 0; k < c.numel(); ++k) r.f.push_back(float(c.at(k)));
      return r;
    case TP::BOOL:
      r.is_float = false;
      for (int64_t k = 0; k < c.numel(); ++k) r.i.push_back(c.at(k) != 0);
      return r;
    case TP::INT64:
    case TP::INT32:
    case TP::INT16:
    case TP::INT8:
    case TP::UINT8:
    case TP::UINT16:
    case TP::UINT32:
    case TP::UINT64:
      r.is_float = false;
      if (c.is_float)
        for (float v : c.f) r.i.push_back(int64_t(v));  // ONNX Cast truncates toward zero
      else
        r.i = c.i;
      return r;
    default:
      fail("unsupported: Cast to {}", TP::DataType_Name(TP::DataType(onnx_type)));
  }
}

}  // namespace mote::onnx_import
