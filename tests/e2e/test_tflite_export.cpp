// TFLite export round trip: an exported .tflite imports back to the same int8 graph (modulo the
// documented rewrites: per-channel FullyConnected as a 1x1 Conv between reshapes) and gives the
// same run_int8 outputs, byte for byte.
#include <gtest/gtest.h>

#include <map>

#include "require.h"
#include "backend/tflite/tflite_export.h"
#include "e2e_util.h"
#include "io/layout.h"
#include "ir/op_registry.h"
#include "quant/quantize.h"
#include "ref/executor.h"
#include "formats/tflite/schema_generated.h"
#include "tflite_e2e_util.h"

namespace mote {
namespace {

// Ops in order without the export's rewrites: Reshape, Pad (explicit conv/pool padding) and
// Quantize (concat inputs requantized) left out, FullyConnected read as Conv.
std::vector<std::string> op_sequence(const Graph& g) {
  std::vector<std::string> v;
  for (const Node& n : g.nodes)
    if (n.op != OpKind::Reshape && n.op != OpKind::Pad && n.op != OpKind::Quantize) v.push_back(n.op == OpKind::FullyConnected ? "Conv" : op_name(n.op));
  return v;
}

// Every constant int8 weight with its scales, in node order.
std::vector<std::pair<std::vector<uint8_t>, std::vector<float>>> weights(const Graph& g) {
  std::vector<std::pair<std::vector<uint8_t>, std::vector<float>>> v;
  for (const Node& n : g.nodes)
    if (n.op == OpKind::Conv || n.op == OpKind::FullyConnected) v.push_back({g.t(n.in(1)).data, g.t(n.in(1)).quant.scale});
  return v;
}

TEST(TfliteExport, RoundTripGivesSameGraphAndOutputs) {
  TempDir tmp;
  for (const ExportModel& m : export_models()) {
    SCOPED_TRACE(m.name);
    const Pipeline p = run_pipeline({m.onnx, m.calib});
    const std::string path = (tmp.path / (m.name + ".tflite")).string();
    export_tflite(p.graph, path);
    Pipeline r;
    try {
      r = run_pipeline({path, ""});
    } catch (const Error& e) {
      ADD_FAILURE() << "re-import failed: " << e.what();
      continue;
    }
    ASSERT_TRUE(r.prequantized);
    const Tensor &a_in = p.graph.t(p.graph.inputs[0]), &b_in = r.graph.t(r.graph.inputs[0]);
    const Tensor &a_out = p.graph.t(p.graph.outputs[0]), &b_out = r.graph.t(r.graph.outputs[0]);
    EXPECT_EQ(a_in.shape, b_in.shape);
    EXPECT_EQ(a_in.quant.scale, b_in.quant.scale);
    EXPECT_EQ(a_in.quant.zero_point, b_in.quant.zero_point);
    EXPECT_EQ(a_out.shape, b_out.shape);
    EXPECT_EQ(a_out.quant.scale, b_out.quant.scale);
    EXPECT_EQ(a_out.quant.zero_point, b_out.quant.zero_point);
    EXPECT_EQ(op_sequence(p.graph), op_sequence(r.graph));
    EXPECT_EQ(weights(p.graph), weights(r.graph));
    int64_t n = 0;
    const std::vector<int8_t> in = model_inputs(p, m.calib, 8, &n);
    const std::vector<int8_t> ya = run_samples(p.graph, in, n), yb = run_samples(r.graph, in, n);
    ASSERT_EQ(ya.size(), yb.size());
    int64_t diff = 0;
    for (size_t i = 0; i < ya.size(); ++i) diff += ya[i] != yb[i];
    EXPECT_EQ(diff, 0) << diff << " of " << ya.size() << " output bytes differ after the round trip";
  }
}

// The int8 and the float32 (no calibration) export alike.
TEST(TfliteExport, StoresTheMemoryPlanAsOfflineMemoryAllocation) {
  TempDir tmp;
  const ExportModel m = export_models()[0];
  for (const std::string& calib : {m.calib, std::string()}) {
    SCOPED_TRACE(calib.empty() ? "float32" : "int8");
    const Pipeline p = run_pipeline({m.onnx, calib});
    const std::string path = (tmp.path / "f.tflite").string();
    const MemoryPlan plan = export_tflite(p.graph, path);
    const std::string bytes = slurp(path);
    flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ASSERT_TRUE(tflite::VerifyModelBuffer(v));
    const tflite::Model* model = tflite::GetModel(bytes.data());
    EXPECT_EQ(model->version(), 3u);
    ASSERT_EQ(model->subgraphs()->size(), 1u);
    EXPECT_EQ(model->buffers()->Get(0)->data(), nullptr);
    const auto* tensors = model->subgraphs()->Get(0)->tensors();
    const tflite::Metadata* meta = nullptr;
    for (const tflite::Metadata* md : *model->metadata())
      if (md->name()->str() == "OfflineMemoryAllocation") meta = md;
    ASSERT_NE(meta, nullptr);
    const auto* data = model->buffers()->Get(meta->buffer())->data();
    ASSERT_EQ(data->size(), (3 + tensors->size()) * 4);
    std::vector<int32_t> w(data->size() / 4);
    std::memcpy(w.data(), data->data(), data->size());
    EXPECT_EQ(w[0], 1);
    EXPECT_EQ(w[1], 0);
    EXPECT_EQ(w[2], int32_t(tensors->size()));
    int planned = 0;
    for (size_t k = 0; k < tensors->size(); ++k) {
      const tflite::Tensor* t = tensors->Get(uint32_t(k));
      const int id = p.graph.find_tensor(t->name()->str());
      const bool is_const = model->buffers()->Get(t->buffer())->data() != nullptr;
      const int64_t want = id >= 0 && !is_const ? plan.tensor_offset[size_t(id)] : -1;
      EXPECT_EQ(w[3 + k], want) << t->name()->str();
      planned += w[3 + k] >= 0;
    }
    EXPECT_GE(planned, int(p.graph.nodes.size()));
    for (const tflite::OperatorCode* c : *model->operator_codes())
      EXPECT_EQ(int32_t(c->deprecated_builtin_code()), int32_t(c->builtin_code()));
  }
}

// TFLM's LSTM conformance case imported, exported and imported again still gives TFLM's bytes.
TEST(TfliteExport, LstmRoundTripKeepsTflmBytes) {
  const fs::path dir = fs::path(MOTE_SHARED_DIR) / "conformance" / "unidirectional_sequence_lstm_b1_t6";
  MOTE_REQUIRE(fs::exists(dir)) << dir << " is absent";
  TempDir tmp;
  const Pipeline p = run_pipeline({(dir / "model.tflite").string(), ""});
  const std::string path = (tmp.path / "lstm.tflite").string();
  export_tflite(p.graph, path);
  const Pipeline r = run_pipeline({path, ""});
  ASSERT_TRUE(r.prequantized);
  int lstms = 0;
  for (const Node& n : r.graph.nodes) lstms += n.op == OpKind::Lstm;
  EXPECT_EQ(lstms, 1);
  for (int k = 0; k < 4; ++k) {
    const std::string in = slurp(dir / fmt::format("in_{:02d}.bin", k)), want = slurp(dir / fmt::format("out_{:02d}.bin", k));
    const std::vector<int8_t> x(in.begin(), in.end());
    const std::vector<int8_t> y = run_samples(r.graph, x, 1);
    EXPECT_EQ(std::string(y.begin(), y.end()), want) << "sample " << k;
  }
}

// The models of the later ops, exported and imported again, give the same bytes on their own
// samples and random inputs. The rewritten ops come back as the ops TFLite wrote: HardSigmoid as
// Mul + Add, a reverse LSTM between two reversing Slices, a real Tile as Tile between Reshapes.
TEST(TfliteExport, OpModelsRoundTripByteForByte) {
  TempDir tmp;
  for (const ExportModel& m : op_export_models()) {
    SCOPED_TRACE(m.name);
    const Pipeline p = run_pipeline({m.onnx, m.calib});
    const std::string path = (tmp.path / (m.name + ".tflite")).string();
    try {
      export_tflite(p.graph, path);
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    const Pipeline r = run_pipeline({path, ""});
    ASSERT_TRUE(r.prequantized);
    std::map<std::string, int> before, after;
    for (const Node& n : p.graph.nodes) ++before[op_name(n.op)];
    for (const Node& n : r.graph.nodes) ++after[op_name(n.op)];
    for (const char* op : {"TransposeConv", "Resize", "Lstm", "Gather", "Tile", "Concat", "ReduceMean"}) EXPECT_EQ(before[op], after[op]) << op;
    EXPECT_EQ(before["Conv"] + before["FullyConnected"], after["Conv"] + after["FullyConnected"]);
    EXPECT_EQ(after["HardSigmoid"], 0);
    EXPECT_EQ(after["Mul"], before["Mul"] + before["HardSigmoid"]);
    // Two reversing Slices per reverse LSTM; one crop for tconv1d, whose pad 1 is not SAME's 0.
    int reverse_lstms = 0;
    for (const Node& n : p.graph.nodes) reverse_lstms += n.op == OpKind::Lstm && n.attrs.i("reverse", 0) != 0;
    EXPECT_EQ(after["Slice"], before["Slice"] + 2 * reverse_lstms + (m.name == "tconv1d" ? 1 : 0));
    int64_t n = 0;
    const std::vector<int8_t> in = model_inputs(p, m.calib, 8, &n);
    const std::vector<int8_t> ya = run_samples(p.graph, in, std::min<int64_t>(n, 40)), yb = run_samples(r.graph, in, std::min<int64_t>(n, 40));
    ASSERT_EQ(ya.size(), yb.size());
    int64_t diff = 0;
    for (size_t i = 0; i < ya.size(); ++i) diff += ya[i] != yb[i];
    EXPECT_EQ(diff, 0) << diff << " of " << ya.size() << " output bytes differ after the round trip";
    std::printf("[ export ] %s: %zu output bytes over %lld inputs equal after export and import\n", m.name.c_str(), ya.size(),
                (long long)std::min<int64_t>(n, 40));
  }
}

TEST(TfliteExport, UnsupportedNodesAreNamed) {
  TempDir tmp;
  // TFLite has no GRU and no LayerNorm, in int8 nor (no calibration) in float32.
  struct Case {
    std::string model, calib, want;
  };
  const std::string d = MOTE_TEST_DATA;
  for (const Case& c : {Case{d + "/rnn/gru_cls.onnx", d + "/rnn/calib_x.npy", "node '/rnn/GRU' (Gru): TFLite has no GRU operator"},
                        Case{d + "/resample/attention.onnx", d + "/resample/attention_input.npy", "(LayerNorm): has no TFLite int8 equivalent"},
                        Case{d + "/rnn/gru_cls.onnx", "", "node '/rnn/GRU' (Gru): TFLite has no GRU operator"},
                        Case{d + "/resample/attention.onnx", "", "(LayerNorm): has no TFLite float32 equivalent"}}) {
    SCOPED_TRACE(c.model);
    const Pipeline q = run_pipeline({c.model, c.calib});
    try {
      export_tflite(q.graph, (tmp.path / "r.tflite").string());
      ADD_FAILURE() << c.model << " exported";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.want), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(tmp.path / "r.tflite"));
  }
}

// The TFLM conformance cases of the ops the exporter writes since the kernels-b ops, and of the
// resampling, slicing, gather, broadcast, batch matmul and transpose conv ops: imported,
// exported and imported again, the graph has the same ops and still gives TFLM's bytes on all
// four inputs of each case.
TEST(TfliteExport, ConformanceOpsRoundTripKeepTflmBytes) {
  const fs::path dir = fs::path(MOTE_SHARED_DIR) / "conformance";
  MOTE_REQUIRE(fs::exists(dir)) << dir << " is absent";
  TempDir tmp;
  for (const char* c : {"abs", "div_broadcast", "elu", "log_softmax", "maximum_broadcast", "minimum_same_shape",
                        "prelu_per_channel", "reduce_max_hw", "rsqrt", "squared_difference_broadcast", "sum_hw_keepdims",
                        "resize_nearest_default", "resize_nearest_half_pixel", "resize_nearest_align_corners",
                        "resize_bilinear_default", "resize_bilinear_half_pixel", "resize_bilinear_align_corners",
                        "strided_slice_s2", "strided_slice_masks_neg", "slice_4d", "gather_axis0", "gather_axis1",
                        "broadcast_to_3d", "batch_matmul_const_rhs", "transpose_conv_3x3_s2_same_bias",
                        "transpose_conv_4x4_s2_same_bias", "transpose_conv_3x3_s2_valid_bias"}) {
    SCOPED_TRACE(c);
    const Pipeline p = run_pipeline({(dir / c / "model.tflite").string(), ""});
    const std::string path = (tmp.path / (std::string(c) + ".tflite")).string();
    export_tflite(p.graph, path);
    const Pipeline r = run_pipeline({path, ""});
    EXPECT_EQ(op_sequence(p.graph), op_sequence(r.graph));
    for (int k = 0; k < 4; ++k) {
      const std::string x = slurp(dir / c / fmt::format("in_{:02d}.bin", k)), want = slurp(dir / c / fmt::format("out_{:02d}.bin", k));
      const std::vector<int8_t> in(x.begin(), x.end()), y = run_samples(r.graph, in, 1);
      EXPECT_EQ(std::string(y.begin(), y.end()), want) << "input " << k;
    }
  }
}

}  // namespace
}  // namespace mote

