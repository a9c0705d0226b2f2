// Float32 TFLite export: a float graph (no calibration data) written as a float32 .tflite, read
// back by mote's importer, gives run_float's outputs of the original graph within float
// rounding. (What TFLite cannot express: TfliteExport.UnsupportedNodesAreNamed.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "backend/tflite/tflite_export.h"
#include "e2e_util.h"
#include "formats/tflite/schema_generated.h"
#include "io/layout.h"
#include "ir/op_registry.h"
#include "ref/executor.h"
#include "require.h"
#include "tflite_e2e_util.h"

namespace mote {
namespace {

// Up to `own` of the model's samples then `random` standard-normal ones, in the canonical
// graph's layout, one Array each.
std::vector<Array> float_inputs(const Pipeline& p, const std::string& samples, int64_t own, int random) {
  const Array all = to_graph_layout(p.imported, load_array(samples), "samples");
  const Tensor& in = p.graph.t(p.graph.inputs[0]);
  const int64_t per = in.numel(), n = std::min<int64_t>(own, all.numel() / per);
  std::vector<Array> v;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t s = 0; s < n + random; ++s) {
    Array a;
    a.dtype = DType::F32;
    a.shape = in.shape;
    a.bytes.resize(size_t(per) * sizeof(float));
    for (int64_t i = 0; i < per; ++i) a.as_mut<float>()[i] = s < n ? all.as<float>()[s * per + i] : normal(rng);
    v.push_back(std::move(a));
  }
  return v;
}

// max |a - b| over max |a|: the distance relative to the output's magnitude (int32 indices:
// 0 when equal, else 1).
double relative_error(const Array& a, const Array& b) {
  if (a.dtype == DType::I32) return a.bytes == b.bytes ? 0.0 : 1.0;
  double diff = 0, mag = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    diff = std::max(diff, std::fabs(double(a.as<float>()[i]) - b.as<float>()[i]));
    mag = std::max(mag, std::fabs(double(a.as<float>()[i])));
  }
  return diff / std::max(mag, 1e-30);
}

const tflite::Model* parse(const std::string& bytes) {
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!tflite::VerifyModelBuffer(v)) return nullptr;
  return tflite::GetModel(bytes.data());
}

// `g` exported to `path`: how many of each builtin the file holds (none if it does not verify).
std::map<std::string, int> exported_ops(const Graph& g, const std::string& path) {
  export_tflite(g, path);
  const std::string bytes = slurp(path);
  std::map<std::string, int> ops;
  if (const tflite::Model* model = parse(bytes))
    for (const tflite::Operator* o : *model->subgraphs()->Get(0)->operators())
      ++ops[tflite::EnumNameBuiltinOperator(model->operator_codes()->Get(o->opcode_index())->builtin_code())];
  return ops;
}

// The bound the round trip holds: float32 rounding of sums taken in another order (a bias
// added once instead of Wb + Rb, HardSigmoid's alpha x + beta in float instead of double).
constexpr double kBound = 1e-6;

