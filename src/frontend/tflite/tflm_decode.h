// TFLM's compressed-model format (the DECODE operator), as read by the importer and written by
// backend/tflite/tflm_compress. Layout, learned from tensorflow/tflite-micro (2025-26 main):
// kernels/decode.cc, decode_state.h, decode_state_{lut,prune,huffman}.{h,cc},
// decode_state_huffman_test.cc, and the compressor compression/{compress,decode,decode_insert,lut}.py.
//
// Graph: a compressed constant tensor T stays in the subgraph as the *encoded* tensor (here
// UINT8, shape [bytes], no quantization). Before each operator that reads T a CUSTOM operator
// "TFLM_DECODE" is inserted (one per consumer: TFLM's alternate decompression memory reuses one
// address per DECODE) with inputs [encoded, ancillary] and one output that has T's type, shape
// and quantization and no buffer; the consumer reads that output instead. The ancillary tensor
// is UINT8 [bytes], constant. No model metadata entry is involved (the older
// COMPRESSION_METADATA scheme is not this one).
//
// Ancillary tensor = 16-byte DECODE Common Metadata (DCM) + type-specific data:
//   DCM[0] decode type: 0 LUT, 1 Huffman, 2 prune; DCM[1] DCM version = 1; DCM[2..3] reserved;
//   DCM[4..15] type-specific; data from byte 16 on (16-byte aligned in the buffer).
// Channels (LUT, prune) come from the DECODE output's quantization: scale count = channels; a
// quantized_dimension of 0 gives contiguous blocks of numel/channels elements, the last axis
// (with > 1 channel) interleaved channels (channel = element index % channels); any other axis
// TFLM rejects.
//   LUT:     DCM[4] = 1 (LUT version), DCM[5] & 7 = index bit width b (1..7), DCM[6] = table
//            stride s (elements per channel table, <= 128). Data: one table of s values of the
//            tensor's element type per channel. Encoded: indices of b bits, packed MSB first
//            across the whole tensor in element order; element i = table[channel(i)][index i].
//   Prune:   DCM[4] = 1. Encoded: one bit per element, MSB first, 1 = kept. Data: the kept
//            values in element order (element type). A dropped element is the zero point: the
//            channel's for per-channel int8, else zero_point[0] (which must be 0 for other types).
//   Huffman: DCM[4] = 1, DCM[5] = (log2(top table entries) - 1) << 4 | (1 if 32-bit entries).
//            Data: the decode tables (16-bit entries: int8 output only; 32-bit: int8/int16).
//            Entry bit 15 (31) set: a symbol, bits 14..11 (30..27) = bits of the last lookup it
//            consumed, the low bits its value; else a link, bits 14..11 + 1 = width of the next
//            lookup, low 11 (27) bits = distance from this entry to the next table. Encoded: the
//            codewords' bit string MSB first in big-endian 32-bit words; the decoder reads the
//            top table's width, follows links, then puts back the bits the symbol did not use.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "formats/tflite/schema_generated.h"

namespace mote::tflm {

inline constexpr const char* kDecodeOp = "TFLM_DECODE";
inline constexpr size_t kDcmBytes = 16;
enum DecodeType : uint8_t { kLut = 0, kHuffman = 1, kPrune = 2 };
inline constexpr int kLutMaxBits = 7;
inline constexpr uint16_t kHuffSymbol16 = 0x8000;
inline constexpr int kHuffCountShift16 = 11;
inline constexpr uint16_t kHuffValueMask16 = 0x07FF;

// How TFLM's LUT and prune decoders see a tensor's channels.
struct ChannelLayout {
  size_t channels = 1;
  bool last_axis = false;             // interleaved along the last axis, else blocks along axis 0
  std::vector<int64_t> zero_points;   // per channel (one entry when per-tensor or unquantized: 0)
  size_t channel_of(size_t i, size_t numel) const { return last_axis ? i % channels : i / (numel / channels); }
};

// Throws mote::Error when TFLM could not decode along the tensor's quantized axis.
ChannelLayout channel_layout(const tflite::TensorT& t);
// Bytes per element of the types the decoders handle, 0 for the others.
size_t element_size(tflite::TensorType t);
int64_t element_count(const tflite::TensorT& t);

// The raw bytes of `out` (its type and shape) decoded from one DECODE's encoded and ancillary
// data. Throws mote::Error naming `what` on any inconsistency (short data, bad version or type,
// an index outside its table, a bit string that ends early).
std::vector<uint8_t> decode_tensor(const std::vector<uint8_t>& encoded, const std::vector<uint8_t>& ancillary,
                                   const tflite::TensorT& out, const std::string& what);

// True when an operator of the model is a TFLM_DECODE.
bool has_decode_ops(const tflite::Model* m);

// Undoes the compression: every TFLM_DECODE operator is removed, its consumers read the encoded
// tensor again, which gets the decoded data and the DECODE output's type, shape and quantization
// (all DECODEs of one tensor must agree). The ancillary and DECODE output tensors stay, unused.
void expand_decode_ops(tflite::ModelT& m);

// The model serialized again (file identifier TFL3, buffers 16-byte aligned as the schema asks);
// a union whose table is missing is an error.
std::string pack_model(const tflite::ModelT& m);

}  // namespace mote::tflm
