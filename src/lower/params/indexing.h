// Compile-time parameters of the slicing, gather and tile kernels (mote_slice, mote_gather,
// mote_tile): TFLite SLICE / STRIDED_SLICE / SPLIT / SPLIT_V / GATHER / TILE / BROADCAST_TO and
// ONNX Slice / Split / Gather / Tile / Expand, all with constant operands resolved here.
#pragma once
#include <cstdint>
#include <vector>

#include "frontend/op_geometry.h"
#include "mote/kernels.h"

namespace mote {

// The kernel's 6-D form of a slice over an N-D input (one SliceAxis per axis): size-1 input
// axes dropped, an axis taken whole merged into the axis before it when that one has stride 1
// (or keeps one element), left-padded with 1s. Throws if an axis reads outside the input, the
// output is empty, or more than 6 axes remain.
mote_slice_params slice_params(const std::vector<int32_t>& in_shape,
                               const std::vector<SliceAxis>& axes, int32_t elem_size);

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

// The axes of a tile / broadcast of in_shape to out_shape (out_shape[i] a multiple of the
// right-aligned in_shape[i]), fewest: size-1 output axes dropped, adjacent copied (in == out) or
// broadcast (in == 1) axes merged. `split`: a tiled axis (1 < in < out) first becomes a broadcast
// axis (1, out / in) then a copied one (in, in), the form BROADCAST_TO expresses.
struct TileAxis {
  int64_t in, out;
};
std::vector<TileAxis> tile_axes(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& out_shape,
                                bool split);

// The kernel's 6-D form of out = tile / broadcast of in: out_shape[i] a multiple of the
// (right-aligned, 1-padded) input dim. Axes that are copied as they are merge with their
// neighbours, pure-broadcast neighbours merge too. Throws when out_shape is not reachable.
mote_tile_params tile_params(const std::vector<int32_t>& in_shape,
                             const std::vector<int32_t>& out_shape, int32_t elem_size);

}  // namespace mote
