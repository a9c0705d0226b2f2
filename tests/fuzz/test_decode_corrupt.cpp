// The runtime's weight decoder (and the byte-group FC kernel) on damaged blobs whose CRC was made to match (what a check at
// init cannot catch), under ASan and UBSan: every decode ends in MOTE_OK or MOTE_ERR_CORRUPT
// without a read outside the blob or a write outside the row.
#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

#include "encode/weights.h"
#include "mote/decode.h"

namespace mote {
namespace {

TEST(DecodeCorrupt, DamagedBlobsStayInBounds) {
  std::mt19937 rng(17);
  std::vector<int8_t> w(23 * 41);
  for (auto& v : w) v = rng() % 4 ? int8_t(0) : int8_t(int(rng() % 15) - 7);
  const WeightEncoding options[] = {
      {false, true, 8, true, 0}, {true, false, 8, true, 0}, {true, true, 8, false, 0},
      {true, true, 8, true, 0},  {false, false, 4, false, 0}, {true, true, 8, true, 2},
      {true, false, 8, false, 0, true},
  };
  int decoded = 0, refused = 0;
  const int32_t mult = 1 << 30, shift = -8;
  const std::vector<int32_t> bias(23, 100);
  mote_fc_s8_params fc{};
  fc.batches = 1, fc.in_features = 41, fc.out_features = 23;
  fc.act_min = -128, fc.act_max = 127;
  fc.multiplier = &mult, fc.shift = &shift;
  for (const WeightEncoding& opt : options) {
    const EncodedWeights e = encode_weights(w, 23, 41, opt, "w");
    for (int trial = 0; trial < 3000; ++trial) {
      std::vector<uint8_t> blob = e.blob;  // exactly its size on the heap: ASan sees one byte past it
      for (int k = 0, n = 1 + int(rng() % 4); k < n; ++k) blob[rng() % blob.size()] ^= uint8_t(1 + rng() % 255);
      mote_wenc d = e.view();
      d.blob = blob.data();
      d.crc32 = uint32_t(crc32(0L, blob.data(), uInt(blob.size())));
      d.entries += trial % 7 == 0 ? uint32_t(rng() % 50) : 0u;  // a stream shorter than it says
      if (mote_wenc_check(&d) != MOTE_OK) {
        ++refused;
        continue;
      }
      mote_wdec s;
      mote_status st = mote_wdec_start(&d, &s);
      for (int32_t r = 0; r < d.rows && st == MOTE_OK; ++r) {
        std::vector<int8_t> row(size_t(d.row_len));
        st = mote_wdec_row(&d, &s, row.data());
      }
      ASSERT_TRUE(st == MOTE_OK || st == MOTE_ERR_CORRUPT) << int(st);
      if (d.sparse == MOTE_WENC_GROUPS) {  // what passed the check, the FC kernel reads in bounds
        const std::vector<int8_t> x(size_t(d.row_len), 3);
        std::vector<int8_t> y(size_t(d.rows));
        st = mote_fully_connected_s8_sparse8(&fc, x.data(), &d, bias.data(), y.data());
        ASSERT_TRUE(st == MOTE_OK || st == MOTE_ERR_CORRUPT) << int(st);
      }
      ++decoded;
    }
  }
  EXPECT_GT(decoded, 10000);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace mote
