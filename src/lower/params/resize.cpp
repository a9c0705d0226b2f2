#include "lower/params/resize.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace mote {
namespace {

void check_sizes(const char* what, int32_t in, int32_t out) {
  if (in <= 0 || out <= 0) fail("{}: sizes must be positive (input {}, output {})", what, in, out);
}

// TFLite's float scale of one axis.
float tflite_scale(int32_t in, int32_t out, bool align_corners) {
  return align_corners && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                  : static_cast<float>(in) / static_cast<float>(out);
}

// TFLM's integer scale of one axis in 1/1024 units.
int32_t tflm_scale_10(int32_t in, int32_t out, bool align_corners) {
  if (align_corners && out > 1) return ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
  return ((1 << 10) * in + out / 2) / out;
}

mote_dims with_hw(const mote_dims& in, int32_t h, int32_t w) { return {in.n, h, w, in.c}; }

void check_dims(const char* what, const mote_dims& in, int32_t out_h, int32_t out_w) {
  if (in.n <= 0 || in.c <= 0) fail("{}: bad input dims (n {}, c {})", what, in.n, in.c);
  check_sizes(what, in.h, out_h);
  check_sizes(what, in.w, out_w);
}

}  // namespace

std::vector<int32_t> tflite_nearest_axis(int32_t in, int32_t out, bool align_corners,
                                         bool half_pixel_centers) {
  check_sizes("RESIZE_NEAREST_NEIGHBOR", in, out);
  const float scale = tflite_scale(in, out, align_corners);
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  std::vector<int32_t> r(static_cast<size_t>(out));
  for (int32_t o = 0; o < out; ++o) {
    const float v = (static_cast<float>(o) + offset) * scale;
    int32_t s = static_cast<int32_t>(align_corners ? std::round(v) : std::floor(v));
    s = std::min(s, in - 1);
    if (half_pixel_centers) s = std::max(s, 0);
    r[static_cast<size_t>(o)] = s;
  }
  return r;
}

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
  check_sizes("RESIZE_BILINEAR", in, out);
  const int32_t s = tflm_scale_10(in, out, align_corners);
  BilinearAxisS8 a;
  for (int32_t o = 0; o < out; ++o) {
    const int32_t v = half_pixel_centers ? o * s + s / 2 - (1 << 9) : o * s;
    const int32_t lo = std::max(v / (1 << 10), 0);  // C++ division truncates, as in TFLM
    const int32_t hi = std::min((v + (1 << 10) - 1) / (1 << 10), in - 1);
    // TFLM leaves lo unclamped above; past the input it would read out of bounds
    if (lo > in - 1)
      fail("RESIZE_BILINEAR int8: output {} of {} samples past input size {}", o, out, in);
    a.lo.push_back(lo);
    a.hi.push_back(hi);
    a.frac.push_back(v - (1 << 10) * lo);
  }
  return a;
}

