#include "dsp/mfcc.h"

#include <algorithm>
#include <cmath>

#include "lower/fixedpoint.h"
#include "util/error.h"

namespace mote {
namespace {

constexpr double kPi = 3.14159265358979323846;

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }

void check(const MfccSettings& s) {
  if (s.sample_rate <= 0) fail("mfcc: sample rate {} Hz is not positive", s.sample_rate);
  if (s.fft < 16 || s.fft > 4096 || (s.fft & (s.fft - 1)) != 0)
    fail("mfcc: FFT size {} is not a power of two in [16, 4096]", s.fft);
  if (s.window < 1) fail("mfcc: window of {} samples is empty", s.window);
  if (s.window > s.fft) fail("mfcc: window of {} samples is longer than the FFT size {}", s.window, s.fft);
  if (s.stride < 1) fail("mfcc: stride of {} samples is not positive", s.stride);
  if (s.n_mel < 1 || s.n_mel > s.fft / 2 + 1)
    fail("mfcc: {} mel bins, but the {}-point FFT has {} bins", s.n_mel, s.fft, s.fft / 2 + 1);
  if (s.n_mfcc < 0 || s.n_mfcc > s.n_mel) fail("mfcc: {} coefficients from {} mel bins", s.n_mfcc, s.n_mel);
  if (!(s.low_hz >= 0.0 && s.low_hz < s.high_hz && s.high_hz <= s.sample_rate / 2.0))
    fail("mfcc: mel band {} Hz .. {} Hz is not within 0 .. {} Hz (the Nyquist frequency)", s.low_hz, s.high_hz,
         s.sample_rate / 2.0);
  if (!(s.floor > 0.0 && std::isfinite(s.floor))) fail("mfcc: energy floor {} is not positive", s.floor);
  // below 2^-14 the int8 requantization would shift left and could wrap
  if (!(s.mel_scale >= 0x1p-14 && std::isfinite(s.mel_scale)) || !(s.mfcc_scale >= 0x1p-14 && std::isfinite(s.mfcc_scale)))
    fail("mfcc: output scales {} (log-mel) and {} (MFCC) must be at least 2^-14", s.mel_scale, s.mfcc_scale);
  if (s.mel_zp < -128 || s.mel_zp > 127 || s.mfcc_zp < -128 || s.mfcc_zp > 127)
    fail("mfcc: output zero points {} and {} are not int8", s.mel_zp, s.mfcc_zp);
}

// DCT-II, orthonormal: d[k][m] for k < n_mfcc, m < n_mel.
double dct2(int32_t k, int32_t m, int32_t n_mel) {
  const double norm = std::sqrt((k == 0 ? 1.0 : 2.0) / n_mel);
  return norm * std::cos(kPi * k * (m + 0.5) / n_mel);
}

int16_t q15(double v) { return int16_t(std::clamp(std::lround(v * 32768.0), -32768L, 32767L)); }

// Every setting by its JSON name, so that writing and reading cannot drift apart.
const std::pair<const char*, int32_t MfccSettings::*> kIntFields[] = {
    {"sample_rate", &MfccSettings::sample_rate}, {"window", &MfccSettings::window}, {"stride", &MfccSettings::stride},
    {"fft", &MfccSettings::fft},           {"n_mel", &MfccSettings::n_mel},   {"n_mfcc", &MfccSettings::n_mfcc},
    {"mel_zp", &MfccSettings::mel_zp},     {"mfcc_zp", &MfccSettings::mfcc_zp}};
const std::pair<const char*, double MfccSettings::*> kRealFields[] = {
    {"low_hz", &MfccSettings::low_hz},       {"high_hz", &MfccSettings::high_hz},     {"floor", &MfccSettings::floor},
    {"mel_scale", &MfccSettings::mel_scale}, {"mfcc_scale", &MfccSettings::mfcc_scale}};

}  // namespace

nlohmann::json to_json(const MfccSettings& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, field] : kIntFields) j[name] = s.*field;
  for (const auto& [name, field] : kRealFields) j[name] = s.*field;
  return j;
}

