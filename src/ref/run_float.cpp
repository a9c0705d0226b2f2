// The float32 reference executor: plain loops over the IR, one function per op family, in either
// layout (the layout of each op's first input decides). Sums accumulate in double so the result
// does not depend on the loop order a pass happens to produce.
#include <algorithm>
#include <cmath>

#include "ir/op_registry.h"
#include "lower/params/resize.h"
#include "ref/executor.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using Buf = std::vector<float>;

struct Ctx {
  const Graph& g;
  const Node& n;
  std::vector<Buf>& vals;
  const Buf& in(size_t k) const { return vals[size_t(n.in(k))]; }
  const Shape& shape(size_t k) const { return g.t(n.in(k)).shape; }
  bool has(size_t k) const { return n.in(k) >= 0; }
  Layout layout() const { return g.t(n.in(0)).layout; }
  [[noreturn]] void bad(const std::string& why) const {
    fail("run_float: node '{}' ({}): {}", n.name, op_name(n.op), why);
  }
};

// Row-major strides of a shape.
std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

float clamp_act(const Node& n, float v) {
  return std::min(std::max(v, n.attrs.f("act_min", kNoMin)), n.attrs.f("act_max", kNoMax));
}

// Element strides of (n, c, h, w) in a 4-D tensor of the given layout.
struct Dims4 {
  int64_t n, c, h, w;      // sizes
  int64_t sn, sc, sh, sw;  // strides
};

Dims4 dims4(const Ctx& x, const Shape& s, Layout l) {
  if (s.size() != 4) x.bad("expects a 4-D tensor, got " + shape_str(s));
  if (l == Layout::NHWC) return {s[0], s[3], s[1], s[2], s[1] * s[2] * s[3], 1, s[2] * s[3], s[3]};
  return {s[0], s[1], s[2], s[3], s[1] * s[2] * s[3], s[2] * s[3], s[3], 1};
}

Buf eval_conv(const Ctx& x, const Shape& out_shape) {
  Layout l = x.layout();
  Dims4 I = dims4(x, x.shape(0), l), O = dims4(x, out_shape, l);
  const Shape& ws = x.shape(1);
  // OIHW: o,i,h,w strides; OHWI: weight dims are [O, KH, KW, I].
  bool nhwc = l == Layout::NHWC;
  int64_t kh = nhwc ? ws[1] : ws[2], kw = nhwc ? ws[2] : ws[3], wi = nhwc ? ws[3] : ws[1];
  int64_t w_so = kh * kw * wi, w_si = nhwc ? 1 : kh * kw, w_sh = nhwc ? kw * wi : kw,
          w_sw = nhwc ? wi : 1;
  auto st = x.n.attrs.ints("strides", {1, 1}), dl = x.n.attrs.ints("dilations", {1, 1}),
       pd = x.n.attrs.ints("pads", {0, 0, 0, 0});
  int64_t group = x.n.attrs.i("group", 1), opg = O.c / group;
  const Buf &X = x.in(0), &W = x.in(1);
  const float* B = x.has(2) ? x.in(2).data() : nullptr;
  Buf Y(size_t(numel(out_shape)));
  for (int64_t b = 0; b < O.n; ++b)
    for (int64_t oc = 0; oc < O.c; ++oc) {
      int64_t ic0 = (oc / opg) * wi;
      for (int64_t oy = 0; oy < O.h; ++oy)
        for (int64_t ox = 0; ox < O.w; ++ox) {
          double acc = B ? B[oc] : 0.0;
          for (int64_t ky = 0; ky < kh; ++ky) {
            int64_t iy = oy * st[0] - pd[0] + ky * dl[0];
            if (iy < 0 || iy >= I.h) continue;
            for (int64_t kx = 0; kx < kw; ++kx) {
              int64_t ix = ox * st[1] - pd[1] + kx * dl[1];
              if (ix < 0 || ix >= I.w) continue;
              const float* xp = &X[size_t(b * I.sn + iy * I.sh + ix * I.sw + ic0 * I.sc)];
              const float* wp = &W[size_t(oc * w_so + ky * w_sh + kx * w_sw)];
              for (int64_t ic = 0; ic < wi; ++ic)
                acc += double(xp[ic * I.sc]) * double(wp[ic * w_si]);
            }
          }
          Y[size_t(b * O.sn + oc * O.sc + oy * O.sh + ox * O.sw)] = clamp_act(x.n, float(acc));
        }
    }
  return Y;
}

