#include "ir/ir.h"

#include <algorithm>
#include <functional>
#include <set>

namespace mote {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::I8: return 1;
    case DType::U8: return 1;
    case DType::I32: return 4;
    case DType::I64: return 8;
    case DType::U16: return 2;
    case DType::I16: return 2;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "f32";
    case DType::I8: return "i8";
    case DType::U8: return "u8";
    case DType::I32: return "i32";
    case DType::I64: return "i64";
    case DType::U16: return "u16";
    case DType::I16: return "i16";
  }
  return "?";
}

const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Any: return "";
    case Layout::NCHW: return "NCHW";
    case Layout::NHWC: return "NHWC";
  }
  return "?";
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

void check_shape(const Shape& s, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) fail("{}: negative dimension in shape {}", what, shape_str(s));
    if (d > 0 && n > kMaxElements / d) fail("{}: shape {} has more than {} elements", what, shape_str(s), kMaxElements);
    n *= d;
  }
}

void check_attr_ints(const Attrs& a, const std::string& what) {
  auto check = [&](const std::string& k, int64_t v) {
    if (v > kMaxElements || v < -kMaxElements) fail("{}: attribute '{}' value {} is out of range", what, k, v);
  };
  for (const auto& [k, v] : a.all()) {
    if (const auto* i = std::get_if<int64_t>(&v)) check(k, *i);
    if (const auto* is = std::get_if<std::vector<int64_t>>(&v))
      for (int64_t x : *is) check(k, x);
  }
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

template <typename T>
static const T* attr_get(const std::map<std::string, AttrValue>& m, const std::string& k) {
  auto it = m.find(k);
  if (it == m.end()) return nullptr;
  const T* v = std::get_if<T>(&it->second);
  if (!v) fail("attribute '{}' has the wrong type", k);
  return v;
}

int64_t Attrs::i(const std::string& k, int64_t def) const {
  const int64_t* v = attr_get<int64_t>(m_, k);
  return v ? *v : def;
}
float Attrs::f(const std::string& k, float def) const {
  const float* v = attr_get<float>(m_, k);
  return v ? *v : def;
}
std::vector<int64_t> Attrs::ints(const std::string& k, std::vector<int64_t> def) const {
  const auto* v = attr_get<std::vector<int64_t>>(m_, k);
  return v ? *v : def;
}
std::vector<float> Attrs::floats(const std::string& k, std::vector<float> def) const {
  const auto* v = attr_get<std::vector<float>>(m_, k);
  return v ? *v : def;
}
std::string Attrs::s(const std::string& k, std::string def) const {
  const auto* v = attr_get<std::string>(m_, k);
  return v ? *v : def;
}

int Graph::add_tensor(Tensor t) {
  tensors.push_back(std::move(t));
  return int(tensors.size()) - 1;
}

int Graph::add_const(const std::string& nm, DType dtype, const Shape& shape, const void* data) {
  Tensor t;
  t.name = nm;
  t.dtype = dtype;
  t.shape = shape;
  t.data.resize(t.bytes());
  if (!t.data.empty()) std::memcpy(t.data.data(), data, t.data.size());
  return add_tensor(std::move(t));
}

int Graph::add_const_f32(const std::string& nm, const Shape& shape, const std::vector<float>& v) {
  if (int64_t(v.size()) != mote::numel(shape)) fail("constant '{}': {} values for shape {}", nm, v.size(), shape_str(shape));
  return add_const(nm, DType::F32, shape, v.data());
}

int Graph::add_value(const std::string& nm, DType dtype, const Shape& shape, Layout layout) {
  Tensor t;
  t.name = nm;
  t.dtype = dtype;
  t.shape = shape;
  t.layout = layout;
  return add_tensor(std::move(t));
}

Node& Graph::add_node(OpKind op, const std::string& nm, std::vector<int> ins, std::vector<int> outs, Attrs attrs) {
  Node n;
  n.op = op;
  n.name = nm;
  n.inputs = std::move(ins);
  n.outputs = std::move(outs);
  n.attrs = std::move(attrs);
  nodes.push_back(std::move(n));
  return nodes.back();
}

int Graph::find_tensor(const std::string& nm) const {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == nm) return int(i);
  return -1;
}

