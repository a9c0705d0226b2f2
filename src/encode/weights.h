// Encoded int8 weights: the compile-time side of runtime/include/mote/decode.h.
//
// Two steps, kept apart so that the oracle and the generated C compute with the same int8
// values: weight sharing (lossy: at most 2^bits distinct int8 values per tensor), then a
// lossless encoding (codebook indices, sparse relative indices, Huffman) the device decodes
// back to exactly those values.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "mote/decode.h"

namespace mote {

// Weight sharing on int8 codes: 1-D k-means over the values' histogram, centroids first spread
// linearly between the least and the greatest value (Deep Compression's initialisation), each
// value replaced by its nearest centroid rounded to int8. With keep_zero, zeros (pruned
// weights) stay zero and are not clustered; the nonzeros get 2^bits - 1 centroids, so the
// codebook with its zero has at most 2^bits entries.
std::vector<int8_t> share_weights(const std::vector<int8_t>& w, int bits, bool keep_zero);
// The same k-means with at most `k` centroids for the values not in `fixed`; those keep their
// value and are not clustered. Centroid fine-tuning (src/train) pins 0 and +-127 so that every
// channel keeps its weight scale.
std::vector<int8_t> share_weights_fixed(const std::vector<int8_t>& w, int k, const std::vector<int8_t>& fixed);

struct WeightEncoding {
  bool sparse = false;  // relative-index entries for the nonzeros
  bool codebook = false;  // values as indices into the tensor's sorted distinct values
  int value_bits = 8;   // fixed value field without a codebook: 8, or 4 (packed int4)
  bool huffman = false;  // Huffman-code the values and (sparse) the gaps
  int index_bits = 0;   // sparse gap field width 1..8; 0 chooses the smallest stream
  // sparse, int8 values: byte-aligned groups of four (gap, value) entries per row
  // (MOTE_WENC_GROUPS), what the fast sparse FC kernels read; no codebook, no Huffman code.
  bool groups = false;
};

// The blob and the runtime's descriptor of it.
struct EncodedWeights {
  std::vector<uint8_t> blob;
  mote_wenc wenc{};  // every field but the blob pointer
  // For the report: nonzero weights, the stream's bits with fixed-width fields and as written.
  int64_t nonzeros = 0;
  uint64_t fixed_stream_bits = 0, stream_bits = 0;

  // "dense" or "sparse", "+codebook", "+huffman", " int4": what the blob holds.
  std::string kind() const;
  // The descriptor pointing at this blob, as the decoder takes it.
  mote_wenc view() const {
    mote_wenc d = wenc;
    d.blob = blob.data();
    return d;
  }
};

// The encoding chosen for a node's weights, carried in its attributes ("wenc_*") from the pass
// that chooses it (passes/encode.h) to lowering; none for plain weights.
std::optional<WeightEncoding> node_encoding(const Node& n);
void set_node_encoding(Node& n, const WeightEncoding& e);

// Encodes a [rows][row_len] int8 tensor; throws mote::Error naming `what` when the options do
// not fit the values (int4 fields for values outside [-8, 7], a codebook over 256 values).
EncodedWeights encode_weights(const std::vector<int8_t>& w, int32_t rows, int32_t row_len, const WeightEncoding& opt,
                              const std::string& what);

}  // namespace mote
