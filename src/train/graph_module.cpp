// The IR's ops in libtorch, one case per ops.def row, with the float executor's semantics
// (ref/run_float.cpp) on a leading batch axis, differentiable wherever the op is.
#include "train/graph_module.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "encode/weights.h"
#include "frontend/op_geometry.h"
#include "ir/op_registry.h"
#include "lower/params/resize.h"

namespace mote::train {
namespace {

using IntList = std::vector<int64_t>;

[[noreturn]] void unsupported(const Node& n, const std::string& why) {
  fail("train: node '{}' ({}): not supported in training: {}", n.name, op_name(n.op), why);
}

// Which constant inputs are parameters, and which of those may be pruned.
bool is_trainable_input(const Node& n, size_t k) {
  if (op_has(n.op, Weighted)) return k == 1 || k == 2;
  if (op_has(n.op, Recurrent)) return k >= 1 && k <= 3;
  switch (n.op) {
    case OpKind::BatchNorm:
    case OpKind::LayerNorm: return k == 1 || k == 2;
    case OpKind::PRelu: return k == 1;
    case OpKind::BatchMatMul: return true;
    default: return false;
  }
}

bool is_prunable_input(const Node& n, size_t k) {
  return (op_has(n.op, Weighted) && k == 1) || (op_has(n.op, Recurrent) && (k == 1 || k == 2));
}

// [B, N, ...] -> [B*N, ...] for the ops libtorch defines on a batch axis of its own, and back.
Tensor merge(const Tensor& t) { return t.flatten(0, 1); }
Tensor unmerge(const Tensor& t, int64_t batch) {
  IntList s = t.sizes().vec();
  s[0] /= batch;
  s.insert(s.begin(), batch);
  return t.reshape(s);
}

// A value with the batch axis: activations already have it, constants are broadcast to it.
Tensor batched(const Tensor& t, const Shape& ir_shape, int64_t batch) {
  if (int64_t(t.dim()) == int64_t(ir_shape.size()) + 1) return t;
  IntList s = {batch};
  s.insert(s.end(), ir_shape.begin(), ir_shape.end());
  return t.unsqueeze(0).expand(s);
}

// An activation of IR rank `rank` viewed with `to` IR dims (1s inserted after the batch axis),
// so that numpy broadcasting against constants of a higher rank aligns as in the IR.
Tensor lift(const Tensor& t, size_t rank, size_t to) {
  if (rank >= to || t.dim() != int64_t(rank) + 1) return t;
  IntList s = t.sizes().vec();
  s.insert(s.begin() + 1, to - rank, 1);
  return t.reshape(s);
}

Tensor clamp_act(const Node& n, const Tensor& y) {
  const float lo = n.attrs.f("act_min", kNoMin), hi = n.attrs.f("act_max", kNoMax);
  if (lo == kNoMin && hi == kNoMax) return y;
  if (hi == kNoMax) return at::clamp_min(y, lo);
  if (lo == kNoMin) return at::clamp_max(y, hi);
  return at::clamp(y, lo, hi);
}

Tensor index_tensor(const std::vector<int64_t>& v) {
  return at::tensor(at::ArrayRef<int64_t>(v), at::TensorOptions().dtype(at::kLong));
}
Tensor index_tensor(const std::vector<int32_t>& v) { return index_tensor(std::vector<int64_t>(v.begin(), v.end())); }

bool symmetric(const IntList& p) { return p[0] == p[2] && p[1] == p[3]; }

// Pads (top, left, bottom, right) of a [N, C, H, W] tensor.
Tensor pad_hw(const Tensor& x, const IntList& p, double value) {
  return at::constant_pad_nd(x, {p[1], p[3], p[0], p[2]}, value);
}

Tensor activation(const Node& n, const Tensor& x) {
  const Attrs& a = n.attrs;
  switch (n.op) {
    case OpKind::Relu: return at::relu(x);
    case OpKind::Clip: return at::clamp(x, a.f("min", kNoMin), a.f("max", kNoMax));
    case OpKind::LeakyRelu: return at::leaky_relu(x, a.f("alpha", 0.01f));
    case OpKind::Sigmoid: return at::sigmoid(x);
    case OpKind::Tanh: return at::tanh(x);
    case OpKind::HardSigmoid: return at::clamp(x * a.f("alpha", 0.2f) + a.f("beta", 0.5f), 0.0, 1.0);
    case OpKind::HardSwish: return at::hardswish(x);
    case OpKind::Selu:
      return at::where(x > 0, x, at::expm1(x) * a.f("alpha", 1.67326319f)) * a.f("gamma", 1.05070102f);
    case OpKind::Abs: return at::abs(x);
    case OpKind::Neg: return at::neg(x);
    case OpKind::Sqrt: return at::sqrt(at::clamp_min(x, 0.0));
    case OpKind::Rsqrt: return at::rsqrt(x);
    case OpKind::Exp: return at::exp(x);
    case OpKind::Log: return at::log(x);
    case OpKind::Erf: return at::erf(x);
    case OpKind::Elu: return at::elu(x, a.f("alpha", 1.0f));
    case OpKind::Softplus: return at::softplus(x);
    case OpKind::Silu: return at::silu(x);
    case OpKind::Gelu: return at::gelu(x);
    default: unsupported(n, "no activation");
  }
}

// The Binary ops of ops.def.
Tensor binary(OpKind op, const Tensor& p, const Tensor& q) {
  switch (op) {
    case OpKind::Add: return p + q;
    case OpKind::Sub: return p - q;
    case OpKind::Mul: return p * q;
    case OpKind::Div: return p / q;
    case OpKind::Max: return at::maximum(p, q);
    case OpKind::Min: return at::minimum(p, q);
    case OpKind::Pow: return at::pow(p, q);
    case OpKind::SquaredDifference: return at::square(p - q);
    case OpKind::PRelu: return at::where(p >= 0, p, p * q);
    default: fail("train: {} is no binary op", op_name(op));
  }
}

// ONNX LSTM (gates i, o, f, c) and GRU (z, r, h) over X [B, T, I], zero initial state.
Tensor recurrent(const Node& n, const Tensor& x, const Tensor& w, const Tensor& r, const Tensor& bias) {
  const bool lstm = n.op == OpKind::Lstm;
  const int64_t h_size = n.attrs.i("hidden_size", 0), gates = lstm ? 4 : 3;
  const int64_t steps = x.size(1), batch = x.size(0);
  Tensor wb, rb;
  if (bias.defined()) {
    wb = bias.narrow(0, 0, gates * h_size);
    rb = bias.narrow(0, gates * h_size, gates * h_size);
  }
  Tensor xw = at::matmul(x, w.t());
  if (wb.defined()) xw = xw + wb;
  Tensor h = at::zeros({batch, h_size}, x.options()), c = at::zeros({batch, h_size}, x.options());
  std::vector<Tensor> ys(static_cast<size_t>(steps));
  const bool reverse = n.attrs.i("reverse", 0) != 0;
  const bool lbr = n.attrs.i("linear_before_reset", 0) != 0;
  auto gate = [&](const Tensor& t, int64_t k) { return t.narrow(1, k * h_size, h_size); };
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    Tensor xt = xw.select(1, t);
    if (lstm) {
      Tensor g = xt + at::matmul(h, r.t());
      if (rb.defined()) g = g + rb;
      c = at::sigmoid(gate(g, 2)) * c + at::sigmoid(gate(g, 0)) * at::tanh(gate(g, 3));
      h = at::sigmoid(gate(g, 1)) * at::tanh(c);
    } else {
      Tensor rz = r.narrow(0, 0, 2 * h_size), rh = r.narrow(0, 2 * h_size, h_size);
      Tensor hzr = at::matmul(h, rz.t());
      if (rb.defined()) hzr = hzr + rb.narrow(0, 0, 2 * h_size);
      Tensor z = at::sigmoid(gate(xt, 0) + gate(hzr, 0)), rg = at::sigmoid(gate(xt, 1) + gate(hzr, 1));
      Tensor rbh = rb.defined() ? rb.narrow(0, 2 * h_size, h_size) : Tensor();
      Tensor hh = lbr ? rg * (rbh.defined() ? at::matmul(h, rh.t()) + rbh : at::matmul(h, rh.t()))
                      : (rbh.defined() ? at::matmul(rg * h, rh.t()) + rbh : at::matmul(rg * h, rh.t()));
      Tensor cand = at::tanh(gate(xt, 2) + hh);
      h = (1 - z) * cand + z * h;
    }
    ys[size_t(t)] = h;
  }
  return at::stack(ys, 1);
}

// Half away from zero, as std::round.
Tensor round_away(const Tensor& v) { return at::sign(v) * at::floor(at::abs(v) + 0.5); }

}  // namespace

