// Compile-time parameters of the transpose convolution kernels (mote_transpose_conv_*), from
// plain shapes, attributes and quantization: TFLite TRANSPOSE_CONV and ONNX ConvTranspose.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "frontend/op_geometry.h"
#include "mote/kernels.h"

namespace mote {

// ONNX weights [in_c][out_c][kh][kw] (group 1) to mote's OHWI [out_c][kh][kw][in_c].
template <typename T>
std::vector<T> onnx_conv_transpose_weights_ohwi(const T* w, int32_t in_c, int32_t out_c, int32_t kh,
                                                int32_t kw) {
  std::vector<T> r(static_cast<size_t>(in_c) * out_c * kh * kw);
  for (int32_t i = 0; i < in_c; ++i)
    for (int32_t o = 0; o < out_c; ++o)
      for (int32_t y = 0; y < kh; ++y)
        for (int32_t x = 0; x < kw; ++x)
          r[((static_cast<size_t>(o) * kh + y) * kw + x) * in_c + i] =
              w[((static_cast<size_t>(i) * out_c + o) * kh + y) * kw + x];
  return r;
}

// Geometry shared by both dtypes (NHWC; 1-D is h = 1, kh = 1, stride_h = 1, pad_top = 0).
struct TconvGeometry {
  mote_dims in, out;
  int32_t kh, kw;
  int32_t stride_h, stride_w;
  int32_t dil_h = 1, dil_w = 1;
  int32_t pad_top, pad_left;
};

// TFLM's int8 activation clamp for a fused activation given as a real range [lo, hi] (lo =
// -inf / hi = +inf: no bound): zp + round(bound / scale), clamped to int8, in float as TFLM.
std::pair<int32_t, int32_t> tflite_act_range_s8(float out_scale, int32_t out_zp,
                                                float lo = -std::numeric_limits<float>::infinity(),
                                                float hi = std::numeric_limits<float>::infinity());

// The params plus the per-channel tables they point to; bound() sets the pointers.
struct TconvS8Params {
  mote_transpose_conv_s8_params p{};
  std::vector<int32_t> multiplier, shift;
  mote_transpose_conv_s8_params bound() const {
    mote_transpose_conv_s8_params q = p;
    q.multiplier = multiplier.data();
    q.shift = shift.data();
    return q;
  }
};

// Per output channel c: QuantizeMultiplier(in_scale * w_scales[c] / out_scale) in double from
// the float scales (TFLM's PopulateConvolutionQuantizationParams). w_scales has out.c entries
// or one (per-tensor). Throws on inconsistent geometry or scales.
// TFLM quirk: its int8 TRANSPOSE_CONV passes kTfLiteActNone when it computes the clamp, so a
// fused activation is ignored; pass [-128, 127] to match TFLM, tflite_act_range_s8 otherwise.
// [q_min, q_max] is the activation type's range: int8, or int16 for the 16x8 kernel.
TconvS8Params transpose_conv_s8_params(const TconvGeometry& g, float in_scale, int32_t in_zp,
                                       const std::vector<float>& w_scales, float out_scale,
                                       int32_t out_zp, int32_t act_min, int32_t act_max,
                                       int32_t q_min = -128, int32_t q_max = 127);

mote_transpose_conv_f32_params transpose_conv_f32_params(const TconvGeometry& g, float act_min,
                                                         float act_max);

}  // namespace mote
