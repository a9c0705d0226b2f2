#include "lower/params/indexing.h"

#include <algorithm>
#include <string>

#include "lower/params/params_util.h"
#include "util/error.h"

namespace mote {
namespace {

int32_t norm_axis(int32_t axis, size_t rank, const char* what) {
  const int32_t r = static_cast<int32_t>(rank);
  if (axis < -r || axis >= r) fail("{}: axis {} out of range for rank {}", what, axis, r);
  return axis < 0 ? axis + r : axis;
}

void check_elem(int32_t elem_size, const char* what) {
  if (elem_size <= 0) fail("{}: element size {} not positive", what, elem_size);
}

// Number of iterations of for (i = start; stride > 0 ? i < stop : i > stop; i += stride).
int32_t count(int64_t start, int64_t stop, int64_t stride) {
  const int64_t n = stride > 0 ? (stop - start + stride - 1) / stride
                               : (start - stop + (-stride) - 1) / (-stride);
  return static_cast<int32_t>(std::max<int64_t>(n, 0));
}

}  // namespace

mote_slice_params slice_params(const std::vector<int32_t>& in_shape,
                               const std::vector<SliceAxis>& axes, int32_t elem_size) {
  check_elem(elem_size, "slice");
  if (axes.size() != in_shape.size())
    fail("slice: {} axes for input {}", axes.size(), dims_str(in_shape));
  struct Ax {
    int64_t in, begin, stride, out;
  };
  std::vector<Ax> v;
  for (size_t i = 0; i < axes.size(); ++i) {
    const SliceAxis& a = axes[i];
    const int64_t last = int64_t{a.begin} + int64_t{a.size - 1} * a.stride;
    if (a.size <= 0) fail("slice: axis {} of input {} is empty", i, dims_str(in_shape));
    if (a.stride == 0 || a.begin < 0 || a.begin >= in_shape[i] || last < 0 || last >= in_shape[i])
      fail("slice: axis {} (begin {}, stride {}, size {}) reads outside input {}", i, a.begin,
           a.stride, a.size, dims_str(in_shape));
    if (in_shape[i] == 1) continue;
    Ax x{in_shape[i], a.begin, a.size == 1 ? 1 : a.stride, a.size};
    const bool whole = x.begin == 0 && x.stride == 1 && x.out == x.in;
    if (!v.empty() && whole && (v.back().stride == 1)) {
      Ax& o = v.back();  // the outer axis walks contiguous runs of this one
      o = {o.in * x.in, o.begin * x.in, 1, o.out * x.in};
      continue;
    }
    v.push_back(x);
  }
  if (v.size() > MOTE_SLICE_DIMS)
    fail("slice: input {} needs {} axes, the kernel has {}", dims_str(in_shape), v.size(),
         MOTE_SLICE_DIMS);
  for (const Ax& x : v)
    if (x.in > INT32_MAX) fail("slice: input {} too large", dims_str(in_shape));
  mote_slice_params p{};
  const size_t pad = MOTE_SLICE_DIMS - v.size();
  for (size_t i = 0; i < MOTE_SLICE_DIMS; ++i) {
    const Ax x = i < pad ? Ax{1, 0, 1, 1} : v[i - pad];
    p.in_dims[i] = static_cast<int32_t>(x.in);
    p.out_dims[i] = static_cast<int32_t>(x.out);
    p.begin[i] = static_cast<int32_t>(x.begin);
    p.stride[i] = static_cast<int32_t>(x.stride);
  }
  p.elem_size = elem_size;
  return p;
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

GatherParams gather_params(const std::vector<int32_t>& in_shape, int32_t axis,
                           const std::vector<int64_t>& indices, bool allow_negative,
                           int32_t elem_size) {
  check_elem(elem_size, "GATHER");
  const int32_t ax = norm_axis(axis, in_shape.size(), "GATHER");
  int64_t outer = 1, inner = 1;
  for (int32_t i = 0; i < ax; ++i) outer *= in_shape[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(ax) + 1; i < in_shape.size(); ++i) inner *= in_shape[i];
  const int32_t dim = in_shape[static_cast<size_t>(ax)];
  if (outer <= 0 || inner <= 0 || dim <= 0 || outer > INT32_MAX || inner > INT32_MAX)
    fail("GATHER: input {} is empty or too large", dims_str(in_shape));
  GatherParams r;
  for (size_t k = 0; k < indices.size(); ++k) {
    int64_t v = indices[k];
    if (v < 0 && allow_negative) v += dim;
    if (v < 0 || v >= dim)
      fail("GATHER: index {} (position {}) outside axis {} of size {}", indices[k], k, ax, dim);
    r.indices.push_back(static_cast<int32_t>(v));
  }
  if (r.indices.empty()) fail("GATHER: no indices");
  r.p.outer = static_cast<int32_t>(outer);
  r.p.axis_size = dim;
  r.p.inner = static_cast<int32_t>(inner);
  r.p.n_indices = static_cast<int32_t>(r.indices.size());
  r.p.elem_size = elem_size;
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

mote_tile_params tile_params(const std::vector<int32_t>& in_shape,
                             const std::vector<int32_t>& out_shape, int32_t elem_size) {
  check_elem(elem_size, "TILE/BROADCAST_TO");
  if (in_shape.size() > out_shape.size())
    fail("BROADCAST_TO: input {} has more axes than output {}", dims_str(in_shape),
         dims_str(out_shape));
  struct Ax {
    int64_t in, out;
  };
  std::vector<Ax> v;
  const size_t lead = out_shape.size() - in_shape.size();
  for (size_t i = 0; i < out_shape.size(); ++i) {
    const Ax x{i < lead ? 1 : in_shape[i - lead], out_shape[i]};
    if (x.in <= 0 || x.out <= 0 || x.out % x.in != 0)
      fail("TILE/BROADCAST_TO: input {} does not tile to {}", dims_str(in_shape),
           dims_str(out_shape));
    if (x.out == 1) continue;
    if (!v.empty()) {
      Ax& o = v.back();
      // two copied axes, or two broadcast axes, are one axis
      if ((o.in == o.out && x.in == x.out) || (o.in == 1 && x.in == 1)) {
        o = {o.in * x.in, o.out * x.out};
        continue;
      }
    }
    v.push_back(x);
  }
  if (v.size() > MOTE_SLICE_DIMS)
    fail("TILE/BROADCAST_TO: {} to {} needs {} axes, the kernel has {}", dims_str(in_shape),
         dims_str(out_shape), v.size(), MOTE_SLICE_DIMS);
  mote_tile_params p{};
  const size_t pad = MOTE_SLICE_DIMS - v.size();
  for (size_t i = 0; i < MOTE_SLICE_DIMS; ++i) {
    const Ax x = i < pad ? Ax{1, 1} : v[i - pad];
    if (x.out > INT32_MAX) fail("TILE/BROADCAST_TO: output {} too large", dims_str(out_shape));
    p.in_dims[i] = static_cast<int32_t>(x.in);
    p.out_dims[i] = static_cast<int32_t>(x.out);
  }
  p.elem_size = elem_size;
  return p;
}

}  // namespace mote
