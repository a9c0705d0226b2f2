// TFLM's compressed format (TFLM_DECODE operators): a compressed file is smaller than the plain
// one, imports back to byte-identical weights and gives identical output bytes; damaged
// ancillary or encoded data is a clear error; a model with nothing to gain is left as it is.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sys/wait.h>

#include "require.h"
#include "backend/tflite/tflite_export.h"
#include "backend/tflite/tflm_compress.h"
#include "e2e_util.h"
#include "encode/weights.h"
#include "frontend/tflite/tflite_import.h"
#include "frontend/tflite/tflm_decode.h"
#include "quant/quantize.h"
#include "ref/executor.h"
#include "tflite_e2e_util.h"

namespace mote {
namespace {

// Every constant tensor's bytes, in node order: what the importer must give back exactly.
std::vector<std::vector<uint8_t>> constants(const Graph& g) {
  std::vector<std::vector<uint8_t>> v;
  for (const Node& n : g.nodes)
    for (int id : n.inputs)
      if (id >= 0 && g.t(id).is_const()) v.push_back(g.t(id).data);
  return v;
}

// The filters of the convolutions and fully connected layers, rewritten in place.
template <typename F>
void edit_filters(Graph& g, F f) {
  for (const Node& n : g.nodes)
    if (n.op == OpKind::Conv || n.op == OpKind::FullyConnected) {
      Tensor& w = g.t(n.in(1));
      std::vector<int8_t> v(w.data.begin(), w.data.end());
      f(v);
      w.data.assign(v.begin(), v.end());
    }
}

void share(Graph& g) {
  edit_filters(g, [](std::vector<int8_t>& v) { v = share_weights(v, 4, false); });
}

// Magnitude pruning: the smallest 70 % of each filter set to 0 (the int8 weights' zero point).
void prune(Graph& g) {
  edit_filters(g, [](std::vector<int8_t>& v) {
    std::vector<int> mag(v.begin(), v.end());
    for (int& m : mag) m = std::abs(m);
    std::nth_element(mag.begin(), mag.begin() + mag.size() * 7 / 10, mag.end());
    const int cut = mag[mag.size() * 7 / 10];
    for (int8_t& x : v)
      if (std::abs(int(x)) < cut) x = 0;
  });
}

struct Demo {
  Pipeline p;
  std::vector<int8_t> in;
  int64_t n = 0;
};

const Demo& demo() {
  static const Demo d = [] {
    const ExportModel m = export_models()[0];
    Demo r;
    r.p = run_pipeline({m.onnx, m.calib});
    r.in = model_inputs(r.p, m.calib, 4, &r.n);
    const int64_t per = r.p.graph.t(r.p.graph.inputs[0]).numel();
    r.n = std::min<int64_t>(r.n, 24);  // enough to compare outputs; the run is the test's cost
    r.in.resize(size_t(r.n * per));
    return r;
  }();
  return d;
}

// Compresses g's export, checks it is smaller, reimports both and compares weights and outputs.
std::string check_round_trip(const std::string& what, const Graph& g, TflmCompression method, const std::vector<int8_t>& in,
                             int64_t n) {
  const std::string plain = export_tflite_bytes(g);
  const TflmCompressed c = compress_tflite(plain, method);
  std::printf("%s: %d tensors %zu -> %zu B, file %zu -> %zu B\n", what.c_str(), c.tensors, c.plain_tensor_bytes,
              c.encoded_tensor_bytes, plain.size(), c.bytes.size());
  EXPECT_GT(c.tensors, 0);
  EXPECT_LT(c.bytes.size(), plain.size());
  EXPECT_LT(c.encoded_tensor_bytes, c.plain_tensor_bytes);
  const tflite::Model* model = tflite::GetModel(c.bytes.data());
  EXPECT_TRUE(tflm::has_decode_ops(model));
  const Graph a = import_tflite_bytes(plain, "plain.tflite"), b = import_tflite_bytes(c.bytes, "compressed.tflite");
  EXPECT_EQ(constants(a), constants(b));
  EXPECT_EQ(run_samples(a, in, n), run_samples(b, in, n));
  return c.bytes;
}

tflite::TensorT int8_tensor(std::vector<int32_t> shape, std::vector<float> scales, std::vector<int64_t> zps, int axis) {
  tflite::TensorT t;
  t.type = tflite::TensorType::INT8;
  t.shape = std::move(shape);
  t.quantization = std::make_unique<tflite::QuantizationParametersT>();
  t.quantization->scale = std::move(scales);
  t.quantization->zero_point = std::move(zps);
  t.quantization->quantized_dimension = axis;
  return t;
}

std::vector<uint8_t> with_dcm(uint8_t type, uint8_t b5, uint8_t b6, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> a = {type, 1, 0, 0, 1, b5, b6, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (uint8_t b : data) a.push_back(b);
  return a;
}

std::vector<int8_t> decoded(const std::vector<uint8_t>& enc, const std::vector<uint8_t>& anc, const tflite::TensorT& t) {
  const std::vector<uint8_t> b = tflm::decode_tensor(enc, anc, t, "test");
  return std::vector<int8_t>(b.begin(), b.end());
}

// Hand-assembled data in the layouts TFLM's decoders read (bit orders from its
// GetNextTableIndexWidth*, the prune mask walk and the Huffman GetNextBits/PutBackBits).
TEST(TflmCompress, DecodesHandAssembledTflmLayouts) {
  // LUT, 2-bit indices 0 1 2 3 3 2 1 0, MSB first; one table.
  EXPECT_EQ(decoded({0x1B, 0xE4}, with_dcm(tflm::kLut, 2, 4, {10, 20, 30, 40}), int8_tensor({8}, {0.5f}, {0}, 0)),
            (std::vector<int8_t>{10, 20, 30, 40, 40, 30, 20, 10}));
  // LUT per channel along the last axis: element i uses table i % 2; 1-bit indices 0 1 1 0.
  EXPECT_EQ(decoded({0x60}, with_dcm(tflm::kLut, 1, 2, {1, 2, 5, 6}), int8_tensor({2, 2}, {0.5f, 0.25f}, {0, 0}, 1)),
            (std::vector<int8_t>{1, 6, 2, 5}));
  // Prune: mask 101001, kept values 7 8 9, the rest the zero point -3.
  EXPECT_EQ(decoded({0xA4}, with_dcm(tflm::kPrune, 0, 0, {7, 8, 9}), int8_tensor({6}, {0.5f}, {-3}, 0)),
            (std::vector<int8_t>{7, -3, 8, -3, -3, 9}));
  // Huffman: A=0 B=10 C=110 D=111; a 2-bit top table whose entry 11 links 1 entry on to a 1-bit
  // table. "A B C D A" = 0 10 110 111 0, in one big-endian word.
  const std::vector<uint16_t> table = {0x8841, 0x8841, 0x9042, 0x0001, 0x8843, 0x8844};
  std::vector<uint8_t> t8;
  for (uint16_t e : table) t8.insert(t8.end(), {uint8_t(e), uint8_t(e >> 8)});
  EXPECT_EQ(decoded({0x5B, 0x80, 0, 0}, with_dcm(tflm::kHuffman, 0x10, 0, t8), int8_tensor({5}, {0.5f}, {0}, 0)),
            (std::vector<int8_t>{'A', 'B', 'C', 'D', 'A'}));
}

TEST(TflmCompress, HuffmanShrinksTheDemoModelAndDecodesExactly) {
  const Demo& d = demo();
  check_round_trip("demo huffman", d.p.graph, TflmCompression::Huffman, d.in, d.n);
}

TEST(TflmCompress, LutOnSharedWeightsDecodesExactly) {
  const Demo& d = demo();
  Graph g = d.p.graph;
  share(g);
  check_round_trip("demo shared lut", g, TflmCompression::Lut, d.in, d.n);
}

TEST(TflmCompress, PruneOnPrunedWeightsDecodesExactly) {
  const Demo& d = demo();
  Graph g = d.p.graph;
  prune(g);
  check_round_trip("demo pruned prune", g, TflmCompression::Prune, d.in, d.n);
}

// The layout TFLM reads: a DECODE before each consumer, inputs [encoded UINT8, ancillary UINT8
// with DCM version 1], the output with the filter's type, shape and quantization, and the
// offline plan extended with -1 for the added tensors.
TEST(TflmCompress, WritesTflmDecodeOperators) {
  Graph g = demo().p.graph;
  share(g);
  const std::string plain = export_tflite_bytes(g);
  const TflmCompressed c = compress_tflite(plain, TflmCompression::Lut);
  tflite::ModelT before, after;
  tflite::GetModel(plain.data())->UnPackTo(&before);
  tflite::GetModel(c.bytes.data())->UnPackTo(&after);
  const tflite::SubGraphT& sg = *after.subgraphs[0];
  int decodes = 0;
  for (size_t k = 0; k < sg.operators.size(); ++k) {
    const tflite::OperatorT& op = *sg.operators[k];
    if (after.operator_codes[op.opcode_index]->custom_code != tflm::kDecodeOp) continue;
    ++decodes;
    EXPECT_EQ(after.operator_codes[op.opcode_index]->builtin_code, tflite::BuiltinOperator::CUSTOM);
    ASSERT_EQ(op.inputs.size(), 2u);
    ASSERT_EQ(op.outputs.size(), 1u);
    const tflite::TensorT &enc = *sg.tensors[size_t(op.inputs[0])], &anc = *sg.tensors[size_t(op.inputs[1])];
    const tflite::TensorT& out = *sg.tensors[size_t(op.outputs[0])];
    EXPECT_EQ(enc.type, tflite::TensorType::UINT8);
    EXPECT_EQ(anc.type, tflite::TensorType::UINT8);
    const std::vector<uint8_t>& a = after.buffers[anc.buffer]->data;
    ASSERT_GE(a.size(), tflm::kDcmBytes);
    EXPECT_EQ(a[0], tflm::kLut);
    EXPECT_EQ(a[1], 1);
    EXPECT_LE(a[5] & 7, 4);  // at most 16 shared values: 4-bit indices at most
    EXPECT_EQ(a[6], 1 << (a[5] & 7));
    EXPECT_EQ(out.buffer, 0u);
    const tflite::TensorT& orig = *before.subgraphs[0]->tensors[size_t(op.inputs[0])];
    EXPECT_EQ(out.shape, orig.shape);
    EXPECT_EQ(out.type, tflite::TensorType::INT8);
    ASSERT_TRUE(out.quantization);
    EXPECT_EQ(out.quantization->scale, orig.quantization->scale);
    // The consumer is the next operator and reads the decoded tensor.
    ASSERT_LT(k + 1, sg.operators.size());
    const auto& next = sg.operators[k + 1]->inputs;
    EXPECT_NE(std::find(next.begin(), next.end(), op.outputs[0]), next.end());
  }
  EXPECT_EQ(decodes, c.tensors);
  for (const auto& md : after.metadata) {
    if (md->name != "OfflineMemoryAllocation") continue;
    const std::vector<uint8_t>& d = after.buffers[md->buffer]->data;
    ASSERT_EQ(d.size(), 4 * (3 + sg.tensors.size()));
    int32_t last = 0;
    std::memcpy(&last, &d[d.size() - 4], 4);
    EXPECT_EQ(last, -1);
  }
}

// The damaged variants of a compressed model: each import fails with one line naming the DECODE.
std::string damaged(const std::string& bytes, const std::string& suffix, void (*edit)(std::vector<uint8_t>&)) {
  tflite::ModelT m;
  tflite::GetModel(bytes.data())->UnPackTo(&m);
  for (const auto& t : m.subgraphs[0]->tensors)
    if (t->name.size() > suffix.size() && t->name.compare(t->name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      edit(m.buffers[t->buffer]->data);
      break;
    }
  return tflm::pack_model(m);
}

void expect_import_error(const std::string& bytes, const std::string& needle) {
  try {
    import_tflite_bytes(bytes, "bad.tflite");
    ADD_FAILURE() << "imported a damaged model; expected: " << needle;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.tflite: operator"), std::string::npos) << msg;
    EXPECT_NE(msg.find("TFLM_DECODE"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

TEST(TflmCompress, DamagedAncillaryOrEncodedDataIsAClearError) {
  Graph g = demo().p.graph;
  share(g);
  const std::string lut = compress_tflite(export_tflite_bytes(g), TflmCompression::Lut).bytes;
  expect_import_error(damaged(lut, "_ancillary", [](std::vector<uint8_t>& d) { d.resize(10); }), "DCM header");
  expect_import_error(damaged(lut, "_ancillary", [](std::vector<uint8_t>& d) { d[1] ^= 0x80; }), "DCM version");
  expect_import_error(damaged(lut, "_ancillary", [](std::vector<uint8_t>& d) { d[0] = 9; }), "decode type 9");
  expect_import_error(damaged(lut, "_ancillary", [](std::vector<uint8_t>& d) { d.resize(d.size() - 1); }), "value tables");
  expect_import_error(damaged(lut, "_ancillary", [](std::vector<uint8_t>& d) { d[6] = 3; }), "outside its table");

  const std::string huff = compress_tflite(export_tflite_bytes(demo().p.graph), TflmCompression::Huffman).bytes;
  // The encoded tensor is the one named as the filter itself: find it through its DECODE.
  tflite::ModelT m;
  tflite::GetModel(huff.data())->UnPackTo(&m);
  for (const auto& op : m.subgraphs[0]->operators)
    if (m.operator_codes[op->opcode_index]->custom_code == tflm::kDecodeOp) {
      std::vector<uint8_t>& enc = m.buffers[m.subgraphs[0]->tensors[size_t(op->inputs[0])]->buffer]->data;
      enc.resize(enc.size() / 2);
      break;
    }
  expect_import_error(tflm::pack_model(m), "ends early");
  expect_import_error(damaged(huff, "_ancillary", [](std::vector<uint8_t>& d) { d.resize(tflm::kDcmBytes + 2); }), "Huffman table index");
}

// Random bit flips in the encoded and ancillary buffers: each import gives a graph or one Error
// line, never a crash or a hang.
TEST(TflmCompress, FlippedBitsInCompressedDataFailCleanly) {
  Graph shared = demo().p.graph, pruned = demo().p.graph;
  share(shared);
  prune(pruned);
  const std::pair<const Graph*, TflmCompression> cases[] = {
      {&shared, TflmCompression::Lut}, {&pruned, TflmCompression::Prune}, {&demo().p.graph, TflmCompression::Huffman}};
  std::mt19937 rng(2026);
  int rejected = 0, imported = 0;
  for (const auto& [g, method] : cases) {
    const std::string good = compress_tflite(export_tflite_bytes(*g), method).bytes;
    for (int k = 0; k < 40; ++k) {
      tflite::ModelT m;
      tflite::GetModel(good.data())->UnPackTo(&m);
      std::vector<std::vector<uint8_t>*> data;
      for (const auto& op : m.subgraphs[0]->operators)
        if (m.operator_codes[op->opcode_index]->custom_code == tflm::kDecodeOp)
          for (int32_t i : op->inputs) data.push_back(&m.buffers[m.subgraphs[0]->tensors[size_t(i)]->buffer]->data);
      std::vector<uint8_t>& d = *data[rng() % data.size()];
      // Half the flips land in the 16-byte header and the first table bytes.
      for (int b = 0; b < 1 + k % 4; ++b) d[(k % 2 ? rng() % std::min<size_t>(d.size(), 48) : rng() % d.size())] ^= uint8_t(1 << (rng() % 8));
      try {
        import_tflite_bytes(tflm::pack_model(m), "flipped.tflite");
        ++imported;
      } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind("flipped.tflite: ", 0), 0u) << msg;
        ++rejected;
      }
    }
  }
  EXPECT_EQ(rejected + imported, 120);
  EXPECT_GT(rejected, 0);
}

TEST(TflmCompress, NothingToCompressLeavesTheModelAsItIs) {
  const std::string plain = export_tflite_bytes(demo().p.graph);
  const TflmCompressed c = compress_tflite(plain, TflmCompression::Prune);  // no zero points to drop
  EXPECT_EQ(c.tensors, 0);
  EXPECT_EQ(c.bytes, plain);
}

TEST(TflmCompress, MethodNamesAndCompressedInputs) {
  EXPECT_EQ(tflm_compression_from_name("huffman"), TflmCompression::Huffman);
  try {
    tflm_compression_from_name("zip");
    ADD_FAILURE() << "accepted --compress zip";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--compress: unknown method 'zip'"), std::string::npos) << e.what();
  }
  Graph g = demo().p.graph;
  share(g);
  const std::string lut = compress_tflite(export_tflite_bytes(g), TflmCompression::Lut).bytes;
  EXPECT_THROW(compress_tflite(lut, TflmCompression::Huffman), Error);
}

// An MLPerf Tiny model TFLite's converter wrote, imported and exported by mote, weight-shared for
// LUT and magnitude-pruned for prune.
TEST(TflmCompress, KwsReferenceModelRoundTrips) {
  const std::string path = std::string(MOTE_SHARED_DIR) + "/models/kws_ref_model.tflite";
  MOTE_REQUIRE(fs::exists(path)) << path << " is absent";
  const Pipeline p = run_pipeline({path, ""});
  std::vector<int8_t> in;
  const int64_t per = p.graph.t(p.graph.inputs[0]).numel();
  for (int64_t i = 0; i < 3 * per; ++i) in.push_back(int8_t((i * 37) % 251 - 125));
  Graph shared = p.graph, pruned = p.graph;
  share(shared);
  prune(pruned);
  check_round_trip("kws shared lut", shared, TflmCompression::Lut, in, 3);
  check_round_trip("kws pruned prune", pruned, TflmCompression::Prune, in, 3);
}

struct CliResult {
  int code = 0;
  std::string out, err;
};

CliResult run_mote(const std::string& args, const fs::path& dir) {
  const fs::path out = dir / "stdout", err = dir / "stderr";
  const std::string cmd = std::string(MOTE_CLI) + " " + args + " >" + out.string() + " 2>" + err.string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

TEST(TflmCompress, ConvertCompressFlag) {
  TempDir tmp;
  const ExportModel m = export_models()[0];
  const std::string base = "convert " + m.onnx + " --calib " + m.calib + " -o ";
  fs::create_directories(tmp.path / "p");
  fs::create_directories(tmp.path / "h");
  // The same file name in two folders: the generated C quotes the model name, the file stem.
  const fs::path plain = tmp.path / "p" / "m.tflite", huff = tmp.path / "h" / "m.tflite", none = tmp.path / "none.tflite",
                 bad = tmp.path / "bad.tflite";
  ASSERT_EQ(run_mote(base + plain.string(), tmp.path).code, 0);
  const CliResult h = run_mote(base + huff.string() + " --compress huffman", tmp.path);
  ASSERT_EQ(h.code, 0) << h.err;
  EXPECT_NE(h.out.find("compressed "), std::string::npos) << h.out;
  EXPECT_LT(fs::file_size(huff), fs::file_size(plain));
  EXPECT_EQ(constants(import_tflite(huff.string())), constants(import_tflite(plain.string())));
  // `mote compile` on the compressed file writes the plain file's C, `mote infer` the same outputs.
  for (const fs::path& f : {plain, huff})
    ASSERT_EQ(run_mote("compile " + f.string() + " -o " + (f.parent_path() / "c").string(), tmp.path).code, 0) << f;
  for (const char* file : {"model.c", "model.h"}) {
    const std::string a = slurp(tmp.path / "p" / "c" / file), b = slurp(tmp.path / "h" / "c" / file);
    EXPECT_FALSE(a.empty()) << file;
    EXPECT_EQ(a, b) << file;
  }
  for (const fs::path& f : {plain, huff})
    ASSERT_EQ(run_mote("infer " + f.string() + " --data " + m.calib + " -o " + (f.parent_path() / "y.npy").string(), tmp.path).code, 0) << f;
  EXPECT_FALSE(slurp(tmp.path / "p" / "y.npy").empty());
  EXPECT_EQ(slurp(tmp.path / "p" / "y.npy"), slurp(tmp.path / "h" / "y.npy"));

  const CliResult n = run_mote(base + none.string() + " --compress prune", tmp.path);
  ASSERT_EQ(n.code, 0) << n.err;
  EXPECT_NE(n.out.find("note: --compress prune: no weight tensor gets smaller"), std::string::npos) << n.out;
  EXPECT_EQ(slurp(none), slurp(plain));

  const CliResult b = run_mote(base + bad.string() + " --compress gzip", tmp.path);
  EXPECT_EQ(b.code, 1);
  EXPECT_EQ(std::count(b.err.begin(), b.err.end(), '\n'), 1) << b.err;
  EXPECT_NE(b.err.find("--compress: unknown method 'gzip'"), std::string::npos) << b.err;
  EXPECT_FALSE(fs::exists(bad));
}

}  // namespace
}  // namespace mote