Buf eval_fc(const Ctx& x, const Shape&) {
  const Shape& xs = x.shape(0);
  const Shape& ws = x.shape(1);
  int64_t m = ws[0], k = ws[1], rows = numel(xs) / k;
  const Buf &X = x.in(0), &W = x.in(1);
  const float* B = x.has(2) ? x.in(2).data() : nullptr;
  Buf Y(size_t(rows * m));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < m; ++o) {
      double acc = B ? B[o] : 0.0;
      for (int64_t j = 0; j < k; ++j)
        acc += double(X[size_t(r * k + j)]) * double(W[size_t(o * k + j)]);
      Y[size_t(r * m + o)] = clamp_act(x.n, float(acc));
    }
  return Y;
}

// Strides of `s` aligned to the last `rank` dims of an output, 0 where `s` broadcasts.
std::vector<int64_t> bcast_strides(const Shape& s, size_t rank) {
  std::vector<int64_t> st = strides_of(s), r(rank, 0);
  size_t off = rank - s.size();
  for (size_t i = 0; i < s.size(); ++i) r[off + i] = s[i] == 1 ? 0 : st[i];
  return r;
}

float binary_op(OpKind op, float a, float b) {
  switch (op) {
    case OpKind::Add: return a + b;
    case OpKind::Sub: return a - b;
    case OpKind::Mul: return a * b;
    case OpKind::Div: return a / b;
    case OpKind::Max: return a > b ? a : b;
    case OpKind::Min: return a < b ? a : b;
    case OpKind::Pow: return float(std::pow(double(a), double(b)));
    case OpKind::SquaredDifference: return (a - b) * (a - b);
    case OpKind::PRelu: return a >= 0 ? a : a * b;
    default: fail("run_float: {} is no binary op", op_name(op));
  }
}

Buf eval_binary(const Ctx& x, const Shape& out) {
  std::vector<int64_t> sa = bcast_strides(x.shape(0), out.size()),
                       sb = bcast_strides(x.shape(1), out.size());
  const Buf &A = x.in(0), &B = x.in(1);
  Buf Y(size_t(numel(out)));
  std::vector<int64_t> idx(out.size(), 0);
  int64_t ia = 0, ib = 0;
  for (size_t k = 0; k < Y.size(); ++k) {
    Y[k] = clamp_act(x.n, binary_op(x.n.op, A[size_t(ia)], B[size_t(ib)]));
    // Odometer increment over the output index, moving both input offsets along.
    for (size_t d = out.size(); d-- > 0;) {
      ia += sa[d];
      ib += sb[d];
      if (++idx[d] < out[d]) break;
      ia -= sa[d] * out[d];
      ib -= sb[d] * out[d];
      idx[d] = 0;
    }
  }
  return Y;
}

// Activations: the op's formula (ops.def), in double.
Buf eval_activation(const Ctx& x, const Shape&) {
  const Buf& X = x.in(0);
  Buf Y(X.size());
  for (size_t k = 0; k < X.size(); ++k) Y[k] = float(activation(x.n, double(X[k])));
  return Y;
}

Buf eval_pool(const Ctx& x, const Shape& out_shape) {
  Layout l = x.layout();
  Dims4 I = dims4(x, x.shape(0), l), O = dims4(x, out_shape, l);
  auto k = x.n.attrs.ints("kernel"), st = x.n.attrs.ints("strides", {1, 1}),
       pd = x.n.attrs.ints("pads", {0, 0, 0, 0});
  bool avg = x.n.op == OpKind::AvgPool;
  const Buf& X = x.in(0);
  Buf Y(size_t(numel(out_shape)));
  for (int64_t b = 0; b < O.n; ++b)
    for (int64_t c = 0; c < O.c; ++c)
      for (int64_t oy = 0; oy < O.h; ++oy)
        for (int64_t ox = 0; ox < O.w; ++ox) {
          double sum = 0;
          float mx = -std::numeric_limits<float>::infinity();
          int64_t count = 0;
          for (int64_t ky = 0; ky < k[0]; ++ky) {
            int64_t iy = oy * st[0] - pd[0] + ky;
            if (iy < 0 || iy >= I.h) continue;
            for (int64_t kx = 0; kx < k[1]; ++kx) {
              int64_t ix = ox * st[1] - pd[1] + kx;
              if (ix < 0 || ix >= I.w) continue;
              float v = X[size_t(b * I.sn + c * I.sc + iy * I.sh + ix * I.sw)];
              sum += v;
              mx = std::max(mx, v);
              ++count;
            }
          }
          if (count == 0) x.bad("a pooling window lies entirely in the padding");
          Y[size_t(b * O.sn + c * O.sc + oy * O.sh + ox * O.sw)] =
              avg ? float(sum / double(count)) : mx;
        }
  return Y;
}