TEST(TfliteFloatExport, RoundTripKeepsRunFloatOutputs) {
  TempDir tmp;
  for (const ExportModel& m : float_export_models()) {
    SCOPED_TRACE(m.name);
    const Pipeline p = run_pipeline({m.onnx, ""});
    ASSERT_FALSE(p.quantized());
    const std::string path = (tmp.path / (m.name + ".tflite")).string();
    export_tflite(p.graph, path);  // throws naming the node: the test fails with that line
    const std::string bytes = slurp(path);
    const tflite::Model* model = parse(bytes);
    ASSERT_NE(model, nullptr);
    // Float tensors only, besides the int32 shape / axis / index operands; nothing quantized.
    int floats = 0;
    for (const tflite::Tensor* t : *model->subgraphs()->Get(0)->tensors()) {
      EXPECT_TRUE(t->type() == tflite::TensorType::FLOAT32 || t->type() == tflite::TensorType::INT32) << t->name()->str();
      EXPECT_TRUE(!t->quantization() || !t->quantization()->scale() || t->quantization()->scale()->size() == 0) << t->name()->str();
      floats += t->type() == tflite::TensorType::FLOAT32;
    }
    EXPECT_GT(floats, int(p.graph.nodes.size()));
    const Pipeline r = run_pipeline({path, ""});
    ASSERT_FALSE(r.quantized());
    EXPECT_EQ(r.graph.t(r.graph.inputs[0]).shape, p.graph.t(p.graph.inputs[0]).shape);
    EXPECT_EQ(r.graph.t(r.graph.outputs[0]).shape, p.graph.t(p.graph.outputs[0]).shape);
    std::map<std::string, int> before, after;
    for (const Node& n : p.graph.nodes) ++before[op_name(n.op)];
    for (const Node& n : r.graph.nodes) ++after[op_name(n.op)];
    for (const char* op : {"Conv", "TransposeConv", "Lstm", "Gather", "Softmax", "AvgPool", "MaxPool", "ReduceMean"}) EXPECT_EQ(before[op], after[op]) << op;
    EXPECT_EQ(after["HardSigmoid"], 0);  // MUL + ADD + MINIMUM
    double worst = 0;
    for (const Array& x : float_inputs(p, m.calib, 4, 4)) {
      const Array ya = run_float(p.graph, {x}).at(0), yb = run_float(r.graph, {x}).at(0);
      ASSERT_EQ(ya.shape, yb.shape);
      worst = std::max(worst, relative_error(ya, yb));
    }
    EXPECT_LE(worst, kBound);
    std::printf("[ float export ] %s: %zu ops, outputs within %.2g of run_float's (relative to max |y|) on 8 inputs\n", m.name.c_str(),
                r.graph.nodes.size(), worst);
  }
}

// The demo model's file: float op versions, weights as the graph's float32 values (its memory
// plan: TfliteExport.StoresTheMemoryPlanAsOfflineMemoryAllocation).
TEST(TfliteFloatExport, DemoFileHasFloatOpVersionsAndWeights) {
  TempDir tmp;
  const ExportModel m = export_models()[0];
  const Pipeline p = run_pipeline({m.onnx, ""});
  const std::string path = (tmp.path / "fashion_f32.tflite").string();
  export_tflite(p.graph, path);
  const std::string bytes = slurp(path);
  const tflite::Model* model = parse(bytes);
  ASSERT_NE(model, nullptr);
  for (const tflite::OperatorCode* c : *model->operator_codes())
    if (c->builtin_code() != tflite::BuiltinOperator::RESHAPE) EXPECT_EQ(c->version(), 1) << tflite::EnumNameBuiltinOperator(c->builtin_code());
  int weights = 0;
  for (const tflite::Tensor* t : *model->subgraphs()->Get(0)->tensors()) {
    const int id = p.graph.find_tensor(t->name()->str());
    const auto* buf = model->buffers()->Get(t->buffer())->data();
    if (id >= 0 && buf && t->type() == tflite::TensorType::FLOAT32 && t->shape()->size() == 4) {
      ++weights;  // a conv filter, OHWI as the graph holds it (the demo has no depthwise conv)
      EXPECT_EQ(std::string(buf->begin(), buf->end()), std::string(p.graph.t(id).data.begin(), p.graph.t(id).data.end())) << t->name()->str();
    }
  }
  EXPECT_GE(weights, 2);
}

// A depthwise conv's filter is reordered OHWI [C][kh][kw][1] -> [1][kh][kw][C] element by
// element (4 bytes each): dscnn's depthwise convs run the same after the round trip (above),
// and here the filter's values land where TFLite reads them.
TEST(TfliteFloatExport, DepthwiseFilterIsReorderedByElement) {
  TempDir tmp;
  const std::string d = MOTE_TEST_DATA;
  const Pipeline p = run_pipeline({d + "/models/dscnn_opset13_folded.onnx", ""});
  const std::string path = (tmp.path / "dscnn.tflite").string();
  export_tflite(p.graph, path);
  const std::string bytes = slurp(path);
  const tflite::Model* model = parse(bytes);
  ASSERT_NE(model, nullptr);
  const tflite::SubGraph* sg = model->subgraphs()->Get(0);
  int checked = 0;
  for (const tflite::Operator* o : *sg->operators()) {
    if (model->operator_codes()->Get(o->opcode_index())->builtin_code() != tflite::BuiltinOperator::DEPTHWISE_CONV_2D) continue;
    const tflite::Tensor* ft = sg->tensors()->Get(uint32_t(o->inputs()->Get(1)));
    const Tensor& w = p.graph.t(p.graph.find_tensor(ft->name()->str()));
    const auto* buf = model->buffers()->Get(ft->buffer())->data();
    const int64_t c = w.shape[0], taps = w.shape[1] * w.shape[2];
    ASSERT_EQ(int64_t(buf->size()), c * taps * 4);
    const float* got = reinterpret_cast<const float*>(buf->data());
    const std::vector<float> want = w.values<float>();
    for (int64_t o2 = 0; o2 < c; ++o2)
      for (int64_t k = 0; k < taps; ++k) ASSERT_EQ(got[k * c + o2], want[size_t(o2 * taps + k)]) << "channel " << o2 << " tap " << k;
    ++checked;
  }
  EXPECT_GE(checked, 1);
}

