// Reference resize kernels computed straight from TFLite's attributes (align_corners,
// half_pixel_centers) with the coordinate arithmetic inside the loops, as TFLite's reference
// ops do; independent of the compiler's index tables, so they check both.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ref/kernels_ref.h"

namespace mote::ref {
namespace {

bool dims_ok(const mote_dims& in, int32_t out_h, int32_t out_w) {
  return in.n > 0 && in.h > 0 && in.w > 0 && in.c > 0 && out_h > 0 && out_w > 0;
}

float axis_scale(int32_t in, int32_t out, bool align) {
  if (align && out > 1) return static_cast<float>(in - 1) / static_cast<float>(out - 1);
  return static_cast<float>(in) / static_cast<float>(out);
}

}  // namespace

mote_status resize_nearest_tflite(const mote_dims& in, int32_t out_h, int32_t out_w,
                                  bool align_corners, bool half_pixel_centers, int32_t elem_size,
                                  const void* src, void* dst) {
  if (!dims_ok(in, out_h, out_w) || elem_size <= 0) return MOTE_ERR_PARAM;
  const auto nearest = [&](int32_t o, int32_t in_size, int32_t out_size) {
    const float v =
        (o + (half_pixel_centers ? 0.5f : 0.0f)) * axis_scale(in_size, out_size, align_corners);
    int32_t s = static_cast<int32_t>(align_corners ? std::round(v) : std::floor(v));
    s = std::min(s, in_size - 1);
    return half_pixel_centers ? std::max(s, 0) : s;
  };
  const auto* a = static_cast<const uint8_t*>(src);
  auto* b = static_cast<uint8_t*>(dst);
  const size_t px = static_cast<size_t>(in.c) * elem_size;
  for (int32_t n = 0; n < in.n; ++n)
    for (int32_t y = 0; y < out_h; ++y)
      for (int32_t x = 0; x < out_w; ++x) {
        const size_t from = ((static_cast<size_t>(n) * in.h + nearest(y, in.h, out_h)) * in.w +
                             nearest(x, in.w, out_w)) *
                            px;
        std::memcpy(b + ((static_cast<size_t>(n) * out_h + y) * out_w + x) * px, a + from, px);
      }
  return MOTE_OK;
}

mote_status resize_bilinear_s8_tflm(const mote_dims& in, int32_t out_h, int32_t out_w,
                                    bool align_corners, bool half_pixel_centers, const int8_t* src,
                                    int8_t* dst) {
  if (!dims_ok(in, out_h, out_w) || (align_corners && half_pixel_centers)) return MOTE_ERR_PARAM;
  // scale in 1/1024, rounded to nearest by integer division
  const auto scale10 = [&](int32_t in_size, int32_t out_size) -> int64_t {
    if (align_corners && out_size > 1)
      return (1024LL * (in_size - 1) + (out_size - 1) / 2) / (out_size - 1);
    return (1024LL * in_size + out_size / 2) / out_size;
  };
  struct Pos {
    int64_t v, lo, hi;
  };
  const auto pos = [&](int32_t o, int64_t s, int32_t in_size) {
    const int64_t v = half_pixel_centers ? o * s + s / 2 - 512 : o * s;
    return Pos{v, std::max<int64_t>(v / 1024, 0),
               std::min<int64_t>((v + 1023) / 1024, in_size - 1)};
  };
  const int64_t sy = scale10(in.h, out_h), sx = scale10(in.w, out_w);
  const auto at = [&](int32_t n, int64_t y, int64_t x, int32_t c) -> int64_t {
    return src[((static_cast<size_t>(n) * in.h + y) * in.w + x) * in.c + c];
  };
  for (int32_t n = 0; n < in.n; ++n)
    for (int32_t y = 0; y < out_h; ++y) {
      const Pos py = pos(y, sy, in.h);
      if (py.lo >= in.h) return MOTE_ERR_PARAM;
      for (int32_t x = 0; x < out_w; ++x) {
        const Pos px = pos(x, sx, in.w);
        if (px.lo >= in.w) return MOTE_ERR_PARAM;
        const int64_t fy = py.v - 1024 * py.lo, fx = px.v - 1024 * px.lo;
        for (int32_t c = 0; c < in.c; ++c) {
          const int64_t sum = at(n, py.lo, px.lo, c) * (1024 - fy) * (1024 - fx) +
                              at(n, py.hi, px.lo, c) * fy * (1024 - fx) +
                              at(n, py.lo, px.hi, c) * (1024 - fy) * fx +
                              at(n, py.hi, px.hi, c) * fy * fx;
          const int64_t r = (sum + (sum > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20);
          dst[((static_cast<size_t>(n) * out_h + y) * out_w + x) * in.c + c] =
              static_cast<int8_t>(r);
        }
      }
    }
  return MOTE_OK;
}

mote_status resize_bilinear_f32_tflite(const mote_dims& in, int32_t out_h, int32_t out_w,
                                       bool align_corners, bool half_pixel_centers,
                                       const float* src, float* dst) {
  if (!dims_ok(in, out_h, out_w) || (align_corners && half_pixel_centers)) return MOTE_ERR_PARAM;
  const float sy = axis_scale(in.h, out_h, align_corners),
              sx = axis_scale(in.w, out_w, align_corners);
  const auto coord = [&](int32_t o, float s) {
    return half_pixel_centers ? (o + 0.5f) * s - 0.5f : o * s;
  };
  for (int32_t n = 0; n < in.n; ++n)
    for (int32_t y = 0; y < out_h; ++y) {
      const float vy = coord(y, sy);
      const int32_t y0 = std::max(static_cast<int32_t>(std::floor(vy)), 0);
      const int32_t y1 = std::min(static_cast<int32_t>(std::ceil(vy)), in.h - 1);
      for (int32_t x = 0; x < out_w; ++x) {
        const float vx = coord(x, sx);
        const int32_t x0 = std::max(static_cast<int32_t>(std::floor(vx)), 0);
        const int32_t x1 = std::min(static_cast<int32_t>(std::ceil(vx)), in.w - 1);
        const double dy = vy - y0, dx = vx - x0;
        for (int32_t c = 0; c < in.c; ++c) {
          const auto at = [&](int32_t yy, int32_t xx) {
            return double{src[((static_cast<size_t>(n) * in.h + yy) * in.w + xx) * in.c + c]};
          };
          const double v = at(y0, x0) * (1 - dy) * (1 - dx) + at(y1, x0) * dy * (1 - dx) +
                           at(y0, x1) * (1 - dy) * dx + at(y1, x1) * dy * dx;
          dst[((static_cast<size_t>(n) * out_h + y) * out_w + x) * in.c + c] =
              static_cast<float>(v);
        }
      }
    }
  return MOTE_OK;
}

}  // namespace mote::ref

namespace mote::ref {
namespace {

// Positive dims, one batch and channel count.
template <typename P>
bool tables_ok(const P& p) {
  return p.in.n > 0 && p.in.h > 0 && p.in.w > 0 && p.in.c > 0 && p.out.h > 0 && p.out.w > 0 &&
         p.in.n == p.out.n && p.in.c == p.out.c;
}

bool index_ok(const int32_t* t, int32_t n, int32_t size) {
  if (t == nullptr) return false;
  for (int32_t i = 0; i < n; ++i)
    if (t[i] < 0 || t[i] >= size) return false;
  return true;
}

// Dims and both axes' lo/hi tables inside the input, fraction tables present.
template <typename P>
bool bilinear_ok(const P& p) {
  return tables_ok(p) && index_ok(p.y_lo, p.out.h, p.in.h) && index_ok(p.y_hi, p.out.h, p.in.h) &&
         index_ok(p.x_lo, p.out.w, p.in.w) && index_ok(p.x_hi, p.out.w, p.in.w) &&
         p.y_frac != nullptr && p.x_frac != nullptr;
}

// Writes every bilinear output: its four neighbours weighed by (one - f) and f on each axis
// (f the axis's fraction table, in units where `one` is the whole step), then finish(sum).
template <typename Acc, typename P, typename T, typename Out, typename Finish>
void for_each_bilinear(const P& p, const T* in, Out* out, Acc one, Finish finish) {
  size_t o = 0;
  for (int32_t n = 0; n < p.out.n; ++n)
    for (int32_t y = 0; y < p.out.h; ++y)
      for (int32_t x = 0; x < p.out.w; ++x)
        for (int32_t c = 0; c < p.in.c; ++c) {
          const auto at = [&](int32_t yy, int32_t xx) -> Acc {
            return in[((static_cast<size_t>(n) * p.in.h + yy) * p.in.w + xx) * p.in.c + c];
          };
          const Acc fy = p.y_frac[y], fx = p.x_frac[x];
          out[o++] = finish(at(p.y_lo[y], p.x_lo[x]) * (one - fy) * (one - fx) +
                            at(p.y_hi[y], p.x_lo[x]) * fy * (one - fx) +
                            at(p.y_lo[y], p.x_hi[x]) * (one - fy) * fx +
                            at(p.y_hi[y], p.x_hi[x]) * fy * fx);
        }
}

}  // namespace

mote_status resize_nearest(const mote_resize_nearest_params& p, const void* in, void* out) {
  if (!tables_ok(p) || p.elem_size <= 0 || !index_ok(p.y_src, p.out.h, p.in.h) ||
      !index_ok(p.x_src, p.out.w, p.in.w))
    return MOTE_ERR_PARAM;
  const size_t px = static_cast<size_t>(p.in.c) * p.elem_size;
  for (int32_t n = 0; n < p.out.n; ++n)
    for (int32_t y = 0; y < p.out.h; ++y)
      for (int32_t x = 0; x < p.out.w; ++x)
        std::memcpy(static_cast<uint8_t*>(out) +
                        ((static_cast<size_t>(n) * p.out.h + y) * p.out.w + x) * px,
                    static_cast<const uint8_t*>(in) +
                        ((static_cast<size_t>(n) * p.in.h + p.y_src[y]) * p.in.w + p.x_src[x]) * px,
                    px);
  return MOTE_OK;
}

namespace {

// TFLite's ResizeBilinearInteger for int8 and int16: fractions in 1/1024, the weighted sum
// rounded half away from zero by 2^20.
template <typename T>
mote_status resize_bilinear_integer(const mote_resize_bilinear_s8_params& p, const T* in, T* out) {
  if (!bilinear_ok(p)) return MOTE_ERR_PARAM;
  for (int32_t y = 0; y < p.out.h; ++y)
    if (p.y_frac[y] < -512 || p.y_frac[y] > 1536) return MOTE_ERR_PARAM;
  for (int32_t x = 0; x < p.out.w; ++x)
    if (p.x_frac[x] < -512 || p.x_frac[x] > 1536) return MOTE_ERR_PARAM;
  for_each_bilinear<int64_t>(p, in, out, 1024, [](int64_t sum) {
    return static_cast<T>((sum + (sum > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20));
  });
  return MOTE_OK;
}

}  // namespace

mote_status resize_bilinear_s8(const mote_resize_bilinear_s8_params& p, const int8_t* in,
                               int8_t* out) {
  return resize_bilinear_integer(p, in, out);
}

mote_status resize_bilinear_s16(const mote_resize_bilinear_s8_params& p, const int16_t* in,
                                int16_t* out) {
  return resize_bilinear_integer(p, in, out);
}

mote_status resize_bilinear_f32(const mote_resize_bilinear_f32_params& p, const float* in,
                                float* out) {
  if (!bilinear_ok(p)) return MOTE_ERR_PARAM;
  for_each_bilinear<double>(p, in, out, 1.0, [](double v) { return static_cast<float>(v); });
  return MOTE_OK;
}

}  // namespace mote::ref
