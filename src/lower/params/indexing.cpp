#include "lower/params/indexing.h"

#include <algorithm>
#include <string>

#include "frontend/op_geometry.h"
#include "util/error.h"

namespace mote {
namespace {

void check_elem(int32_t elem_size, const char* what) {
  if (elem_size <= 0) fail("{}: element size {} not positive", what, elem_size);
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

std::vector<TileAxis> tile_axes(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& out_shape,
                                bool split) {
  if (in_shape.size() > out_shape.size())
    fail("BROADCAST_TO: input {} has more axes than output {}", dims_str(in_shape),
         dims_str(out_shape));
  std::vector<TileAxis> v;
  auto push = [&v](TileAxis x) {
    if (x.out == 1) return;
    if (!v.empty()) {
      TileAxis& o = v.back();
      // two copied axes, or two broadcast axes, are one axis
      if ((o.in == o.out && x.in == x.out) || (o.in == 1 && x.in == 1)) {
        o = {o.in * x.in, o.out * x.out};
        return;
      }
    }
    v.push_back(x);
  };
  const size_t lead = out_shape.size() - in_shape.size();
  for (size_t i = 0; i < out_shape.size(); ++i) {
    const TileAxis x{i < lead ? 1 : in_shape[i - lead], out_shape[i]};
    if (x.in <= 0 || x.out <= 0 || x.out % x.in != 0)
      fail("TILE/BROADCAST_TO: input {} does not tile to {}", dims_str(in_shape),
           dims_str(out_shape));
    if (split && x.in > 1 && x.in < x.out) {
      push({1, x.out / x.in});
      push({x.in, x.in});
    } else {
      push(x);
    }
  }
  return v;
}

mote_tile_params tile_params(const std::vector<int32_t>& in_shape,
                             const std::vector<int32_t>& out_shape, int32_t elem_size) {
  check_elem(elem_size, "TILE/BROADCAST_TO");
  const std::vector<TileAxis> v = tile_axes(in_shape, out_shape, false);
  if (v.size() > MOTE_SLICE_DIMS)
    fail("TILE/BROADCAST_TO: {} to {} needs {} axes, the kernel has {}", dims_str(in_shape),
         dims_str(out_shape), v.size(), MOTE_SLICE_DIMS);
  mote_tile_params p{};
  const size_t pad = MOTE_SLICE_DIMS - v.size();
  for (size_t i = 0; i < MOTE_SLICE_DIMS; ++i) {
    const TileAxis x = i < pad ? TileAxis{1, 1} : v[i - pad];
    if (x.out > INT32_MAX) fail("TILE/BROADCAST_TO: output {} too large", dims_str(out_shape));
    p.in_dims[i] = static_cast<int32_t>(x.in);
    p.out_dims[i] = static_cast<int32_t>(x.out);
  }
  p.elem_size = elem_size;
  return p;
}

}  // namespace mote
