// Writing TFLM's DECODE format (layout and where it comes from: frontend/tflite/tflm_decode.h).
// The three encoders produce exactly the bit layouts TFLM's decode_state_{lut,prune,huffman}.cc
// read; the Huffman code lengths are src/encode's package-merge code, only its tables are TFLM's.
#include "backend/tflite/tflm_compress.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "encode/huffman.h"
#include "frontend/tflite/tflm_decode.h"
#include "util/error.h"

namespace mote {
namespace {

using tflite::BuiltinOperator;

// What one DECODE adds to the file besides the encoded and ancillary bytes: the operator, the
// ancillary and output tensor tables, a buffer table, alignment padding, offline-plan entries,
// and the two new tensors' names (the filter's with "_ancillary" / "_decoded").
size_t decode_cost(const std::string& name) { return 160 + 2 * (name.size() + 12); }

struct Encoded {
  std::vector<uint8_t> data, ancillary;
};

std::vector<uint8_t> dcm(uint8_t type, uint8_t b5, uint8_t b6) {
  std::vector<uint8_t> h(tflm::kDcmBytes, 0);
  h[0] = type;
  h[1] = 1;  // DCM version
  h[4] = 1;  // the decode type's own version
  h[5] = b5;
  h[6] = b6;
  return h;
}

// MSB-first bit string.
struct BitWriter {
  std::vector<uint8_t> bytes;
  size_t bits = 0;
  void put(uint32_t v, int n) {
    for (int k = n - 1; k >= 0; --k) {
      if (bits % 8 == 0) bytes.push_back(0);
      if ((v >> k) & 1) bytes.back() |= uint8_t(0x80 >> (bits % 8));
      ++bits;
    }
  }
};

int bit_width(size_t max_index) {
  int b = 1;
  while ((size_t(1) << b) <= max_index) ++b;
  return b;
}

std::optional<Encoded> encode_lut(const std::vector<int8_t>& w, const tflm::ChannelLayout& ch) {
  const size_t n = w.size();
  std::vector<std::vector<int8_t>> tables(ch.channels);
  {
    std::vector<std::set<int8_t>> distinct(ch.channels);
    for (size_t i = 0; i < n; ++i) distinct[ch.channel_of(i, n)].insert(w[i]);
    for (size_t c = 0; c < ch.channels; ++c) {
      if (distinct[c].size() > (size_t(1) << tflm::kLutMaxBits)) return std::nullopt;
      tables[c].assign(distinct[c].begin(), distinct[c].end());
    }
  }
  size_t most = 1;
  for (const auto& t : tables) most = std::max(most, t.size());
  const int bits = bit_width(most - 1);
  const size_t stride = size_t(1) << bits;
  Encoded e;
  e.ancillary = dcm(tflm::kLut, uint8_t(bits), uint8_t(stride));
  for (const auto& t : tables) {
    for (int8_t v : t) e.ancillary.push_back(uint8_t(v));
    e.ancillary.resize(e.ancillary.size() + stride - t.size(), 0);
  }
  BitWriter bw;
  for (size_t i = 0; i < n; ++i) {
    const auto& t = tables[ch.channel_of(i, n)];
    bw.put(uint32_t(std::lower_bound(t.begin(), t.end(), w[i]) - t.begin()), bits);
  }
  e.data = std::move(bw.bytes);
  return e;
}

std::optional<Encoded> encode_prune(const std::vector<int8_t>& w, const tflm::ChannelLayout& ch) {
  const size_t n = w.size();
  const bool per_channel = ch.channels > 1;
  if (per_channel && ch.zero_points.size() != ch.channels) return std::nullopt;
  Encoded e;
  e.ancillary = dcm(tflm::kPrune, 0, 0);
  BitWriter bw;
  for (size_t i = 0; i < n; ++i) {
    const int64_t zp = ch.zero_points[per_channel ? ch.channel_of(i, n) : 0];
    const bool keep = w[i] != zp;
    bw.put(keep, 1);
    if (keep) e.ancillary.push_back(uint8_t(w[i]));
  }
  if (e.ancillary.size() - tflm::kDcmBytes == n) return std::nullopt;  // nothing to drop
  e.data = std::move(bw.bytes);
  return e;
}

// TFLM's 16-bit Huffman tables for a code: a top table of 2^top entries, and for each top
// prefix of longer codes a table as wide as the longest of them needs. Empty when a link does
// not fit the entry's 11-bit distance.
std::vector<uint16_t> huffman_tables(const HuffmanCode& h, int top) {
  auto symbol = [](int sym, int consumed) { return uint16_t(tflm::kHuffSymbol16 | (consumed << tflm::kHuffCountShift16) | sym); };
  std::vector<uint16_t> t(size_t(1) << top, symbol(0, 1));  // entries no codeword reaches
  std::map<uint32_t, int> sub_bits;                            // top prefix -> its table's width
  for (size_t s = 0; s < h.length.size(); ++s) {
    const int len = h.length[s];
    if (len == 0) continue;
    if (len <= top) {
      const uint32_t first = h.code[s] << (top - len);
      for (uint32_t j = 0; j < (1u << (top - len)); ++j) t[first | j] = symbol(int(s), len);
    } else {
      int& b = sub_bits[h.code[s] >> (len - top)];
      b = std::max(b, len - top);
    }
  }
  std::map<uint32_t, size_t> sub_start;
  for (const auto& [prefix, bits] : sub_bits) {
    const size_t start = t.size();
    if (start - prefix > tflm::kHuffValueMask16) return {};
    t[prefix] = uint16_t(((bits - 1) << tflm::kHuffCountShift16) | (start - prefix));
    sub_start[prefix] = start;
    t.resize(start + (size_t(1) << bits), symbol(0, 1));
  }
  for (size_t s = 0; s < h.length.size(); ++s) {
    const int len = h.length[s];
    if (len <= top) continue;
    const uint32_t prefix = h.code[s] >> (len - top);
    const int rest = len - top, bits = sub_bits[prefix];
    const uint32_t first = (h.code[s] & ((1u << rest) - 1)) << (bits - rest);
    for (uint32_t j = 0; j < (1u << (bits - rest)); ++j) t[sub_start[prefix] + (first | j)] = symbol(int(s), rest);
  }
  return t;
}

std::optional<Encoded> encode_huffman(const std::vector<int8_t>& w) {
  std::vector<uint64_t> freq(256, 0);
  size_t used = 0;
  for (int8_t v : w) used += freq[uint8_t(v)]++ == 0;
  // Shorter length limits cost stream bits but shrink the tables, which dominate small tensors:
  // every limit up to 16 bits (the top table and one link level then stay within TFLM's 15-bit
  // lookups) and every top-table width, the smallest total kept.
  HuffmanCode h;
  std::vector<uint16_t> best;
  int best_top = 0;
  uint64_t best_bytes = 0;
  for (int limit = std::max(bit_width(used - 1), 1); limit <= 16; ++limit) {
    const HuffmanCode code = huffman_code(freq, limit);
    const uint64_t stream = (code.cost(freq) + 7) / 8;
    for (int top = 1; top <= std::min({code.max_len, 12}); ++top) {
      std::vector<uint16_t> t = huffman_tables(code, top);
      if (t.empty() || (!best.empty() && stream + 2 * t.size() >= best_bytes)) continue;
      best = std::move(t);
      best_top = top;
      best_bytes = stream + 2 * best.size();
      h = code;
    }
  }
  if (best.empty()) return std::nullopt;
  Encoded e;
  e.ancillary = dcm(tflm::kHuffman, uint8_t((best_top - 1) << 4), 0);
  for (uint16_t v : best) {
    e.ancillary.push_back(uint8_t(v));
    e.ancillary.push_back(uint8_t(v >> 8));
  }
  BitWriter bw;
  for (int8_t v : w) bw.put(h.code[uint8_t(v)], h.length[uint8_t(v)]);
  // The decoder reads whole big-endian words, and up to the longest lookup past the last codeword.
  const size_t read_end = (bw.bits + size_t(std::max(best_top, h.max_len)) + 7) / 8;
  bw.bytes.resize((read_end + 3) / 4 * 4, 0);
  e.data = std::move(bw.bytes);
  return e;
}

int32_t builtin_code(const tflite::OperatorCodeT& oc) { return std::max<int32_t>(oc.deprecated_builtin_code, int32_t(oc.builtin_code)); }

// Tensors read only as the filter (input 1) of the ops whose TFLM kernels take it at Eval.
std::map<int32_t, int> filter_consumers(const tflite::ModelT& m, const tflite::SubGraphT& sg) {
  std::map<int32_t, int> uses;
  std::set<int32_t> other;
  for (const auto& op : sg.operators) {
    const int32_t code = op->opcode_index < m.operator_codes.size() ? builtin_code(*m.operator_codes[op->opcode_index]) : -1;
    const bool weighted = code == int32_t(BuiltinOperator::CONV_2D) || code == int32_t(BuiltinOperator::DEPTHWISE_CONV_2D) ||
                          code == int32_t(BuiltinOperator::FULLY_CONNECTED);
    for (size_t k = 0; k < op->inputs.size(); ++k) {
      if (weighted && k == 1)
        ++uses[op->inputs[k]];
      else
        other.insert(op->inputs[k]);
    }
    other.insert(op->outputs.begin(), op->outputs.end());
  }
  other.insert(sg.inputs.begin(), sg.inputs.end());
  other.insert(sg.outputs.begin(), sg.outputs.end());
  for (int32_t t : other) uses.erase(t);
  return uses;
}

tflite::TensorT byte_tensor(std::vector<int32_t> shape, uint32_t buffer, std::string name) {
  tflite::TensorT t;
  t.type = tflite::TensorType::UINT8;
  t.shape = std::move(shape);
  t.buffer = buffer;
  t.name = std::move(name);
  return t;
}

// TFLM's offline plan lists every tensor: the added ones are left to TFLM's own planner (-1).
void extend_offline_plan(tflite::ModelT& m, size_t old_tensors, size_t added) {
  for (const auto& md : m.metadata) {
    if (md->name != "OfflineMemoryAllocation") continue;
    if (md->buffer >= m.buffers.size()) fail("compress: OfflineMemoryAllocation names buffer {} of {}", md->buffer, m.buffers.size());
    std::vector<uint8_t>& d = m.buffers[md->buffer]->data;
    auto word = [&](size_t i) {
      return int32_t(uint32_t(d[4 * i]) | uint32_t(d[4 * i + 1]) << 8 | uint32_t(d[4 * i + 2]) << 16 | uint32_t(d[4 * i + 3]) << 24);
    };
    if (d.size() < 12 || word(1) != 0 || size_t(word(2)) != old_tensors || d.size() != 4 * (3 + old_tensors))
      fail("compress: the OfflineMemoryAllocation metadata does not list the subgraph's {} tensors", old_tensors);
    const uint32_t n = uint32_t(old_tensors + added);
    for (int b = 0; b < 4; ++b) d[8 + size_t(b)] = uint8_t(n >> (8 * b));
    d.resize(d.size() + 4 * added, 0xFF);  // -1
  }
}

}  // namespace

TflmCompression tflm_compression_from_name(const std::string& name) {
  if (name == "lut") return TflmCompression::Lut;
  if (name == "huffman") return TflmCompression::Huffman;
  if (name == "prune") return TflmCompression::Prune;
  fail("--compress: unknown method '{}' (expected lut, huffman or prune)", name);
}

TflmCompressed compress_tflite(const std::string& plain, TflmCompression method) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(plain.data()), plain.size());
  if (!tflite::ModelBufferHasIdentifier(plain.data()) || !tflite::VerifyModelBuffer(verifier))
    fail("compress: not a valid TFLite model");
  tflite::ModelT m;
  tflite::GetModel(plain.data())->UnPackTo(&m);
  if (m.subgraphs.size() != 1) fail("compress: {} subgraphs; mote writes one", m.subgraphs.size());
  if (tflm::has_decode_ops(tflite::GetModel(plain.data()))) fail("compress: the model is compressed already");
  tflite::SubGraphT& sg = *m.subgraphs[0];
  const size_t old_tensors = sg.tensors.size();

  std::map<uint32_t, int> buffer_users;
  for (const auto& t : sg.tensors) ++buffer_users[t->buffer];

  TflmCompressed r;
  std::map<int32_t, int32_t> ancillary_buffer;  // compressed tensor -> its ancillary data's buffer
  for (const auto& [ti, consumers] : filter_consumers(m, sg)) {
    if (ti < 0 || size_t(ti) >= sg.tensors.size()) continue;
    tflite::TensorT& t = *sg.tensors[size_t(ti)];
    if (t.type != tflite::TensorType::INT8 || t.buffer == 0 || t.buffer >= m.buffers.size()) continue;
    const std::vector<uint8_t>& bytes = m.buffers[t.buffer]->data;
    if (bytes.empty() || int64_t(bytes.size()) != tflm::element_count(t)) continue;
    tflm::ChannelLayout ch;
    try {
      ch = tflm::channel_layout(t);
    } catch (const Error&) {
      continue;  // a quantized axis TFLM cannot decode along
    }
    const std::vector<int8_t> w(bytes.begin(), bytes.end());
    std::optional<Encoded> e = method == TflmCompression::Lut     ? encode_lut(w, ch)
                               : method == TflmCompression::Prune ? encode_prune(w, ch)
                                                                  : encode_huffman(w);
    if (!e || e->data.size() + e->ancillary.size() + decode_cost(t.name) * size_t(consumers) >= bytes.size()) continue;
    if (tflm::decode_tensor(e->data, e->ancillary, t, "compress") != bytes)
      fail("compress: tensor '{}' does not decode back to its bytes (an encoder bug)", t.name);

    r.tensors += 1;
    r.plain_tensor_bytes += bytes.size();
    r.encoded_tensor_bytes += e->data.size() + e->ancillary.size();
    if (buffer_users[t.buffer] > 1) {  // another tensor keeps the plain bytes
      m.buffers.push_back(std::make_unique<tflite::BufferT>());
      t.buffer = uint32_t(m.buffers.size() - 1);
    }
    m.buffers[t.buffer]->data = std::move(e->data);
    m.buffers.push_back(std::make_unique<tflite::BufferT>());
    m.buffers.back()->data = std::move(e->ancillary);
    ancillary_buffer[ti] = int32_t(m.buffers.size() - 1);
  }
  if (r.tensors == 0) {
    r.bytes = plain;
    return r;
  }

  auto code = std::make_unique<tflite::OperatorCodeT>();
  code->deprecated_builtin_code = int8_t(BuiltinOperator::CUSTOM);
  code->builtin_code = BuiltinOperator::CUSTOM;
  code->custom_code = tflm::kDecodeOp;
  m.operator_codes.push_back(std::move(code));
  const uint32_t decode_code = uint32_t(m.operator_codes.size() - 1);

  // One DECODE before each consumer, as TFLM's decode_insert.py places them.
  std::map<int32_t, tflite::TensorT> original;
  for (const auto& [ti, buf] : ancillary_buffer) {
    tflite::TensorT& t = *sg.tensors[size_t(ti)];
    original[ti] = t;
    const int32_t bytes = int32_t(m.buffers[t.buffer]->data.size());
    t = byte_tensor({bytes}, t.buffer, t.name);
  }
  std::vector<std::unique_ptr<tflite::OperatorT>> ops;
  for (auto& op : sg.operators) {
    for (int32_t& in : op->inputs) {
      auto it = ancillary_buffer.find(in);
      if (it == ancillary_buffer.end()) continue;
      const tflite::TensorT& orig = original[in];
      const uint32_t abuf = uint32_t(it->second);
      sg.tensors.push_back(std::make_unique<tflite::TensorT>(
          byte_tensor({int32_t(m.buffers[abuf]->data.size())}, abuf, orig.name + "_ancillary")));
      const int32_t anc = int32_t(sg.tensors.size() - 1);
      auto out = std::make_unique<tflite::TensorT>(orig);
      out->buffer = 0;
      out->name = orig.name + "_decoded";
      sg.tensors.push_back(std::move(out));
      const int32_t decoded = int32_t(sg.tensors.size() - 1);
      auto dec = std::make_unique<tflite::OperatorT>();
      dec->opcode_index = decode_code;
      dec->inputs = {in, anc};
      dec->outputs = {decoded};
      ops.push_back(std::move(dec));
      in = decoded;
    }
    ops.push_back(std::move(op));
  }
  sg.operators = std::move(ops);
  extend_offline_plan(m, old_tensors, sg.tensors.size() - old_tensors);

  r.bytes = tflm::pack_model(m);
  if (r.bytes.size() >= plain.size()) {  // the DECODE operators cost more than the tensors saved
    r = TflmCompressed{};
    r.bytes = plain;
  }
  return r;
}

}  // namespace mote