// The float MLPerf ResNet (a float .tflite from TensorFlow's converter) imported and written
// again by mote: the same outputs on its golden inputs, and the same op versions as the
// converter's file where both have the op.
TEST(TfliteFloatExport, MlperfFloatResnetReExport) {
  const std::string shared = MOTE_SHARED_DIR, original = shared + "/models/pretrainedResnet.tflite";
  MOTE_REQUIRE(fs::exists(original)) << original << " is absent";
  TempDir tmp;
  const Pipeline p = run_pipeline({original, ""});
  ASSERT_FALSE(p.quantized());
  const std::string path = (tmp.path / "resnet_f32.tflite").string();
  export_tflite(p.graph, path);
  const Pipeline r = run_pipeline({path, ""});
  double worst = 0;
  for (int k = 0; k < 8; ++k) {
    const std::string b = slurp(shared + "/golden/pretrainedResnet/in_0" + std::to_string(k) + ".bin");
    Array x;
    x.shape = p.graph.t(p.graph.inputs[0]).shape;
    ASSERT_EQ(b.size(), size_t(numel(x.shape)) * 4);
    x.bytes.assign(b.begin(), b.end());
    worst = std::max(worst, relative_error(run_float(p.graph, {x}).at(0), run_float(r.graph, {x}).at(0)));
  }
  EXPECT_LE(worst, kBound);
  auto versions = [](const std::string& bytes) {
    std::map<tflite::BuiltinOperator, int> v;
    for (const tflite::OperatorCode* c : *parse(bytes)->operator_codes()) {
      const auto code = tflite::BuiltinOperator(std::max(int32_t(c->deprecated_builtin_code()), int32_t(c->builtin_code())));
      v[code] = c->version();
    }
    return v;
  };
  const auto theirs = versions(slurp(original)), ours = versions(slurp(path));
  int shared_ops = 0;
  for (const auto& [code, v] : ours) {
    if (!theirs.count(code)) continue;
    ++shared_ops;
    EXPECT_EQ(v, theirs.at(code)) << tflite::EnumNameBuiltinOperator(code);
  }
  EXPECT_GE(shared_ops, 3);
  std::printf("[ float export ] pretrainedResnet.tflite re-exported: outputs within %.2g, %d ops at the converter's versions\n", worst,
              shared_ops);
}

