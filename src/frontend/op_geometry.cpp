// Import-time geometry: TFLite / ONNX slicing, split, tile, transpose conv and resize attributes
// resolved to plain per-axis numbers (in frontend/ so that importers and lowering share them).
#include "frontend/op_geometry.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "util/error.h"

namespace mote {

int32_t norm_axis(int32_t axis, size_t rank, const char* what) {
  const int32_t r = static_cast<int32_t>(rank);
  if (axis < -r || axis >= r) fail("{}: axis {} out of range for rank {}", what, axis, r);
  return axis < 0 ? axis + r : axis;
}

namespace {

// Number of iterations of for (i = start; stride > 0 ? i < stop : i > stop; i += stride).
int32_t count(int64_t start, int64_t stop, int64_t stride) {
  const int64_t n = stride > 0 ? (stop - start + stride - 1) / stride
                               : (start - stop + (-stride) - 1) / (-stride);
  return static_cast<int32_t>(std::max<int64_t>(n, 0));
}

}  // namespace

void resize_check_sizes(const char* what, int32_t in, int32_t out) {
  if (in <= 0 || out <= 0) fail("{}: sizes must be positive (input {}, output {})", what, in, out);
}

// TFLite's float scale of one axis.
float tflite_resize_scale(int32_t in, int32_t out, bool align_corners) {
  return align_corners && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                  : static_cast<float>(in) / static_cast<float>(out);
}

StridedSlice tflite_strided_slice(const std::vector<int32_t>& in_shape,
                                  const std::vector<int32_t>& begin,
                                  const std::vector<int32_t>& end,
                                  const std::vector<int32_t>& strides, int32_t begin_mask,
                                  int32_t end_mask, int32_t ellipsis_mask, int32_t new_axis_mask,
                                  int32_t shrink_axis_mask, bool offset) {
  const size_t rank = in_shape.size();
  if (begin.size() != rank || end.size() != rank || strides.size() != rank)
    fail("STRIDED_SLICE: begin/end/strides of lengths {}/{}/{} for input {}", begin.size(),
         end.size(), strides.size(), dims_str(in_shape));
  if (ellipsis_mask != 0 || new_axis_mask != 0)
    fail("STRIDED_SLICE: ellipsis_mask {} / new_axis_mask {} not supported (TFLM rejects them)",
         ellipsis_mask, new_axis_mask);
  StridedSlice r;
  for (size_t i = 0; i < rank; ++i) {
    const int64_t dim = in_shape[i], stride = strides[i];
    const bool fwd = stride > 0;
    if (stride == 0) fail("STRIDED_SLICE: stride 0 on axis {}", i);
    int64_t start = begin[i];
    if (start < 0) start += dim;
    start = fwd ? std::clamp<int64_t>(start, 0, dim) : std::clamp<int64_t>(start, -1, dim - 1);
    if (begin_mask & (1 << i)) start = fwd ? 0 : dim - 1;
    int64_t stop;
    const bool shrink = shrink_axis_mask & (1 << i);
    if (shrink) {
      if (start < 0 || start >= dim)
        fail("STRIDED_SLICE: axis {} of input {} shrinks to index {} outside it", i,
             dims_str(in_shape), start);
      stop = start + 1;
    } else {
      stop = end[i];
      if (offset) stop += start;
      if (stop < 0) stop += dim;
      stop = fwd ? std::clamp<int64_t>(stop, 0, dim) : std::clamp<int64_t>(stop, -1, dim - 1);
      if (end_mask & (1 << i)) stop = fwd ? dim : -1;
    }
    // a shrunk axis always steps forward by one element
    const int64_t st = shrink ? 1 : stride;
    const int32_t n = count(start, stop, st);
    if (n == 0) fail("STRIDED_SLICE: axis {} of input {} selects nothing", i, dims_str(in_shape));
    r.axes.push_back({static_cast<int32_t>(start), static_cast<int32_t>(st), n});
    if (!shrink) r.out_shape.push_back(n);
  }
  return r;
}

std::vector<SliceAxis> tflite_slice(const std::vector<int32_t>& in_shape,
                                    const std::vector<int32_t>& begin,
                                    const std::vector<int32_t>& size) {
  if (begin.size() != in_shape.size() || size.size() != in_shape.size())
    fail("SLICE: begin/size of lengths {}/{} for input {}", begin.size(), size.size(),
         dims_str(in_shape));
  std::vector<SliceAxis> r;
  for (size_t i = 0; i < in_shape.size(); ++i) {
    const int32_t n = size[i] == -1 ? in_shape[i] - begin[i] : size[i];
    if (begin[i] < 0 || n <= 0 || int64_t{begin[i]} + n > in_shape[i])
      fail("SLICE: axis {} (begin {}, size {}) outside input {}", i, begin[i], size[i],
           dims_str(in_shape));
    r.push_back({begin[i], 1, n});
  }
  return r;
}

std::vector<int32_t> equal_split_sizes(int32_t axis_size, int32_t num_splits) {
  if (num_splits <= 0 || axis_size % num_splits != 0)
    fail("SPLIT: axis of size {} does not split into {} equal parts", axis_size, num_splits);
  return std::vector<int32_t>(static_cast<size_t>(num_splits), axis_size / num_splits);
}

std::vector<SliceAxis> split_output(const std::vector<int32_t>& in_shape, int32_t axis,
                                    const std::vector<int32_t>& sizes, int32_t index) {
  const int32_t ax = norm_axis(axis, in_shape.size(), "SPLIT");
  int64_t sum = 0, begin = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    if (sizes[k] < 0) fail("SPLIT: size {} of output {} is negative", sizes[k], k);
    if (static_cast<int32_t>(k) < index) begin += sizes[k];
    sum += sizes[k];
  }
  if (sum != in_shape[static_cast<size_t>(ax)])
    fail("SPLIT: sizes sum to {}, axis {} of input {} has {}", sum, ax, dims_str(in_shape),
         in_shape[static_cast<size_t>(ax)]);
  if (index < 0 || index >= static_cast<int32_t>(sizes.size()))
    fail("SPLIT: output {} of {}", index, sizes.size());
  std::vector<SliceAxis> r;
  for (size_t i = 0; i < in_shape.size(); ++i) r.push_back({0, 1, in_shape[i]});
  r[static_cast<size_t>(ax)] = {static_cast<int32_t>(begin), 1, sizes[static_cast<size_t>(index)]};
  return r;
}

