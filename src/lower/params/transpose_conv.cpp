#include "lower/params/transpose_conv.h"

#include <algorithm>

#include "lower/fixedpoint.h"
#include "util/error.h"

namespace mote {

std::pair<int32_t, int32_t> tflite_act_range_s8(float out_scale, int32_t out_zp, float lo,
                                                float hi) {
  auto q = [&](float f) { return out_zp + static_cast<int32_t>(std::round(f / out_scale)); };
  int32_t qlo = -128, qhi = 127;
  if (std::isfinite(lo)) qlo = std::clamp(q(lo), -128, 127);
  if (std::isfinite(hi)) qhi = std::clamp(q(hi), -128, 127);
  return {qlo, qhi};
}

// Copies the geometry into either dtype's params (same field names).
template <typename P>
void copy_geometry(const TconvGeometry& g, P* p) {
  p->in = g.in;
  p->out = g.out;
  p->kh = g.kh;
  p->kw = g.kw;
  p->stride_h = g.stride_h;
  p->stride_w = g.stride_w;
  p->dil_h = g.dil_h;
  p->dil_w = g.dil_w;
  p->pad_top = g.pad_top;
  p->pad_left = g.pad_left;
}

static void check_geometry(const TconvGeometry& g, const char* what) {
  const auto pos = [](const mote_dims& d) { return d.n > 0 && d.h > 0 && d.w > 0 && d.c > 0; };
  if (!pos(g.in) || !pos(g.out) || g.in.n != g.out.n || g.kh <= 0 || g.kw <= 0 || g.stride_h <= 0 ||
      g.stride_w <= 0 || g.dil_h <= 0 || g.dil_w <= 0)
    fail("{}: bad geometry (in {}x{}x{}x{}, out {}x{}x{}x{}, kernel {}x{})", what, g.in.n, g.in.h,
         g.in.w, g.in.c, g.out.n, g.out.h, g.out.w, g.out.c, g.kh, g.kw);
}

TconvS8Params transpose_conv_s8_params(const TconvGeometry& g, float in_scale, int32_t in_zp,
                                       const std::vector<float>& w_scales, float out_scale,
                                       int32_t out_zp, int32_t act_min, int32_t act_max,
                                       int32_t q_min, int32_t q_max) {
  check_geometry(g, "TRANSPOSE_CONV int8");
  if (w_scales.size() != 1 && w_scales.size() != static_cast<size_t>(g.out.c))
    fail("TRANSPOSE_CONV int8: {} weight scales for {} output channels", w_scales.size(), g.out.c);
  if (!(in_scale > 0) || !(out_scale > 0))
    fail("TRANSPOSE_CONV int8: scales must be positive (input {}, output {})", in_scale, out_scale);
  if (in_zp < q_min || in_zp > q_max || out_zp < q_min || out_zp > q_max || act_min < q_min ||
      act_max > q_max || act_min > act_max)
    fail("TRANSPOSE_CONV: zero points or clamp outside [{}, {}]", q_min, q_max);
  TconvS8Params r;
  copy_geometry(g, &r.p);
  r.p.in_zp = in_zp;
  r.p.out_zp = out_zp;
  r.p.act_min = act_min;
  r.p.act_max = act_max;
  r.multiplier.resize(static_cast<size_t>(g.out.c));
  r.shift.resize(static_cast<size_t>(g.out.c));
  for (int32_t c = 0; c < g.out.c; ++c) {
    const float ws = w_scales.size() == 1 ? w_scales[0] : w_scales[static_cast<size_t>(c)];
    if (!(ws > 0)) fail("TRANSPOSE_CONV int8: weight scale {} of channel {} not positive", ws, c);
    const double real =
        static_cast<double>(in_scale) * static_cast<double>(ws) / static_cast<double>(out_scale);
    quantize_multiplier(real, &r.multiplier[static_cast<size_t>(c)],
                        &r.shift[static_cast<size_t>(c)]);
  }
  return r;
}

mote_transpose_conv_f32_params transpose_conv_f32_params(const TconvGeometry& g, float act_min,
                                                         float act_max) {
  check_geometry(g, "TRANSPOSE_CONV float");
  mote_transpose_conv_f32_params p{};
  copy_geometry(g, &p);
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

}  // namespace mote
