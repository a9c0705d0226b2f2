// Reading a .tflite file: verify the FlatBuffer, then map subgraph 0's tensors and operators onto
// the IR one operator at a time. TFLite is NHWC already, so tensors keep their stored shapes.
#include "frontend/tflite/tflite_import.h"
#include "util/file.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "frontend/op_geometry.h"
#include "frontend/tflite/tflm_decode.h"
#include "ir/op_registry.h"
#include "ir/verify.h"
#include "formats/tflite/schema_generated.h"

namespace mote {
namespace {

using tflite::BuiltinOperator;

std::string stem(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

// The op's builtin code: the wider field, or the byte-sized one older files fill in.
int32_t builtin_code(const tflite::OperatorCode* oc) {
  return std::max<int32_t>(oc->deprecated_builtin_code(), int32_t(oc->builtin_code()));
}

std::string op_code_name(const tflite::OperatorCode* oc) {
  int32_t code = builtin_code(oc);
  if (code == int32_t(BuiltinOperator::CUSTOM)) return fmt::format("CUSTOM:{}", oc->custom_code() ? oc->custom_code()->str() : "");
  const char* n = tflite::EnumNameBuiltinOperator(BuiltinOperator(code));
  return n && *n ? n : fmt::format("BUILTIN_{}", code);
}

const char* tensor_type_name(tflite::TensorType t) {
  const char* n = tflite::EnumNameTensorType(t);
  return n && *n ? n : "unknown";
}

// Highest op version whose semantics mote implements (versions add dtypes or options).
int max_version(BuiltinOperator op) {
  switch (op) {
    case BuiltinOperator::CONV_2D: return 6;  // 4: int16, 5: hybrid (the weight checks refuse it), 6: groups
    case BuiltinOperator::DEPTHWISE_CONV_2D: return 3;
    case BuiltinOperator::FULLY_CONNECTED: return 5;
    case BuiltinOperator::MUL: return 3;
    case BuiltinOperator::HARD_SWISH: return 1;
    case BuiltinOperator::AVERAGE_POOL_2D:
    case BuiltinOperator::MAX_POOL_2D:
    case BuiltinOperator::ADD:
    case BuiltinOperator::SUB:
    case BuiltinOperator::RESHAPE:
    case BuiltinOperator::SQUEEZE:
    case BuiltinOperator::SOFTMAX:
    case BuiltinOperator::LOGISTIC:
    case BuiltinOperator::TANH:
    case BuiltinOperator::RELU:
    case BuiltinOperator::RELU6:
    case BuiltinOperator::RELU_N1_TO_1:
    case BuiltinOperator::LEAKY_RELU:
    case BuiltinOperator::CONCATENATION:
    case BuiltinOperator::PAD:
    case BuiltinOperator::MEAN:
    case BuiltinOperator::TRANSPOSE:
    case BuiltinOperator::QUANTIZE:
    case BuiltinOperator::DEQUANTIZE: return 2;
    case BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM: return 3;
    case BuiltinOperator::DIV:
    case BuiltinOperator::SQUARED_DIFFERENCE:
    case BuiltinOperator::LOG_SOFTMAX:
    case BuiltinOperator::ARG_MAX:
    case BuiltinOperator::PADV2:
    case BuiltinOperator::RSQRT:
    case BuiltinOperator::PRELU:
    case BuiltinOperator::ELU:
    case BuiltinOperator::SUM:
    case BuiltinOperator::POW:
    case BuiltinOperator::REDUCE_MAX: return 3;
    case BuiltinOperator::MAXIMUM:
    case BuiltinOperator::MINIMUM:
    case BuiltinOperator::ABS: return 4;
    case BuiltinOperator::NEG:
    case BuiltinOperator::SQRT:
    case BuiltinOperator::EXP:
    case BuiltinOperator::LOG:
    case BuiltinOperator::GELU: return 1;  // float only (float_unary)
    // transpose conv, resize, slicing / gather / tile, batch matmul (later versions add dtypes
    // mote rejects by type anyway)
    case BuiltinOperator::TRANSPOSE_CONV:
    case BuiltinOperator::RESIZE_NEAREST_NEIGHBOR:
    case BuiltinOperator::RESIZE_BILINEAR:
    case BuiltinOperator::BATCH_MATMUL: return 4;
    case BuiltinOperator::SLICE:
    case BuiltinOperator::STRIDED_SLICE:
    case BuiltinOperator::GATHER: return 6;
    case BuiltinOperator::SPLIT:
    case BuiltinOperator::TILE:
    case BuiltinOperator::BROADCAST_TO:
    case BuiltinOperator::EXPAND_DIMS: return 3;
    default: return 0;
  }
}

struct Importer {
  std::string path;
  const tflite::Model* model = nullptr;
  const tflite::SubGraph* sg = nullptr;
  Graph g;
  std::vector<int> ids;  // TFLite tensor index -> IR tensor id, -1 until first use

  // Per operator being converted.
  const tflite::Operator* op = nullptr;
  BuiltinOperator code = BuiltinOperator::ADD;

  size_t n_tensors() const { return sg->tensors() ? sg->tensors()->size() : 0; }

  const tflite::Tensor* ftensor(int32_t idx) const {
    if (idx < 0 || size_t(idx) >= n_tensors()) fail("tensor index {} out of range (the subgraph has {})", idx, n_tensors());
    return sg->tensors()->Get(uint32_t(idx));
  }

  std::string tname(int32_t idx) const {
    const tflite::Tensor* t = ftensor(idx);
    return t->name() && t->name()->size() ? t->name()->str() : fmt::format("tensor_{}", idx);
  }

  // Constant bytes of tensor idx; nullptr (and *size 0) for a tensor without data.
  const uint8_t* buffer_of(int32_t idx, size_t* size) const {
    const tflite::Tensor* t = ftensor(idx);
    *size = 0;
    uint32_t b = t->buffer();
    if (b == 0) return nullptr;
    if (!model->buffers() || b >= model->buffers()->size()) fail("tensor '{}': buffer {} out of range", tname(idx), b);
    const tflite::Buffer* buf = model->buffers()->Get(b);
    if (buf->offset() > 1) fail("tensor '{}': buffer data outside the FlatBuffer (models over 2 GB) is not supported", tname(idx));
    if (!buf->data() || buf->data()->size() == 0) return nullptr;
    *size = buf->data()->size();
    return buf->data()->data();
  }

  Shape shape_of(int32_t idx) const {
    const tflite::Tensor* t = ftensor(idx);
    Shape s;
    if (t->shape())
      for (int32_t d : *t->shape()) {
        if (d <= 0) fail("tensor '{}': dimension {} in its shape is not static and positive", tname(idx), d);
        s.push_back(d);
      }
    check_shape(s, "tensor '" + tname(idx) + "'");
    return s;
  }

  DType dtype_of(int32_t idx) const {
    tflite::TensorType tt = ftensor(idx)->type();
    switch (tt) {
      case tflite::TensorType::FLOAT32: return DType::F32;
      case tflite::TensorType::INT8: return DType::I8;
      case tflite::TensorType::INT32: return DType::I32;
      case tflite::TensorType::INT64: return DType::I64;
      case tflite::TensorType::INT16: return DType::I16;
      case tflite::TensorType::UINT8: return DType::U8;
      default: fail("tensor '{}': element type {} is not supported", tname(idx), tensor_type_name(tt));
    }
  }

  QuantParams quant_of(int32_t idx) const {
    const tflite::Tensor* t = ftensor(idx);
    QuantParams q;
    const tflite::QuantizationParameters* qp = t->quantization();
    if (!qp) return q;
    if (qp->details_type() != tflite::QuantizationDetails::NONE) fail("tensor '{}': custom quantization is not supported", tname(idx));
    if (!qp->scale() || qp->scale()->size() == 0) return q;
    const size_t n = qp->scale()->size();
    if (!qp->zero_point() || qp->zero_point()->size() != n)
      fail("tensor '{}': {} scales but {} zero points", tname(idx), n, qp->zero_point() ? qp->zero_point()->size() : 0);
    for (size_t k = 0; k < n; ++k) {
      float s = qp->scale()->Get(uint32_t(k));
      // The verifier aligns a vector's length (4 bytes), not its int64 elements: no Get().
      int64_t z;
      std::memcpy(&z, qp->zero_point()->Data() + k * sizeof(int64_t), sizeof(z));
      if (!(s > 0) || z < -128 || z > 255) fail("tensor '{}': quantization scale {} / zero point {} is not valid", tname(idx), s, z);
      q.scale.push_back(s);
      q.zero_point.push_back(int32_t(z));
    }
    if (n > 1) q.axis = qp->quantized_dimension();
    return q;
  }

  // The IR tensor for TFLite tensor idx, created on first use.
  int tensor(int32_t idx) {
    if (idx < 0) return -1;
    ftensor(idx);
    if (ids[size_t(idx)] >= 0) return ids[size_t(idx)];
    const tflite::Tensor* ft = ftensor(idx);
    if (ft->sparsity()) fail("tensor '{}': sparse tensors are not supported", tname(idx));
    if (ft->is_variable()) fail("tensor '{}': variable tensors are not supported", tname(idx));
    Tensor t;
    t.name = g.unique_name(tname(idx));
    t.dtype = dtype_of(idx);
    t.shape = shape_of(idx);
    t.quant = quant_of(idx);
    size_t size = 0;
    const uint8_t* data = buffer_of(idx, &size);
    if (data) {
      if (size != t.bytes()) fail("tensor '{}': buffer has {} bytes, shape {} {} needs {}", t.name, size, shape_str(t.shape), dtype_name(t.dtype), t.bytes());
      t.data.assign(data, data + size);
    } else if (t.shape.size() == 4) {
      t.layout = Layout::NHWC;
    }
    if ((t.dtype == DType::I8 || t.dtype == DType::I16) && t.quant.empty())
      fail("{} tensor '{}' has no quantization parameters", dtype_name(t.dtype), t.name);
    if (t.quant.per_channel() && (size_t(t.quant.axis) >= t.shape.size() || int64_t(t.quant.scale.size()) != t.shape[size_t(t.quant.axis)]))
      fail("tensor '{}': {} scales do not match dimension {} of {}", t.name, t.quant.scale.size(), t.quant.axis, shape_str(t.shape));
    int id = g.add_tensor(std::move(t));
    ids[size_t(idx)] = id;
    return id;
  }

  // Integer values of a constant int32/int64 tensor (shape, axes, paddings operands).
  std::vector<int64_t> const_ints(int32_t idx, const char* what) const {
    size_t size = 0;
    const uint8_t* data = buffer_of(idx, &size);
    DType dt = dtype_of(idx);
    if (!data || (dt != DType::I32 && dt != DType::I64)) fail("{} '{}' must be a constant int32 or int64 tensor", what, tname(idx));
    size_t es = dtype_size(dt), n = size_t(numel(shape_of(idx)));
    if (size != n * es) fail("{} '{}': buffer has {} bytes for {} values", what, tname(idx), size, n);
    std::vector<int64_t> v(n);
    for (size_t k = 0; k < n; ++k) {
      if (dt == DType::I32) {
        int32_t x;
        std::memcpy(&x, data + k * 4, 4);
        v[k] = x;
      } else {
        std::memcpy(&v[k], data + k * 8, 8);
      }
    }
    return v;
  }

  int32_t in_idx(size_t k) const {
    if (!op->inputs() || k >= op->inputs()->size()) fail("missing input {}", k);
    return op->inputs()->Get(uint32_t(k));
  }
  size_t n_inputs() const { return op->inputs() ? op->inputs()->size() : 0; }
  int32_t out_idx() const {
    if (!op->outputs() || op->outputs()->size() != 1) fail("expected one output, has {}", op->outputs() ? op->outputs()->size() : 0);
    if (op->outputs()->Get(0) < 0) fail("output index {} is negative", op->outputs()->Get(0));
    return op->outputs()->Get(0);
  }
  int in(size_t k) {
    int32_t idx = in_idx(k);
    if (idx < 0) fail("required input {} is absent", k);
    return tensor(idx);
  }

  // Adds the IR node writing the operator's output and checks the inferred shape against the file.
  void emit(OpKind kind, std::vector<int> inputs, Attrs attrs, int out = -1) {
    if (out < 0) out = tensor(out_idx());
    Tensor& o = g.t(out);
    if (o.is_const()) fail("output '{}' is a constant", o.name);
    check_attr_ints(attrs, op_name(kind));
    Node& n = g.add_node(kind, g.t(out).name, std::move(inputs), {out}, std::move(attrs));
    Shape s = infer_shape(g, n);
    if (s != g.t(out).shape) fail("output '{}' has shape {} in the file, {} computes {}", g.t(out).name, shape_str(g.t(out).shape), op_name(kind), shape_str(s));
  }

  // Activations (non-constant inputs and the output) must all be f32, all i8, or all i16 (16x8,
  // zero point 0).
  DType activation_dtype(const std::vector<int>& inputs, int out) {
    DType dt = g.t(out).dtype;
    if (dt != DType::F32 && dt != DType::I8 && dt != DType::I16)
      fail("output '{}' is {}, expected float32, int8 or int16", g.t(out).name, dtype_name(dt));
    if (dt == DType::I16 && (g.t(out).quant.zero_point.size() != 1 || g.t(out).quant.zero_point[0] != 0))
      fail("int16 output '{}' needs one zero point of 0 (TFLite's 16x8 scheme)", g.t(out).name);
    for (int i : inputs)
      if (i >= 0 && !g.t(i).is_const() && g.t(i).dtype != dt)
        fail("input '{}' is {} but the output '{}' is {} (mixed float/int8 ops are not supported)", g.t(i).name, dtype_name(g.t(i).dtype), g.t(out).name, dtype_name(dt));
    return dt;
  }

  void set_activation(Attrs& a, tflite::ActivationFunctionType f) {
    switch (f) {
      case tflite::ActivationFunctionType::NONE: return;
      case tflite::ActivationFunctionType::RELU: a.set("act_min", 0.0f); return;
      case tflite::ActivationFunctionType::RELU6:
        a.set("act_min", 0.0f);
        a.set("act_max", 6.0f);
        return;
      case tflite::ActivationFunctionType::RELU_N1_TO_1:
        a.set("act_min", -1.0f);
        a.set("act_max", 1.0f);
        return;
      default: fail("fused activation {} is not supported", tflite::EnumNameActivationFunctionType(f));
    }
  }

  template <typename T>
  const T* options(const T* opt, bool required) {
    if (!opt && op->builtin_options_type() != tflite::BuiltinOptions::NONE)
      fail("builtin options of type {} do not belong to this op", int(op->builtin_options_type()));
    if (!opt && required) fail("builtin options are missing");
    return opt;
  }

  // Explicit pads (top, left, bottom, right) for TFLite's SAME / VALID padding.
  std::vector<int64_t> pads(tflite::Padding p, const Shape& in, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw) {
    if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0) fail("strides {}x{} and dilations {}x{} must be positive", sh, sw, dh, dw);
    if (in.size() != 4) fail("input must be 4-D NHWC, has shape {}", shape_str(in));
    if (p == tflite::Padding::VALID) return {0, 0, 0, 0};
    if (p != tflite::Padding::SAME) fail("padding {} is not supported", int(p));
    auto one = [](int64_t size, int64_t k, int64_t s, int64_t d, int64_t* before, int64_t* after) {
      int64_t eff = (k - 1) * d + 1, out = (size + s - 1) / s;
      int64_t total = std::max<int64_t>((out - 1) * s + eff - size, 0);
      *before = total / 2;
      *after = total - *before;
    };
    int64_t t, b, l, r;
    one(in[1], kh, sh, dh, &t, &b);
    one(in[2], kw, sw, dw, &l, &r);
    return {t, l, b, r};
  }

  // Int8 conv/FC: int8 weights and an int32 bias; 16x8: int8 weights and an int64 bias; float:
  // everything float32.
  void check_weights(DType act, int w, int b) {
    const DType want_b = act == DType::I8 ? DType::I32 : act == DType::I16 ? DType::I64 : DType::F32;
    if (!g.t(w).is_const()) fail("weight '{}' must be a constant", g.t(w).name);
    if (g.t(w).dtype != (act == DType::I16 ? DType::I8 : act))
      fail("weight '{}' is {} with {} activations (hybrid models are not supported)", g.t(w).name, dtype_name(g.t(w).dtype), dtype_name(act));
    if (b >= 0 && (!g.t(b).is_const() || g.t(b).dtype != want_b))
      fail("bias '{}' must be a constant {}", g.t(b).name, dtype_name(want_b));
  }

  int optional_in(size_t k) { return k < n_inputs() ? tensor(in_idx(k)) : -1; }

  void conv() {
    const tflite::Conv2DOptions* o = options(op->builtin_options_as_Conv2DOptions(), true);
    int x = in(0), w = in(1), b = optional_in(2);
    int out = tensor(out_idx());
    DType act = activation_dtype({x}, out);
    check_weights(act, w, b);
    const Shape& ws = g.t(w).shape;
    if (ws.size() != 4) fail("filter '{}' must be 4-D OHWI, has shape {}", g.t(w).name, shape_str(ws));
    if (g.t(w).quant.per_channel() && g.t(w).quant.axis != 0) fail("filter '{}' is quantized along dimension {}, expected 0", g.t(w).name, g.t(w).quant.axis);
    const Shape& xs = g.t(x).shape;
    if (xs.size() != 4 || ws[3] <= 0 || xs[3] % ws[3]) fail("input {} and filter {} do not fit", shape_str(xs), shape_str(ws));
    Attrs a;
    a.set("strides", std::vector<int64_t>{o->stride_h(), o->stride_w()});
    a.set("dilations", std::vector<int64_t>{o->dilation_h_factor(), o->dilation_w_factor()});
    a.set("pads", pads(o->padding(), xs, ws[1], ws[2], o->stride_h(), o->stride_w(), o->dilation_h_factor(), o->dilation_w_factor()));
    a.set("group", int64_t(xs[3] / ws[3]));
    set_activation(a, o->fused_activation_function());
    emit(OpKind::Conv, {x, w, b}, a, out);
  }

  // Filter [1, kh, kw, C*m] becomes an OHWI [C*m, kh, kw, 1] grouped conv with C groups.
  void depthwise() {
    const tflite::DepthwiseConv2DOptions* o = options(op->builtin_options_as_DepthwiseConv2DOptions(), true);
    int x = in(0), w = in(1), b = optional_in(2);
    int out = tensor(out_idx());
    DType act = activation_dtype({x}, out);
    check_weights(act, w, b);
    const Tensor& wt = g.t(w);
    const Shape xs = g.t(x).shape;  // a copy: add_tensor below may move the tensors
    if (wt.shape.size() != 4 || wt.shape[0] != 1 || xs.size() != 4 || wt.shape[3] % xs[3])
      fail("input {} and depthwise filter {} do not fit", shape_str(xs), shape_str(wt.shape));
    const int64_t kh = wt.shape[1], kw = wt.shape[2], oc = wt.shape[3], taps = kh * kw;
    const size_t es = dtype_size(wt.dtype);
    Tensor t;
    t.name = g.unique_name(wt.name + "_ohwi");
    t.dtype = wt.dtype;
    t.shape = {oc, kh, kw, 1};
    t.quant = wt.quant;
    if (t.quant.per_channel()) {
      if (t.quant.axis != 3) fail("depthwise filter '{}' is quantized along dimension {}, expected 3", wt.name, t.quant.axis);
      t.quant.axis = 0;
    }
    t.data.resize(wt.data.size());
    for (int64_t k = 0; k < taps; ++k)
      for (int64_t c = 0; c < oc; ++c)
        std::memcpy(&t.data[size_t((c * taps + k)) * es], &wt.data[size_t((k * oc + c)) * es], es);
    int wid = g.add_tensor(std::move(t));
    Attrs a;
    a.set("strides", std::vector<int64_t>{o->stride_h(), o->stride_w()});
    a.set("dilations", std::vector<int64_t>{o->dilation_h_factor(), o->dilation_w_factor()});
    a.set("pads", pads(o->padding(), xs, kh, kw, o->stride_h(), o->stride_w(), o->dilation_h_factor(), o->dilation_w_factor()));
    a.set("group", xs[3]);
    set_activation(a, o->fused_activation_function());
    emit(OpKind::Conv, {x, wid, b}, a, out);
  }

  void fully_connected() {
    const tflite::FullyConnectedOptions* o = options(op->builtin_options_as_FullyConnectedOptions(), false);
    int x = in(0), w = in(1), b = optional_in(2);
    int out = tensor(out_idx());
    DType act = activation_dtype({x}, out);
    check_weights(act, w, b);
    if (o && o->weights_format() != tflite::FullyConnectedOptionsWeightsFormat::DEFAULT) fail("shuffled weights are not supported");
    const Shape& ws = g.t(w).shape;
    const Shape& xs = g.t(x).shape;
    if (ws.size() != 2 || xs.empty() || g.t(x).numel() % ws[1]) fail("input {} and weights {} do not fit", shape_str(xs), shape_str(ws));
    if (g.t(w).quant.per_channel() && g.t(w).quant.axis != 0) fail("weights '{}' are quantized along dimension {}, expected 0", g.t(w).name, g.t(w).quant.axis);
    Attrs a;
    set_activation(a, o ? o->fused_activation_function() : tflite::ActivationFunctionType::NONE);
    bool keep = o && o->keep_num_dims();
    // Without keep_num_dims TFLite flattens the input to [numel / K, K].
    if (!keep && !(xs.size() == 2 && xs[1] == ws[1])) {
      Tensor flat;
      flat.name = g.unique_name(g.t(x).name + "_flat");
      flat.dtype = g.t(x).dtype;
      flat.shape = {g.t(x).numel() / ws[1], ws[1]};
      flat.quant = g.t(x).quant;
      int f = g.add_tensor(std::move(flat));
      Attrs ra;
      ra.set("shape", g.t(f).shape);
      g.add_node(OpKind::Reshape, g.t(f).name, {x}, {f}, ra);
      x = f;
    }
    emit(OpKind::FullyConnected, {x, w, b}, a, out);
  }

  void pool(OpKind kind) {
    const tflite::Pool2DOptions* o = options(op->builtin_options_as_Pool2DOptions(), true);
    int x = in(0);
    int out = tensor(out_idx());
    activation_dtype({x}, out);
    Attrs a;
    a.set("kernel", std::vector<int64_t>{o->filter_height(), o->filter_width()});
    a.set("strides", std::vector<int64_t>{o->stride_h(), o->stride_w()});
    if (o->filter_height() <= 0 || o->filter_width() <= 0) fail("filter {}x{} must be positive", o->filter_height(), o->filter_width());
    a.set("pads", pads(o->padding(), g.t(x).shape, o->filter_height(), o->filter_width(), o->stride_h(), o->stride_w(), 1, 1));
    set_activation(a, o->fused_activation_function());
    emit(kind, {x}, a, out);
  }

  void binary(OpKind kind) {
    tflite::ActivationFunctionType f = tflite::ActivationFunctionType::NONE;
    if (kind == OpKind::Add) {
      if (auto* o = options(op->builtin_options_as_AddOptions(), false)) f = o->fused_activation_function();
    } else if (kind == OpKind::Sub) {
      if (auto* o = options(op->builtin_options_as_SubOptions(), false)) f = o->fused_activation_function();
    } else if (kind == OpKind::Mul) {
      if (auto* o = options(op->builtin_options_as_MulOptions(), false)) f = o->fused_activation_function();
    } else if (kind == OpKind::Div) {
      if (auto* o = options(op->builtin_options_as_DivOptions(), false)) f = o->fused_activation_function();
    }
    int a = in(0), b = in(1);
    int out = tensor(out_idx());
    activation_dtype({a, b}, out);
    for (int i : {a, b})
      if (g.t(i).is_const() && g.t(i).dtype != g.t(out).dtype) fail("constant operand '{}' is {}, expected {}", g.t(i).name, dtype_name(g.t(i).dtype), dtype_name(g.t(out).dtype));
    Attrs at;
    set_activation(at, f);
    emit(kind, {a, b}, at, out);
  }

  void unary(OpKind kind, Attrs a = {}) {
    int x = in(0);
    int out = tensor(out_idx());
    activation_dtype({x}, out);
    emit(kind, {x}, a, out);
  }

  // The ops mote reads in float graphs only (their int8 kernels in TFLM are not mote's tables).
  void float_unary(OpKind kind) {
    if (g.t(in(0)).dtype != DType::F32) fail("{} input '{}' is {}; only float32 is supported", op_name(kind), g.t(in(0)).name, dtype_name(g.t(in(0)).dtype));
    unary(kind);
  }

  // RESHAPE and SQUEEZE: the file's output shape is static, so it is the target shape.
  void reshape() {
    int x = in(0);
    int out = tensor(out_idx());
    activation_dtype({x}, out);
    Attrs a;
    a.set("shape", g.t(out).shape);
    emit(OpKind::Reshape, {x}, a, out);
  }

  void softmax() {
    const tflite::SoftmaxOptions* o = options(op->builtin_options_as_SoftmaxOptions(), false);
    float beta = o ? o->beta() : 1.0f;
    if (beta != 1.0f) fail("beta {} is not supported (only 1)", beta);
    int x = in(0);
    Attrs a;
    a.set("axis", int64_t(g.t(x).shape.size()) - 1);
    if (g.t(x).shape.empty()) fail("input must have at least one dimension");
    unary(OpKind::Softmax, a);
  }

  void concat() {
    const tflite::ConcatenationOptions* o = options(op->builtin_options_as_ConcatenationOptions(), true);
    if (o->fused_activation_function() != tflite::ActivationFunctionType::NONE)
      fail("fused activation {} on CONCATENATION is not supported", tflite::EnumNameActivationFunctionType(o->fused_activation_function()));
    std::vector<int> xs;
    for (size_t k = 0; k < n_inputs(); ++k) xs.push_back(in(k));
    if (xs.empty()) fail("no inputs");
    int out = tensor(out_idx());
    activation_dtype(xs, out);
    for (int i : xs)
      if (g.t(i).is_const() && g.t(i).dtype != g.t(out).dtype) fail("constant input '{}' is {}, expected {}", g.t(i).name, dtype_name(g.t(i).dtype), dtype_name(g.t(out).dtype));
    int64_t rank = int64_t(g.t(out).shape.size()), axis = o->axis();
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) fail("axis {} out of range for rank {}", o->axis(), rank);
    Attrs a;
    a.set("axis", axis);
    emit(OpKind::Concat, xs, a, out);
  }

  // PAD, and PADV2 with its constant fill value (input 2, quantized like the input).
  void pad() {
    int x = in(0);
    float value = 0.0f;  // int8 PAD fills with the zero point, i.e. real 0
    if (code == BuiltinOperator::PADV2 && n_inputs() > 2 && in_idx(2) >= 0) {
      const Tensor& v = g.t(in(2));
      if (!v.is_const() || v.numel() != 1 || v.dtype != g.t(x).dtype) fail("constant_values must be one constant {} value", dtype_name(g.t(x).dtype));
      if (v.dtype == DType::I8) {
        const float s = v.quant.scale.at(0);
        value = s * float(int32_t(v.as<int8_t>()[0]) - v.quant.zero_point.at(0));
      } else {
        value = v.as<float>()[0];
      }
    }
    std::vector<int64_t> p = const_ints(in_idx(1), "paddings");
    size_t r = g.t(x).shape.size();
    if (p.size() != 2 * r) fail("paddings have {} values for rank {}", p.size(), r);
    std::vector<int64_t> pads(2 * r);
    for (size_t i = 0; i < r; ++i) {
      pads[i] = p[2 * i];
      pads[i + r] = p[2 * i + 1];
    }
    Attrs a;
    a.set("pads", pads);
    a.set("value", value);
    unary(OpKind::Pad, a);
  }