std::vector<SliceAxis> onnx_slice(const std::vector<int32_t>& in_shape,
                                  const std::vector<int64_t>& starts,
                                  const std::vector<int64_t>& ends,
                                  const std::vector<int64_t>& axes,
                                  const std::vector<int64_t>& steps) {
  const size_t n = starts.size();
  if (ends.size() != n || (!axes.empty() && axes.size() != n) ||
      (!steps.empty() && steps.size() != n))
    fail("Slice: starts/ends/axes/steps of lengths {}/{}/{}/{}", n, ends.size(), axes.size(),
         steps.size());
  std::vector<SliceAxis> r;
  for (size_t i = 0; i < in_shape.size(); ++i) r.push_back({0, 1, in_shape[i]});
  std::vector<bool> seen(in_shape.size(), false);
  for (size_t k = 0; k < n; ++k) {
    const int64_t rank = static_cast<int64_t>(in_shape.size());
    int64_t a = axes.empty() ? static_cast<int64_t>(k) : axes[k];
    if (a < -rank || a >= rank) fail("Slice: axis {} out of range for rank {}", a, rank);
    if (a < 0) a += rank;
    if (seen[static_cast<size_t>(a)]) fail("Slice: axis {} repeated", a);
    seen[static_cast<size_t>(a)] = true;
    const int64_t dim = in_shape[static_cast<size_t>(a)];
    const int64_t step = steps.empty() ? 1 : steps[k];
    if (step == 0 || step > INT32_MAX || step < -INT32_MAX)
      fail("Slice: step {} on axis {}", step, a);
    int64_t s = starts[k], e = ends[k];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    const int32_t cnt = count(s, e, step);
    if (cnt == 0) fail("Slice: axis {} of input {} selects nothing", a, dims_str(in_shape));
    r[static_cast<size_t>(a)] = {static_cast<int32_t>(s), static_cast<int32_t>(step), cnt};
  }
  return r;
}

