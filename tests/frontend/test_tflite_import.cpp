// The TFLite importer on the MLPerf Tiny models (expected values read from the files with
// `flatc --json` and decoded by hand) and on small models built here with the FlatBuffers API.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "driver/pipeline.h"
#include "frontend/tflite/tflite_import.h"
#include "ir/op_registry.h"
#include "ref/executor.h"
#include "formats/tflite/schema_generated.h"
#include "lower/fixedpoint.h"
#include "require.h"

namespace mote {
namespace {

namespace fs = std::filesystem;

fs::path model_path(const std::string& m) { return fs::path(MOTE_SHARED_DIR) / "models" / (m + ".tflite"); }

std::map<std::string, int> op_counts(const Graph& g) {
  std::map<std::string, int> r;
  for (const Node& n : g.nodes) r[op_name(n.op)]++;
  return r;
}

std::string error_of(const std::string& path) {
  try {
    import_tflite(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& bytes) {
    std::string t = (fs::temp_directory_path() / "mote-tfl-XXXXXX").string();
    int fd = ::mkstemp(t.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path = t + ".tflite";
    fs::rename(t, path);
    std::ofstream(path, std::ios::binary) << bytes;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

std::string file_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

const Node& node_writing(const Graph& g, const std::string& prefix) {
  for (const Node& n : g.nodes)
    if (g.t(n.out()).name.rfind(prefix, 0) == 0) return n;
  throw std::runtime_error("no node writes " + prefix);
}

TEST(TfliteImport, KwsRefModel) {
  const fs::path p = model_path("kws_ref_model");
  MOTE_REQUIRE(fs::exists(p)) << p << " is absent";
  const Graph g = import_tflite(p.string());
  EXPECT_EQ(g.name, "kws_ref_model");
  // 5 CONV_2D + 4 DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX.
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"Conv", 9}, {"AvgPool", 1}, {"Reshape", 1}, {"FullyConnected", 1}, {"Softmax", 1}}));
  const Tensor& in = g.t(g.inputs.at(0));
  EXPECT_EQ(in.name, "input_1");
  EXPECT_EQ(in.dtype, DType::I8);
  EXPECT_EQ(in.shape, (Shape{1, 49, 10, 1}));
  EXPECT_EQ(in.layout, Layout::NHWC);
  EXPECT_NEAR(in.quant.scale.at(0), 0.584703, 1e-6);
  EXPECT_EQ(in.quant.zero_point.at(0), 83);
  const Tensor& out = g.t(g.outputs.at(0));
  EXPECT_EQ(out.shape, (Shape{1, 12}));
  EXPECT_NEAR(out.quant.scale.at(0), 1.0 / 256, 1e-7);
  EXPECT_EQ(out.quant.zero_point.at(0), -128);

  // First conv: 10x4 filter, stride 2, SAME on 49x10 -> 25x5; pads (total 9 and 2) = 4,1,5,1.
  const Node& c0 = g.nodes.at(0);
  EXPECT_EQ(c0.op, OpKind::Conv);
  EXPECT_EQ(c0.attrs.ints("pads"), (std::vector<int64_t>{4, 1, 5, 1}));
  EXPECT_EQ(c0.attrs.ints("strides"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(c0.attrs.i("group", 0), 1);
  EXPECT_EQ(c0.attrs.f("act_min", kNoMin), 0.0f);
  EXPECT_EQ(c0.attrs.f("act_max", kNoMax), kNoMax);
  const Tensor& w0 = g.t(c0.in(1));
  EXPECT_EQ(w0.shape, (Shape{64, 10, 4, 1}));
  EXPECT_EQ(w0.quant.axis, 0);
  EXPECT_EQ(w0.quant.scale.size(), 64u);
  EXPECT_NEAR(w0.quant.scale[0], 0.001332, 1e-6);
  const Tensor& b0 = g.t(c0.in(2));
  EXPECT_EQ(b0.dtype, DType::I32);
  EXPECT_EQ(b0.as<int32_t>()[0], -164);  // bytes 5c ff ff ff
  EXPECT_EQ(b0.as<int32_t>()[1], -419);  // bytes 5d fe ff ff
  EXPECT_EQ(g.t(c0.out()).shape, (Shape{1, 25, 5, 64}));
  EXPECT_NEAR(g.t(c0.out()).quant.scale.at(0), 0.078725, 1e-6);

  // First depthwise: filter [1,3,3,64] per-channel on axis 3 -> OHWI [64,3,3,1] on axis 0.
  const Node& d1 = g.nodes.at(1);
  EXPECT_EQ(d1.attrs.i("group", 0), 64);
  EXPECT_EQ(d1.attrs.ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  const Tensor& w1 = g.t(d1.in(1));
  EXPECT_EQ(w1.shape, (Shape{64, 3, 3, 1}));
  EXPECT_EQ(w1.quant.axis, 0);
  EXPECT_NEAR(w1.quant.scale.at(1), 0.005173, 1e-6);
  // File bytes of tap (0,0) for channels 0..2: 42, 1, 193 (-63); channel c starts at c*9 now.
  EXPECT_EQ(w1.as<int8_t>()[0], 42);
  EXPECT_EQ(w1.as<int8_t>()[9], 1);
  EXPECT_EQ(w1.as<int8_t>()[18], -63);

  const Node& pool = g.nodes.at(9);
  EXPECT_EQ(pool.op, OpKind::AvgPool);
  EXPECT_EQ(pool.attrs.ints("kernel"), (std::vector<int64_t>{25, 5}));
  EXPECT_EQ(pool.attrs.ints("pads"), (std::vector<int64_t>{0, 0, 0, 0}));
}

TEST(TfliteImport, ResnetQuantAndFloat) {
  for (const char* m : {"pretrainedResnet_quant", "pretrainedResnet"}) {
    const fs::path p = model_path(m);
    MOTE_REQUIRE(fs::exists(p)) << p << " is absent";
    const Graph g = import_tflite(p.string());
    SCOPED_TRACE(m);
    EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"Conv", 9}, {"Add", 3}, {"AvgPool", 1}, {"Reshape", 1}, {"FullyConnected", 1}, {"Softmax", 1}}));
    const bool q = std::string(m) == "pretrainedResnet_quant";
    const Tensor& in = g.t(g.inputs.at(0));
    EXPECT_EQ(in.shape, (Shape{1, 32, 32, 3}));
    EXPECT_EQ(in.dtype, q ? DType::I8 : DType::F32);
    const Node& add = node_writing(g, q ? "model/activation_2/Relu;model/add/add" : "model/activation_2/Relu");
    EXPECT_EQ(add.op, OpKind::Add);
    EXPECT_EQ(add.attrs.f("act_min", kNoMin), 0.0f);
    if (q) {
      EXPECT_EQ(in.quant.scale.at(0), 1.0f);
      EXPECT_EQ(in.quant.zero_point.at(0), -128);
      EXPECT_NEAR(g.t(add.out()).quant.scale.at(0), 0.050946, 1e-6);
      EXPECT_EQ(g.t(add.out()).quant.zero_point.at(0), -128);
    } else {
      EXPECT_TRUE(g.t(add.out()).quant.empty());
    }
    // The strided 1x1 shortcut convs: stride 2, SAME with no padding needed.
    int strided_1x1 = 0;
    for (const Node& n : g.nodes)
      if (n.op == OpKind::Conv && g.t(n.in(1)).shape[1] == 1 && n.attrs.ints("strides")[0] == 2) {
        ++strided_1x1;
        EXPECT_EQ(n.attrs.ints("pads"), (std::vector<int64_t>{0, 0, 0, 0}));
      }
    EXPECT_EQ(strided_1x1, 2);
  }
}

TEST(TfliteImport, BadFilesGiveOneLineErrors) {
  EXPECT_NE(error_of("/nonexistent/m.tflite").find("/nonexistent/m.tflite: cannot open"), std::string::npos);
  const fs::path p = model_path("kws_ref_model");
  MOTE_REQUIRE(fs::exists(p)) << p << " is absent";
  const std::string good = file_bytes(p);

  TempFile truncated(good.substr(0, good.size() / 2));
  EXPECT_NE(error_of(truncated.path.string()).find("not a valid TFLite model (flatbuffer verification failed)"), std::string::npos);
  std::string magic = good;
  magic.replace(4, 4, "ONNX");
  TempFile wrong(magic);
  EXPECT_NE(error_of(wrong.path.string()).find("not a TFLite model (file identifier is not 'TFL3')"), std::string::npos);
  TempFile tiny("TFL");
  EXPECT_NE(error_of(tiny.path.string()).find("file too short"), std::string::npos);

  // Random bytes with the right identifier reach the verifier and must fail there.
  std::mt19937 rng(3);
  for (int k = 0; k < 20; ++k) {
    std::string r(64 + rng() % 4096, '\0');
    for (char& c : r) c = char(rng());
    r.replace(4, 4, "TFL3");
    TempFile f(r);
    const std::string e = error_of(f.path.string());
    EXPECT_NE(e, "") << "random file " << k << " imported";
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

// ---- small models built with the FlatBuffers API -----------------------------------------

struct TensorSpec {
  std::vector<int32_t> shape;
  tflite::TensorType type;
  float scale = 0;  // 0: no quantization
  int64_t zp = 0;
  std::vector<uint8_t> data;
};

struct OpSpec {
  tflite::BuiltinOperator code;
  int version;
  std::vector<int32_t> inputs, outputs;
};

std::string build_model(const std::vector<TensorSpec>& tensors, const std::vector<OpSpec>& ops,
                        const std::vector<int32_t>& ins, const std::vector<int32_t>& outs) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers{tflite::CreateBuffer(b)};
  std::vector<flatbuffers::Offset<tflite::Tensor>> ts;
  for (size_t k = 0; k < tensors.size(); ++k) {
    const TensorSpec& t = tensors[k];
    uint32_t buf = 0;
    if (!t.data.empty()) {
      buf = uint32_t(buffers.size());
      buffers.push_back(tflite::CreateBuffer(b, b.CreateVector(t.data)));
    }
    flatbuffers::Offset<tflite::QuantizationParameters> q;
    if (t.scale > 0) q = tflite::CreateQuantizationParameters(b, 0, 0, b.CreateVector(std::vector<float>{t.scale}), b.CreateVector(std::vector<int64_t>{t.zp}));
    ts.push_back(tflite::CreateTensor(b, b.CreateVector(t.shape), t.type, buf, b.CreateString("t" + std::to_string(k)), q));
  }
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<tflite::Operator>> os;
  for (const OpSpec& o : ops) {
    int32_t c = int32_t(o.code);
    codes.push_back(tflite::CreateOperatorCode(b, int8_t(std::min(c, 127)), 0, o.version, o.code));
    os.push_back(tflite::CreateOperator(b, uint32_t(codes.size() - 1), b.CreateVector(o.inputs), b.CreateVector(o.outputs)));
  }
  auto sg = tflite::CreateSubGraph(b, b.CreateVector(ts), b.CreateVector(ins), b.CreateVector(outs), b.CreateVector(os));
  auto model = tflite::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(std::vector<flatbuffers::Offset<tflite::SubGraph>>{sg}), 0, b.CreateVector(buffers));
  tflite::FinishModelBuffer(b, model);
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

TEST(TfliteImport, UnsupportedOpAndVersionAreNamed) {
  const std::vector<TensorSpec> ts = {{{1, 4}, tflite::TensorType::FLOAT32}, {{1, 4}, tflite::TensorType::FLOAT32}};
  TempFile s2d(build_model(ts, {{tflite::BuiltinOperator::SPACE_TO_DEPTH, 1, {0}, {1}}}, {0}, {1}));
  EXPECT_EQ(error_of(s2d.path.string()), s2d.path.string() + ": operator 0 (op 'SPACE_TO_DEPTH', version 1): unsupported op");
  TempFile relu9(build_model(ts, {{tflite::BuiltinOperator::RELU, 9, {0}, {1}}}, {0}, {1}));
  EXPECT_EQ(error_of(relu9.path.string()), relu9.path.string() + ": operator 0 (op 'RELU', version 9): unsupported op version (supported: 1..2)");
  // A code above 127 lives only in the wide builtin_code field.
  TempFile cumsum(build_model(ts, {{tflite::BuiltinOperator::CUMSUM, 1, {0}, {1}}}, {0}, {1}));
  EXPECT_EQ(error_of(cumsum.path.string()), cumsum.path.string() + ": operator 0 (op 'CUMSUM', version 1): unsupported op");
}

// float -> QUANTIZE -> int8 -> QUANTIZE (requantize) -> RELU -> DEQUANTIZE -> float: the outer
// pair goes, the graph is int8 in and out, and the requantize follows TFLM's formula.
TEST(TfliteImport, QuantizeDequantizeAtTheEdgesAndRequantizeInside) {
  const std::vector<TensorSpec> ts = {
      {{1, 8}, tflite::TensorType::FLOAT32},
      {{1, 8}, tflite::TensorType::INT8, 0.05f, 3},
      {{1, 8}, tflite::TensorType::INT8, 0.13f, -7},
      {{1, 8}, tflite::TensorType::INT8, 0.13f, -7},
      {{1, 8}, tflite::TensorType::FLOAT32},
  };
  const std::vector<OpSpec> ops = {{tflite::BuiltinOperator::QUANTIZE, 1, {0}, {1}},
                                   {tflite::BuiltinOperator::QUANTIZE, 2, {1}, {2}},
                                   {tflite::BuiltinOperator::RELU, 2, {2}, {3}},
                                   {tflite::BuiltinOperator::DEQUANTIZE, 2, {3}, {4}}};
  TempFile f(build_model(ts, ops, {0}, {4}));
  PipelineOptions opt;
  opt.model = f.path.string();
  const Pipeline p = run_pipeline(opt);
  ASSERT_TRUE(p.prequantized);
  const Graph& g = p.graph;
  EXPECT_EQ(g.t(g.inputs.at(0)).name, "t1");
  EXPECT_EQ(g.t(g.outputs.at(0)).name, "t3");
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"Quantize", 1}, {"Relu", 1}}));
  int32_t m = 0, shift = 0;
  quantize_multiplier(double(0.05f) / double(0.13f), &m, &shift);
  Array x;
  x.dtype = DType::I8;
  x.shape = {1, 8};
  for (int v : {-128, -100, -3, 0, 3, 50, 100, 127}) x.bytes.push_back(uint8_t(int8_t(v)));
  int q_node = -1;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    if (g.nodes[k].op == OpKind::Quantize) q_node = int(k);
  std::vector<int8_t> requantized;
  run_int8(g, lower(g, host_target()).calls, {x}, [&](int node, const Array& out) {
    if (node == q_node) requantized.assign(out.as<int8_t>(), out.as<int8_t>() + 8);
  });
  ASSERT_EQ(requantized.size(), 8u);
  for (size_t k = 0; k < 8; ++k) {
    int32_t want = -7 + multiply_by_quantized_multiplier(int32_t(int8_t(x.bytes[k])) - 3, m, shift);
    EXPECT_EQ(requantized[k], int8_t(std::clamp(want, -128, 127))) << "element " << k;
  }
}

TEST(TfliteImport, MixedFloatInt8IsRejected) {
  const std::vector<TensorSpec> ts = {{{1, 8}, tflite::TensorType::FLOAT32}, {{1, 8}, tflite::TensorType::INT8, 0.1f, 0}};
  TempFile f(build_model(ts, {{tflite::BuiltinOperator::RELU, 1, {0}, {1}}}, {0}, {1}));
  EXPECT_NE(error_of(f.path.string()).find("operator 0 (op 'RELU', version 1): input 't0' is f32 but the output 't1' is i8"), std::string::npos)
      << error_of(f.path.string());
}

}  // namespace
}  // namespace mote
