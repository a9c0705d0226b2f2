// Builds small ONNX models in test code with the protobuf API and imports them from a file.
#pragma once
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "frontend/onnx/onnx_import.h"
#include "ir/ir.h"

namespace mote::test {

// A file in this process's scratch folder, removed when the test binary exits.
inline std::string temp_path(const std::string& file) {
  struct Scratch {
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("mote_frontend_" + std::to_string(getpid()));
    Scratch() { std::filesystem::create_directories(dir); }
    ~Scratch() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  };
  static Scratch scratch;
  return (scratch.dir / file).string();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

class ModelBuilder {
 public:
  explicit ModelBuilder(int opset = 13) {
    m_.set_ir_version(8);
    auto* o = m_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    g_ = m_.mutable_graph();
    g_->set_name("test");
  }

  // dims < 0 become symbolic dimensions.
  ModelBuilder& input(const std::string& name, const std::vector<int64_t>& dims, int elem = onnx::TensorProto::FLOAT) {
    auto* tt = g_->add_input()->mutable_type()->mutable_tensor_type();
    g_->mutable_input(g_->input_size() - 1)->set_name(name);
    tt->set_elem_type(elem);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d < 0) dim->set_dim_param("N");
      else dim->set_dim_value(d);
    }
    return *this;
  }
  ModelBuilder& output(const std::string& name) {
    g_->add_output()->set_name(name);
    return *this;
  }
  onnx::TensorProto& init_f(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
    auto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float x : v) t->add_float_data(x);
    return *t;
  }
  onnx::TensorProto& init_i(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v) {
    auto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t x : v) t->add_int64_data(x);
    return *t;
  }
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& ins, const std::vector<std::string>& outs,
                        const std::string& name = "") {
    auto* n = g_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : ins) n->add_input(i);
    for (const auto& o : outs) n->add_output(o);
    return *n;
  }
  onnx::ModelProto& model() { return m_; }
  onnx::GraphProto& graph() { return *g_; }

  std::string save(const std::string& file) {
    std::string path = temp_path(file);
    write_bytes(path, m_.SerializeAsString());
    return path;
  }
  Graph import(const std::string& file = "model.onnx") { return import_onnx(save(file)); }

 private:
  onnx::ModelProto m_;
  onnx::GraphProto* g_;
};

inline void set_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

// Message of the mote::Error thrown by `f`, "" if none.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The node writing tensor `name`; throws when there is none.
inline const Node& node_writing(const Graph& g, const std::string& name) {
  int t = g.find_tensor(name);
  int p = t < 0 ? -1 : g.producer(t);
  if (p < 0) throw std::runtime_error("no node writes '" + name + "'");
  return g.nodes[size_t(p)];
}

inline std::vector<float> iota_f(size_t n, float start = 0.0f, float step = 1.0f) {
  std::vector<float> v(n);
  for (size_t k = 0; k < n; ++k) v[k] = start + step * float(k);
  return v;
}

}  // namespace mote::test
