#include "quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "ir/op_registry.h"
#include "ir/verify.h"
#include "quant/calibrate.h"
#include "ref/executor.h"
#include "ref/kernels_ref.h"

namespace mote {

namespace {

[[noreturn]] void node_error(const Node& n, const std::string& why) {
  fail("quantize: node '{}' ({}): {}", n.name, op_name(n.op), why);
}

QuantParams per_tensor(float scale, int32_t zp) {
  QuantParams q;
  q.scale = {scale};
  q.zero_point = {zp};
  return q;
}

QuantParams quant_of_range(Range r, DType act = DType::I8) {
  if (act == DType::I16) {
    // 16x8: symmetric, zero point 0, the larger magnitude at code 32767
    r = normalize_range(r);
    return per_tensor(float(std::max(-r.lo, r.hi) / 32767.0), 0);
  }
  float s = 0;
  int32_t zp = 0;
  range_to_quant(r, &s, &zp);
  return per_tensor(s, zp);
}

// Real range an int8 per-tensor quantization represents.
Range represented(const QuantParams& q) {
  return {double(q.scale[0]) * (-128 - q.zero_point[0]), double(q.scale[0]) * (127 - q.zero_point[0])};
}

int8_t quantize_value(float x, const QuantParams& q) {
  const double v = std::round(double(x) / double(q.scale[0])) + q.zero_point[0];
  return int8_t(std::clamp(v, -128.0, 127.0));
}

int16_t quantize_value16(float x, const QuantParams& q) {
  return int16_t(std::clamp(std::round(double(x) / double(q.scale[0])), -32768.0, 32767.0));
}

std::vector<float> as_floats(const Array& a) {
  std::vector<float> v(size_t(a.numel()));
  if (a.dtype == DType::F32) {
    std::memcpy(v.data(), a.bytes.data(), v.size() * sizeof(float));
    return v;
  }
  for (int64_t i = 0; i < a.numel(); ++i) v[size_t(i)] = a.get_f32(i);
  return v;
}

// Constant input `slot` of node `k`, made private to that node (copied when shared) so that
// it can be rewritten in place.
Tensor& own_const(Graph& q, size_t k, size_t slot) {
  const int id = q.nodes[k].in(slot);
  const std::vector<int> users = q.consumers(id);
  int uses = 0;
  for (int u : users)
    for (int i : q.nodes[size_t(u)].inputs) uses += i == id;
  if (uses == 1 && !q.is_graph_output(id)) return q.t(id);
  Tensor copy = q.t(id);
  copy.name = q.unique_name(copy.name + "_" + q.nodes[k].name);
  q.nodes[k].inputs[slot] = q.add_tensor(std::move(copy));
  return q.t(q.nodes[k].inputs[slot]);
}

// Per-tensor asymmetric int8 from the constant's own min/max (operands of Add/Sub/Mul/Concat).
void quantize_const_activation(Tensor& t) {
  const std::vector<float> v = t.values<float>();
  Range r{0, 0};
  for (float x : v) {
    r.lo = std::min(r.lo, double(x));
    r.hi = std::max(r.hi, double(x));
  }
  t.quant = quant_of_range(r);
  t.dtype = DType::I8;
  t.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) t.data[i] = uint8_t(quantize_value(v[i], t.quant));
}

// Symmetric int8 weights with one scale per block of `rows` output channels (axis 0): 1 for
// per-channel weights, an LSTM gate for TFLite's integer LSTM; returns the channel scales.
std::vector<float> quantize_block_weights(const Node& n, Tensor& w, size_t rows) {
  if (!w.is_const() || w.dtype != DType::F32) node_error(n, fmt::format("weight '{}' must be a float constant", w.name));
  const std::vector<float> v = w.values<float>();
  const size_t oc = size_t(w.shape.at(0)), per = v.size() / oc;
  std::vector<float> scales(oc);
  for (size_t b = 0; b < oc; b += rows) {
    float m = 0;
    for (size_t i = b * per; i < (b + rows) * per; ++i) m = std::max(m, std::fabs(v[i]));
    std::fill_n(scales.begin() + long(b), rows, weight_scale(m));
  }
  w.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    w.data[i] = uint8_t(int8_t(std::clamp(std::round(double(v[i]) / double(scales[i / per])), -127.0, 127.0)));
  w.dtype = DType::I8;
  w.quant.scale = scales;
  w.quant.zero_point.assign(oc, 0);
  w.quant.axis = 0;
  return scales;
}

std::vector<float> quantize_weights(const Node& n, Tensor& w) { return quantize_block_weights(n, w, 1); }

// Bias with scale in_scale * w_scale[c], zero point 0: int32 (int8 graphs) or int64 (16x8).
void quantize_bias(const Node& n, Tensor& b, float in_scale, const std::vector<float>& w_scales,
                   DType dtype = DType::I32) {
  if (!b.is_const() || b.dtype != DType::F32) node_error(n, fmt::format("bias '{}' must be a float constant", b.name));
  const std::vector<float> v = b.values<float>();
  if (v.size() != w_scales.size()) node_error(n, fmt::format("bias '{}' has {} values for {} channels", b.name, v.size(), w_scales.size()));
  const double lim = dtype == DType::I64 ? 0x1p62 : double(INT32_MAX);
  std::vector<int64_t> qv(v.size());
  b.quant = QuantParams{};
  for (size_t c = 0; c < v.size(); ++c) {
    const float s = in_scale * w_scales[c];
    qv[c] = int64_t(std::clamp(std::round(double(v[c]) / double(s)), -lim - 1, lim));
    b.quant.scale.push_back(s);
    b.quant.zero_point.push_back(0);
  }
  b.quant.axis = 0;
  b.dtype = dtype;
  b.data.resize(qv.size() * dtype_size(dtype));
  for (size_t c = 0; c < qv.size(); ++c) {
    if (dtype == DType::I64) {
      std::memcpy(&b.data[c * 8], &qv[c], 8);
    } else {
      const int32_t q32 = int32_t(qv[c]);
      std::memcpy(&b.data[c * 4], &q32, 4);
    }
  }
}

// The LSTM's int32 gate bias: Wb + Rb at in_scale * w_scale of each row (the integer kernel adds
// one bias to x.W).
void quantize_lstm_bias(const Node& n, Tensor& b, float in_scale, const std::vector<float>& w_scales) {
  const std::vector<float> v = b.values<float>();
  const size_t rows = w_scales.size();
  if (v.size() != 2 * rows) node_error(n, fmt::format("bias '{}' has {} values, expected {}", b.name, v.size(), 2 * rows));
  Tensor sum = b;
  sum.shape = {int64_t(rows)};
  sum.data.resize(rows * 4);
  std::vector<float> folded(rows);
  for (size_t r = 0; r < rows; ++r) folded[r] = v[r] + v[rows + r];
  std::memcpy(sum.data.data(), folded.data(), rows * 4);
  b = std::move(sum);
  quantize_bias(n, b, in_scale, w_scales);
}

// TFLite's power-of-two int16 cell state scale covering |c| <= absmax: 2^pot / 2^15, pot >= 0.
float cell_state_scale(double absmax) {
  int pot = 0;
  while (pot < 30 && std::ldexp(1.0, pot) < absmax) ++pot;
  return float(std::ldexp(1.0, pot - 15));
}

// Largest |c| of an LSTM node's cell state over all steps for input x: the float oracle run one
// step at a time, carrying h and c.
double lstm_cell_absmax(const Graph& g, const Node& n, const std::vector<float>& x) {
  const std::vector<float> w = g.t(n.in(1)).values<float>(), r = g.t(n.in(2)).values<float>();
  const std::vector<float> b = n.in(3) >= 0 ? g.t(n.in(3)).values<float>() : std::vector<float>{};
  mote_rnn_f32_params p{};
  const int32_t steps = int32_t(g.t(n.in(0)).shape[0]);
  p.steps = 1;
  p.in_features = int32_t(g.t(n.in(0)).shape[1]);
  p.hidden = int32_t(n.attrs.i("hidden_size", 0));
  std::vector<float> h(size_t(p.hidden), 0.0f), c(h), c_next(h);
  double m = 0;
  for (int32_t k = 0; k < steps; ++k) {
    const int32_t t = n.attrs.i("reverse", 0) ? steps - 1 - k : k;
    std::vector<float> y(h.size());
    if (ref::lstm_f32(p, x.data() + size_t(t) * size_t(p.in_features), w.data(), r.data(), b.empty() ? nullptr : b.data(),
                      h.data(), c.data(), y.data(), c_next.data()) != MOTE_OK)
      node_error(n, "invalid LSTM shape");
    h = y, c = c_next;
    for (float v : c) m = std::max(m, double(std::fabs(v)));
  }
  return m;
}

// Per-tensor statistics of every activation over the calibration set; cell_absmax[k] the largest
// |cell state| of LSTM node k.
std::vector<TensorStats> calibrate(const Graph& g, const Array& calib, CalibMethod method,
                                   std::vector<double>* cell_absmax) {
  cell_absmax->assign(g.nodes.size(), 0.0);
  const int in_id = g.inputs[0];
  const int64_t n = calib.shape[0];
  std::vector<TensorStats> stats(g.tensors.size());
  for (int pass = 0; pass < (method == CalibMethod::MinMax ? 1 : 2); ++pass) {
    if (pass == 1)
      for (TensorStats& s : stats)
        if (s.seen) s.start_histogram();
    auto add = [&](int tensor, const std::vector<float>& v) {
      if (pass == 0) stats[size_t(tensor)].add_minmax(v.data(), v.size());
      else stats[size_t(tensor)].add_histogram(v.data(), v.size());
    };
    for (int64_t k = 0; k < n; ++k) {
      Array x = sample(calib, k, g.t(in_id));
      std::vector<std::vector<float>> vals(g.tensors.size());
      vals[size_t(in_id)] = as_floats(x);
      add(in_id, vals[size_t(in_id)]);
      run_float(g, {x}, [&](int node, const Array& out) {
        const Node& nd = g.nodes[size_t(node)];
        vals[size_t(nd.out())] = as_floats(out);
        add(nd.out(), vals[size_t(nd.out())]);
        if (pass == 0 && nd.op == OpKind::Lstm)
          (*cell_absmax)[size_t(node)] = std::max((*cell_absmax)[size_t(node)], lstm_cell_absmax(g, nd, vals[size_t(nd.in(0))]));
      });
    }
  }
  return stats;
}

void check_float_graph(const Graph& g, const Array& calib) {
  if (g.inputs.size() != 1) fail("quantize: graph '{}' has {} inputs; calibration supports exactly one", g.name, g.inputs.size());
  for (const Node& n : g.nodes) {
    if (n.op == OpKind::BatchNorm) node_error(n, "BatchNorm must be folded before quantization");
    for (int i : n.inputs)
      if (i >= 0 && g.t(i).dtype != DType::F32) node_error(n, fmt::format("input '{}' is {}, expected f32", g.t(i).name, dtype_name(g.t(i).dtype)));
  }
  const Tensor& in = g.t(g.inputs[0]);
  if (calib.shape.empty() || calib.shape[0] <= 0) fail("quantize: calibration data has no samples (shape {})", shape_str(calib.shape));
  if (calib.numel() != calib.shape[0] * in.numel())
    fail("quantize: calibration samples of shape {} do not fit graph input '{}' {}", shape_str(calib.shape), in.name, shape_str(in.shape));
}

void report_sqnr(const Graph& g, const Graph& q, const Array& calib, QuantReport* report) {
  std::map<std::string, size_t> float_node;  // output tensor name -> node of g
  for (size_t k = 0; k < g.nodes.size(); ++k) float_node[g.t(g.nodes[k].out()).name] = k;
  std::vector<double> signal(g.nodes.size(), 0), noise(g.nodes.size(), 0);
  const Tensor& fin = g.t(g.inputs[0]);
  const std::vector<KernelCall> calls = lower(q, host_target()).calls;
  for (int64_t s = 0; s < calib.shape[0]; ++s) {
    Array x = sample(calib, s, fin);
    std::vector<std::vector<float>> ref(g.nodes.size());
    run_float(g, {x}, [&](int node, const Array& out) { ref[size_t(node)] = as_floats(out); });
    const Array xq = quantize_input(q, x);
    run_int8(q, calls, {xq}, [&](int node, const Array& out) {
      const Tensor& t = q.t(q.nodes[size_t(node)].out());
      auto it = float_node.find(t.name);
      if (it == float_node.end() || (t.dtype != DType::I8 && t.dtype != DType::I16)) return;  // int32 indices have no SQNR
      const std::vector<float>& r = ref[it->second];
      for (size_t i = 0; i < r.size(); ++i) {
        const double d = double(t.quant.scale[0]) * (out.get_f32(int64_t(i)) - t.quant.zero_point[0]);
        signal[it->second] += double(r[i]) * r[i];
        noise[it->second] += (double(r[i]) - d) * (double(r[i]) - d);
      }
    });
  }
  report->layers.clear();
  for (const Node& n : q.nodes) {
    auto it = float_node.find(q.t(n.out()).name);
    if (it == float_node.end() || (q.t(n.out()).dtype != DType::I8 && q.t(n.out()).dtype != DType::I16)) continue;
    const size_t k = it->second;
    // Energies pooled over all samples; no noise at all reads as +inf dB.
    const double db = noise[k] > 0 ? 10.0 * std::log10(signal[k] / noise[k]) : std::numeric_limits<double>::infinity();
    report->layers.push_back({n.name, op_name(n.op), db});
  }
}

}  // namespace

