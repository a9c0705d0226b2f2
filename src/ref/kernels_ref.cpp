// Reference kernels: one loop nest over the output per kernel, bounds tested tap by tap, int64
// accumulators for int8 and double for float. Clarity over speed.
#include "ref/kernels_ref.h"

#include "ir/op_registry.h"
#include "lower/lower.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "lower/fixedpoint.h"

namespace mote::ref {
namespace {

bool positive(const mote_dims& d) { return d.n > 0 && d.h > 0 && d.w > 0 && d.c > 0; }

bool act_s8_ok(int32_t lo, int32_t hi) { return -128 <= lo && lo <= hi && hi <= 127; }

int8_t clamp_s8(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int8_t>(std::min<int64_t>(std::max<int64_t>(v, lo), hi));
}

}  // namespace

bool act_s16_ok(int32_t lo, int32_t hi) { return -32768 <= lo && lo <= hi && hi <= 32767; }

bool requant16_ok(const int32_t* multiplier, const int32_t* shift, int32_t n) {
  if (!multiplier || !shift) return false;
  for (int32_t i = 0; i < n; ++i)
    if (multiplier[i] < 0 || shift[i] < -31 || shift[i] > 7) return false;
  return true;
}

int16_t requant16(int64_t acc, int32_t multiplier, int32_t shift, int32_t lo, int32_t hi) {
  const int64_t v = multiply_by_quantized_multiplier_64(acc, multiplier, shift);
  return static_cast<int16_t>(std::min<int64_t>(std::max<int64_t>(v, lo), hi));
}

namespace {

float clamp_f32(double v, float lo, float hi) {
  return std::min(std::max(static_cast<float>(v), lo), hi);
}

size_t nhwc(const mote_dims& d, int32_t n, int32_t y, int32_t x, int32_t c) {
  return ((static_cast<size_t>(n) * d.h + y) * d.w + x) * d.c + c;
}

bool geometry_ok(const mote_dims& in, const mote_dims& out, int32_t kh, int32_t kw, int32_t sh,
                 int32_t sw, int32_t dh, int32_t dw) {
  return positive(in) && positive(out) && in.n == out.n && kh > 0 && kw > 0 && sh > 0 && sw > 0 &&
         dh > 0 && dw > 0;
}

// Calls f(ky, kx, iy, ix) for every tap of the window at output (oy, ox) whose input cell lies
// inside the input.
template <typename F>
void for_each_tap(const mote_dims& in, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
                  int32_t dw, int32_t pt, int32_t pl, int32_t oy, int32_t ox, F&& f) {
  for (int32_t ky = 0; ky < kh; ++ky) {
    for (int32_t kx = 0; kx < kw; ++kx) {
      const int32_t iy = oy * sh - pt + ky * dh;
      const int32_t ix = ox * sw - pl + kx * dw;
      if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
      f(ky, kx, iy, ix);
    }
  }
}

// The loop nest all four convolutions share, output element by element: acc starts at the bias
// and mac(acc, input index, weight index) adds each kernel tap inside the input; store(output
// index, oc, acc) writes it. Each group of cout_g output channels reads cin_g input channels;
// w_index(oc, ky, kx, ci) is the weight layout.
template <typename Acc, typename P, typename B, typename WIndex, typename Mac, typename Store>
void conv_nest(const P& p, const B* bias, int32_t cin_g, int32_t cout_g, WIndex w_index, Mac mac,
               Store store) {
  for (int32_t n = 0; n < p.out.n; ++n)
    for (int32_t oy = 0; oy < p.out.h; ++oy)
      for (int32_t ox = 0; ox < p.out.w; ++ox)
        for (int32_t oc = 0; oc < p.out.c; ++oc) {
          const int32_t first_ic = (oc / cout_g) * cin_g;
          Acc acc = bias ? Acc(bias[oc]) : Acc(0);
          for_each_tap(p.in, p.kh, p.kw, p.stride_h, p.stride_w, p.dil_h, p.dil_w, p.pad_top,
                       p.pad_left, oy, ox, [&](int32_t ky, int32_t kx, int32_t iy, int32_t ix) {
                         for (int32_t ci = 0; ci < cin_g; ++ci)
                           mac(acc, nhwc(p.in, n, iy, ix, first_ic + ci), w_index(oc, ky, kx, ci));
                       });
          store(nhwc(p.out, n, oy, ox, oc), oc, acc);
        }
}

// Convolution weights [oc][kh][kw][cin_g]; depthwise weights [kh][kw][oc].
template <typename P>
auto conv_weight_index(const P& p, int32_t cin_g) {
  return [&p, cin_g](int32_t oc, int32_t ky, int32_t kx, int32_t ci) {
    return ((static_cast<size_t>(oc) * p.kh + ky) * p.kw + kx) * cin_g + ci;
  };
}
template <typename P>
auto depthwise_weight_index(const P& p) {
  return [&p](int32_t oc, int32_t ky, int32_t kx, int32_t) {
    return (static_cast<size_t>(ky) * p.kw + kx) * p.out.c + oc;
  };
}

auto mac_s8(const mote_conv_s8_params& p, const int8_t* in, const int8_t* w) {
  return [&p, in, w](int64_t& acc, size_t i, size_t k) { acc += (int64_t{in[i]} - p.in_zp) * w[k]; };
}
auto mac_f32(const float* in, const float* w) {
  return [in, w](double& acc, size_t i, size_t k) { acc += double{in[i]} * w[k]; };
}

// TFLM's requantization of an int32 accumulator to int8, per output channel.
auto requant_store(const mote_conv_s8_params& p, int8_t* out) {
  return [&p, out](size_t i, int32_t oc, int64_t acc) {
    const int64_t r = int64_t{multiply_by_quantized_multiplier(static_cast<int32_t>(acc),
                                                               p.multiplier[oc], p.shift[oc])} +
                      p.out_zp;
    out[i] = clamp_s8(r, p.act_min, p.act_max);
  };
}
auto clamp_store(const mote_conv_f32_params& p, float* out) {
  return [&p, out](size_t i, int32_t, double acc) { out[i] = clamp_f32(acc, p.act_min, p.act_max); };
}

bool bcast_ok(const mote_bcast& bc) {
  for (int i = 0; i < 4; ++i) {
    if (bc.dims[i] <= 0 || bc.a_stride[i] < 0 || bc.b_stride[i] < 0) return false;
  }
  return true;
}

// Calls f(out_index, a_index, b_index) for every output element in row-major order.
template <typename F>
void for_each_bcast(const mote_bcast& bc, F&& f) {
  size_t k = 0;
  for (int32_t i0 = 0; i0 < bc.dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < bc.dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < bc.dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < bc.dims[3]; ++i3) {
          const int64_t ia = int64_t{i0} * bc.a_stride[0] + int64_t{i1} * bc.a_stride[1] +
                             int64_t{i2} * bc.a_stride[2] + int64_t{i3} * bc.a_stride[3];
          const int64_t ib = int64_t{i0} * bc.b_stride[0] + int64_t{i1} * bc.b_stride[1] +
                             int64_t{i2} * bc.b_stride[2] + int64_t{i3} * bc.b_stride[3];
          f(k++, static_cast<size_t>(ia), static_cast<size_t>(ib));
        }
}

// Every pooling window must contain at least one input cell.
template <typename P>
bool pool_ok(const P& p) {
  if (!positive(p.in) || !positive(p.out) || p.in.n != p.out.n || p.in.c != p.out.c || p.kh <= 0 ||
      p.kw <= 0 || p.stride_h <= 0 || p.stride_w <= 0 || p.pad_top < 0 || p.pad_left < 0)
    return false;
  for (int32_t oy = 0; oy < p.out.h; ++oy) {
    const int32_t y0 = oy * p.stride_h - p.pad_top;
    if (y0 + p.kh <= 0 || y0 >= p.in.h) return false;
  }
  for (int32_t ox = 0; ox < p.out.w; ++ox) {
    const int32_t x0 = ox * p.stride_w - p.pad_left;
    if (x0 + p.kw <= 0 || x0 >= p.in.w) return false;
  }
  return true;
}

// Calls f(out_index, values of the cells inside the window) for each pooling output.
template <typename P, typename T, typename F>
void for_each_window(const P& p, const T* in, F&& f) {
  std::vector<T> cells;
  for (int32_t n = 0; n < p.out.n; ++n)
    for (int32_t oy = 0; oy < p.out.h; ++oy)
      for (int32_t ox = 0; ox < p.out.w; ++ox)
        for (int32_t c = 0; c < p.out.c; ++c) {
          cells.clear();
          for_each_tap(p.in, p.kh, p.kw, p.stride_h, p.stride_w, 1, 1, p.pad_top, p.pad_left, oy,
                       ox, [&](int32_t, int32_t, int32_t iy, int32_t ix) {
                         cells.push_back(in[nhwc(p.in, n, iy, ix, c)]);
                       });
          f(nhwc(p.out, n, oy, ox, c), cells);
        }
}

}  // namespace

mote_status conv2d_s8(const mote_conv_s8_params& p, const int8_t* in, const int8_t* w,
                      const int32_t* bias, int8_t* out) {
  if (!geometry_ok(p.in, p.out, p.kh, p.kw, p.stride_h, p.stride_w, p.dil_h, p.dil_w) ||
      p.groups <= 0 || p.in.c % p.groups || p.out.c % p.groups || !p.multiplier || !p.shift ||
      p.in_zp < -128 || p.in_zp > 127 || !act_s8_ok(p.act_min, p.act_max))
    return MOTE_ERR_PARAM;
  const int32_t cin_g = p.in.c / p.groups;
  conv_nest<int64_t>(p, bias, cin_g, p.out.c / p.groups, conv_weight_index(p, cin_g),
                     mac_s8(p, in, w), requant_store(p, out));
  return MOTE_OK;
}

mote_status conv2d_s16(const mote_conv_s8_params& p, const int16_t* in, const int8_t* w,
                       const int64_t* bias, int16_t* out) {
  if (!geometry_ok(p.in, p.out, p.kh, p.kw, p.stride_h, p.stride_w, p.dil_h, p.dil_w) ||
      p.groups <= 0 || p.in.c % p.groups || p.out.c % p.groups || p.in_zp != 0 || p.out_zp != 0 ||
      p.in_place != 0 || !act_s16_ok(p.act_min, p.act_max) ||
      !requant16_ok(p.multiplier, p.shift, p.out.c))
    return MOTE_ERR_PARAM;
  const int32_t cin_g = p.in.c / p.groups;
  conv_nest<int64_t>(
      p, bias, cin_g, p.out.c / p.groups, conv_weight_index(p, cin_g),
      [in, w](int64_t& acc, size_t i, size_t k) { acc += int64_t{in[i]} * w[k]; },
      [&p, out](size_t i, int32_t oc, int64_t acc) { out[i] = requant16(acc, p.multiplier[oc], p.shift[oc], p.act_min, p.act_max); });
  return MOTE_OK;
}

mote_status fully_connected_s16(const mote_fc_s8_params& p, const int16_t* in, const int8_t* w,
                                const int64_t* bias, int16_t* out) {
  if (p.batches <= 0 || p.in_features <= 0 || p.out_features <= 0 || p.in_zp != 0 ||
      p.out_zp != 0 || !act_s16_ok(p.act_min, p.act_max) ||
      !requant16_ok(p.multiplier, p.shift, p.per_channel ? p.out_features : 1))
    return MOTE_ERR_PARAM;
  for (int32_t b = 0; b < p.batches; ++b)
    for (int32_t o = 0; o < p.out_features; ++o) {
      int64_t acc = bias ? bias[o] : 0;
      for (int32_t k = 0; k < p.in_features; ++k)
        acc += int64_t{in[static_cast<size_t>(b) * p.in_features + k]} *
               w[static_cast<size_t>(o) * p.in_features + k];
      const int32_t ch = p.per_channel ? o : 0;
      out[static_cast<size_t>(b) * p.out_features + o] =
          requant16(acc, p.multiplier[ch], p.shift[ch], p.act_min, p.act_max);
    }
  return MOTE_OK;
}

mote_status depthwise_conv2d_s8(const mote_conv_s8_params& p, const int8_t* in, const int8_t* w,
                                const int32_t* bias, int8_t* out) {
  if (!geometry_ok(p.in, p.out, p.kh, p.kw, p.stride_h, p.stride_w, p.dil_h, p.dil_w) ||
      p.out.c % p.in.c || !p.multiplier || !p.shift || !act_s8_ok(p.act_min, p.act_max))
    return MOTE_ERR_PARAM;
  conv_nest<int64_t>(p, bias, 1, p.out.c / p.in.c, depthwise_weight_index(p), mac_s8(p, in, w),
                     requant_store(p, out));
  return MOTE_OK;
}

mote_status conv2d_f32(const mote_conv_f32_params& p, const float* in, const float* w,
                       const float* bias, float* out) {
  if (!geometry_ok(p.in, p.out, p.kh, p.kw, p.stride_h, p.stride_w, p.dil_h, p.dil_w) ||
      p.groups <= 0 || p.in.c % p.groups || p.out.c % p.groups)
    return MOTE_ERR_PARAM;
  const int32_t cin_g = p.in.c / p.groups;
  conv_nest<double>(p, bias, cin_g, p.out.c / p.groups, conv_weight_index(p, cin_g),
                    mac_f32(in, w), clamp_store(p, out));
  return MOTE_OK;
}

mote_status depthwise_conv2d_f32(const mote_conv_f32_params& p, const float* in, const float* w,
                                 const float* bias, float* out) {
  if (!geometry_ok(p.in, p.out, p.kh, p.kw, p.stride_h, p.stride_w, p.dil_h, p.dil_w) ||
      p.out.c % p.in.c)
    return MOTE_ERR_PARAM;
  conv_nest<double>(p, bias, 1, p.out.c / p.in.c, depthwise_weight_index(p), mac_f32(in, w),
                    clamp_store(p, out));
  return MOTE_OK;
}

mote_status fully_connected_s8(const mote_fc_s8_params& p, const int8_t* in, const int8_t* w,
                               const int32_t* bias, int8_t* out) {
  if (p.batches <= 0 || p.in_features <= 0 || p.out_features <= 0 || !p.multiplier || !p.shift ||
      !act_s8_ok(p.act_min, p.act_max))
    return MOTE_ERR_PARAM;
  for (int32_t b = 0; b < p.batches; ++b)
    for (int32_t o = 0; o < p.out_features; ++o) {
      int64_t acc = bias ? bias[o] : 0;
      for (int32_t k = 0; k < p.in_features; ++k) {
        const int64_t x = in[static_cast<size_t>(b) * p.in_features + k];
        acc += (x - p.in_zp) * w[static_cast<size_t>(o) * p.in_features + k];
      }
      const int32_t ch = p.per_channel ? o : 0;
      const int64_t r = int64_t{multiply_by_quantized_multiplier(static_cast<int32_t>(acc),
                                                                 p.multiplier[ch], p.shift[ch])} +
                        p.out_zp;
      out[static_cast<size_t>(b) * p.out_features + o] = clamp_s8(r, p.act_min, p.act_max);
    }
  return MOTE_OK;
}

mote_status fully_connected_f32(const mote_fc_f32_params& p, const float* in, const float* w,
                                const float* bias, float* out) {
  if (p.batches <= 0 || p.in_features <= 0 || p.out_features <= 0) return MOTE_ERR_PARAM;
  for (int32_t b = 0; b < p.batches; ++b)
    for (int32_t o = 0; o < p.out_features; ++o) {
      double acc = bias ? bias[o] : 0.0;
      for (int32_t k = 0; k < p.in_features; ++k)
        acc += double{in[static_cast<size_t>(b) * p.in_features + k]} *
               w[static_cast<size_t>(o) * p.in_features + k];
      out[static_cast<size_t>(b) * p.out_features + o] = clamp_f32(acc, p.act_min, p.act_max);
    }
  return MOTE_OK;
}

mote_status add_s8(const mote_add_s8_params& p, const int8_t* a, const int8_t* b, int8_t* out) {
  if (!bcast_ok(p.bc) || p.left_shift < 0 || p.left_shift > 23 || p.b_multiplier == INT32_MIN ||
      !act_s8_ok(p.act_min, p.act_max))
    return MOTE_ERR_PARAM;
  const int32_t scale = int32_t{1} << p.left_shift;
  // TFLite's SUB rescales b with the positive multiplier and subtracts
  const bool sub = p.b_multiplier < 0;
  for_each_bcast(p.bc, [&](size_t k, size_t ia, size_t ib) {
    const int32_t sa =
        multiply_by_quantized_multiplier((a[ia] - p.a_zp) * scale, p.a_multiplier, p.a_shift);
    const int32_t sb = multiply_by_quantized_multiplier(
        (b[ib] - p.b_zp) * scale, sub ? -p.b_multiplier : p.b_multiplier, p.b_shift);
    const int64_t r = int64_t{multiply_by_quantized_multiplier(sub ? sa - sb : sa + sb,
                                                               p.out_multiplier, p.out_shift)} +
                      p.out_zp;
    out[k] = clamp_s8(r, p.act_min, p.act_max);
  });
  return MOTE_OK;
}

mote_status mul_s8(const mote_mul_s8_params& p, const int8_t* a, const int8_t* b, int8_t* out) {
  if (!bcast_ok(p.bc) || !act_s8_ok(p.act_min, p.act_max)) return MOTE_ERR_PARAM;
  for_each_bcast(p.bc, [&](size_t k, size_t ia, size_t ib) {
    const int32_t prod = (a[ia] - p.a_zp) * (b[ib] - p.b_zp);
    const int64_t r =
        int64_t{multiply_by_quantized_multiplier(prod, p.out_multiplier, p.out_shift)} + p.out_zp;
    out[k] = clamp_s8(r, p.act_min, p.act_max);
  });
  return MOTE_OK;
}

mote_status binary_f32(const mote_binary_f32_params& p, const float* a, const float* b,
                       float* out) {
  if (!bcast_ok(p.bc) || p.op < MOTE_BIN_ADD || p.op > MOTE_BIN_PRELU) return MOTE_ERR_PARAM;
  for_each_bcast(p.bc, [&](size_t k, size_t ia, size_t ib) {
    const float x = a[ia], y = b[ib];
    double r = 0.0;
    switch (p.op) {
      case MOTE_BIN_ADD: r = x + y; break;
      case MOTE_BIN_SUB: r = x - y; break;
      case MOTE_BIN_MUL: r = x * y; break;
      case MOTE_BIN_DIV: r = x / y; break;
      case MOTE_BIN_MAX: r = x > y ? x : y; break;  // TFLite: a NaN in a yields b
      case MOTE_BIN_MIN: r = x < y ? x : y; break;
      case MOTE_BIN_POW: r = std::pow(double{x}, double{y}); break;
      case MOTE_BIN_SQUARED_DIFFERENCE: r = (double{x} - y) * (double{x} - y); break;
      default: r = x >= 0.0f ? x : double{x} * y; break;
    }
    out[k] = clamp_f32(r, p.act_min, p.act_max);
  });
  return MOTE_OK;
}

mote_status lut_s8(const int8_t* table, int32_t n, const int8_t* in, int8_t* out) {
  if (!table || n < 0) return MOTE_ERR_PARAM;
  for (int32_t i = 0; i < n; ++i) out[i] = table[in[i] + 128];
  return MOTE_OK;
}

// The oracle of the C float activations is the ops.def formula itself.
mote_status unary_f32(const mote_unary_f32_params& p, int32_t n, const float* in, float* out) {
  Node node;
  if (n < 0 || !unary_f32_node(p, &node)) return MOTE_ERR_PARAM;
  for (int32_t i = 0; i < n; ++i) out[i] = static_cast<float>(activation(node, double(in[i])));
  return MOTE_OK;
}

mote_status maxpool_s8(const mote_pool_s8_params& p, const int8_t* in, int8_t* out) {
  if (!pool_ok(p) || !act_s8_ok(p.act_min, p.act_max)) return MOTE_ERR_PARAM;
  for_each_window(p, in, [&](size_t k, const std::vector<int8_t>& cells) {
    out[k] = clamp_s8(*std::max_element(cells.begin(), cells.end()), p.act_min, p.act_max);
  });
  return MOTE_OK;
}

mote_status avgpool_s8(const mote_pool_s8_params& p, const int8_t* in, int8_t* out) {
  if (!pool_ok(p) || !act_s8_ok(p.act_min, p.act_max)) return MOTE_ERR_PARAM;
  for_each_window(p, in, [&](size_t k, const std::vector<int8_t>& cells) {
    int64_t sum = 0;
    for (int8_t v : cells) sum += v;
    // the quotient is exact in double whenever it is a tie, so lround breaks ties away from 0
    const int64_t avg = std::lround(static_cast<double>(sum) / static_cast<double>(cells.size()));
    out[k] = clamp_s8(avg, p.act_min, p.act_max);
  });
  return MOTE_OK;
}

mote_status maxpool_f32(const mote_pool_f32_params& p, const float* in, float* out) {
  if (!pool_ok(p)) return MOTE_ERR_PARAM;
  for_each_window(p, in, [&](size_t k, const std::vector<float>& cells) {
    out[k] = clamp_f32(*std::max_element(cells.begin(), cells.end()), p.act_min, p.act_max);
  });
  return MOTE_OK;
}

mote_status avgpool_f32(const mote_pool_f32_params& p, const float* in, float* out) {
  if (!pool_ok(p)) return MOTE_ERR_PARAM;
  for_each_window(p, in, [&](size_t k, const std::vector<float>& cells) {
    double sum = 0.0;
    for (float v : cells) sum += v;
    out[k] = clamp_f32(sum / static_cast<double>(cells.size()), p.act_min, p.act_max);
  });
  return MOTE_OK;
}

mote_status mean_s8(const mote_mean_s8_params& p, const int8_t* in, int8_t* out) {
  if (p.outer <= 0 || p.reduce <= 0 || p.inner <= 0 || p.reduce > INT32_MAX / 256 || p.shift < -31 || p.shift > 30)
    return MOTE_ERR_PARAM;
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.inner; ++i) {
      int64_t sum = 0;
      for (int32_t r = 0; r < p.reduce; ++r)
        sum += in[(static_cast<size_t>(o) * p.reduce + r) * p.inner + i] - p.in_zp;
      // TFLM's QuantizedMeanOrSum: one requantization, the mean's 1/count already in p
      const int64_t q =
          int64_t{multiply_by_quantized_multiplier(static_cast<int32_t>(sum), p.multiplier, p.shift)} + p.out_zp;
      out[static_cast<size_t>(o) * p.inner + i] = clamp_s8(q, -128, 127);
    }
  return MOTE_OK;
}

mote_status mean_f32(const mote_mean_f32_params& p, const float* in, float* out) {
  if (p.outer <= 0 || p.reduce <= 0 || p.inner <= 0) return MOTE_ERR_PARAM;
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.inner; ++i) {
      double sum = 0.0;
      for (int32_t r = 0; r < p.reduce; ++r)
        sum += in[(static_cast<size_t>(o) * p.reduce + r) * p.inner + i];
      out[static_cast<size_t>(o) * p.inner + i] = static_cast<float>(sum * p.scale);
    }
  return MOTE_OK;
}

mote_status softmax_s8(const mote_softmax_s8_params& p, const int8_t* in, int8_t* out) {
  if (p.rows <= 0 || p.cols <= 0 || p.cols > 4095 || p.input_left_shift < 0 ||
      p.input_left_shift > 30 || p.input_multiplier < 0 || p.diff_min > 0 ||
      int64_t{p.diff_min} * (int64_t{1} << p.input_left_shift) < INT32_MIN)
    return MOTE_ERR_PARAM;
  constexpr int kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12;
  // exp(beta * in_scale * d) in Q0.31 for d = x - row max, or nothing below diff_min
  auto exp_of = [&](int32_t d) {
    const int32_t scaled = saturating_rounding_doubling_high_mul(
        static_cast<int32_t>(int64_t{d} * (int64_t{1} << p.input_left_shift)), p.input_multiplier);
    return exp_on_negative_values(scaled, kScaledDiffIntegerBits);
  };
  for (int32_t r = 0; r < p.rows; ++r) {
    const int8_t* x = in + static_cast<size_t>(r) * p.cols;
    const int32_t mx = *std::max_element(x, x + p.cols);
    int64_t sum = 0;  // Q12.19
    for (int32_t c = 0; c < p.cols; ++c)
      if (x[c] - mx >= p.diff_min)
        sum += rounding_divide_by_pot(exp_of(x[c] - mx), kAccumulationIntegerBits);
    int bits_over_unit = 0;
    const int32_t recip = get_reciprocal(static_cast<int32_t>(sum), kAccumulationIntegerBits, &bits_over_unit);
    const int exponent = bits_over_unit + 31 - 8;
    for (int32_t c = 0; c < p.cols; ++c) {
      int64_t v = -128;
      if (x[c] - mx >= p.diff_min) {
        const int32_t prod = saturating_rounding_doubling_high_mul(recip, exp_of(x[c] - mx));
        // TFLM shifts by more than 31 only for sums of 512 and more, where the exact quotient
        // rounds to 0
        v = int64_t{exponent > 31 ? 0 : rounding_divide_by_pot(prod, exponent)} - 128;
      }
      out[static_cast<size_t>(r) * p.cols + c] = clamp_s8(v, -128, 127);
    }
  }
  return MOTE_OK;
}

