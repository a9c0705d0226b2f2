// The memory plan `mote convert` stores must be one TFLM can run: read back from the written
// .tflite, (a) no two tensors live at the same operator overlap in bytes and (b) no operator's
// output overlaps one of its inputs, except a RESHAPE over its own input (TFLM's RESHAPE copies
// only when the pointers differ). Checked on every model mote exports, which must also import
// back to a graph giving the same output bytes.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <numeric>
#include <random>

#include "require.h"
#include "backend/tflite/tflite_export.h"
#include "e2e_util.h"
#include "ref/executor.h"
#include "formats/tflite/schema_generated.h"
#include "tflite_e2e_util.h"

namespace mote {
namespace {

const tflite::Metadata* offline_plan(const tflite::Model* m) {
  if (!m->metadata()) return nullptr;
  for (const tflite::Metadata* md : *m->metadata())
    if (md->name() && md->name()->str() == "OfflineMemoryAllocation") return md;
  return nullptr;
}

int64_t tensor_bytes(const tflite::Tensor* t) {
  int64_t n = 1;
  if (t->shape())
    for (int32_t d : *t->shape()) n *= d;
  switch (t->type()) {
    case tflite::TensorType::INT8:
    case tflite::TensorType::UINT8:
    case tflite::TensorType::BOOL: return n;
    case tflite::TensorType::INT16: return 2 * n;
    case tflite::TensorType::INT32:
    case tflite::TensorType::FLOAT32: return 4 * n;
    case tflite::TensorType::INT64: return 8 * n;
    default: return -1;
  }
}

// Every way the file's offline plan breaks TFLM's execution, one line each (empty: none).
std::vector<std::string> plan_violations(const std::string& bytes) {
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!tflite::VerifyModelBuffer(v)) return {"not a valid TFLite flatbuffer"};
  const tflite::Model* model = tflite::GetModel(bytes.data());
  const tflite::Metadata* meta = offline_plan(model);
  if (!meta) return {"no OfflineMemoryAllocation metadata"};
  const tflite::SubGraph* sg = model->subgraphs()->Get(0);
  const auto* tensors = sg->tensors();
  const int nt = int(tensors->size());
  const auto* data = model->buffers()->Get(meta->buffer())->data();
  if (!data || data->size() != size_t(3 + nt) * 4) return {"OfflineMemoryAllocation does not hold one offset per tensor"};
  std::vector<int32_t> w(data->size() / 4);
  std::memcpy(w.data(), data->data(), data->size());
  const int32_t* offset = w.data() + 3;

  std::vector<std::string> bad;
  auto name = [&](int t) { return "'" + tensors->Get(uint32_t(t))->name()->str() + "'"; };
  std::vector<int64_t> size(static_cast<size_t>(nt));
  std::vector<bool> is_const(static_cast<size_t>(nt));
  for (int t = 0; t < nt; ++t) {
    const tflite::Tensor* x = tensors->Get(uint32_t(t));
    size[size_t(t)] = tensor_bytes(x);
    const auto* buf = model->buffers()->Get(x->buffer())->data();
    is_const[size_t(t)] = buf && buf->size() > 0;
    if (offset[t] >= 0 && is_const[size_t(t)]) bad.push_back("constant " + name(t) + " has an arena offset");
    if (offset[t] >= 0 && size[size_t(t)] < 0) bad.push_back("planned tensor " + name(t) + " has a type of unknown size");
  }
  auto planned = [&](int t) { return t >= 0 && offset[t] >= 0 && !is_const[size_t(t)]; };
  auto overlap = [&](int a, int b) {
    return offset[a] < offset[b] + size[size_t(b)] && offset[b] < offset[a] + size[size_t(a)];
  };