Array sample(const Array& calib, int64_t k, const Tensor& input) {
  Array a;
  a.dtype = DType::F32;
  a.shape = input.shape;
  a.bytes.resize(size_t(input.numel()) * 4);
  float* dst = a.as_mut<float>();
  for (int64_t i = 0; i < input.numel(); ++i) dst[i] = calib.get_f32(k * input.numel() + i);
  return a;
}

Array quantize_input(const Graph& q, const Array& x) {
  const Tensor& in = q.t(q.inputs.at(0));
  if (in.dtype != DType::I8 && in.dtype != DType::I16) fail("quantize_input: graph '{}' input '{}' is {}, not quantized", q.name, in.name, dtype_name(in.dtype));
  Array a;
  a.dtype = in.dtype;
  a.shape = x.shape;
  a.bytes.resize(size_t(x.numel()) * dtype_size(in.dtype));
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (in.dtype == DType::I16) a.as_mut<int16_t>()[i] = quantize_value16(x.get_f32(i), in.quant);
    else a.as_mut<int8_t>()[i] = quantize_value(x.get_f32(i), in.quant);
  }
  return a;
}

DType activations_from_name(const std::string& s) {
  if (s == "int8") return DType::I8;
  if (s == "int16") return DType::I16;
  fail("unknown activation type '{}' (expected int8 or int16)", s);
}

