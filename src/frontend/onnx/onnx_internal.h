// Shared between the ONNX importer's files: import-time constants, the conversion context and
// the per-op conversion table. Not a contract header; only src/frontend/onnx includes it.
#pragma once
#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace mote::onnx_import {

// A value known at import time (weights, folded shape arithmetic). Floating-point ONNX types
// live in `f`; integer and bool types in `i`.
struct Const {
  bool is_float = true;
  Shape shape;
  std::vector<float> f;
  std::vector<int64_t> i;
  int64_t numel() const { return mote::numel(shape); }
  double at(int64_t k) const { return is_float ? double(f[size_t(k)]) : double(i[size_t(k)]); }
};

Const const_from_proto(const onnx::TensorProto& t);

// Import-time folding of constants (onnx_fold.cpp).
Const fold_binary(const Const& a, const Const& b, char op);  // op: + - * / with numpy broadcasting
Const fold_transpose(const Const& c, const std::vector<int64_t>& perm);
Const fold_gather(const Const& data, const Const& indices, int64_t axis);
Const fold_concat(const std::vector<const Const*>& parts, int64_t axis);
Const fold_slice(const Const& data, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                 const std::vector<int64_t>& axes, const std::vector<int64_t>& steps);
Const fold_cast(const Const& c, int onnx_type);
// `axis` in [-rank, rank) made non-negative; throws when out of range.
int64_t norm_axis(int64_t axis, size_t rank);

// State of one import: the graph being built and what every ONNX value name stands for.
class Ctx {
 public:
  Graph g;
  int opset = 0;
  std::string node_name;             // IR name of the node being converted
  std::set<std::string> consumed;    // value names read by some node or graph output
  std::set<std::string> symbolic_dim0;  // graph inputs whose symbolic dimension 0 became 1

  bool defined(const std::string& name) const { return consts_.count(name) || ids_.count(name); }
  // The import-time value of `name`, nullptr for activations.
  const Const* constant(const std::string& name) const;
  // As constant(), but throws "unsupported: <what>" when `name` is not constant.
  const Const& need_const(const std::string& name, const std::string& what) const;
  // The IR tensor for `name`; float constants become IR constants on first use.
  int tensor(const std::string& name);
  Shape shape(const std::string& name) const;

  void set_const(const std::string& name, Const c);
  void set_value(const std::string& name, int id) { ids_[name] = id; }
  // A new float IR constant with a name not used by any ONNX value.
  int add_const(const std::string& base, const Const& c);
  // Appends node `op` writing a new float activation `out`; infers its shape and layout.
  int emit(OpKind op, std::vector<int> inputs, Attrs attrs, const std::string& out, const std::string& node);
  std::string fresh(const std::string& base);
  void reserve_name(const std::string& name) { names_.insert(name); }

 private:
  std::map<std::string, Const> consts_;
  std::map<std::string, int> ids_;
  std::set<std::string> names_;
};

using OpConverter = void (*)(Ctx&, const onnx::NodeProto&);
// The conversion function for an op_type of the default domain, nullptr if unsupported.
OpConverter find_converter(const std::string& op_type);

}  // namespace mote::onnx_import
