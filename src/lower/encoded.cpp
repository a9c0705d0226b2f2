// Fully connected and Conv2D over encoded weights (mote compile --encode, runtime mote/decode.h):
// the node's int8 weights, as the encode pass left them, written as one blob the kernel decodes
// row by row. The dense "weights" table stays in the call for the C++ oracle only.
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
  return e.sparse && !e.huffman && (e.index_bits == 0 || e.index_bits + e.value_bits <= 16);
}

}  // namespace

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
}

void build_conv_enc(const LowerCtx& c, KernelCall& call) {
  build_conv(c, call);
  encode_call(c, call);
}

int64_t fully_connected_s8_enc_scratch(const KernelCall& call) {
  return int64_t(mote_fully_connected_s8_enc_scratch_bytes(&std::get<mote_fc_s8_params>(call.params)));
}

int64_t conv2d_s8_enc_scratch(const KernelCall& call) {
  return int64_t(mote_conv2d_s8_enc_scratch_bytes(&std::get<mote_conv_s8_params>(call.params)));
}

}  // namespace mote