const char* activations_name(DType d) { return d == DType::I16 ? "int16" : "int8"; }

float weight_scale(float absmax, int bits) {
  const float qmax = float((1 << (bits - 1)) - 1);
  return absmax > 0 ? absmax / qmax : 1.0f / qmax;
}

Graph quantize(const Graph& g, const Array& calib, CalibMethod method, QuantReport* report, DType activations,
               const QuantParams* input_quant) {
  if (activations != DType::I8 && activations != DType::I16)
    fail("quantize: activations must be int8 or int16, not {}", dtype_name(activations));
  const bool q16 = activations == DType::I16;
  verify(g, "quantize (float input)");
  check_float_graph(g, calib);
  std::vector<double> cell_absmax;
  const std::vector<TensorStats> stats = calibrate(g, calib, method, &cell_absmax);
  auto calibrated = [&](int id, const Node* n) {
    const TensorStats& s = stats.at(size_t(id));
    if (!s.seen) {
      if (n) node_error(*n, fmt::format("output '{}' was never observed during calibration", g.t(id).name));
      fail("quantize: input '{}' was never observed during calibration", g.t(id).name);
    }
    return quant_of_range(s.range(method), activations);
  };

  Graph q = g;
  auto set_act = [&](int id, QuantParams qp) {
    q.t(id).dtype = activations;
    q.t(id).quant = std::move(qp);
  };
  if (input_quant) {
    if (activations != DType::I8 || input_quant->scale.size() != 1 || input_quant->zero_point.size() != 1 ||
        !(input_quant->scale[0] > 0) || input_quant->zero_point[0] < -128 || input_quant->zero_point[0] > 127)
      fail("quantize: a fixed input quantization must be one int8 scale > 0 and zero point");
    set_act(q.inputs[0], *input_quant);
  } else {
    set_act(q.inputs[0], calibrated(q.inputs[0], nullptr));
  }

  for (size_t k = 0; k < q.nodes.size(); ++k) {
    const Node n = q.nodes[k];  // a copy: own_const may rewrite the node's inputs
    const int out = n.out();
    auto in_quant = [&](size_t slot) -> const QuantParams& { return q.t(q.nodes[k].in(slot)).quant; };
    auto quantize_const_inputs = [&]() {
      for (size_t s = 0; s < n.inputs.size(); ++s)
        if (n.inputs[s] >= 0 && q.t(n.inputs[s]).is_const()) quantize_const_activation(own_const(q, k, s));
    };
    const OpDef& d = op_def(n.op);
    // 16x8 covers the weighted layers TFLM has int16 kernels for and the ops that keep their
    // input's quantization (movement, resize).
    if (q16 && !(n.op == OpKind::Conv || n.op == OpKind::FullyConnected || n.op == OpKind::TransposeConv ||
                 (d.out_quant.kind == OutQuant::SameAsInput && !d.has(ConstOperands) && !d.has(SharedQuant) &&
                  n.op != OpKind::Quantize && n.op != OpKind::Dequantize)))
      node_error(n, "16x8 (--activations int16) supports Conv, FullyConnected, TransposeConv and ops that keep their input's quantization");
    for (size_t s = 0; s < n.inputs.size(); ++s) {
      const bool weight_slot = (d.has(Weighted) || d.has(Recurrent) || d.has(FloatParams)) && s > 0;
      if (n.inputs[s] >= 0 && q.t(n.inputs[s]).is_const() && !weight_slot && !d.has(ConstOperands))
        node_error(n, fmt::format("constant input '{}' is not supported here (fold constants first)", q.t(n.inputs[s]).name));
    }
    if (d.has(Weighted)) {
      const float in_scale = in_quant(0).scale.at(0);
      const std::vector<float> ws = quantize_weights(n, own_const(q, k, 1));
      if (n.in(2) >= 0) quantize_bias(n, own_const(q, k, 2), in_scale, ws, q16 ? DType::I64 : DType::I32);
    }
    if (d.has(Recurrent)) {
      const size_t hidden = size_t(n.attrs.i("hidden_size", 0));
      if (n.op == OpKind::Lstm) {
        const std::vector<float> ws = quantize_block_weights(n, own_const(q, k, 1), hidden);
        quantize_block_weights(n, own_const(q, k, 2), hidden);
        if (n.in(3) >= 0) quantize_lstm_bias(n, own_const(q, k, 3), in_quant(0).scale.at(0), ws);
        q.nodes[k].attrs.set("cell_scale", cell_state_scale(cell_absmax[k]));
        q.nodes[k].attrs.set("cell_clip", 0.0f);
      } else {
        // The GRU kernel folds its float bias per row at compile time.
        quantize_block_weights(n, own_const(q, k, 1), 1);
        quantize_block_weights(n, own_const(q, k, 2), 1);
      }
    }
    if (d.has(ConstOperands)) quantize_const_inputs();
    if (d.has(SharedQuant)) {
      // One quantization for inputs and output (TFLite's MAXIMUM/MINIMUM compare raw codes): the
      // union of their ranges; an input quantized otherwise is requantized by a Quantize node.
      Range r = represented(calibrated(out, &n));
      for (size_t s = 0; s < n.inputs.size(); ++s) {
        const Range ri = represented(in_quant(s));
        r.lo = std::min(r.lo, ri.lo);
        r.hi = std::max(r.hi, ri.hi);
      }
      const QuantParams shared = quant_of_range(r);
      for (size_t s = 0; s < n.inputs.size(); ++s) {
        if (in_quant(s).scale == shared.scale && in_quant(s).zero_point == shared.zero_point) continue;
        const Tensor& src = q.t(q.nodes[k].in(s));
        const int t = q.add_value(q.unique_name(src.name + "_requant"), DType::I8, src.shape, src.layout);
        q.t(t).quant = shared;
        q.add_node(OpKind::Quantize, n.name + "_requant" + std::to_string(s), {q.nodes[k].in(s)}, {t}, {});
        std::rotate(q.nodes.begin() + std::ptrdiff_t(k), q.nodes.end() - 1, q.nodes.end());  // before node k
        ++k;
        q.nodes[k].inputs[s] = t;
      }
      set_act(out, shared);
      continue;
    }
    if (n.op == OpKind::Concat) {
      // One scale for all inputs where they share one (no requantization), else their union.
      bool same = true;
      Range r{0, 0};
      for (size_t s = 0; s < n.inputs.size(); ++s) {
        const QuantParams& qi = in_quant(s);
        same = same && qi.scale == in_quant(0).scale && qi.zero_point == in_quant(0).zero_point;
        const Range ri = represented(qi);
        r.lo = std::min(r.lo, ri.lo);
        r.hi = std::max(r.hi, ri.hi);
      }
      set_act(out, same ? in_quant(0) : quant_of_range(r));
      continue;
    }
    switch (d.out_quant.kind) {
      case OutQuant::Calibrated: set_act(out, calibrated(out, &n)); break;
      case OutQuant::SameAsInput: set_act(out, in_quant(0)); break;
      case OutQuant::Fixed: set_act(out, per_tensor(d.out_quant.scale, d.out_quant.zero_point)); break;
      case OutQuant::Index:
        q.t(out).dtype = DType::I32;
        q.t(out).quant = {};
        break;
    }
  }
  q.prune();
  verify(q, "quantize");
  if (report) report_sqnr(g, q, calib, report);
  return q;
}

}  // namespace mote