Tensor fake_quant(const Tensor& x, double scale, int64_t zero_point, int64_t qmin, int64_t qmax) {
  const double lo = scale * double(qmin - zero_point), hi = scale * double(qmax - zero_point);
  const Tensor q = at::clamp(round_away(x.detach() / scale) + double(zero_point), double(qmin), double(qmax));
  const Tensor inside = (x.detach() >= lo).logical_and(x.detach() <= hi).to(x.scalar_type());
  return ((q - double(zero_point)) * scale) + (x - x.detach()) * inside;
}

std::pair<Tensor, Tensor> fake_quant_weight(const Tensor& w, int bits, int64_t rows) {
  const double qmax = double((int64_t(1) << (bits - 1)) - 1);
  const Tensor flat = w.detach().reshape({w.size(0) / rows, -1});
  // weight_scale: absmax / qmax in float, 1 / qmax for an all-zero block.
  const Tensor absmax = flat.abs().amax(1);
  Tensor scale = at::where(absmax > 0, absmax / float(qmax), at::full_like(absmax, 1.0f / float(qmax)));
  // The codes as the quantize pass computes them: round(double(w) / double(scale)).
  const Tensor s64 = scale.to(at::kDouble).unsqueeze(1);
  const Tensor q = at::clamp(round_away(flat.to(at::kDouble) / s64), -qmax, qmax);
  const Tensor wq = (q * s64).to(w.scalar_type()).reshape(w.sizes());
  scale = scale.repeat_interleave(rows);
  return {wq + (w - w.detach()), scale};
}

