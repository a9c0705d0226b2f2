// The lowering functions the rows of lower/kernels.def name, one group per kernel family
// (lower/<family>.cpp). Only the registry includes this.
#pragma once
#include <optional>
#include <vector>

#include "lower/lower_util.h"

namespace mote {

// No in-place write / no scratch (kernels.def placeholders).
constexpr bool (*NoInPlace)(const Graph&, const Node&, int) = nullptr;
constexpr int64_t (*NoScratch)(const KernelCall&) = nullptr;
// Elementwise ops may write over an input of the output's shape.
bool elementwise_in_place(const Graph& g, const Node& n, int input);

// lower/conv_chain.cpp: the nodes of a conv -> conv -> Add chain at Add node c.n for chain
// kernel c.def: convs a then b (absorbed into the chain's call), the chain's input x (a's) and
// the skip; conv_second when b's output is the Add's second operand.
struct ChainNodes {
  int a = -1, b = -1;
  int x = -1, skip = -1;
  bool conv_second = false;
};
std::optional<ChainNodes> chain_nodes(const LowerCtx& c);
bool is_conv_chain(const LowerCtx& c);
void build_conv_chain(const LowerCtx& c, KernelCall& call);
bool conv_chain_in_place(const Graph& g, const Node& n, int input);
int64_t conv_chain_s8_scratch(const KernelCall& call);
int64_t conv_chain_s8_dsp_scratch(const KernelCall& call);

// lower/conv.cpp
bool is_conv(const LowerCtx& c);
bool is_depthwise(const LowerCtx& c);
void build_conv(const LowerCtx& c, KernelCall& call);
bool conv_in_place(const Graph& g, const Node& n, int input);
bool depthwise_in_place(const Graph& g, const Node& n, int input);
int64_t depthwise_conv2d_s8_scratch(const KernelCall& call);
int64_t conv2d_s8_scratch(const KernelCall& call);

// lower/conv_dsp.cpp: the ArmDsp variants
bool is_conv_dsp(const LowerCtx& c);
bool is_depthwise_dsp(const LowerCtx& c);
void build_conv_dsp(const LowerCtx& c, KernelCall& call);
void build_depthwise_dsp(const LowerCtx& c, KernelCall& call);
bool depthwise_dsp_in_place(const Graph& g, const Node& n, int input);
bool is_depthwise3x3_dsp(const LowerCtx& c);
void build_depthwise3x3_dsp(const LowerCtx& c, KernelCall& call);
bool depthwise3x3_dsp_in_place(const Graph& g, const Node& n, int input);
int64_t depthwise_conv2d_3x3_s8_dsp_scratch(const KernelCall& call);
int64_t conv2d_s8_dsp_scratch(const KernelCall& call);
int64_t depthwise_conv2d_s8_dsp_scratch(const KernelCall& call);
// The records {bias, multiplier, right shift e, 2^(e-1) + out_zp * 2^e} of `rows` output channels
// of `len` int8 weights each (multiplier / shift per row, or one for all), or none where SMMULR's
// requantization is not exact for one of them.
std::optional<std::vector<int32_t>> dsp_records(const int8_t* w, int64_t rows, int64_t len, const int32_t* bias,
                                                const int32_t* mult, const int32_t* shift, bool per_row,
                                                int32_t in_zp, int32_t out_zp);

// lower/fc.cpp
bool is_fc(const LowerCtx& c);
void build_fc(const LowerCtx& c, KernelCall& call);
// (conv_dsp.cpp) FullyConnected, and 1x1 stride-1 unpadded Conv as FC over the pixels
bool is_fc_dsp(const LowerCtx& c);
void build_fc_dsp(const LowerCtx& c, KernelCall& call);
bool fc_dsp_in_place(const Graph& g, const Node& n, int input);
int64_t fully_connected_s8_dsp_scratch(const KernelCall& call);

// lower/encoded.cpp: weights decoded on the device (--encode)
bool is_fc_sparse8(const LowerCtx& c);
void build_fc_sparse8(const LowerCtx& c, KernelCall& call);
bool is_fc_sparse8_dsp(const LowerCtx& c);
void build_fc_sparse8_dsp(const LowerCtx& c, KernelCall& call);
bool is_fc_sparse(const LowerCtx& c);
bool is_fc_enc(const LowerCtx& c);
bool is_conv_enc(const LowerCtx& c);
void build_fc_enc(const LowerCtx& c, KernelCall& call);
void build_conv_enc(const LowerCtx& c, KernelCall& call);
int64_t fully_connected_s8_enc_scratch(const KernelCall& call);
int64_t conv2d_s8_enc_scratch(const KernelCall& call);

// lower/elementwise.cpp
bool is_add_sub(const LowerCtx& c);
bool is_mul(const LowerCtx& c);
bool is_binary_f32(const LowerCtx& c);
bool is_activation(const LowerCtx& c);
bool is_lut_s8(const LowerCtx& c);
void build_add_s8(const LowerCtx& c, KernelCall& call);
bool is_add_s8_dsp(const LowerCtx& c);
void build_mul_s8(const LowerCtx& c, KernelCall& call);
void build_binary_f32(const LowerCtx& c, KernelCall& call);
void build_lut_s8(const LowerCtx& c, KernelCall& call);
void build_unary_f32(const LowerCtx& c, KernelCall& call);
bool is_div(const LowerCtx& c);
bool is_squared_difference(const LowerCtx& c);
bool is_minmax(const LowerCtx& c);
bool is_prelu(const LowerCtx& c);
bool is_dequantize(const LowerCtx& c);
void build_div_s8(const LowerCtx& c, KernelCall& call);
void build_squared_difference_s8(const LowerCtx& c, KernelCall& call);
void build_minmax_s8(const LowerCtx& c, KernelCall& call);
void build_prelu_s8(const LowerCtx& c, KernelCall& call);
void build_dequantize(const LowerCtx& c, KernelCall& call);

// lower/pool.cpp
bool is_maxpool(const LowerCtx& c);
bool is_avgpool(const LowerCtx& c);
bool is_avgpool_s8_dsp(const LowerCtx& c);
void build_pool(const LowerCtx& c, KernelCall& call);

// lower/reduce.cpp
bool is_mean(const LowerCtx& c);
bool is_softmax(const LowerCtx& c);
bool is_softmax_or_log_softmax(const LowerCtx& c);
void build_mean(const LowerCtx& c, KernelCall& call);
void build_softmax(const LowerCtx& c, KernelCall& call);
bool is_reduce_max(const LowerCtx& c);
bool is_arg_max_s8(const LowerCtx& c);
bool is_arg_max_f32(const LowerCtx& c);
bool is_log_softmax(const LowerCtx& c);
void build_reduce_max(const LowerCtx& c, KernelCall& call);
void build_arg_max(const LowerCtx& c, KernelCall& call);

// lower/movement.cpp
bool is_concat(const LowerCtx& c);
bool is_pad(const LowerCtx& c);
bool is_transpose(const LowerCtx& c);
void build_concat(const LowerCtx& c, KernelCall& call);
void build_pad(const LowerCtx& c, KernelCall& call);
void build_transpose(const LowerCtx& c, KernelCall& call);

// lower/rnn.cpp
bool is_lstm(const LowerCtx& c);
bool is_gru(const LowerCtx& c);
void build_rnn_f32(const LowerCtx& c, KernelCall& call);
void build_lstm_s8(const LowerCtx& c, KernelCall& call);
void build_gru_s8(const LowerCtx& c, KernelCall& call);
int64_t lstm_s8_scratch(const KernelCall& call);
int64_t gru_s8_scratch(const KernelCall& call);
int64_t lstm_f32_scratch(const KernelCall& call);
int64_t gru_f32_scratch(const KernelCall& call);
// lower/resample.cpp
bool is_transpose_conv(const LowerCtx& c);
bool is_resize_nearest(const LowerCtx& c);
bool is_resize_bilinear(const LowerCtx& c);
bool is_slice(const LowerCtx& c);
bool is_gather(const LowerCtx& c);
bool is_tile(const LowerCtx& c);
bool is_batch_matmul(const LowerCtx& c);
void build_transpose_conv(const LowerCtx& c, KernelCall& call);
int64_t transpose_conv_s8_scratch(const KernelCall& call);
void build_resize_nearest(const LowerCtx& c, KernelCall& call);
void build_resize_bilinear(const LowerCtx& c, KernelCall& call);
void build_slice(const LowerCtx& c, KernelCall& call);
void build_gather(const LowerCtx& c, KernelCall& call);
void build_tile(const LowerCtx& c, KernelCall& call);
void build_batch_matmul(const LowerCtx& c, KernelCall& call);
bool is_layer_norm(const LowerCtx& c);
void build_layer_norm(const LowerCtx& c, KernelCall& call);

}  // namespace mote
