#include "encode/weights.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "encode/huffman.h"
#include "util/error.h"

namespace mote {

std::vector<int8_t> share_weights(const std::vector<int8_t>& w, int bits, bool keep_zero) {
  if (bits < 1 || bits > 8) fail("weight sharing: {} bits, expected 1 to 8", bits);
  const int k = (1 << bits) - (keep_zero ? 1 : 0);
  if (k < 1 && std::any_of(w.begin(), w.end(), [](int8_t v) { return v != 0; }))
    fail("weight sharing: 1 bit with zeros kept leaves no value for the nonzeros");
  return share_weights_fixed(w, k, keep_zero ? std::vector<int8_t>{0} : std::vector<int8_t>{});
}

std::vector<int8_t> share_weights_fixed(const std::vector<int8_t>& w, int k, const std::vector<int8_t>& fixed) {
  std::array<bool, 256> pinned{};  // index v + 128
  for (int8_t v : fixed) pinned[size_t(v + 128)] = true;
  std::array<uint64_t, 256> hist{};
  for (int8_t v : w)
    if (!pinned[size_t(v + 128)]) ++hist[size_t(v + 128)];
  std::vector<int> values;
  for (int v = -128; v <= 127; ++v)
    if (hist[size_t(v + 128)]) values.push_back(v);
  if (int(values.size()) <= k) return w;
  if (k < 1) fail("weight sharing: no centroid left for {} values besides the fixed ones", values.size());
  std::vector<double> c(static_cast<size_t>(k));
  const double lo = values.front(), hi = values.back();
  for (int j = 0; j < k; ++j) c[size_t(j)] = k == 1 ? (lo + hi) / 2 : lo + (hi - lo) * j / (k - 1);
  std::vector<int> owner(values.size());
  for (int iter = 0; iter < 200; ++iter) {
    // values and centroids are both sorted: each value's nearest centroid is found by a walk
    bool moved = false;
    size_t j = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      while (j + 1 < c.size() && std::fabs(c[j + 1] - values[i]) < std::fabs(c[j] - values[i])) ++j;
      if (owner[i] != int(j)) moved = true;
      owner[i] = int(j);
    }
    if (!moved && iter > 0) break;
    std::vector<double> sum(c.size(), 0.0), n(c.size(), 0.0);
    for (size_t i = 0; i < values.size(); ++i) {
      const double f = double(hist[size_t(values[i] + 128)]);
      sum[size_t(owner[i])] += f * values[i];
      n[size_t(owner[i])] += f;
    }
    for (size_t q = 0; q < c.size(); ++q)
      if (n[q] > 0) c[q] = sum[q] / n[q];  // an empty cluster keeps its place
  }
  std::array<int8_t, 256> map{};
  for (int v = -128; v <= 127; ++v) map[size_t(v + 128)] = int8_t(v);  // fixed values map to themselves
  for (size_t i = 0; i < values.size(); ++i)
    map[size_t(values[i] + 128)] = int8_t(std::clamp<long>(std::lround(c[size_t(owner[i])]), -128, 127));
  std::vector<int8_t> out(w.size());
  for (size_t i = 0; i < w.size(); ++i) out[i] = map[size_t(w[i] + 128)];
  return out;
}

namespace {

// LSB-first bit stream (the runtime's read_bits); Huffman codes top bit first.
struct BitWriter {
  std::vector<uint8_t> bytes;
  uint64_t bits = 0;
  void put(uint32_t v, int n) {
    for (int b = 0; b < n; ++b) bit((v >> b) & 1u);
  }
  void put_code(uint32_t code, int len) {
    for (int b = len - 1; b >= 0; --b) bit((code >> b) & 1u);
  }
  void bit(uint32_t b) {
    if (bits % 8 == 0) bytes.push_back(0);
    bytes.back() = uint8_t(bytes.back() | (b << (bits % 8)));
    ++bits;
  }
};

// A symbol stream over one alphabet: fixed-width fields or one Huffman code.
struct Alphabet {
  int fixed_bits = 8;
  std::vector<uint64_t> freq;
  bool huffman = false;
  HuffmanCode code;