MfccSettings mfcc_settings_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) fail("{}: the front end settings must be a JSON object", where);
  MfccSettings s;
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const auto& [name, field] : kIntFields)
      if (key == name) {
        if (!value.is_number_integer() || value.get<int64_t>() != int64_t(int32_t(value.get<int64_t>())))
          fail("{}: front end setting '{}' must be a 32-bit integer, not {}", where, key, value.dump());
        s.*field = value.get<int32_t>();
        known = true;
      }
    for (const auto& [name, field] : kRealFields)
      if (key == name) {
        if (!value.is_number()) fail("{}: front end setting '{}' must be a number, not {}", where, key, value.dump());
        s.*field = value.get<double>();
        known = true;
      }
    if (!known) {
      std::string names;
      for (const auto& f : kIntFields) names += std::string(names.empty() ? "" : ", ") + f.first;
      for (const auto& f : kRealFields) names += std::string(", ") + f.first;
      fail("{}: unknown front end setting '{}' (known: {})", where, key, names);
    }
  }
  try {
    check(s);
  } catch (const Error& e) {
    fail("{}: {}", where, e.what());
  }
  return s;
}

std::vector<std::vector<double>> mel_filterbank(const MfccSettings& s) {
  check(s);
  const int32_t bins = s.fft / 2 + 1;
  const double lo = hz_to_mel(s.low_hz), hi = hz_to_mel(s.high_hz);
  std::vector<std::vector<double>> w(size_t(s.n_mel), std::vector<double>(size_t(bins), 0.0));
  for (int32_t m = 0; m < s.n_mel; ++m) {
    const double left = lo + (hi - lo) * m / (s.n_mel + 1), center = lo + (hi - lo) * (m + 1) / (s.n_mel + 1),
                 right = lo + (hi - lo) * (m + 2) / (s.n_mel + 1);
    for (int32_t k = 1; k < bins; ++k) {  // the DC bin is in no filter (as in TF)
      const double mel = hz_to_mel(double(k) * s.sample_rate / s.fft);
      w[size_t(m)][size_t(k)] = std::max(0.0, std::min((mel - left) / (center - left), (right - mel) / (right - center)));
    }
  }
  return w;
}

mote_mfcc_params MfccTables::params() const {
  mote_mfcc_params p{};
  p.window_len = settings.window;
  p.fft_len = settings.fft;
  p.n_mel = settings.n_mel;
  p.n_mfcc = settings.n_mfcc;
  p.window = window.data();
  p.twiddle = twiddle.data();
  p.mel_first = mel_first.data();
  p.mel_count = mel_count.data();
  p.mel_weight = mel_weight.data();
  p.dct = dct.empty() ? nullptr : dct.data();
  p.log_floor = int32_t(std::lround(std::log2(settings.floor) * 65536.0));
  quantize_multiplier(std::log(2.0) / (65536.0 * settings.mel_scale), &p.mel_mult, &p.mel_shift);
  p.mel_zp = settings.mel_zp;
  quantize_multiplier(1.0 / (32768.0 * settings.mfcc_scale), &p.mfcc_mult, &p.mfcc_shift);
  p.mfcc_zp = settings.mfcc_zp;
  return p;
}

size_t MfccTables::table_bytes() const {
  return 2 * (mel_first.size() + mel_count.size() + mel_weight.size() + dct.size()) +
         4 * (window.size() + twiddle.size());
}