std::vector<int32_t> broadcast_shapes(const std::vector<int32_t>& a,
                                      const std::vector<int32_t>& b) {
  const size_t n = std::max(a.size(), b.size());
  std::vector<int32_t> r(n);
  for (size_t i = 0; i < n; ++i) {
    const int32_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int32_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (x != y && x != 1 && y != 1)
      fail("broadcast: shapes {} and {} are incompatible", dims_str(a), dims_str(b));
    r[i] = x == 1 ? y : x;
  }
  return r;
}

std::vector<int32_t> tile_shape(const std::vector<int32_t>& in_shape,
                                const std::vector<int64_t>& multiples) {
  if (multiples.size() != in_shape.size())
    fail("TILE: {} multiples for input {}", multiples.size(), dims_str(in_shape));
  std::vector<int32_t> r;
  for (size_t i = 0; i < in_shape.size(); ++i) {
    const int64_t v = int64_t{in_shape[i]} * multiples[i];
    if (multiples[i] <= 0 || v > INT32_MAX)
      fail("TILE: multiple {} on axis {} of input {}", multiples[i], i, dims_str(in_shape));
    r.push_back(static_cast<int32_t>(v));
  }
  return r;
}

TconvAxis tflite_transpose_conv_axis(bool same, int32_t out, int32_t k, int32_t stride) {
  if (out <= 0 || k <= 0 || stride <= 0)
    fail("TRANSPOSE_CONV: bad axis (output {}, kernel {}, stride {})", out, k, stride);
  // The convolution this op transposes maps the output size back to conv_out.
  const int32_t conv_out = same ? (out + stride - 1) / stride : (out + stride - k) / stride;
  const int32_t total = std::max<int32_t>(0, (conv_out - 1) * stride + k - out);
  return {out, total / 2};
}

TconvAxis onnx_conv_transpose_axis(int32_t in, int32_t k, int32_t stride, int32_t dil,
                                   int32_t pad_begin, int32_t pad_end, int32_t output_padding,
                                   int32_t out_shape, const std::string& auto_pad) {
  if (in <= 0 || k <= 0 || stride <= 0 || dil <= 0)
    fail("ConvTranspose: bad axis (input {}, kernel {}, stride {}, dilation {})", in, k, stride,
         dil);
  const int32_t natural = stride * (in - 1) + output_padding + (k - 1) * dil + 1;
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  if (!same && auto_pad != "NOTSET" && auto_pad != "VALID")
    fail("ConvTranspose: unknown auto_pad '{}'", auto_pad);
  TconvAxis a{};
  if (out_shape >= 0 || same) {
    a.out = out_shape >= 0 ? out_shape : in * stride;
    const int32_t total = natural - a.out;
    // the odd padding unit goes to the end for SAME_UPPER, to the start otherwise
    a.pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
  } else if (auto_pad == "VALID") {
    a = {natural, 0};
  } else {
    a = {natural - pad_begin - pad_end, pad_begin};
  }
  if (a.out <= 0) fail("ConvTranspose: output size {} is not positive", a.out);
  return a;
}

std::vector<int32_t> tflite_nearest_axis(int32_t in, int32_t out, bool align_corners,
                                         bool half_pixel_centers) {
  resize_check_sizes("RESIZE_NEAREST_NEIGHBOR", in, out);
  const float scale = tflite_resize_scale(in, out, align_corners);
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
  resize_check_sizes("Resize", in_h, out_h);
  resize_check_sizes("Resize", in_w, out_w);
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