// The float-only builtins (NEG, SQRT, EXP, LOG, GELU, POW; SiLU as LOGISTIC + MUL) and ARG_MAX,
// each on one graph output, run as before after the round trip; an ArgMax keeping its axis
// (TFLite's drops it) is refused, naming the node.
TEST(TfliteFloatExport, FloatOnlyOpsRoundTrip) {
  TempDir tmp;
  Graph g;
  g.name = "float_ops";
  const Shape s = {1, 3, 3, 4};
  const int x = g.add_value("x", DType::F32, s, Layout::NHWC);
  const int ax = g.add_value("abs_x", DType::F32, s, Layout::NHWC);
  g.add_node(OpKind::Abs, "abs", {x}, {ax});
  auto unary = [&](OpKind op, const std::string& name, int from) {
    const int y = g.add_value(name + "_y", DType::F32, s, Layout::NHWC);
    g.add_node(op, name, {from}, {y});
    g.outputs.push_back(y);
  };
  unary(OpKind::Neg, "neg", x);
  unary(OpKind::Sqrt, "sqrt", ax);
  unary(OpKind::Exp, "exp", x);
  unary(OpKind::Log, "log", ax);
  unary(OpKind::Gelu, "gelu", x);
  unary(OpKind::Silu, "silu", x);
  const int pw = g.add_value("pow_y", DType::F32, s, Layout::NHWC);
  g.add_node(OpKind::Pow, "pow", {ax, g.add_const_f32("exponent", {1}, {1.5f})}, {pw});
  g.outputs.push_back(pw);
  const int am = g.add_value("argmax_y", DType::I32, {1, 3, 3});
  Attrs a;
  a.set("axis", int64_t(3));
  a.set("keepdims", int64_t(0));
  g.add_node(OpKind::ArgMax, "argmax", {x}, {am}, a);
  g.outputs.push_back(am);
  g.inputs = {x};
  const std::string path = (tmp.path / "ops.tflite").string();
  const std::map<std::string, int> ops = exported_ops(g, path);
  EXPECT_EQ(ops, (std::map<std::string, int>{{"ABS", 1}, {"NEG", 1}, {"SQRT", 1}, {"EXP", 1}, {"LOG", 1}, {"GELU", 1}, {"LOGISTIC", 1},
                                               {"MUL", 1}, {"POW", 1}, {"ARG_MAX", 1}}));
  const Pipeline r = run_pipeline({path, ""});
  ASSERT_EQ(r.graph.outputs.size(), g.outputs.size());
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (int k = 0; k < 4; ++k) {
    Array in;
    in.shape = s;
    for (int64_t i = 0; i < numel(s); ++i) {
      const float v = normal(rng);
      in.bytes.insert(in.bytes.end(), reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + 4);
    }
    const std::vector<Array> want = run_float(g, {in}), got = run_float(r.graph, {in});
    for (size_t o = 0; o < want.size(); ++o) EXPECT_LE(relative_error(want[o], got[o]), kBound) << g.t(g.outputs[o]).name;
  }
  Node& keep = g.nodes.back();
  keep.attrs.set("keepdims", int64_t(1));
  g.t(am).shape = {1, 3, 3, 1};
  try {
    export_tflite(g, (tmp.path / "keep.tflite").string());
    ADD_FAILURE() << "keepdims exported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'argmax' (ArgMax): keepdims 1"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp.path / "keep.tflite"));
}

// Clamps no TFLite activation gives (the int8 export matches one by its int8 range instead):
// a Conv's fused [-2, 2] and a Clip to [0.5, inf) are written as MAXIMUM / MINIMUM with
// constants, and run as before.
TEST(TfliteFloatExport, OtherClampsAreMaximumMinimum) {
  TempDir tmp;
  Graph g;
  g.name = "clamped";
  const int x = g.add_value("x", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  const int w = g.add_const_f32("w", {2, 1, 1, 2}, {3, 0, 0, -3});  // OHWI
  const int y = g.add_value("y", DType::F32, {1, 4, 4, 2}, Layout::NHWC), z = g.add_value("z", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  Attrs a, c;
  a.set("act_min", -2.0f);
  a.set("act_max", 2.0f);
  g.add_node(OpKind::Conv, "conv_clamped", {x, w}, {y}, a);
  c.set("min", 0.5f);
  g.add_node(OpKind::Clip, "clip_half", {y}, {z}, c);
  g.inputs = {x};
  g.outputs = {z};
  const std::string path = (tmp.path / "c.tflite").string();
  const std::map<std::string, int> ops = exported_ops(g, path);
  EXPECT_EQ(ops, (std::map<std::string, int>{{"CONV_2D", 1}, {"MAXIMUM", 2}, {"MINIMUM", 1}}));
  const Pipeline r = run_pipeline({path, ""});
  Array in;
  in.shape = {1, 4, 4, 2};
  for (int k = 0; k < 32; ++k) {
    const float v = float(k - 16) / 8.0f;  // -2 .. 1.875: below, inside and above each clamp after the x3 weights
    in.bytes.insert(in.bytes.end(), reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + 4);
  }
  const Array want = run_float(g, {in}).at(0), got = run_float(r.graph, {in}).at(0);
  EXPECT_EQ(got.bytes, want.bytes);
  const std::vector<float> v(want.as<float>(), want.as<float>() + want.numel());
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), 0.5f);
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 2.0f);
}

}  // namespace
}  // namespace mote
