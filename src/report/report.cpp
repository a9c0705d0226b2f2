#include "report/report.h"

#include <map>
#include <set>

#include "ir/op_registry.h"

namespace mote {

namespace {

nlohmann::json io_json(const Tensor& t) {
  nlohmann::json j = {{"name", t.name}, {"shape", t.shape}, {"dtype", dtype_name(t.dtype)}, {"bytes", t.bytes()}};
  j["layout"] = t.shape.size() == 4 ? "NHWC" : "";
  bool q = t.quant.scale.size() == 1 && t.quant.zero_point.size() == 1;
  j["scale"] = q ? nlohmann::json(t.quant.scale[0]) : nlohmann::json(nullptr);
  j["zero_point"] = q ? nlohmann::json(t.quant.zero_point[0]) : nlohmann::json(nullptr);
  return j;
}


// What --encode made of a layer's weights (mote/decode.h).
nlohmann::json encoding_json(const EncodedWeights& e, int64_t scratch) {
  const mote_wenc& d = e.wenc;
  const double n = double(d.rows) * d.row_len;
  return {{"kind", e.kind()},
          {"weights", int64_t(n)},
          {"density", n > 0 ? double(e.nonzeros) / n : 0.0},
          {"codebook_size", d.codebook_size},
          {"bits_per_weight_fixed", n > 0 ? double(e.fixed_stream_bits) / n : 0.0},
          {"bits_per_weight", n > 0 ? double(e.stream_bits) / n : 0.0},
          {"flash_bytes", int64_t(e.blob.size())},
          {"decode_scratch_bytes", scratch}};
}

}  // namespace

nlohmann::json make_report(const Graph& g, const std::vector<KernelCall>& calls, const MemoryPlan& plan,
                           const std::string& name) {
  std::map<int, const KernelCall*> call_of;
  for (const KernelCall& c : calls) call_of[c.node] = &c;

  int64_t params = 0, macs = 0, weights_bytes = 0;
  std::set<int> seen_consts;
  for (const Node& n : g.nodes)
    for (int t : n.inputs)
      if (t >= 0 && g.t(t).is_const() && seen_consts.insert(t).second) params += g.t(t).numel();

  // Bytes the C file stores per layer: its tables plus constant operands not stored before.
  std::set<int> emitted_consts;
  int64_t enc_float_bytes = 0, enc_bytes = 0;  // the encoded layers' weights: float32, and as stored
  nlohmann::json layers = nlohmann::json::array();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const KernelCall* c = call_of.count(int(i)) ? call_of[int(i)] : nullptr;
    int64_t wbytes = 0;
    if (c && c->has_code()) {  // an absorbed conv's tables are its chain's
      for (const ConstTable& t : c->tables)
        if (!(c->encoded && t.role == "weights")) wbytes += int64_t(t.bytes.size());
      if (c->encoded) wbytes += int64_t(c->encoded->blob.size());
      for (int t : c->inputs)
        if (t >= 0 && g.t(t).is_const() && emitted_consts.insert(t).second) wbytes += int64_t(g.t(t).bytes());
    }
    weights_bytes += wbytes;
    int64_t m = mac_count(g, n);
    macs += m;
    nlohmann::json ins = nlohmann::json::array();
    for (int t : n.inputs)
      if (t >= 0 && !g.t(t).is_const()) ins.push_back(g.t(t).shape);
    const int out = n.out();
    nlohmann::json row = {{"name", n.name},
                          {"op", op_name(n.op)},
                          {"kernel", c ? (c->fused_into >= 0 ? std::string("fused") : c->def ? c->def->name : std::string("alias")) : std::string("")},
                          {"input_shapes", ins},
                          {"output_shape", g.t(out).shape},
                          {"macs", m},
                          {"weight_bytes", wbytes},
                          {"output_bytes", g.t(out).bytes()},
                          {"arena_offset", size_t(out) < plan.tensor_offset.size() ? plan.tensor_offset[size_t(out)] : -1},
                          {"scratch_bytes", c ? c->scratch_bytes : 0},
                          {"scratch_offset", i < plan.scratch_offset.size() ? plan.scratch_offset[i] : -1}};
    if (c && c->fused_into >= 0) row["fused_into"] = c->fused_into;
    if (c && c->encoded) {
      row["encoding"] = encoding_json(*c->encoded, c->scratch_bytes);
      enc_float_bytes += int64_t(c->encoded->wenc.rows) * c->encoded->wenc.row_len * 4;
      enc_bytes += int64_t(c->encoded->blob.size());
    }
    layers.push_back(row);
  }

  nlohmann::json r;
  r["name"] = name;
  r["model"] = g.name;
  const DType in_dtype = g.inputs.empty() ? DType::F32 : g.t(g.inputs[0]).dtype;
  r["dtype"] = in_dtype == DType::I8 ? "int8" : in_dtype == DType::I16 ? "int16x8" : "float32";
  r["params"] = params;
  r["macs"] = macs;
  r["weights_bytes"] = weights_bytes;
  r["arena_bytes"] = plan.arena_bytes;
  r["greedy_arena_bytes"] = plan.greedy_bytes;
  r["arena_lower_bound"] = plan.lower_bound;
  r["input"] = g.inputs.size() == 1 ? io_json(g.t(g.inputs[0])) : nlohmann::json(nullptr);
  r["output"] = g.outputs.size() == 1 ? io_json(g.t(g.outputs[0])) : nlohmann::json(nullptr);
  r["layers"] = layers;
  // The memory plan as placed: every buffer with the steps (layer indices) it is live at and the
  // tensors it holds; a buffer holding none is the scratch of the one layer it lives at.
  std::vector<nlohmann::json> held(plan.buffers.size(), nlohmann::json::array());
  for (size_t t = 0; t < plan.tensor_buffer.size(); ++t)
    if (plan.tensor_buffer[t] >= 0) held[size_t(plan.tensor_buffer[t])].push_back(g.t(int(t)).name);
  nlohmann::json buffers = nlohmann::json::array();
  for (size_t b = 0; b < plan.buffers.size(); ++b)
    buffers.push_back({{"offset", plan.buffer_offset[b]},
                       {"bytes", plan.buffers[b].size},
                       {"first", plan.buffers[b].first},
                       {"last", plan.buffers[b].last},
                       {"tensors", held[b]}});
  r["arena_buffers"] = buffers;
  // Against float32: every constant (weights, biases) and what the C stores for them (blobs,
  // biases, requantization tables); and the encoded weights alone, as Deep Compression counts.
  r["compression"] = {{"float32_bytes", params * 4},
                      {"stored_bytes", weights_bytes},
                      {"ratio", weights_bytes > 0 ? double(params * 4) / double(weights_bytes) : 0.0},
                      {"encoded_weights_float32_bytes", enc_float_bytes},
                      {"encoded_weights_bytes", enc_bytes},
                      {"encoded_weights_ratio", enc_bytes > 0 ? double(enc_float_bytes) / double(enc_bytes) : 0.0}};
  return r;
}


}  // namespace mote
