// Reference implementations of every runtime kernel (runtime/include/mote/kernels.h): plain
// loops over the output, written independently of the C kernels, taking the same parameter
// structs. They are the oracle for the C runtime and the engine of the int8 reference executor:
// int8 results must match the C kernels bit for bit, float results to rounding.
// Each returns MOTE_ERR_PARAM for the same inconsistent parameters the C kernel rejects.
#pragma once
#include <cstdint>
#include <vector>

#include "mote/kernels.h"

namespace mote::ref {

mote_status conv2d_s8(const mote_conv_s8_params& p, const int8_t* in, const int8_t* w,
                      const int32_t* bias, int8_t* out);
mote_status depthwise_conv2d_s8(const mote_conv_s8_params& p, const int8_t* in, const int8_t* w,
                                const int32_t* bias, int8_t* out);
// The DSP variants (dsp_ref.cpp): their tables turned back into the portable ones, then the
// portable oracle.
mote_status conv2d_s8_dsp(const mote_conv_s8_dsp_params& p, const int8_t* in, const int32_t* w,
                          const int32_t* chan, int8_t* out);
mote_status depthwise_conv2d_s8_dsp(const mote_conv_s8_dsp_params& p, const int8_t* in,
                                    const int32_t* w, const int32_t* chan, int8_t* out);
mote_status depthwise_conv2d_3x3_s8_dsp(const mote_conv_s8_dsp_params& p, const int8_t* in, const int32_t* w,
                                        const int32_t* chan, int8_t* out);
mote_status fully_connected_s8_dsp(const mote_fc_s8_dsp_params& p, const int8_t* in, const int32_t* w,
                                  const int32_t* chan, int8_t* out);
// mote_fully_connected_s8_sparse8_dsp from the dense int8 weights it stores sparse.
mote_status fully_connected_s8_sparse8_dsp(const mote_fc_s8_dsp_params& p, const int8_t* in, const int8_t* w,
                                           const int32_t* chan, int8_t* out);
// The conv chains (conv_chain_ref.cpp): conv1, conv2 and the add one after another over whole
// tensors, the add row by row as its broadcast describes one row.
mote_status conv_chain_s8(const mote_conv_chain_s8_params& p, const int8_t* x, const int8_t* skip, int8_t* out);
mote_status conv_chain_s8_dsp(const mote_conv_chain_s8_dsp_params& p, const int8_t* x, const int8_t* skip,
                              int8_t* out);
mote_status conv2d_f32(const mote_conv_f32_params& p, const float* in, const float* w,
                       const float* bias, float* out);
mote_status depthwise_conv2d_f32(const mote_conv_f32_params& p, const float* in, const float* w,
                                 const float* bias, float* out);

mote_status fully_connected_s8(const mote_fc_s8_params& p, const int8_t* in, const int8_t* w,
                               const int32_t* bias, int8_t* out);

// What the 16x8 oracles share: their parameter checks and TFLM's int64 requantization of a sum
// to int16, clamped to [lo, hi].
bool act_s16_ok(int32_t lo, int32_t hi);
bool requant16_ok(const int32_t* multiplier, const int32_t* shift, int32_t n);
int16_t requant16(int64_t acc, int32_t multiplier, int32_t shift, int32_t lo, int32_t hi);

// 16x8 (int16 activations with zero point 0, int8 weights, int64 bias; TFLM's int16 kernels).
mote_status conv2d_s16(const mote_conv_s8_params& p, const int16_t* in, const int8_t* w,
                       const int64_t* bias, int16_t* out);
mote_status fully_connected_s16(const mote_fc_s8_params& p, const int16_t* in, const int8_t* w,
                                const int64_t* bias, int16_t* out);
mote_status transpose_conv_s16(const mote_transpose_conv_s8_params& p, const int16_t* in,
                               const int8_t* w, const int64_t* bias, int16_t* out);
mote_status resize_bilinear_s16(const mote_resize_bilinear_s8_params& p, const int16_t* in,
                                int16_t* out);
mote_status fully_connected_f32(const mote_fc_f32_params& p, const float* in, const float* w,
                                const float* bias, float* out);

mote_status add_s8(const mote_add_s8_params& p, const int8_t* a, const int8_t* b, int8_t* out);
mote_status mul_s8(const mote_mul_s8_params& p, const int8_t* a, const int8_t* b, int8_t* out);
mote_status binary_f32(const mote_binary_f32_params& p, const float* a, const float* b, float* out);

// elementwise_ref.cpp
mote_status div_s8(const mote_div_s8_params& p, const int8_t* a, const int8_t* b, int8_t* out);
mote_status squared_difference_s8(const mote_squared_difference_s8_params& p, const int8_t* a,
                                  const int8_t* b, int8_t* out);
mote_status minmax_s8(const mote_minmax_s8_params& p, const int8_t* a, const int8_t* b, int8_t* out);
mote_status prelu_s8(const mote_prelu_s8_params& p, const int8_t* in, const int8_t* alpha, int8_t* out);

mote_status lut_s8(const int8_t* table, int32_t n, const int8_t* in, int8_t* out);
mote_status unary_f32(const mote_unary_f32_params& p, int32_t n, const float* in, float* out);

mote_status maxpool_s8(const mote_pool_s8_params& p, const int8_t* in, int8_t* out);
mote_status avgpool_s8(const mote_pool_s8_params& p, const int8_t* in, int8_t* out);
mote_status maxpool_f32(const mote_pool_f32_params& p, const float* in, float* out);
mote_status avgpool_f32(const mote_pool_f32_params& p, const float* in, float* out);

mote_status mean_s8(const mote_mean_s8_params& p, const int8_t* in, int8_t* out);
mote_status mean_f32(const mote_mean_f32_params& p, const float* in, float* out);

// reduce_ref.cpp
mote_status reduce_max_s8(const mote_reduce_params& p, const int8_t* in, int8_t* out);
mote_status reduce_max_f32(const mote_reduce_params& p, const float* in, float* out);
mote_status arg_max_s8(const mote_reduce_params& p, const int8_t* in, int32_t* out);
mote_status arg_max_f32(const mote_reduce_params& p, const float* in, int32_t* out);

mote_status softmax_s8(const mote_softmax_s8_params& p, const int8_t* in, int8_t* out);
mote_status softmax_f32(const mote_softmax_f32_params& p, const float* in, float* out);

// Recurrent layers. The float ones evaluate the ONNX equations in double; c_final / h_final
// (nullable) receive the final cell state (LSTMs) or the int8 GRU's final Q0.15 hidden state.
mote_status lstm_f32(const mote_rnn_f32_params& p, const float* x, const float* w, const float* r,
                     const float* bias, const float* h0, const float* c0, float* y, float* c_final);
mote_status gru_f32(const mote_rnn_f32_params& p, const float* x, const float* w, const float* r,
                    const float* bias, const float* h0, float* y);
mote_status lstm_s8(const mote_lstm_s8_params& p, const int8_t* x, const int8_t* w, const int8_t* r,
                    const int32_t* in_bias, const int32_t* rec_bias, const int8_t* h0,
                    const int16_t* c0, int8_t* y, int16_t* c_final);
mote_status gru_s8(const mote_gru_s8_params& p, const int8_t* x, const int8_t* w, const int8_t* r,
                   const int32_t* in_bias, const int32_t* rec_bias, const int16_t* h0, int8_t* y,
                   int16_t* h_final);
// softmax_ref.cpp
mote_status log_softmax_s8(const mote_log_softmax_s8_params& p, const int8_t* in, int8_t* out);

// quantize_ref.cpp
mote_status dequantize_s8(const mote_quant_params& p, int32_t n, const int8_t* in, float* out);
mote_status quantize_f32(const mote_quant_params& p, int32_t n, const float* in, int8_t* out);

mote_status concat(const mote_concat_params& p, const void* const* inputs, void* out);
mote_status pad(const mote_pad_params& p, const void* in, void* out);
mote_status transpose(const mote_transpose_params& p, const void* in, void* out);

// ---- transpose conv, resize, slicing/gather/tile, batch matmul (one file each: *_ref.cpp) ----

mote_status transpose_conv_s8(const mote_transpose_conv_s8_params& p, const int8_t* in,
                              const int8_t* w, const int32_t* bias, int8_t* out);
mote_status transpose_conv_f32(const mote_transpose_conv_f32_params& p, const float* in,
                               const float* w, const float* bias, float* out);

// Resize straight from TFLite's flags (no index tables): NHWC input, output height/width.
mote_status resize_nearest_tflite(const mote_dims& in, int32_t out_h, int32_t out_w,
                                  bool align_corners, bool half_pixel_centers, int32_t elem_size,
                                  const void* src, void* dst);
mote_status resize_bilinear_s8_tflm(const mote_dims& in, int32_t out_h, int32_t out_w,
                                    bool align_corners, bool half_pixel_centers, const int8_t* src,
                                    int8_t* dst);
mote_status resize_bilinear_f32_tflite(const mote_dims& in, int32_t out_h, int32_t out_w,
                                       bool align_corners, bool half_pixel_centers,
                                       const float* src, float* dst);

// N-D slicing, gather, tile (row-major, any element size). strided_slice_tflite takes
// TFLite's operands and masks (no ellipsis / new axis) and reports the output shape.
mote_status slice_nd(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& begin,
                     const std::vector<int32_t>& stride, const std::vector<int32_t>& out_shape,
                     int32_t elem_size, const void* in, void* out);
mote_status strided_slice_tflite(const std::vector<int32_t>& in_shape,
                                 const std::vector<int32_t>& begin,
                                 const std::vector<int32_t>& end,
                                 const std::vector<int32_t>& strides, int32_t begin_mask,
                                 int32_t end_mask, int32_t shrink_axis_mask, bool offset,
                                 int32_t elem_size, const void* in, void* out,
                                 std::vector<int32_t>* out_shape);
mote_status gather_nd_axis(const std::vector<int32_t>& in_shape, int32_t axis,
                           const std::vector<int32_t>& indices, int32_t elem_size, const void* in,
                           void* out);
mote_status tile_nd(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& out_shape,
                    int32_t elem_size, const void* in, void* out);

// Batch matmul from N-D shapes (numpy batch broadcast, adj_x / adj_y, 1-D operands as ONNX);
// int8 output clamped to the full int8 range.
mote_status batch_matmul_s8_nd(const std::vector<int32_t>& lhs_shape,
                               const std::vector<int32_t>& rhs_shape, bool adj_x, bool adj_y,
                               int32_t lhs_zp, int32_t rhs_zp, int32_t out_zp,
                               int32_t multiplier, int32_t shift, const int8_t* lhs,
                               const int8_t* rhs, int8_t* out);
mote_status batch_matmul_f32_nd(const std::vector<int32_t>& lhs_shape,
                                const std::vector<int32_t>& rhs_shape, bool adj_x, bool adj_y,
                                const float* lhs, const float* rhs, float* out);

// The oracles of the kernels' own params structs (what the int8 executor runs).
mote_status resize_nearest(const mote_resize_nearest_params& p, const void* in, void* out);
mote_status resize_bilinear_s8(const mote_resize_bilinear_s8_params& p, const int8_t* in,
                               int8_t* out);
mote_status resize_bilinear_f32(const mote_resize_bilinear_f32_params& p, const float* in,
                                float* out);
mote_status slice(const mote_slice_params& p, const void* in, void* out);
mote_status gather(const mote_gather_params& p, const void* in, void* out);
mote_status tile(const mote_tile_params& p, const void* in, void* out);
mote_status batch_matmul_s8(const mote_batch_matmul_s8_params& p, const int8_t* lhs,
                            const int8_t* rhs, int8_t* out);
mote_status batch_matmul_f32(const mote_batch_matmul_f32_params& p, const float* lhs,
                             const float* rhs, float* out);

// Layer normalization in double (ref/layer_norm_ref.cpp).
mote_status layer_norm_f32(const mote_layer_norm_f32_params& p, const float* in, const float* scale,
                           const float* bias, float* out);
// mote's integer LayerNorm (kernels.h), from its description, not the C kernel's code.
mote_status layer_norm_s8(const mote_layer_norm_s8_params& p, const int8_t* in, int8_t* out);

}  // namespace mote::ref
