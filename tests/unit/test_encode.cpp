// Weight encoding: the compiler's encoder (src/encode) against the runtime's decoder
// (runtime/src/decode), which must give back every weight exactly.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <queue>
#include <random>
#include <set>

#include "encode/graph.h"
#include "encode/huffman.h"
#include "encode/weights.h"
#include "mote/decode.h"
#include "util/error.h"

namespace mote {
namespace {

// Kraft sum of a code's lengths, times 2^max_len: equal to 2^max_len for a complete code.
uint64_t kraft(const HuffmanCode& h) {
  uint64_t k = 0;
  for (int l : h.length)
    if (l) k += uint64_t(1) << (h.max_len - l);
  return k;
}

// The cost of an optimal unlimited code: the sum of the merged weights of Huffman's algorithm.
uint64_t optimal_cost(const std::vector<uint64_t>& freq) {
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<>> q;
  for (uint64_t f : freq)
    if (f) q.push(f);
  if (q.size() == 1) return q.top();
  uint64_t cost = 0;
  while (q.size() > 1) {
    const uint64_t a = q.top();
    q.pop();
    const uint64_t b = q.top();
    q.pop();
    cost += a + b;
    q.push(a + b);
  }
  return cost;
}

TEST(Huffman, OptimalCompleteAndWithinTheLimit) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 2 + rng() % 255;
    std::vector<uint64_t> freq(n);
    // geometric frequencies make deep trees, so the limit binds on some trials
    for (auto& f : freq) f = (rng() % 3 == 0) ? 0 : (uint64_t(1) << (rng() % 20)) + rng() % 7;
    freq[0] = std::max<uint64_t>(freq[0], 1);
    freq[1] = std::max<uint64_t>(freq[1], 1);
    const int limit = 8 + int(rng() % 8);
    const HuffmanCode h = huffman_code(freq, limit);
    ASSERT_LE(h.max_len, limit);
    EXPECT_EQ(kraft(h), uint64_t(1) << h.max_len) << "trial " << trial;
    const uint64_t best = optimal_cost(freq);
    EXPECT_GE(h.cost(freq), best);
    if (h.max_len < limit) {
      EXPECT_EQ(h.cost(freq), best) << "trial " << trial;  // the limit did not bind: optimal
    }
    for (size_t s = 0; s < n; ++s) EXPECT_EQ(h.length[s] == 0, freq[s] == 0);
  }
}

TEST(Huffman, LimitBindsOnFibonacciFrequencies) {
  std::vector<uint64_t> freq = {1, 1};
  while (freq.size() < 20) freq.push_back(freq[freq.size() - 1] + freq[freq.size() - 2]);
  EXPECT_EQ(huffman_code(freq, 32).max_len, 19);  // unlimited, Fibonacci weights give a chain
  const HuffmanCode h = huffman_code(freq, 7);
  EXPECT_EQ(h.max_len, 7);
  EXPECT_EQ(kraft(h), uint64_t(1) << 7);
  EXPECT_THROW(huffman_code(std::vector<uint64_t>(200, 1), 7), Error);
}

// Decodes every row; MOTE_OK and the rows, or the first failing status.
mote_status decode_all(const mote_wenc& d, std::vector<int8_t>* out) {
  mote_wdec s;
  mote_status st = mote_wdec_start(&d, &s);
  out->assign(size_t(d.rows) * size_t(d.row_len), 0);
  for (int32_t r = 0; r < d.rows && st == MOTE_OK; ++r) st = mote_wdec_row(&d, &s, out->data() + size_t(r) * size_t(d.row_len));
  return st;
}