mote_status softmax_f32(const mote_softmax_f32_params& p, const float* in, float* out) {
  if (p.rows <= 0 || p.cols <= 0) return MOTE_ERR_PARAM;
  for (int32_t r = 0; r < p.rows; ++r) {
    const float* x = in + static_cast<size_t>(r) * p.cols;
    const double mx = *std::max_element(x, x + p.cols);
    double sum = 0.0;
    for (int32_t c = 0; c < p.cols; ++c) sum += std::exp(x[c] - mx);
    for (int32_t c = 0; c < p.cols; ++c)
      out[static_cast<size_t>(r) * p.cols + c] = static_cast<float>(
          p.log ? x[c] - mx - std::log(sum) : std::exp(x[c] - mx) / sum);
  }
  return MOTE_OK;
}

mote_status concat(const mote_concat_params& p, const void* const* inputs, void* out) {
  if (p.outer < 0 || p.n_inputs <= 0 || !p.inner_bytes || !inputs) return MOTE_ERR_PARAM;
  for (int32_t k = 0; k < p.n_inputs; ++k)
    if (p.inner_bytes[k] < 0 || !inputs[k]) return MOTE_ERR_PARAM;
  auto* dst = static_cast<int8_t*>(out);
  size_t pos = 0;
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t k = 0; k < p.n_inputs; ++k) {
      const auto* src = static_cast<const int8_t*>(inputs[k]);
      const int8_t* lut = p.luts ? p.luts[k] : nullptr;
      for (int32_t j = 0; j < p.inner_bytes[k]; ++j) {
        const int8_t v = src[static_cast<size_t>(o) * p.inner_bytes[k] + j];
        dst[pos++] = lut ? lut[v + 128] : v;
      }
    }
  return MOTE_OK;
}