Buf eval_batchnorm(const Ctx& x, const Shape&) {
  const Shape& s = x.shape(0);
  if (s.size() < 2) x.bad("input needs a channel axis");
  size_t axis = x.layout() == Layout::NHWC ? s.size() - 1 : 1;
  int64_t c = s[axis], inner = 1;
  for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
  for (size_t k = 1; k <= 4; ++k)
    if (int64_t(x.in(k).size()) != c)
      x.bad("parameter " + std::to_string(k) + " needs " + std::to_string(c) + " values");
  float eps = x.n.attrs.f("epsilon", 1e-5f);
  const Buf &X = x.in(0), &sc = x.in(1), &bi = x.in(2), &mu = x.in(3), &var = x.in(4);
  Buf Y(X.size());
  for (size_t k = 0; k < X.size(); ++k) {
    size_t ch = size_t((int64_t(k) / inner) % c);
    double inv = 1.0 / std::sqrt(double(var[ch]) + double(eps));
    Y[k] = float((double(X[k]) - mu[ch]) * inv * sc[ch] + bi[ch]);
  }
  return Y;
}

Buf eval_transpose(const Ctx& x, const Shape&) {
  const Buf& X = x.in(0);
  const Shape& in = x.shape(0);
  const std::vector<int64_t> perm = x.n.attrs.ints("perm");
  std::vector<int64_t> ist = strides_of(in);
  Shape out(perm.size());
  std::vector<int64_t> st(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    out[i] = in[size_t(perm[i])];
    st[i] = ist[size_t(perm[i])];
  }
  Buf Y(X.size());
  std::vector<int64_t> idx(out.size(), 0);
  int64_t src = 0;
  for (size_t k = 0; k < Y.size(); ++k) {
    Y[k] = X[size_t(src)];
    for (size_t d = out.size(); d-- > 0;) {
      src += st[d];
      if (++idx[d] < out[d]) break;
      src -= st[d] * out[d];
      idx[d] = 0;
    }
  }
  return Y;
}

Buf eval_concat(const Ctx& x, const Shape& out) {
  size_t axis = size_t(x.n.attrs.i("axis", 0));
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < axis; ++i) outer *= out[i];
  for (size_t i = axis + 1; i < out.size(); ++i) inner *= out[i];
  Buf Y(size_t(numel(out)));
  int64_t off = 0;  // offset along the axis
  for (size_t k = 0; k < x.n.inputs.size(); ++k) {
    int64_t a = x.shape(k)[axis];
    const Buf& X = x.in(k);
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(X.begin() + o * a * inner, a * inner, Y.begin() + (o * out[axis] + off) * inner);
    off += a;
  }
  return Y;
}

Buf eval_pad(const Ctx& x, const Shape& out) {
  const Shape& in = x.shape(0);
  auto p = x.n.attrs.ints("pads");
  Buf Y(size_t(numel(out)), x.n.attrs.f("value", 0.0f));
  std::vector<int64_t> ost = strides_of(out), idx(in.size(), 0);
  const Buf& X = x.in(0);
  int64_t dst = 0;
  for (size_t i = 0; i < in.size(); ++i) dst += p[i] * ost[i];
  for (size_t k = 0; k < X.size(); ++k) {
    Y[size_t(dst)] = X[k];
    for (size_t d = in.size(); d-- > 0;) {
      dst += ost[d];
      if (++idx[d] < in[d]) break;
      dst -= ost[d] * in[d];
      idx[d] = 0;
    }
  }
  return Y;
}

