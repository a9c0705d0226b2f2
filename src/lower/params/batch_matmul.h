// Compile-time parameters of the batch matmul kernels (mote_batch_matmul_*): TFLite
// BATCH_MATMUL (adj_x / adj_y, broadcast batch dims) and ONNX MatMul (also 1-D operands).
#pragma once
#include <cstdint>
#include <vector>

#include "mote/kernels.h"

namespace mote {

// Strides for lhs [..., M, K] ([..., K, M] with adj_x) and rhs [..., K, N] ([..., N, K] with
// adj_y) stored row-major; batch dims right-aligned and broadcast numpy-style, at most 3 of
// them after dropping those of size 1. A 1-D lhs is [1, K] and a 1-D rhs [K, 1] (ONNX), the
// added axis left out of out_shape. rhs_batch holds rhs's own (aligned) batch dims.
struct MatmulShape {
  mote_matmul_geom g;
  int32_t rhs_batch[3];
  std::vector<int32_t> out_shape;
};
MatmulShape matmul_geometry(const std::vector<int32_t>& lhs_shape,
                            const std::vector<int32_t>& rhs_shape, bool adj_x, bool adj_y);

// Re-lays a constant rhs out as [rhs batch][N][K] so that the kernel's k loop is contiguous
// for both operands (TFLM transposes its constant rhs once for the same reason) and updates
// the geometry's rhs strides. Any element type.
template <typename T>
std::vector<T> pack_rhs_nk(MatmulShape* s, const T* rhs) {
  mote_matmul_geom& g = s->g;
  const int32_t* rb = s->rhs_batch;
  std::vector<T> r(static_cast<size_t>(rb[0]) * rb[1] * rb[2] * g.n * g.k);
  T* dst = r.data();
  for (int32_t b0 = 0; b0 < rb[0]; ++b0)
    for (int32_t b1 = 0; b1 < rb[1]; ++b1)
      for (int32_t b2 = 0; b2 < rb[2]; ++b2) {
        const T* src = rhs + static_cast<size_t>(b0) * g.rhs_batch_stride[0] +
                       static_cast<size_t>(b1) * g.rhs_batch_stride[1] +
                       static_cast<size_t>(b2) * g.rhs_batch_stride[2];
        for (int32_t n = 0; n < g.n; ++n)
          for (int32_t k = 0; k < g.k; ++k)
            *dst++ = src[static_cast<size_t>(k) * g.rhs_k + static_cast<size_t>(n) * g.rhs_n];
      }
  const int32_t mat = g.n * g.k;
  g.rhs_batch_stride[2] = rb[2] == 1 ? 0 : mat;
  g.rhs_batch_stride[1] = rb[1] == 1 ? 0 : mat * rb[2];
  g.rhs_batch_stride[0] = rb[0] == 1 ? 0 : mat * rb[2] * rb[1];
  g.rhs_k = 1;
  g.rhs_n = g.k;
  return r;
}

// TFLM's int8 BATCH_MATMUL: multiplier = QuantizeMultiplier(lhs_scale * rhs_scale / out_scale)
// in double from the float scales; no fused activation (full int8 range) unless a clamp is
// given. Throws on non-positive scales or zero points outside int8.
mote_batch_matmul_s8_params batch_matmul_s8_params(const mote_matmul_geom& g, float lhs_scale,
                                                   int32_t lhs_zp, float rhs_scale, int32_t rhs_zp,
                                                   float out_scale, int32_t out_zp,
                                                   int32_t act_min = -128, int32_t act_max = 127);

mote_batch_matmul_f32_params batch_matmul_f32_params(const mote_matmul_geom& g, float act_min,
                                                     float act_max);

}  // namespace mote
