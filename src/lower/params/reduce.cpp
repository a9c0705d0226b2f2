// [outer][reduce][inner] geometry of REDUCE_MAX / ARG_MAX and TFLM's quantization check.
#include "lower/params/reduce.h"

#include <limits>

#include "util/error.h"

namespace mote {
namespace {

int32_t fit_i32(int64_t v, const char* what) {
  if (v <= 0 || v > std::numeric_limits<int32_t>::max()) fail("{}: size {} must be in [1, 2^31)", what, v);
  return int32_t(v);
}

}  // namespace

mote_reduce_params reduce_max_params(const std::vector<int64_t>& shape, const std::vector<int32_t>& axes) {
  const auto rank = int32_t(shape.size());
  std::vector<bool> reduced(shape.size(), false);
  for (int32_t a : axes) {
    const int32_t k = a < 0 ? a + rank : a;
    if (k < 0 || k >= rank) fail("ReduceMax: axis {} is out of range for rank {}", a, rank);
    reduced[size_t(k)] = true;
  }
  // the reduced non-trivial dims must sit between the kept ones before and after them
  int64_t outer = 1, reduce = 1, inner = 1;
  int phase = 0;  // 0: before the block, 1: inside, 2: after
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] <= 0) fail("ReduceMax: dimension {} is {}", k, shape[k]);
    if (shape[k] == 1) continue;
    if (reduced[k]) {
      if (phase == 2) fail("ReduceMax: reduced axes are not adjacent (axis {} follows a kept axis)", k);
      phase = 1;
      reduce *= shape[k];
    } else if (phase == 0) {
      outer *= shape[k];
    } else {
      phase = 2;
      inner *= shape[k];
    }
  }
  return {fit_i32(outer, "ReduceMax outer"), fit_i32(reduce, "ReduceMax reduce"), fit_i32(inner, "ReduceMax inner")};
}

mote_reduce_params reduce_max_s8_params(const std::vector<int64_t>& shape, const std::vector<int32_t>& axes,
                                        TensorQuant in, TensorQuant out) {
  if (in.scale != out.scale || in.zero_point != out.zero_point)
    fail("ReduceMax: output quantization ({}, {}) must equal the input's ({}, {}) for TFLM's int8 kernel",
         out.scale, out.zero_point, in.scale, in.zero_point);
  return reduce_max_params(shape, axes);
}

mote_reduce_params arg_max_params(const std::vector<int64_t>& shape, int32_t axis) {
  const auto rank = int32_t(shape.size());
  const int32_t k = axis < 0 ? axis + rank : axis;
  if (k < 0 || k >= rank) fail("ArgMax: axis {} is out of range for rank {}", axis, rank);
  int64_t outer = 1, inner = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[size_t(i)] <= 0) fail("ArgMax: dimension {} is {}", i, shape[size_t(i)]);
    if (i < k) outer *= shape[size_t(i)];
    if (i > k) inner *= shape[size_t(i)];
  }
  return {fit_i32(outer, "ArgMax outer"), fit_i32(shape[size_t(k)], "ArgMax axis"), fit_i32(inner, "ArgMax inner")};
}

}  // namespace mote
