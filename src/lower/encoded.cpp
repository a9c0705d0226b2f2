// Fully connected and Conv2D over encoded weights (mote compile --encode, runtime mote/decode.h):
// the node's int8 weights, as the encode pass left them, written as one blob the kernel decodes
// row by row. The dense "weights" table stays in the call for the C++ oracle only.
#include <algorithm>
#include <optional>

#include "lower/families.h"

#include "mote/decode.h"

namespace mote {

namespace {

bool encoded_int8(const LowerCtx& c) { return c.int8() && node_encoding(c.n).has_value(); }

// The weights as [rows = output channels][row_len]: FC [out][in], conv OHWI.
void encode_call(const LowerCtx& c, KernelCall& call) {
  const Tensor& w = const_input(c, 1, "weight");
  if (w.dtype != DType::I8) c.error(fmt::format("encoded weight '{}' is {}, expected i8", w.name, dtype_name(w.dtype)));
  const int64_t rows = w.shape.at(0), row_len = w.numel() / rows;
  const std::vector<int8_t> dense(w.as<int8_t>(), w.as<int8_t>() + w.numel());
  call.encoded = encode_weights(dense, to_i32(c, rows, "rows"), to_i32(c, row_len, "row length"), *node_encoding(c.n),
                                fmt::format("node '{}' weight '{}'", c.n.name, w.name));
}

// mote_fully_connected_s8_sparse reads fixed-width (gap, value) fields of at most 16 bits.
bool sparse_fields(const WeightEncoding& e) {
  return e.sparse && !e.groups && !e.huffman && (e.index_bits == 0 || e.index_bits + e.value_bits <= 16);
}

// The FC's bias less in_zp times each row's weight sum, as the byte-group kernels take it (their
// sum is then over the inputs alone); none where one does not fit int32.
std::optional<std::vector<int32_t>> folded_bias(const KernelCall& fc) {
  const mote_fc_s8_params& p = std::get<mote_fc_s8_params>(fc.params);
  const ConstTable* w = fc.table("weights");
  const ConstTable* b = fc.table("bias");
  const auto* wv = reinterpret_cast<const int8_t*>(w->bytes.data());
  const auto* bv = b ? reinterpret_cast<const int32_t*>(b->bytes.data()) : nullptr;
  std::vector<int32_t> out(size_t(p.out_features));
  for (int64_t o = 0; o < p.out_features; ++o) {
    int64_t sum = 0;
    for (int64_t k = 0; k < p.in_features; ++k) sum += wv[o * p.in_features + k];
    const int64_t v = (bv ? bv[o] : 0) - int64_t(p.in_zp) * sum;
    if (v < INT32_MIN || v > INT32_MAX) return std::nullopt;
    out[size_t(o)] = int32_t(v);
  }
  return out;
}

}  // namespace

bool is_fc_sparse8(const LowerCtx& c) {
  if (c.n.op != OpKind::FullyConnected || !encoded_int8(c) || !node_encoding(c.n)->groups) return false;
  KernelCall fc;
  build_fc(c, fc);
  return folded_bias(fc).has_value();
}

void build_fc_sparse8(const LowerCtx& c, KernelCall& call) {
  build_fc(c, call);
  const std::vector<int32_t> bias = *folded_bias(call);
  std::get<mote_fc_s8_params>(call.params).in_zp = 0;
  auto& t = call.tables;
  t.erase(std::remove_if(t.begin(), t.end(), [](const ConstTable& x) { return x.role == "bias"; }), t.end());
  t.push_back(make_table("bias", DType::I32, bias));
  encode_call(c, call);
}

namespace {

// The DSP kernel's call from the portable one: its records where their requantization is exact
// (lower/conv_dsp.cpp), over the folded bias with no input offset left.
std::optional<KernelCall> sparse8_dsp_call(const LowerCtx& c) {
  if (!is_fc_sparse8(c)) return std::nullopt;
  KernelCall call;
  build_fc_sparse8(c, call);
  const mote_fc_s8_params& p = std::get<mote_fc_s8_params>(call.params);
  auto data = [&](const char* role) { return reinterpret_cast<const int32_t*>(call.table(role)->bytes.data()); };
  std::optional<std::vector<int32_t>> chan =
      dsp_records(reinterpret_cast<const int8_t*>(call.table("weights")->bytes.data()), p.out_features, p.in_features,
                  data("bias"), data("multiplier"), data("shift"), p.per_channel != 0, 0, p.out_zp);
  if (!chan) return std::nullopt;
  // batches first to last, as the portable kernel walks them
  call.params = mote_fc_s8_dsp_params{p.batches, p.in_features, p.out_features, p.act_min, p.act_max, 0, 0};
  auto& t = call.tables;
  t.erase(std::remove_if(t.begin(), t.end(), [](const ConstTable& x) { return x.role != "weights"; }), t.end());
  t.push_back(make_table("bias", DType::I32, *chan));
  return call;
}

}  // namespace

bool is_fc_sparse8_dsp(const LowerCtx& c) { return sparse8_dsp_call(c).has_value(); }

void build_fc_sparse8_dsp(const LowerCtx& c, KernelCall& call) {
  std::optional<KernelCall> d = sparse8_dsp_call(c);
  if (!d) c.error("the DSP requantization is not exact for this layer");
  call.params = d->params;
  call.inputs = d->inputs;
  call.tables = std::move(d->tables);
  call.encoded = std::move(d->encoded);
  call.overlap = d->overlap;  // the portable kernel's walk: batch by batch, a row after its reads
}

bool is_fc_sparse(const LowerCtx& c) {
  return c.n.op == OpKind::FullyConnected && encoded_int8(c) && sparse_fields(*node_encoding(c.n));
}

bool is_fc_enc(const LowerCtx& c) { return c.n.op == OpKind::FullyConnected && encoded_int8(c); }

bool is_conv_enc(const LowerCtx& c) {
  return c.n.op == OpKind::Conv && !is_depthwise(c) && encoded_int8(c);
}

void build_fc_enc(const LowerCtx& c, KernelCall& call) {
  build_fc(c, call);
  encode_call(c, call);
  // It decodes a row once for every batch (output feature outer, batch inner): over several
  // batches its writes run ahead of the batch-by-batch walk, so its output may not overlap.
  if (std::get<mote_fc_s8_params>(call.params).batches > 1) call.overlap.reset();
}

void build_conv_enc(const LowerCtx& c, KernelCall& call) {
  build_conv(c, call);
  encode_call(c, call);
  // It writes output channel by output channel, every pixel of one channel before the next: its
  // writes run ahead of any pixel-order read, so its output may not overlap its input.
  call.overlap.reset();
}

int64_t fully_connected_s8_enc_scratch(const KernelCall& call) {
  return int64_t(mote_fully_connected_s8_enc_scratch_bytes(&std::get<mote_fc_s8_params>(call.params)));
}

int64_t conv2d_s8_enc_scratch(const KernelCall& call) {
  return int64_t(mote_conv2d_s8_enc_scratch_bytes(&std::get<mote_conv_s8_params>(call.params)));
}

}  // namespace mote
