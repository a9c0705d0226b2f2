// Reference layer normalization: mean and biased variance of each row in double, then
// (x - mean) / sqrt(var + epsilon) * scale + bias. Also the float semantics of LayerNorm.
// The int8 oracle follows mote's integer design (kernels.h) step by step.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "ref/kernels_ref.h"

namespace mote::ref {

mote_status layer_norm_f32(const mote_layer_norm_f32_params& p, const float* in, const float* scale,
                           const float* bias, float* out) {
  if (!in || !scale || !out || p.rows <= 0 || p.inner <= 0 || !(p.epsilon >= 0.0f)) return MOTE_ERR_PARAM;
  const size_t inner = size_t(p.inner);
  for (size_t r = 0; r < size_t(p.rows); ++r) {
    const float* x = in + r * inner;
    double mean = 0, var = 0;
    for (size_t k = 0; k < inner; ++k) mean += x[k];
    mean /= double(inner);
    for (size_t k = 0; k < inner; ++k) var += (x[k] - mean) * (x[k] - mean);
    var = var / double(inner) + double(p.epsilon);
    if (!(var > 0)) return MOTE_ERR_PARAM;
    const double inv = 1.0 / std::sqrt(var);
    for (size_t k = 0; k < inner; ++k)
      out[r * inner + k] = float((x[k] - mean) * inv * scale[k] + (bias ? double(bias[k]) : 0.0));
  }
  return MOTE_OK;
}

namespace {

// |x| / 2^e rounded to nearest, the sign put back: halves go away from zero.
int64_t shift_round(int64_t x, int e) {
  const int64_t m = std::llabs(x);
  const int64_t q = (m + (int64_t{1} << (e - 1))) / (int64_t{1} << e);
  return x < 0 ? -q : q;
}

// The Q29 Newton estimate z of 1/sqrt(a), a = u / 2^30, and the power of two h with
// w = u * 4^h, u in [2^28, 2^30).
struct InvSqrt {
  int64_t z;
  int h;
};
InvSqrt inv_sqrt(int64_t w) {
  int len = 64 - __builtin_clzll(uint64_t(w));  // bits of w
  int h = (len - 29) / 2;                        // u gets 29 or 30 bits: 4^h ~ w / 2^29
  if (len - 2 * h > 30) ++h;
  if (len - 2 * h < 29) --h;
  const int64_t u = h >= 0 ? w / (int64_t{1} << (2 * h)) : w * (int64_t{1} << (-2 * h));
  const int64_t one_q29 = int64_t{1} << 29;
  // the line 2 - (5/4)(a - 1/4) above 1/sqrt(a), in Q29 (a - 1/4 is Q30: halved)
  int64_t z = 2 * one_q29 - (5 * (u - (int64_t{1} << 28)) / 4) / 2;
  for (int step = 0; step < 5; ++step) {
    const int64_t zz = z * z / one_q29;          // z^2, Q29 (all positive: / truncates as >>)
    const int64_t a_zz = u * zz / (one_q29 * 2);  // a z^2, Q29
    z = z * (3 * one_q29 - a_zz) / (one_q29 * 2);
  }
  return {z, h};
}

}  // namespace

mote_status layer_norm_s8(const mote_layer_norm_s8_params& p, const int8_t* in, int8_t* out) {
  if (!in || !out || !p.multiplier || !p.shift || !p.bias || p.rows <= 0 || p.inner <= 0 || p.inner > 65536 || p.eps_term < 0)
    return MOTE_ERR_PARAM;
  const int64_t n = p.inner;
  for (int64_t r = 0; r < p.rows; ++r) {
    const int8_t* x = in + r * n;
    int64_t s1 = 0, s2 = 0;
    for (int64_t k = 0; k < n; ++k) s1 += x[k], s2 += int64_t(x[k]) * x[k];
    const int64_t w = n * s2 - s1 * s1 + p.eps_term;
    const InvSqrt inv = w > 0 ? inv_sqrt(w) : InvSqrt{0, 0};
    for (int64_t k = 0; k < n; ++k) {
      // (x - mean) / sqrt(var + eps) in Q22: (n x - sum) z 2^-(44 + h) 2^22
      const int64_t norm = w > 0 ? shift_round((n * x[k] - s1) * inv.z, 22 + inv.h) : 0;
      // times gamma / out_scale = multiplier 2^(shift - 31), in 1/256 LSB
      const int e = 45 - p.shift[k];
      const int64_t g = e < 63 ? shift_round(norm * p.multiplier[k], e) : 0;
      const int64_t y = shift_round(g + p.bias[k], 8) + p.out_zp;
      out[r * n + k] = int8_t(std::clamp<int64_t>(y, -128, 127));
    }
  }
  return MOTE_OK;
}

}  // namespace mote::ref