Buf eval_softmax(const Ctx& x, const Shape&) {
  const Shape& s = x.shape(0);
  size_t axis = size_t(x.n.attrs.i("axis", int64_t(s.size()) - 1));
  if (axis >= s.size()) x.bad("axis out of range");
  int64_t outer = 1, n = s[axis], inner = 1;
  for (size_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
  const Buf& X = x.in(0);
  const bool log = x.n.op == OpKind::LogSoftmax;
  Buf Y(X.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      size_t base = size_t(o * n * inner + i);
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < n; ++j) mx = std::max(mx, X[base + size_t(j * inner)]);
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += std::exp(double(X[base + size_t(j * inner)]) - mx);
      for (int64_t j = 0; j < n; ++j) {
        const double d = double(X[base + size_t(j * inner)]) - mx;
        Y[base + size_t(j * inner)] = float(log ? d - std::log(sum) : std::exp(d) / sum);
      }
    }
  return Y;
}

// ReduceMean, ReduceSum (accumulated in double) and ReduceMax.
Buf eval_reduce(const Ctx& x, const Shape& out) {
  const Shape& s = x.shape(0);
  auto axes = x.n.attrs.ints("axes");
  // Output strides seen from the input's index space: 0 along reduced axes.
  std::vector<int64_t> full(s.size(), 1);
  for (size_t i = 0; i < s.size(); ++i)
    if (std::find(axes.begin(), axes.end(), int64_t(i)) != axes.end()) full[i] = 0;
  Shape kept;
  for (size_t i = 0; i < s.size(); ++i) kept.push_back(full[i] ? s[i] : 1);
  std::vector<int64_t> kst = strides_of(kept), ost(s.size());
  for (size_t i = 0; i < s.size(); ++i) ost[i] = full[i] ? kst[i] : 0;
  int64_t count = 1;
  for (size_t i = 0; i < s.size(); ++i) count *= full[i] ? 1 : s[i];
  const bool max = x.n.op == OpKind::ReduceMax;
  std::vector<double> acc(size_t(numel(out)), max ? -std::numeric_limits<double>::infinity() : 0.0);
  const Buf& X = x.in(0);
  std::vector<int64_t> idx(s.size(), 0);
  int64_t dst = 0;
  for (size_t k = 0; k < X.size(); ++k) {
    double& a = acc[size_t(dst)];
    a = max ? std::max(a, double(X[k])) : a + X[k];
    for (size_t d = s.size(); d-- > 0;) {
      dst += ost[d];
      if (++idx[d] < s[d]) break;
      dst -= ost[d] * s[d];
      idx[d] = 0;
    }
  }
  Buf Y(acc.size());
  const double div = x.n.op == OpKind::ReduceMean ? double(count) : 1.0;
  for (size_t k = 0; k < acc.size(); ++k) Y[k] = float(acc[k] / div);
  return Y;
}

// The index of the first maximum along the axis, as a float.
Buf eval_arg_max(const Ctx& x, const Shape&) {
  const Shape& s = x.shape(0);
  const size_t axis = size_t(x.n.attrs.i("axis", 0));
  int64_t outer = 1, n = s[axis], inner = 1;
  for (size_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
  const Buf& X = x.in(0);
  Buf Y(size_t(outer * inner));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      for (int64_t j = 1; j < n; ++j)
        if (X[size_t((o * n + j) * inner + i)] > X[size_t((o * n + best) * inner + i)]) best = j;
      Y[size_t(o * inner + i)] = float(best);
    }
  return Y;
}

Buf eval_copy(const Ctx& x, const Shape&) { return x.in(0); }

mote_rnn_f32_params rnn_params(const Ctx& x) {
  mote_rnn_f32_params p{};
  p.steps = int32_t(x.shape(0)[0]);
  p.in_features = int32_t(x.shape(0)[1]);
  p.hidden = int32_t(x.n.attrs.i("hidden_size", 0));
  p.reverse = int32_t(x.n.attrs.i("reverse", 0));
  p.linear_before_reset = int32_t(x.n.attrs.i("linear_before_reset", 0));
  return p;
}

