// The synthetic int16 signals of the audio front end's tests (16 kHz): tones, noise, a chirp,
// silence and a clipped square wave.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernel_test_util.h"

namespace mote::test {

struct Signal {
  std::string name;
  std::vector<int16_t> x;
};

inline int16_t to_s16(double v) { return int16_t(std::clamp(std::lround(v), -32768L, 32767L)); }

// A sine of `hz` at `dbfs` (0 dBFS = amplitude 32767), random phase, n samples.
inline Signal tone(Rng& r, double hz, double dbfs, size_t n, double rate = 16000.0) {
  Signal s{"tone " + std::to_string(int(hz)) + " Hz " + std::to_string(int(dbfs)) + " dBFS", {}};
  const double a = 32767.0 * std::pow(10.0, dbfs / 20.0), ph = r.u(0, 6.283185307179586);
  for (size_t t = 0; t < n; ++t) s.x.push_back(to_s16(a * std::sin(6.283185307179586 * hz * double(t) / rate + ph)));
  return s;
}

// Uniform white noise of RMS `dbfs` below full scale's.
inline Signal noise(Rng& r, double dbfs, size_t n) {
  Signal s{"noise " + std::to_string(int(dbfs)) + " dBFS", {}};
  const double a = 32767.0 * std::pow(10.0, dbfs / 20.0) * std::sqrt(3.0);
  for (size_t t = 0; t < n; ++t) s.x.push_back(to_s16(r.u(-a, a)));
  return s;
}

// A linear chirp from f0 to f1 Hz over n samples at amplitude `dbfs`.
inline Signal chirp(double f0, double f1, double dbfs, size_t n, double rate = 16000.0) {
  Signal s{"chirp", {}};
  const double a = 32767.0 * std::pow(10.0, dbfs / 20.0), T = double(n) / rate;
  for (size_t t = 0; t < n; ++t) {
    const double tt = double(t) / rate;
    s.x.push_back(to_s16(a * std::sin(6.283185307179586 * (f0 * tt + 0.5 * (f1 - f0) / T * tt * tt))));
  }
  return s;
}

// A square wave of `hz` driven at twice full scale and clipped: +32767 / -32768.
inline Signal square(double hz, size_t n, double rate = 16000.0) {
  Signal s{"clipped square", {}};
  for (size_t t = 0; t < n; ++t) s.x.push_back(to_s16(65536.0 * (std::sin(6.283185307179586 * hz * double(t) / rate) >= 0 ? 1 : -1)));
  return s;
}

// Every signal of the tests: tones at several frequencies and levels from -40 dBFS to near full
// scale, noise at three levels, a chirp, silence, one LSB of dither, the clipped square wave.
inline std::vector<Signal> test_signals(size_t n) {
  Rng r(1234);
  std::vector<Signal> v;
  for (double hz : {97.0, 440.0, 1000.0, 2500.0, 3900.0, 6000.0})
    for (double db : {-40.0, -20.0, -6.0, -0.1}) v.push_back(tone(r, hz, db, n));
  for (double db : {-40.0, -20.0, -3.0}) v.push_back(noise(r, db, n));
  v.push_back(chirp(50.0, 7900.0, -1.0, n));
  v.push_back({"silence", std::vector<int16_t>(n, 0)});
  Signal d{"one LSB", {}};
  for (size_t t = 0; t < n; ++t) d.x.push_back(int16_t(r.i(-1, 1)));
  v.push_back(d);
  v.push_back(square(300.0, n));
  return v;
}

}  // namespace mote::test
