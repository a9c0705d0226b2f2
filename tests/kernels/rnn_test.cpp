// LSTM / GRU kernels against the reference implementations, the int8 params on hand-derived
// values, and the int8 GRU's accuracy against the float GRU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "lower/params/rnn.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"
#include "util/error.h"

namespace mote::test {
namespace {

struct Shape {
  int32_t steps, in, hidden;
};

std::vector<Shape> shapes() {
  std::vector<Shape> v;
  for (int32_t steps : {1, 2, 5})
    for (int32_t in : {1, 3, 7})
      for (int32_t hidden : {1, 2, 5, 11}) v.push_back({steps, in, hidden});
  v.push_back({13, 13, 7});
  return v;
}

std::string name(const Shape& s, int variant) {
  return "T" + std::to_string(s.steps) + " I" + std::to_string(s.in) + " H" + std::to_string(s.hidden) +
         " variant " + std::to_string(variant);
}

template <typename T>
std::vector<T> reversed_steps(const std::vector<T>& v, int32_t steps) {
  std::vector<T> out(v.size());
  const size_t row = v.size() / size_t(steps);
  for (int32_t t = 0; t < steps; ++t)
    std::copy(v.begin() + long(size_t(t) * row), v.begin() + long(size_t(t + 1) * row),
              out.begin() + long(size_t(steps - 1 - t) * row));
  return out;
}

// ---- float ---------------------------------------------------------------------------------

TEST(RnnF32, LstmMatchesReference) {
  Rng rng(11);
  for (const Shape& s : shapes()) {
    for (int variant = 0; variant < 4; ++variant) {
      const size_t H = size_t(s.hidden), I = size_t(s.in);
      mote_rnn_f32_params p{s.steps, s.in, s.hidden, variant & 1, 0};
      const auto x = rng.f32(size_t(s.steps) * I, -2, 2);
      const auto w = rng.f32(4 * H * I, -0.8, 0.8), r = rng.f32(4 * H * H, -0.8, 0.8);
      const auto b = rng.f32(8 * H, -0.5, 0.5), h0 = rng.f32(H), c0 = rng.f32(H, -2, 2);
      const bool with_state = variant & 2;
      std::vector<float> got(size_t(s.steps) * H), want(got.size()), c_want(H);
      std::vector<float> scratch(mote_lstm_f32_scratch_bytes(&p) / sizeof(float));
      ASSERT_EQ(mote_lstm_f32(&p, x.data(), w.data(), r.data(), with_state ? b.data() : nullptr,
                              with_state ? h0.data() : nullptr, with_state ? c0.data() : nullptr,
                              got.data(), scratch.data()),
                MOTE_OK);
      ASSERT_EQ(ref::lstm_f32(p, x.data(), w.data(), r.data(), with_state ? b.data() : nullptr,
                              with_state ? h0.data() : nullptr, with_state ? c0.data() : nullptr,
                              want.data(), c_want.data()),
                MOTE_OK);
      expect_close(got, want, 1e-5, 1.0, "lstm y " + name(s, variant));
      expect_close(std::vector<float>(scratch.begin(), scratch.begin() + long(H)), c_want, 1e-5, 1.0,
                   "lstm final c " + name(s, variant));
    }
  }
}

TEST(RnnF32, GruMatchesReference) {
  Rng rng(12);
  for (const Shape& s : shapes()) {
    for (int variant = 0; variant < 8; ++variant) {
      const size_t H = size_t(s.hidden), I = size_t(s.in);
      mote_rnn_f32_params p{s.steps, s.in, s.hidden, variant & 1, (variant >> 1) & 1};
      const bool with_state = variant & 4;
      const auto x = rng.f32(size_t(s.steps) * I, -2, 2);
      const auto w = rng.f32(3 * H * I, -0.8, 0.8), r = rng.f32(3 * H * H, -0.8, 0.8);
      const auto b = rng.f32(6 * H, -0.5, 0.5), h0 = rng.f32(H);
      std::vector<float> got(size_t(s.steps) * H), want(got.size());
      std::vector<float> scratch(mote_gru_f32_scratch_bytes(&p) / sizeof(float));
      ASSERT_EQ(mote_gru_f32(&p, x.data(), w.data(), r.data(), with_state ? b.data() : nullptr,
                             with_state ? h0.data() : nullptr, got.data(), scratch.data()),
                MOTE_OK);
      ASSERT_EQ(ref::gru_f32(p, x.data(), w.data(), r.data(), with_state ? b.data() : nullptr,
                             with_state ? h0.data() : nullptr, want.data()),
                MOTE_OK);
      expect_close(got, want, 1e-5, 1.0, "gru y " + name(s, variant));
    }
  }
}

// The two linear_before_reset variants differ exactly when R's h rows and Rbh are nonzero.
TEST(RnnF32, GruLinearBeforeResetChangesResult) {
  Rng rng(13);
  const int32_t T = 3, I = 2, H = 3;
  const auto x = rng.f32(T * I), w = rng.f32(3 * H * I), r = rng.f32(3 * H * H), b = rng.f32(6 * H);
  const auto h0 = rng.f32(H);
  std::vector<float> y0(T * H), y1(T * H);
  mote_rnn_f32_params p{T, I, H, 0, 0};
  ASSERT_EQ(ref::gru_f32(p, x.data(), w.data(), r.data(), b.data(), h0.data(), y0.data()), MOTE_OK);
  p.linear_before_reset = 1;
  ASSERT_EQ(ref::gru_f32(p, x.data(), w.data(), r.data(), b.data(), h0.data(), y1.data()), MOTE_OK);
  double diff = 0;
  for (size_t k = 0; k < y0.size(); ++k) diff = std::max(diff, std::fabs(double(y0[k]) - y1[k]));
  EXPECT_GT(diff, 1e-3);
}

// Zero weights and biases: z = r = 1/2 and h~ = 0, so every GRU step halves h; the LSTM's
// forget gate halves c, its input gate adds nothing, and h = tanh(c) / 2.
TEST(RnnF32, HandDerivedZeroWeights) {
  const int32_t T = 3, I = 2, H = 2;
  const std::vector<float> x = {1, -2, 3, 0.5f, -1, 2}, zw(4 * H * I, 0.f), zr(4 * H * H, 0.f);
  const std::vector<float> h0 = {0.8f, -0.4f}, c0 = {2.0f, -2.0f};
  mote_rnn_f32_params p{T, I, H, 0, 1};
  std::vector<float> y(T * H),
      scratch(std::max(mote_lstm_f32_scratch_bytes(&p), mote_gru_f32_scratch_bytes(&p)) / sizeof(float));
  ASSERT_EQ(mote_gru_f32(&p, x.data(), zw.data(), zr.data(), nullptr, h0.data(), y.data(), scratch.data()),
            MOTE_OK);
  expect_close(y, {0.4f, -0.2f, 0.2f, -0.1f, 0.1f, -0.05f}, 1e-6, 1.0, "gru halves h");
  ASSERT_EQ(mote_lstm_f32(&p, x.data(), zw.data(), zr.data(), nullptr, h0.data(), c0.data(), y.data(),
                          scratch.data()),
            MOTE_OK);
  std::vector<float> want;
  for (float c : {1.0f, 0.5f, 0.25f})
    for (float sign : {1.0f, -1.0f}) want.push_back(float(0.5 * std::tanh(double(sign * c))));
  expect_close(y, want, 1e-6, 1.0, "lstm halves c");
}

// reverse = 1 on x is the forward layer on x with its steps reversed, y reversed back.
TEST(RnnF32, ReverseIsForwardOnReversedSequence) {
  Rng rng(14);
  const int32_t T = 5, I = 3, H = 4;
  const auto x = rng.f32(T * I, -2, 2), w = rng.f32(4 * H * I), r = rng.f32(4 * H * H), b = rng.f32(8 * H);
  mote_rnn_f32_params fwd{T, I, H, 0, 1}, bwd{T, I, H, 1, 1};
  std::vector<float> scratch(
      std::max(mote_lstm_f32_scratch_bytes(&fwd), mote_gru_f32_scratch_bytes(&fwd)) / sizeof(float));
  std::vector<float> y_bwd(T * H), y_fwd(T * H);
  const auto xr = reversed_steps(x, T);
  ASSERT_EQ(mote_lstm_f32(&bwd, x.data(), w.data(), r.data(), b.data(), nullptr, nullptr, y_bwd.data(),
                          scratch.data()),
            MOTE_OK);
  ASSERT_EQ(mote_lstm_f32(&fwd, xr.data(), w.data(), r.data(), b.data(), nullptr, nullptr, y_fwd.data(),
                          scratch.data()),
            MOTE_OK);
  EXPECT_EQ(y_bwd, reversed_steps(y_fwd, T));
  ASSERT_EQ(mote_gru_f32(&bwd, x.data(), w.data(), r.data(), b.data(), nullptr, y_bwd.data(), scratch.data()),
            MOTE_OK);
  ASSERT_EQ(mote_gru_f32(&fwd, xr.data(), w.data(), r.data(), b.data(), nullptr, y_fwd.data(), scratch.data()),
            MOTE_OK);
  EXPECT_EQ(y_bwd, reversed_steps(y_fwd, T));
}

TEST(RnnF32, RejectsEmptyShapes) {
  const mote_rnn_f32_params p{0, 1, 1, 0, 0};
  float buf[16] = {0};
  EXPECT_EQ(mote_lstm_f32(&p, buf, buf, buf, nullptr, nullptr, nullptr, buf, buf), MOTE_ERR_PARAM);
  EXPECT_EQ(mote_gru_f32(&p, buf, buf, buf, nullptr, nullptr, buf, buf), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::lstm_f32(p, buf, buf, buf, nullptr, nullptr, nullptr, buf, nullptr), MOTE_ERR_PARAM);
}

// ---- int8 LSTM (TFLM) -----------------------------------------------------------------------

// Kernel and reference agree on y and on the int16 state the kernel leaves at the start of
// scratch; most outputs are unsaturated so the comparison means something.
void expect_same_s8(const std::vector<int8_t>& got, const std::vector<int8_t>& want,
                    const std::vector<int16_t>& scratch, const std::vector<int16_t>& state_want,
                    const std::string& what) {
  EXPECT_EQ(count_mismatches(got, want, what + " y"), 0u);
  EXPECT_EQ(std::vector<int16_t>(scratch.begin(), scratch.begin() + long(state_want.size())), state_want)
      << what << " final state";
  if (got.size() >= 20) EXPECT_GT(count_inside(got, -128, 127), got.size() / 2) << what;
}

LstmS8Quant random_lstm_quant(Rng& rng, int variant) {
  LstmS8Quant q;
  q.in_scale = float(rng.u(0.01, 0.08));
  q.in_zp = rng.i(-20, 20);
  for (int g = 0; g < 4; ++g) {
    q.w_scale[g] = float(rng.u(0.005, 0.03));
    q.r_scale[g] = float(rng.u(0.005, 0.03));
  }
  q.hidden_scale = variant & 1 ? 1.0f / 128 : float(rng.u(0.004, 0.02));
  q.hidden_zp = variant & 1 ? 0 : rng.i(-10, 10);
  q.cell_scale = std::ldexp(1.0f, -rng.i(10, 14));
  q.cell_clip = variant & 2 ? 3.0f : 0.0f;
  q.cell_act = variant & 4 ? MOTE_UN_SIGMOID : MOTE_UN_TANH;
  return q;
}

TEST(RnnS8, LstmMatchesReference) {
  Rng rng(21);
  for (const Shape& s : shapes()) {
    for (int variant = 0; variant < 16; ++variant) {
      const size_t H = size_t(s.hidden), I = size_t(s.in);
      const LstmS8Quant q = random_lstm_quant(rng, variant);
      const auto w = rng.s8(4 * H * I), r = rng.s8(4 * H * H);
      const auto bias = rng.s32(4 * H, -3000, 3000);
      const LstmS8Params lp = lstm_s8_params(s.steps, s.in, s.hidden, variant & 8, q, w, r, bias);
      const mote_lstm_s8_params p = lp.bound();
      const auto x = rng.s8(size_t(s.steps) * I);
      const auto h0 = rng.s8(H);
      std::vector<int16_t> c0(H);
      for (auto& v : c0) v = int16_t(rng.i(-8000, 8000));
      const bool with_state = variant & 1;
      std::vector<int8_t> got(size_t(s.steps) * H), want(got.size());
      std::vector<int16_t> c_want(H);
      std::vector<int16_t> scratch(mote_lstm_s8_scratch_bytes(&p) / 2 + 1);
      ASSERT_EQ(mote_lstm_s8(&p, x.data(), w.data(), r.data(), lp.in_bias.data(), lp.rec_bias.data(),
                             with_state ? h0.data() : nullptr, with_state ? c0.data() : nullptr,
                             got.data(), scratch.data()),
                MOTE_OK);
      ASSERT_EQ(ref::lstm_s8(p, x.data(), w.data(), r.data(), lp.in_bias.data(), lp.rec_bias.data(),
                             with_state ? h0.data() : nullptr, with_state ? c0.data() : nullptr,
                             want.data(), c_want.data()),
                MOTE_OK);
      expect_same_s8(got, want, scratch, c_want, "lstm_s8 " + name(s, variant));
    }
  }
}

// Zero weights, zero bias, zero points 0: every gate is sigmoid(0) = 16384 (Q0.15) and the cell
// gate tanh(0) = 0, so each step halves c; with cell scale 2^-11 the hidden state is
// o * tanh(c) at 1/128 units.
TEST(RnnS8, LstmHandDerivedZeroWeights) {
  LstmS8Quant q;
  q.in_scale = 0.05f, q.hidden_scale = 1.0f / 128, q.cell_scale = 1.0f / 2048;
  for (int g = 0; g < 4; ++g) q.w_scale[g] = q.r_scale[g] = 0.01f;
  const int32_t T = 3, I = 2, H = 2;
  const std::vector<int8_t> w(4 * H * I, 0), r(4 * H * H, 0), x = {10, -20, 30, 40, -50, 60};
  const LstmS8Params lp = lstm_s8_params(T, I, H, false, q, w, r, std::vector<int32_t>(4 * H, 0));
  const mote_lstm_s8_params p = lp.bound();
  const std::vector<int16_t> c0 = {4096, -2000};
  std::vector<int8_t> y(T * H);
  std::vector<int16_t> scratch(mote_lstm_s8_scratch_bytes(&p) / 2 + 1);
  ASSERT_EQ(mote_lstm_s8(&p, x.data(), w.data(), r.data(), lp.in_bias.data(), lp.rec_bias.data(), nullptr,
                         c0.data(), y.data(), scratch.data()),
            MOTE_OK);
  EXPECT_EQ(scratch[0], 512);
  EXPECT_EQ(scratch[1], -250);
  // c = 1.0 (2048) -> tanh 0.7616 -> * 0.5 = 0.381 = 48.7 / 128; c = -1000/2048 -> -0.4530 * 0.5
  for (int k = 0; k < 2; ++k) EXPECT_NEAR(y[size_t(k)], k == 0 ? 48.7 : -29.0, 1.0);
}

TEST(RnnS8, LstmParamsHandDerived) {
  LstmS8Quant q;
  q.in_scale = 0.5f, q.in_zp = 5;
  for (int g = 0; g < 4; ++g) q.w_scale[g] = 0.25f, q.r_scale[g] = 1.0f / 128;
  q.hidden_scale = 1.0f / 128, q.hidden_zp = -3;
  q.cell_scale = 1.0f / 2048, q.cell_clip = 3.0f;
  const int32_t I = 2, H = 1;
  const std::vector<int8_t> w = {1, 2, 3, 4, 5, 6, 7, 8}, r = {10, 20, 30, 40};
  const LstmS8Params lp = lstm_s8_params(1, I, H, false, q, w, r, {100, 200, 300, 400});
  const mote_lstm_s8_params& p = lp.params;
  // 0.5 * 0.25 / 2^-12 = 2^9; 2^-7 * 2^-7 / 2^-12 = 2^-2
  EXPECT_EQ(p.in_multiplier[0], 1 << 30);
  EXPECT_EQ(p.in_shift[0], 10);
  EXPECT_EQ(p.rec_multiplier[3], 1 << 30);
  EXPECT_EQ(p.rec_shift[3], -1);
  // f * c: 2^-15; i * g: 2^-30 / 2^-11 = 2^-19; o * tanh(c): 2^-30 / 2^-7 = 2^-23
  EXPECT_EQ(p.forget_shift, -14);
  EXPECT_EQ(p.input_shift, -18);
  EXPECT_EQ(p.output_shift, -22);
  EXPECT_EQ(p.output_multiplier, 1 << 30);
  // tanh(c) input shift 15 - 11 - 3 = 1 folds into the multiplier 3 << 1
  EXPECT_EQ(p.cell_tanh_multiplier, 6);
  EXPECT_EQ(p.cell_tanh_shift, 0);
  EXPECT_EQ(p.cell_clip, 6144);
  EXPECT_EQ(p.hidden_zp, -3);
  EXPECT_EQ(lp.in_bias, (std::vector<int32_t>{100 - 5 * 3, 200 - 5 * 7, 300 - 5 * 11, 400 - 5 * 15}));
  EXPECT_EQ(lp.rec_bias, (std::vector<int32_t>{3 * 10, 3 * 20, 3 * 30, 3 * 40}));
  q.cell_scale = 1.0f / 8192;  // shift -1: multiplier 3, rounding shift 1
  const LstmS8Params lp2 = lstm_s8_params(1, I, H, false, q, w, r, {0, 0, 0, 0});
  EXPECT_EQ(lp2.params.cell_tanh_multiplier, 3);
  EXPECT_EQ(lp2.params.cell_tanh_shift, 1);
  q.cell_scale = 0.001f;
  EXPECT_THROW(lstm_s8_params(1, I, H, false, q, w, r, {0, 0, 0, 0}), Error);
  q.cell_scale = 1.0f / 2048;
  EXPECT_THROW(lstm_s8_params(1, I, H, false, q, w, r, {0, 0, 0}), Error);
}

TEST(RnnS8, SigmoidTableShape) {
  const auto& t = tflm_sigmoid_table_u16();
  ASSERT_EQ(t.size(), 256u);
  EXPECT_EQ(t[0], 32768);
  EXPECT_EQ(t[255], 65535);
  for (size_t k = 0; k < t.size(); ++k) {
    if (k > 0) EXPECT_GE(t[k], t[k - 1]);
    EXPECT_NEAR(double(t[k]), 65536.0 / (1.0 + std::exp(-double(k) / 24.0)), 1.2) << k;
  }
}

// ---- int8 GRU (mote) -------------------------------------------------------------------------

TEST(RnnS8, GruMatchesReference) {
  Rng rng(31);
  for (const Shape& s : shapes()) {
    for (int variant = 0; variant < 16; ++variant) {
      const size_t H = size_t(s.hidden), I = size_t(s.in);
      GruS8Quant q;
      q.in_scale = float(rng.u(0.01, 0.05)), q.in_zp = rng.i(-20, 20);
      q.out_scale = float(rng.u(1.0 / 128, 1.0 / 64)), q.out_zp = variant & 8 ? rng.i(-10, 10) : 0;
      const size_t n_scales = variant & 4 ? 3 * H : 1;
      for (size_t k = 0; k < n_scales; ++k) {
        q.w_scale.push_back(float(rng.u(0.004, 0.02)));
        q.r_scale.push_back(float(rng.u(0.004, 0.02)));
      }
      const auto w = rng.s8(3 * H * I), r = rng.s8(3 * H * H);
      const auto b = rng.f32(6 * H, -0.5, 0.5);
      const GruS8Params gp = gru_s8_params(s.steps, s.in, s.hidden, variant & 1, variant & 2, q, w, r, b);
      const mote_gru_s8_params p = gp.bound();
      const auto x = rng.s8(size_t(s.steps) * I);
      const auto h0 = gru_s8_initial_state(rng.f32(H));
      const bool with_state = variant & 1;
      std::vector<int8_t> got(size_t(s.steps) * H), want(got.size());
      std::vector<int16_t> h_want(H);
      std::vector<int16_t> scratch(mote_gru_s8_scratch_bytes(&p) / 2 + 1);
      ASSERT_EQ(mote_gru_s8(&p, x.data(), w.data(), r.data(), gp.in_bias.data(), gp.rec_bias.data(),
                            with_state ? h0.data() : nullptr, got.data(), scratch.data()),
                MOTE_OK);
      ASSERT_EQ(ref::gru_s8(p, x.data(), w.data(), r.data(), gp.in_bias.data(), gp.rec_bias.data(),
                            with_state ? h0.data() : nullptr, want.data(), h_want.data()),
                MOTE_OK);
      expect_same_s8(got, want, scratch, h_want, "gru_s8 " + name(s, variant));
    }
  }
}

TEST(RnnS8, GruParamsHandDerived) {
  GruS8Quant q;
  q.in_scale = 0.5f, q.in_zp = 2, q.out_scale = 1.0f / 128, q.out_zp = -1;
  q.w_scale = {0.25f};
  q.r_scale = {1.0f / 128, 1.0f / 64, 1.0f / 32};
  const std::vector<int8_t> w = {1, 2, 3, 4, 5, 6}, r = {1, 2, 3};
  // Wb = 1.0 at 0.5 * 0.25 -> 8; Rb = 0.25 at 2^-7 * 2^-6 -> 2048
  const GruS8Params gp = gru_s8_params(4, 2, 1, false, true, q, w, r, {1.0f, 0, 0, 0, 0.25f, 0});
  EXPECT_EQ(gp.params.out_multiplier, 1 << 30);  // 2^-15 / 2^-7 = 2^-8
  EXPECT_EQ(gp.params.out_shift, -7);
  EXPECT_EQ(gp.in_multiplier, (std::vector<int32_t>(3, 1 << 30)));
  EXPECT_EQ(gp.in_shift, (std::vector<int32_t>(3, 10)));  // 2^-3 / 2^-12 = 2^9
  EXPECT_EQ(gp.rec_shift, (std::vector<int32_t>{-1, 0, 1}));  // 2^-14, 2^-13, 2^-12 over 2^-12
  EXPECT_EQ(gp.in_bias, (std::vector<int32_t>{8 - 2 * 3, -2 * 7, -2 * 11}));
  EXPECT_EQ(gp.rec_bias, (std::vector<int32_t>{1, 2048 + 2, 3}));
  EXPECT_EQ(gru_s8_initial_state({0.5f, -1.0f, 1.0f}), (std::vector<int16_t>{16384, -32768, 32767}));
  q.r_scale = {0.1f, 0.2f};
  EXPECT_THROW(gru_s8_params(4, 2, 1, false, true, q, w, r, {}), Error);
}

// Symmetric int8 per-row quantization of float weights (scale = max |row| / 127).
void quantize_rows(const std::vector<float>& m, size_t rows, std::vector<int8_t>* q, std::vector<float>* scales) {
  const size_t n = m.size() / rows;
  q->resize(m.size());
  scales->resize(rows);
  for (size_t o = 0; o < rows; ++o) {
    float mx = 0;
    for (size_t k = 0; k < n; ++k) mx = std::max(mx, std::fabs(m[o * n + k]));
    (*scales)[o] = mx / 127.0f;
    for (size_t k = 0; k < n; ++k)
      (*q)[o * n + k] = int8_t(std::clamp(std::round(m[o * n + k] / (*scales)[o]), -127.0f, 127.0f));
  }
}

// The int8 GRU against the float GRU on the same (dequantized) input, weights quantized per row
// with scale max |row| / 127: |dequantized y - float y| stays within 2 output LSB (1/128 each).
TEST(RnnS8, GruTracksFloatGru) {
  Rng rng(41);
  double worst = 0, sum = 0;
  size_t count = 0;
  for (int trial = 0; trial < 8; ++trial) {
    const int32_t T = 12, I = 8, H = 16;
    const bool lbr = trial & 1;
    const auto w = rng.f32(3 * H * I, -0.6, 0.6), r = rng.f32(3 * H * H, -0.6, 0.6);
    const auto b = rng.f32(6 * H, -0.3, 0.3);
    GruS8Quant q;
    q.in_scale = 2.0f / 255, q.in_zp = 0, q.out_scale = 1.0f / 128, q.out_zp = 0;
    std::vector<int8_t> wq, rq;
    quantize_rows(w, 3 * H, &wq, &q.w_scale);
    quantize_rows(r, 3 * H, &rq, &q.r_scale);
    std::vector<int8_t> xq(T * I);
    std::vector<float> xf(T * I);
    for (size_t k = 0; k < xq.size(); ++k) {
      xq[k] = int8_t(rng.i(-127, 127));
      xf[k] = float(xq[k] - q.in_zp) * q.in_scale;
    }
    const GruS8Params gp = gru_s8_params(T, I, H, trial & 2, lbr, q, wq, rq, b);
    const mote_gru_s8_params p = gp.bound();
    std::vector<int8_t> yq(T * H);
    std::vector<int16_t> scratch(mote_gru_s8_scratch_bytes(&p) / 2 + 1);
    ASSERT_EQ(mote_gru_s8(&p, xq.data(), wq.data(), rq.data(), gp.in_bias.data(), gp.rec_bias.data(), nullptr,
                          yq.data(), scratch.data()),
              MOTE_OK);
    std::vector<float> yf(T * H);
    const mote_rnn_f32_params fp{T, I, H, trial & 2 ? 1 : 0, lbr ? 1 : 0};
    ASSERT_EQ(ref::gru_f32(fp, xf.data(), w.data(), r.data(), b.data(), nullptr, yf.data()), MOTE_OK);
    for (size_t k = 0; k < yq.size(); ++k) {
      const double e = std::fabs(double(yq[k] - q.out_zp) * q.out_scale - yf[k]);
      worst = std::max(worst, e);
      sum += e;
      ++count;
    }
  }
  RecordProperty("max_abs_error", std::to_string(worst));
  RecordProperty("mean_abs_error", std::to_string(sum / double(count)));
  std::printf("int8 GRU vs float GRU: max |err| %.5f (%.2f LSB), mean %.5f\n", worst, worst * 128,
              sum / double(count));
  // measured: max 1.43 LSB, mean 0.32 LSB
  EXPECT_LT(worst, 2.0 / 128);
  EXPECT_LT(sum / double(count), 0.5 / 128);
}

TEST(RnnS8, RejectsBadParams) {
  mote_lstm_s8_params lp{};
  lp.steps = 1, lp.in_features = 1, lp.hidden = 1, lp.cell_act = MOTE_UN_TANH;
  int8_t b8[8] = {0};
  int16_t b16[16] = {0};
  int32_t b32[8] = {0};
  EXPECT_EQ(mote_lstm_s8(&lp, b8, b8, b8, b32, b32, nullptr, nullptr, b8, b16), MOTE_ERR_PARAM);  // no table
  lp.sigmoid_table = tflm_sigmoid_table_u16().data();
  lp.cell_act = MOTE_UN_RELU;
  EXPECT_EQ(mote_lstm_s8(&lp, b8, b8, b8, b32, b32, nullptr, nullptr, b8, b16), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::lstm_s8(lp, b8, b8, b8, b32, b32, nullptr, nullptr, b8, nullptr), MOTE_ERR_PARAM);
  mote_gru_s8_params gp{};
  gp.steps = 1, gp.in_features = 1, gp.hidden = 1, gp.sigmoid_table = lp.sigmoid_table;
  EXPECT_EQ(mote_gru_s8(&gp, b8, b8, b8, b32, b32, nullptr, b8, b16), MOTE_ERR_PARAM);  // no multipliers
  EXPECT_EQ(ref::gru_s8(gp, b8, b8, b8, b32, b32, nullptr, b8, nullptr), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote::test
