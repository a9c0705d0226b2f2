// Compile-time parameters of the int8 recurrent kernels (mote_lstm_s8, mote_gru_s8), from plain
// tensor quantization values; independent of mote's Graph.
#pragma once
#include <cstdint>
#include <vector>

#include "mote/kernels.h"

namespace mote {

// TFLM's sigmoid_table_uint16 (sigmoid(k/24) in Q0.16) that its int16 logistic / tanh
// interpolate; both int8 recurrent kernels read it through params.sigmoid_table.
const std::vector<uint16_t>& tflm_sigmoid_table_u16();

// Quantization of a TFLite UNIDIRECTIONAL_SEQUENCE_LSTM with int8 activations: per-tensor
// weight scales per gate in TFLite order (input, forget, cell, output).
struct LstmS8Quant {
  float in_scale = 0;
  int32_t in_zp = 0;
  float w_scale[4] = {};  // input_to_*_weights
  float r_scale[4] = {};  // recurrent_to_*_weights
  float hidden_scale = 0;  // output_state (= output)
  int32_t hidden_zp = 0;
  float cell_scale = 0;  // cell_state, a power of two
  float cell_clip = 0;   // options.cell_clip, 0 = none
  int32_t cell_act = MOTE_UN_TANH;  // options.fused_activation_function: TANH or SIGMOID
};

// params.sigmoid_table is null; bound() returns a copy pointing at this object's table.
struct LstmS8Params {
  mote_lstm_s8_params params{};
  std::vector<int32_t> in_bias, rec_bias;  // [4 * hidden] each
  mote_lstm_s8_params bound() const;
};

// What TFLM's Prepare computes (PrepareGateParametersInteger, CreateInterGateMulParams,
// CreateLstmCellStateInfo), with the zero points folded into the biases. w [4][hidden][in],
// r [4][hidden][hidden] int8, bias [4][hidden] int32 (TFLite gate order). Throws mote::Error for
// what TFLM rejects or mote does not support (non-power-of-two cell scale, other activations).
LstmS8Params lstm_s8_params(int32_t steps, int32_t in_features, int32_t hidden, bool reverse,
                            const LstmS8Quant& q, const std::vector<int8_t>& w,
                            const std::vector<int8_t>& r, const std::vector<int32_t>& bias);

// Quantization of an int8 GRU (mote's scheme, see mote_gru_s8): calibrated input and output
// (= hidden) ranges, symmetric weight scales per tensor (size 1) or per row (size 3 * hidden).
struct GruS8Quant {
  float in_scale = 0;
  int32_t in_zp = 0;
  float out_scale = 0;
  int32_t out_zp = 0;
  std::vector<float> w_scale, r_scale;
};

// Pointer fields of params are null; bound() returns a copy pointing at the vectors.
struct GruS8Params {
  mote_gru_s8_params params{};
  std::vector<int32_t> in_multiplier, in_shift, rec_multiplier, rec_shift;  // [3 * hidden]
  std::vector<int32_t> in_bias, rec_bias;                                   // [3 * hidden]
  mote_gru_s8_params bound() const;
};

// w [3*hidden][in], r [3*hidden][hidden] int8 (ONNX gate order z, r, h); bias: the float ONNX
// B [6*hidden] (Wb then Rb) or empty.
GruS8Params gru_s8_params(int32_t steps, int32_t in_features, int32_t hidden, bool reverse,
                          bool linear_before_reset, const GruS8Quant& q,
                          const std::vector<int8_t>& w, const std::vector<int8_t>& r,
                          const std::vector<float>& bias);

// int16 Q0.15 initial hidden state for mote_gru_s8 from a float one (|h| <= 1 saturates).
std::vector<int16_t> gru_s8_initial_state(const std::vector<float>& h0);

}  // namespace mote
