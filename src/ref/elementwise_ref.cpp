// Reference int8 DIV, SQUARED_DIFFERENCE, MAXIMUM/MINIMUM and PRELU: TFLite's reference_ops
// arithmetic written out per output element, with explicit 4-D indices.
#include <algorithm>
#include <cstdint>

#include "lower/fixedpoint.h"
#include "ref/kernels_ref.h"

namespace mote::ref {
namespace {

bool geometry_ok(const mote_bcast& bc) {
  for (int i = 0; i < 4; ++i)
    if (bc.dims[i] <= 0 || bc.a_stride[i] < 0 || bc.b_stride[i] < 0) return false;
  return true;
}

// f(out_index, a_index, b_index) over the output in row-major order.
template <typename F>
void each(const mote_bcast& bc, F&& f) {
  size_t k = 0;
  int32_t i[4];
  for (i[0] = 0; i[0] < bc.dims[0]; ++i[0])
    for (i[1] = 0; i[1] < bc.dims[1]; ++i[1])
      for (i[2] = 0; i[2] < bc.dims[2]; ++i[2])
        for (i[3] = 0; i[3] < bc.dims[3]; ++i[3]) {
          int64_t ia = 0, ib = 0;
          for (int d = 0; d < 4; ++d) ia += int64_t{i[d]} * bc.a_stride[d], ib += int64_t{i[d]} * bc.b_stride[d];
          f(k++, size_t(ia), size_t(ib));
        }
}

int8_t sat(int64_t v, int32_t lo, int32_t hi) { return int8_t(std::clamp<int64_t>(v, lo, hi)); }

// TFLite's CountLeadingSignBits: how far x can be shifted left before its sign bit changes.
int leading_sign_bits(int32_t x) {
  int n = 0;
  while (n < 31 && ((int64_t{x} * (int64_t{1} << (n + 1))) >> 31) == (x < 0 ? -1 : 0)) ++n;
  return n;
}

// gemmlowp's RoundingDivideByPOT literally, as x86 runs it for any exponent in [0, 63]: the
// 64-bit mask truncated to int32 and the arithmetic shift count reduced mod 32.
int32_t rounding_divide_by_pot_x86(int32_t x, int exponent) {
  const auto mask = int32_t(uint32_t(uint64_t((int64_t{1} << exponent) - 1) & 0xffffffffu));
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> (exponent % 32)) + (remainder > threshold ? 1 : 0);
}

}  // namespace

mote_status div_s8(const mote_div_s8_params& p, const int8_t* a, const int8_t* b, int8_t* out) {
  if (!geometry_ok(p.bc) || p.act_min < -128 || p.act_min > p.act_max || p.act_max > 127 ||
      p.out_multiplier < 0 || p.out_shift < -25 || p.out_shift > 23)
    return MOTE_ERR_PARAM;
  each(p.bc, [&](size_t k, size_t ia, size_t ib) {
    int32_t num = a[ia] - p.a_zp, den = b[ib] - p.b_zp;
    if (den < 0) num = -num, den = -den;
    int64_t r;
    if (den == 0) {
      r = num > 0 ? 127 : num < 0 ? -128 : p.out_zp;
    } else {
      int recip_shift = 0;
      const int32_t recip = get_reciprocal(den, 31, &recip_shift);
      const int headroom = leading_sign_bits(num);
      // num * 2^headroom in wrapping int32 (-1 * 2^31 wraps to INT32_MIN, as TFLite's does)
      const auto shifted = int32_t(uint32_t(int64_t{num} * (int64_t{1} << headroom)));
      const int32_t unscaled = saturating_rounding_doubling_high_mul(shifted, recip);
      const int total_shift = p.out_shift - recip_shift - headroom;
      r = int64_t{p.out_zp} + rounding_divide_by_pot_x86(
                                  saturating_rounding_doubling_high_mul(unscaled, p.out_multiplier), -total_shift);
    }
    out[k] = sat(r, p.act_min, p.act_max);
  });
  return MOTE_OK;
}

mote_status squared_difference_s8(const mote_squared_difference_s8_params& p, const int8_t* a,
                                  const int8_t* b, int8_t* out) {
  if (!geometry_ok(p.bc) || p.left_shift < 0 || p.left_shift > 7 || p.a_multiplier < 0 ||
      p.b_multiplier < 0 || p.a_shift > 0 || p.b_shift > 0 || p.act_min < -128 ||
      p.act_min > p.act_max || p.act_max > 127)
    return MOTE_ERR_PARAM;
  each(p.bc, [&](size_t k, size_t ia, size_t ib) {
    const int32_t sa = multiply_by_quantized_multiplier((a[ia] - p.a_zp) * (1 << p.left_shift), p.a_multiplier, p.a_shift);
    const int32_t sb = multiply_by_quantized_multiplier((b[ib] - p.b_zp) * (1 << p.left_shift), p.b_multiplier, p.b_shift);
    const int64_t sq = int64_t{sa - sb} * (sa - sb);
    out[k] = sat(int64_t{p.out_zp} + multiply_by_quantized_multiplier(int32_t(sq), p.out_multiplier, p.out_shift),
                 p.act_min, p.act_max);
  });
  return MOTE_OK;
}

mote_status minmax_s8(const mote_minmax_s8_params& p, const int8_t* a, const int8_t* b, int8_t* out) {
  if (!geometry_ok(p.bc)) return MOTE_ERR_PARAM;
  each(p.bc, [&](size_t k, size_t ia, size_t ib) {
    out[k] = p.is_max ? std::max(a[ia], b[ib]) : std::min(a[ia], b[ib]);
  });
  return MOTE_OK;
}

mote_status prelu_s8(const mote_prelu_s8_params& p, const int8_t* in, const int8_t* alpha, int8_t* out) {
  if (!geometry_ok(p.bc)) return MOTE_ERR_PARAM;
  each(p.bc, [&](size_t k, size_t ia, size_t ib) {
    const int32_t x = in[ia] - p.a_zp;
    const int32_t y = x >= 0 ? multiply_by_quantized_multiplier(x, p.pos_multiplier, p.pos_shift)
                             : multiply_by_quantized_multiplier(x * (alpha[ib] - p.alpha_zp), p.neg_multiplier,
                                                                p.neg_shift);
    out[k] = sat(int64_t{y} + p.out_zp, -128, 127);
  });
  return MOTE_OK;
}

}  // namespace mote::ref