// Weights with about `sparsity` zeros and `distinct` nonzero values, peaked near zero.
std::vector<int8_t> weights(std::mt19937& rng, size_t n, double sparsity, int distinct) {
  std::normal_distribution<double> g(0.0, 30.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<int8_t> w(n);
  for (auto& v : w) {
    if (u(rng) < sparsity) continue;
    int q = int(std::clamp(std::lround(g(rng)), -127L, 127L));
    if (distinct < 255) q = (q * distinct / 254) * 254 / std::max(distinct, 1);
    v = int8_t(q == 0 ? 1 : q);
  }
  return w;
}

struct Case {
  const char* name;
  WeightEncoding opt;
};

const Case kCases[] = {
    {"int8 fields", {false, false, 8, false, 0}},
    {"int8 huffman", {false, false, 8, true, 0}},
    {"codebook", {false, true, 8, false, 0}},
    {"codebook huffman", {false, true, 8, true, 0}},
    {"sparse int8", {true, false, 8, false, 0}},
    {"sparse int8 huffman", {true, false, 8, true, 0}},
    {"sparse codebook", {true, true, 8, false, 0}},
    {"sparse codebook huffman", {true, true, 8, true, 0}},
    {"sparse codebook 3-bit gaps", {true, true, 8, false, 3}},
    {"sparse byte groups", {true, false, 8, false, 0, true}},
};

TEST(WeightEncoding, EveryFormatDecodesToTheSameWeights) {
  std::mt19937 rng(11);
  const int32_t shapes[][2] = {{1, 1}, {1, 7}, {3, 5}, {11, 13}, {17, 1}, {31, 37}, {10, 784}};
  const double sparsities[] = {0.0, 0.5, 0.9, 0.99, 1.0};
  const int distincts[] = {255, 31, 3};
  int checked = 0;
  for (const auto& sh : shapes)
    for (double sp : sparsities)
      for (int dv : distincts) {
        const std::vector<int8_t> w = weights(rng, size_t(sh[0]) * size_t(sh[1]), sp, dv);
        for (const Case& c : kCases) {
          const EncodedWeights e = encode_weights(w, sh[0], sh[1], c.opt, "w");
          const mote_wenc d = e.view();
          ASSERT_EQ(mote_wenc_check(&d), MOTE_OK) << c.name;
          EXPECT_EQ(mote_crc32(e.blob.data(), e.blob.size()), uint32_t(crc32(0L, e.blob.data(), uInt(e.blob.size()))));
          std::vector<int8_t> back;
          ASSERT_EQ(decode_all(d, &back), MOTE_OK) << c.name << " " << sh[0] << "x" << sh[1] << " sparsity " << sp;
          ASSERT_EQ(back, w) << c.name << " " << sh[0] << "x" << sh[1] << " sparsity " << sp;
          ++checked;
        }
      }
  EXPECT_EQ(checked, 7 * 5 * 3 * int(std::size(kCases)));
}

TEST(WeightEncoding, PackedInt4) {
  std::mt19937 rng(3);
  std::vector<int8_t> w(13 * 29);
  for (auto& v : w) v = int8_t(int(rng() % 16) - 8);
  for (bool huff : {false, true}) {
    const EncodedWeights e = encode_weights(w, 13, 29, {false, false, 4, huff, 0}, "w");
    if (!huff) {
      EXPECT_EQ(e.blob.size(), (w.size() + 1) / 2 + 2);  // two per byte and the padding
    }
    std::vector<int8_t> back;
    ASSERT_EQ(decode_all(e.view(), &back), MOTE_OK);
    EXPECT_EQ(back, w);
  }
  w[5] = 8;
  EXPECT_THROW(encode_weights(w, 13, 29, {false, false, 4, false, 0}, "w"), Error);
}

// Deep Compression's figures for a pruned, shared layer: at 90 % zeros with 32 values, sparse
// codebook indices take under 1.33 bits per weight of the dense tensor, and Huffman less.
TEST(WeightEncoding, SparseSharedLayerShrinks) {
  std::mt19937 rng(5);
  const std::vector<int8_t> w = share_weights(weights(rng, 300 * 784, 0.9, 255), 5, true);
  const EncodedWeights fixed = encode_weights(w, 300, 784, {true, true, 8, false, 0}, "fc1");
  const EncodedWeights huff = encode_weights(w, 300, 784, {true, true, 8, true, 0}, "fc1");
  EXPECT_LT(fixed.blob.size() * 6, w.size());  // under 1.33 bits per weight of the dense layer
  EXPECT_LT(huff.blob.size(), fixed.blob.size() * 9 / 10);
  EXPECT_LT(huff.stream_bits, huff.fixed_stream_bits);
  EXPECT_EQ(fixed.nonzeros, std::count_if(w.begin(), w.end(), [](int8_t v) { return v != 0; }));
}

TEST(WeightSharing, AtMostTwoToTheBitsValuesAndBetterThanAGrid) {
  std::mt19937 rng(9);
  const std::vector<int8_t> w = weights(rng, 5000, 0.0, 255);
  for (int bits = 1; bits <= 6; ++bits) {
    const std::vector<int8_t> s = share_weights(w, bits, false);
    std::vector<int8_t> d = s;
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    EXPECT_LE(d.size(), size_t(1) << bits);
    // k-means from a linear start is no worse than the linear grid it starts from (both rounded)
    const int k = 1 << bits;
    const int lo = *std::min_element(w.begin(), w.end()), hi = *std::max_element(w.begin(), w.end());
    double err_km = 0, err_grid = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      err_km += double(w[i] - s[i]) * (w[i] - s[i]);
      double best = 1e9;
      for (int j = 0; j < k; ++j) {
        const double c = std::round(k == 1 ? (lo + hi) / 2.0 : lo + (hi - lo) * double(j) / (k - 1));
        best = std::min(best, (w[i] - c) * (w[i] - c));
      }
      err_grid += best;
    }
    EXPECT_LE(err_km, err_grid) << bits << " bits";
  }
  std::vector<int8_t> pruned = weights(rng, 5000, 0.8, 255);
  const std::vector<int8_t> s = share_weights(pruned, 4, true);
  std::vector<int8_t> d;
  for (size_t i = 0; i < s.size(); ++i) {
    if (pruned[i] == 0) EXPECT_EQ(s[i], 0);
    if (s[i]) d.push_back(s[i]);
  }
  std::sort(d.begin(), d.end());
  d.erase(std::unique(d.begin(), d.end()), d.end());
  EXPECT_LE(d.size(), 15u);  // 16 entries with the zero
}


