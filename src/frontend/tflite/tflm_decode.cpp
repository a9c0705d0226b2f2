// Decoding TFLM's DECODE operators back into plain constant tensors (layout: tflm_decode.h).
#include "frontend/tflite/tflm_decode.h"

#include <cstring>
#include <map>

#include "util/error.h"

namespace mote::tflm {

size_t element_size(tflite::TensorType t) {
  switch (t) {
    case tflite::TensorType::INT8:
    case tflite::TensorType::UINT8:
    case tflite::TensorType::BOOL: return 1;
    case tflite::TensorType::INT16: return 2;
    case tflite::TensorType::INT32:
    case tflite::TensorType::FLOAT32: return 4;
    case tflite::TensorType::INT64: return 8;
    default: return 0;
  }
}

int64_t element_count(const tflite::TensorT& t) {
  int64_t n = 1;
  for (int32_t d : t.shape) {
    if (d < 0 || (d > 0 && n > (int64_t(1) << 40) / d)) fail("tensor '{}' has an invalid shape", t.name);
    n *= d;
  }
  return n;
}

ChannelLayout channel_layout(const tflite::TensorT& t) {
  ChannelLayout c;
  c.zero_points = {0};
  const tflite::QuantizationParametersT* q = t.quantization.get();
  if (!q || q->scale.empty()) return c;
  c.channels = q->scale.size();
  const int axis = q->quantized_dimension;
  const int rank = int(t.shape.size());
  if (c.channels > 1 && rank > 0 && axis == rank - 1) {
    c.last_axis = true;
  } else if (axis != 0) {
    fail("tensor '{}': TFLM decodes per-channel tensors along axis 0 or the last axis, not axis {}", t.name, axis);
  }
  const int64_t n = element_count(t);
  const int64_t extent = rank > 0 ? t.shape[size_t(axis)] : 1;
  if (c.channels > 1 && int64_t(c.channels) != extent)
    fail("tensor '{}': {} scales for {} channels on axis {}", t.name, c.channels, extent, axis);
  if (n % int64_t(c.channels) != 0) fail("tensor '{}': {} elements do not split into {} channels", t.name, n, c.channels);
  if (!q->zero_point.empty()) c.zero_points = q->zero_point;
  return c;
}

namespace {

// Bit `i` of an MSB-first bit string.
bool bit(const std::vector<uint8_t>& b, size_t i) { return (b[i >> 3] >> (7 - (i & 7))) & 1; }

std::vector<uint8_t> decode_lut(const std::vector<uint8_t>& enc, const std::vector<uint8_t>& anc, const tflite::TensorT& out,
                                size_t esize, const std::string& what) {
  if (anc[4] != 1) fail("{}: LUT version {} (expected 1)", what, anc[4]);
  const int bits = anc[5] & 7;
  const size_t stride = anc[6];
  if (bits < 1) fail("{}: LUT index width 0", what);
  if (stride < 1 || stride > 128) fail("{}: LUT table stride {} (expected 1..128)", what, stride);
  const ChannelLayout ch = channel_layout(out);
  const size_t n = size_t(element_count(out));
  if (anc.size() < kDcmBytes + ch.channels * stride * esize)
    fail("{}: ancillary data holds {} bytes, {} value tables of {} need {}", what, anc.size() - kDcmBytes, ch.channels, stride,
         ch.channels * stride * esize);
  if (enc.size() * 8 < n * size_t(bits)) fail("{}: {} encoded bytes for {} indices of {} bits", what, enc.size(), n, bits);
  std::vector<uint8_t> r(n * esize);
  const uint8_t* tables = anc.data() + kDcmBytes;
  for (size_t i = 0; i < n; ++i) {
    size_t index = 0;
    for (int k = 0; k < bits; ++k) index = (index << 1) | size_t(bit(enc, i * size_t(bits) + size_t(k)));
    if (index >= stride) fail("{}: element {}: index {} outside its table of {}", what, i, index, stride);
    std::memcpy(&r[i * esize], tables + (ch.channel_of(i, n) * stride + index) * esize, esize);
  }
  return r;
}

std::vector<uint8_t> decode_prune(const std::vector<uint8_t>& enc, const std::vector<uint8_t>& anc, const tflite::TensorT& out,
                                  size_t esize, const std::string& what) {
  if (anc[4] != 1) fail("{}: prune version {} (expected 1)", what, anc[4]);
  const ChannelLayout ch = channel_layout(out);
  const size_t n = size_t(element_count(out));
  if (enc.size() * 8 < n) fail("{}: {} encoded bytes for a {}-element mask", what, enc.size(), n);
  const bool per_channel = ch.channels > 1 && out.type == tflite::TensorType::INT8;
  if (!per_channel && out.type != tflite::TensorType::INT8 && ch.zero_points[0] != 0)
    fail("{}: pruned {} tensor with zero point {} (TFLM needs 0)", what, tflite::EnumNameTensorType(out.type), ch.zero_points[0]);
  if (per_channel && ch.zero_points.size() != ch.channels) fail("{}: {} zero points for {} channels", what, ch.zero_points.size(), ch.channels);
  std::vector<uint8_t> r(n * esize, 0);
  size_t next = kDcmBytes;
  for (size_t i = 0; i < n; ++i) {
    if (bit(enc, i)) {
      if (next + esize > anc.size()) fail("{}: ancillary data ends at kept value of element {}", what, i);
      std::memcpy(&r[i * esize], &anc[next], esize);
      next += esize;
    } else if (out.type == tflite::TensorType::INT8) {
      r[i] = uint8_t(int8_t(ch.zero_points[per_channel ? ch.channel_of(i, n) : 0]));
    }
  }
  return r;
}

// TFLM's Huffman walk: big-endian 32-bit words, a top lookup, links, then the put-back.
std::vector<uint8_t> decode_huffman(const std::vector<uint8_t>& enc, const std::vector<uint8_t>& anc, const tflite::TensorT& out,
                                    size_t esize, const std::string& what) {
  if (anc[4] != 1) fail("{}: Huffman version {} (expected 1)", what, anc[4]);
  const bool wide = anc[5] & 1;
  const int top_bits = ((anc[5] & 0xF0) >> 4) + 1;
  if (!wide && out.type != tflite::TensorType::INT8) fail("{}: 16-bit Huffman tables decode only int8 tensors", what);
  if (wide && out.type != tflite::TensorType::INT8 && out.type != tflite::TensorType::INT16)
    fail("{}: Huffman decodes only int8 and int16 tensors", what);
  const size_t entry = wide ? 4 : 2;
  const size_t n_entries = (anc.size() - kDcmBytes) / entry;
  auto table = [&](size_t k) -> uint32_t {
    if (k >= n_entries) fail("{}: Huffman table index {} outside the {} entries", what, k, n_entries);
    uint32_t v = 0;
    for (size_t b = 0; b < entry; ++b) v |= uint32_t(anc[kDcmBytes + k * entry + b]) << (8 * b);
    return v;
  };
  const uint32_t symbol_flag = wide ? 0x80000000u : kHuffSymbol16;
  const int count_shift = wide ? 27 : kHuffCountShift16;
  const uint32_t value_mask = wide ? 0x07FFFFFFu : kHuffValueMask16;
  const size_t stream_bits = (enc.size() / 4) * 32;  // the decoder reads whole words
  size_t pos = 0;
  auto read = [&](int count) {
    if (pos + size_t(count) > stream_bits) fail("{}: Huffman bit string ends early ({} bits)", what, stream_bits);
    uint32_t v = 0;
    for (int k = 0; k < count; ++k) v = (v << 1) | uint32_t(bit(enc, pos++));
    return v;
  };
  const size_t n = size_t(element_count(out));
  // Every codeword takes at least one bit: this bounds the output before it is allocated.
  if (n > stream_bits) fail("{}: {} encoded bits for {} elements", what, stream_bits, n);
  std::vector<uint8_t> r(n * esize);
  for (size_t i = 0; i < n; ++i) {
    int used = top_bits;
    size_t at = read(used);
    uint32_t e = table(at);
    for (int depth = 0; !(e & symbol_flag); ++depth) {
      if (depth > 32) fail("{}: Huffman tables link in a cycle", what);
      used = int((e >> count_shift) & 0xF) + 1;
      at += (e & value_mask) + read(used);
      e = table(at);
    }
    const int consumed = int((e >> count_shift) & 0xF);
    if (consumed == 0) fail("{}: Huffman table entry {} is a symbol of no bits", what, at);
    if (used > consumed) pos -= size_t(used - consumed);
    const uint32_t v = e & value_mask;
    for (size_t b = 0; b < esize; ++b) r[i * esize + b] = uint8_t(v >> (8 * b));  // the low bits, as TFLM's store
  }
  return r;
}

}  // namespace

std::vector<uint8_t> decode_tensor(const std::vector<uint8_t>& encoded, const std::vector<uint8_t>& ancillary,
                                   const tflite::TensorT& out, const std::string& what) {
  if (ancillary.size() < kDcmBytes) fail("{}: ancillary data of {} bytes (the DCM header alone is {})", what, ancillary.size(), kDcmBytes);
  if (ancillary[1] != 1) fail("{}: DCM version {} (expected 1)", what, ancillary[1]);
  const size_t esize = element_size(out.type);
  if (esize == 0) fail("{}: TFLM does not decode {} tensors", what, tflite::EnumNameTensorType(out.type));
  switch (ancillary[0]) {
    case kLut: return decode_lut(encoded, ancillary, out, esize, what);
    case kPrune: return decode_prune(encoded, ancillary, out, esize, what);
    case kHuffman: return decode_huffman(encoded, ancillary, out, esize, what);
    default: fail("{}: unsupported decode type {}", what, ancillary[0]);
  }
}

bool has_decode_ops(const tflite::Model* m) {
  if (!m->operator_codes() || !m->subgraphs()) return false;
  for (const tflite::SubGraph* sg : *m->subgraphs()) {
    if (!sg->operators()) continue;
    for (const tflite::Operator* op : *sg->operators()) {
      if (op->opcode_index() >= m->operator_codes()->size()) continue;
      const tflite::OperatorCode* oc = m->operator_codes()->Get(op->opcode_index());
      if (oc->custom_code() && oc->custom_code()->str() == kDecodeOp) return true;
    }
  }
  return false;
}

void expand_decode_ops(tflite::ModelT& m) {
  for (size_t s = 0; s < m.subgraphs.size(); ++s) {
    tflite::SubGraphT& sg = *m.subgraphs[s];
    auto tensor_at = [&](int32_t i) -> tflite::TensorT& {
      if (i < 0 || size_t(i) >= sg.tensors.size()) fail("DECODE tensor index {} out of range (the subgraph has {})", i, sg.tensors.size());
      return *sg.tensors[size_t(i)];
    };
    auto data_of = [&](const tflite::TensorT& t) -> const std::vector<uint8_t>& {
      if (t.buffer == 0 || t.buffer >= m.buffers.size() || m.buffers[t.buffer]->data.empty())
        fail("DECODE input '{}' is not a constant tensor with data in the file", t.name);
      return m.buffers[t.buffer]->data;
    };
    std::map<int32_t, int32_t> decoded_to_encoded;
    std::map<int32_t, std::vector<uint8_t>> decoded_data;  // per encoded tensor
    std::map<int32_t, tflite::TensorT> decoded_as;
    std::vector<std::unique_ptr<tflite::OperatorT>> kept;
    for (size_t k = 0; k < sg.operators.size(); ++k) {
      std::unique_ptr<tflite::OperatorT>& op = sg.operators[k];
      if (op->opcode_index >= m.operator_codes.size()) fail("operator {}: opcode index {} out of range", k, op->opcode_index);
      if (m.operator_codes[op->opcode_index]->custom_code != kDecodeOp) {
        kept.push_back(std::move(op));
        continue;
      }
      if (op->inputs.size() != 2 * op->outputs.size() || op->outputs.empty())
        fail("operator {} (TFLM_DECODE): {} inputs for {} outputs (expected 2 per output)", k, op->inputs.size(), op->outputs.size());
      for (size_t j = 0; j < op->outputs.size(); ++j) {
        const int32_t e = op->inputs[2 * j], a = op->inputs[2 * j + 1], o = op->outputs[j];
        const tflite::TensorT& out = tensor_at(o);
        const std::string what = fmt::format("operator {} (TFLM_DECODE) output '{}'", k, out.name);
        std::vector<uint8_t> bytes;
        try {
          bytes = decode_tensor(data_of(tensor_at(e)), data_of(tensor_at(a)), out, fmt::format("ancillary tensor '{}'", tensor_at(a).name));
        } catch (const Error& err) {
          fail("{}: {}", what, err.what());
        }
        auto seen = decoded_data.find(e);
        if (seen != decoded_data.end() &&
            (seen->second != bytes || decoded_as[e].shape != out.shape || decoded_as[e].type != out.type))
          fail("{}: decodes encoded tensor '{}' differently from an earlier DECODE", what, tensor_at(e).name);
        decoded_data[e] = std::move(bytes);
        decoded_as[e] = out;
        decoded_to_encoded[o] = e;
      }
    }
    sg.operators = std::move(kept);
    for (auto& op : sg.operators)
      for (int32_t& i : op->inputs) {
        auto it = decoded_to_encoded.find(i);
        if (it != decoded_to_encoded.end()) i = it->second;
      }
    for (int32_t i : sg.outputs)
      if (decoded_to_encoded.count(i)) fail("subgraph {}: a DECODE output is a subgraph output", s);
    for (auto& [e, bytes] : decoded_data) {
      tflite::TensorT& t = tensor_at(e);
      const tflite::TensorT& as = decoded_as[e];
      t.type = as.type;
      t.shape = as.shape;
      t.quantization = as.quantization ? std::make_unique<tflite::QuantizationParametersT>(*as.quantization) : nullptr;
      // A fresh buffer: the encoded one may be shared with another tensor.
      m.buffers.push_back(std::make_unique<tflite::BufferT>());
      m.buffers.back()->data = std::move(bytes);
      t.buffer = uint32_t(m.buffers.size() - 1);
    }
  }
}

std::string pack_model(const tflite::ModelT& m) {
  // A union whose type names a table the file does not hold unpacks to a null value, which Pack
  // would read: refuse it (the flatbuffer verifier accepts the missing table).
  for (size_t s = 0; s < m.subgraphs.size(); ++s) {
    const tflite::SubGraphT& sg = *m.subgraphs[s];
    for (size_t t = 0; t < sg.tensors.size(); ++t) {
      const tflite::QuantizationParametersT* q = sg.tensors[t]->quantization.get();
      if (q && q->details.type != tflite::QuantizationDetails::NONE && !q->details.value)
        fail("subgraph {} tensor {}: quantization details of type {} without their table", s, t, int(q->details.type));
    }
    for (size_t o = 0; o < sg.operators.size(); ++o) {
      const tflite::BuiltinOptionsUnion& b = sg.operators[o]->builtin_options;
      if (b.type != tflite::BuiltinOptions::NONE && !b.value)
        fail("subgraph {} operator {}: builtin options of type {} without their table", s, o, int(b.type));
    }
  }
  flatbuffers::FlatBufferBuilder fb;
  tflite::FinishModelBuffer(fb, tflite::Model::Pack(fb, &m));
  return std::string(reinterpret_cast<const char*>(fb.GetBufferPointer()), fb.GetSize());
}

}  // namespace mote::tflm
