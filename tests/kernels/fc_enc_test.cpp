// Fully connected over encoded weights (mote_fully_connected_s8_enc, _sparse) against the dense
// kernel on the same weights, byte for byte, over prime-stepped shapes, sparsities and encodings.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "encode/weights.h"
#include "kernel_test_util.h"
#include "mote/decode.h"

namespace mote {
namespace {

using test::Rng;

TEST(FullyConnectedS8Encoded, MatchesDenseKernel) {
  Rng r(33);
  const WeightEncoding encodings[] = {
      {false, true, 8, false, 0}, {false, true, 8, true, 0}, {true, false, 8, false, 0},
      {true, true, 8, false, 0},  {true, true, 8, true, 0},  {true, false, 8, true, 0},
  };
  int sparse_runs = 0, runs = 0;
  for (int32_t k : {1, 2, 5, 13, 31, 97, 257})
    for (int32_t o : {1, 3, 7, 17})
      for (double sparsity : {0.0, 0.6, 0.9, 0.98}) {
        std::vector<int32_t> mult, shift;
        const mote_fc_s8_params p = test::random_fc_params(r, k, o, r.i(0, 1), &mult, &shift);
        const auto in = r.s8(static_cast<size_t>(p.batches) * k);
        std::vector<int8_t> w = r.s8(static_cast<size_t>(o) * k, -127, 127);
        for (auto& v : w)
          if (r.i(0, 999) < int(sparsity * 1000)) v = 0;
        w = share_weights(w, 5, true);
        const auto bias = r.s32(static_cast<size_t>(o), -20000, 20000);
        const size_t n = static_cast<size_t>(p.batches) * o;
        std::vector<int8_t> want(n);
        ASSERT_EQ(mote_fully_connected_s8(&p, in.data(), w.data(), bias.data(), want.data()), MOTE_OK);
        for (const WeightEncoding& opt : encodings) {
          const EncodedWeights e = encode_weights(w, o, k, opt, "w");
          const mote_wenc d = e.view();
          const std::string what = "k " + std::to_string(k) + " o " + std::to_string(o) + " sparsity " +
                                   std::to_string(sparsity) + (opt.sparse ? " sparse" : "") + (opt.huffman ? " huffman" : "");
          std::vector<int8_t> row(mote_fully_connected_s8_enc_scratch_bytes(&p)), got(n + 4, 55);
          ASSERT_EQ(mote_fully_connected_s8_enc(&p, in.data(), &d, bias.data(), got.data(), row.data()), MOTE_OK) << what;
          for (size_t i = n; i < got.size(); ++i) ASSERT_EQ(got[i], 55) << "overrun " << what;
          got.resize(n);
          ASSERT_EQ(test::count_mismatches(got, want, what), 0u);
          ++runs;
          const bool fast = d.sparse && d.values.max_len == 0 && d.gaps.max_len == 0 && d.ibits + d.vbits <= 16;
          std::vector<int8_t> sp(n + 4, 55);
          const mote_status st = mote_fully_connected_s8_sparse(&p, in.data(), &d, bias.data(), sp.data());
          if (!fast) {
            EXPECT_EQ(st, MOTE_ERR_PARAM) << what;
            continue;
          }
          ASSERT_EQ(st, MOTE_OK) << what;
          for (size_t i = n; i < sp.size(); ++i) ASSERT_EQ(sp[i], 55) << "overrun " << what;
          sp.resize(n);
          ASSERT_EQ(test::count_mismatches(sp, want, what), 0u);
          ++sparse_runs;
        }
      }
  EXPECT_EQ(runs, 7 * 4 * 4 * 6);
  EXPECT_GT(sparse_runs, 7 * 4 * 4);
}

// A stream that says it holds more entries than it does is refused before any output.
TEST(FullyConnectedS8Encoded, SparseRefusesAShortStream) {
  std::vector<int8_t> w(4 * 9, 0);
  w[3] = 5;
  w[20] = -7;
  const EncodedWeights e = encode_weights(w, 4, 9, {true, false, 8, false, 4}, "w");
  mote_wenc d = e.view();
  d.entries += 20;
  mote_fc_s8_params p{};
  p.batches = 1;
  p.in_features = 9;
  p.out_features = 4;
  p.act_min = -128;
  p.act_max = 127;
  const int32_t m = 1 << 30, s = 0;
  p.multiplier = &m;
  p.shift = &s;
  const std::vector<int8_t> in(9, 1);
  std::vector<int8_t> out(4, 55);
  EXPECT_EQ(mote_fully_connected_s8_sparse(&p, in.data(), &d, nullptr, out.data()), MOTE_ERR_CORRUPT);
  EXPECT_EQ(out, std::vector<int8_t>(4, 55));
}

}  // namespace
}  // namespace mote