// Fixed values (centroid fine-tuning pins 0 and +-127) keep their places; the rest get at
// most k centroids.
TEST(WeightSharing, FixedValuesStayThemselves) {
  std::mt19937 rng(21);
  std::vector<int8_t> w = weights(rng, 4000, 0.5, 255);
  w[0] = 127, w[1] = -127;  // each channel's largest weight, as per-channel quantization gives it
  const std::vector<int8_t> fixed = {0, -127, 127};
  const std::vector<int8_t> s = share_weights_fixed(w, 13, fixed);
  std::vector<int8_t> others;
  for (size_t i = 0; i < w.size(); ++i) {
    const bool pinned = std::find(fixed.begin(), fixed.end(), w[i]) != fixed.end();
    if (pinned) EXPECT_EQ(s[i], w[i]) << i;
    else others.push_back(s[i]);
  }
  std::sort(others.begin(), others.end());
  others.erase(std::unique(others.begin(), others.end()), others.end());
  EXPECT_LE(others.size(), 13u);
  EXPECT_GE(others.size(), 10u);  // the clusters are used, not collapsed
  EXPECT_THROW(share_weights_fixed(w, 0, fixed), Error);
}
// CRC-32 catches every single flipped bit of every blob.
TEST(WeightEncoding, EveryFlippedBitIsCaught) {
  std::mt19937 rng(13);
  const std::vector<int8_t> w = share_weights(weights(rng, 9 * 23, 0.7, 255), 4, true);
  for (const Case& c : kCases) {
    EncodedWeights e = encode_weights(w, 9, 23, c.opt, "w");
    for (size_t bit = 0; bit < e.blob.size() * 8; ++bit) {
      e.blob[bit / 8] ^= uint8_t(1u << (bit % 8));
      const mote_wenc d = e.view();
      ASSERT_EQ(mote_wenc_check(&d), MOTE_ERR_CORRUPT) << c.name << " bit " << bit;
      e.blob[bit / 8] ^= uint8_t(1u << (bit % 8));
    }
  }
}

TEST(WeightEncoding, BadOptionsNameTheTensor) {
  const std::vector<int8_t> w(12, 1);
  try {
    encode_weights(w, 5, 2, {}, "l03_fc_w");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("l03_fc_w"), std::string::npos) << e.what();
  }
  EXPECT_THROW(share_weights(w, 0, false), Error);
  EXPECT_THROW(encode_weights(w, 3, 4, {true, false, 8, false, 9}, "w"), Error);
}


