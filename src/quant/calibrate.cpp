#include "quant/calibrate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/error.h"

namespace mote {

CalibMethod calib_method_from_name(const std::string& s) {
  if (s == "minmax") return CalibMethod::MinMax;
  if (s == "percentile") return CalibMethod::Percentile;
  if (s == "mse") return CalibMethod::Mse;
  fail("unknown calibration method '{}' (expected minmax, percentile or mse)", s);
}

const char* calib_method_name(CalibMethod m) {
  return m == CalibMethod::MinMax ? "minmax" : m == CalibMethod::Percentile ? "percentile" : "mse";
}

Histogram::Histogram(double lo_, double hi_, size_t bins) : lo(lo_), hi(hi_), counts(bins, 0.0) {
  if (!(hi > lo)) hi = lo + 1e-12;  // a constant tensor: one value, any positive width
}

void Histogram::add(const float* x, size_t n) {
  const double inv = double(counts.size()) / (hi - lo);
  const long last = long(counts.size()) - 1;
  for (size_t i = 0; i < n; ++i) {
    long b = long(std::floor((double(x[i]) - lo) * inv));
    counts[size_t(std::clamp(b, 0L, last))] += 1.0;
  }
}

double Histogram::total() const {
  double t = 0;
  for (double c : counts) t += c;
  return t;
}

Range normalize_range(Range r) {
  r.lo = std::min(r.lo, 0.0);
  r.hi = std::max(r.hi, 0.0);
  // An all-zero tensor: any scale represents it; 1/255 keeps multipliers moderate.
  if (r.hi - r.lo < 1e-9) r.hi = r.lo + 1.0;
  return r;
}

void range_to_quant(Range r, float* scale, int32_t* zero_point, int bits) {
  r = normalize_range(r);
  const double qmin = -std::ldexp(1.0, bits - 1), qmax = std::ldexp(1.0, bits - 1) - 1;
  const float s = float((r.hi - r.lo) / (qmax - qmin));
  const double zp = std::round(qmin - r.lo / double(s));
  *scale = s;
  *zero_point = int32_t(std::clamp(zp, qmin, qmax));
}

Range percentile_range(const Histogram& h, double p) {
  const double total = h.total();
  Range r{h.lo, h.hi};
  if (total <= 0) return normalize_range(r);
  const size_t nb = h.counts.size();
  // Lower side: first bin where the cumulative mass passes (1 - p).
  double cum = 0;
  for (size_t b = 0; b < nb; ++b) {
    cum += h.counts[b];
    if (cum > (1.0 - p) * total) {
      r.lo = h.lo + double(b) * h.width();
      break;
    }
  }
  cum = 0;
  for (size_t b = 0; b < nb; ++b) {
    cum += h.counts[b];
    if (cum >= p * total) {
      r.hi = h.lo + double(b + 1) * h.width();
      break;
    }
  }
  return normalize_range(r);
}

double quant_mse(const Histogram& h, double lo, double hi) {
  const double s = (hi - lo) / 255.0;
  const double noise = s * s / 12.0;
  double err = 0, total = 0;
  for (size_t b = 0; b < h.counts.size(); ++b) {
    const double n = h.counts[b];
    if (n == 0) continue;
    const double c = h.center(b);
    double e = noise;
    if (c < lo) e = (c - lo) * (c - lo);
    else if (c > hi) e = (c - hi) * (c - hi);
    err += n * e;
    total += n;
  }
  return total > 0 ? err / total : 0.0;
}

Range mse_range(const Histogram& h) {
  const Range full = normalize_range({h.lo, h.hi});
  const double a = std::min(h.lo, 0.0), b = std::max(h.hi, 0.0);
  if (b - a < 1e-9) return full;
  constexpr int kSteps = 256;
  auto err = [&](double fa, double fb) -> double {
    const double lo = a * fa, hi = b * fb;
    if (hi - lo < 1e-12) return std::numeric_limits<double>::infinity();
    return quant_mse(h, lo, hi);
  };
  // Both sides shrunk together first, then each side on its own (coordinate descent).
  double best_fa = 1, best_fb = 1, best = err(1, 1);
  for (int k = 1; k < kSteps; ++k) {
    const double f = double(k) / kSteps;
    const double e = err(f, f);
    if (e < best) {
      best = e;
      best_fa = best_fb = f;
    }
  }
  for (int round = 0; round < 3; ++round) {
    for (int k = 1; k <= kSteps && a < 0; ++k) {
      const double f = double(k) / kSteps;
      const double e = err(f, best_fb);
      if (e < best) {
        best = e;
        best_fa = f;
      }
    }
    for (int k = 1; k <= kSteps && b > 0; ++k) {
      const double f = double(k) / kSteps;
      const double e = err(best_fa, f);
      if (e < best) {
        best = e;
        best_fb = f;
      }
    }
  }
  return normalize_range({a * best_fa, b * best_fb});
}

void TensorStats::add_minmax(const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    if (!std::isfinite(v)) fail("calibration: activation value {} is not finite", v);
    if (!seen) {
      min = max = v;
      seen = true;
    }
    min = std::min(min, v);
    max = std::max(max, v);
  }
}

void TensorStats::start_histogram() {
  hist.clear();
  hist.emplace_back(min, max);
}

void TensorStats::add_histogram(const float* x, size_t n) { hist.at(0).add(x, n); }

Range TensorStats::range(CalibMethod m) const {
  if (m == CalibMethod::MinMax || hist.empty()) return normalize_range({min, max});
  if (m == CalibMethod::Percentile) return percentile_range(hist[0], 0.9999);
  return mse_range(hist[0]);
}

}  // namespace mote