  void choose(bool want_huffman) {
    huffman = false;
    if (!want_huffman) return;
    code = huffman_code(freq, 15);
    // the decoder reads each length's count as one byte
    huffman = std::all_of(code.count.begin(), code.count.end(), [](int n) { return n <= 255; });
  }
  uint64_t stream_bits() const {
    if (huffman) return code.cost(freq);
    uint64_t n = 0;
    for (uint64_t f : freq) n += f;
    return n * uint64_t(fixed_bits);
  }
  uint64_t table_bytes() const { return huffman ? uint64_t(code.max_len) + code.symbols.size() : 0; }
  void put(BitWriter& out, uint32_t s) const {
    if (huffman)
      out.put_code(code.code[s], code.length[s]);
    else
      out.put(s, fixed_bits);
  }
};

int bits_for(size_t symbols) {
  int b = 1;
  while ((size_t(1) << b) < symbols) ++b;
  return b;
}

// The stream's entries: (gap, value) for sparse tensors, one value per weight for dense ones.
struct Entries {
  std::vector<uint32_t> gap;
  std::vector<int8_t> value;
};

// Deep Compression's relative indexing: each nonzero after the zeros that precede it; a run of
// zeros longer than the widest gap is cut by filler entries of value zero.
Entries sparse_entries(const std::vector<int8_t>& w, int ibits) {
  Entries e;
  const uint32_t max_gap = (1u << ibits) - 1u;
  uint32_t run = 0;  // zeros since the previous entry
  for (int8_t v : w) {
    if (v == 0) {
      ++run;
      continue;
    }
    for (; run > max_gap; run -= max_gap + 1) {
      e.gap.push_back(max_gap);
      e.value.push_back(0);
    }
    e.gap.push_back(run);
    e.value.push_back(v);
    run = 0;
  }
  return e;  // trailing zeros need no entry: rows start zeroed
}

struct Plan {
  Entries entries;
  std::vector<int8_t> codebook;
  Alphabet values, gaps;
  int ibits = 1;
  uint64_t total_bits() const {
    return values.stream_bits() + gaps.stream_bits() + 8 * (values.table_bytes() + gaps.table_bytes() + codebook.size());
  }
};

Plan plan_encoding(const std::vector<int8_t>& w, const WeightEncoding& opt, int ibits, const std::string& what) {
  Plan p;
  p.ibits = ibits;
  if (opt.sparse) {
    p.entries = sparse_entries(w, ibits);
  } else {
    p.entries.value = w;
  }
  if (opt.codebook) {
    p.codebook = p.entries.value;
    std::sort(p.codebook.begin(), p.codebook.end());
    p.codebook.erase(std::unique(p.codebook.begin(), p.codebook.end()), p.codebook.end());
    p.values.fixed_bits = bits_for(p.codebook.size());
    p.values.freq.assign(std::max<size_t>(p.codebook.size(), 1), 0);
  } else {
    if (opt.value_bits != 8 && opt.value_bits != 4) fail("{}: value fields of {} bits, expected 8 or 4", what, opt.value_bits);
    p.values.fixed_bits = opt.value_bits;
    p.values.freq.assign(size_t(1) << opt.value_bits, 0);
  }
  for (int8_t v : p.entries.value) {
    if (!opt.codebook && opt.value_bits == 4 && (v < -8 || v > 7))
      fail("{}: value {} does not fit a packed int4 field [-8, 7]", what, int(v));
    ++p.values.freq[opt.codebook ? size_t(std::lower_bound(p.codebook.begin(), p.codebook.end(), v) - p.codebook.begin())
                                 : size_t(uint8_t(v)) & ((size_t(1) << opt.value_bits) - 1)];
  }
  if (opt.sparse) {
    p.gaps.fixed_bits = ibits;
    p.gaps.freq.assign(size_t(1) << ibits, 0);
    for (uint32_t g : p.entries.gap) ++p.gaps.freq[g];
  }
  if (!p.entries.value.empty()) p.values.choose(opt.huffman);
  if (!p.entries.gap.empty()) p.gaps.choose(opt.huffman);
  return p;
}

void put_table(std::vector<uint8_t>& blob, const Alphabet& a, mote_huffman_code& d) {
  if (!a.huffman) return;
  d.max_len = a.code.max_len;
  d.n_symbols = int32_t(a.code.symbols.size());
  d.offset = uint32_t(blob.size());
  for (int l = 1; l <= a.code.max_len; ++l) blob.push_back(uint8_t(a.code.count[size_t(l)]));
  blob.insert(blob.end(), a.code.symbols.begin(), a.code.symbols.end());
}

// Sparse rows in byte groups (MOTE_WENC_GROUPS, mote/decode.h): per row its count of groups,
// then each group's four gaps and four values. A gap moves the row's read position (from
// column 0) to the entry's column; a longer move than 255 takes filler entries of value zero,
// and zero entries that do not move pad a row to whole groups.
EncodedWeights encode_groups(const std::vector<int8_t>& w, int32_t rows, int32_t row_len, const std::string& what) {
  std::vector<uint8_t> counts, groups;
  uint32_t entries = 0;
  for (int32_t r = 0; r < rows; ++r) {
    std::vector<uint8_t> gap, value;
    int32_t at = 0;
    for (int32_t k = 0; k < row_len; ++k) {
      const int8_t v = w[size_t(r) * size_t(row_len) + size_t(k)];
      if (v == 0) continue;
      for (; k - at > 255; at += 255) {
        gap.push_back(255);
        value.push_back(0);
      }
      gap.push_back(uint8_t(k - at));
      value.push_back(uint8_t(v));
      at = k;
    }
    while (gap.size() % 4) {
      gap.push_back(0);
      value.push_back(0);
    }
    const size_t n = gap.size() / 4;
    if (n > MOTE_WENC_MAX_GROUPS) fail("{}: row {} needs {} groups of sparse entries, at most {}", what, r, n, MOTE_WENC_MAX_GROUPS);
    counts.push_back(uint8_t(n & 0xFFu));
    counts.push_back(uint8_t(n >> 8));
    for (size_t g = 0; g < n; ++g) {
      groups.insert(groups.end(), gap.begin() + ptrdiff_t(4 * g), gap.begin() + ptrdiff_t(4 * g + 4));
      groups.insert(groups.end(), value.begin() + ptrdiff_t(4 * g), value.begin() + ptrdiff_t(4 * g + 4));
    }
    entries += uint32_t(gap.size());
  }
  counts.resize((counts.size() + 3) / 4 * 4, 0);  // the groups start 4-byte aligned in the blob
  EncodedWeights e;
  mote_wenc& d = e.wenc;
  d.rows = rows;
  d.row_len = row_len;
  d.sparse = MOTE_WENC_GROUPS;
  d.ibits = 8;
  d.vbits = 8;
  d.entries = entries;
  d.stream_offset = 0;
  e.blob = counts;
  e.blob.insert(e.blob.end(), groups.begin(), groups.end());
  d.bytes = uint32_t(e.blob.size());
  d.crc32 = uint32_t(crc32(0L, e.blob.data(), uInt(e.blob.size())));
  e.nonzeros = std::count_if(w.begin(), w.end(), [](int8_t v) { return v != 0; });
  e.stream_bits = e.fixed_stream_bits = uint64_t(e.blob.size()) * 8;
  return e;
}

}  // namespace

