// Compile-time parameters of the resize kernels (mote_resize_*): TFLite RESIZE_NEAREST_NEIGHBOR
// and RESIZE_BILINEAR coordinate rules turned into per-axis index / weight tables, and the
// mapping from ONNX Resize attributes to TFLite's two flags.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "frontend/op_geometry.h"
#include "mote/kernels.h"

namespace mote {

struct ResizeNearestParams {
  mote_resize_nearest_params p{};
  std::vector<int32_t> y_src, x_src;
  mote_resize_nearest_params bound() const {
    mote_resize_nearest_params q = p;
    q.y_src = y_src.data();
    q.x_src = x_src.data();
    return q;
  }
};

// NHWC input dims, output height/width, element size (1 for int8, 4 for float).
ResizeNearestParams resize_nearest_params(const mote_dims& in, int32_t out_h, int32_t out_w,
                                          bool align_corners, bool half_pixel_centers,
                                          int32_t elem_size);

// One axis of TFLM's int8 bilinear (ResizeBilinearInteger): scale in 1/1024 rounded with
// integer arithmetic, source position v = o * scale (+ scale / 2 - 512 with half pixel
// centers), lo = max(v / 1024, 0), hi = min(ceil(v / 1024), in - 1), frac = v - 1024 * lo.
struct BilinearAxisS8 {
  std::vector<int32_t> lo, hi, frac;
};
BilinearAxisS8 tflm_bilinear_axis_s8(int32_t in, int32_t out, bool align_corners,
                                     bool half_pixel_centers);

// One axis of TFLite's float bilinear: float scale as for nearest, v = o * scale (half pixel:
// (o + 0.5) * scale - 0.5), lo = max(floor(v), 0), hi = min(ceil(v), in - 1), frac = v - lo.
struct BilinearAxisF32 {
  std::vector<int32_t> lo, hi;
  std::vector<float> frac;
};
BilinearAxisF32 tflite_bilinear_axis_f32(int32_t in, int32_t out, bool align_corners,
                                         bool half_pixel_centers);

struct ResizeBilinearS8Params {
  mote_resize_bilinear_s8_params p{};
  BilinearAxisS8 y, x;
  mote_resize_bilinear_s8_params bound() const;
};
struct ResizeBilinearF32Params {
  mote_resize_bilinear_f32_params p{};
  BilinearAxisF32 y, x;
  mote_resize_bilinear_f32_params bound() const;
};

// Throw when align_corners and half_pixel_centers are both set (TFLite forbids it) or a size
// is not positive.
ResizeBilinearS8Params resize_bilinear_s8_params(const mote_dims& in, int32_t out_h, int32_t out_w,
                                                 bool align_corners, bool half_pixel_centers);
ResizeBilinearF32Params resize_bilinear_f32_params(const mote_dims& in, int32_t out_h,
                                                   int32_t out_w, bool align_corners,
                                                   bool half_pixel_centers);

}  // namespace mote
