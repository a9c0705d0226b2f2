#include "lower/params/rnn.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "lower/fixedpoint.h"
#include "util/error.h"

namespace mote {
namespace {

// Q3.12, the unit of every gate pre-activation (TFLM's nonlinear_input_scale).
constexpr float kGateInScale = 1.0f / 4096.0f;
// Q0.15, the unit of every gate activation (TFLM's nonlinear_output_scale).
constexpr float kGateOutScale = 1.0f / 32768.0f;

std::pair<int32_t, int32_t> encode(double real) {
  int32_t m = 0, s = 0;
  quantize_multiplier(real, &m, &s);
  return {m, s};
}

// bias[o] - zp * sum_k m[o][k] for the rows of m [rows][n]: the zero point folded into the bias.
std::vector<int32_t> fold_zero_point(const std::vector<int32_t>& bias, const std::vector<int8_t>& m,
                                     int32_t rows, int32_t n, int32_t zp) {
  std::vector<int32_t> out(bias);
  for (int32_t o = 0; o < rows; ++o) {
    int64_t sum = 0;
    for (int32_t k = 0; k < n; ++k) sum += m[size_t(o) * size_t(n) + size_t(k)];
    const int64_t v = int64_t{out[size_t(o)]} - int64_t{zp} * sum;
    if (v < INT32_MIN || v > INT32_MAX) fail("recurrent layer: folded bias of row {} overflows int32", o);
    out[size_t(o)] = int32_t(v);
  }
  return out;
}

void check_size(const char* what, size_t got, size_t want) {
  if (got != want) fail("recurrent layer: {} has {} elements, expected {}", what, got, want);
}

void check_shape(int32_t steps, int32_t in_features, int32_t hidden) {
  if (steps <= 0 || in_features <= 0 || hidden <= 0)
    fail("recurrent layer: steps {}, input size {}, hidden size {} must be positive", steps, in_features,
         hidden);
}

}  // namespace

const std::vector<uint16_t>& tflm_sigmoid_table_u16() {
  // The published table (tensorflow/lite/kernels/internal/common.h, also CMSIS-NN's
  // arm_nntables.c) is not a correct rounding of 65536 * sigmoid(k / 24): 44 entries are one
  // above it and none of the usual formulas reproduce it, so its values are given literally.
  static const std::vector<uint16_t> t = {
      32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
      41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
      48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
      54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
      58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
      61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
      63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
      64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
      64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
      65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
      65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
      65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
      65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
      65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
      65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
      65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
      65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
      65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
      65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
      65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};
  return t;
}

mote_lstm_s8_params LstmS8Params::bound() const {
  mote_lstm_s8_params p = params;
  p.sigmoid_table = tflm_sigmoid_table_u16().data();
  return p;
}

LstmS8Params lstm_s8_params(int32_t steps, int32_t in_features, int32_t hidden, bool reverse,
                            const LstmS8Quant& q, const std::vector<int8_t>& w,
                            const std::vector<int8_t>& r, const std::vector<int32_t>& bias) {
  check_shape(steps, in_features, hidden);
  const size_t h = size_t(hidden);
  check_size("input weights", w.size(), 4 * h * size_t(in_features));
  check_size("recurrent weights", r.size(), 4 * h * h);
  check_size("gate biases", bias.size(), 4 * h);
  if (q.cell_act != MOTE_UN_TANH && q.cell_act != MOTE_UN_SIGMOID)
    fail("UNIDIRECTIONAL_SEQUENCE_LSTM: cell gate activation must be TANH or SIGMOID");
  if (q.hidden_zp < -128 || q.hidden_zp > 127 || q.in_zp < -128 || q.in_zp > 127)
    fail("UNIDIRECTIONAL_SEQUENCE_LSTM: zero points {} (input), {} (hidden) are outside int8", q.in_zp,
         q.hidden_zp);
  // TFLM's CheckedLog2: the cell state scale must be 2^power (fraction below 1e-3).
  if (!(q.cell_scale > 0)) fail("UNIDIRECTIONAL_SEQUENCE_LSTM: cell state scale {} is not positive", q.cell_scale);
  const float log2 = std::log(q.cell_scale) * (1.0f / std::log(2.0f));
  const float rounded = std::round(log2);
  if (std::fabs(log2 - rounded) >= 1e-3f)
    fail("UNIDIRECTIONAL_SEQUENCE_LSTM: cell state scale {} is not a power of two", q.cell_scale);
  const int32_t cell_power = int32_t(rounded);

  LstmS8Params out;
  mote_lstm_s8_params& p = out.params;
  p.steps = steps, p.in_features = in_features, p.hidden = hidden, p.reverse = reverse ? 1 : 0;
  p.hidden_zp = q.hidden_zp;
  for (int g = 0; g < 4; ++g) {
    // GetQuantizedConvolutionMultipler: the float product of the scales, then double division.
    std::tie(p.in_multiplier[g], p.in_shift[g]) =
        encode(double(q.in_scale * q.w_scale[g]) / double(kGateInScale));
    std::tie(p.rec_multiplier[g], p.rec_shift[g]) =
        encode(double(q.hidden_scale * q.r_scale[g]) / double(kGateInScale));
  }
  p.cell_act = q.cell_act;
  // CreateInterGateMulParams: double product of the input scales over the output scale.
  std::tie(p.forget_multiplier, p.forget_shift) =
      encode(double(kGateOutScale) * double(q.cell_scale) / double(q.cell_scale));
  std::tie(p.input_multiplier, p.input_shift) =
      encode(double(kGateOutScale) * double(kGateOutScale) / double(q.cell_scale));
  std::tie(p.output_multiplier, p.output_shift) =
      encode(double(kGateOutScale) * double(kGateOutScale) / double(q.hidden_scale));
  // lstm_internal::Tanh: left shift 15 + power - 3 brings the cell state to the tanh input unit;
  // the int16 tanh folds a non-negative shift into the multiplier 3 << shift.
  const int32_t tanh_shift = 15 + cell_power - 3;
  if (tanh_shift < -30 || tanh_shift > 14)
    fail("UNIDIRECTIONAL_SEQUENCE_LSTM: cell state scale 2^{} is out of range", cell_power);
  p.cell_tanh_multiplier = tanh_shift >= 0 ? 3 << tanh_shift : 3;
  p.cell_tanh_shift = tanh_shift >= 0 ? 0 : -tanh_shift;
  // CreateLstmCellStateInfo: truncated toward zero after clamping to int16.
  p.cell_clip = q.cell_clip > 0
                    ? int32_t(std::min(std::max(double(q.cell_clip) / double(q.cell_scale), -32768.0), 32767.0))
                    : 0;
  out.in_bias = fold_zero_point(bias, w, 4 * hidden, in_features, q.in_zp);
  out.rec_bias = fold_zero_point(std::vector<int32_t>(4 * h, 0), r, 4 * hidden, hidden, q.hidden_zp);
  return out;
}

mote_gru_s8_params GruS8Params::bound() const {
  mote_gru_s8_params p = params;
  p.in_multiplier = in_multiplier.data(), p.in_shift = in_shift.data();
  p.rec_multiplier = rec_multiplier.data(), p.rec_shift = rec_shift.data();
  p.sigmoid_table = tflm_sigmoid_table_u16().data();
  return p;
}

GruS8Params gru_s8_params(int32_t steps, int32_t in_features, int32_t hidden, bool reverse,
                          bool linear_before_reset, const GruS8Quant& q,
                          const std::vector<int8_t>& w, const std::vector<int8_t>& r,
                          const std::vector<float>& bias) {
  check_shape(steps, in_features, hidden);
  const size_t rows = 3 * size_t(hidden);
  check_size("GRU W", w.size(), rows * size_t(in_features));
  check_size("GRU R", r.size(), rows * size_t(hidden));
  if (!bias.empty()) check_size("GRU B", bias.size(), 2 * rows);
  if (q.w_scale.size() != 1 && q.w_scale.size() != rows)
    fail("GRU: {} W scales, expected 1 or {}", q.w_scale.size(), rows);
  if (q.r_scale.size() != 1 && q.r_scale.size() != rows)
    fail("GRU: {} R scales, expected 1 or {}", q.r_scale.size(), rows);
  if (q.in_zp < -128 || q.in_zp > 127 || q.out_zp < -128 || q.out_zp > 127)
    fail("GRU: zero points {} (input), {} (output) are outside int8", q.in_zp, q.out_zp);
  if (!(q.in_scale > 0) || !(q.out_scale > 0)) fail("GRU: input / output scales must be positive");

  GruS8Params out;
  mote_gru_s8_params& p = out.params;
  p.steps = steps, p.in_features = in_features, p.hidden = hidden;
  p.reverse = reverse ? 1 : 0, p.linear_before_reset = linear_before_reset ? 1 : 0;
  p.out_zp = q.out_zp;
  std::tie(p.out_multiplier, p.out_shift) = encode(double(kGateOutScale) / double(q.out_scale));
  out.in_multiplier.resize(rows), out.in_shift.resize(rows);
  out.rec_multiplier.resize(rows), out.rec_shift.resize(rows);
  std::vector<int32_t> wb(rows, 0), rb(rows, 0);
  for (size_t o = 0; o < rows; ++o) {
    const double ws = double(q.in_scale) * double(q.w_scale.size() == 1 ? q.w_scale[0] : q.w_scale[o]);
    const double rs = double(q.out_scale) * double(q.r_scale.size() == 1 ? q.r_scale[0] : q.r_scale[o]);
    if (!(ws > 0) || !(rs > 0)) fail("GRU: weight scale of row {} is not positive", o);
    std::tie(out.in_multiplier[o], out.in_shift[o]) = encode(ws / double(kGateInScale));
    std::tie(out.rec_multiplier[o], out.rec_shift[o]) = encode(rs / double(kGateInScale));
    if (!bias.empty()) {
      const double qw = std::round(double(bias[o]) / ws), qr = std::round(double(bias[rows + o]) / rs);
      if (std::fabs(qw) > 2147483647.0 || std::fabs(qr) > 2147483647.0)
        fail("GRU: bias of row {} does not fit int32 at its scale", o);
      wb[o] = int32_t(qw), rb[o] = int32_t(qr);
    }
  }
  out.in_bias = fold_zero_point(wb, w, int32_t(rows), in_features, q.in_zp);
  out.rec_bias = fold_zero_point(rb, r, int32_t(rows), hidden, q.out_zp);
  return out;
}

std::vector<int16_t> gru_s8_initial_state(const std::vector<float>& h0) {
  std::vector<int16_t> out(h0.size());
  for (size_t j = 0; j < h0.size(); ++j)
    out[j] = int16_t(std::clamp(std::round(double(h0[j]) * 32768.0), -32768.0, 32767.0));
  return out;
}

}  // namespace mote
