// Import-time geometry shared by the importers and lowering: TFLite / ONNX slice, split, tile,
// transpose conv padding and resize coordinate rules resolved to plain per-axis numbers.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mote {

// "[2,3,4]", for error messages.
inline std::string dims_str(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

// A possibly negative axis made non-negative; throws naming `what` when out of range.
int32_t norm_axis(int32_t axis, size_t rank, const char* what);

// One input axis of a slice: elements begin, begin + stride, ... (size of them), all inside
// the axis.
struct SliceAxis {
  int32_t begin, stride, size;
};

// TFLite STRIDED_SLICE with constant begin/end/strides (TFLite's StridedSliceStartForAxis /
// EndForAxis: negative indices wrap, clamping, masks, offset, shrink axes of size 1). out_shape
// drops the shrunk axes. ellipsis_mask and new_axis_mask are rejected, as TFLM does.
struct StridedSlice {
  std::vector<SliceAxis> axes;
  std::vector<int32_t> out_shape;
};
StridedSlice tflite_strided_slice(const std::vector<int32_t>& in_shape,
                                  const std::vector<int32_t>& begin,
                                  const std::vector<int32_t>& end,
                                  const std::vector<int32_t>& strides, int32_t begin_mask,
                                  int32_t end_mask, int32_t ellipsis_mask, int32_t new_axis_mask,
                                  int32_t shrink_axis_mask, bool offset);

// TFLite SLICE: size -1 takes the rest of the axis.
std::vector<SliceAxis> tflite_slice(const std::vector<int32_t>& in_shape,
                                    const std::vector<int32_t>& begin,
                                    const std::vector<int32_t>& size);

// Output `index` of a split along `axis` (negative counts from the end) into pieces of the
// given sizes (TFLite SPLIT: num_splits equal sizes; SPLIT_V and ONNX Split: explicit sizes,
// whose sum must be the axis size).
std::vector<SliceAxis> split_output(const std::vector<int32_t>& in_shape, int32_t axis,
                                    const std::vector<int32_t>& sizes, int32_t index);
std::vector<int32_t> equal_split_sizes(int32_t axis_size, int32_t num_splits);

// ONNX Slice (opset >= 10) with constant starts/ends/axes/steps: negative values wrap, starts
// clamp to [0, dim] ([0, dim - 1] for negative steps), ends to [0, dim] ([-1, dim - 1]);
// empty axes means all axes in order, empty steps means 1s.
std::vector<SliceAxis> onnx_slice(const std::vector<int32_t>& in_shape,
                                  const std::vector<int64_t>& starts,
                                  const std::vector<int64_t>& ends,
                                  const std::vector<int64_t>& axes,
                                  const std::vector<int64_t>& steps);

// Numpy broadcast of in_shape to target (aligned at the right; each input dim 1 or equal).
// ONNX Expand's output is the two-way broadcast of both: broadcast_shapes gives it.
std::vector<int32_t> broadcast_shapes(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

// TFLite TILE / ONNX Tile: out_shape[i] = in_shape[i] * multiples[i].
std::vector<int32_t> tile_shape(const std::vector<int32_t>& in_shape,
                                const std::vector<int64_t>& multiples);

// One spatial axis of a transpose convolution: output size and leading padding.
struct TconvAxis {
  int32_t out, pad_begin;
};

// TFLite/TFLM padding: TFLM computes it as for a convolution from the transpose conv's output
// size (ComputePaddingHeightWidth with the output as its input) and ignores the odd offset.
// out is the size given by TRANSPOSE_CONV's output_shape operand.
TconvAxis tflite_transpose_conv_axis(bool same, int32_t out, int32_t k, int32_t stride);

// ONNX ConvTranspose along one axis. out_shape < 0 when the attribute is absent; auto_pad is
// "NOTSET", "SAME_UPPER", "SAME_LOWER" or "VALID"; pads are ignored unless NOTSET. Throws for
// an output size below 1 or an unknown auto_pad.
TconvAxis onnx_conv_transpose_axis(int32_t in, int32_t k, int32_t stride, int32_t dil,
                                   int32_t pad_begin, int32_t pad_end, int32_t output_padding,
                                   int32_t out_shape, const std::string& auto_pad);

// Resize helpers: sizes must be positive; TFLite's float scale of one axis (in / out, or
// (in - 1) / (out - 1) with align_corners when out > 1).
void resize_check_sizes(const char* what, int32_t in, int32_t out);
float tflite_resize_scale(int32_t in, int32_t out, bool align_corners);

// TFLite's GetNearestNeighbor for every output coordinate of one axis, in float as TFLite
// computes it: scale = in / out (align_corners: (in - 1) / (out - 1) when out > 1), source =
// floor((o + offset) * scale) (align_corners: rounded half away from zero), offset 0.5 with
// half_pixel_centers, clamped to [0, in - 1].
std::vector<int32_t> tflite_nearest_axis(int32_t in, int32_t out, bool align_corners,
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
