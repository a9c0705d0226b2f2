// Compile-time parameters of the resize kernels (mote_resize_*): TFLite RESIZE_NEAREST_NEIGHBOR
// and RESIZE_BILINEAR coordinate rules turned into per-axis index / weight tables, and the
// mapping from ONNX Resize attributes to TFLite's two flags.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mote/kernels.h"

namespace mote {

// TFLite's GetNearestNeighbor for every output coordinate of one axis, in float as TFLite
// computes it: scale = in / out (align_corners: (in - 1) / (out - 1) when out > 1), source =
// floor((o + offset) * scale) (align_corners: rounded half away from zero), offset 0.5 with
// half_pixel_centers, clamped to [0, in - 1].
std::vector<int32_t> tflite_nearest_axis(int32_t in, int32_t out, bool align_corners,
                                         bool half_pixel_centers);

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

// ONNX Resize (mode "nearest" or "linear", 2-D over H and W) expressed as TFLite flags, or
// nullopt when no flag pair reproduces it. Scales are the ONNX scales of H and W (0 when the
// output was given by sizes); a scale that is not out / in cannot be expressed.
//  - linear: asymmetric -> (false, false), align_corners -> (true, false), half_pixel ->
//    (false, true); pytorch_half_pixel -> (false, true) unless an axis resizes to size 1 from
//    a larger size (PyTorch then samples coordinate 0); other modes -> nullopt.
//  - nearest: the ONNX source index of every output row and column (coordinate mode, then
//    nearest_mode round_prefer_floor / round_prefer_ceil / floor / ceil, clamped) is compared
//    with TFLite's for each flag pair and the first pair that agrees on both axes is returned.
//    E.g. asymmetric + floor -> (false, false); tf_half_pixel_for_nn + floor and half_pixel +
//    round_prefer_ceil -> (false, true); align_corners + round_prefer_ceil -> (true, false);
//    half_pixel + round_prefer_floor only where no source coordinate is a tie.
struct TfliteResizeFlags {
  bool align_corners, half_pixel_centers;
};
std::optional<TfliteResizeFlags> onnx_resize_to_tflite(const std::string& mode,
                                                       const std::string& coordinate_mode,
                                                       const std::string& nearest_mode,
                                                       int32_t in_h, int32_t in_w, int32_t out_h,
                                                       int32_t out_w, float scale_h = 0.0f,
                                                       float scale_w = 0.0f);

}  // namespace mote
