// mote's int8 LayerNorm folding (see params/layer_norm.h).
#include "lower/params/layer_norm.h"

#include <algorithm>
#include <cmath>

#include "lower/fixedpoint.h"
#include "util/error.h"

namespace mote {

LayerNormS8 layer_norm_s8_params(int32_t rows, int32_t inner, float epsilon, TensorQuant in, TensorQuant out,
                                 const std::vector<float>& gamma, const std::vector<float>& beta) {
  if (rows <= 0 || inner <= 0 || inner > 65536) fail("LayerNorm: {} rows of {} elements (at most 65536)", rows, inner);
  if (!(in.scale > 0.0f) || !(out.scale > 0.0f)) fail("LayerNorm: scales {} and {} must be positive", in.scale, out.scale);
  if (!(epsilon >= 0.0f)) fail("LayerNorm: epsilon {} must not be negative", epsilon);
  if (gamma.size() != size_t(inner) || (!beta.empty() && beta.size() != size_t(inner)))
    fail("LayerNorm: {} scales and {} biases for {} elements", gamma.size(), beta.size(), inner);
  const double eps = double(inner) * double(inner) * double(epsilon) / (double(in.scale) * double(in.scale));
  if (!(std::round(eps) < 2147483648.0))
    fail("LayerNorm: epsilon {} is {:.3g} squared input steps over {} elements; the int8 kernel holds below 2^31", epsilon, eps,
         inner);
  LayerNormS8 r;
  r.p = {};
  r.p.rows = rows;
  r.p.inner = inner;
  r.p.eps_term = int32_t(std::round(eps));
  r.p.out_zp = out.zero_point;
  for (int32_t k = 0; k < inner; ++k) {
    int32_t m = 0, s = 0;
    quantize_multiplier(double(gamma[size_t(k)]) / double(out.scale), &m, &s);
    if (s < -17) m = 0, s = 0;
    r.multiplier.push_back(m);
    r.shift.push_back(s);
    const double b = beta.empty() ? 0.0 : std::round(double(beta[size_t(k)]) / double(out.scale) * 256.0);
    r.bias.push_back(int32_t(std::clamp(b, -1073741824.0, 1073741824.0)));  // far past saturation
  }
  return r;
}

}  // namespace mote