// The recurrent layers: the oracles' ONNX equations in double, zero initial state.
Buf eval_lstm(const Ctx& x, const Shape& out) {
  Buf Y(size_t(numel(out)));
  if (ref::lstm_f32(rnn_params(x), x.in(0).data(), x.in(1).data(), x.in(2).data(), x.has(3) ? x.in(3).data() : nullptr,
                    nullptr, nullptr, Y.data(), nullptr) != MOTE_OK)
    x.bad("invalid LSTM shape");
  return Y;
}

Buf eval_gru(const Ctx& x, const Shape& out) {
  Buf Y(size_t(numel(out)));
  if (ref::gru_f32(rnn_params(x), x.in(0).data(), x.in(1).data(), x.in(2).data(), x.has(3) ? x.in(3).data() : nullptr,
                   nullptr, Y.data()) != MOTE_OK)
    x.bad("invalid GRU shape");
  return Y;
}

// ---- transpose conv, resize, slicing, gather, tile, batch matmul, layer norm ----

std::vector<int32_t> dims32(const Shape& s) { return std::vector<int32_t>(s.begin(), s.end()); }

Buf eval_transpose_conv(const Ctx& x, const Shape& out_shape) {
  Layout l = x.layout();
  Dims4 I = dims4(x, x.shape(0), l), O = dims4(x, out_shape, l);
  const Shape& ws = x.shape(1);
  bool nhwc = l == Layout::NHWC;
  int64_t kh = nhwc ? ws[1] : ws[2], kw = nhwc ? ws[2] : ws[3];
  // OHWI or OIHW strides of (o, i, ky, kx).
  int64_t w_so = kh * kw * I.c, w_si = nhwc ? 1 : kh * kw, w_sh = nhwc ? kw * I.c : kw, w_sw = nhwc ? I.c : 1;
  auto st = x.n.attrs.ints("strides", {1, 1}), dl = x.n.attrs.ints("dilations", {1, 1}), pd = x.n.attrs.ints("pads", {0, 0});
  const Buf &X = x.in(0), &W = x.in(1);
  const float* B = x.has(2) ? x.in(2).data() : nullptr;
  std::vector<double> acc(size_t(numel(out_shape)), 0.0);
  // Scatter every input pixel through every tap (the definition of a transposed conv).
  for (int64_t b = 0; b < I.n; ++b)
    for (int64_t iy = 0; iy < I.h; ++iy)
      for (int64_t ix = 0; ix < I.w; ++ix)
        for (int64_t ky = 0; ky < kh; ++ky) {
          int64_t oy = iy * st[0] - pd[0] + ky * dl[0];
          if (oy < 0 || oy >= O.h) continue;
          for (int64_t kx = 0; kx < kw; ++kx) {
            int64_t ox = ix * st[1] - pd[1] + kx * dl[1];
            if (ox < 0 || ox >= O.w) continue;
            for (int64_t oc = 0; oc < O.c; ++oc) {
              double& a = acc[size_t(b * O.sn + oc * O.sc + oy * O.sh + ox * O.sw)];
              for (int64_t ic = 0; ic < I.c; ++ic)
                a += double(X[size_t(b * I.sn + ic * I.sc + iy * I.sh + ix * I.sw)]) *
                     double(W[size_t(oc * w_so + ic * w_si + ky * w_sh + kx * w_sw)]);
            }
          }
        }
  Buf Y(acc.size());
  for (int64_t b = 0; b < O.n; ++b)
    for (int64_t oc = 0; oc < O.c; ++oc)
      for (int64_t oy = 0; oy < O.h; ++oy)
        for (int64_t ox = 0; ox < O.w; ++ox) {
          size_t k = size_t(b * O.sn + oc * O.sc + oy * O.sh + ox * O.sw);
          Y[k] = clamp_act(x.n, float(acc[k] + (B ? B[oc] : 0.0)));
        }
  return Y;
}

