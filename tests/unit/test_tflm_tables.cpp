// TFLM's int8 activation kernels as tables (src/lower/tables.h): values worked through TFLM's
// algorithms by hand, monotonicity, and agreement with the float functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "lower/tables.h"
#include "lower/fixedpoint.h"
#include "util/error.h"

namespace mote {
namespace {

int8_t at(const std::vector<int8_t>& t, int q) { return t[size_t(q + 128)]; }

// Every entry within `lsb` output steps of f(real input), and non-decreasing when asked.
void expect_close_to(const std::vector<int8_t>& t, float in_scale, int32_t in_zp, double out_scale,
                     int32_t out_zp, const std::function<double(double)>& f, double lsb,
                     bool monotone, const char* what) {
  ASSERT_EQ(t.size(), 256u) << what;
  for (int q = -128; q <= 127; ++q) {
    const double want = std::clamp(f(double(in_scale) * (q - in_zp)) / out_scale + out_zp, -128.0, 127.0);
    EXPECT_LE(std::fabs(at(t, q) - want), lsb) << what << " scale " << in_scale << " q " << q;
    if (monotone && q > -128) EXPECT_GE(at(t, q), at(t, q - 1)) << what << " q " << q;
  }
}

// Scale 1/16, zero point 0: the Q4.27 multiplier is 2^30 with shift 24 (1/16 * 2^27 = 0.5 * 2^24)
// and the input radius floor(15 * 2^27 / 2^24) = 120, so |x| >= 120 saturates without
// computing. sigmoid(1) * 256 = 187.15 -> 59; sigmoid(-1) -> 68.85 -> -59; sigmoid(0.5) = 159.35
// -> 31; sigmoid(0) = 128 -> 0; x = 119 (7.44) -> 255.85 -> 256 -> clamped 127.
TEST(TflmTables, LogisticWorkedValues) {
  const std::vector<int8_t> t = tflm_logistic_table(0.0625f, 0);
  EXPECT_EQ(at(t, 0), 0);
  EXPECT_EQ(at(t, 16), 59);
  EXPECT_EQ(at(t, -16), -59);
  EXPECT_EQ(at(t, 8), 31);
  EXPECT_EQ(at(t, 119), 127);
  EXPECT_EQ(at(t, -120), -128);
  EXPECT_EQ(at(t, 120), 127);
  // a zero point moves the table: input zp is real 0
  const std::vector<int8_t> z = tflm_logistic_table(0.0625f, -20);
  EXPECT_EQ(at(z, -20), 0);
  EXPECT_EQ(at(z, -4), 59);
  EXPECT_EQ(at(z, -36), -59);
}

// tanh(1) * 128 = 97.48 -> 97, tanh(0.5) * 128 = 59.15 -> 59, odd around the zero point.
TEST(TflmTables, TanhWorkedValues) {
  const std::vector<int8_t> t = tflm_tanh_table(0.0625f, 0);
  EXPECT_EQ(at(t, 0), 0);
  EXPECT_EQ(at(t, 16), 97);
  EXPECT_EQ(at(t, -16), -97);
  EXPECT_EQ(at(t, 8), 59);
  EXPECT_EQ(at(t, -8), -59);
  EXPECT_EQ(at(t, 127), 127);
  EXPECT_EQ(at(t, -128), -128);
}

TEST(TflmTables, LogisticTanhTrackFloat) {
  std::mt19937 g(7);
  for (int rep = 0; rep < 40; ++rep) {
    const float s = float(std::exp(std::uniform_real_distribution<double>(std::log(0.002), std::log(0.5))(g)));
    const int32_t zp = std::uniform_int_distribution<int32_t>(-128, 127)(g);
    expect_close_to(tflm_logistic_table(s, zp), s, zp, 1.0 / 256, -128,
                    [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, 1.0, true, "logistic");
    expect_close_to(tflm_tanh_table(s, zp), s, zp, 1.0 / 128, 0,
                    [](double x) { return std::tanh(x); }, 1.0, true, "tanh");
  }
}

// Scale 0.05 in and out, zero points 0. x = 5 (q 100) is past +3: the "reluish" factor
// saturates to 32767/32768 and the output is x * 32767/32768 = 6399.8 truncated to 6399, shifted
// right by 6 with rounding: 100. x = -5 gives reluish 0 -> 0. x = 1 (q 20): x * (1/6 + 1/2)
// = 0.667 -> 13.33 -> 13.
TEST(TflmTables, HardSwishWorkedValues) {
  const std::vector<int8_t> t = tflm_hard_swish_table(0.05f, 0, 0.05f, 0);
  EXPECT_EQ(at(t, 0), 0);
  EXPECT_EQ(at(t, 100), 100);
  EXPECT_EQ(at(t, -100), 0);
  EXPECT_EQ(at(t, 20), 13);
  std::mt19937 g(8);
  for (int rep = 0; rep < 40; ++rep) {
    const float si = float(std::exp(std::uniform_real_distribution<double>(std::log(0.005), std::log(0.2))(g)));
    const float so = si * float(std::uniform_real_distribution<double>(0.5, 1.5)(g));
    const int32_t zi = std::uniform_int_distribution<int32_t>(-100, 100)(g);
    const int32_t zo = std::uniform_int_distribution<int32_t>(-100, 0)(g);
    expect_close_to(tflm_hard_swish_table(si, zi, so, zo), si, zi, so, zo,
                    [](double x) { return x * std::clamp(x / 6.0 + 0.5, 0.0, 1.0); }, 1.0, false, "hard_swish");
  }
  EXPECT_THROW(tflm_hard_swish_table(1.0f, 0, 0.001f, 0), Error);  // needs a left output shift
}

// Scales 0.1 -> 0.1, alpha 0.1: positive inputs unchanged, -47 -> -4.7 -> -5, -50 -> -5.
// Alpha -0.5 flips the sign of negative inputs.
TEST(TflmTables, LeakyReluWorkedValues) {
  const std::vector<int8_t> t = tflm_leaky_relu_table(0.1f, 0, 0.1f, 0, 0.1f);
  EXPECT_EQ(at(t, 50), 50);
  EXPECT_EQ(at(t, 127), 127);
  EXPECT_EQ(at(t, -47), -5);
  EXPECT_EQ(at(t, -50), -5);
  EXPECT_EQ(at(t, -128), -13);
  const std::vector<int8_t> n = tflm_leaky_relu_table(0.1f, 3, 0.2f, -1, -0.5f);
  EXPECT_EQ(at(n, 3 - 40), -1 + 10);  // -4.0 * -0.5 = 2.0 -> 10 steps of 0.2
  EXPECT_EQ(at(n, 3 + 40), -1 + 20);  // 4.0 -> 20
}

// In scale 0.1 zp -10, out scale 0.05 zp -128: q -10 is 0 -> -128, q 0 is 1.0 -> -108, q 100
// is 11.0 -> 92; with RELU6 the top is -128 + round(6 / 0.05) = -8.
TEST(TflmTables, ReluWorkedValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<int8_t> r = tflm_relu_table(0.1f, -10, 0.05f, -128, 0.0f, inf);
  EXPECT_EQ(at(r, -10), -128);
  EXPECT_EQ(at(r, -50), -128);
  EXPECT_EQ(at(r, 0), -108);
  EXPECT_EQ(at(r, 100), 92);
  EXPECT_EQ(at(r, 127), 127);
  const std::vector<int8_t> r6 = tflm_relu_table(0.1f, -10, 0.05f, -128, 0.0f, 6.0f);
  EXPECT_EQ(at(r6, 100), -8);
  EXPECT_EQ(at(r6, 0), -108);
  // same quantization in and out: a pure clamp [zp, zp + round(6 / s)] (TFLM's RELU6)
  const std::vector<int8_t> same = tflm_relu_table(0.04f, 5, 0.04f, 5, 0.0f, 6.0f);
  for (int q = -128; q <= 127; ++q) EXPECT_EQ(at(same, q), std::clamp(q, 5, 5 + 150 > 127 ? 127 : 155)) << q;
}

// beta * scale * 2^26 with TFLite's QuantizeMultiplierGreaterThanOne: 0.1f * 2^26 = 6710886.5
// = 0.8 * 2^23; diff_min = -floor(31 * 2^26 / 2^23) = -248. 0.0078125 * 2^26 = 2^19 (shift 20):
// -floor(31 * 2^6) = -1984.
TEST(TflmTables, SoftmaxParams) {
  const SoftmaxS8Params a = tflm_softmax_params(1.0f, 0.1f);
  EXPECT_EQ(a.input_left_shift, 23);
  EXPECT_EQ(a.input_multiplier, int32_t(std::round(double(0.1f) * 67108864.0 / 8388608.0 * 2147483648.0)));
  EXPECT_EQ(a.diff_min, -248);
  const SoftmaxS8Params b = tflm_softmax_params(1.0f, 0.0078125f);
  EXPECT_EQ(b.input_multiplier, 1 << 30);
  EXPECT_EQ(b.input_left_shift, 20);
  EXPECT_EQ(b.diff_min, -1984);
  const SoftmaxS8Params c = tflm_softmax_params(2.0f, 0.0078125f);  // beta doubles the scale
  EXPECT_EQ(c.input_left_shift, 21);
  EXPECT_EQ(c.diff_min, -992);
  EXPECT_THROW(tflm_softmax_params(1.0f, 1e-9f), Error);
  EXPECT_THROW(tflm_softmax_params(1.0f, 100.0f), Error);
}

// gemmlowp primitives at points with exact answers.
TEST(TflmTables, FixedPointPrimitives) {
  EXPECT_EQ(exp_on_negative_values(0, 5), INT32_MAX);
  // exp(-1) in Q0.31 = 790015084.2: -1 = -1/4 (series, truncated after x^4: relative error
  // (1/8)^5 / 120 = 2.5e-7) plus the factors exp(-1/4) and exp(-1/2); the same value in Q4.27
  EXPECT_NEAR(exp_on_negative_values(-(1 << 26), 5), 790015084, 790015084 * 4e-7);
  EXPECT_EQ(exp_on_negative_values(-(1 << 27), 4), exp_on_negative_values(-(1 << 26), 5));
  EXPECT_EQ(fixed_logistic(0, 4), 1 << 30);
  EXPECT_EQ(fixed_tanh(0, 4), 0);
  EXPECT_NEAR(one_over_one_plus_x_for_x_in_0_1(1 << 30), 1431655765, 4);  // 1 / 1.5
  int bits = 0;
  EXPECT_NEAR(get_reciprocal(5 << 19, 12, &bits), 1717986918, 4);  // 1 / 5.0 = 0.8 * 2^-2
  EXPECT_EQ(bits, 2);
  EXPECT_EQ(calculate_input_radius(5, 23), 248);
  EXPECT_EQ(calculate_input_radius(4, 24), 120);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(1 << 30, 2), INT32_MAX);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(-(1 << 30), 2), INT32_MIN);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(-6, -2), -2);  // -1.5 -> -2
  EXPECT_EQ(rounding_half_sum(3, 4), 4);
  EXPECT_EQ(rounding_half_sum(-3, -4), -4);
}

}  // namespace
}  // namespace mote
