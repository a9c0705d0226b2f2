// Fully connected, int8 (per-tensor or per-channel weights) and float.
#include "lower/families.h"

namespace mote {

// Encoded weights take the _enc and _sparse kernels (lower/encoded.cpp) instead.
bool is_fc(const LowerCtx& c) { return c.n.op == OpKind::FullyConnected && !node_encoding(c.n); }

void build_fc(const LowerCtx& c, KernelCall& call) {
  const Tensor& x = c.in(0);
  const Tensor& w = const_input(c, 1, "weight");
  check_io(c);
  if (w.shape.size() != 2) c.error(fmt::format("weight '{}' must be [M,K], is {}", w.name, shape_str(w.shape)));
  const int64_t m = w.shape[0], k = w.shape[1];
  const int32_t batches = to_i32(c, x.numel() / k, "batches");
  call.inputs = {c.n.in(0)};
  call.tables.push_back(copy_table("weights", w));
  add_bias(c, call, 2, m);
  if (c.quantized()) {  // int8, or 16x8 (zero points 0, int64 bias)
    mote_fc_s8_params p{};
    p.batches = batches;
    p.in_features = to_i32(c, k, "in_features");
    p.out_features = to_i32(c, m, "out_features");
    const TQ qi = tensor_quant(c, x), qo = tensor_quant(c, c.out());
    p.in_zp = qi.zp, p.out_zp = qo.zp;
    std::tie(p.act_min, p.act_max) = act_range_s8(c);
    const std::vector<double> ws = weight_scales(c, w, m);
    p.per_channel = w.quant.per_channel() ? 1 : 0;
    std::vector<double> reals(p.per_channel ? ws.size() : 1);
    for (size_t o = 0; o < reals.size(); ++o) reals[o] = qi.scale * ws[o] / qo.scale;
    add_requant_tables(call, reals);
    if (!c.int8()) check_requant16(c, call);
    call.params = p;
    // mote_fully_connected_s8 writes each output as it computes it, reading the row throughout.
    if (c.int8()) call.overlap = stream_overlap(fc_walk(p.batches, p.in_features, p.out_features, false));
    return;
  }
  if (w.dtype != DType::F32) c.error(fmt::format("weight '{}' is {}, expected f32", w.name, dtype_name(w.dtype)));
  mote_fc_f32_params p{};
  p.batches = batches;
  p.in_features = to_i32(c, k, "in_features");
  p.out_features = to_i32(c, m, "out_features");
  std::tie(p.act_min, p.act_max) = act_range_f32(c);
  call.params = p;
}

}  // namespace mote