Tensor from_floats(const float* data, const Shape& shape) {
  Tensor t = at::empty(IntList(shape.begin(), shape.end()), at::TensorOptions().dtype(at::kFloat));
  if (t.numel() > 0) std::memcpy(t.data_ptr<float>(), data, size_t(t.numel()) * sizeof(float));
  return t;
}

GraphModule::GraphModule(const Graph& g) : g_(g) {
  param_of_.assign(g_.tensors.size(), -1);
  act_hooks_.resize(g_.tensors.size());
  for (const Node& n : g_.nodes) {
    for (int id : n.inputs)
      if (id >= 0 && g_.t(id).dtype != DType::F32 && g_.producer(id) < 0)
        fail("train: node '{}' ({}): input '{}' is {}: training needs a float graph", n.name, op_name(n.op), g_.t(id).name,
             dtype_name(g_.t(id).dtype));
    if (op_has(n.op, Spatial) && g_.t(n.in(0)).layout == Layout::NHWC)
      unsupported(n, "an NHWC input (a .tflite model); training takes NCHW graphs, as imported from ONNX");
    if (n.op == OpKind::BatchMatMul)
      for (size_t k = 0; k < 2; ++k)
        if (!g_.t(n.in(k)).is_const() && g_.t(n.in(k)).shape.size() == 1) unsupported(n, "a 1-D activation operand");
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const int id = n.inputs[k];
      if (id < 0 || !g_.t(id).is_const()) continue;
      if (param_of_[size_t(id)] < 0) {
        const mote::Tensor& t = g_.t(id);
        param_of_[size_t(id)] = int(params_.size());
        params_.push_back({id, from_floats(t.as<float>(), t.shape), false, false, Tensor(), nullptr});
      }
      Param& p = params_[size_t(param_of_[size_t(id)])];
      p.trainable = p.trainable || is_trainable_input(n, k);
      p.prunable = p.prunable || is_prunable_input(n, k);
    }
  }
  for (Param& p : params_)
    if (p.trainable) p.value.requires_grad_(true);
  folded_away_.assign(g_.nodes.size(), false);
}

