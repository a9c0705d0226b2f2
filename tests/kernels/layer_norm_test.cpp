// Layer normalization: the float C kernel (libm-free reciprocal square root) vs the double
// oracle on random rows, and a hand-computed row.
#include <gtest/gtest.h>

#include <vector>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

TEST(LayerNormF32, HandComputedRow) {
  // x = [1, 2, 3, 6]: mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5, eps 0.5 -> 1 / sqrt(4) = 0.5.
  const mote_layer_norm_f32_params p{1, 4, 0.5f};
  const std::vector<float> x = {1, 2, 3, 6}, scale = {1, 2, 1, -1}, bias = {0, 0, 1, 0};
  std::vector<float> y(4), r(4);
  ASSERT_EQ(mote_layer_norm_f32(&p, x.data(), scale.data(), bias.data(), y.data()), MOTE_OK);
  ASSERT_EQ(ref::layer_norm_f32(p, x.data(), scale.data(), bias.data(), r.data()), MOTE_OK);
  const std::vector<float> want = {-1.0f, -1.0f, 1.0f, -1.5f};
  test::expect_close(y, want, 1e-6, 1.0, "kernel");
  test::expect_close(r, want, 1e-7, 1.0, "oracle");
}

TEST(LayerNormF32, RandomRowsMatchOracle) {
  test::Rng rng(7);
  for (int t = 0; t < 40; ++t) {
    const int32_t rows = rng.i(1, 5), inner = rng.i(1, 70);
    const mote_layer_norm_f32_params p{rows, inner, t % 3 == 0 ? 0.0f : 1e-5f};
    // Offset rows: the mean is subtracted before squaring, so a large offset costs no accuracy.
    std::vector<float> x = rng.f32(size_t(rows * inner), -3.0 + t, 3.0 + t);
    const std::vector<float> scale = rng.f32(size_t(inner), -2.0, 2.0), bias = rng.f32(size_t(inner));
    std::vector<float> y(x.size()), r(x.size());
    const bool with_bias = t % 2 == 0;
    if (inner == 1 && p.epsilon == 0.0f) {  // zero variance and no epsilon: rejected by both
      EXPECT_EQ(mote_layer_norm_f32(&p, x.data(), scale.data(), nullptr, y.data()), MOTE_ERR_PARAM);
      EXPECT_EQ(ref::layer_norm_f32(p, x.data(), scale.data(), nullptr, r.data()), MOTE_ERR_PARAM);
      continue;
    }
    ASSERT_EQ(mote_layer_norm_f32(&p, x.data(), scale.data(), with_bias ? bias.data() : nullptr, y.data()), MOTE_OK);
    ASSERT_EQ(ref::layer_norm_f32(p, x.data(), scale.data(), with_bias ? bias.data() : nullptr, r.data()), MOTE_OK);
    test::expect_close(y, r, 2e-5, 2.0, "case " + std::to_string(t));
  }
}

TEST(LayerNormF32, RejectsBadParams) {
  const std::vector<float> x(4, 1.0f), s(4, 1.0f);
  std::vector<float> y(4);
  const mote_layer_norm_f32_params zero_rows{0, 4, 1e-5f}, neg_eps{1, 4, -1.0f};
  EXPECT_EQ(mote_layer_norm_f32(&zero_rows, x.data(), s.data(), nullptr, y.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(mote_layer_norm_f32(&neg_eps, x.data(), s.data(), nullptr, y.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(mote_layer_norm_f32(nullptr, x.data(), s.data(), nullptr, y.data()), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote
