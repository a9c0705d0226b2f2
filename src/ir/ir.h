// The mote graph IR: tensors (dtype, shape, layout, quantization, constant data) and nodes
// (one op from ops.def, tensor ids in and out, attributes). Nodes are kept in topological order.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "util/error.h"

namespace mote {

// U16: compile-time tables only (the recurrent kernels' sigmoid table).
enum class DType : uint8_t { F32, I8, U8, I32, I64, U16, I16 };
size_t dtype_size(DType t);
const char* dtype_name(DType t);

// Layout of a 4-D activation tensor; Any for everything else (weights, 2-D, ...).
enum class Layout : uint8_t { Any, NCHW, NHWC };
const char* layout_name(Layout l);

using Shape = std::vector<int64_t>;
int64_t numel(const Shape& s);
std::string shape_str(const Shape& s);
// The most elements a tensor read from a file may have (and the largest integer attribute):
// far beyond any microcontroller model, small enough that shape arithmetic cannot overflow
// int64 and that a constant of that size can still be allocated.
constexpr int64_t kMaxElements = int64_t(1) << 26;
// Fails with "WHAT: ..." on a negative dimension or more than kMaxElements elements.
void check_shape(const Shape& s, const std::string& what);

// real = scale * (q - zero_point). Per tensor: one scale, axis -1. Per channel: one scale per
// index of `axis`, zero points all 0 (TFLite int8 spec for weights).
struct QuantParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int axis = -1;
  bool empty() const { return scale.empty(); }
  bool per_channel() const { return axis >= 0; }
};

struct Tensor {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  Layout layout = Layout::Any;
  QuantParams quant;
  std::vector<uint8_t> data;  // row-major constant contents; empty for activations

  bool is_const() const { return !data.empty(); }
  int64_t numel() const { return mote::numel(shape); }
  size_t bytes() const { return size_t(numel()) * dtype_size(dtype); }
  template <typename T> const T* as() const { return reinterpret_cast<const T*>(data.data()); }
  template <typename T> T* as_mut() { return reinterpret_cast<T*>(data.data()); }
  template <typename T> std::vector<T> values() const {
    std::vector<T> v(static_cast<size_t>(this->numel()));
    std::memcpy(v.data(), data.data(), v.size() * sizeof(T));
    return v;
  }
};

enum class OpKind : uint16_t {
#define MOTE_OP(id, ...) id,
#define MOTE_ACT(id, ...) id,
#include "ir/ops.def"
  Count
};

using AttrValue = std::variant<int64_t, float, std::vector<int64_t>, std::vector<float>, std::string>;

class Attrs {
 public:
  bool has(const std::string& k) const { return m_.count(k) != 0; }
  int64_t i(const std::string& k, int64_t def) const;
  float f(const std::string& k, float def) const;
  std::vector<int64_t> ints(const std::string& k, std::vector<int64_t> def = {}) const;
  std::vector<float> floats(const std::string& k, std::vector<float> def = {}) const;
  std::string s(const std::string& k, std::string def = "") const;
  void set(const std::string& k, AttrValue v) { m_[k] = std::move(v); }
  void erase(const std::string& k) { m_.erase(k); }
  const std::map<std::string, AttrValue>& all() const { return m_; }

 private:
  std::map<std::string, AttrValue> m_;
};

// Fails with "WHAT: attribute 'K' ..." on an integer attribute beyond +-kMaxElements, so that
// shape inference on attributes read from a file cannot overflow.
void check_attr_ints(const Attrs& a, const std::string& what);

// Fused clamp activation: act_min/act_max attrs, default unbounded.
constexpr float kNoMin = -std::numeric_limits<float>::infinity();
constexpr float kNoMax = std::numeric_limits<float>::infinity();

struct Node {
  OpKind op = OpKind::Identity;
  std::string name;
  std::vector<int> inputs;   // tensor ids; -1 for an absent optional input
  std::vector<int> outputs;  // tensor ids (always one)
  Attrs attrs;
  int in(size_t k) const { return k < inputs.size() ? inputs[k] : -1; }
  int out() const { return outputs.at(0); }
};

struct Graph {
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;   // topological order
  std::vector<int> inputs;   // tensor ids of graph inputs
  std::vector<int> outputs;  // tensor ids of graph outputs

  int add_tensor(Tensor t);
  // A constant tensor; `data` is the row-major bytes of `dtype` elements.
  int add_const(const std::string& name, DType dtype, const Shape& shape, const void* data);
  int add_const_f32(const std::string& name, const Shape& shape, const std::vector<float>& v);
  // An activation tensor of the given dtype and shape.
  int add_value(const std::string& name, DType dtype, const Shape& shape, Layout layout = Layout::Any);
  Node& add_node(OpKind op, const std::string& name, std::vector<int> inputs, std::vector<int> outputs,
                 Attrs attrs = {});

  Tensor& t(int id) { return tensors.at(size_t(id)); }
  const Tensor& t(int id) const { return tensors.at(size_t(id)); }
  int find_tensor(const std::string& name) const;  // -1 if none
  std::string unique_name(const std::string& base) const;

  int producer(int tensor) const;                 // node index, -1 for inputs/constants
  std::vector<int> consumers(int tensor) const;   // node indices that read it
  bool is_graph_output(int tensor) const;
  // Replace every use of tensor `from` (node inputs and graph outputs) with `to`.
  void replace_uses(int from, int to);

  // Drop the nodes marked in `dead` (one flag per node), then prune().
  void remove_nodes(const std::vector<bool>& dead);
  // Drop nodes whose outputs nobody uses and tensors nobody references; renumbers tensor ids.
  void prune();
  // Re-sort nodes topologically (stable); throws on a cycle.
  void topo_sort();
};

}  // namespace mote
