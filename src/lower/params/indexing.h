// Compile-time parameters of the slicing, gather and tile kernels (mote_slice, mote_gather,
// mote_tile): TFLite SLICE / STRIDED_SLICE / SPLIT / SPLIT_V / GATHER / TILE / BROADCAST_TO and
// ONNX Slice / Split / Gather / Tile / Expand, all with constant operands resolved here.
#pragma once
#include <cstdint>
#include <vector>

#include "mote/kernels.h"

namespace mote {

// One input axis of a slice: elements begin, begin + stride, ... (size of them), all inside
// the axis.
struct SliceAxis {
  int32_t begin, stride, size;
};

// The kernel's 6-D form of a slice over an N-D input (one SliceAxis per axis): size-1 input
// axes dropped, an axis taken whole merged into the axis before it when that one has stride 1
// (or keeps one element), left-padded with 1s. Throws if an axis reads outside the input, the
// output is empty, or more than 6 axes remain.
mote_slice_params slice_params(const std::vector<int32_t>& in_shape,
                               const std::vector<SliceAxis>& axes, int32_t elem_size);

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

// Gather along `axis` with constant indices (any shape, flattened here; the output shape is
// in_shape[:axis] + indices shape + in_shape[axis+1:]). Negative indices wrap only when
// allow_negative (ONNX); TFLite's out-of-range indices are errors.
struct GatherParams {
  mote_gather_params p{};
  std::vector<int32_t> indices;
  mote_gather_params bound() const {
    mote_gather_params q = p;
    q.indices = indices.data();
    return q;
  }
};
GatherParams gather_params(const std::vector<int32_t>& in_shape, int32_t axis,
                           const std::vector<int64_t>& indices, bool allow_negative,
                           int32_t elem_size);

// Numpy broadcast of in_shape to target (aligned at the right; each input dim 1 or equal).
// ONNX Expand's output is the two-way broadcast of both: broadcast_shapes gives it.
std::vector<int32_t> broadcast_shapes(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

// The kernel's 6-D form of out = tile / broadcast of in: out_shape[i] a multiple of the
// (right-aligned, 1-padded) input dim. Axes that are copied as they are merge with their
// neighbours, pure-broadcast neighbours merge too. Throws when out_shape is not reachable.
mote_tile_params tile_params(const std::vector<int32_t>& in_shape,
                             const std::vector<int32_t>& out_shape, int32_t elem_size);
// TFLite TILE / ONNX Tile: out_shape[i] = in_shape[i] * multiples[i].
std::vector<int32_t> tile_shape(const std::vector<int32_t>& in_shape,
                                const std::vector<int64_t>& multiples);

}  // namespace mote
