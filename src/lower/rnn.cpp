// Recurrent layers (Lstm, Gru): float kernels on the IR's ONNX gate order, TFLM's integer LSTM
// (TFLite gate order, per-gate weight scales) and mote's integer GRU (per-row scales).
#include "lower/families.h"
#include "lower/params/rnn.h"

namespace mote {

namespace {

// TFLite gate k (input, forget, cell, output) is ONNX gate kOnnxGate[k] (order i, o, f, c).
constexpr int kOnnxGate[4] = {0, 2, 3, 1};

struct RnnShape {
  int32_t steps, in_features, hidden;
  bool reverse;
};

RnnShape rnn_shape(const LowerCtx& c) {
  check_io(c);
  const Shape& x = c.in(0).shape;
  if (x.size() != 2) c.error(fmt::format("input must be [steps, features], has shape {}", shape_str(x)));
  return {to_i32(c, x[0], "steps"), to_i32(c, x[1], "input size"), to_i32(c, c.n.attrs.i("hidden_size", 0), "hidden_size"),
          c.n.attrs.i("reverse", 0) != 0};
}

// The int8 weights of input k with its scales, rows regrouped in TFLite gate order when `tflite`.
std::vector<int8_t> gate_rows(const LowerCtx& c, size_t k, int gates, int32_t hidden, bool tflite,
                              std::vector<double>* scales) {
  const Tensor& w = const_input(c, k, k == 1 ? "W" : "R");
  const int64_t rows = int64_t(gates) * hidden;
  const std::vector<double> s = weight_scales(c, w, rows);
  const std::vector<int8_t> v = w.values<int8_t>();
  if (!tflite) {
    *scales = s;
    return v;
  }
  const size_t per = v.size() / size_t(rows), h = size_t(hidden);
  std::vector<int8_t> out(v.size());
  scales->assign(size_t(gates), 0.0);
  for (int g = 0; g < gates; ++g) {
    const size_t src = size_t(kOnnxGate[g]) * h;
    for (size_t o = 0; o < h; ++o)
      if (s[src + o] != s[src])
        c.error(fmt::format("weight '{}' needs one scale per gate (TFLite's integer LSTM), gate {} has several", w.name, g));
    (*scales)[size_t(g)] = s[src];
    std::copy_n(v.begin() + long(src * per), h * per, out.begin() + long(size_t(g) * h * per));
  }
  return out;
}

// The operands both int8 recurrent kernels read: x, the weights, the folded biases and
// TFLM's sigmoid table.
void add_s8_tables(const LowerCtx& c, KernelCall& call, const std::vector<int8_t>& w, const std::vector<int8_t>& r,
                   const std::vector<int32_t>& in_bias, const std::vector<int32_t>& rec_bias) {
  call.inputs = {c.n.in(0)};
  call.tables.push_back(make_table("weights", DType::I8, w));
  call.tables.push_back(make_table("recurrent", DType::I8, r));
  call.tables.push_back(make_table("in_bias", DType::I32, in_bias));
  call.tables.push_back(make_table("rec_bias", DType::I32, rec_bias));
  call.tables.push_back(make_table("sigmoid", DType::U16, tflm_sigmoid_table_u16()));
}

}  // namespace

bool is_lstm(const LowerCtx& c) { return c.n.op == OpKind::Lstm; }
bool is_gru(const LowerCtx& c) { return c.n.op == OpKind::Gru; }

void build_rnn_f32(const LowerCtx& c, KernelCall& call) {
  const RnnShape s = rnn_shape(c);
  const int gates = c.n.op == OpKind::Lstm ? 4 : 3;
  mote_rnn_f32_params p{};
  p.steps = s.steps, p.in_features = s.in_features, p.hidden = s.hidden, p.reverse = s.reverse ? 1 : 0;
  p.linear_before_reset = int32_t(c.n.attrs.i("linear_before_reset", 0));
  call.inputs = {c.n.in(0)};
  call.tables.push_back(copy_table("weights", const_input(c, 1, "W")));
  call.tables.push_back(copy_table("recurrent", const_input(c, 2, "R")));
  add_bias(c, call, 3, 2 * int64_t(gates) * s.hidden);
  call.params = p;
}

void build_lstm_s8(const LowerCtx& c, KernelCall& call) {
  const RnnShape s = rnn_shape(c);
  LstmS8Quant q;
  const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
  q.in_scale = float(qi.scale), q.in_zp = qi.zp;
  q.hidden_scale = float(qo.scale), q.hidden_zp = qo.zp;
  q.cell_scale = c.n.attrs.f("cell_scale", 0.0f);
  q.cell_clip = c.n.attrs.f("cell_clip", 0.0f);
  std::vector<double> ws, rs;
  const std::vector<int8_t> w = gate_rows(c, 1, 4, s.hidden, true, &ws), r = gate_rows(c, 2, 4, s.hidden, true, &rs);
  for (int g = 0; g < 4; ++g) q.w_scale[g] = float(ws[size_t(g)]), q.r_scale[g] = float(rs[size_t(g)]);
  const size_t h = size_t(s.hidden);
  std::vector<int32_t> bias(4 * h, 0);
  if (c.n.in(3) >= 0) {
    const Tensor& b = const_input(c, 3, "bias");
    if (b.dtype != DType::I32 || b.numel() != int64_t(4 * h))
      c.error(fmt::format("bias '{}' must be i32 [{}] (Wb + Rb), is {} {}", b.name, 4 * h, dtype_name(b.dtype), shape_str(b.shape)));
    const std::vector<int32_t> v = b.values<int32_t>();
    for (int g = 0; g < 4; ++g) std::copy_n(v.begin() + long(size_t(kOnnxGate[g]) * h), h, bias.begin() + long(size_t(g) * h));
  }
  LstmS8Params lp;
  try {
    lp = lstm_s8_params(s.steps, s.in_features, s.hidden, s.reverse, q, w, r, bias);
  } catch (const Error& e) {
    c.error(e.what());
  }
  add_s8_tables(c, call, w, r, lp.in_bias, lp.rec_bias);
  call.params = lp.params;
}

void build_gru_s8(const LowerCtx& c, KernelCall& call) {
  const RnnShape s = rnn_shape(c);
  GruS8Quant q;
  const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
  q.in_scale = float(qi.scale), q.in_zp = qi.zp, q.out_scale = float(qo.scale), q.out_zp = qo.zp;
  std::vector<double> ws, rs;
  const std::vector<int8_t> w = gate_rows(c, 1, 3, s.hidden, false, &ws), r = gate_rows(c, 2, 3, s.hidden, false, &rs);
  q.w_scale.assign(ws.begin(), ws.end());
  q.r_scale.assign(rs.begin(), rs.end());
  std::vector<float> bias;
  if (c.n.in(3) >= 0) {
    const Tensor& b = const_input(c, 3, "bias");
    if (b.dtype != DType::F32) c.error(fmt::format("bias '{}' must stay f32 in an int8 GRU, is {}", b.name, dtype_name(b.dtype)));
    bias = b.values<float>();
  }
  GruS8Params gp;
  try {
    gp = gru_s8_params(s.steps, s.in_features, s.hidden, s.reverse, c.n.attrs.i("linear_before_reset", 0) != 0, q, w,
                       r, bias);
  } catch (const Error& e) {
    c.error(e.what());
  }
  add_s8_tables(c, call, w, r, gp.in_bias, gp.rec_bias);
  call.tables.push_back(make_table("in_multiplier", DType::I32, gp.in_multiplier));
  call.tables.push_back(make_table("in_shift", DType::I32, gp.in_shift));
  call.tables.push_back(make_table("rec_multiplier", DType::I32, gp.rec_multiplier));
  call.tables.push_back(make_table("rec_shift", DType::I32, gp.rec_shift));
  call.params = gp.params;
}

int64_t lstm_s8_scratch(const KernelCall& call) {
  return int64_t(mote_lstm_s8_scratch_bytes(&std::get<mote_lstm_s8_params>(call.params)));
}
int64_t gru_s8_scratch(const KernelCall& call) {
  return int64_t(mote_gru_s8_scratch_bytes(&std::get<mote_gru_s8_params>(call.params)));
}
int64_t lstm_f32_scratch(const KernelCall& call) {
  return int64_t(mote_lstm_f32_scratch_bytes(&std::get<mote_rnn_f32_params>(call.params)));
}
int64_t gru_f32_scratch(const KernelCall& call) {
  return int64_t(mote_gru_f32_scratch_bytes(&std::get<mote_rnn_f32_params>(call.params)));
}

}  // namespace mote