EncodedWeights encode_weights(const std::vector<int8_t>& w, int32_t rows, int32_t row_len, const WeightEncoding& opt,
                              const std::string& what) {
  if (rows < 1 || row_len < 1 || int64_t(w.size()) != int64_t(rows) * row_len)
    fail("{}: {} weights are not {} rows of {}", what, w.size(), rows, row_len);
  if (opt.index_bits < 0 || opt.index_bits > 8) fail("{}: index fields of {} bits, expected 1 to 8", what, opt.index_bits);
  if (opt.groups) {
    if (!opt.sparse || opt.codebook || opt.huffman || opt.value_bits != 8)
      fail("{}: sparse byte groups hold int8 values, without a codebook or a Huffman code", what);
    return encode_groups(w, rows, row_len, what);
  }
  Plan best;
  if (!opt.sparse) {
    best = plan_encoding(w, opt, 1, what);
  } else {
    const int lo = opt.index_bits ? opt.index_bits : 1, hi = opt.index_bits ? opt.index_bits : 8;
    for (int b = lo; b <= hi; ++b) {
      Plan p = plan_encoding(w, opt, b, what);
      if (b == lo || p.total_bits() < best.total_bits()) best = std::move(p);
    }
  }

  EncodedWeights e;
  mote_wenc& d = e.wenc;
  d.rows = rows;
  d.row_len = row_len;
  d.sparse = opt.sparse ? 1 : 0;
  d.ibits = best.ibits;
  d.codebook_size = int32_t(best.codebook.size());
  d.vbits = best.values.fixed_bits;
  d.entries = opt.sparse ? uint32_t(best.entries.value.size()) : 0;
  for (int8_t c : best.codebook) e.blob.push_back(uint8_t(c));
  put_table(e.blob, best.values, d.values);
  put_table(e.blob, best.gaps, d.gaps);
  d.stream_offset = uint32_t(e.blob.size());

  BitWriter out;
  for (size_t i = 0; i < best.entries.value.size(); ++i) {
    if (opt.sparse) best.gaps.put(out, best.entries.gap[i]);
    const int8_t v = best.entries.value[i];
    const uint32_t s = opt.codebook ? uint32_t(std::lower_bound(best.codebook.begin(), best.codebook.end(), v) - best.codebook.begin())
                                    : uint32_t(uint8_t(v)) & ((1u << d.vbits) - 1u);
    best.values.put(out, s);
  }
  e.blob.insert(e.blob.end(), out.bytes.begin(), out.bytes.end());
  e.blob.insert(e.blob.end(), 2, 0);  // kernels read a field from three bytes
  d.bytes = uint32_t(e.blob.size());
  d.crc32 = uint32_t(crc32(0L, e.blob.data(), uInt(e.blob.size())));
  e.nonzeros = std::count_if(w.begin(), w.end(), [](int8_t v) { return v != 0; });
  e.stream_bits = out.bits;
  uint64_t fixed = 0;
  for (size_t i = 0; i < best.entries.value.size(); ++i) fixed += uint64_t(d.vbits) + (opt.sparse ? uint64_t(d.ibits) : 0);
  e.fixed_stream_bits = fixed;
  return e;
}