  void transpose() {
    std::vector<int64_t> perm = const_ints(in_idx(1), "perm");
    if (perm.size() != g.t(in(0)).shape.size()) fail("perm has {} values for rank {}", perm.size(), g.t(in(0)).shape.size());
    Attrs a;
    a.set("perm", perm);
    unary(OpKind::Transpose, a);
  }

  // MEAN, SUM, REDUCE_MAX.
  void reduce(OpKind kind) {
    const tflite::ReducerOptions* o = options(op->builtin_options_as_ReducerOptions(), false);
    int x = in(0);
    int64_t r = int64_t(g.t(x).shape.size());
    std::vector<int64_t> axes;
    for (int64_t v : const_ints(in_idx(1), "axes")) {
      int64_t a = v < 0 ? v + r : v;
      if (a < 0 || a >= r) fail("axis {} out of range for rank {}", v, r);
      if (std::find(axes.begin(), axes.end(), a) == axes.end()) axes.push_back(a);
    }
    std::sort(axes.begin(), axes.end());
    Attrs a;
    a.set("axes", axes);
    a.set("keepdims", int64_t(o && o->keep_dims() ? 1 : 0));
    unary(kind, a);
  }

  // The axis is a constant input; the output is int32 indices.
  void arg_max() {
    int x = in(0);
    std::vector<int64_t> axis = const_ints(in_idx(1), "axis");
    const int64_t r = int64_t(g.t(x).shape.size());
    if (axis.size() != 1 || axis[0] < -r || axis[0] >= r) fail("axis must be one value in [-{}, {})", r, r);
    int out = tensor(out_idx());
    if (g.t(out).dtype != DType::I32) fail("output '{}' is {}; only int32 indices are supported", g.t(out).name, dtype_name(g.t(out).dtype));
    if (g.t(x).dtype != DType::I8 && g.t(x).dtype != DType::F32) fail("input '{}' is {}, expected float32 or int8", g.t(x).name, dtype_name(g.t(x).dtype));
    Attrs a;
    a.set("axis", axis[0] < 0 ? axis[0] + r : axis[0]);
    a.set("keepdims", int64_t(0));
    emit(OpKind::ArgMax, {x}, a, out);
  }

  // DEQUANTIZE of a computed int8 value to float.
  void dequantize() {
    int x = in(0);
    int out = tensor(out_idx());
    if (g.t(x).dtype != DType::I8 || g.t(out).dtype != DType::F32)
      fail("DEQUANTIZE from {} to {} is not supported (only int8 to float32)", dtype_name(g.t(x).dtype), dtype_name(g.t(out).dtype));
    if (g.t(x).quant.per_channel()) fail("per-channel activations are not supported");
    emit(OpKind::Dequantize, {x}, {}, out);
  }

  void quantize() {
    int x = in(0);
    int out = tensor(out_idx());
    if (g.t(x).dtype != DType::I8 || g.t(out).dtype != DType::I8)
      fail("QUANTIZE from {} to {} inside the graph is not supported (only int8 to int8, or float to int8 on the model input)",
           dtype_name(g.t(x).dtype), dtype_name(g.t(out).dtype));
    if (g.t(x).quant.per_channel() || g.t(out).quant.per_channel()) fail("per-channel activations are not supported");
    emit(OpKind::Quantize, {x}, {}, out);
  }

  // UNIDIRECTIONAL_SEQUENCE_LSTM, batch 1, no CIFG / peephole / projection / layer norm: one IR
  // Lstm on the [T, I] view of the input, the four gates' tensors packed in ONNX gate order
  // (i, o, f, c), the variable state tensors read for their quantization only (TFLM zeroes them).
  void lstm() {
    const auto* o = options(op->builtin_options_as_UnidirectionalSequenceLSTMOptions(), true);
    if (o->fused_activation_function() != tflite::ActivationFunctionType::TANH)
      fail("cell activation {} is not supported (only TANH)", tflite::EnumNameActivationFunctionType(o->fused_activation_function()));
    if (o->proj_clip() != 0) fail("proj_clip is not supported (no projection)");
    if (o->diagonal_recurrent_tensors()) fail("diagonal recurrent tensors are not supported");
    if (n_inputs() != 24) fail("expected 24 inputs, has {}", n_inputs());
    auto absent = [&](std::initializer_list<size_t> ks, const char* what) {
      for (size_t k : ks)
        if (in_idx(k) >= 0) fail("input {} is given: {} are not supported", k, what);
    };
    if (in_idx(1) < 0 || in_idx(5) < 0) fail("the input gate is absent (CIFG is not supported)");
    absent({9, 10, 11}, "peepholes");
    absent({16, 17}, "projections");
    absent({20, 21, 22, 23}, "layer norms");
    int x = in(0);
    const int out = tensor(out_idx());
    const DType act = activation_dtype({x}, out);
    const Shape xs = g.t(x).shape;
    if (xs.size() != 3) fail("input must be 3-D, has shape {}", shape_str(xs));
    const int64_t batch = o->time_major() ? xs[1] : xs[0], steps = o->time_major() ? xs[0] : xs[1];
    if (batch != 1) fail("batch size {} is not supported (only 1)", batch);
    const Shape ws = g.t(in(2)).shape;
    if (ws.size() != 2 || ws[1] != xs[2]) fail("input_to_forget_weights {} do not fit input {}", shape_str(ws), shape_str(xs));
    const int64_t h = ws[0];
    // TFLite input index of each ONNX gate (i, o, f, c) for the input weights; recurrent +4,
    // bias +11.
    const int tfl_of_onnx[4] = {1, 4, 2, 3};
    std::vector<int> wt, rt, bt;
    for (int gate : tfl_of_onnx) {
      wt.push_back(in(size_t(gate)));
      rt.push_back(in(size_t(gate + 4)));
      bt.push_back(in(size_t(gate + 11)));
    }
    auto pack = [&](const std::vector<int>& parts, const Shape& part_shape, const std::string& name, DType want) {
      Tensor t;
      t.name = g.unique_name(g.t(out).name + "_" + name);
      t.dtype = want;
      t.shape = {4 * part_shape[0]};
      if (part_shape.size() == 2) t.shape.push_back(part_shape[1]);
      for (int p : parts) {
        const Tensor& src = g.t(p);
        if (!src.is_const() || src.dtype != want || src.shape != part_shape)
          fail("'{}' must be a constant {} {}, is {} {}", src.name, dtype_name(want), shape_str(part_shape), dtype_name(src.dtype), shape_str(src.shape));
        if (want == DType::I8 && (src.quant.per_channel() || src.quant.zero_point.at(0) != 0))
          fail("'{}' must be quantized per tensor with zero point 0", src.name);
        t.data.insert(t.data.end(), src.data.begin(), src.data.end());
        if (want != DType::F32)
          for (int64_t r = 0; r < part_shape[0]; ++r) t.quant.scale.push_back(src.quant.scale.at(0)), t.quant.zero_point.push_back(0);
      }
      if (!t.quant.empty()) t.quant.axis = 0;
      return g.add_tensor(std::move(t));
    };
    const bool int8 = act == DType::I8;
    const int w = pack(wt, {h, xs[2]}, "W", act), r = pack(rt, {h, h}, "R", act);
    int b = pack(bt, {h}, "B", int8 ? DType::I32 : DType::F32);
    if (!int8) {  // the float IR bias is Wb then Rb
      g.t(b).shape = {8 * h};
      g.t(b).data.resize(size_t(8 * h) * 4, 0);
    }
    Attrs a;
    a.set("hidden_size", h);
    a.set("reverse", int64_t(0));
    if (int8) {
      const QuantParams hq = quant_of(in_idx(18)), cq = quant_of(in_idx(19));
      if (ftensor(in_idx(19))->type() != tflite::TensorType::INT16 || cq.scale.size() != 1)
        fail("cell_state '{}' must be int16 quantized per tensor", tname(in_idx(19)));
      if (hq.scale.size() != 1 || hq.scale != g.t(out).quant.scale || hq.zero_point != g.t(out).quant.zero_point)
        fail("output_state '{}' must be quantized like the output", tname(in_idx(18)));
      a.set("cell_scale", cq.scale[0]);
      a.set("cell_clip", o->cell_clip());
    } else if (o->cell_clip() != 0) {
      fail("cell_clip is not supported for float LSTMs");
    }
    auto view = [&](int src, const Shape& shape, const std::string& name) {
      Tensor t;
      t.name = g.unique_name(name);
      t.dtype = act;
      t.shape = shape;
      t.quant = g.t(src).quant;
      return g.add_tensor(std::move(t));
    };
    const int seq = view(x, {steps, xs[2]}, g.t(x).name + "_seq");
    Attrs ra;
    ra.set("shape", g.t(seq).shape);
    g.add_node(OpKind::Reshape, g.t(seq).name, {x}, {seq}, ra);
    const int y = view(out, {steps, h}, g.t(out).name + "_seq");
    Node& n = g.add_node(OpKind::Lstm, g.t(out).name, {seq, w, r, b}, {y}, a);
    if (infer_shape(g, n) != g.t(y).shape) fail("output '{}' has shape {}, expected [1,{},{}]", g.t(out).name, shape_str(g.t(out).shape), steps, h);
    Attrs oa;
    oa.set("shape", g.t(out).shape);
    g.add_node(OpKind::Reshape, g.t(out).name + "_y", {y}, {out}, oa);
  }

  // ---- transpose conv, resize, slicing / gather / tile, batch matmul ----

  // Operands: output_shape, weights OHWI, input, [bias].
  void transpose_conv() {
    const tflite::TransposeConvOptions* o = options(op->builtin_options_as_TransposeConvOptions(), true);
    int w = in(1), x = in(2), b = n_inputs() > 3 ? optional_in(3) : -1;
    int out = tensor(out_idx());
    DType act = activation_dtype({x}, out);
    check_weights(act, w, b);
    const Shape& ws = g.t(w).shape;
    const Shape& xs = g.t(x).shape;
    const std::vector<int64_t> os = const_ints(in_idx(0), "output_shape");
    if (ws.size() != 4 || xs.size() != 4 || ws[3] != xs[3]) fail("input {} and filter {} do not fit", shape_str(xs), shape_str(ws));
    if (os != g.t(out).shape) fail("output_shape operand {} differs from the output tensor {}", shape_str(os), shape_str(g.t(out).shape));
    if (g.t(w).quant.per_channel() && g.t(w).quant.axis != 0) fail("filter '{}' is quantized along dimension {}, expected 0", g.t(w).name, g.t(w).quant.axis);
    if (o->padding() != tflite::Padding::SAME && o->padding() != tflite::Padding::VALID) fail("padding {} is not supported", int(o->padding()));
    const bool same = o->padding() == tflite::Padding::SAME;
    const TconvAxis ay = tflite_transpose_conv_axis(same, int32_t(os[1]), int32_t(ws[1]), o->stride_h());
    const TconvAxis ax = tflite_transpose_conv_axis(same, int32_t(os[2]), int32_t(ws[2]), o->stride_w());
    Attrs a;
    a.set("strides", std::vector<int64_t>{o->stride_h(), o->stride_w()});
    a.set("pads", std::vector<int64_t>{ay.pad_begin, ax.pad_begin});
    a.set("out_hw", std::vector<int64_t>{os[1], os[2]});
    // TFLM's int8 TRANSPOSE_CONV ignores the fused activation (it clamps to the int8 range).
    if (act == DType::F32) set_activation(a, o->fused_activation_function());
    emit(OpKind::TransposeConv, {x, w, b}, a, out);
  }

  void resize() {
    bool ac = false, hp = false;
    if (code == BuiltinOperator::RESIZE_BILINEAR) {
      if (auto* o = options(op->builtin_options_as_ResizeBilinearOptions(), false)) ac = o->align_corners(), hp = o->half_pixel_centers();
    } else if (auto* o = options(op->builtin_options_as_ResizeNearestNeighborOptions(), false)) {
      ac = o->align_corners(), hp = o->half_pixel_centers();
    }
    if (ac && hp) fail("align_corners and half_pixel_centers are both set");
    const std::vector<int64_t> size = const_ints(in_idx(1), "size");
    if (size.size() != 2) fail("size has {} values, expected 2", size.size());
    Attrs a;
    a.set("mode", std::string(code == BuiltinOperator::RESIZE_BILINEAR ? "linear" : "nearest"));
    a.set("align_corners", int64_t(ac));
    a.set("half_pixel_centers", int64_t(hp));
    a.set("size", size);
    unary(OpKind::Resize, a);
  }

  // A Slice of x into `out`, through a Reshape when the file's output drops (shrinks) axes.
  void emit_slice(int x, const std::vector<SliceAxis>& axes, int out) {
    activation_dtype({x}, out);
    Attrs a;
    std::vector<int64_t> b, st, sz;
    for (const SliceAxis& s : axes) b.push_back(s.begin), st.push_back(s.stride), sz.push_back(s.size);
    a.set("begins", b);
    a.set("strides", st);
    a.set("sizes", sz);
    if (Shape(sz) == g.t(out).shape) return emit(OpKind::Slice, {x}, a, out);
    Tensor t;
    t.name = g.unique_name(g.t(out).name + "_slice");
    t.dtype = g.t(out).dtype;
    t.shape = sz;
    t.quant = g.t(out).quant;
    int mid = g.add_tensor(std::move(t));
    g.add_node(OpKind::Slice, g.t(mid).name, {x}, {mid}, a);
    Attrs ra;
    ra.set("shape", g.t(out).shape);
    emit(OpKind::Reshape, {mid}, ra, out);
  }

  static std::vector<int32_t> i32s(const std::vector<int64_t>& v) { return std::vector<int32_t>(v.begin(), v.end()); }
  static std::vector<int32_t> i32s(const Shape& v, int) { return std::vector<int32_t>(v.begin(), v.end()); }

  void slice() {
    int x = in(0);
    emit_slice(x, tflite_slice(i32s(g.t(x).shape, 0), i32s(const_ints(in_idx(1), "begin")), i32s(const_ints(in_idx(2), "size"))),
               tensor(out_idx()));
  }

  void strided_slice() {
    const tflite::StridedSliceOptions* o = options(op->builtin_options_as_StridedSliceOptions(), false);
    int x = in(0);
    StridedSlice ss = tflite_strided_slice(i32s(g.t(x).shape, 0), i32s(const_ints(in_idx(1), "begin")), i32s(const_ints(in_idx(2), "end")),
                                           i32s(const_ints(in_idx(3), "strides")), o ? o->begin_mask() : 0, o ? o->end_mask() : 0,
                                           o ? o->ellipsis_mask() : 0, o ? o->new_axis_mask() : 0, o ? o->shrink_axis_mask() : 0,
                                           o && o->offset());
    int out = tensor(out_idx());
    if (i32s(g.t(out).shape, 0) != ss.out_shape) fail("output has shape {} in the file, the slice gives {}", shape_str(g.t(out).shape), dims_str(ss.out_shape));
    emit_slice(x, ss.axes, out);
  }

  // One Slice per output (unused ones are pruned). Operands: axis, input.
  void split() {
    const tflite::SplitOptions* o = options(op->builtin_options_as_SplitOptions(), true);
    const std::vector<int64_t> axis = const_ints(in_idx(0), "axis");
    if (axis.size() != 1) fail("axis has {} values, expected 1", axis.size());
    int x = in(1);
    const std::vector<int32_t> xs = i32s(g.t(x).shape, 0);
    const int32_t ax = int32_t(axis[0] < 0 ? axis[0] + int64_t(xs.size()) : axis[0]);
    if (ax < 0 || size_t(ax) >= xs.size()) fail("axis {} out of range for rank {}", axis[0], xs.size());
    const size_t n_out = op->outputs() ? op->outputs()->size() : 0;
    if (o->num_splits() <= 0 || n_out != size_t(o->num_splits())) fail("{} outputs for num_splits {}", n_out, o->num_splits());
    const std::vector<int32_t> sizes = equal_split_sizes(xs[size_t(ax)], o->num_splits());
    for (size_t k = 0; k < n_out; ++k) emit_slice(x, split_output(xs, ax, sizes, int32_t(k)), tensor(op->outputs()->Get(uint32_t(k))));
  }

  void gather() {
    const tflite::GatherOptions* o = options(op->builtin_options_as_GatherOptions(), false);
    if (o && o->batch_dims() != 0) fail("batch_dims {} is not supported (only 0)", o->batch_dims());
    int x = in(0);
    int64_t r = int64_t(g.t(x).shape.size()), axis = o ? o->axis() : 0;
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) fail("axis {} out of range for rank {}", o ? o->axis() : 0, r);
    Attrs a;
    a.set("axis", axis);
    a.set("indices", const_ints(in_idx(1), "indices"));
    a.set("indices_shape", shape_of(in_idx(1)));
    unary(OpKind::Gather, a);
  }

  // TILE (multiples) and BROADCAST_TO (shape): the file's output shape is the target.
  void tile() {
    int x = in(0);
    int out = tensor(out_idx());
    const std::vector<int64_t> v = const_ints(in_idx(1), code == BuiltinOperator::TILE ? "multiples" : "shape");
    Shape want = v;
    if (code == BuiltinOperator::TILE) {
      const std::vector<int32_t> t = tile_shape(i32s(g.t(x).shape, 0), v);
      want.assign(t.begin(), t.end());
    }
    if (want != g.t(out).shape) fail("output has shape {} in the file, the operands give {}", shape_str(g.t(out).shape), shape_str(want));
    Attrs a;
    a.set("shape", want);
    unary(OpKind::Tile, a);
  }

  void batch_matmul() {
    const tflite::BatchMatMulOptions* o = options(op->builtin_options_as_BatchMatMulOptions(), false);
    int x = in(0), y = in(1);
    int out = tensor(out_idx());
    DType act = activation_dtype({x, y}, out);
    if (g.t(y).is_const() && g.t(y).dtype != act) fail("constant operand '{}' is {}, expected {}", g.t(y).name, dtype_name(g.t(y).dtype), dtype_name(act));
    for (int t : {x, y})
      if (g.t(t).quant.per_channel()) fail("operand '{}' is quantized per channel (only per tensor)", g.t(t).name);
    Attrs a;
    a.set("adj_x", int64_t(o && o->adj_x()));
    a.set("adj_y", int64_t(o && o->adj_y()));
    emit(OpKind::BatchMatMul, {x, y}, a, out);
  }

  void convert_op() {
    switch (code) {
      case BuiltinOperator::CONV_2D: return conv();
      case BuiltinOperator::DEPTHWISE_CONV_2D: return depthwise();
      case BuiltinOperator::FULLY_CONNECTED: return fully_connected();
      case BuiltinOperator::AVERAGE_POOL_2D: return pool(OpKind::AvgPool);
      case BuiltinOperator::MAX_POOL_2D: return pool(OpKind::MaxPool);
      case BuiltinOperator::ADD: return binary(OpKind::Add);
      case BuiltinOperator::SUB: return binary(OpKind::Sub);
      case BuiltinOperator::MUL: return binary(OpKind::Mul);
      case BuiltinOperator::RESHAPE:
      case BuiltinOperator::SQUEEZE: return reshape();
      case BuiltinOperator::SOFTMAX: return softmax();
      case BuiltinOperator::LOGISTIC: return unary(OpKind::Sigmoid);
      case BuiltinOperator::TANH: return unary(OpKind::Tanh);
      case BuiltinOperator::RELU: return unary(OpKind::Relu);
      case BuiltinOperator::RELU6:
      case BuiltinOperator::RELU_N1_TO_1: {
        Attrs a;
        a.set("min", code == BuiltinOperator::RELU6 ? 0.0f : -1.0f);
        a.set("max", code == BuiltinOperator::RELU6 ? 6.0f : 1.0f);
        return unary(OpKind::Clip, a);
      }
      case BuiltinOperator::LEAKY_RELU: {
        const tflite::LeakyReluOptions* o = options(op->builtin_options_as_LeakyReluOptions(), false);
        Attrs a;
        a.set("alpha", o ? o->alpha() : 0.0f);
        return unary(OpKind::LeakyRelu, a);
      }
      case BuiltinOperator::HARD_SWISH: return unary(OpKind::HardSwish);
      case BuiltinOperator::CONCATENATION: return concat();
      case BuiltinOperator::PAD:
      case BuiltinOperator::PADV2: return pad();
      case BuiltinOperator::MEAN: return reduce(OpKind::ReduceMean);
      case BuiltinOperator::SUM: return reduce(OpKind::ReduceSum);
      case BuiltinOperator::REDUCE_MAX: return reduce(OpKind::ReduceMax);
      case BuiltinOperator::ARG_MAX: return arg_max();
      case BuiltinOperator::DIV: return binary(OpKind::Div);
      case BuiltinOperator::SQUARED_DIFFERENCE: return binary(OpKind::SquaredDifference);
      case BuiltinOperator::MAXIMUM: return binary(OpKind::Max);
      case BuiltinOperator::MINIMUM: return binary(OpKind::Min);
      case BuiltinOperator::PRELU: return binary(OpKind::PRelu);
      case BuiltinOperator::POW: return binary(OpKind::Pow);
      case BuiltinOperator::ABS: return unary(OpKind::Abs);
      case BuiltinOperator::RSQRT: return unary(OpKind::Rsqrt);
      case BuiltinOperator::NEG: return float_unary(OpKind::Neg);
      case BuiltinOperator::SQRT: return float_unary(OpKind::Sqrt);
      case BuiltinOperator::EXP: return float_unary(OpKind::Exp);
      case BuiltinOperator::LOG: return float_unary(OpKind::Log);
      case BuiltinOperator::GELU: return float_unary(OpKind::Gelu);  // approximate false: the erf form
      case BuiltinOperator::ELU: return unary(OpKind::Elu);
      case BuiltinOperator::LOG_SOFTMAX: {
        Attrs a;
        if (g.t(in(0)).shape.empty()) fail("input must have at least one dimension");
        a.set("axis", int64_t(g.t(in(0)).shape.size()) - 1);
        return unary(OpKind::LogSoftmax, a);
      }
      case BuiltinOperator::TRANSPOSE: return transpose();
      case BuiltinOperator::QUANTIZE: return quantize();
      case BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM: return lstm();
      case BuiltinOperator::DEQUANTIZE: return dequantize();
      case BuiltinOperator::TRANSPOSE_CONV: return transpose_conv();
      case BuiltinOperator::RESIZE_NEAREST_NEIGHBOR:
      case BuiltinOperator::RESIZE_BILINEAR: return resize();
      case BuiltinOperator::SLICE: return slice();
      case BuiltinOperator::STRIDED_SLICE: return strided_slice();
      case BuiltinOperator::SPLIT: return split();
      case BuiltinOperator::GATHER: return gather();
      case BuiltinOperator::TILE:
      case BuiltinOperator::BROADCAST_TO: return tile();
      case BuiltinOperator::EXPAND_DIMS: return reshape();
      case BuiltinOperator::BATCH_MATMUL: return batch_matmul();
      default: fail("unsupported op");
    }
  }

  const tflite::OperatorCode* opcode_of(const tflite::Operator* o) const {
    uint32_t k = o->opcode_index();
    if (!model->operator_codes() || k >= model->operator_codes()->size()) fail("opcode index {} out of range", k);
    return model->operator_codes()->Get(k);
  }

  // How often each tensor is read by an operator or is a subgraph output.
  std::vector<int> use_counts() const {
    std::vector<int> uses(n_tensors(), 0);
    auto use = [&](int32_t i) {
      if (i >= 0 && size_t(i) < uses.size()) ++uses[size_t(i)];
    };
    if (sg->operators())
      for (const tflite::Operator* o : *sg->operators())
        if (o->inputs())
          for (int32_t i : *o->inputs()) use(i);
    if (sg->outputs())
      for (int32_t i : *sg->outputs()) use(i);
    return uses;
  }

  bool single_io(const tflite::Operator* o) const {
    return o->inputs() && o->inputs()->size() == 1 && o->outputs() && o->outputs()->size() == 1 &&
           o->inputs()->Get(0) >= 0 && size_t(o->inputs()->Get(0)) < n_tensors() && o->outputs()->Get(0) >= 0 &&
           size_t(o->outputs()->Get(0)) < n_tensors();
  }

  void run() {
    if (!model->subgraphs() || model->subgraphs()->size() == 0) fail("{}: the model has no subgraph", path);
    if (model->subgraphs()->size() > 1) fail("{}: the model has {} subgraphs; only single-subgraph models are supported", path, model->subgraphs()->size());
    sg = model->subgraphs()->Get(0);
    ids.assign(n_tensors(), -1);
    g.name = stem(path);
    const size_t n_ops = sg->operators() ? sg->operators()->size() : 0;

    // Graph inputs/outputs, with a float->int8 QUANTIZE on an input and an int8->float
    // DEQUANTIZE on an output dropped so the compiled model is int8 in and out.
    std::vector<int32_t> ins, outs;
    if (sg->inputs()) ins.assign(sg->inputs()->begin(), sg->inputs()->end());
    if (sg->outputs()) outs.assign(sg->outputs()->begin(), sg->outputs()->end());
    std::vector<bool> skip(n_ops, false);
    const std::vector<int> uses = use_counts();
    for (size_t k = 0; k < n_ops; ++k) {
      const tflite::Operator* o = sg->operators()->Get(uint32_t(k));
      if (!single_io(o)) continue;
      int32_t code_k = builtin_code(opcode_of(o));
      int32_t i = o->inputs()->Get(0), out = o->outputs()->Get(0);
      tflite::TensorType ti = ftensor(i)->type(), to = ftensor(out)->type();
      if (code_k == int32_t(BuiltinOperator::QUANTIZE) && ti == tflite::TensorType::FLOAT32 && to == tflite::TensorType::INT8) {
        auto it = std::find(ins.begin(), ins.end(), i);
        if (it != ins.end() && uses[size_t(i)] == 1) {
          *it = out;
          skip[k] = true;
        }
      } else if (code_k == int32_t(BuiltinOperator::DEQUANTIZE) && ti == tflite::TensorType::INT8 && to == tflite::TensorType::FLOAT32) {
        // Only after an operator: a model that dequantizes its own input would have nothing left.
        auto it = std::find(outs.begin(), outs.end(), out);
        const bool computed = std::find(ins.begin(), ins.end(), i) == ins.end();
        if (it != outs.end() && uses[size_t(out)] == 1 && computed) {
          *it = i;
          skip[k] = true;
        }
      }
    }
    for (int32_t i : ins) {
      if (i < 0) fail("{}: graph input index {} is negative", path, i);
      int id = tensor(i);
      if (g.t(id).is_const()) fail("{}: graph input '{}' has constant data", path, g.t(id).name);
      g.inputs.push_back(id);
    }

    for (size_t k = 0; k < n_ops; ++k) {
      if (skip[k]) continue;
      op = sg->operators()->Get(uint32_t(k));
      const tflite::OperatorCode* oc = nullptr;
      try {
        oc = opcode_of(op);
      } catch (const Error& e) {
        fail("{}: operator {}: {}", path, k, e.what());
      }
      code = BuiltinOperator(builtin_code(oc));
      const int version = oc->version();
      try {
        if (max_version(code) == 0) fail("unsupported op");
        if (version < 1 || version > max_version(code)) fail("unsupported op version (supported: 1..{})", max_version(code));
        convert_op();
      } catch (const Error& e) {
        fail("{}: operator {} (op '{}', version {}): {}", path, k, op_code_name(oc), version, e.what());
      }
    }

    for (int32_t o : outs) {
      try {
        if (o < 0) fail("index {} is negative", o);
        g.outputs.push_back(tensor(o));
      } catch (const Error& e) {
        fail("{}: graph output: {}", path, e.what());
      }
      if (g.producer(g.outputs.back()) < 0) fail("{}: graph output '{}' is not computed by any operator", path, g.t(g.outputs.back()).name);
    }
    if (g.inputs.empty() || g.outputs.empty()) fail("{}: the model has no inputs or no outputs", path);
    g.prune();
    try {
      verify(g, "import");
    } catch (const Error& e) {
      fail("{}: {}", path, e.what());
    }
  }
};

}  // namespace

Graph import_tflite(const std::string& path) { return import_tflite_bytes(read_file(path), path); }

Graph import_tflite_bytes(const std::string& file, const std::string& path) {
  const std::vector<uint8_t> bytes(file.begin(), file.end());  // owned and aligned for FlatBuffers
  if (bytes.size() < 8) fail("{}: not a valid TFLite model (file too short: {} bytes)", path, bytes.size());
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) fail("{}: not a valid TFLite model (file too large)", path);
  if (!tflite::ModelBufferHasIdentifier(bytes.data())) fail("{}: not a TFLite model (file identifier is not 'TFL3')", path);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!tflite::VerifyModelBuffer(verifier)) fail("{}: not a valid TFLite model (flatbuffer verification failed)", path);
  Importer imp;
  imp.path = path;
  imp.model = tflite::GetModel(bytes.data());
  if (imp.model->version() != 3) fail("{}: TFLite schema version {} is not supported (expected 3)", path, imp.model->version());
  if (tflm::has_decode_ops(imp.model)) {  // TFLM's compressed format: import the decoded model
    // UnPackTo reads every int64 as an aligned load, and the object API copies a union by its
    // type even when its value is absent; the verifier checks neither.
    auto misaligned = [](const void* p) { return p && reinterpret_cast<uintptr_t>(p) % sizeof(int64_t) != 0; };
    if (imp.model->subgraphs())
      for (const tflite::SubGraph* sg : *imp.model->subgraphs())
        if (sg && sg->tensors())
          for (const tflite::Tensor* t : *sg->tensors()) {
            const tflite::QuantizationParameters* q = t ? t->quantization() : nullptr;
            if (!q) continue;
            if (q->zero_point() && misaligned(q->zero_point()->Data()))
              fail("{}: a tensor's int64 zero points are not 8-byte aligned", path);
            if (q->details_type() != tflite::QuantizationDetails::NONE && !q->details())
              fail("{}: a tensor's quantization names details of a type but holds none", path);
          }
    if (imp.model->buffers())
      for (const tflite::Buffer* b : *imp.model->buffers()) {
        const auto* tb = reinterpret_cast<const flatbuffers::Table*>(b);
        if (b && (misaligned(tb->GetAddressOf(tflite::Buffer::VT_OFFSET)) || misaligned(tb->GetAddressOf(tflite::Buffer::VT_SIZE))))
          fail("{}: a buffer's int64 offset or size is not 8-byte aligned", path);
      }
    tflite::ModelT m;
    imp.model->UnPackTo(&m);
    std::string decoded;
    try {
      tflm::expand_decode_ops(m);
      decoded = tflm::pack_model(m);
    } catch (const Error& e) {
      fail("{}: {}", path, e.what());
    }
    return import_tflite_bytes(decoded, path);
  }
  try {
    imp.run();
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind(path + ":", 0) == 0) throw;
    fail("{}: {}", path, msg);
  }
  return std::move(imp.g);
}

}  // namespace mote
