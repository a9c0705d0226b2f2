// Reading an ONNX file: the model, opset, initializers, graph inputs and outputs. The per-op
// conversion lives in onnx_ops.cpp, import-time constant folding in onnx_fold.cpp.
#include "frontend/onnx/onnx_import.h"
#include "util/file.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "frontend/onnx/onnx_internal.h"
#include "ir/op_registry.h"
#include "ir/verify.h"

namespace mote {
namespace onnx_import {

namespace {

template <typename T>
std::vector<T> raw_values(const onnx::TensorProto& t) {
  const std::string& raw = t.raw_data();
  if (raw.size() % sizeof(T)) fail("tensor '{}': raw_data of {} bytes is not a whole number of elements", t.name(), raw.size());
  std::vector<T> v(raw.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), raw.data(), raw.size());  // ONNX raw data is little-endian, as is the host
  return v;
}

template <typename From, typename To>
void append(std::vector<To>& dst, const From& src) {
  for (const auto& x : src) dst.push_back(To(x));
}

}  // namespace

Const const_from_proto(const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL || t.external_data_size() > 0)
    fail("tensor '{}': external data is not supported", t.name());
  if (t.has_segment()) fail("tensor '{}': segmented tensors are not supported", t.name());
  Const c;
  for (int64_t d : t.dims()) {
    if (d < 0) fail("tensor '{}': negative dimension {}", t.name(), d);
    c.shape.push_back(d);
  }
  check_shape(c.shape, "tensor '" + t.name() + "'");
  bool raw = t.has_raw_data();
  using TP = onnx::TensorProto;
  switch (t.data_type()) {
    case TP::FLOAT:
      if (raw) c.f = raw_values<float>(t);
      else append(c.f, t.float_data());
      break;
    case TP::DOUBLE:
      if (raw) append(c.f, raw_values<double>(t));
      else append(c.f, t.double_data());
      break;
    case TP::INT64:
      c.is_float = false;
      if (raw) c.i = raw_values<int64_t>(t);
      else append(c.i, t.int64_data());
      break;
    case TP::UINT64:
    case TP::UINT32:
      c.is_float = false;
      if (raw && t.data_type() == TP::UINT64) append(c.i, raw_values<uint64_t>(t));
      else if (raw) append(c.i, raw_values<uint32_t>(t));
      else append(c.i, t.uint64_data());
      break;
    case TP::INT32:
    case TP::INT16:
    case TP::INT8:
    case TP::UINT16:
    case TP::UINT8:
    case TP::BOOL:
      c.is_float = false;
      if (!raw) append(c.i, t.int32_data());
      else if (t.data_type() == TP::INT32) append(c.i, raw_values<int32_t>(t));
      else if (t.data_type() == TP::INT16) append(c.i, raw_values<int16_t>(t));
      else if (t.data_type() == TP::UINT16) append(c.i, raw_values<uint16_t>(t));
      else if (t.data_type() == TP::INT8) append(c.i, raw_values<int8_t>(t));
      else append(c.i, raw_values<uint8_t>(t));
      break;
    default:
      fail("tensor '{}': element type {} is not supported", t.name(), TP::DataType_Name(TP::DataType(t.data_type())));
  }
  size_t have = c.is_float ? c.f.size() : c.i.size();
  if (int64_t(have) != c.numel())
    fail("tensor '{}': {} values for shape {}", t.name(), have, shape_str(c.shape));
  return c;
}

const Const* Ctx::constant(const std::string& name) const {
  auto it = consts_.find(name);
  return it == consts_.end() ? nullptr : &it->second;
}

const Const& Ctx::need_const(const std::string& name, const std::string& what) const {
  const Const* c = constant(name);
  if (!c) {
    if (!defined(name)) fail("input '{}' is not defined before its use", name);
    fail("unsupported: {}", what);
  }
  return *c;
}

int Ctx::tensor(const std::string& name) {
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  const Const* c = constant(name);
  if (!c) fail("input '{}' is not defined before its use", name);
  if (!c->is_float) fail("unsupported: integer tensor '{}' used as a float operand", name);
  int id = g.add_const_f32(name, c->shape, c->f);
  ids_[name] = id;
  return id;
}

Shape Ctx::shape(const std::string& name) const {
  auto it = ids_.find(name);
  if (it != ids_.end()) return g.t(it->second).shape;
  const Const* c = constant(name);
  if (!c) fail("input '{}' is not defined before its use", name);
  return c->shape;
}

void Ctx::set_const(const std::string& name, Const c) {
  names_.insert(name);
  consts_[name] = std::move(c);
}

int Ctx::add_const(const std::string& base, const Const& c) {
  if (!c.is_float) fail("unsupported: integer constant '{}' used as a float operand", base);
  return g.add_const_f32(fresh(base), c.shape, c.f);
}

int Ctx::emit(OpKind op, std::vector<int> inputs, Attrs attrs, const std::string& out, const std::string& node) {
  names_.insert(out);
  check_attr_ints(attrs, "node '" + node + "'");
  // ArgMax's indices are int32; every other op's output is a float activation.
  int id = g.add_value(out, op_def(op).out_quant.kind == OutQuant::Index ? DType::I32 : DType::F32, {});
  Node& n = g.add_node(op, node, std::move(inputs), {id}, std::move(attrs));
  Shape s = infer_shape(g, n);
  check_shape(s, "node '" + node + "' output");
  Tensor& t = g.t(id);
  t.layout = s.size() == 4 ? Layout::NCHW : Layout::Any;
  t.shape = std::move(s);
  ids_[out] = id;
  return id;
}

std::string Ctx::fresh(const std::string& base) {
  std::string name = base;
  for (int k = 1; names_.count(name); ++k) name = base + "_" + std::to_string(k);
  names_.insert(name);
  return name;
}

namespace {

Shape input_shape(const onnx::ValueInfoProto& vi) {
  const auto& type = vi.type();
  if (!type.has_tensor_type()) fail("graph input '{}' is not a tensor", vi.name());
  const auto& tt = type.tensor_type();
  if (tt.elem_type() != onnx::TensorProto::FLOAT)
    fail("graph input '{}' has element type {}; only float32 inputs are supported", vi.name(),
         onnx::TensorProto::DataType_Name(onnx::TensorProto::DataType(tt.elem_type())));
  if (!tt.has_shape()) fail("graph input '{}' has no shape", vi.name());
  Shape s;
  for (int k = 0; k < tt.shape().dim_size(); ++k) {
    const auto& d = tt.shape().dim(k);
    if (d.has_dim_value() && d.dim_value() > 0) s.push_back(d.dim_value());
    else if (k == 0) s.push_back(1);  // symbolic batch: compile for one sample
    else fail("graph input '{}': dimension {} is not static ('{}')", vi.name(), k, d.dim_param());
  }
  check_shape(s, "graph input '" + vi.name() + "'");
  return s;
}

Graph convert(const onnx::GraphProto& gp, int opset, const std::string& fallback_name) {
  Ctx ctx;
  ctx.opset = opset;
  ctx.g.name = gp.name().empty() ? fallback_name : gp.name();
  if (gp.sparse_initializer_size() > 0) fail("sparse initializers are not supported");
  for (const auto& t : gp.initializer()) ctx.set_const(t.name(), const_from_proto(t));
  for (const auto& vi : gp.input()) ctx.reserve_name(vi.name());
  for (const auto& n : gp.node())
    for (const auto& o : n.output()) ctx.reserve_name(o);
  for (const auto& n : gp.node())
    for (const auto& i : n.input()) ctx.consumed.insert(i);
  for (const auto& o : gp.output()) ctx.consumed.insert(o.name());

  for (const auto& vi : gp.input()) {
    if (ctx.constant(vi.name())) continue;  // an initializer listed as input: a constant
    Shape s = input_shape(vi);
    const auto& dims = vi.type().tensor_type().shape();
    if (dims.dim_size() > 0 && !(dims.dim(0).has_dim_value() && dims.dim(0).dim_value() > 0)) ctx.symbolic_dim0.insert(vi.name());
    int id = ctx.g.add_value(vi.name(), DType::F32, s, s.size() == 4 ? Layout::NCHW : Layout::Any);
    ctx.set_value(vi.name(), id);
    ctx.g.inputs.push_back(id);
  }

  for (int k = 0; k < gp.node_size(); ++k) {
    const onnx::NodeProto& n = gp.node(k);
    ctx.node_name = n.name().empty() ? fmt::format("{}_{}", n.op_type(), k) : n.name();
    try {
      bool default_domain = n.domain().empty() || n.domain() == "ai.onnx";
      OpConverter conv = default_domain ? find_converter(n.op_type()) : nullptr;
      if (!conv) fail(default_domain ? "unsupported op" : "unsupported op (domain '{}')", n.domain());
      conv(ctx, n);
    } catch (const Error& e) {
      fail("node '{}' (op '{}', opset {}): {}", ctx.node_name, n.op_type(), opset, e.what());
    }
  }

  for (const auto& o : gp.output()) {
    if (!ctx.defined(o.name())) fail("graph output '{}' is never produced", o.name());
    ctx.g.outputs.push_back(ctx.tensor(o.name()));
  }
  ctx.g.prune();
  verify(ctx.g, "import");
  return std::move(ctx.g);
}

std::string stem(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace
}  // namespace onnx_import

Graph import_onnx(const std::string& path) { return import_onnx_bytes(read_file(path), path); }

Graph import_onnx_bytes(const std::string& bytes, const std::string& path) {
  onnx::ModelProto model;
  if (bytes.size() > size_t(INT_MAX) || !model.ParseFromArray(bytes.data(), int(bytes.size())))
    fail("{}: not a valid ONNX model (protobuf parse failed)", path);
  if (!model.has_graph()) fail("{}: not a valid ONNX model (no graph)", path);
  int opset = -1;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = int(o.version());
  if (opset < 0) fail("{}: not a valid ONNX model (no opset for the default domain)", path);
  if (opset < 11 || opset > 17) fail("{}: opset {} of the default domain is not supported (supported: 11..17)", path, opset);
  try {
    return onnx_import::convert(model.graph(), opset, onnx_import::stem(path));
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
}

}  // namespace mote
