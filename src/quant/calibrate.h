// Calibration: per-tensor statistics of activations and the clipping range each method picks
// from them. Internal to the quantizer; exposed for its tests.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "quant/quantize.h"

namespace mote {

// Real range [lo, hi] an int8 tensor represents (always contains 0).
struct Range {
  double lo = 0;
  double hi = 0;
};

// Fixed-range histogram over [lo, hi]; values outside fall into the end bins.
struct Histogram {
  double lo = 0, hi = 0;
  std::vector<double> counts;

  Histogram(double lo_, double hi_, size_t bins = 2048);
  void add(const float* x, size_t n);
  double total() const;
  double width() const { return (hi - lo) / double(counts.size()); }
  double center(size_t b) const { return lo + (double(b) + 0.5) * width(); }
};

// The p-quantile (p in (0.5, 1]) of the distribution on each side: [q(1-p), q(p)], 0 included.
Range percentile_range(const Histogram& h, double p);
// Expected squared error of quantizing the histogram's values into 256 levels over [lo, hi]:
// clipping error outside, scale^2/12 rounding noise inside.
double quant_mse(const Histogram& h, double lo, double hi);
// The clipping range (0 included) with the least quant_mse, searched over shrunken ranges of
// the histogram's [min(lo,0), max(hi,0)] (which is itself a candidate).
Range mse_range(const Histogram& h);

// Widens a range to contain 0 and to have a positive width.
Range normalize_range(Range r);

// Asymmetric quantization of a range into `bits`-bit codes [-2^(bits-1), 2^(bits-1) - 1]:
// scale = (hi-lo)/(2^bits - 1), TFLite's nudged zero point. int8 (255 steps) unless training
// simulates fewer bits.
void range_to_quant(Range r, float* scale, int32_t* zero_point, int bits = 8);

// Running statistics of one tensor over the calibration set: min/max in a first pass, then
// (for Percentile / Mse) a histogram over [min, max] in a second pass.
struct TensorStats {
  double min = 0, max = 0;
  bool seen = false;
  std::vector<Histogram> hist;  // empty or one

  void add_minmax(const float* x, size_t n);
  void start_histogram();
  void add_histogram(const float* x, size_t n);
  Range range(CalibMethod m) const;
};

}  // namespace mote
