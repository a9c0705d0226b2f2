// Fully connected over encoded weights (mote_fully_connected_s8_enc, _sparse, _sparse8, _sparse8_dsp) against the dense
// kernel on the same weights, byte for byte, over prime-stepped shapes, sparsities and encodings.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "encode/weights.h"
#include "kernel_test_util.h"
#include "lower/families.h"
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

// Two nonzeros in a 4 x 9 layer, and its params: one batch, multiplier 0.5, no clamp.
const int32_t kHalf = 1 << 30, kNoShift = 0;
std::vector<int8_t> two_weights() {
  std::vector<int8_t> w(4 * 9, 0);
  w[3] = 5;
  w[20] = -7;
  return w;
}
mote_fc_s8_params small_fc() {
  mote_fc_s8_params p{};
  p.batches = 1;
  p.in_features = 9;
  p.out_features = 4;
  p.act_min = -128;
  p.act_max = 127;
  p.multiplier = &kHalf;
  p.shift = &kNoShift;
  return p;
}

// A stream that says it holds more entries than it does is refused before any output.
TEST(FullyConnectedS8Encoded, SparseRefusesAShortStream) {
  const EncodedWeights e = encode_weights(two_weights(), 4, 9, {true, false, 8, false, 4}, "w");
  mote_wenc d = e.view();
  d.entries += 20;
  const mote_fc_s8_params p = small_fc();
  const std::vector<int8_t> in(9, 1);
  std::vector<int8_t> out(4, 55);
  EXPECT_EQ(mote_fully_connected_s8_sparse(&p, in.data(), &d, nullptr, out.data()), MOTE_ERR_CORRUPT);
  EXPECT_EQ(out, std::vector<int8_t>(4, 55));
}

// The byte-group kernels (portable and DSP) and the row decoder on the same blob, against the
// dense kernel: prime-stepped shapes, 0 to 99 % zeros, rows whose zeros run past 255 (fillers),
// empty rows and full ones; the compiler's bias folding done here.
TEST(FullyConnectedS8Sparse8, MatchesDenseKernelOverShapes) {
  Rng r(71);
  int runs = 0, fillers = 0, empty_rows = 0;
  for (int32_t k : {1, 2, 3, 5, 13, 31, 97, 257, 523, 784, 1031})
    for (int32_t o : {1, 2, 7, 17})
      for (double sparsity : {0.0, 0.5, 0.9, 0.99}) {
        std::vector<int32_t> mult, shift;
        mote_fc_s8_params p = test::random_fc_params(r, k, o, r.i(0, 1), &mult, &shift);
        const auto in = r.s8(static_cast<size_t>(p.batches) * k);
        std::vector<int8_t> w = r.s8(static_cast<size_t>(o) * k, -127, 127);
        for (auto& v : w)
          if (r.i(0, 999) < int(sparsity * 1000) || v == 0) v = 0;
        if (o > 1) std::fill(w.begin(), w.begin() + k, int8_t(0));  // row 0 empty
        if (o > 2) w[size_t(2 * k - 1)] = -127;                      // row 1 ends on its last column
        for (int32_t row = 0; row < o; ++row) {
          int64_t nz = 0;
          for (int32_t c = 0; c < k; ++c) nz += w[size_t(row * k + c)] != 0;
          empty_rows += nz == 0;
        }
        const auto bias = r.s32(static_cast<size_t>(o), -20000, 20000);
        const size_t n = static_cast<size_t>(p.batches) * o;
        std::vector<int8_t> want(n);
        ASSERT_EQ(mote_fully_connected_s8(&p, in.data(), w.data(), bias.data(), want.data()), MOTE_OK);
        const EncodedWeights e = encode_weights(w, o, k, {true, false, 8, false, 0, true}, "w");
        const mote_wenc d = e.view();
        ASSERT_EQ(mote_wenc_check(&d), MOTE_OK);
        for (size_t i = 0; i + 8 <= e.blob.size() - mote_wenc_groups_at(&d); i += 8)
          for (size_t j = 0; j < 4; ++j)
            fillers += e.blob[mote_wenc_groups_at(&d) + i + j] == 255 && e.blob[mote_wenc_groups_at(&d) + i + 4 + j] == 0;
        const std::string what = "k " + std::to_string(k) + " o " + std::to_string(o) + " sparsity " + std::to_string(sparsity);
        // the decoder (the _enc kernel) reads the same blob
        std::vector<int8_t> row(mote_fully_connected_s8_enc_scratch_bytes(&p)), dec(n);
        ASSERT_EQ(mote_fully_connected_s8_enc(&p, in.data(), &d, bias.data(), dec.data(), row.data()), MOTE_OK) << what;
        ASSERT_EQ(test::count_mismatches(dec, want, what + " decoded"), 0u);
        std::vector<int32_t> folded(bias.size());
        for (int32_t row_o = 0; row_o < o; ++row_o) {
          int64_t sum = 0;
          for (int32_t c = 0; c < k; ++c) sum += w[size_t(row_o * k + c)];
          folded[size_t(row_o)] = int32_t(bias[size_t(row_o)] - int64_t(p.in_zp) * sum);
        }
        mote_fc_s8_params q = p;
        q.in_zp = 0;
        // the DSP kernel's records, as lowering makes them
        const std::optional<std::vector<int32_t>> chan =
            dsp_records(w.data(), o, k, folded.data(), mult.data(), shift.data(), p.per_channel != 0, 0, p.out_zp);
        ASSERT_TRUE(chan.has_value()) << what;
        const mote_fc_s8_dsp_params dp{p.batches, k, o, p.act_min, p.act_max, 0};
        for (int dsp = 0; dsp < 2; ++dsp) {
          std::vector<int8_t> got(n + 4, 55);
          ASSERT_EQ(dsp ? mote_fully_connected_s8_sparse8_dsp(&dp, in.data(), &d, chan->data(), got.data())
                        : mote_fully_connected_s8_sparse8(&q, in.data(), &d, folded.data(), got.data()),
                    MOTE_OK)
              << what;
          for (size_t i = n; i < got.size(); ++i) ASSERT_EQ(got[i], 55) << "overrun " << what;
          got.resize(n);
          ASSERT_EQ(test::count_mismatches(got, want, what + (dsp ? " dsp" : "")), 0u);
          ++runs;
        }
        if (p.in_zp != 0) EXPECT_EQ(mote_fully_connected_s8_sparse8(&p, in.data(), &d, folded.data(), want.data()), MOTE_ERR_PARAM);
      }
  EXPECT_EQ(runs, 11 * 4 * 4 * 2);
  EXPECT_GT(fillers, 0);
  EXPECT_GT(empty_rows, 44);
}