MfccTables mfcc_tables(const MfccSettings& s) {
  const std::vector<std::vector<double>> bank = mel_filterbank(s);
  MfccTables t;
  t.settings = s;
  for (int32_t n = 0; n < s.window; ++n)
    t.window.push_back(int32_t(std::lround((0.5 - 0.5 * std::cos(2.0 * kPi * n / s.window)) * 1073741824.0)));
  for (int32_t k = 0; k < s.fft / 2; ++k) {
    const double a = 2.0 * kPi * k / s.fft;
    t.twiddle.push_back(int32_t(std::lround(std::cos(a) * 1073741824.0)));
    t.twiddle.push_back(int32_t(std::lround(-std::sin(a) * 1073741824.0)));
  }
  for (int32_t m = 0; m < s.n_mel; ++m) {
    const std::vector<double>& w = bank[size_t(m)];
    int32_t first = -1, last = -1;
    for (int32_t k = 0; k < int32_t(w.size()); ++k)
      if (q15(w[size_t(k)]) > 0) {
        if (first < 0) first = k;
        last = k;
      }
    if (first < 0) {
      const double step = (hz_to_mel(s.high_hz) - hz_to_mel(s.low_hz)) / (s.n_mel + 1);
      const auto hz = [](double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); };
      fail("mfcc: mel filter {} ({:.1f} Hz .. {:.1f} Hz) covers no bin of the {}-point FFT ({:.2f} Hz apart): use "
           "fewer mel bins, a higher low frequency or a larger FFT",
           m, hz(hz_to_mel(s.low_hz) + step * m), hz(hz_to_mel(s.low_hz) + step * (m + 2)), s.fft,
           double(s.sample_rate) / s.fft);
    }
    t.mel_first.push_back(int16_t(first));
    t.mel_count.push_back(int16_t(last - first + 1));
    for (int32_t k = first; k <= last; ++k) t.mel_weight.push_back(q15(w[size_t(k)]));
  }
  for (int32_t k = 0; k < s.n_mfcc; ++k)
    for (int32_t m = 0; m < s.n_mel; ++m) t.dct.push_back(q15(std::log(2.0) * dct2(k, m, s.n_mel)));
  return t;
}

MfccFrame mfcc_reference(const MfccSettings& s, const int16_t* frame) {
  const std::vector<std::vector<double>> bank = mel_filterbank(s);
  const int32_t bins = s.fft / 2 + 1;
  std::vector<double> x(size_t(s.window));
  std::vector<double> power(size_t(bins), 0.0);
  for (int32_t n = 0; n < s.window; ++n)
    x[size_t(n)] = frame[n] / 32768.0 * (0.5 - 0.5 * std::cos(2.0 * kPi * n / s.window));
  for (int32_t k = 0; k < bins; ++k) {
    double re = 0.0, im = 0.0;
    for (int32_t n = 0; n < s.window; ++n) {
      const double a = 2.0 * kPi * double((int64_t(k) * n) % s.fft) / s.fft;
      re += x[size_t(n)] * std::cos(a);
      im -= x[size_t(n)] * std::sin(a);
    }
    power[size_t(k)] = re * re + im * im;
  }
  MfccFrame f;
  for (int32_t m = 0; m < s.n_mel; ++m) {
    double e = 0.0;
    for (int32_t k = 0; k < bins; ++k) e += bank[size_t(m)][size_t(k)] * power[size_t(k)];
    f.log_mel.push_back(std::log(std::max(e, s.floor)));
  }
  for (int32_t k = 0; k < s.n_mfcc; ++k) {
    double c = 0.0;
    for (int32_t m = 0; m < s.n_mel; ++m) c += dct2(k, m, s.n_mel) * f.log_mel[size_t(m)];
    f.mfcc.push_back(c);
  }
  return f;
}

int8_t quantize_feature(double real, double scale, int32_t zp) {
  return int8_t(std::clamp(std::lround(real / scale) + zp, -128L, 127L));
}

Features compute_features(const MfccTables& t, const int16_t* signal, size_t n) {
  const MfccSettings& s = t.settings;
  const mote_mfcc_params p = t.params();
  Features f;
  f.frames = n >= size_t(s.window) ? int64_t(1 + (n - size_t(s.window)) / size_t(s.stride)) : 0;
  f.mel.resize(size_t(f.frames) * size_t(s.n_mel));
  f.mfcc.resize(size_t(f.frames) * size_t(s.n_mfcc));
  std::vector<int32_t> scratch((mote_mfcc_s16_scratch_bytes(&p) + 3) / 4);
  for (int64_t i = 0; i < f.frames; ++i)
    if (mote_mfcc_s16(&p, signal + size_t(i) * size_t(s.stride), f.mel.data() + size_t(i) * size_t(s.n_mel),
                      s.n_mfcc ? f.mfcc.data() + size_t(i) * size_t(s.n_mfcc) : nullptr, nullptr, nullptr,
                      scratch.data()) != MOTE_OK)
      fail("mfcc: the front end refused its parameters");
  return f;
}

}  // namespace mote
