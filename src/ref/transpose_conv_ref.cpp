// Reference transpose convolution, written as TFLite's reference kernels do it: every input
// pixel scatters its products into an accumulator over the whole output (int64 here, double
// for float), then bias, requantization and clamp per output element.
#include <algorithm>
#include <vector>

#include "lower/fixedpoint.h"
#include "ref/kernels_ref.h"

namespace mote::ref {
namespace {

template <typename P>
bool tconv_ok(const P& p) {
  const auto pos = [](const mote_dims& d) { return d.n > 0 && d.h > 0 && d.w > 0 && d.c > 0; };
  return pos(p.in) && pos(p.out) && p.in.n == p.out.n && p.kh > 0 && p.kw > 0 && p.stride_h > 0 &&
         p.stride_w > 0 && p.dil_h > 0 && p.dil_w > 0;
}

// acc[n][oy][ox][oc] += f(in value, weight) for every input pixel, tap and channel pair.
template <typename P, typename T, typename W, typename A, typename F>
void scatter(const P& p, const T* in, const W* w, std::vector<A>& acc, F&& product) {
  const mote_dims& I = p.in;
  const mote_dims& O = p.out;
  for (int32_t n = 0; n < I.n; ++n)
    for (int32_t iy = 0; iy < I.h; ++iy)
      for (int32_t ix = 0; ix < I.w; ++ix)
        for (int32_t ky = 0; ky < p.kh; ++ky)
          for (int32_t kx = 0; kx < p.kw; ++kx) {
            const int32_t oy = iy * p.stride_h - p.pad_top + ky * p.dil_h;
            const int32_t ox = ix * p.stride_w - p.pad_left + kx * p.dil_w;
            if (oy < 0 || oy >= O.h || ox < 0 || ox >= O.w) continue;
            for (int32_t oc = 0; oc < O.c; ++oc)
              for (int32_t ic = 0; ic < I.c; ++ic) {
                const T x = in[((static_cast<size_t>(n) * I.h + iy) * I.w + ix) * I.c + ic];
                const W k = w[((static_cast<size_t>(oc) * p.kh + ky) * p.kw + kx) * I.c + ic];
                acc[((static_cast<size_t>(n) * O.h + oy) * O.w + ox) * O.c + oc] += product(x, k);
              }
          }
}

}  // namespace

mote_status transpose_conv_s8(const mote_transpose_conv_s8_params& p, const int8_t* in,
                              const int8_t* w, const int32_t* bias, int8_t* out) {
  if (!tconv_ok(p) || p.multiplier == nullptr || p.shift == nullptr || p.in_zp < -128 ||
      p.in_zp > 127 || p.act_min < -128 || p.act_min > p.act_max || p.act_max > 127)
    return MOTE_ERR_PARAM;
  const size_t total = static_cast<size_t>(p.out.n) * p.out.h * p.out.w * p.out.c;
  std::vector<int64_t> acc(total, 0);
  scatter(p, in, w, acc, [&](int8_t x, int8_t k) { return int64_t{x - p.in_zp} * k; });
  for (size_t i = 0; i < total; ++i) {
    const size_t oc = i % static_cast<size_t>(p.out.c);
    const int64_t v = acc[i] + (bias != nullptr ? bias[oc] : 0);
    const int32_t s =
        multiply_by_quantized_multiplier(static_cast<int32_t>(v), p.multiplier[oc], p.shift[oc]) +
        p.out_zp;
    out[i] = static_cast<int8_t>(std::clamp(s, p.act_min, p.act_max));
  }
  return MOTE_OK;
}

mote_status transpose_conv_s16(const mote_transpose_conv_s8_params& p, const int16_t* in,
                               const int8_t* w, const int64_t* bias, int16_t* out) {
  if (!tconv_ok(p) || p.in_zp != 0 || p.out_zp != 0 || !act_s16_ok(p.act_min, p.act_max) ||
      !requant16_ok(p.multiplier, p.shift, p.out.c))
    return MOTE_ERR_PARAM;
  const size_t total = static_cast<size_t>(p.out.n) * p.out.h * p.out.w * p.out.c;
  std::vector<int64_t> acc(total, 0);
  scatter(p, in, w, acc, [](int16_t x, int8_t k) { return int64_t{x} * k; });
  for (size_t i = 0; i < total; ++i) {
    const int32_t oc = static_cast<int32_t>(i % static_cast<size_t>(p.out.c));
    out[i] = requant16(acc[i] + (bias != nullptr ? bias[oc] : 0), p.multiplier[oc], p.shift[oc],
                       p.act_min, p.act_max);
  }
  return MOTE_OK;
}

mote_status transpose_conv_f32(const mote_transpose_conv_f32_params& p, const float* in,
                               const float* w, const float* bias, float* out) {
  if (!tconv_ok(p)) return MOTE_ERR_PARAM;
  const size_t total = static_cast<size_t>(p.out.n) * p.out.h * p.out.w * p.out.c;
  std::vector<double> acc(total, 0.0);
  scatter(p, in, w, acc, [](float x, float k) { return double{x} * k; });
  for (size_t i = 0; i < total; ++i) {
    const size_t oc = i % static_cast<size_t>(p.out.c);
    const double v = acc[i] + (bias != nullptr ? bias[oc] : 0.0f);
    out[i] = std::min(std::max(static_cast<float>(v), p.act_min), p.act_max);
  }
  return MOTE_OK;
}

}  // namespace mote::ref
