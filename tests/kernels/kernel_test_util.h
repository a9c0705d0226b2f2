// Shared helpers for the kernel tests: seeded random data and exact / tolerant comparisons.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "mote/kernels.h"
#include "lower/fixedpoint.h"

namespace mote::test {

class Rng {
 public:
  explicit Rng(uint32_t seed) : g_(seed) {}
  int32_t i(int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(g_); }
  double u(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(g_); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(i(0, static_cast<int32_t>(v.size()) - 1))];
  }
  std::vector<int8_t> s8(size_t n, int32_t lo = -128, int32_t hi = 127) {
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(i(lo, hi));
    return v;
  }
  std::vector<uint8_t> bytes(size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& x : v) x = static_cast<uint8_t>(i(0, 255));
    return v;
  }
  std::vector<int32_t> s32(size_t n, int32_t lo, int32_t hi) {
    std::vector<int32_t> v(n);
    for (auto& x : v) x = i(lo, hi);
    return v;
  }
  std::vector<float> f32(size_t n, double lo = -1.0, double hi = 1.0) {
    std::vector<float> v(n);
    for (auto& x : v) x = static_cast<float>(u(lo, hi));
    return v;
  }
  std::mt19937& engine() { return g_; }

 private:
  std::mt19937 g_;
};

inline size_t numel(const mote_dims& d) { return static_cast<size_t>(d.n) * d.h * d.w * d.c; }
inline size_t numel(const std::vector<int32_t>& shape) {
  size_t n = 1;
  for (int32_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

// Sizes that step through small primes (and 1) to hit odd edge cases.
inline const std::vector<int32_t>& prime_sizes() {
  static const std::vector<int32_t> v = {1, 2, 3, 5, 7, 11, 13};
  return v;
}

// Per-channel multipliers encoding reals drawn log-uniformly in [lo, hi].
inline void random_multipliers(Rng& r, size_t n, double lo, double hi, std::vector<int32_t>* m,
                               std::vector<int32_t>* s) {
  m->resize(n);
  s->resize(n);
  for (size_t k = 0; k < n; ++k) {
    const double real = std::exp(r.u(std::log(lo), std::log(hi)));
    quantize_multiplier(real, &(*m)[k], &(*s)[k]);
  }
}

// Random int8 fully-connected parameters for k inputs and o outputs (1 to 3 batches, any zero
// points, a clamp some of the time); the multipliers and shifts live in *mult, *shift.
inline mote_fc_s8_params random_fc_params(Rng& r, int32_t k, int32_t o, int32_t per_channel,
                                          std::vector<int32_t>* mult, std::vector<int32_t>* shift) {
  mote_fc_s8_params p{};
  p.batches = r.i(1, 3);
  p.in_features = k;
  p.out_features = o;
  p.in_zp = r.i(-128, 127);
  p.out_zp = r.i(-30, 30);
  const bool full = r.i(0, 3) != 0;
  p.act_min = full ? -128 : r.i(-128, 0);
  p.act_max = full ? 127 : r.i(p.act_min, 127);
  const double root = std::sqrt(static_cast<double>(k));
  random_multipliers(r, per_channel ? static_cast<size_t>(o) : 1, 0.003 / root, 0.03 / root, mult, shift);
  p.multiplier = mult->data();
  p.shift = shift->data();
  p.per_channel = per_channel;
  return p;
}

// Returns the number of elements that differ, reporting the first few.
template <typename T>
size_t count_mismatches(const std::vector<T>& got, const std::vector<T>& want, const std::string& what) {
  EXPECT_EQ(got.size(), want.size()) << what;
  size_t bad = 0;
  for (size_t k = 0; k < std::min(got.size(), want.size()); ++k) {
    if (got[k] != want[k]) {
      if (bad < 3)
        ADD_FAILURE() << what << ": element " << k << " got " << int{got[k]} << " want "
                      << int{want[k]};
      ++bad;
    }
  }
  return bad;
}

// |got - want| <= rel * max(|want|, scale) elementwise; scale is the magnitude of the terms
// that were summed, so cancellation does not demand more than float accuracy.
inline void expect_close(const std::vector<float>& got, const std::vector<float>& want, double rel,
                         double scale, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int bad = 0;
  for (size_t k = 0; k < got.size(); ++k) {
    const double tol = rel * std::max<double>(std::fabs(want[k]), scale);
    if (!(std::fabs(double{got[k]} - want[k]) <= tol) && bad++ < 3)
      ADD_FAILURE() << what << ": element " << k << " got " << got[k] << " want " << want[k];
  }
  EXPECT_EQ(bad, 0) << what;
}

// Count of values strictly inside (lo, hi): guards against tests whose outputs all saturate.
template <typename T>
size_t count_inside(const std::vector<T>& v, int32_t lo, int32_t hi) {
  return static_cast<size_t>(std::count_if(v.begin(), v.end(), [&](T x) { return x > lo && x < hi; }));
}

// 4-D broadcast geometry: output dims and per-operand strides; mask bit i set = operand is
// broadcast (size 1, stride 0) along dim i.
inline void make_bcast_strides(const int32_t dims[4], int mask, int32_t stride[4], size_t* numel) {
  int64_t s = 1;
  for (int i = 3; i >= 0; --i) {
    const bool bc = (mask >> i) & 1;
    stride[i] = bc ? 0 : static_cast<int32_t>(s);
    s *= bc ? 1 : dims[i];
  }
  *numel = static_cast<size_t>(s);
}

// A random 4-D broadcast case: output dims drawn from sizes, operand a broadcast along the
// axes in a_mask, b along b_mask; element counts of both operands and the output.
struct BcastCase {
  mote_bcast bc{};
  size_t a_n = 0, b_n = 0, out_n = 0;
};

inline BcastCase random_bcast(Rng& r, int a_mask, int b_mask, const std::vector<int32_t>& sizes) {
  BcastCase g;
  for (int i = 0; i < 4; ++i) g.bc.dims[i] = r.pick(sizes);
  make_bcast_strides(g.bc.dims, a_mask, g.bc.a_stride, &g.a_n);
  make_bcast_strides(g.bc.dims, b_mask, g.bc.b_stride, &g.b_n);
  g.out_n = static_cast<size_t>(g.bc.dims[0]) * g.bc.dims[1] * g.bc.dims[2] * g.bc.dims[3];
  return g;
}

}  // namespace mote::test