mote_status pad(const mote_pad_params& p, const void* in, void* out) {
  const int32_t es = p.elem_size;
  if (es != 1 && es != 2 && es != 4) return MOTE_ERR_PARAM;
  int32_t od[4];
  for (int i = 0; i < 4; ++i) {
    if (p.in_dims[i] <= 0 || p.pad_before[i] < 0 || p.pad_after[i] < 0) return MOTE_ERR_PARAM;
    od[i] = p.pad_before[i] + p.in_dims[i] + p.pad_after[i];
  }
  // the padding element: the low es bytes of value, in this machine's byte order
  unsigned char fillv[4];
  if (es == 1) {
    const uint8_t v = static_cast<uint8_t>(p.value);
    std::memcpy(fillv, &v, 1);
  } else if (es == 2) {
    const uint16_t v = static_cast<uint16_t>(p.value);
    std::memcpy(fillv, &v, 2);
  } else {
    std::memcpy(fillv, &p.value, 4);
  }
  const auto* src = static_cast<const unsigned char*>(in);
  auto* dst = static_cast<unsigned char*>(out);
  size_t k = 0;
  for (int32_t a = 0; a < od[0]; ++a)
    for (int32_t b = 0; b < od[1]; ++b)
      for (int32_t c = 0; c < od[2]; ++c)
        for (int32_t d = 0; d < od[3]; ++d, ++k) {
          const int32_t s[4] = {a - p.pad_before[0], b - p.pad_before[1], c - p.pad_before[2],
                                d - p.pad_before[3]};
          bool inside = true;
          for (int i = 0; i < 4; ++i) inside = inside && s[i] >= 0 && s[i] < p.in_dims[i];
          if (inside) {
            const size_t idx =
                ((static_cast<size_t>(s[0]) * p.in_dims[1] + s[1]) * p.in_dims[2] + s[2]) *
                    p.in_dims[3] +
                s[3];
            std::memcpy(dst + k * es, src + idx * es, es);
          } else {
            std::memcpy(dst + k * es, fillv, es);
          }
        }
  return MOTE_OK;
}

