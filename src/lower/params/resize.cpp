#include "lower/params/resize.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "util/error.h"

namespace mote {
namespace {

// TFLM's integer scale of one axis in 1/1024 units.
int32_t tflm_scale_10(int32_t in, int32_t out, bool align_corners) {
  if (align_corners && out > 1) return ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
  return ((1 << 10) * in + out / 2) / out;
}

mote_dims with_hw(const mote_dims& in, int32_t h, int32_t w) { return {in.n, h, w, in.c}; }

void check_dims(const char* what, const mote_dims& in, int32_t out_h, int32_t out_w) {
  if (in.n <= 0 || in.c <= 0) fail("{}: bad input dims (n {}, c {})", what, in.n, in.c);
  resize_check_sizes(what, in.h, out_h);
  resize_check_sizes(what, in.w, out_w);
}

// One axis's tables: src(o) gives output o's two source samples and the fraction between them.
template <typename Axis, typename Src>
Axis bilinear_axis(int32_t out, Src src) {
  Axis a;
  for (int32_t o = 0; o < out; ++o) {
    const auto [lo, hi, frac] = src(o);
    a.lo.push_back(lo);
    a.hi.push_back(hi);
    a.frac.push_back(frac);
  }
  return a;
}

}  // namespace

ResizeNearestParams resize_nearest_params(const mote_dims& in, int32_t out_h, int32_t out_w,
                                          bool align_corners, bool half_pixel_centers,
                                          int32_t elem_size) {
  check_dims("RESIZE_NEAREST_NEIGHBOR", in, out_h, out_w);
  if (elem_size <= 0) fail("RESIZE_NEAREST_NEIGHBOR: element size {} not positive", elem_size);
  ResizeNearestParams r;
  r.p.in = in;
  r.p.out = with_hw(in, out_h, out_w);
  r.p.elem_size = elem_size;
  r.y_src = tflite_nearest_axis(in.h, out_h, align_corners, half_pixel_centers);
  r.x_src = tflite_nearest_axis(in.w, out_w, align_corners, half_pixel_centers);
  return r;
}

BilinearAxisS8 tflm_bilinear_axis_s8(int32_t in, int32_t out, bool align_corners,
                                     bool half_pixel_centers) {
  resize_check_sizes("RESIZE_BILINEAR", in, out);
  const int32_t s = tflm_scale_10(in, out, align_corners);
  return bilinear_axis<BilinearAxisS8>(out, [&](int32_t o) {
    const int32_t v = half_pixel_centers ? o * s + s / 2 - (1 << 9) : o * s;
    const int32_t lo = std::max(v / (1 << 10), 0);  // C++ division truncates, as in TFLM
    // TFLM leaves lo unclamped above; past the input it would read out of bounds
    if (lo > in - 1)
      fail("RESIZE_BILINEAR int8: output {} of {} samples past input size {}", o, out, in);
    return std::make_tuple(lo, std::min((v + (1 << 10) - 1) / (1 << 10), in - 1), v - (1 << 10) * lo);
  });
}

BilinearAxisF32 tflite_bilinear_axis_f32(int32_t in, int32_t out, bool align_corners,
                                         bool half_pixel_centers) {
  resize_check_sizes("RESIZE_BILINEAR", in, out);
  const float scale = tflite_resize_scale(in, out, align_corners);
  return bilinear_axis<BilinearAxisF32>(out, [&](int32_t o) {
    const float v = half_pixel_centers ? (static_cast<float>(o) + 0.5f) * scale - 0.5f
                                       : static_cast<float>(o) * scale;
    const int32_t lo = std::max(static_cast<int32_t>(std::floor(v)), 0);
    // float rounding must not step lo past the input
    return std::make_tuple(std::min(lo, in - 1), std::min(static_cast<int32_t>(std::ceil(v)), in - 1),
                           v - static_cast<float>(lo));
  });
}

namespace {

// Points a bilinear params struct at its tables (same field names for both dtypes).
template <typename P, typename A>
P bind_tables(P p, const A& y, const A& x) {
  p.y_lo = y.lo.data();
  p.y_hi = y.hi.data();
  p.y_frac = y.frac.data();
  p.x_lo = x.lo.data();
  p.x_hi = x.hi.data();
  p.x_frac = x.frac.data();
  return p;
}

}  // namespace

mote_resize_bilinear_s8_params ResizeBilinearS8Params::bound() const {
  return bind_tables(p, y, x);
}

mote_resize_bilinear_f32_params ResizeBilinearF32Params::bound() const {
  return bind_tables(p, y, x);
}

namespace {

// Both dtypes: the checks, the dims and the two axis tables from axis(in, out, ac, hp).
template <typename R, typename Axis>
R bilinear_params(const char* what, const mote_dims& in, int32_t out_h, int32_t out_w,
                  bool align_corners, bool half_pixel_centers, Axis axis) {
  check_dims(what, in, out_h, out_w);
  if (align_corners && half_pixel_centers)
    fail("{}: align_corners and half_pixel_centers are both set", what);
  R r;
  r.p.in = in;
  r.p.out = with_hw(in, out_h, out_w);
  r.y = axis(in.h, out_h, align_corners, half_pixel_centers);
  r.x = axis(in.w, out_w, align_corners, half_pixel_centers);
  return r;
}

}  // namespace

ResizeBilinearS8Params resize_bilinear_s8_params(const mote_dims& in, int32_t out_h, int32_t out_w,
                                                 bool align_corners, bool half_pixel_centers) {
  return bilinear_params<ResizeBilinearS8Params>("RESIZE_BILINEAR int8", in, out_h, out_w,
                                                 align_corners, half_pixel_centers,
                                                 tflm_bilinear_axis_s8);
}

ResizeBilinearF32Params resize_bilinear_f32_params(const mote_dims& in, int32_t out_h,
                                                   int32_t out_w, bool align_corners,
                                                   bool half_pixel_centers) {
  return bilinear_params<ResizeBilinearF32Params>("RESIZE_BILINEAR float", in, out_h, out_w,
                                                  align_corners, half_pixel_centers,
                                                  tflite_bilinear_axis_f32);
}

}  // namespace mote
