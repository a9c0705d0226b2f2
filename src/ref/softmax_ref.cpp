// Reference int8 and float LOG_SOFTMAX: TFLite's reference_integer_ops::LogSoftmax step by step
// with the gemmlowp helpers of lower/fixedpoint.h, and the float definition in double.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "lower/fixedpoint.h"
#include "ref/kernels_ref.h"

namespace mote::ref {
namespace {

int32_t wrap(int64_t v) { return int32_t(uint32_t(uint64_t(v))); }

int clz(uint32_t x) {
  int n = 0;
  for (uint32_t bit = 0x80000000u; bit && !(x & bit); bit >>= 1) ++n;
  return n;
}

int32_t sat(int64_t v) {
  return int32_t(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

// gemmlowp fixed-point product: Q(m) * Q(n) -> Q(m + n), raw high multiply.
int32_t mul(int32_t a, int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }

// TFLite's log_x_for_x_greater_than_or_equal_to_1_impl<5, 12>: Q12.19 in, Q5.26 out.
int32_t log_q5_of_q12(int32_t x) {
  constexpr int kIn = 12, kAccum = 6;
  const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250, quarter = 536870912;
  const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
  const int32_t shifted_quarter = saturating_rounding_multiply_by_pot(quarter, -kAccum);
  const int za_hp1 = clz(uint32_t(x));
  const int32_t ra = saturating_rounding_multiply_by_pot(mul(saturating_rounding_multiply_by_pot(x, za_hp1 - 1), sqrt_half), 1);
  const int32_t za_pow = sat(int64_t{saturating_rounding_multiply_by_pot(kIn - za_hp1, 31 - kAccum)} + shifted_quarter);
  const int zb_h = clz(uint32_t(mul(x, sqrt_half))) - 1;
  const int32_t rb = saturating_rounding_multiply_by_pot(x, zb_h);
  const int32_t zb_pow = sat(int64_t{saturating_rounding_multiply_by_pot(kIn - zb_h, 31 - kAccum)} - shifted_quarter);
  const int32_t r = std::min(ra, rb), z_pow = std::max(za_pow, zb_pow);
  const int32_t p = rounding_half_sum(r, sqrt_sqrt_half);
  const int32_t q = wrap(2 * (int64_t{r} - sqrt_sqrt_half));
  const int32_t sq = mul(q, q);
  const int32_t num = wrap(int64_t{mul(q, r)} + mul(mul(q, sq), alpha_n));
  const int32_t den = wrap(int64_t{mul(p, wrap(int64_t{alpha_i} + q + mul(alpha_d, sq)))} + mul(alpha_f, q));
  const int32_t recip = one_over_one_plus_x_for_x_in_0_1(den);
  const int32_t acc = wrap(int64_t{mul(z_pow, log_2)} + mul(saturating_rounding_multiply_by_pot(num, -kAccum), recip));
  return saturating_rounding_multiply_by_pot(acc, kAccum - 5);
}

}  // namespace

mote_status log_softmax_s8(const mote_log_softmax_s8_params& p, const int8_t* in, int8_t* out) {
  if (p.rows <= 0 || p.cols <= 0 || p.cols > 4095 || p.input_left_shift < 0 || p.input_left_shift > 30 ||
      p.input_multiplier < 0 || p.reverse_multiplier < 0 || p.reverse_shift > 0 || p.reverse_shift < -31 ||
      p.diff_min > 0 || int64_t{p.diff_min} * (int64_t{1} << p.input_left_shift) < INT32_MIN)
    return MOTE_ERR_PARAM;
  for (int32_t r = 0; r < p.rows; ++r) {
    const int8_t* x = in + size_t(r) * size_t(p.cols);
    const int32_t mx = *std::max_element(x, x + p.cols);
    auto q5 = [&](int32_t d) { return multiply_by_quantized_multiplier(d, p.input_multiplier, p.input_left_shift); };
    int32_t sum_q12 = 0;
    for (int32_t c = 0; c < p.cols; ++c)
      if (x[c] - mx >= p.diff_min) sum_q12 += saturating_rounding_multiply_by_pot(exp_on_negative_values(q5(x[c] - mx), 5), -12);
    const int32_t log_sum = log_q5_of_q12(sum_q12);
    const int32_t limit = std::max(p.diff_min - 1, multiply_by_quantized_multiplier(wrap(int64_t{log_sum} + INT32_MIN),
                                                                                  p.reverse_multiplier, p.reverse_shift));
    for (int32_t c = 0; c < p.cols; ++c) {
      const int32_t d = x[c] - mx;
      int64_t v = -128;
      if (d > limit) v = int64_t{rounding_divide_by_pot(wrap(int64_t{q5(d)} - log_sum), 22)} + 127;
      out[size_t(r) * size_t(p.cols) + size_t(c)] = int8_t(std::clamp<int64_t>(v, -128, 127));
    }
  }
  return MOTE_OK;
}

}  // namespace mote::ref
