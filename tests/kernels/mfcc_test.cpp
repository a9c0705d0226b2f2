// The audio front end (mote/audio.h, dsp/mfcc.h): the fixed-point log-mel and MFCC features
// against the float64 reference on synthetic signals, the placement of tones in mel bins, the
// floor on silence, the host run over a signal, and the errors of bad settings and params.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <functional>

#include "dsp/mfcc.h"
#include "e2e/e2e_util.h"
#include "mfcc_signals.h"
#include "require.h"
#include "util/error.h"

namespace mote {
namespace {

using test::Rng;

// The fixed-point features of one frame, in natural-log units.
struct Fixed {
  std::vector<double> log_mel, mfcc;
  std::vector<int8_t> mel_q, mfcc_q;
};

Fixed run_frame(const MfccTables& t, const int16_t* frame) {
  const mote_mfcc_params p = t.params();
  std::vector<int32_t> scratch(mote_mfcc_s16_scratch_bytes(&p) / 4), l2(size_t(p.n_mel)), c(size_t(p.n_mfcc));
  Fixed f;
  f.mel_q.resize(size_t(p.n_mel));
  f.mfcc_q.resize(size_t(p.n_mfcc));
  EXPECT_EQ(mote_mfcc_s16(&p, frame, f.mel_q.data(), f.mfcc_q.data(), l2.data(), c.data(), scratch.data()), MOTE_OK);
  for (int32_t v : l2) f.log_mel.push_back(v * std::log(2.0) / 65536.0);
  for (int32_t v : c) f.mfcc.push_back(v / 32768.0);
  return f;
}

// Stated tolerances against the float64 reference, over every frame of every test signal. The
// FFT's rounding (a few LSB of its int32 outputs, whatever the level: the frame is normalised
// first, growing as the square root of the FFT size) sets the error of a mel energy relative to
// the frame's power (the sum of its power spectrum over bins 0..fft/2):
constexpr double kNearDb = 80.0;  // mel energies within 80 dB of the frame's power (tight), others
constexpr int kInt8Tol = 1;       // int8 outputs: at most 1 LSB from the quantized reference
struct Accuracy {
  MfccSettings s;
  double near_tol;  // max |log-mel error| within kNearDb of the frame's power, natural-log units
  double tol;       // max |log-mel error| below, down to the floor
  double mfcc_tol;  // max |MFCC error|
};

// The sum of the frame's power spectrum over bins 0..fft/2 (Parseval: fft / 2 times the windowed
// frame's energy, near enough for a level in dB).
double frame_power(const MfccSettings& s, const int16_t* frame) {
  double e = 0;
  for (int32_t n = 0; n < s.window; ++n) {
    const double v = frame[n] / 32768.0 * (0.5 - 0.5 * std::cos(2.0 * M_PI * n / s.window));
    e += v * v;
  }
  return e * s.fft / 2;
}

// MLPerf Tiny's features (measured: 0.00098, 0.0108, 0.0081), and a wideband set (40 ms windows,
// a 1024-point FFT, 64 mel filters up to 7.6 kHz, 13 MFCCs; measured: 0.0024, 0.043, 0.0142).
Accuracy wideband() {
  MfccSettings s;
  s.window = 640, s.fft = 1024, s.n_mel = 64, s.n_mfcc = 13, s.high_hz = 7600.0;
  return {s, 0.004, 0.06, 0.02};
}

class MfccAccuracy : public ::testing::TestWithParam<Accuracy> {};

TEST_P(MfccAccuracy, MatchesTheFloatReferenceOnSyntheticSignals) {
  const Accuracy& a = GetParam();
  const MfccSettings& s = a.s;
  const MfccTables t = mfcc_tables(s);
  double worst_near = 0, worst_mel = 0, worst_mfcc = 0;
  int worst_q = 0, frames = 0;
  for (const test::Signal& sig : test::test_signals(16000 / 4)) {
    for (size_t at = 0; at + size_t(s.window) <= sig.x.size(); at += size_t(s.stride)) {
      const Fixed got = run_frame(t, sig.x.data() + at);
      const MfccFrame want = mfcc_reference(s, sig.x.data() + at);
      const double loudest = std::log(frame_power(s, sig.x.data() + at));
      for (int32_t m = 0; m < s.n_mel; ++m) {
        const double e = std::abs(got.log_mel[size_t(m)] - want.log_mel[size_t(m)]);
        const bool near = want.log_mel[size_t(m)] > loudest - kNearDb * std::log(10.0) / 10.0;
        (near ? worst_near : worst_mel) = std::max(near ? worst_near : worst_mel, e);
        EXPECT_LE(e, near ? a.near_tol : a.tol) << sig.name << " frame at " << at << " mel " << m << ": " << got.log_mel[size_t(m)]
                                 << " vs " << want.log_mel[size_t(m)];
        const int dq = std::abs(int(got.mel_q[size_t(m)]) - int(quantize_feature(want.log_mel[size_t(m)], s.mel_scale, s.mel_zp)));
        worst_q = std::max(worst_q, dq);
        EXPECT_LE(dq, kInt8Tol) << sig.name << " mel " << m;
      }
      for (int32_t k = 0; k < s.n_mfcc; ++k) {
        const double e = std::abs(got.mfcc[size_t(k)] - want.mfcc[size_t(k)]);
        worst_mfcc = std::max(worst_mfcc, e);
        EXPECT_LE(e, a.mfcc_tol) << sig.name << " frame at " << at << " mfcc " << k;
        const int dq = std::abs(int(got.mfcc_q[size_t(k)]) - int(quantize_feature(want.mfcc[size_t(k)], s.mfcc_scale, s.mfcc_zp)));
        worst_q = std::max(worst_q, dq);
        EXPECT_LE(dq, kInt8Tol) << sig.name << " mfcc " << k;
      }
      ++frames;
    }
  }
  std::printf("mfcc (%d-point FFT, %d mel, %d MFCC): %d frames: max |log-mel error| %.5f within %.0f dB of the frame power, %.5f below; max |MFCC "
              "error| %.5f; max int8 difference %d LSB\n",
              s.fft, s.n_mel, s.n_mfcc, frames, worst_near, kNearDb, worst_mel, worst_mfcc, worst_q);
}

INSTANTIATE_TEST_SUITE_P(Settings, MfccAccuracy, ::testing::Values(Accuracy{MfccSettings{}, 0.002, 0.02, 0.015}, wideband()));

// A tone at a filter's centre frequency puts the most energy in that filter, at every level.
TEST(Mfcc, ToneLandsInItsMelBin) {
  const MfccSettings s;
  const MfccTables t = mfcc_tables(s);
  const double lo = 2595.0 * std::log10(1.0 + s.low_hz / 700.0), hi = 2595.0 * std::log10(1.0 + s.high_hz / 700.0);
  Rng r(5);
  for (int32_t m : {2, 9, 17, 25, 33, 38}) {
    const double mel = lo + (hi - lo) * (m + 1) / (s.n_mel + 1), hz = 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
    for (double db : {-40.0, -10.0, -0.5}) {
      const test::Signal x = test::tone(r, hz, db, size_t(s.window));
      const Fixed f = run_frame(t, x.x.data());
      const int32_t peak = int32_t(std::max_element(f.log_mel.begin(), f.log_mel.end()) - f.log_mel.begin());
      EXPECT_EQ(peak, m) << hz << " Hz at " << db << " dBFS";
      EXPECT_EQ(std::max_element(f.mel_q.begin(), f.mel_q.end()) - f.mel_q.begin(), m) << hz << " Hz (int8)";
    }
  }
}

// Silence gives the floor in every mel bin (int8: the floor quantized) and the floor's MFCCs:
// sqrt(n_mel) ln(floor) in c0, 0 in the others.
TEST(Mfcc, SilenceGivesTheFloor) {
  const MfccSettings s;
  const MfccTables t = mfcc_tables(s);
  const std::vector<int16_t> zero(size_t(s.window), 0);
  const Fixed f = run_frame(t, zero.data());
  const int8_t floor_q = quantize_feature(std::log(s.floor), s.mel_scale, s.mel_zp);
  for (int32_t m = 0; m < s.n_mel; ++m) {
    EXPECT_NEAR(f.log_mel[size_t(m)], std::log(s.floor), 1e-4) << m;
    EXPECT_EQ(f.mel_q[size_t(m)], floor_q) << m;
  }
  EXPECT_NEAR(f.mfcc[0], std::sqrt(double(s.n_mel)) * std::log(s.floor), 0.01);
  for (int32_t k = 1; k < s.n_mfcc; ++k) EXPECT_NEAR(f.mfcc[size_t(k)], 0.0, 0.01) << k;
  EXPECT_EQ(f.mfcc_q[0], quantize_feature(std::sqrt(double(s.n_mel)) * std::log(s.floor), s.mfcc_scale, s.mfcc_zp));
}

// The real FFT against a float64 DFT, at the largest input it allows (|x| < 2^30 / n) and on
// the extreme patterns (all +max, alternating signs: DC and Nyquist at their bounds).
TEST(Mfcc, RealFftMatchesTheDft) {
  Rng r(77);
  for (int32_t n : {16, 64, 512, 4096}) {
    MfccSettings s;
    s.fft = n;
    s.window = std::min(n, 480);
    s.n_mel = 4;
    s.n_mfcc = 0;
    s.low_hz = 500.0;
    const MfccTables t = mfcc_tables(s);
    const int32_t lim = (1 << 30) / n - 1;
    for (int pattern = 0; pattern < 3; ++pattern) {
      std::vector<int32_t> x(static_cast<size_t>(n), 0);
      for (int32_t i = 0; i < n; ++i) x[size_t(i)] = pattern == 0 ? r.i(-lim, lim) : pattern == 1 ? lim : (i % 2 ? -lim : lim);
      std::vector<int32_t> buf = x;
      ASSERT_EQ(mote_rfft_s32(n, t.twiddle.data(), buf.data()), MOTE_OK);
      double worst = 0;
      for (int32_t k = 0; k <= n / 2; ++k) {
        std::complex<double> X = 0;
        for (int32_t i = 0; i < n; ++i) X += double(x[size_t(i)]) * std::polar(1.0, -2.0 * M_PI * double((int64_t(k) * i) % n) / n);
        const std::complex<double> got = k == 0 ? std::complex<double>(buf[0], 0) : k == n / 2 ? std::complex<double>(buf[1], 0)
                                                                                   : std::complex<double>(buf[size_t(2 * k)], buf[size_t(2 * k + 1)]);
        worst = std::max(worst, std::abs(got - 2.0 * X));
      }
      // rounding noise, growing as the square root of the points (measured: 1, 4, 17 and 49 LSB
      // at 16, 64, 512 and 4096 points), on outputs up to 2^31
      EXPECT_LE(worst, std::sqrt(double(n)) + 2.0) << n << "-point FFT, pattern " << pattern;
      std::printf("rfft %d points, pattern %d: max |error| %.1f LSB of outputs up to %.3g\n", n, pattern, worst, 2.0 * lim * n);
    }
  }
}

// The host run over a signal: one frame every stride while a window fits, each the runtime's
// frame bytes.
TEST(Mfcc, FeaturesOfASignalAreTheFramesAtTheStride) {
  const MfccSettings s;
  const MfccTables t = mfcc_tables(s);
  Rng r(9);
  const test::Signal x = test::noise(r, -12.0, 16000);
  const Features f = compute_features(t, x.x.data(), x.x.size());
  ASSERT_EQ(f.frames, 49);  // 1 s: MLPerf Tiny's 49 x 10 MFCC input
  ASSERT_EQ(f.mel.size(), size_t(49 * s.n_mel));
  ASSERT_EQ(f.mfcc.size(), size_t(49 * s.n_mfcc));
  for (int64_t i : {int64_t(0), int64_t(17), int64_t(48)}) {
    const Fixed g = run_frame(t, x.x.data() + i * s.stride);
    EXPECT_TRUE(std::equal(g.mel_q.begin(), g.mel_q.end(), f.mel.begin() + i * s.n_mel)) << i;
    EXPECT_TRUE(std::equal(g.mfcc_q.begin(), g.mfcc_q.end(), f.mfcc.begin() + i * s.n_mfcc)) << i;
  }
  EXPECT_EQ(compute_features(t, x.x.data(), size_t(s.window) - 1).frames, 0);
  EXPECT_EQ(compute_features(t, x.x.data(), size_t(s.window + s.stride)).frames, 2);
}

std::string error_of(const MfccSettings& s) {
  try {
    mfcc_tables(s);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Mfcc, BadSettingsNameWhatIsWrong) {
  const struct {
    std::function<void(MfccSettings&)> set;
    std::string want;  // the message, or its start
  } cases[] = {
      {[](MfccSettings& s) { s.fft = 500; }, "mfcc: FFT size 500 is not a power of two in [16, 4096]"},
      {[](MfccSettings& s) { s.window = 600; }, "mfcc: window of 600 samples is longer than the FFT size 512"},
      {[](MfccSettings& s) { s.n_mel = 300; }, "mfcc: 300 mel bins, but the 512-point FFT has 257 bins"},
      {[](MfccSettings& s) { s.n_mfcc = 41; }, "mfcc: 41 coefficients from 40 mel bins"},
      {[](MfccSettings& s) { s.high_hz = 9000; },
       "mfcc: mel band 20 Hz .. 9000 Hz is not within 0 .. 8000 Hz (the Nyquist frequency)"},
      {[](MfccSettings& s) { s.floor = 0; }, "mfcc: energy floor 0 is not positive"},
      {[](MfccSettings& s) { s.mfcc_scale = 1e-5; }, "mfcc: output scales 0.1 (log-mel) and 1e-05 (MFCC) must be at least 2^-14"},
      // bins 125 Hz apart: the narrow low filters miss them
      {[](MfccSettings& s) { s.fft = s.window = 128; }, "mfcc: mel filter 0 (20.0 Hz .. 89.0 Hz) covers no bin of the "
                                                         "128-point FFT (125.00 Hz apart): use fewer mel bins"},
  };
  for (const auto& c : cases) {
    MfccSettings s;
    c.set(s);
    EXPECT_EQ(error_of(s).substr(0, c.want.size()), c.want);
  }
  EXPECT_EQ(error_of(MfccSettings{}), "");
}

// The runtime refuses inconsistent params with MOTE_ERR_PARAM (and computes nothing).
TEST(Mfcc, RuntimeRefusesInconsistentParams) {
  const MfccTables t = mfcc_tables(MfccSettings{});
  const mote_mfcc_params good = t.params();
  std::vector<int16_t> x(480, 100);
  std::vector<int32_t> scratch(mote_mfcc_s16_scratch_bytes(&good) / 4);
  std::vector<int8_t> mel(40), mfcc(10);
  EXPECT_EQ(mote_mfcc_s16(&good, x.data(), mel.data(), mfcc.data(), nullptr, nullptr, scratch.data()), MOTE_OK);
  std::vector<mote_mfcc_params> bad(9, good);
  bad[0].fft_len = 500;
  bad[1].window_len = 513;
  bad[2].n_mfcc = 41;
  bad[3].n_mel = 0;
  bad[4].dct = nullptr;
  bad[5].twiddle = nullptr;
  const std::vector<int16_t> first(40, 250), zero(40, 0);
  bad[6].mel_first = first.data();  // 250 + 8 > 257 bins
  bad[7].mel_count = zero.data();
  bad[8].fft_len = 8192;
  for (size_t i = 0; i < bad.size(); ++i)
    EXPECT_EQ(mote_mfcc_s16(&bad[i], x.data(), mel.data(), mfcc.data(), nullptr, nullptr, scratch.data()), MOTE_ERR_PARAM) << i;
  EXPECT_EQ(mote_mfcc_s16(&good, x.data(), mel.data(), mfcc.data(), nullptr, nullptr, nullptr), MOTE_ERR_PARAM);
  EXPECT_EQ(mote_mfcc_s16(&good, nullptr, mel.data(), mfcc.data(), nullptr, nullptr, scratch.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(mote_rfft_s32(500, t.twiddle.data(), scratch.data()), MOTE_ERR_PARAM);
}

// The front end's sources build clean as strict C99 with gcc and clang (arm-none-eabi-gcc: in
// MfccQemu), at -O0 and -O2.
TEST(Mfcc, RuntimeBuildsWithoutWarnings) {
  TempDir dir;
  std::string log;
  MOTE_REQUIRE(shell("gcc --version && clang --version", dir.path / "probe.log", &log) == 0) << "gcc and clang are needed";
  const fs::path rt = fs::path(MOTE_SOURCE_DIR) / "runtime";
  for (const char* cc : {"gcc", "clang"})
    for (const char* opt : {"-O0", "-O2"})
      for (const char* src : {"src/dsp/fft_s32.c", "src/dsp/mfcc_s16.c"}) {
        const std::string cmd = std::string(cc) + " " + opt + " -std=c99 -Wall -Wextra -Werror -pedantic -I '" +
                                (rt / "include").string() + "' -c '" + (rt / src).string() + "' -o '" +
                                (dir.path / "x.o").string() + "'";
        EXPECT_EQ(shell(cmd, dir.path / "build.log", &log), 0) << cmd << "\n" << log;
      }
}

}  // namespace
}  // namespace mote