  // Lifetimes in operator steps, TFLM's way: graph inputs from step 0, outputs to the last one.
  const auto* ops = sg->operators();
  const int last_op = int(ops->size()) - 1;
  std::vector<int> first(size_t(nt), -1), last(size_t(nt), -1);
  for (int t : *sg->inputs()) first[size_t(t)] = last[size_t(t)] = 0;
  auto builtin = [&](const tflite::Operator* op) {
    const tflite::OperatorCode* c = model->operator_codes()->Get(op->opcode_index());
    return std::max(int32_t(c->deprecated_builtin_code()), int32_t(c->builtin_code()));
  };
  // RESHAPE outputs at their input's offset share its bytes: one buffer, lifetimes joined.
  std::vector<int> root(static_cast<size_t>(nt));
  std::iota(root.begin(), root.end(), 0);
  auto find = [&](int t) {
    while (root[size_t(t)] != t) t = root[size_t(t)];
    return t;
  };
  for (int i = 0; i <= last_op; ++i) {
    const tflite::Operator* op = ops->Get(uint32_t(i));
    for (int t : *op->outputs()) {
      if (first[size_t(t)] < 0) first[size_t(t)] = i;
      last[size_t(t)] = std::max(last[size_t(t)], i);
    }
    for (int t : *op->inputs())
      if (t >= 0) last[size_t(t)] = std::max(last[size_t(t)], i);
    const int x = op->inputs()->Get(0), y = op->outputs()->Get(0);
    if (builtin(op) == int32_t(tflite::BuiltinOperator::RESHAPE) && planned(x) && planned(y) && offset[x] == offset[y])
      root[size_t(find(y))] = find(x);
  }
  for (int t : *sg->outputs()) last[size_t(t)] = last_op;