mote_status transpose(const mote_transpose_params& p, const void* in, void* out) {
  constexpr int nd = MOTE_TRANSPOSE_DIMS;
  if (p.elem_size <= 0) return MOTE_ERR_PARAM;
  bool used[nd] = {};
  for (int i = 0; i < nd; ++i) {
    if (p.in_dims[i] <= 0 || p.perm[i] < 0 || p.perm[i] >= nd || used[p.perm[i]])
      return MOTE_ERR_PARAM;
    used[p.perm[i]] = true;
  }
  size_t total = 1;
  for (int i = 0; i < nd; ++i) total *= static_cast<size_t>(p.in_dims[i]);
  const auto* src = static_cast<const unsigned char*>(in);
  auto* dst = static_cast<unsigned char*>(out);
  const size_t es = static_cast<size_t>(p.elem_size);
  // Output element k: split k into output coordinates, place them at the input axes they came
  // from, and flatten those input coordinates.
  for (size_t k = 0; k < total; ++k) {
    size_t rest = k;
    size_t idx[nd];
    for (int i = nd - 1; i >= 0; --i) {
      const size_t d = static_cast<size_t>(p.in_dims[p.perm[i]]);
      idx[p.perm[i]] = rest % d;
      rest /= d;
    }
    size_t src_k = 0;
    for (int i = 0; i < nd; ++i) src_k = src_k * static_cast<size_t>(p.in_dims[i]) + idx[i];
    std::memcpy(dst + k * es, src + src_k * es, es);
  }
  return MOTE_OK;
}

}  // namespace mote::ref
