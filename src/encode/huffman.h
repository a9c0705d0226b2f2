// Canonical Huffman codes with a length limit, as the runtime's decoder reads them
// (runtime/include/mote/decode.h).
#pragma once
#include <cstdint>
#include <vector>

namespace mote {

// A prefix code over symbols 0..n-1; symbols of frequency 0 get no code (length 0).
struct HuffmanCode {
  std::vector<int> length;       // per symbol
  std::vector<uint32_t> code;    // per symbol, the low `length` bits, first bit read = top bit
  std::vector<int> count;        // count[l]: codes of length l, l = 0..max_len
  std::vector<uint8_t> symbols;  // the coded symbols by (length, symbol): the decoder's order
  int max_len = 0;

  // Bits this code spends on a message with these symbol frequencies.
  uint64_t cost(const std::vector<uint64_t>& freq) const;
};

// Optimal code lengths no longer than max_len (package-merge), canonical codes assigned in
// (length, symbol) order. At most 256 symbols; a single used symbol gets a 1-bit code.
HuffmanCode huffman_code(const std::vector<uint64_t>& freq, int max_len);

}  // namespace mote