BilinearAxisF32 tflite_bilinear_axis_f32(int32_t in, int32_t out, bool align_corners,
                                         bool half_pixel_centers) {
  check_sizes("RESIZE_BILINEAR", in, out);
  const float scale = tflite_scale(in, out, align_corners);
  BilinearAxisF32 a;
  for (int32_t o = 0; o < out; ++o) {
    const float v = half_pixel_centers ? (static_cast<float>(o) + 0.5f) * scale - 0.5f
                                       : static_cast<float>(o) * scale;
    const int32_t lo = std::max(static_cast<int32_t>(std::floor(v)), 0);
    const int32_t hi = std::min(static_cast<int32_t>(std::ceil(v)), in - 1);
    a.lo.push_back(std::min(lo, in - 1));  // float rounding must not step past the input
    a.hi.push_back(hi);
    a.frac.push_back(v - static_cast<float>(lo));
  }
  return a;
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

namespace {

// ONNX Resize's source index for nearest mode along one axis, from the exact rational source
// coordinate num / den (so that ties are exact), or nullopt for a coordinate or nearest mode
// this mapping does not know.
std::optional<std::vector<int32_t>> onnx_nearest_axis(const std::string& coord,
                                                      const std::string& nearest, int32_t in,
                                                      int32_t out) {
  std::vector<int32_t> r;
  for (int64_t o = 0; o < out; ++o) {
    int64_t num, den;
    if (coord == "half_pixel" || (coord == "pytorch_half_pixel" && out > 1)) {
      num = (2 * o + 1) * in - out;  // (o + 0.5) * in / out - 0.5
      den = 2 * int64_t{out};
    } else if (coord == "pytorch_half_pixel" || (coord == "align_corners" && out == 1)) {
      num = 0;
      den = 1;
    } else if (coord == "align_corners") {
      num = o * (in - 1);
      den = out - 1;
    } else if (coord == "asymmetric") {
      num = o * in;
      den = out;
    } else if (coord == "tf_half_pixel_for_nn") {
      num = (2 * o + 1) * in;
      den = 2 * int64_t{out};
    } else {
      return std::nullopt;
    }
    const int64_t fl = num >= 0 ? num / den : -((-num + den - 1) / den);
    const int64_t rem2 = 2 * (num - fl * den);  // 2 * fractional part, in units of 1 / den
    int64_t s;
    if (nearest == "floor")
      s = fl;
    else if (nearest == "ceil")
      s = rem2 > 0 ? fl + 1 : fl;
    else if (nearest == "round_prefer_floor")
      s = rem2 > den ? fl + 1 : fl;
    else if (nearest == "round_prefer_ceil")
      s = rem2 >= den ? fl + 1 : fl;
    else
      return std::nullopt;
    r.push_back(static_cast<int32_t>(std::clamp<int64_t>(s, 0, in - 1)));
  }
  return r;
}

// Linear mode: whether PyTorch's "size 1 samples coordinate 0" rule differs from half_pixel.
bool pytorch_differs(int32_t in, int32_t out) { return out == 1 && in > 1; }

}  // namespace

std::optional<TfliteResizeFlags> onnx_resize_to_tflite(
    const std::string& mode, const std::string& coordinate_mode, const std::string& nearest_mode,
    int32_t in_h, int32_t in_w, int32_t out_h, int32_t out_w, float scale_h, float scale_w) {
  check_sizes("Resize", in_h, out_h);
  check_sizes("Resize", in_w, out_w);
  const auto scale_matches = [](float scale, int32_t in, int32_t out) {
    return scale == 0.0f || std::fabs(double{scale} * in - out) <= 1e-5 * out;
  };
  if (!scale_matches(scale_h, in_h, out_h) || !scale_matches(scale_w, in_w, out_w))
    return std::nullopt;
  if (mode == "linear") {
    if (coordinate_mode == "asymmetric") return TfliteResizeFlags{false, false};
    if (coordinate_mode == "align_corners") return TfliteResizeFlags{true, false};
    if (coordinate_mode == "half_pixel") return TfliteResizeFlags{false, true};
    if (coordinate_mode == "pytorch_half_pixel") {
      if (!pytorch_differs(in_h, out_h) && !pytorch_differs(in_w, out_w))
        return TfliteResizeFlags{false, true};
      return std::nullopt;
    }
    return std::nullopt;
  }
  if (mode != "nearest") return std::nullopt;
  const auto ys = onnx_nearest_axis(coordinate_mode, nearest_mode, in_h, out_h);
  const auto xs = onnx_nearest_axis(coordinate_mode, nearest_mode, in_w, out_w);
  if (!ys || !xs) return std::nullopt;
  for (const TfliteResizeFlags f : {TfliteResizeFlags{false, false}, TfliteResizeFlags{true, false},
                                    TfliteResizeFlags{false, true}}) {
    if (tflite_nearest_axis(in_h, out_h, f.align_corners, f.half_pixel_centers) == *ys &&
        tflite_nearest_axis(in_w, out_w, f.align_corners, f.half_pixel_centers) == *xs)
      return f;
  }
  return std::nullopt;
}

}  // namespace mote
