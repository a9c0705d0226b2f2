// One IR node becomes one ONNX node where ONNX has the op, a short chain where it does not
// (SquaredDifference, Rsqrt, Silu, Gelu, a fused clamp, a recurrent layer's views). Constants are
// initializers under their IR names; a node that needs one in another shape or order (a
// transposed weight, an LSTM's [1, 4H, I] view) gets a derived initializer of its own.
#include "backend/onnx/onnx_export.h"

#include <onnx/onnx_pb.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "ir/op_registry.h"
#include "util/file.h"

namespace mote {
namespace {

using onnx::NodeProto;
using onnx::TensorProto;
using IntList = std::vector<int64_t>;

constexpr int kOpset = 17;

class Writer {
 public:
  explicit Writer(const Graph& g) : g_(g), names_(g.tensors.size()) {}

  std::string run() {
    onnx::ModelProto m;
    m.set_ir_version(8);  // the IR version of opset 17
    m.set_producer_name("mote");
    auto* op = m.add_opset_import();
    op->set_domain("");
    op->set_version(kOpset);
    gp_ = m.mutable_graph();
    gp_->set_name(g_.name.empty() ? "mote" : g_.name);
    for (size_t id = 0; id < g_.tensors.size(); ++id) names_[id] = fresh(g_.tensors[id].name.empty() ? "t" + std::to_string(id) : g_.tensors[id].name);
    for (int id : g_.inputs) value_info(gp_->add_input(), id);
    std::vector<bool> written(g_.tensors.size(), false);
    for (const Node& n : g_.nodes) {
      for (int id : n.inputs)
        if (id >= 0 && g_.t(id).is_const() && !written[size_t(id)]) {
          written[size_t(id)] = true;
          initializer(names_[size_t(id)], g_.t(id));
        }
      node(n);
    }
    for (int id : g_.outputs) value_info(gp_->add_output(), id);
    std::string bytes;
    if (!m.SerializeToString(&bytes)) fail("export onnx: graph '{}' does not serialize", g_.name);
    return bytes;
  }

 private:
  [[noreturn]] void bad(const Node& n, const std::string& why) const {
    fail("export onnx: node '{}' ({}): {}", n.name, op_name(n.op), why);
  }

  // A name not used yet in `used` (values and nodes have names of their own).
  static std::string fresh_in(std::set<std::string>& used, const std::string& base) {
    std::string s = base;
    for (int k = 1; !used.insert(s).second; ++k) s = base + "_" + std::to_string(k);
    return s;
  }
  std::string fresh(const std::string& base) { return fresh_in(used_, base); }

  void value_info(onnx::ValueInfoProto* vi, int id) {
    const Tensor& t = g_.t(id);
    vi->set_name(names_[size_t(id)]);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(t.dtype == DType::I32 ? TensorProto::INT64 : TensorProto::FLOAT);
    auto* sh = tt->mutable_shape();
    for (int64_t d : t.shape) sh->add_dim()->set_dim_value(d);
  }

