// Reference LSTM / GRU: one function per gate equation, whole-vector steps, int64 accumulators
// and floor divisions for the integer ones (written from TFLM's reference_integer_ops
// semantics), double for the float ones (the ONNX operator equations).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "lower/fixedpoint.h"
#include "ref/kernels_ref.h"

namespace mote::ref {
namespace {

using Vec = std::vector<double>;
using I16 = std::vector<int16_t>;

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// rows [row0, row0 + n_rows) of m [.][n] times v, plus the optional bias slice.
Vec affine(const float* m, const float* bias, size_t row0, size_t n_rows, const Vec& v) {
  Vec out(n_rows);
  for (size_t o = 0; o < n_rows; ++o) {
    double acc = bias != nullptr ? double(bias[row0 + o]) : 0.0;
    for (size_t k = 0; k < v.size(); ++k) acc += double(m[(row0 + o) * v.size() + k]) * v[k];
    out[o] = acc;
  }
  return out;
}

Vec load(const float* src, size_t n) {
  Vec v(n, 0.0);
  if (src != nullptr)
    for (size_t k = 0; k < n; ++k) v[k] = src[k];
  return v;
}

bool shape_ok(int32_t steps, int32_t in_features, int32_t hidden) {
  return steps > 0 && in_features > 0 && hidden > 0;
}

int32_t step_time(int32_t step, int32_t steps, int32_t reverse) {
  return reverse ? steps - 1 - step : step;
}

int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int16_t sat16(int64_t v) { return int16_t(std::clamp<int64_t>(v, -32768, 32767)); }
int8_t sat8(int64_t v) { return int8_t(std::clamp<int64_t>(v, -128, 127)); }

// TFLM's int16 logistic of a Q3.12 value: |3x| indexes the table in steps of 2^9.
int16_t sigmoid_q15(int32_t x, const uint16_t* t) {
  const int64_t v = 3 * int64_t{x};
  const int64_t a = std::llabs(v);
  const int64_t idx = a / 512, frac = a % 512;
  const int64_t interp = idx >= 255 ? int64_t{32767} * 1024 : t[idx] * int64_t{512} + frac * (t[idx + 1] - t[idx]);
  const int64_t res = v >= 0 ? interp + 512 : (int64_t{1} << 25) - interp + 511;
  return int16_t(res / 1024);
}

// TFLM's int16 tanh after its input rescale (x * m + half) >> s: tanh(y) = 2 sigmoid(2y) - 1 on
// the same table, steps of 2^8.
int16_t tanh_q15(int32_t x, int32_t m, int32_t s, const uint16_t* t) {
  const int64_t v = floor_div(int64_t{x} * m + (s > 0 ? int64_t{1} << (s - 1) : 0), int64_t{1} << s);
  const int64_t a = std::llabs(v);
  const int64_t idx = a / 256, frac = a % 256;
  const int64_t interp = idx >= 255 ? int64_t{65535} * 256 : t[idx] * int64_t{256} + frac * (t[idx + 1] - t[idx]);
  const int64_t res = v >= 0 ? interp - (int64_t{1} << 23) + 128 : (int64_t{1} << 23) - interp + 127;
  return int16_t(floor_div(res, 256));
}

// TFLM's FullyConnected to int16: rows [row0, row0 + n_rows) of m times v plus bias, rescaled,
// clamped to int16.
I16 fc_s16(const int8_t* m, const int32_t* bias, size_t row0, size_t n_rows,
           const std::vector<int8_t>& v, const int32_t* mult, const int32_t* shift) {
  I16 out(n_rows);
  for (size_t o = 0; o < n_rows; ++o) {
    int64_t acc = bias[row0 + o];
    for (size_t k = 0; k < v.size(); ++k) acc += int64_t{m[(row0 + o) * v.size() + k]} * v[k];
    out[o] = sat16(multiply_by_quantized_multiplier(int32_t(acc), mult[o], shift[o]));
  }
  return out;
}

I16 add_sat(const I16& a, const I16& b) {
  I16 out(a.size());
  for (size_t j = 0; j < a.size(); ++j) out[j] = sat16(int32_t{a[j]} + b[j]);
  return out;
}

// TFLM's MulElementwise of two symmetric int16 vectors into [lo, hi] with output offset zp.
std::vector<int32_t> mul_requant(const I16& a, const I16& b, int32_t mult, int32_t shift, int32_t zp,
                                 int32_t lo, int32_t hi) {
  std::vector<int32_t> out(a.size());
  for (size_t j = 0; j < a.size(); ++j)
    out[j] = std::clamp(zp + multiply_by_quantized_multiplier(int32_t{a[j]} * b[j], mult, shift), lo, hi);
  return out;
}

// x / 2^15 rounded half away from zero.
int64_t div_q15(int64_t x) { return x >= 0 ? (x + 16384) >> 15 : -((-x + 16384) >> 15); }

}  // namespace

mote_status lstm_f32(const mote_rnn_f32_params& p, const float* x, const float* w, const float* r,
                     const float* bias, const float* h0, const float* c0, float* y, float* c_final) {
  if (!shape_ok(p.steps, p.in_features, p.hidden)) return MOTE_ERR_PARAM;
  const size_t H = size_t(p.hidden), I = size_t(p.in_features);
  Vec h = load(h0, H), c = load(c0, H);
  const float* rb = bias != nullptr ? bias + 4 * H : nullptr;
  for (int32_t step = 0; step < p.steps; ++step) {
    const size_t t = size_t(step_time(step, p.steps, p.reverse));
    const Vec xt = load(x + t * I, I);
    // ONNX block order in W, R, Wb, Rb: i, o, f, c
    auto pre = [&](size_t block) {
      Vec a = affine(w, bias, block * H, H, xt), b = affine(r, rb, block * H, H, h);
      for (size_t j = 0; j < H; ++j) a[j] += b[j];
      return a;
    };
    const Vec i = pre(0), o = pre(1), f = pre(2), g = pre(3);
    for (size_t j = 0; j < H; ++j) {
      c[j] = sigmoid(f[j]) * c[j] + sigmoid(i[j]) * std::tanh(g[j]);
      h[j] = sigmoid(o[j]) * std::tanh(c[j]);
      y[t * H + j] = float(h[j]);
    }
  }
  if (c_final != nullptr)
    for (size_t j = 0; j < H; ++j) c_final[j] = float(c[j]);
  return MOTE_OK;
}

mote_status gru_f32(const mote_rnn_f32_params& p, const float* x, const float* w, const float* r,
                    const float* bias, const float* h0, float* y) {
  if (!shape_ok(p.steps, p.in_features, p.hidden)) return MOTE_ERR_PARAM;
  const size_t H = size_t(p.hidden), I = size_t(p.in_features);
  Vec h = load(h0, H);
  const float* rb = bias != nullptr ? bias + 3 * H : nullptr;
  for (int32_t step = 0; step < p.steps; ++step) {
    const size_t t = size_t(step_time(step, p.steps, p.reverse));
    const Vec xt = load(x + t * I, I);
    const Vec xz = affine(w, bias, 0, H, xt), hz = affine(r, rb, 0, H, h);
    const Vec xr = affine(w, bias, H, H, xt), hr = affine(r, rb, H, H, h);
    const Vec xh = affine(w, bias, 2 * H, H, xt);
    Vec z(H), rg(H), cand(H);
    for (size_t j = 0; j < H; ++j) {
      z[j] = sigmoid(xz[j] + hz[j]);
      rg[j] = sigmoid(xr[j] + hr[j]);
    }
    if (p.linear_before_reset) {
      const Vec hh = affine(r, rb, 2 * H, H, h);
      for (size_t j = 0; j < H; ++j) cand[j] = std::tanh(xh[j] + rg[j] * hh[j]);
    } else {
      Vec reset_h(H);
      for (size_t j = 0; j < H; ++j) reset_h[j] = rg[j] * h[j];
      const Vec hh = affine(r, rb, 2 * H, H, reset_h);
      for (size_t j = 0; j < H; ++j) cand[j] = std::tanh(xh[j] + hh[j]);
    }
    for (size_t j = 0; j < H; ++j) {
      h[j] = (1.0 - z[j]) * cand[j] + z[j] * h[j];
      y[t * H + j] = float(h[j]);
    }
  }
  return MOTE_OK;
}

mote_status lstm_s8(const mote_lstm_s8_params& p, const int8_t* x, const int8_t* w, const int8_t* r,
                    const int32_t* in_bias, const int32_t* rec_bias, const int8_t* h0,
                    const int16_t* c0, int8_t* y, int16_t* c_final) {
  if (!shape_ok(p.steps, p.in_features, p.hidden) || p.sigmoid_table == nullptr ||
      (p.cell_act != MOTE_UN_TANH && p.cell_act != MOTE_UN_SIGMOID) || p.cell_clip < 0 ||
      p.hidden_zp < -128 || p.hidden_zp > 127)
    return MOTE_ERR_PARAM;
  const size_t H = size_t(p.hidden), I = size_t(p.in_features);
  const uint16_t* tab = p.sigmoid_table;
  std::vector<int8_t> h(H, int8_t(p.hidden_zp));
  I16 c(H, 0);
  for (size_t j = 0; j < H; ++j) {
    if (h0 != nullptr) h[j] = h0[j];
    if (c0 != nullptr) c[j] = c0[j];
  }
  for (int32_t step = 0; step < p.steps; ++step) {
    const size_t t = size_t(step_time(step, p.steps, p.reverse));
    const std::vector<int8_t> xt(x + t * I, x + (t + 1) * I);
    // CalculateLstmGate: FC(x) + FC(h), saturating, then the gate's nonlinearity.
    auto gate = [&](int g, bool tanh_act) {
      const I16 a = fc_s16(w, in_bias, size_t(g) * H, H, xt, std::vector<int32_t>(H, p.in_multiplier[g]).data(),
                           std::vector<int32_t>(H, p.in_shift[g]).data());
      const I16 b = fc_s16(r, rec_bias, size_t(g) * H, H, h, std::vector<int32_t>(H, p.rec_multiplier[g]).data(),
                           std::vector<int32_t>(H, p.rec_shift[g]).data());
      I16 v = add_sat(a, b);
      for (auto& e : v) e = tanh_act ? tanh_q15(e, 3, 0, tab) : sigmoid_q15(e, tab);
      return v;
    };
    const I16 fg = gate(1, false), ig = gate(0, false), cg = gate(2, p.cell_act == MOTE_UN_TANH);
    // UpdateLstmCell
    const auto fc = mul_requant(fg, c, p.forget_multiplier, p.forget_shift, 0, -32768, 32767);
    const auto ic = mul_requant(ig, cg, p.input_multiplier, p.input_shift, 0, -32768, 32767);
    for (size_t j = 0; j < H; ++j) {
      int32_t v = sat16(fc[j] + ic[j]);
      if (p.cell_clip > 0) v = std::max(std::min(v, p.cell_clip), -p.cell_clip);
      c[j] = int16_t(v);
    }
    // UpdateLstmHidden
    const I16 og = gate(3, false);
    I16 tc(H);
    for (size_t j = 0; j < H; ++j) tc[j] = tanh_q15(c[j], p.cell_tanh_multiplier, p.cell_tanh_shift, tab);
    const auto hn = mul_requant(tc, og, p.output_multiplier, p.output_shift, p.hidden_zp, -128, 127);
    for (size_t j = 0; j < H; ++j) {
      h[j] = int8_t(hn[j]);
      y[t * H + j] = h[j];
    }
  }
  if (c_final != nullptr) std::copy(c.begin(), c.end(), c_final);
  return MOTE_OK;
}

mote_status gru_s8(const mote_gru_s8_params& p, const int8_t* x, const int8_t* w, const int8_t* r,
                   const int32_t* in_bias, const int32_t* rec_bias, const int16_t* h0, int8_t* y,
                   int16_t* h_final) {
  if (!shape_ok(p.steps, p.in_features, p.hidden) || p.sigmoid_table == nullptr ||
      p.in_multiplier == nullptr || p.in_shift == nullptr || p.rec_multiplier == nullptr ||
      p.rec_shift == nullptr || p.out_zp < -128 || p.out_zp > 127)
    return MOTE_ERR_PARAM;
  const size_t H = size_t(p.hidden), I = size_t(p.in_features);
  const uint16_t* tab = p.sigmoid_table;
  I16 h(H, 0);
  if (h0 != nullptr) std::copy(h0, h0 + H, h.begin());
  auto to_s8 = [&](const I16& v) {
    std::vector<int8_t> q(v.size());
    for (size_t j = 0; j < v.size(); ++j)
      q[j] = sat8(int64_t{p.out_zp} + multiply_by_quantized_multiplier(v[j], p.out_multiplier, p.out_shift));
    return q;
  };
  std::vector<int8_t> hq = to_s8(h);
  for (int32_t step = 0; step < p.steps; ++step) {
    const size_t t = size_t(step_time(step, p.steps, p.reverse));
    const std::vector<int8_t> xt(x + t * I, x + (t + 1) * I);
    auto fx = [&](size_t g) {
      return fc_s16(w, in_bias, g * H, H, xt, p.in_multiplier + g * H, p.in_shift + g * H);
    };
    auto fh = [&](size_t g, const std::vector<int8_t>& v) {
      return fc_s16(r, rec_bias, g * H, H, v, p.rec_multiplier + g * H, p.rec_shift + g * H);
    };
    I16 z = add_sat(fx(0), fh(0, hq)), rg = add_sat(fx(1), fh(1, hq));
    for (auto& e : z) e = sigmoid_q15(e, tab);
    for (auto& e : rg) e = sigmoid_q15(e, tab);
    I16 rec(H);
    if (p.linear_before_reset) {
      const I16 hh = fh(2, hq);
      for (size_t j = 0; j < H; ++j) rec[j] = sat16(div_q15(int64_t{rg[j]} * hh[j]));
    } else {
      std::vector<int8_t> reset_h(H);
      for (size_t j = 0; j < H; ++j)
        reset_h[j] = sat8(div_q15(int64_t{rg[j]} * (hq[j] - p.out_zp)) + p.out_zp);
      rec = fh(2, reset_h);
    }
    const I16 pre = add_sat(fx(2), rec);
    for (size_t j = 0; j < H; ++j) {
      const int64_t cand = tanh_q15(pre[j], 3, 0, tab);
      h[j] = sat16(cand + div_q15(int64_t{z[j]} * (h[j] - cand)));
    }
    hq = to_s8(h);
    std::copy(hq.begin(), hq.end(), y + t * H);
  }
  if (h_final != nullptr) std::copy(h.begin(), h.end(), h_final);
  return MOTE_OK;
}

}  // namespace mote::ref