// TFLite's float coordinate rules, in either layout.
Buf eval_resize(const Ctx& x, const Shape& out_shape) {
  Layout l = x.layout();
  Dims4 I = dims4(x, x.shape(0), l), O = dims4(x, out_shape, l);
  const bool ac = x.n.attrs.i("align_corners", 0) != 0, hp = x.n.attrs.i("half_pixel_centers", 0) != 0;
  const Buf& X = x.in(0);
  Buf Y(size_t(numel(out_shape)));
  auto at = [&](int64_t b, int64_t c, int64_t y, int64_t w) { return X[size_t(b * I.sn + c * I.sc + y * I.sh + w * I.sw)]; };
  const bool linear = x.n.attrs.s("mode", "nearest") == "linear";
  if (!linear && x.n.attrs.s("mode", "nearest") != "nearest") x.bad("mode must be nearest or linear");
  const std::vector<int32_t> ny = linear ? std::vector<int32_t>{} : tflite_nearest_axis(int32_t(I.h), int32_t(O.h), ac, hp);
  const std::vector<int32_t> nx = linear ? std::vector<int32_t>{} : tflite_nearest_axis(int32_t(I.w), int32_t(O.w), ac, hp);
  BilinearAxisF32 by, bx;
  if (linear) {
    by = tflite_bilinear_axis_f32(int32_t(I.h), int32_t(O.h), ac, hp);
    bx = tflite_bilinear_axis_f32(int32_t(I.w), int32_t(O.w), ac, hp);
  }
  for (int64_t b = 0; b < O.n; ++b)
    for (int64_t c = 0; c < O.c; ++c)
      for (int64_t oy = 0; oy < O.h; ++oy)
        for (int64_t ox = 0; ox < O.w; ++ox) {
          float v;
          if (!linear) {
            v = at(b, c, ny[size_t(oy)], nx[size_t(ox)]);
          } else {
            const float fy = by.frac[size_t(oy)], fx = bx.frac[size_t(ox)];
            const int64_t y0 = by.lo[size_t(oy)], y1 = by.hi[size_t(oy)], x0 = bx.lo[size_t(ox)], x1 = bx.hi[size_t(ox)];
            v = at(b, c, y0, x0) * (1 - fy) * (1 - fx) + at(b, c, y1, x0) * fy * (1 - fx) +
                at(b, c, y0, x1) * (1 - fy) * fx + at(b, c, y1, x1) * fy * fx;
          }
          Y[size_t(b * O.sn + c * O.sc + oy * O.sh + ox * O.sw)] = v;
        }
  return Y;
}

Buf eval_slice(const Ctx& x, const Shape& out) {
  Buf Y(size_t(numel(out)));
  if (ref::slice_nd(dims32(x.shape(0)), dims32(x.n.attrs.ints("begins")), dims32(x.n.attrs.ints("strides")),
                    dims32(out), 4, x.in(0).data(), Y.data()) != MOTE_OK)
    x.bad("slice does not fit the input");
  return Y;
}

Buf eval_gather(const Ctx& x, const Shape& out) {
  Buf Y(size_t(numel(out)));
  if (ref::gather_nd_axis(dims32(x.shape(0)), int32_t(x.n.attrs.i("axis", 0)), dims32(x.n.attrs.ints("indices")), 4,
                          x.in(0).data(), Y.data()) != MOTE_OK)
    x.bad("indices out of range");
  return Y;
}

Buf eval_tile(const Ctx& x, const Shape& out) {
  Buf Y(size_t(numel(out)));
  if (ref::tile_nd(dims32(x.shape(0)), dims32(out), 4, x.in(0).data(), Y.data()) != MOTE_OK)
    x.bad("input does not tile to " + shape_str(out));
  return Y;
}

Buf eval_batch_matmul(const Ctx& x, const Shape& out) {
  Buf Y(size_t(numel(out)));
  if (ref::batch_matmul_f32_nd(dims32(x.shape(0)), dims32(x.shape(1)), x.n.attrs.i("adj_x", 0) != 0,
                               x.n.attrs.i("adj_y", 0) != 0, x.in(0).data(), x.in(1).data(), Y.data()) != MOTE_OK)
    x.bad("operands do not multiply");
  return Y;
}