  void initializer(const std::string& name, const Tensor& t) {
    if (t.dtype != DType::F32) fail("export onnx: constant '{}' is {}: only float graphs are written", t.name, dtype_name(t.dtype));
    floats(name, t.shape, t.as<float>());
  }
  void floats(const std::string& name, const Shape& shape, const float* v) {
    TensorProto* p = gp_->add_initializer();
    p->set_name(name);
    p->set_data_type(TensorProto::FLOAT);
    for (int64_t d : shape) p->add_dims(d);
    p->set_raw_data(std::string(reinterpret_cast<const char*>(v), size_t(numel(shape)) * sizeof(float)));
  }
  // A new initializer named after `base`; returns its name.
  std::string const_f(const std::string& base, const Shape& shape, const std::vector<float>& v) {
    const std::string name = fresh(base);
    floats(name, shape, v.data());
    return name;
  }
  std::string const_i(const std::string& base, const IntList& v, bool scalar = false) {
    const std::string name = fresh(base);
    TensorProto* p = gp_->add_initializer();
    p->set_name(name);
    p->set_data_type(TensorProto::INT64);
    if (!scalar) p->add_dims(int64_t(v.size()));
    p->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t)));
    return name;
  }
  std::string scalar_f(const std::string& base, float v) { return const_f(base, {}, {v}); }

  NodeProto* emit(const std::string& type, const std::string& name, std::vector<std::string> ins, const std::string& out) {
    NodeProto* p = gp_->add_node();
    p->set_op_type(type);
    p->set_name(fresh_in(node_names_, name));
    for (const auto& i : ins) p->add_input(i);
    p->add_output(out);
    return p;
  }
  static void attr_i(NodeProto* p, const char* k, int64_t v) {
    auto* a = p->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr_f(NodeProto* p, const char* k, float v) {
    auto* a = p->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void attr_s(NodeProto* p, const char* k, const std::string& v) {
    auto* a = p->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  static void attr_ints(NodeProto* p, const char* k, const IntList& v) {
    auto* a = p->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }

  const std::string& name(int id) const { return names_.at(size_t(id)); }
  std::string opt(int id) const { return id >= 0 ? name(id) : std::string(); }
  // A name for an intermediate value of node `n`.
  std::string mid(const Node& n, const std::string& tag) { return fresh(name(n.out()) + "/" + tag); }

  // Clip of value `in` to [lo, hi] into `out`: the fused activation of FusesAct ops and the Clip op.
  void clip(const Node& n, const std::string& in, float lo, float hi, const std::string& out) {
    if (lo == 0.0f && hi == kNoMax) {
      emit("Relu", n.name, {in}, out);
      return;
    }
    emit("Clip", n.name, {in, lo == kNoMin ? "" : scalar_f(n.name + "/min", lo), hi == kNoMax ? "" : scalar_f(n.name + "/max", hi)}, out);
  }
  // Where a FusesAct node writes its op: straight to its output, or to a value Clip then reads.
  std::string act_target(const Node& n) {
    return n.attrs.f("act_min", kNoMin) == kNoMin && n.attrs.f("act_max", kNoMax) == kNoMax ? name(n.out()) : mid(n, "pre_act");
  }
  void act_finish(const Node& n, const std::string& target) {
    if (target != name(n.out())) clip(n, target, n.attrs.f("act_min", kNoMin), n.attrs.f("act_max", kNoMax), name(n.out()));
  }

  const Tensor& need_const(const Node& n, size_t k, const char* what) const {
    if (n.in(k) < 0 || !g_.t(n.in(k)).is_const() || g_.t(n.in(k)).dtype != DType::F32) bad(n, std::string(what) + " must be a float constant");
    return g_.t(n.in(k));
  }

  void node(const Node& n) {
    for (int id : n.inputs)
      if (id >= 0 && g_.t(id).layout == Layout::NHWC) bad(n, "the graph is NHWC (canonicalized); write the graph as imported or trained");
    const std::string& out = name(n.out());
    const Attrs& a = n.attrs;
    const std::string x = opt(n.in(0));
    if (op_has(n.op, Activation)) return activation(n, x, out);
    // The Binary ops ONNX has under the names ops.def gives them (SquaredDifference it has not).
    if (op_has(n.op, Binary) && n.op != OpKind::SquaredDifference) {
      const std::string t = act_target(n);
      emit(op_name(n.op), n.name, {x, name(n.in(1))}, t);
      return act_finish(n, t);
    }
    switch (n.op) {
      case OpKind::Conv: {
        const std::string t = act_target(n);
        NodeProto* p = emit("Conv", n.name, {x, name(n.in(1))}, t);
        if (n.in(2) >= 0) p->add_input(name(n.in(2)));
        const Shape& w = g_.t(n.in(1)).shape;
        attr_ints(p, "kernel_shape", {w[2], w[3]});
        attr_ints(p, "strides", a.ints("strides", {1, 1}));
        attr_ints(p, "dilations", a.ints("dilations", {1, 1}));
        attr_ints(p, "pads", a.ints("pads", {0, 0, 0, 0}));
        attr_i(p, "group", a.i("group", 1));
        return act_finish(n, t);
      }
      case OpKind::TransposeConv: return transpose_conv(n);
      case OpKind::FullyConnected: {
        const std::string t = act_target(n);
        const Tensor& w = need_const(n, 1, "the weight");
        if (g_.t(n.in(0)).shape.size() == 2) {
          NodeProto* p = emit("Gemm", n.name, {x, name(n.in(1))}, t);
          if (n.in(2) >= 0) p->add_input(name(n.in(2)));
          attr_i(p, "transB", 1);
        } else {
          // MatMul takes [K, M]: the weight transposed.
          const int64_t m = w.shape[0], k = w.shape[1];
          std::vector<float> wt(size_t(m * k));
          for (int64_t o = 0; o < m; ++o)
            for (int64_t j = 0; j < k; ++j) wt[size_t(j * m + o)] = w.as<float>()[o * k + j];
          const std::string prod = n.in(2) >= 0 ? mid(n, "matmul") : t;
          emit("MatMul", n.name, {x, const_f(name(n.in(1)) + "/T", {k, m}, wt)}, prod);
          if (n.in(2) >= 0) emit("Add", n.name + "/bias", {prod, name(n.in(2))}, t);
        }
        return act_finish(n, t);
      }
      case OpKind::SquaredDifference: {
        const std::string d = mid(n, "diff");
        emit("Sub", n.name + "/sub", {x, name(n.in(1))}, d);
        emit("Mul", n.name, {d, d}, out);
        return;
      }
      case OpKind::MaxPool:
      case OpKind::AvgPool: {
        NodeProto* p = emit(n.op == OpKind::MaxPool ? "MaxPool" : "AveragePool", n.name, {x}, out);
        attr_ints(p, "kernel_shape", a.ints("kernel"));
        attr_ints(p, "strides", a.ints("strides", {1, 1}));
        attr_ints(p, "pads", a.ints("pads", {0, 0, 0, 0}));
        if (n.op == OpKind::AvgPool) attr_i(p, "count_include_pad", 0);
        return;
      }
      case OpKind::BatchNorm: {
        NodeProto* p = emit("BatchNormalization", n.name, {x, name(n.in(1)), name(n.in(2)), name(n.in(3)), name(n.in(4))}, out);
        attr_f(p, "epsilon", a.f("epsilon", 1e-5f));
        return;
      }
      case OpKind::Reshape:
        emit("Reshape", n.name, {x, const_i(n.name + "/shape", g_.t(n.out()).shape)}, out);
        return;
      case OpKind::Identity:
        emit("Identity", n.name, {x}, out);
        return;
      case OpKind::Transpose:
        attr_ints(emit("Transpose", n.name, {x}, out), "perm", a.ints("perm"));
        return;
      case OpKind::Concat: {
        std::vector<std::string> ins;
        for (int id : n.inputs) ins.push_back(name(id));
        attr_i(emit("Concat", n.name, ins, out), "axis", a.i("axis", 0));
        return;
      }
      case OpKind::Pad:
        attr_s(emit("Pad", n.name, {x, const_i(n.name + "/pads", a.ints("pads")), scalar_f(n.name + "/value", a.f("value", 0.0f))}, out),
               "mode", "constant");
        return;
      case OpKind::Softmax:
      case OpKind::LogSoftmax:
        attr_i(emit(n.op == OpKind::Softmax ? "Softmax" : "LogSoftmax", n.name, {x}, out), "axis", a.i("axis", 0));
        return;
      case OpKind::ReduceMean:
      case OpKind::ReduceMax: {
        NodeProto* p = emit(n.op == OpKind::ReduceMean ? "ReduceMean" : "ReduceMax", n.name, {x}, out);
        attr_ints(p, "axes", a.ints("axes"));
        attr_i(p, "keepdims", a.i("keepdims", 1));
        return;
      }
      case OpKind::ReduceSum:
        attr_i(emit("ReduceSum", n.name, {x, const_i(n.name + "/axes", a.ints("axes"))}, out), "keepdims", a.i("keepdims", 1));
        return;
      case OpKind::ArgMax: {
        if (!g_.consumers(n.out()).empty()) bad(n, "its int32 indices feed another node (ONNX ArgMax gives int64)");
        NodeProto* p = emit("ArgMax", n.name, {x}, out);
        attr_i(p, "axis", a.i("axis", 0));
        attr_i(p, "keepdims", a.i("keepdims", 1));
        return;
      }
      case OpKind::Lstm:
      case OpKind::Gru: return recurrent(n);
      case OpKind::Resize: return resize(n);
      case OpKind::Slice: return slice(n);
      case OpKind::Gather: {
        const std::string idx = fresh(n.name + "/indices");
        const IntList v = a.ints("indices");
        TensorProto* p = gp_->add_initializer();
        p->set_name(idx);
        p->set_data_type(TensorProto::INT64);
        for (int64_t d : a.ints("indices_shape")) p->add_dims(d);
        p->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t)));
        attr_i(emit("Gather", n.name, {x, idx}, out), "axis", a.i("axis", 0));
        return;
      }
      case OpKind::Tile: {
        const Shape& in = g_.t(n.in(0)).shape;
        const Shape& to = g_.t(n.out()).shape;
        Shape lifted(to.size() - in.size(), 1);
        lifted.insert(lifted.end(), in.begin(), in.end());
        std::string src = x;
        if (lifted.size() != in.size()) {
          src = mid(n, "lifted");
          emit("Reshape", n.name + "/lift", {x, const_i(n.name + "/lift_shape", lifted)}, src);
        }
        IntList reps;
        for (size_t d = 0; d < to.size(); ++d) reps.push_back(to[d] / lifted[d]);
        emit("Tile", n.name, {src, const_i(n.name + "/repeats", reps)}, out);
        return;
      }
      case OpKind::BatchMatMul: {
        std::string ab[2] = {x, name(n.in(1))};
        const char* adj[2] = {"adj_x", "adj_y"};
        for (size_t k = 0; k < 2; ++k) {
          if (a.i(adj[k], 0) == 0) continue;
          const size_t r = g_.t(n.in(k)).shape.size();
          if (r < 2) bad(n, std::string(adj[k]) + " on a 1-D operand");
          IntList perm;
          for (size_t d = 0; d < r; ++d) perm.push_back(int64_t(d));
          std::swap(perm[r - 1], perm[r - 2]);
          const std::string t = mid(n, adj[k]);
          attr_ints(emit("Transpose", n.name + "/" + adj[k], {ab[k]}, t), "perm", perm);
          ab[k] = t;
        }
        emit("MatMul", n.name, {ab[0], ab[1]}, out);
        return;
      }
      case OpKind::LayerNorm: {
        NodeProto* p = emit("LayerNormalization", n.name, {x, name(n.in(1))}, out);
        if (n.in(2) >= 0) p->add_input(name(n.in(2)));
        attr_i(p, "axis", a.i("axis", -1));
        attr_f(p, "epsilon", a.f("epsilon", 1e-5f));
        return;
      }
      default:
        bad(n, "no float ONNX form (only float graphs are written)");
    }
  }

  void activation(const Node& n, const std::string& x, const std::string& out) {
    const Attrs& a = n.attrs;
    static const std::map<OpKind, const char*> kSame = {
        {OpKind::Relu, "Relu"}, {OpKind::Sigmoid, "Sigmoid"}, {OpKind::Tanh, "Tanh"}, {OpKind::HardSwish, "HardSwish"},
        {OpKind::Abs, "Abs"},   {OpKind::Neg, "Neg"},         {OpKind::Sqrt, "Sqrt"}, {OpKind::Exp, "Exp"},
        {OpKind::Log, "Log"},   {OpKind::Erf, "Erf"},         {OpKind::Softplus, "Softplus"}};
    if (auto it = kSame.find(n.op); it != kSame.end()) {
      emit(it->second, n.name, {x}, out);
      return;
    }
    switch (n.op) {
      case OpKind::Clip: return clip(n, x, a.f("min", kNoMin), a.f("max", kNoMax), out);
      case OpKind::LeakyRelu: return attr_f(emit("LeakyRelu", n.name, {x}, out), "alpha", a.f("alpha", 0.01f));
      case OpKind::Elu: return attr_f(emit("Elu", n.name, {x}, out), "alpha", a.f("alpha", 1.0f));
      case OpKind::HardSigmoid: {
        NodeProto* p = emit("HardSigmoid", n.name, {x}, out);
        attr_f(p, "alpha", a.f("alpha", 0.2f));
        attr_f(p, "beta", a.f("beta", 0.5f));
        return;
      }
      case OpKind::Selu: {
        NodeProto* p = emit("Selu", n.name, {x}, out);
        attr_f(p, "alpha", a.f("alpha", 1.67326319f));
        attr_f(p, "gamma", a.f("gamma", 1.05070102f));
        return;
      }
      case OpKind::Rsqrt: {
        const std::string s = mid(n, "sqrt");
        emit("Sqrt", n.name + "/sqrt", {x}, s);
        emit("Div", n.name, {scalar_f(n.name + "/one", 1.0f), s}, out);
        return;
      }
      case OpKind::Silu: {
        const std::string s = mid(n, "sigmoid");
        emit("Sigmoid", n.name + "/sigmoid", {x}, s);
        emit("Mul", n.name, {x, s}, out);
        return;
      }
      case OpKind::Gelu: {
        // 0.5 x (1 + erf(x / sqrt 2)), the chain PyTorch exports.
        const std::string d = mid(n, "div"), e = mid(n, "erf"), p1 = mid(n, "add"), m = mid(n, "mul");
        emit("Div", n.name + "/div", {x, scalar_f(n.name + "/sqrt2", float(std::sqrt(2.0)))}, d);
        emit("Erf", n.name + "/erf", {d}, e);
        emit("Add", n.name + "/add", {e, scalar_f(n.name + "/one", 1.0f)}, p1);
        emit("Mul", n.name + "/mul", {x, p1}, m);
        emit("Mul", n.name, {m, scalar_f(n.name + "/half", 0.5f)}, out);
        return;
      }
      default: bad(n, "no ONNX form");
    }
  }

  // ONNX ConvTranspose with the leading pads of the IR and the trailing ones (or an
  // output_padding) that give its out_hw; the weight as ONNX orders it, [I, O, kH, kW].
  void transpose_conv(const Node& n) {
    const Tensor& w = need_const(n, 1, "the weight");
    const Shape& in = g_.t(n.in(0)).shape;
    const int64_t o = w.shape[0], i = w.shape[1], kh = w.shape[2], kw = w.shape[3];
    std::vector<float> wt(w.data.size() / sizeof(float));
    for (int64_t a = 0; a < o; ++a)
      for (int64_t b = 0; b < i; ++b)
        std::memcpy(&wt[size_t((b * o + a) * kh * kw)], w.as<float>() + (a * i + b) * kh * kw, size_t(kh * kw) * sizeof(float));
    const IntList st = n.attrs.ints("strides", {1, 1}), dl = n.attrs.ints("dilations", {1, 1}), pd = n.attrs.ints("pads", {0, 0}),
                  hw = n.attrs.ints("out_hw");
    IntList pads = {pd[0], pd[1], 0, 0}, opad = {0, 0};
    const int64_t k[2] = {kh, kw};
    for (size_t d = 0; d < 2; ++d) {
      const int64_t full = st[d] * (in[2 + d] - 1) + dl[d] * (k[d] - 1) + 1;
      const int64_t end = full - pd[d] - hw[d];
      if (end >= 0) pads[2 + d] = end;
      else opad[d] = -end;
    }
    const std::string t = act_target(n);
    NodeProto* p = emit("ConvTranspose", n.name, {opt(n.in(0)), const_f(name(n.in(1)) + "/iohw", {i, o, kh, kw}, wt)}, t);
    if (n.in(2) >= 0) p->add_input(name(n.in(2)));
    attr_ints(p, "kernel_shape", {kh, kw});
    attr_ints(p, "strides", st);
    attr_ints(p, "dilations", dl);
    attr_ints(p, "pads", pads);
    if (opad[0] || opad[1]) attr_ints(p, "output_padding", opad);
    act_finish(n, t);
  }

  // An IR recurrent layer on X [T, I]: ONNX's [T, 1, I] in, Y [T, 1, 1, H] out, the weights with
  // their direction axis.
  void recurrent(const Node& n) {
    const bool lstm = n.op == OpKind::Lstm;
    const Shape& xs = g_.t(n.in(0)).shape;
    const int64_t h = n.attrs.i("hidden_size", 0);
    const std::string x3 = mid(n, "x");
    emit("Reshape", n.name + "/x", {name(n.in(0)), const_i(n.name + "/x_shape", {xs[0], 1, xs[1]})}, x3);
    std::vector<std::string> ins = {x3};
    for (size_t k = 1; k <= 3; ++k) {
      if (n.in(k) < 0) continue;
      const Tensor& t = need_const(n, k, k == 3 ? "B" : k == 1 ? "W" : "R");
      Shape s = {1};
      s.insert(s.end(), t.shape.begin(), t.shape.end());
      ins.push_back(const_f(name(n.in(k)) + "/onnx", s, t.values<float>()));
    }
    const std::string y = mid(n, "y");
    NodeProto* p = emit(lstm ? "LSTM" : "GRU", n.name, ins, y);
    attr_i(p, "hidden_size", h);
    attr_s(p, "direction", n.attrs.i("reverse", 0) ? "reverse" : "forward");
    if (!lstm) attr_i(p, "linear_before_reset", n.attrs.i("linear_before_reset", 0));
    emit("Reshape", n.name + "/y", {y, const_i(n.name + "/y_shape", {xs[0], h})}, name(n.out()));
  }

  // TFLite's coordinate rules (the IR's) as the ONNX modes the importer maps back to them.
  void resize(const Node& n) {
    const bool ac = n.attrs.i("align_corners", 0) != 0, hp = n.attrs.i("half_pixel_centers", 0) != 0;
    const bool linear = n.attrs.s("mode", "nearest") == "linear";
    const Shape& out = g_.t(n.out()).shape;
    NodeProto* p = emit("Resize", n.name, {opt(n.in(0)), "", "", const_i(n.name + "/sizes", out)}, name(n.out()));
    attr_s(p, "mode", linear ? "linear" : "nearest");
    attr_s(p, "coordinate_transformation_mode",
           ac ? "align_corners" : !hp ? "asymmetric" : linear ? "half_pixel" : "tf_half_pixel_for_nn");
    if (!linear) attr_s(p, "nearest_mode", ac ? "round_prefer_ceil" : "floor");
  }

  void slice(const Node& n) {
    const Shape& in = g_.t(n.in(0)).shape;
    const IntList b = n.attrs.ints("begins"), st = n.attrs.ints("strides"), sz = n.attrs.ints("sizes");
    IntList starts, ends, axes, steps;
    for (size_t d = 0; d < b.size(); ++d) {
      if (b[d] == 0 && st[d] == 1 && sz[d] == in[d]) continue;
      const int64_t last = b[d] + (sz[d] - 1) * st[d];
      // One past the last element read; below 0 ONNX would wrap it, INT64_MIN clamps to -1.
      const int64_t end = st[d] > 0 ? last + 1 : last - 1 < 0 ? INT64_MIN : last - 1;
      starts.push_back(b[d]);
      ends.push_back(end);
      axes.push_back(int64_t(d));
      steps.push_back(st[d]);
    }
    if (axes.empty()) {
      emit("Identity", n.name, {opt(n.in(0))}, name(n.out()));
      return;
    }
    emit("Slice", n.name,
         {opt(n.in(0)), const_i(n.name + "/starts", starts), const_i(n.name + "/ends", ends), const_i(n.name + "/axes", axes),
          const_i(n.name + "/steps", steps)},
         name(n.out()));
  }

  const Graph& g_;
  onnx::GraphProto* gp_ = nullptr;
  std::vector<std::string> names_;
  std::set<std::string> used_, node_names_;
};

}  // namespace

std::string onnx_model_bytes(const Graph& g) {
  if (g.inputs.empty() || g.outputs.empty()) fail("export onnx: graph '{}' has no inputs or outputs", g.name);
  for (int id : g.inputs)
    if (g.t(id).dtype != DType::F32) fail("export onnx: graph input '{}' is {}: only float graphs are written", g.t(id).name, dtype_name(g.t(id).dtype));
  return Writer(g).run();
}

void write_onnx(const Graph& g, const std::string& path) { write_file_atomic(path, onnx_model_bytes(g)); }

}  // namespace mote