// An int8 FullyConnected [1,k] -> [1,m], per-channel weights drawn from a bell curve (as
// trained weights are) with a fraction `zeros` pruned, int32 bias.
Graph fc_graph(int m, int k, double zeros, unsigned seed) {
  Graph g;
  g.name = "fc";
  std::mt19937 rng(seed);
  std::normal_distribution<double> bell(0.0, 30.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<int8_t> w(static_cast<size_t>(m) * size_t(k));
  for (int8_t& v : w) v = u(rng) < zeros ? int8_t(0) : int8_t(std::clamp<long>(std::lround(bell(rng)), -127, 127));
  std::vector<int32_t> b(static_cast<size_t>(m));
  for (int32_t& v : b) v = int32_t(std::lround(bell(rng) * 100));
  const int x = g.add_value("x", DType::I8, {1, k});
  const int wt = g.add_const("w", DType::I8, {m, k}, w.data());
  const int bt = g.add_const("b", DType::I32, {m}, b.data());
  const int y = g.add_value("y", DType::I8, {1, m});
  g.t(x).quant = {{0.05f}, {3}, -1};
  g.t(y).quant = {{0.2f}, {-5}, -1};
  g.t(wt).quant.axis = 0;
  g.t(bt).quant.axis = 0;
  for (int o = 0; o < m; ++o) {
    const float ws = 0.001f * float(1 + o % 7);
    g.t(wt).quant.scale.push_back(ws);
    g.t(wt).quant.zero_point.push_back(0);
    g.t(bt).quant.scale.push_back(0.05f * ws);
    g.t(bt).quant.zero_point.push_back(0);
  }
  g.add_node(OpKind::FullyConnected, "fc", {x, wt, bt}, {y});
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

// int4: every weight in [-8, 7], and weight and bias still mean what they meant: each
// dequantized weight within half a new step (plus the int8 half step) of the old one.
TEST(EncodeGraph, Int4KeepsTheRealWeights) {
  const Graph before = fc_graph(24, 40, 0.0, 5);
  Graph g = before;
  encode_graph(g, {EncodeMode::Int4, 0});
  const Tensor &w0 = before.t(1), &w = g.t(1), &b0 = before.t(2), &b = g.t(2);
  ASSERT_TRUE(node_encoding(g.nodes[0]).has_value());
  EXPECT_EQ(node_encoding(g.nodes[0])->value_bits, 4);
  for (int o = 0; o < 24; ++o) {
    const double s0 = w0.quant.scale[size_t(o)], s = w.quant.scale[size_t(o)];
    EXPECT_GT(s, s0) << o;
    for (int k = 0; k < 40; ++k) {
      const int v = w.as<int8_t>()[o * 40 + k];
      EXPECT_GE(v, -8);
      EXPECT_LE(v, 7);
      EXPECT_LE(std::fabs(v * s - w0.as<int8_t>()[o * 40 + k] * s0), 0.5 * s * (1 + 1e-5)) << o << "," << k;
    }
    EXPECT_NEAR(b.as<int32_t>()[o] * double(b.quant.scale[size_t(o)]), b0.as<int32_t>()[o] * double(b0.quant.scale[size_t(o)]),
                0.5 * b.quant.scale[size_t(o)] * 1.0001);
  }
}

// Weight sharing: at most 2^bits - 1 distinct non-zero values per layer, every zero kept and no
// new zero made; the lossless modes leave the weights as they were.
TEST(EncodeGraph, SharingBoundsTheValuesAndKeepsZeros) {
  for (int bits : {2, 3, 5, 8}) {
    const Graph before = fc_graph(32, 64, 0.7, unsigned(bits));
    Graph g = before;
    encode_graph(g, {EncodeMode::Huffman, bits});
    std::set<int> distinct;
    for (int64_t i = 0; i < g.t(1).numel(); ++i) {
      const int v = g.t(1).as<int8_t>()[i], v0 = before.t(1).as<int8_t>()[i];
      EXPECT_EQ(v == 0, v0 == 0) << bits << " bits, weight " << i;
      if (v) distinct.insert(v);
    }
    EXPECT_LE(distinct.size(), (size_t(1) << bits) - 1) << bits;
    EXPECT_GE(2 * distinct.size(), std::min<size_t>((size_t(1) << bits) - 1, 100)) << bits;  // most of the budget is used
    ASSERT_TRUE(node_encoding(g.nodes[0]).has_value()) << bits;
  }
  for (EncodeMode m : {EncodeMode::Codebook, EncodeMode::Sparse, EncodeMode::Huffman}) {
    const Graph before = fc_graph(32, 64, 0.9, 9);
    Graph g = before;
    encode_graph(g, {m, 0});
    EXPECT_EQ(g.t(1).data, before.t(1).data) << encode_mode_name(m);
  }
}

// A layer is encoded only when that takes fewer bytes: a dense layer of near-uniform values
// stays plain under sparse storage; a 90 % sparse one is encoded sparse.
TEST(EncodeGraph, EncodesOnlyWhatGetsSmaller) {
  Graph dense = fc_graph(16, 64, 0.0, 3);
  encode_graph(dense, {EncodeMode::Sparse, 0});
  EXPECT_FALSE(node_encoding(dense.nodes[0]).has_value());
  Graph sparse = fc_graph(16, 64, 0.9, 3);
  encode_graph(sparse, {EncodeMode::Sparse, 0});
  ASSERT_TRUE(node_encoding(sparse.nodes[0]).has_value());
  EXPECT_TRUE(node_encoding(sparse.nodes[0])->sparse);
}
}  // namespace
}  // namespace mote
