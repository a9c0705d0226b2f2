// The encoding step of the pipeline (mote compile --encode): chooses, layer by layer, how the
// int8 weights of FullyConnected and Conv nodes are stored in flash and decoded on the device,
// and makes the lossy part of that choice (weight sharing, 4-bit requantization) in the graph,
// so that the C++ reference and the generated C compute with the same int8 values.
#pragma once
#include <cstdint>
#include <string>

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
const char* encode_mode_name(EncodeMode m);

struct EncodeOptions {
  EncodeMode mode = EncodeMode::None;
  // k-means weight sharing: at most 2^share_bits distinct values per layer, zeros kept (2..8);
  // 0 keeps the int8 values, so the encoding is lossless.
  int share_bits = 0;
};

// Encodes every FullyConnected and non-depthwise Conv of an int8 graph whose weights the mode
// stores in fewer bytes than int8 (Int4 always does); other layers stay plain. Throws on
// options that do not fit the graph (a float or 16x8 graph, bits out of range).
void encode_graph(Graph& g, const EncodeOptions& opt);

}  // namespace mote
