// TFLM's compressed model format: a post-pass over a serialized int8 .tflite that rewrites the
// constant weights that get smaller as TFLM_DECODE inputs (layout and sources:
// frontend/tflite/tflm_decode.h). Stock TFLM decodes them at run time to the same bytes, so
// its outputs equal the uncompressed file's.
#pragma once
#include <cstddef>
#include <string>

namespace mote {

enum class TflmCompression { Lut, Huffman, Prune };

// "lut", "huffman", "prune"; anything else throws mote::Error naming the flag.
TflmCompression tflm_compression_from_name(const std::string& name);

struct TflmCompressed {
  std::string bytes;  // the compressed model, or the input unchanged when no tensor gets smaller
  int tensors = 0;    // tensors compressed
  size_t plain_tensor_bytes = 0, encoded_tensor_bytes = 0;  // theirs, before / after (encoded + ancillary)
};

// Which tensors: int8 constants read only as the filter of CONV_2D, DEPTHWISE_CONV_2D or
// FULLY_CONNECTED (TFLM's kernels read those at Eval, after DECODE ran), whose encoding plus a
// DECODE operator's own bytes is smaller. LUT takes tensors with at most 128 distinct values
// per channel (TFLM's 7-bit index limit; weight sharing is what gets them there), prune those
// with zero points to drop, Huffman any. Every encoding is decoded again and checked before it
// is used. Throws mote::Error for a model that is not a valid TFLite file.
TflmCompressed compress_tflite(const std::string& plain, TflmCompression method);

}  // namespace mote