std::string Graph::unique_name(const std::string& base) const {
  std::set<std::string> used;
  for (const auto& t : tensors) used.insert(t.name);
  if (!used.count(base)) return base;
  for (int k = 1;; ++k) {
    std::string c = base + "_" + std::to_string(k);
    if (!used.count(c)) return c;
  }
}

int Graph::producer(int tensor) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    for (int o : nodes[i].outputs)
      if (o == tensor) return int(i);
  return -1;
}

std::vector<int> Graph::consumers(int tensor) const {
  std::vector<int> r;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (std::find(nodes[i].inputs.begin(), nodes[i].inputs.end(), tensor) != nodes[i].inputs.end())
      r.push_back(int(i));
  return r;
}

bool Graph::is_graph_output(int tensor) const {
  return std::find(outputs.begin(), outputs.end(), tensor) != outputs.end();
}

void Graph::replace_uses(int from, int to) {
  for (auto& n : nodes)
    for (int& i : n.inputs)
      if (i == from) i = to;
  for (int& o : outputs)
    if (o == from) {
      o = to;
      // The graph output keeps its user-visible name.
      if (tensors[size_t(to)].name != tensors[size_t(from)].name && producer(to) >= 0) {
        std::string keep = tensors[size_t(from)].name;
        tensors[size_t(from)].name = unique_name(keep + "_replaced");
        tensors[size_t(to)].name = keep;
      }
    }
}

void Graph::remove_nodes(const std::vector<bool>& dead) {
  if (dead.size() != nodes.size()) fail("graph '{}': {} removal flags for {} nodes", name, dead.size(), nodes.size());
  std::vector<Node> kept;
  for (size_t k = 0; k < nodes.size(); ++k)
    if (!dead[k]) kept.push_back(std::move(nodes[k]));
  nodes = std::move(kept);
  prune();
}

void Graph::prune() {
  // Mark live nodes backwards from the graph outputs.
  std::vector<bool> live_t(tensors.size(), false), live_n(nodes.size(), false);
  for (int o : outputs) live_t[size_t(o)] = true;
  for (size_t k = nodes.size(); k-- > 0;) {
    bool needed = false;
    for (int o : nodes[k].outputs) needed = needed || live_t[size_t(o)];
    if (!needed) continue;
    live_n[k] = true;
    for (int o : nodes[k].outputs) live_t[size_t(o)] = true;
    for (int i : nodes[k].inputs)
      if (i >= 0) live_t[size_t(i)] = true;
  }
  for (int i : inputs) live_t[size_t(i)] = true;

  std::vector<int> remap(tensors.size(), -1);
  std::vector<Tensor> kept;
  for (size_t i = 0; i < tensors.size(); ++i)
    if (live_t[i]) {
      remap[i] = int(kept.size());
      kept.push_back(std::move(tensors[i]));
    }
  tensors = std::move(kept);
  std::vector<Node> kept_nodes;
  for (size_t k = 0; k < nodes.size(); ++k)
    if (live_n[k]) kept_nodes.push_back(std::move(nodes[k]));
  nodes = std::move(kept_nodes);
  auto fix = [&](int& id) { if (id >= 0) id = remap[size_t(id)]; };
  for (auto& n : nodes) {
    for (int& i : n.inputs) fix(i);
    for (int& o : n.outputs) fix(o);
  }
  for (int& i : inputs) fix(i);
  for (int& o : outputs) fix(o);
}

void Graph::topo_sort() {
  std::vector<int> prod(tensors.size(), -1);
  for (size_t k = 0; k < nodes.size(); ++k)
    for (int o : nodes[k].outputs) prod[size_t(o)] = int(k);
  std::vector<int> state(nodes.size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<Node> order;
  std::function<void(size_t)> visit = [&](size_t k) {
    if (state[k] == 2) return;
    if (state[k] == 1) fail("graph has a cycle through node '{}'", nodes[k].name);
    state[k] = 1;
    for (int i : nodes[k].inputs)
      if (i >= 0 && prod[size_t(i)] >= 0) visit(size_t(prod[size_t(i)]));
    state[k] = 2;
    order.push_back(nodes[k]);
  };
  for (size_t k = 0; k < nodes.size(); ++k) visit(k);
  nodes = std::move(order);
}

}  // namespace mote
