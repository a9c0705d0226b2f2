#include "encode/graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "encode/weights.h"
#include "util/error.h"

namespace mote {

namespace {

constexpr const char* kModes[] = {"none", "int4", "codebook", "sparse", "huffman"};

// The node's int8 weight tensor when the encoded kernels run it: FC, or a Conv that is not
// depthwise, int8 in and out, its weights read by it alone.
Tensor* encodable_weights(Graph& g, const Node& n, int self) {
  if (n.op != OpKind::FullyConnected && n.op != OpKind::Conv) return nullptr;
  if (n.inputs.size() < 2 || n.in(1) < 0 || g.t(n.out()).dtype != DType::I8) return nullptr;
  Tensor& w = g.t(n.in(1));
  if (!w.is_const() || w.dtype != DType::I8 || w.shape.empty() || w.shape[0] <= 0) return nullptr;
  if (n.op == OpKind::Conv && w.shape.size() == 4 && w.shape[3] == 1 && n.attrs.i("group", 1) > 1) return nullptr;
  if (g.consumers(n.in(1)) != std::vector<int>{self}) return nullptr;
  return &w;
}

// 4-bit symmetric weights from the int8 ones, per channel where the scales are: the channel's
// largest magnitude maps to 7 and its scale grows by the same factor, as does the bias's (an
// int32 in units of input scale times weight scale).
void requantize_int4(Graph& g, const Node& n, Tensor& w) {
  const int64_t rows = w.shape[0], len = w.numel() / rows;
  const bool per_channel = w.quant.per_channel();
  if (w.quant.scale.empty() || (per_channel && int64_t(w.quant.scale.size()) != rows))
    fail("encode int4: node '{}' weight '{}' has {} scales for {} channels", n.name, w.name, w.quant.scale.size(), rows);
  int8_t* v = w.as_mut<int8_t>();
  std::vector<double> factor(size_t(rows), 1.0);
  auto peak = [&](int64_t lo, int64_t hi) {
    int m = 0;
    for (int64_t k = lo; k < hi; ++k) m = std::max(m, std::abs(int(v[k])));
    return m;
  };
  const int whole = per_channel ? 0 : peak(0, w.numel());
  for (int64_t o = 0; o < rows; ++o) {
    const int m = per_channel ? peak(o * len, (o + 1) * len) : whole;
    if (m > 7) factor[size_t(o)] = double(m) / 7.0;
  }
  for (int64_t o = 0; o < rows; ++o)
    for (int64_t k = o * len; k < (o + 1) * len; ++k)
      v[k] = int8_t(std::clamp<long>(std::lround(v[k] / factor[size_t(o)]), -8, 7));
  for (size_t s = 0; s < w.quant.scale.size(); ++s) w.quant.scale[s] = float(w.quant.scale[s] * factor[s]);
  const int b = n.in(2);
  if (b < 0 || !g.t(b).is_const()) return;
  Tensor& bias = g.t(b);
  if (bias.dtype != DType::I32 || bias.numel() != rows)
    fail("encode int4: node '{}' bias '{}' is not int32 [{}]", n.name, bias.name, rows);
  int32_t* bv = bias.as_mut<int32_t>();
  for (int64_t o = 0; o < rows; ++o) bv[o] = int32_t(std::llround(bv[o] / factor[size_t(per_channel ? o : 0)]));
  for (size_t s = 0; s < bias.quant.scale.size(); ++s)
    bias.quant.scale[s] = float(bias.quant.scale[s] * factor[per_channel ? s : 0]);
}

}  // namespace

EncodeMode encode_mode_from_name(const std::string& name) {
  for (size_t m = 0; m < std::size(kModes); ++m)
    if (name == kModes[m]) return EncodeMode(m);
  fail("unknown encoding '{}': expected none, int4, codebook, sparse or huffman", name);
}

const char* encode_mode_name(EncodeMode m) { return kModes[size_t(m)]; }

int share_bits_from_name(const std::string& name) {
  if (name == "auto") return kShareAuto;
  for (int b : {0, 2, 3, 4, 5, 6, 7, 8})
    if (name == std::to_string(b)) return b;
  fail("--share-bits {}: expected 2 to 8, 0 (no sharing) or auto", name);
}

void encode_graph(Graph& g, const EncodeOptions& opt) {
  if (opt.mode == EncodeMode::None) return;
  if (opt.share_bits == kShareAuto && opt.layer_bits.size() != g.nodes.size())
    fail("--share-bits auto: no sensitivity scan for graph '{}' (it needs --calib samples)", g.name);
  if (opt.share_bits != 0 && opt.share_bits != kShareAuto && (opt.share_bits < 2 || opt.share_bits > 8))
    fail("--share-bits {}: expected 2 to 8 or auto", opt.share_bits);
  if (opt.mode == EncodeMode::Int4 && opt.share_bits != 0)
    fail("--share-bits does not apply to --encode int4 (its 16 levels are the quantization grid)");
  if (g.inputs.empty() || g.t(g.inputs[0]).dtype != DType::I8)
    fail("--encode {}: graph '{}' is not int8; encoding stores int8 weights (give --calib, int8 activations)",
         encode_mode_name(opt.mode), g.name);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    Tensor* w = encodable_weights(g, n, int(i));
    if (!w) continue;
    const int32_t rows = int32_t(w->shape[0]), len = int32_t(w->numel() / w->shape[0]);
    const std::string what = fmt::format("node '{}' weight '{}'", n.name, w->name);
    if (opt.mode == EncodeMode::Int4) {
      requantize_int4(g, n, *w);
      set_node_encoding(n, WeightEncoding{false, false, 4, false, 0});
      continue;
    }
    const int bits = opt.share_bits == kShareAuto ? opt.layer_bits[i] : opt.share_bits;
    if (bits) share_node_weights(g, int(i), bits);
    const std::vector<int8_t> v = w->values<int8_t>();
    std::vector<WeightEncoding> tries;
    if (opt.mode == EncodeMode::Codebook) tries = {{false, true, 8, false, 0}};
    // An FC's int8 values in byte groups, for the fast sparse kernels; shared ones as codebook
    // indices in the bit stream, smaller.
    if (opt.mode == EncodeMode::Sparse)
      tries = {{true, bits != 0, 8, false, 0, n.op == OpKind::FullyConnected && bits == 0}};
    if (opt.mode == EncodeMode::Huffman)  // dense or sparse; symbols the int8 values or codebook indices
      for (bool sparse : {false, true})
        for (bool codebook : {false, true}) tries.push_back({sparse, codebook, 8, true, 0});
    size_t best = size_t(w->numel());  // plain int8 bytes: encode only what gets smaller
    for (const WeightEncoding& e : tries) {
      const size_t bytes = encode_weights(v, rows, len, e, what).blob.size();
      if (bytes < best) {
        best = bytes;
        set_node_encoding(n, e);
      }
    }
  }
}

bool has_encodable_weights(const Graph& g, int node) {
  return encodable_weights(const_cast<Graph&>(g), g.nodes.at(size_t(node)), node) != nullptr;
}

void share_node_weights(Graph& g, int node, int bits) {
  Tensor* w = encodable_weights(g, g.nodes.at(size_t(node)), node);
  if (!w) fail("weight sharing: node '{}' has no encodable weights", g.nodes[size_t(node)].name);
  const std::vector<int8_t> v = share_weights(w->values<int8_t>(), bits, true);
  std::memcpy(w->data.data(), v.data(), v.size());
}

}  // namespace mote
