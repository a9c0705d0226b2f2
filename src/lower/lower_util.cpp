#include "lower/lower_util.h"

#include <algorithm>
#include <cmath>

#include "lower/fixedpoint.h"

namespace mote {

void LowerCtx::error(const std::string& why) const {
  fail("lower: node '{}' ({}): {}", n.name, op_name(n.op), why);
}

ConstTable copy_table(const std::string& role, const Tensor& t) {
  ConstTable c;
  c.role = role;
  c.dtype = t.dtype;
  c.bytes = t.data;
  return c;
}

TQ tensor_quant(const LowerCtx& c, const Tensor& t) {
  if (t.dtype != DType::I8 && t.dtype != DType::I16) c.error(fmt::format("tensor '{}' is {}, expected i8 or i16", t.name, dtype_name(t.dtype)));
  if (t.quant.scale.size() != 1 || t.quant.zero_point.size() != 1)
    c.error(fmt::format("tensor '{}' needs per-tensor quantization", t.name));
  if (t.dtype == DType::I16 && t.quant.zero_point[0] != 0)
    c.error(fmt::format("int16 tensor '{}' has zero point {}, the 16x8 scheme needs 0", t.name, t.quant.zero_point[0]));
  return {double(t.quant.scale[0]), t.quant.zero_point[0]};
}

TensorQuant tflite_quant(const LowerCtx& c, const Tensor& t) {
  const TQ q = tensor_quant(c, t);
  return {float(q.scale), q.zp};
}

bool same_quant(const QuantParams& a, const QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point && a.axis == b.axis;
}

void check_dtype(const LowerCtx& c, const Tensor& t) {
  const DType want = c.quantized() ? c.out().dtype : DType::F32;
  if (t.dtype != want) c.error(fmt::format("tensor '{}' is {}, expected {}", t.name, dtype_name(t.dtype), dtype_name(want)));
}

void check_io(const LowerCtx& c) {
  check_dtype(c, c.in(0));
  check_dtype(c, c.out());
}

std::pair<int32_t, int32_t> multiplier(double real) {
  int32_t m = 0, s = 0;
  quantize_multiplier(real, &m, &s);
  return {m, s};
}

int32_t to_i32(const LowerCtx& c, int64_t v, const char* what) {
  if (v < 0 || v > INT32_MAX) c.error(fmt::format("{} {} does not fit int32", what, v));
  return int32_t(v);
}

std::pair<int32_t, int32_t> act_range_s8(const LowerCtx& c) {
  const TQ q = tensor_quant(c, c.out());
  const float lo = c.n.attrs.f("act_min", kNoMin), hi = c.n.attrs.f("act_max", kNoMax);
  const int32_t qmin = c.int8() ? -128 : -32768, qmax = c.int8() ? 127 : 32767;
  int32_t qlo = qmin, qhi = qmax;
  // TFLite divides the bound by the scale in float
  const float scale = float(q.scale);
  if (std::isfinite(lo)) qlo = int32_t(std::clamp<double>(q.zp + std::round(lo / scale), qmin, qmax));
  if (std::isfinite(hi)) qhi = int32_t(std::clamp<double>(q.zp + std::round(hi / scale), qmin, qmax));
  if (qlo > qhi) c.error(fmt::format("fused activation range [{}, {}] is empty in {}", lo, hi, dtype_name(c.out().dtype)));
  return {qlo, qhi};
}

std::pair<float, float> act_range_f32(const LowerCtx& c) {
  return {c.n.attrs.f("act_min", kNoMin), c.n.attrs.f("act_max", kNoMax)};
}

mote_dims nhwc_dims(const LowerCtx& c, const Tensor& t) {
  if (t.shape.size() != 4 || t.layout != Layout::NHWC)
    c.error(fmt::format("tensor '{}' must be 4-D NHWC, is {} {}", t.name, shape_str(t.shape), layout_name(t.layout)));
  return {to_i32(c, t.shape[0], "dim"), to_i32(c, t.shape[1], "dim"), to_i32(c, t.shape[2], "dim"),
          to_i32(c, t.shape[3], "dim")};
}

std::array<int64_t, 4> pad4(const LowerCtx& c, const Shape& s) {
  if (s.size() > 4) c.error(fmt::format("rank {} above 4 is not supported", s.size()));
  std::array<int64_t, 4> r{1, 1, 1, 1};
  for (size_t i = 0; i < s.size(); ++i) r[4 - s.size() + i] = s[i];
  return r;
}

const Tensor& const_input(const LowerCtx& c, size_t k, const char* what) {
  if (c.n.in(k) < 0 || !c.in(k).is_const()) c.error(fmt::format("{} must be a constant", what));
  return c.in(k);
}

std::vector<double> weight_scales(const LowerCtx& c, const Tensor& w, int64_t channels) {
  if (w.dtype != DType::I8 || w.quant.empty()) c.error(fmt::format("weight '{}' must be quantized int8", w.name));
  for (int32_t z : w.quant.zero_point)
    if (z != 0) c.error(fmt::format("weight '{}' has zero point {}, expected 0", w.name, z));
  if (w.quant.per_channel() && w.quant.axis != 0) c.error(fmt::format("weight '{}' is quantized along axis {}, expected 0", w.name, w.quant.axis));
  std::vector<double> s(static_cast<size_t>(channels));
  for (int64_t o = 0; o < channels; ++o)
    s[size_t(o)] = w.quant.per_channel() ? double(w.quant.scale.at(size_t(o))) : double(w.quant.scale[0]);
  return s;
}

void add_bias(const LowerCtx& c, KernelCall& call, size_t k, int64_t channels) {
  if (c.n.in(k) < 0) return;
  const Tensor& b = const_input(c, k, "bias");
  if (b.numel() != channels) c.error(fmt::format("bias '{}' has {} values for {} channels", b.name, b.numel(), channels));
  const DType want = c.int8() ? DType::I32 : c.quantized() ? DType::I64 : DType::F32;
  if (b.dtype != want) c.error(fmt::format("bias '{}' is {}, expected {}", b.name, dtype_name(b.dtype), dtype_name(want)));
  call.tables.push_back(copy_table("bias", b));
}

void add_requant_tables(KernelCall& call, const std::vector<double>& reals) {
  std::vector<int32_t> m(reals.size()), s(reals.size());
  for (size_t i = 0; i < reals.size(); ++i) std::tie(m[i], s[i]) = multiplier(reals[i]);
  call.tables.push_back(make_table("multiplier", DType::I32, m));
  call.tables.push_back(make_table("shift", DType::I32, s));
}

void check_requant16(const LowerCtx& c, const KernelCall& call) {
  const ConstTable* s = call.table("shift");
  const ConstTable* m = call.table("multiplier");
  for (size_t i = 0; s && m && i < s->count(); ++i) {
    int32_t shift, mult;
    std::memcpy(&shift, s->bytes.data() + 4 * i, 4);
    std::memcpy(&mult, m->bytes.data() + 4 * i, 4);
    if (mult < 0 || shift < -31 || shift > 7)
      c.error(fmt::format("16x8 requantization of channel {} has shift {}, outside TFLM's [-31, 7]", i, shift));
  }
}

ConvWalk conv_walk(const mote_conv_s8_params& p, int32_t step, bool reads_first, bool reverse) {
  ConvWalk w;
  w.in = p.in, w.out = p.out;
  w.kh = p.kh, w.kw = p.kw;
  w.stride_h = p.stride_h, w.stride_w = p.stride_w;
  w.dil_h = p.dil_h, w.dil_w = p.dil_w;
  w.pad_top = p.pad_top, w.pad_left = p.pad_left;
  w.step = step;
  w.reads_first = reads_first;
  w.reverse = reverse;
  return w;
}

ConvWalk fc_walk(int32_t batches, int32_t in_features, int32_t out_features, bool reads_first, bool reverse) {
  ConvWalk w;
  w.in = {batches, 1, 1, in_features};
  w.out = {batches, 1, 1, out_features};
  w.reads_first = reads_first;
  w.reverse = reverse;
  return w;
}

bool walk_backward(const mote_dims& in, const mote_dims& out) {
  return int64_t(out.n) * out.h * out.w * out.c > int64_t(in.n) * in.h * in.w * in.c;
}

namespace {

// The taps k in [lo, hi) of a window starting at `origin` (dilation dil) that lie in [0, size).
std::pair<int64_t, int64_t> taps_inside(int64_t origin, int64_t dil, int64_t taps, int64_t size) {
  const int64_t lo = origin < 0 ? (-origin + dil - 1) / dil : 0;
  const int64_t hi = origin >= size ? 0 : std::min(taps, (size - origin + dil - 1) / dil);
  return {lo, std::max(lo, hi)};
}

}  // namespace

Overlap stream_overlap(const ConvWalk& w) {
  const int64_t in_pix = int64_t(w.in.h) * w.in.w, out_pix = int64_t(w.out.h) * w.out.w;
  const int64_t total = int64_t(w.out.n) * out_pix, in_bytes = int64_t(w.in.n) * in_pix * w.in.c;
  const int64_t out_bytes = total * w.out.c;
  // Per output pixel, the first input byte it reads and one past the last (none: empty).
  std::vector<std::pair<int64_t, int64_t>> reads(size_t(total), {in_bytes, 0});
  for (int64_t i = 0; i < total; ++i) {
    const int64_t n = i / out_pix, oy = i % out_pix / w.out.w, ox = i % w.out.w;
    const int64_t iy0 = oy * w.stride_h - w.pad_top, ix0 = ox * w.stride_w - w.pad_left;
    const auto [ky_lo, ky_hi] = taps_inside(iy0, w.dil_h, w.kh, w.in.h);
    const auto [kx_lo, kx_hi] = taps_inside(ix0, w.dil_w, w.kw, w.in.w);
    if (ky_lo >= ky_hi || kx_lo >= kx_hi) continue;
    auto at = [&](int64_t ky, int64_t kx) { return (n * in_pix + (iy0 + ky * w.dil_h) * w.in.w + ix0 + kx * w.dil_w) * w.in.c; };
    reads[size_t(i)] = {at(ky_lo, kx_lo), at(ky_hi - 1, kx_hi - 1) + w.in.c};
  }
  // The steps in walk order, each [first, end) pixels.
  std::vector<std::pair<int64_t, int64_t>> steps;
  for (int64_t n = 0; n < w.out.n; ++n)
    for (int64_t pix = 0; pix < out_pix; pix += w.step)
      steps.push_back({n * out_pix + pix, n * out_pix + std::min<int64_t>(pix + w.step, out_pix)});
  if (w.reverse) std::reverse(steps.begin(), steps.end());
  // Forward, after a step the output is written up to its end and the input still to be read
  // starts at the lowest byte a later step (or, not reads_first, this one) reads; backward, the
  // output is written down to the step's start and the input still to be read ends at the
  // highest. The lag is the worst of those distances; with nothing left to read, the whole
  // output against the input's end (forward) or start (backward), which is conservative.
  Overlap o{w.reverse ? 0 : out_bytes - in_bytes, w.reverse};
  int64_t low = in_bytes, high = 0;  // of the reads of the steps after the current one
  for (size_t s = steps.size(); s-- > 0;) {
    int64_t step_low = in_bytes, step_high = 0;
    for (int64_t i = steps[s].first; i < steps[s].second; ++i) {
      step_low = std::min(step_low, reads[size_t(i)].first);
      step_high = std::max(step_high, reads[size_t(i)].second);
    }
    const int64_t still_low = w.reads_first ? low : std::min(low, step_low);
    const int64_t still_high = w.reads_first ? high : std::max(high, step_high);
    if (w.reverse) {
      if (still_high > 0) o.lag = std::max(o.lag, still_high - steps[s].first * w.out.c);
    } else if (still_low < in_bytes) {
      o.lag = std::max(o.lag, steps[s].second * w.out.c - still_low);
    }
    low = std::min(low, step_low);
    high = std::max(high, step_high);
  }
  return o;
}

}  // namespace mote
