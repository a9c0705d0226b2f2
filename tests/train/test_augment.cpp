// Training-batch augmentation: a shift keeps each sample's values in order (edges repeated), a
// mask sets one run of cells to the sample's mean, noise has the asked deviation, the same
// (seed, epoch, batch) gives the same batch and no options leave the batch as it is.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "train/augment.h"

namespace mote {
namespace {

using train::AugmentOptions;
using train::augment_batch;

// [B, 1, frames, coefficients]: cell (s, t, c) = 1000 s + 10 t + c, every value distinct.
at::Tensor features(int64_t b, int64_t frames, int64_t coeffs) {
  return (at::arange(b).reshape({b, 1, 1, 1}) * 1000 + at::arange(frames).reshape({1, 1, frames, 1}) * 10 +
          at::arange(coeffs).reshape({1, 1, 1, coeffs}))
      .to(at::kFloat);
}

TEST(Augment, ShiftMovesEachSampleAlongTimeWithEdgesRepeated) {
  const at::Tensor x = features(16, 20, 4);
  AugmentOptions a;
  a.shift = 3;
  const at::Tensor y = augment_batch(x, a, 0, 7, 0, 0);
  ASSERT_EQ(y.sizes(), x.sizes());
  int moved = 0;
  for (int64_t s = 0; s < 16; ++s) {
    // The frame index each output frame came from: column 0 holds 1000 s + 10 t.
    const at::Tensor src = (y[s][0].select(1, 0) - 1000.0 * double(s)) / 10;
    const int64_t k = -(src[10].item<int64_t>() - 10);  // the shift, read off the middle frame
    EXPECT_LE(std::abs(k), 3) << "sample " << s;
    moved += k != 0;
    for (int64_t t = 0; t < 20; ++t) {
      const int64_t want = std::clamp<int64_t>(t - k, 0, 19);
      EXPECT_EQ(src[t].item<int64_t>(), want) << "sample " << s << " frame " << t;
      // Coefficients stay with their frame.
      for (int64_t c = 0; c < 4; ++c) EXPECT_EQ(y[s][0][t][c].item<float>(), float(1000 * s + 10 * want + c));
    }
  }
  EXPECT_GT(moved, 8) << "with shifts -3..3 most of 16 samples move";
}

TEST(Augment, MasksSetOneRunToTheSampleMean) {
  const at::Tensor x = features(8, 20, 10);
  AugmentOptions a;
  a.time_mask = 5;
  const at::Tensor y = augment_batch(x, a, 0, 3, 1, 2);
  int masked_samples = 0;
  for (int64_t s = 0; s < 8; ++s) {
    const float mean = x[s].mean().item<float>();
    // A frame is masked when every coefficient equals the mean (no original frame is constant).
    std::vector<int64_t> masked;
    for (int64_t t = 0; t < 20; ++t) {
      const bool all_mean = (y[s][0][t] == mean).all().item<bool>();
      const bool same = at::equal(y[s][0][t], x[s][0][t]);
      EXPECT_TRUE(all_mean || same) << "sample " << s << " frame " << t << " is neither kept nor masked";
      if (all_mean) masked.push_back(t);
    }
    EXPECT_LE(masked.size(), 5u);
    if (!masked.empty()) {
      ++masked_samples;
      EXPECT_EQ(masked.back() - masked.front() + 1, int64_t(masked.size())) << "the mask is one run";
    }
  }
  EXPECT_GT(masked_samples, 3);

  AugmentOptions f;
  f.freq_mask = 3;
  const at::Tensor z = augment_batch(x, f, 0, 3, 1, 2);
  for (int64_t s = 0; s < 8; ++s) {
    const float mean = x[s].mean().item<float>();
    int64_t masked = 0;
    for (int64_t c = 0; c < 10; ++c) {
      const at::Tensor col = z[s][0].select(1, c);
      if ((col == mean).all().item<bool>()) ++masked;
      else EXPECT_TRUE(at::equal(col, x[s][0].select(1, c))) << "sample " << s << " coefficient " << c;
    }
    EXPECT_LE(masked, 3);
  }
}

TEST(Augment, SignalsShiftAlongTheirSamples) {
  // [B, C, 1, T]: the time axis is the last one, since H is 1.
  const at::Tensor x = at::arange(4 * 2 * 50).reshape({4, 2, 1, 50}).to(at::kFloat);
  AugmentOptions a;
  a.shift = 5;
  const at::Tensor y = augment_batch(x, a, 0, 11, 0, 0);
  for (int64_t s = 0; s < 4; ++s) {
    const int64_t k = -(y[s][0][0][25].item<int64_t>() - x[s][0][0][25].item<int64_t>());
    // Both channels move together.
    EXPECT_TRUE(at::equal(y[s][1][0] - y[s][0][0], x[s][1][0] - x[s][0][0]));
    EXPECT_LE(std::abs(k), 5);
  }
}

TEST(Augment, NoiseHasTheAskedDeviation) {
  const at::Tensor x = at::zeros({64, 1, 32, 10});
  AugmentOptions a;
  a.noise = 1;
  const at::Tensor y = augment_batch(x, a, 0.25, 5, 0, 0);
  EXPECT_NEAR(y.std().item<double>(), 0.25, 0.01);
  EXPECT_NEAR(y.mean().item<double>(), 0.0, 0.01);
}

TEST(Augment, SameStepSameBatchOtherStepOtherBatchNoneIdentity) {
  const at::Tensor x = features(16, 30, 8);
  AugmentOptions a;
  a.shift = 4;
  a.time_mask = 6;
  a.freq_mask = 2;
  a.noise = 0.1;
  const at::Tensor y1 = augment_batch(x, a, 0.5, 9, 3, 4), y2 = augment_batch(x, a, 0.5, 9, 3, 4);
  EXPECT_TRUE(at::equal(y1, y2));
  EXPECT_FALSE(at::equal(y1, augment_batch(x, a, 0.5, 9, 4, 4))) << "another epoch draws anew";
  EXPECT_FALSE(at::equal(y1, augment_batch(x, a, 0.5, 10, 3, 4))) << "another seed draws anew";
  EXPECT_TRUE(at::equal(augment_batch(x, AugmentOptions{}, 0.5, 9, 3, 4), x));
}

}  // namespace
}  // namespace mote
