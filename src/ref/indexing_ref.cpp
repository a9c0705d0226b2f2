// Reference slicing, gather and tile on N-D row-major tensors: one output element at a time,
// its multi-index decoded and mapped back to the input. STRIDED_SLICE resolves its operands the
// way TFLite's StartForAxis / StopForAxis do (mask overrides by the int extremes, then wrap and
// clamp) and walks TFLite's loop condition, independently of the compiler's resolution.
#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

#include "ref/kernels_ref.h"

namespace mote::ref {
namespace {

// Row-major element strides of a shape.
std::vector<int64_t> strides_of(const std::vector<int32_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

int64_t numel(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

// Copies out element k from in element src(k) for every k of out_shape; src gets the output
// multi-index.
template <typename F>
void map_elements(const std::vector<int32_t>& out_shape, int32_t elem_size, const void* in,
                  void* out, F&& src) {
  const auto* a = static_cast<const uint8_t*>(in);
  auto* b = static_cast<uint8_t*>(out);
  std::vector<int32_t> idx(out_shape.size());
  const int64_t n = numel(out_shape);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k;
    for (size_t i = out_shape.size(); i-- > 0;) {
      idx[i] = static_cast<int32_t>(rem % out_shape[i]);
      rem /= out_shape[i];
    }
    std::memcpy(b + k * elem_size, a + src(idx) * elem_size, static_cast<size_t>(elem_size));
  }
}

}  // namespace

mote_status slice_nd(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& begin,
                     const std::vector<int32_t>& stride, const std::vector<int32_t>& out_shape,
                     int32_t elem_size, const void* in, void* out) {
  const size_t r = in_shape.size();
  if (begin.size() != r || stride.size() != r || out_shape.size() != r || elem_size <= 0)
    return MOTE_ERR_PARAM;
  for (size_t i = 0; i < r; ++i) {
    const int64_t last = int64_t{begin[i]} + int64_t{out_shape[i] - 1} * stride[i];
    if (out_shape[i] <= 0 || begin[i] < 0 || begin[i] >= in_shape[i] || last < 0 ||
        last >= in_shape[i])
      return MOTE_ERR_PARAM;
  }
  const auto st = strides_of(in_shape);
  map_elements(out_shape, elem_size, in, out, [&](const std::vector<int32_t>& idx) {
    int64_t off = 0;
    for (size_t i = 0; i < r; ++i) off += (begin[i] + int64_t{idx[i]} * stride[i]) * st[i];
    return off;
  });
  return MOTE_OK;
}

mote_status strided_slice_tflite(const std::vector<int32_t>& in_shape,
                                 const std::vector<int32_t>& begin, const std::vector<int32_t>& end,
                                 const std::vector<int32_t>& strides, int32_t begin_mask,
                                 int32_t end_mask, int32_t shrink_axis_mask, bool offset,
                                 int32_t elem_size, const void* in, void* out,
                                 std::vector<int32_t>* out_shape) {
  const size_t r = in_shape.size();
  if (begin.size() != r || end.size() != r || strides.size() != r || elem_size <= 0)
    return MOTE_ERR_PARAM;
  std::vector<int32_t> start(r), stop(r), step(r), full(r);
  out_shape->clear();
  for (size_t i = 0; i < r; ++i) {
    const int64_t dim = in_shape[i];
    step[i] = strides[i];
    if (step[i] == 0) return MOTE_ERR_PARAM;
    int64_t s = begin[i];
    if (begin_mask & (1 << i)) s = step[i] > 0 ? INT_MIN : INT_MAX;
    if (s < 0) s += dim;
    s = step[i] > 0 ? std::min(std::max<int64_t>(s, 0), dim)
                    : std::min(std::max<int64_t>(s, -1), dim - 1);
    int64_t e;
    if (shrink_axis_mask & (1 << i)) {
      e = s + 1;
      step[i] = 1;
    } else {
      e = end[i] + (offset ? s : 0);
      if (end_mask & (1 << i)) e = step[i] > 0 ? INT_MAX : INT_MIN;
      if (e < 0) e += dim;
      e = step[i] > 0 ? std::min(std::max<int64_t>(e, 0), dim)
                      : std::min(std::max<int64_t>(e, -1), dim - 1);
    }
    start[i] = static_cast<int32_t>(s);
    stop[i] = static_cast<int32_t>(e);
    int32_t n = 0;
    for (int64_t j = s; step[i] > 0 ? j < e : j > e; j += step[i]) ++n;
    if (n == 0) return MOTE_ERR_PARAM;
    full[i] = n;
    if (!(shrink_axis_mask & (1 << i))) out_shape->push_back(n);
  }
  return slice_nd(in_shape, start, step, full, elem_size, in, out);
}

mote_status gather_nd_axis(const std::vector<int32_t>& in_shape, int32_t axis,
                           const std::vector<int32_t>& indices, int32_t elem_size, const void* in,
                           void* out) {
  if (axis < 0 || axis >= static_cast<int32_t>(in_shape.size()) || elem_size <= 0)
    return MOTE_ERR_PARAM;
  for (int32_t v : indices)
    if (v < 0 || v >= in_shape[static_cast<size_t>(axis)]) return MOTE_ERR_PARAM;
  std::vector<int32_t> out_shape = in_shape;
  out_shape[static_cast<size_t>(axis)] = static_cast<int32_t>(indices.size());
  const auto st = strides_of(in_shape);
  map_elements(out_shape, elem_size, in, out, [&](const std::vector<int32_t>& idx) {
    int64_t off = 0;
    for (size_t i = 0; i < idx.size(); ++i)
      off +=
          (static_cast<int32_t>(i) == axis ? indices[static_cast<size_t>(idx[i])] : idx[i]) * st[i];
    return off;
  });
  return MOTE_OK;
}

mote_status tile_nd(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& out_shape,
                    int32_t elem_size, const void* in, void* out) {
  if (in_shape.size() > out_shape.size() || elem_size <= 0) return MOTE_ERR_PARAM;
  // the input seen with the output's rank
  std::vector<int32_t> in_full(out_shape.size() - in_shape.size(), 1);
  in_full.insert(in_full.end(), in_shape.begin(), in_shape.end());
  for (size_t i = 0; i < out_shape.size(); ++i)
    if (in_full[i] <= 0 || out_shape[i] <= 0 || out_shape[i] % in_full[i] != 0)
      return MOTE_ERR_PARAM;
  const auto st = strides_of(in_full);
  map_elements(out_shape, elem_size, in, out, [&](const std::vector<int32_t>& idx) {
    int64_t off = 0;
    for (size_t i = 0; i < idx.size(); ++i) off += (idx[i] % in_full[i]) * st[i];
    return off;
  });
  return MOTE_OK;
}

}  // namespace mote::ref

namespace mote::ref {

// The kernels' params seen as N-D problems.
mote_status slice(const mote_slice_params& p, const void* in, void* out) {
  const std::vector<int32_t> in_dims(p.in_dims, p.in_dims + MOTE_SLICE_DIMS);
  return slice_nd(in_dims, std::vector<int32_t>(p.begin, p.begin + MOTE_SLICE_DIMS),
                  std::vector<int32_t>(p.stride, p.stride + MOTE_SLICE_DIMS),
                  std::vector<int32_t>(p.out_dims, p.out_dims + MOTE_SLICE_DIMS), p.elem_size, in,
                  out);
}

mote_status gather(const mote_gather_params& p, const void* in, void* out) {
  if (p.outer <= 0 || p.axis_size <= 0 || p.inner <= 0 || p.n_indices < 0 ||
      (p.n_indices > 0 && p.indices == nullptr))
    return MOTE_ERR_PARAM;
  return gather_nd_axis({p.outer, p.axis_size, p.inner}, 1,
                        std::vector<int32_t>(p.indices, p.indices + p.n_indices), p.elem_size, in,
                        out);
}

mote_status tile(const mote_tile_params& p, const void* in, void* out) {
  return tile_nd(std::vector<int32_t>(p.in_dims, p.in_dims + MOTE_SLICE_DIMS),
                 std::vector<int32_t>(p.out_dims, p.out_dims + MOTE_SLICE_DIMS), p.elem_size, in,
                 out);
}

}  // namespace mote::ref
