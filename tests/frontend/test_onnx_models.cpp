// The PyTorch-exported models of tests/data/models (see manifest.json) all import and verify,
// with the expected interface, op counts and BatchNorm kept only in the bn_kept variants.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/array.h"
#include "ir/verify.h"
#include "onnx_builder.h"
#include "ref/executor.h"
#include "require.h"

namespace mote::test {
namespace {

const std::string kModels = std::string(MOTE_TEST_DATA) + "/models";

nlohmann::json manifest() {
  std::ifstream f(kModels + "/manifest.json");
  if (!f) return nullptr;
  return nlohmann::json::parse(f);
}

onnx::ModelProto read_proto(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  onnx::ModelProto m;
  if (!m.ParseFromString(bytes)) throw std::runtime_error("cannot parse " + path);
  return m;
}

int count_onnx(const onnx::ModelProto& m, const std::string& op) {
  int n = 0;
  for (const auto& node : m.graph().node()) n += node.op_type() == op;
  return n;
}

int count_ir(const Graph& g, OpKind op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op;
  return n;
}

TEST(OnnxModels, AllPyTorchExportsImport) {
  nlohmann::json man = manifest();
  MOTE_REQUIRE(!man.is_null()) << "no " << kModels << "/manifest.json";
  ASSERT_FALSE(man["files"].empty());
  int bn_kept_with_bn = 0;
  for (const auto& f : man["files"]) {
    std::string file = f["file"], path = kModels + "/" + file;
    SCOPED_TRACE(file);
    Graph g;
    try {
      g = import_onnx(path);
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    EXPECT_NO_THROW(verify(g, "test"));
    ASSERT_EQ(g.inputs.size(), 1u);
    ASSERT_EQ(g.outputs.size(), 1u);
    EXPECT_EQ(g.t(g.inputs[0]).name, f["input_name"].get<std::string>());
    EXPECT_EQ(g.t(g.inputs[0]).shape, f["input_shape"].get<Shape>());
    EXPECT_EQ(g.t(g.outputs[0]).name, f["output_name"].get<std::string>());
    EXPECT_EQ(g.t(g.outputs[0]).shape, f["output_shape"].get<Shape>());
    for (const Tensor& t : g.tensors) {
      EXPECT_EQ(t.dtype, DType::F32) << t.name;
      if (!t.is_const()) EXPECT_EQ(t.layout, t.shape.size() == 4 ? Layout::NCHW : Layout::Any) << t.name;
    }

    onnx::ModelProto m = read_proto(path);
    EXPECT_EQ(count_ir(g, OpKind::Conv), count_onnx(m, "Conv"));
    EXPECT_EQ(count_ir(g, OpKind::FullyConnected), count_onnx(m, "Gemm") + count_onnx(m, "MatMul"));
    EXPECT_EQ(count_ir(g, OpKind::MaxPool), count_onnx(m, "MaxPool"));
    EXPECT_EQ(count_ir(g, OpKind::AvgPool), count_onnx(m, "AveragePool"));
    int bn = count_ir(g, OpKind::BatchNorm);
    EXPECT_EQ(bn, count_onnx(m, "BatchNormalization"));
    std::string model = f["model"];
    bool has_bn = man["models"][model]["has_batchnorm"];
    if (f["variant"] == "bn_kept" && has_bn) {
      EXPECT_GT(bn, 0);
      ++bn_kept_with_bn;
    } else {
      EXPECT_EQ(bn, 0);
    }
  }
  EXPECT_GT(bn_kept_with_bn, 0);
}

TEST(OnnxModels, TruncatedRealModelRejected) {
  nlohmann::json man = manifest();
  MOTE_REQUIRE(!man.is_null()) << "no " << kModels << "/manifest.json";
  for (const auto& f : man["files"]) {
    std::string file = f["file"];
    std::ifstream in(kModels + "/" + file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string path = temp_path("half_" + file);
    write_bytes(path, bytes.substr(0, bytes.size() / 2));
    EXPECT_EQ(error_of([&] { import_onnx(path); }), path + ": not a valid ONNX model (protobuf parse failed)") << file;
  }
}

// Sample k of a stacked [samples, ...shape] array, as one array of `shape`.
Array sample(const Array& all, int64_t k, const Shape& shape) {
  Array a;
  a.dtype = all.dtype;
  a.shape = shape;
  size_t bytes = size_t(numel(shape)) * dtype_size(all.dtype);
  a.bytes.assign(all.bytes.begin() + ptrdiff_t(size_t(k) * bytes), all.bytes.begin() + ptrdiff_t(size_t(k + 1) * bytes));
  return a;
}

// The float reference executor on the imported graph reproduces PyTorch's outputs.
TEST(OnnxModels, FloatExecutionMatchesPyTorch) {
  nlohmann::json man = manifest();
  MOTE_REQUIRE(!man.is_null()) << "no " << kModels << "/manifest.json";
  int checked = 0;
  for (const auto& f : man["files"]) {
    std::string file = f["file"], model = f["model"];
    SCOPED_TRACE(file);
    Graph g = import_onnx(kModels + "/" + file);
    Array in = load_array(kModels + "/" + man["models"][model]["input_npy"].get<std::string>());
    Array want = load_array(kModels + "/" + man["models"][model]["output_npy"].get<std::string>());
    Shape in_shape = f["input_shape"], out_shape = f["output_shape"];
    int64_t samples = in.shape.at(0);
    ASSERT_EQ(in.numel(), samples * numel(in_shape));
    ASSERT_EQ(want.numel(), samples * numel(out_shape));
    for (int64_t k = 0; k < samples; ++k) {
      std::vector<Array> got = run_float(g, {sample(in, k, in_shape)});
      ASSERT_EQ(got.size(), 1u);
      Array ref = sample(want, k, out_shape);
      ASSERT_EQ(got[0].shape, out_shape);
      float max_ref = 0, max_diff = 0;
      for (int64_t i = 0; i < ref.numel(); ++i) {
        max_ref = std::max(max_ref, std::fabs(ref.as<float>()[i]));
        max_diff = std::max(max_diff, std::fabs(got[0].as<float>()[i] - ref.as<float>()[i]));
      }
      EXPECT_GT(max_ref, 0.0f);
      EXPECT_LE(max_diff, 1e-4f * max_ref) << "sample " << k;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace mote::test