std::string EncodedWeights::kind() const {
  std::string k = wenc.sparse == MOTE_WENC_GROUPS ? "sparse groups" : wenc.sparse ? "sparse" : "dense";
  if (wenc.codebook_size) k += "+codebook";
  if (wenc.values.max_len || wenc.gaps.max_len) k += "+huffman";
  if (!wenc.codebook_size && wenc.vbits == 4) k += " int4";
  return k;
}

std::optional<WeightEncoding> node_encoding(const Node& n) {
  if (!n.attrs.has("wenc_vbits")) return std::nullopt;
  WeightEncoding e;
  e.sparse = n.attrs.i("wenc_sparse", 0) != 0;
  e.codebook = n.attrs.i("wenc_codebook", 0) != 0;
  e.value_bits = int(n.attrs.i("wenc_vbits", 8));
  e.huffman = n.attrs.i("wenc_huffman", 0) != 0;
  e.index_bits = int(n.attrs.i("wenc_ibits", 0));
  e.groups = n.attrs.i("wenc_groups", 0) != 0;
  return e;
}

void set_node_encoding(Node& n, const WeightEncoding& e) {
  n.attrs.set("wenc_sparse", int64_t(e.sparse));
  n.attrs.set("wenc_codebook", int64_t(e.codebook));
  n.attrs.set("wenc_vbits", int64_t(e.value_bits));
  n.attrs.set("wenc_huffman", int64_t(e.huffman));
  n.attrs.set("wenc_ibits", int64_t(e.index_bits));
  n.attrs.set("wenc_groups", int64_t(e.groups));
}

}  // namespace mote