// A descriptor whose entries do not fill the blob is refused before any output, by both kernels;
// counts that do not add up to the groups, or gaps past the row, by the check at init (whose CRC
// is made to match here); the bit-stream kernel's format is not theirs.
TEST(FullyConnectedS8Sparse8, RefusesWhatDoesNotFit) {
  const std::vector<int8_t> w = two_weights();
  EncodedWeights e = encode_weights(w, 4, 9, {true, false, 8, false, 0, true}, "w");
  const mote_fc_s8_params p = small_fc();
  const mote_fc_s8_dsp_params dp{1, 9, 4, -128, 127, 0};
  const std::vector<int32_t> chan = {0, kHalf, 1, 1, 0, kHalf, 1, 1, 0, kHalf, 1, 1, 0, kHalf, 1, 1};
  const std::vector<int8_t> in(9, 1);
  const std::vector<int32_t> bias(4, 0);
  std::vector<int8_t> out(4, 55);
  ASSERT_EQ(mote_fully_connected_s8_sparse8(&p, in.data(), &e.wenc, bias.data(), out.data()), MOTE_ERR_PARAM);  // no blob
  mote_wenc d = e.view();
  d.entries += 4;
  EXPECT_EQ(mote_fully_connected_s8_sparse8(&p, in.data(), &d, bias.data(), out.data()), MOTE_ERR_CORRUPT);
  EXPECT_EQ(mote_fully_connected_s8_sparse8_dsp(&dp, in.data(), &d, chan.data(), out.data()), MOTE_ERR_CORRUPT);
  EXPECT_EQ(out, std::vector<int8_t>(4, 55));
  mote_fc_s8_dsp_params backward = dp;
  backward.reverse = 1;
  d = e.view();
  EXPECT_EQ(mote_fully_connected_s8_sparse8_dsp(&backward, in.data(), &d, chan.data(), out.data()), MOTE_ERR_PARAM);
  d = e.view();
  ASSERT_EQ(mote_wenc_check(&d), MOTE_OK);
  for (const auto& [byte, value] : std::vector<std::pair<size_t, uint8_t>>{{2, 1}, {8, 9}, {13, 6}}) {
    // row 1 says it has a group; row 0's first gap lands past the row; its second entry, a
    // nonzero, on the column of the first
    EncodedWeights bad = e;
    bad.blob[byte] = value;
    bad.wenc.crc32 = uint32_t(crc32(0L, bad.blob.data(), uInt(bad.blob.size())));
    d = bad.view();
    EXPECT_EQ(mote_wenc_check(&d), MOTE_ERR_CORRUPT) << "byte " << byte;
  }
  const EncodedWeights bits = encode_weights(w, 4, 9, {true, false, 8, false, 4}, "w");
  d = bits.view();
  EXPECT_EQ(mote_fully_connected_s8_sparse8(&p, in.data(), &d, bias.data(), out.data()), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote
