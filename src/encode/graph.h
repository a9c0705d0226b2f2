// The encoding step of the pipeline (mote compile --encode): chooses, layer by layer, how the
// int8 weights of FullyConnected and Conv nodes are stored in flash and decoded on the device,
// and makes the lossy part of that choice (weight sharing, 4-bit requantization) in the graph,
// so that the C++ reference and the generated C compute with the same int8 values.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace mote {

enum class EncodeMode : uint8_t {
  None,      // plain int8 arrays
  Int4,      // weights requantized to 4 bits per channel, two per byte
  Codebook,  // indices into the layer's sorted distinct values, fixed width
  Sparse,    // Deep Compression's relative-index entries for the nonzeros (an FC's int8 ones in byte groups)
  Huffman,   // codebook indices (and, where smaller, sparse gaps) Huffman-coded
};
EncodeMode encode_mode_from_name(const std::string& name);  // throws listing the modes
// --share-bits: "auto" (kShareAuto), "0" or "2".."8"; throws on anything else.
int share_bits_from_name(const std::string& name);
const char* encode_mode_name(EncodeMode m);

// share_bits for --share-bits auto: each layer's from a sensitivity scan (driver/share_scan.h).
constexpr int kShareAuto = -1;

struct EncodeOptions {
  EncodeMode mode = EncodeMode::None;
  // k-means weight sharing: at most 2^share_bits distinct values per layer, zeros kept (2..8);
  // 0 keeps the int8 values, so the encoding is lossless; kShareAuto takes layer_bits.
  int share_bits = 0;
  std::vector<int> layer_bits;  // per node (kShareAuto): its bits, 0 for none
};

// Encodes every FullyConnected and non-depthwise Conv of an int8 graph whose weights the mode
// stores in fewer bytes than int8 (Int4 always does); other layers stay plain. Throws on
// options that do not fit the graph (a float or 16x8 graph, bits out of range).
void encode_graph(Graph& g, const EncodeOptions& opt);

// Node `node` has weights the encoded kernels can run (FC, or a Conv that is not depthwise, int8,
// its weights read by it alone).
bool has_encodable_weights(const Graph& g, int node);
// Weight sharing of that node's weights at `bits` (2..8), zeros kept, as encode_graph does it.
void share_node_weights(Graph& g, int node, int bits);

}  // namespace mote