std::vector<Tensor> GraphModule::trainable() const {
  std::vector<Tensor> r;
  for (const Param& p : params_)
    if (p.trainable) r.push_back(p.value);
  return r;
}

std::vector<Tensor> GraphModule::state() const {
  std::vector<Tensor> r;
  for (const Param& p : params_) {
    r.push_back(p.value);
    if (p.mask.defined()) r.push_back(p.mask);
  }
  return r;
}

std::pair<Tensor, Tensor> GraphModule::effective_weights(size_t k, const std::vector<Tensor>& v) const {
  const Node& n = g_.nodes[k];
  Tensor w = v[size_t(n.in(1))], b = n.in(2) >= 0 ? v[size_t(n.in(2))] : Tensor();
  if (!qat_.on) return {w, b};
  if (const int f = qat_.fold[k]; f >= 0) {
    const Node& bn = g_.nodes[size_t(f)];
    const Tensor s = v[size_t(bn.in(1))] / at::sqrt(v[size_t(bn.in(4))] + double(bn.attrs.f("epsilon", 1e-5f)));
    IntList shape(size_t(w.dim()), 1);
    shape[0] = -1;
    w = w * s.view(shape);
    b = (b.defined() ? b - v[size_t(bn.in(3))] : -v[size_t(bn.in(3))]) * s + v[size_t(bn.in(2))];
  }
  auto [wq, scale] = fake_quant_weight(w, qat_.bits);
  if (b.defined() && qat_.in_scale[k] > 0) {
    // int32 codes at in_scale * w_scale: no clamp matters at 32 bits.
    const Tensor bs = (scale * qat_.in_scale[k]).to(at::kDouble);
    b = (round_away(b.detach().to(at::kDouble) / bs) * bs).to(b.scalar_type()) + (b - b.detach());
  }
  return {wq, b};
}

void GraphModule::set_qat(Qat q) {
  qat_ = std::move(q);
  folded_away_.assign(g_.nodes.size(), false);
  if (qat_.on)
    for (int f : qat_.fold)
      if (f >= 0) folded_away_[size_t(f)] = true;
}

void GraphModule::clear_hooks() {
  for (Param& p : params_) p.hook = nullptr;
  for (TensorHook& h : act_hooks_) h = nullptr;
}

Tensor GraphModule::weight(const Param& p, bool rounded) const {
  if (!p.index.defined()) return p.mask.defined() ? p.value * p.mask : p.value;
  Tensor book = at::where(p.fixed, p.pinned, p.value);
  if (rounded) book = at::clamp(round_away(book.detach()), -127, 127);
  const Shape& shape = g_.t(p.tensor).shape;
  return (book.index_select(0, p.index) * p.scale).view(IntList(shape.begin(), shape.end()));
}

std::pair<int64_t, int64_t> GraphModule::share(size_t k, int bits) {
  Param& p = params_.at(k);
  if (p.index.defined() || p.mask.defined()) fail("weight sharing: tensor '{}' is already shared or pruned", g_.t(p.tensor).name);
  const Tensor w = p.value.detach();
  const int64_t rows = w.size(0), per = w.numel() / rows;
  const Tensor scale = fake_quant_weight(w, 8).second.to(at::kDouble);
  const Tensor q = at::clamp(round_away(w.reshape({rows, per}).to(at::kDouble) / scale.unsqueeze(1)), -127, 127).to(at::kChar).contiguous();
  std::vector<int8_t> codes(q.data_ptr<int8_t>(), q.data_ptr<int8_t>() + q.numel());
  std::vector<int8_t> pin;
  for (int8_t v : {int8_t(-127), int8_t(0), int8_t(127)})
    if (std::find(codes.begin(), codes.end(), v) != codes.end()) pin.push_back(v);
  const int64_t free = (int64_t(1) << bits) - int64_t(pin.size());
  if (free < 1) fail("weight sharing: {} bits leave no trainable value in '{}' besides 0 and +-127", bits, g_.t(p.tensor).name);
  codes = share_weights_fixed(codes, int(free), pin);
  std::vector<int8_t> book = codes;
  std::sort(book.begin(), book.end());
  book.erase(std::unique(book.begin(), book.end()), book.end());
  std::vector<int64_t> index(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) index[i] = std::lower_bound(book.begin(), book.end(), codes[i]) - book.begin();
  std::vector<float> values(book.begin(), book.end());
  std::vector<uint8_t> fixed(book.size());
  for (size_t e = 0; e < book.size(); ++e) fixed[e] = std::find(pin.begin(), pin.end(), book[e]) != pin.end();
  p.value = at::tensor(values).requires_grad_(p.trainable);
  p.pinned = p.value.detach().clone();
  p.fixed = at::tensor(std::vector<int64_t>(fixed.begin(), fixed.end())).to(at::kBool);
  p.index = at::tensor(index);
  p.scale = scale.to(at::kFloat).repeat_interleave(per);
  p.prunable = false;
  return {int64_t(book.size()), int64_t(pin.size())};
}