  // (b) no operator writes over an input it reads, RESHAPE aliases aside
  for (int i = 0; i <= last_op; ++i) {
    const tflite::Operator* op = ops->Get(uint32_t(i));
    const std::string opname = tflite::EnumNameBuiltinOperator(tflite::BuiltinOperator(builtin(op)));
    for (int y : *op->outputs())
      for (int x : *op->inputs())
        if (planned(x) && planned(y) && x != y && find(x) != find(y) && overlap(x, y))
          bad.push_back("operator " + std::to_string(i) + " (" + opname + ") writes " + name(y) + " over its input " + name(x));
  }
  // (a) buffers live at the same step are disjoint
  for (int a = 0; a < nt; ++a)
    for (int b = a + 1; b < nt; ++b) {
      if (!planned(a) || !planned(b) || find(a) == find(b)) continue;
      const int ra = find(a), rb = find(b);
      int fa = nt, la = -1, fb = nt, lb = -1;  // lifetime of each alias group
      for (int t = 0; t < nt; ++t) {
        if (find(t) == ra && first[size_t(t)] >= 0) fa = std::min(fa, first[size_t(t)]), la = std::max(la, last[size_t(t)]);
        if (find(t) == rb && first[size_t(t)] >= 0) fb = std::min(fb, first[size_t(t)]), lb = std::max(lb, last[size_t(t)]);
      }
      if (fa <= lb && fb <= la && overlap(a, b))
        bad.push_back(name(a) + " and " + name(b) + " are live together and overlap in bytes");
    }
  return bad;
}

// The file's offline plan replaced by `offsets` (per mote tensor id, looked up by name).
std::string with_plan(std::string bytes, const Graph& g, const std::vector<int64_t>& offsets) {
  const tflite::Model* model = tflite::GetModel(bytes.data());
  const auto* tensors = model->subgraphs()->Get(0)->tensors();
  const auto* data = model->buffers()->Get(offline_plan(model)->buffer())->data();
  const size_t at = size_t(reinterpret_cast<const char*>(data->data()) - bytes.data());
  for (uint32_t k = 0; k < tensors->size(); ++k) {
    const tflite::Tensor* t = tensors->Get(k);
    const auto* buf = model->buffers()->Get(t->buffer())->data();
    const int id = g.find_tensor(t->name()->str());
    const int32_t off = id >= 0 && !(buf && buf->size() > 0) ? int32_t(offsets[size_t(id)]) : -1;
    std::memcpy(&bytes[at + 4 * (3 + k)], &off, 4);
  }
  return bytes;
}

struct PlanCase {
  std::string name, model, calib;  // calib empty: an int8 .tflite
};
void PrintTo(const PlanCase& c, std::ostream* os) { *os << c.name; }

std::vector<PlanCase> plan_cases() {
  std::vector<PlanCase> v;
  const ExportModel demo = export_models()[0];
  v.push_back({demo.name, demo.onnx, demo.calib});
  std::vector<fs::path> onnx;
  for (const auto& e : fs::directory_iterator(std::string(MOTE_TEST_DATA) + "/models"))
    if (e.path().extension() == ".onnx") onnx.push_back(e.path());
  std::sort(onnx.begin(), onnx.end());
  for (const fs::path& f : onnx) {
    const std::string stem = f.stem().string();
    const std::string family = stem.substr(0, stem.find("_opset"));
    if (family == "dscnn") continue;  // in op_export_models
    v.push_back({stem, f.string(), std::string(MOTE_TEST_DATA) + "/models/" + family + "_input.npy"});
  }
  for (const ExportModel& m : op_export_models()) v.push_back({m.name, m.onnx, m.calib});
  for (const char* m : {"kws_ref_model", "pretrainedResnet_quant", "pretrainedResnet"})
    v.push_back({m, std::string(MOTE_SHARED_DIR) + "/models/" + m + ".tflite", ""});
  return v;
}

// The float MLPerf ResNet is calibrated on its 32 golden inputs.
std::string resnet_calib(const fs::path& dir) {
  Array x;
  x.dtype = DType::F32;
  x.shape = {32, 32, 32, 3};
  for (int k = 0; k < 32; ++k) {
    const std::string b = slurp(std::string(MOTE_SHARED_DIR) + "/golden/pretrainedResnet/in_" + (k < 10 ? "0" : "") + std::to_string(k) + ".bin");
    x.bytes.insert(x.bytes.end(), b.begin(), b.end());
  }
  const std::string path = (dir / "calib.npy").string();
  save_npy(path, x);
  return path;
}

std::vector<int8_t> run_once(const Graph& g, const std::vector<int8_t>& in) {
  Array a;
  a.dtype = DType::I8;
  a.shape = g.t(g.inputs[0]).shape;
  a.bytes.assign(in.begin(), in.end());
  const Array y = run_int8(g, lower(g, host_target()).calls, {a}).at(0);
  return std::vector<int8_t>(y.as<int8_t>(), y.as<int8_t>() + y.numel());
}

class TflitePlan : public ::testing::TestWithParam<PlanCase> {};

TEST_P(TflitePlan, TflmCanRunTheStoredPlan) {
  const PlanCase& c = GetParam();
  MOTE_REQUIRE(fs::exists(c.model)) << c.model << " is absent";
  TempDir tmp;
  std::string calib = c.calib;
  if (c.name == "pretrainedResnet") calib = resnet_calib(tmp.path);
  const Pipeline p = run_pipeline({c.model, calib});
  ASSERT_TRUE(p.quantized());
  const std::string path = (tmp.path / "m.tflite").string();
  MemoryPlan plan;
  try {
    plan = export_tflite(p.graph, path);
  } catch (const Error& e) {
    FAIL() << e.what();
  }
  const std::string bytes = slurp(path);
  for (const std::string& s : plan_violations(bytes)) ADD_FAILURE() << s;
  EXPECT_LE(plan.arena_bytes, plan.greedy_bytes);

  // mote's own in-place plan in the same file: the check must catch it wherever lowering
  // chose an in-place output.
  std::vector<int> ip;
  for (const KernelCall& k : p.calls) ip.push_back(k.in_place);
  const bool any_in_place = std::any_of(ip.begin(), ip.end(), [](int t) { return t >= 0; });
  EXPECT_EQ(!plan_violations(with_plan(bytes, p.graph, p.plan.tensor_offset)).empty(), any_in_place);
  std::printf("[ plan ] %s: arena %lld B for TFLM (mote's in-place plan %lld B, %s)\n", c.name.c_str(),
              (long long)plan.arena_bytes, (long long)p.plan.arena_bytes,
              any_in_place ? "flagged by the check" : "no in-place outputs");

  // Exported and imported again, the model computes the same bytes.
  const Pipeline r = run_pipeline({path, ""});
  ASSERT_TRUE(r.prequantized);
  ASSERT_EQ(r.graph.t(r.graph.inputs[0]).shape, p.graph.t(p.graph.inputs[0]).shape);
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> d(-128, 127);
  for (int s = 0; s < 3; ++s) {
    std::vector<int8_t> in(size_t(p.graph.t(p.graph.inputs[0]).numel()));
    for (int8_t& x : in) x = int8_t(d(rng));
    EXPECT_EQ(run_once(p.graph, in), run_once(r.graph, in)) << "random input " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, TflitePlan, ::testing::ValuesIn(plan_cases()),
                         [](const ::testing::TestParamInfo<PlanCase>& i) { return i.param.name; });

// dscnn's HardSigmoid (opsets 11, 13) has no TFLite op; it is written as MUL + ADD, each with
// its own TFLM kernel, and the file holds no other op.
TEST(TflitePlanCheck, DscnnHardSigmoidIsMulAdd) {
  TempDir tmp;
  const std::string m = std::string(MOTE_TEST_DATA) + "/models/dscnn_opset13_folded.onnx";
  const Pipeline p = run_pipeline({m, std::string(MOTE_TEST_DATA) + "/models/dscnn_input.npy"});
  const std::string path = (tmp.path / "d.tflite").string();
  export_tflite(p.graph, path);
  const std::string bytes = slurp(path);
  const tflite::Model* model = tflite::GetModel(bytes.data());
  std::map<std::string, int> ops;
  for (const tflite::Operator* op : *model->subgraphs()->Get(0)->operators()) {
    const tflite::OperatorCode* c = model->operator_codes()->Get(op->opcode_index());
    ++ops[tflite::EnumNameBuiltinOperator(c->builtin_code())];
  }
  int hard_sigmoids = 0, muls = 0;
  for (const Node& n : p.graph.nodes) hard_sigmoids += n.op == OpKind::HardSigmoid, muls += n.op == OpKind::Mul;
  EXPECT_EQ(hard_sigmoids, 2);
  EXPECT_EQ(ops["MUL"], muls + hard_sigmoids);
  EXPECT_EQ(ops["ADD"], hard_sigmoids);
  // The grouped conv (4 groups of 8 channels) is a CONV_2D with 8-channel filters.
  int grouped = 0;
  for (const tflite::Operator* op : *model->subgraphs()->Get(0)->operators()) {
    const tflite::OperatorCode* c = model->operator_codes()->Get(op->opcode_index());
    if (c->builtin_code() != tflite::BuiltinOperator::CONV_2D) continue;
    const auto* ts = model->subgraphs()->Get(0)->tensors();
    grouped += ts->Get(uint32_t(op->inputs()->Get(0)))->shape()->Get(3) == 32 && ts->Get(uint32_t(op->inputs()->Get(1)))->shape()->Get(3) == 8;
  }
  EXPECT_EQ(grouped, 1);
  for (const auto& [name, count] : ops)
    EXPECT_TRUE(name == "CONV_2D" || name == "DEPTHWISE_CONV_2D" || name == "MUL" || name == "ADD" || name == "PAD" ||
                name == "MEAN" || name == "RESHAPE" || name == "FULLY_CONNECTED")
        << name << " x" << count;
}

// The check itself: an output moved over its input is reported, naming the operator.
TEST(TflitePlanCheck, ReportsAnOutputOverItsInput) {
  TempDir tmp;
  const ExportModel m = export_models()[0];
  const Pipeline p = run_pipeline({m.onnx, m.calib});
  const std::string path = (tmp.path / "f.tflite").string();
  MemoryPlan plan = export_tflite(p.graph, path);
  const std::string bytes = slurp(path);
  ASSERT_TRUE(plan_violations(bytes).empty());
  const Node* conv = nullptr;
  for (const Node& n : p.graph.nodes)
    if (n.op == OpKind::Conv && !conv) conv = &n;
  ASSERT_NE(conv, nullptr);
  plan.tensor_offset[size_t(conv->out())] = plan.tensor_offset[size_t(conv->in(0))];
  const std::vector<std::string> bad = plan_violations(with_plan(bytes, p.graph, plan.tensor_offset));
  ASSERT_FALSE(bad.empty());
  EXPECT_NE(bad[0].find("(CONV_2D) writes"), std::string::npos) << bad[0];
}

// The float32 exports carry a plan TFLM can run too, sized at 4 bytes per element: the same
// planner and rules as int8, so the arena is at least 4 times the int8 export's.
TEST(TflitePlanCheck, FloatExportsStoreARunnablePlan) {
  TempDir tmp;
  for (const ExportModel& m : float_export_models()) {
    SCOPED_TRACE(m.name);
    const Pipeline p = run_pipeline({m.onnx, ""});
    const std::string path = (tmp.path / (m.name + ".tflite")).string();
    const MemoryPlan plan = export_tflite(p.graph, path);
    for (const std::string& s : plan_violations(slurp(path))) ADD_FAILURE() << s;
    const MemoryPlan int8_plan = export_tflite(run_pipeline({m.onnx, m.calib}).graph, (tmp.path / "q.tflite").string());
    EXPECT_GE(plan.arena_bytes, 4 * int8_plan.arena_bytes);
    std::printf("[ plan ] %s float32: arena %lld B (int8 export %lld B)\n", m.name.c_str(), (long long)plan.arena_bytes,
                (long long)int8_plan.arena_bytes);
  }
}

}  // namespace
}  // namespace mote