// Normalizes over the axes from `axis` to the end (ref::layer_norm_f32 is the definition).
Buf eval_layer_norm(const Ctx& x, const Shape& s) {
  const int64_t axis = x.n.attrs.i("axis", int64_t(s.size()) - 1);
  if (axis < 0 || axis >= int64_t(s.size())) x.bad("axis out of range");
  int64_t inner = 1;
  for (size_t i = size_t(axis); i < s.size(); ++i) inner *= s[i];
  if (int64_t(x.in(1).size()) != inner || (x.has(2) && int64_t(x.in(2).size()) != inner)) x.bad("scale/bias size differs from the normalized size");
  const mote_layer_norm_f32_params p{int32_t(numel(s) / inner), int32_t(inner), x.n.attrs.f("epsilon", 1e-5f)};
  Buf Y(size_t(numel(s)));
  if (ref::layer_norm_f32(p, x.in(0).data(), x.in(1).data(), x.has(2) ? x.in(2).data() : nullptr, Y.data()) != MOTE_OK)
    x.bad("rows with zero variance and epsilon 0");
  return Y;
}

// The float semantics of every op, from its ops.def row.
using Eval = Buf (*)(const Ctx& x, const Shape& out);
const Eval kEval[] = {
#define MOTE_OP(id, name, min_in, max_in, flags, out_quant, shape_fn, macs_fn, float_fn) &float_fn,
#define MOTE_ACT(id, ...) &eval_activation,
#include "ir/ops.def"
};

Buf const_to_f32(const Tensor& t) {
  Buf v(size_t(t.numel()));
  for (size_t k = 0; k < v.size(); ++k) {
    switch (t.dtype) {
      case DType::F32:
        v[k] = t.as<float>()[k];
        break;
      case DType::I8:
        v[k] = float(t.as<int8_t>()[k]);
        break;
      case DType::U8:
        v[k] = float(t.as<uint8_t>()[k]);
        break;
      case DType::I32:
        v[k] = float(t.as<int32_t>()[k]);
        break;
      case DType::I64:
        v[k] = float(t.as<int64_t>()[k]);
        break;
      case DType::U16:
        v[k] = float(t.as<uint16_t>()[k]);
        break;
      case DType::I16:
        v[k] = float(t.as<int16_t>()[k]);
        break;
    }
  }
  return v;
}

Array to_array(const Shape& s, const Buf& v) {
  Array a;
  a.dtype = DType::F32;
  a.shape = s;
  a.bytes.resize(v.size() * sizeof(float));
  std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
  return a;
}

}  // namespace

std::vector<Array> run_float(const Graph& g, const std::vector<Array>& inputs,
                             const Observer& observe) {
  if (inputs.size() != g.inputs.size())
    fail("run_float: graph '{}' has {} inputs, got {}", g.name, g.inputs.size(), inputs.size());
  std::vector<Buf> vals(g.tensors.size());
  std::vector<bool> ready(g.tensors.size(), false);
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (g.tensors[i].is_const()) {
      vals[i] = const_to_f32(g.tensors[i]);
      ready[i] = true;
    }
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& t = g.t(g.inputs[k]);
    const Array& a = inputs[k];
    if (a.dtype != DType::F32)
      fail("run_float: input '{}' must be f32, got {}", t.name, dtype_name(a.dtype));
    if (a.numel() != t.numel() || a.bytes.size() != size_t(a.numel()) * 4)
      fail("run_float: input '{}' has shape {}, graph expects {}", t.name, shape_str(a.shape),
           shape_str(t.shape));
    Buf& v = vals[size_t(g.inputs[k])];
    v.resize(size_t(a.numel()));
    std::memcpy(v.data(), a.bytes.data(), a.bytes.size());
    ready[size_t(g.inputs[k])] = true;
  }
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    Ctx x{g, n, vals};
    for (int i : n.inputs)
      if (i >= 0 && !ready[size_t(i)]) x.bad("input '" + g.t(i).name + "' is not computed yet");
    const Tensor& out = g.t(n.out());
    Buf y = kEval[size_t(n.op)](x, out.shape);
    if (int64_t(y.size()) != out.numel())
      x.bad("produced " + std::to_string(y.size()) + " values for " + shape_str(out.shape));
    vals[size_t(n.out())] = std::move(y);
    ready[size_t(n.out())] = true;
    if (observe) observe(int(k), to_array(out.shape, vals[size_t(n.out())]));
  }
  std::vector<Array> res;
  for (int o : g.outputs) {
    if (!ready[size_t(o)]) fail("run_float: graph output '{}' is never computed", g.t(o).name);
    res.push_back(to_array(g.t(o).shape, vals[size_t(o)]));
  }
  return res;
}

}  // namespace mote