Graph GraphModule::export_graph() const {
  Graph g = g_;
  for (const Param& p : params_) {
    mote::Tensor& t = g.t(p.tensor);
    Tensor v = weight(p, true).detach().contiguous();
    std::memcpy(t.data.data(), v.data_ptr<float>(), t.data.size());
  }
  return g;
}

std::vector<Tensor> GraphModule::run(const std::vector<Tensor>& inputs, const std::vector<int>& want) {
  if (inputs.size() != g_.inputs.size()) fail("train: graph '{}' has {} inputs, got {}", g_.name, g_.inputs.size(), inputs.size());
  std::vector<Tensor> v(g_.tensors.size());
  for (const Param& p : params_) {
    Tensor w = weight(p);
    v[size_t(p.tensor)] = p.hook ? p.hook(w) : w;
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    const int id = g_.inputs[k];
    v[size_t(id)] = act_hooks_[size_t(id)] ? act_hooks_[size_t(id)](inputs[k]) : inputs[k];
  }
  for (const Node& n : g_.nodes) {
    Tensor y = eval(n, v);
    const int o = n.out();
    v[size_t(o)] = act_hooks_[size_t(o)] ? act_hooks_[size_t(o)](y) : y;
  }
  std::vector<Tensor> r;
  for (int id : want) r.push_back(v.at(size_t(id)));
  return r;
}