namespace mote {
namespace {

std::vector<uint8_t> run_bytes(const Graph& g, const Array& q, int64_t n) {
  const Tensor& t = g.t(g.inputs[0]);
  const size_t per = size_t(t.bytes());
  std::vector<uint8_t> out;
  for (int64_t s = 0; s < n; ++s) {
    Array a;
    a.dtype = t.dtype;
    a.shape = t.shape;
    a.bytes.assign(q.bytes.begin() + long(size_t(s) * per), q.bytes.begin() + long(size_t(s + 1) * per));
    const Array y = run_int8(g, lower(g, host_target()).calls, {a}).at(0);
    out.insert(out.end(), y.bytes.begin(), y.bytes.end());
  }
  return out;
}

// A 16x8 model (int16 activations with zero point 0, int8 weights, int64 biases) exported and
// imported again: int16 tensors and int64 biases in the file, the same ops and weights, and
// run_int8's bytes on the held-out images and random codes, also after a second round trip.
TEST(TfliteExport, Autoencoder16x8RoundTripByteForByte) {
  TempDir tmp;
  const std::string d = std::string(MOTE_TEST_DATA) + "/resample/";
  PipelineOptions opt;
  opt.model = d + "upsample_ae.onnx";
  opt.calib = d + "upsample_ae_calib.npy";
  opt.activations = DType::I16;
  const Pipeline p = run_pipeline(opt);
  const std::string path = (tmp.path / "ae16.tflite").string(), again = (tmp.path / "again.tflite").string();
  export_tflite(p.graph, path);
  const std::string file = slurp(path);
  const tflite::Model* model = tflite::GetModel(file.data());
  int int16 = 0, int64 = 0;
  for (const tflite::Tensor* t : *model->subgraphs()->Get(0)->tensors()) {
    int16 += t->type() == tflite::TensorType::INT16;
    int64 += t->type() == tflite::TensorType::INT64;
  }
  EXPECT_GE(int16, 8);      // input, output and every activation between
  EXPECT_EQ(int64, 5);      // the biases of four convs and the transpose conv
  const Pipeline r = run_pipeline({path, ""});
  ASSERT_TRUE(r.prequantized);
  ASSERT_TRUE(r.quantized());
  EXPECT_EQ(r.graph.t(r.graph.inputs[0]).dtype, DType::I16);
  EXPECT_EQ(r.graph.t(r.graph.inputs[0]).quant.scale, p.graph.t(p.graph.inputs[0]).quant.scale);
  EXPECT_EQ(op_sequence(p.graph), op_sequence(r.graph));
  EXPECT_EQ(weights(p.graph), weights(r.graph));

  Array x = quantize_input(p.graph, to_graph_layout(p.imported, load_array(d + "upsample_ae_input.npy"), "upsample_ae"));
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> codes(-32768, 32767);
  const int64_t per = p.graph.t(p.graph.inputs[0]).numel(), n = x.shape[0] + 4;
  for (int64_t k = 0; k < 4 * per; ++k) {
    const int16_t v = int16_t(codes(rng));
    x.bytes.insert(x.bytes.end(), reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + 2);
  }
  const std::vector<uint8_t> ya = run_bytes(p.graph, x, n), yb = run_bytes(r.graph, x, n);
  ASSERT_EQ(ya.size(), size_t(n * per * 2));
  EXPECT_TRUE(ya == yb) << "the re-imported 16x8 model gives other bytes";
  // A second round trip (its explicit PADs are now nodes of their own) keeps the bytes too.
  export_tflite(r.graph, again);
  EXPECT_TRUE(run_bytes(run_pipeline({again, ""}).graph, x, n) == ya) << "the second round trip gives other bytes";
}

}  // namespace
}  // namespace mote