Tensor GraphModule::eval(const Node& n, const std::vector<Tensor>& v) const {
  const Attrs& a = n.attrs;
  auto in = [&](size_t k) { return n.in(k) >= 0 ? v[size_t(n.in(k))] : Tensor(); };
  auto ir_shape = [&](size_t k) -> const Shape& { return g_.t(n.in(k)).shape; };
  const Shape& out_shape = g_.t(n.out()).shape;
  const Tensor x = in(0);
  const int64_t batch = x.dim() == int64_t(ir_shape(0).size()) + 1 ? x.size(0) : 1;
  auto to_out = [&](const Tensor& t) {
    IntList s = {batch};
    s.insert(s.end(), out_shape.begin(), out_shape.end());
    return t.reshape(s);
  };
  auto shifted = [](IntList axes) {
    for (int64_t& ax : axes) ++ax;
    return axes;
  };
  if (op_has(n.op, Activation)) return activation(n, x);
  if (op_has(n.op, Binary)) {
    const size_t r = out_shape.size();
    return clamp_act(n, binary(n.op, lift(in(0), ir_shape(0).size(), r), lift(in(1), ir_shape(1).size(), r)));
  }
  const size_t index = size_t(&n - g_.nodes.data());
  if (folded_away_[index]) return x;
  Tensor w, bias;
  if (op_has(n.op, Weighted)) std::tie(w, bias) = effective_weights(index, v);
  switch (n.op) {
    case OpKind::Conv: {
      IntList pd = a.ints("pads", {0, 0, 0, 0});
      Tensor xi = merge(x);
      IntList padding = {pd[0], pd[1]};
      if (!symmetric(pd)) {
        xi = pad_hw(xi, pd, 0.0);
        padding = {0, 0};
      }
      Tensor y = at::conv2d(xi, w, bias, a.ints("strides", {1, 1}), padding, a.ints("dilations", {1, 1}), a.i("group", 1));
      return clamp_act(n, unmerge(y, batch));
    }
    case OpKind::TransposeConv: {
      // The full transposed convolution, then the window the IR's leading pads and out_hw pick.
      const IntList pd = a.ints("pads", {0, 0}), hw = a.ints("out_hw");
      Tensor full = at::conv_transpose2d(merge(x), w.transpose(0, 1), Tensor(), a.ints("strides", {1, 1}), 0, 0, 1,
                                         a.ints("dilations", {1, 1}));
      const int64_t need_h = pd[0] + hw[0] - full.size(2), need_w = pd[1] + hw[1] - full.size(3);
      if (need_h > 0 || need_w > 0) full = at::constant_pad_nd(full, {0, std::max<int64_t>(need_w, 0), 0, std::max<int64_t>(need_h, 0)}, 0.0);
      Tensor y = full.narrow(2, pd[0], hw[0]).narrow(3, pd[1], hw[1]);
      if (bias.defined()) y = y + bias.view({1, -1, 1, 1});
      return clamp_act(n, unmerge(y, batch));
    }
    case OpKind::FullyConnected: {
      const int64_t k = ir_shape(1)[1];
      return clamp_act(n, to_out(at::linear(x.reshape({-1, k}), w, bias)));
    }
    case OpKind::MaxPool:
    case OpKind::AvgPool: {
      const IntList k = a.ints("kernel"), st = a.ints("strides", {1, 1}), pd = a.ints("pads", {0, 0, 0, 0});
      const bool small = pd[0] <= k[0] / 2 && pd[1] <= k[1] / 2;
      Tensor xi = merge(x);
      if (n.op == OpKind::MaxPool) {
        if (symmetric(pd) && small) return unmerge(at::max_pool2d(xi, k, st, {pd[0], pd[1]}), batch);
        return unmerge(at::max_pool2d(pad_hw(xi, pd, -INFINITY), k, st), batch);
      }
      if (symmetric(pd) && small) return unmerge(at::avg_pool2d(xi, k, st, {pd[0], pd[1]}, false, false), batch);
      // Asymmetric pads: window sums over zero padding divided by each window's count of real pixels.
      Tensor sums = at::avg_pool2d(pad_hw(xi, pd, 0.0), k, st, 0, false, true, 1);
      Tensor ones = at::ones({1, 1, xi.size(2), xi.size(3)}, xi.options());
      Tensor counts = at::avg_pool2d(pad_hw(ones, pd, 0.0), k, st, 0, false, true, 1);
      return unmerge(sums / counts, batch);
    }
    case OpKind::BatchNorm: {
      // QAT freezes the statistics: the quantize pass folds the running ones.
      Tensor y = at::batch_norm(merge(x), in(1), in(2), in(3), in(4), training_ && !qat_.on, 0.1, a.f("epsilon", 1e-5f), false);
      return unmerge(y, batch);
    }
    case OpKind::Reshape:
      return to_out(x);
    case OpKind::Identity:
    case OpKind::Quantize:
    case OpKind::Dequantize:
      return x;
    case OpKind::Transpose: {
      IntList perm = shifted(a.ints("perm"));
      perm.insert(perm.begin(), 0);
      return batched(x, ir_shape(0), batch).permute(perm);
    }
    case OpKind::Concat: {
      std::vector<Tensor> parts;
      for (size_t k = 0; k < n.inputs.size(); ++k) parts.push_back(batched(in(k), ir_shape(k), batch));
      return at::cat(parts, a.i("axis", 0) + 1);
    }
    case OpKind::Pad: {
      const IntList p = a.ints("pads");
      const size_t r = ir_shape(0).size();
      IntList tp;
      for (size_t d = r; d-- > 0;) {
        tp.push_back(p[d]);
        tp.push_back(p[d + r]);
      }
      return at::constant_pad_nd(batched(x, ir_shape(0), batch), tp, a.f("value", 0.0f));
    }
    case OpKind::Softmax: return at::softmax(x, a.i("axis", 0) + 1);
    case OpKind::LogSoftmax: return at::log_softmax(x, a.i("axis", 0) + 1);
    case OpKind::ReduceMean: return at::mean(x, shifted(a.ints("axes")), a.i("keepdims", 1) != 0);
    case OpKind::ReduceSum: return at::sum(x, shifted(a.ints("axes")), a.i("keepdims", 1) != 0);
    case OpKind::ReduceMax: return at::amax(x, shifted(a.ints("axes")), a.i("keepdims", 1) != 0);
    case OpKind::ArgMax: return at::argmax(x, a.i("axis", 0) + 1, a.i("keepdims", 1) != 0).to(at::kFloat);
    case OpKind::Lstm:
    case OpKind::Gru:
      return recurrent(n, x, in(1), in(2), in(3));
    case OpKind::Resize: {
      const bool ac = a.i("align_corners", 0) != 0, hp = a.i("half_pixel_centers", 0) != 0;
      const Shape& s = ir_shape(0);
      const int32_t ih = int32_t(s[2]), iw = int32_t(s[3]), oh = int32_t(out_shape[2]), ow = int32_t(out_shape[3]);
      Tensor xi = merge(x);
      if (a.s("mode", "nearest") == "nearest") {
        xi = xi.index_select(2, index_tensor(tflite_nearest_axis(ih, oh, ac, hp)));
        return unmerge(xi.index_select(3, index_tensor(tflite_nearest_axis(iw, ow, ac, hp))), batch);
      }
      auto axis = [&](const Tensor& t, int64_t dim, int32_t from, int32_t to) {
        const BilinearAxisF32 b = tflite_bilinear_axis_f32(from, to, ac, hp);
        IntList fs(size_t(t.dim()), 1);
        fs[size_t(dim)] = to;
        Tensor f = from_floats(b.frac.data(), {to}).view(fs);
        return t.index_select(dim, index_tensor(b.lo)) * (1 - f) + t.index_select(dim, index_tensor(b.hi)) * f;
      };
      return unmerge(axis(axis(xi, 2, ih, oh), 3, iw, ow), batch);
    }
    case OpKind::Slice: {
      const IntList b = a.ints("begins"), st = a.ints("strides"), sz = a.ints("sizes");
      Tensor y = batched(x, ir_shape(0), batch);
      for (size_t d = 0; d < b.size(); ++d) {
        if (b[d] == 0 && st[d] == 1 && sz[d] == ir_shape(0)[d]) continue;
        IntList idx(size_t(sz[d]));
        for (int64_t i = 0; i < sz[d]; ++i) idx[size_t(i)] = b[d] + i * st[d];
        y = y.index_select(int64_t(d) + 1, index_tensor(idx));
      }
      return y;
    }
    case OpKind::Gather:
      return to_out(batched(x, ir_shape(0), batch).index_select(a.i("axis", 0) + 1, index_tensor(a.ints("indices"))));
    case OpKind::Tile: {
      const Shape& s = ir_shape(0);
      Tensor y = lift(batched(x, s, batch), s.size(), out_shape.size());
      IntList reps = {1};
      for (size_t d = 0; d < out_shape.size(); ++d) reps.push_back(out_shape[d] / y.size(int64_t(d) + 1));
      return y.repeat(reps);
    }
    case OpKind::BatchMatMul: {
      const Shape &sa = ir_shape(0), &sb = ir_shape(1);
      const size_t r = sa.size() > 1 && sb.size() > 1 ? std::max(sa.size(), sb.size()) : 0;
      Tensor p = lift(in(0), sa.size(), r), q = lift(in(1), sb.size(), r);
      if (a.i("adj_x", 0) != 0) p = p.transpose(-1, -2);
      if (a.i("adj_y", 0) != 0) q = q.transpose(-1, -2);
      return to_out(at::matmul(p, q));
    }
    case OpKind::LayerNorm: {
      const Shape& s = ir_shape(0);
      const IntList norm(s.begin() + a.i("axis", int64_t(s.size()) - 1), s.end());
      Tensor bias = n.in(2) >= 0 ? in(2).reshape(norm) : Tensor();
      return at::layer_norm(x, norm, in(1).reshape(norm), bias, a.f("epsilon", 1e-5f));
    }
    default:
      unsupported(n, "no libtorch form");
  }
}

}  // namespace mote::train
