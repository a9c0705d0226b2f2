// Reference batch matmul on N-D operands with numpy batch broadcasting, transposes (adj_x,
// adj_y) and 1-D operands handled by index arithmetic in the loop; int8 requantizes like
// TFLM's reference BatchMatMul (int64 sum here, then the int32 TFLite rounding).
#include <algorithm>
#include <vector>

#include "lower/fixedpoint.h"
#include "ref/kernels_ref.h"

namespace mote::ref {
namespace {

// Calls f(o, lhs_at, rhs_at) for every output element o in order, lhs_at(k) / rhs_at(k) giving
// the element offsets of the k-th product's operands; false for shapes that do not multiply.
template <typename F>
bool for_each_out(const std::vector<int32_t>& ls, const std::vector<int32_t>& rs, bool adj_x,
                  bool adj_y, int32_t* K, F&& f) {
  std::vector<int32_t> l = ls.size() == 1 ? std::vector<int32_t>{1, ls[0]} : ls;
  std::vector<int32_t> r = rs.size() == 1 ? std::vector<int32_t>{rs[0], 1} : rs;
  if (l.size() < 2 || r.size() < 2) return false;
  const int32_t lr = l[l.size() - 2], lc = l[l.size() - 1];
  const int32_t rr = r[r.size() - 2], rc = r[r.size() - 1];
  const int32_t M = adj_x ? lc : lr, k1 = adj_x ? lr : lc;
  const int32_t k2 = adj_y ? rc : rr, N = adj_y ? rr : rc;
  if (k1 != k2) return false;
  *K = k1;
  const size_t nb = std::max(l.size(), r.size()) - 2;
  std::vector<int32_t> lb(nb, 1), rb(nb, 1), ob(nb);
  for (size_t i = 0; i < l.size() - 2; ++i) lb[nb - (l.size() - 2) + i] = l[i];
  for (size_t i = 0; i < r.size() - 2; ++i) rb[nb - (r.size() - 2) + i] = r[i];
  int64_t batches = 1;
  for (size_t i = 0; i < nb; ++i) {
    if (lb[i] != rb[i] && lb[i] != 1 && rb[i] != 1) return false;
    ob[i] = std::max(lb[i], rb[i]);
    batches *= ob[i];
  }
  int64_t o = 0;
  for (int64_t b = 0; b < batches; ++b) {
    // decode the batch multi-index, map to each operand (size-1 dims broadcast)
    int64_t rem = b, lo = 0, ro = 0, lmul = 1, rmul = 1;
    for (size_t i = nb; i-- > 0;) {
      const int32_t bi = static_cast<int32_t>(rem % ob[i]);
      rem /= ob[i];
      lo += (lb[i] == 1 ? 0 : bi) * lmul;
      ro += (rb[i] == 1 ? 0 : bi) * rmul;
      lmul *= lb[i];
      rmul *= rb[i];
    }
    for (int32_t m = 0; m < M; ++m)
      for (int32_t n = 0; n < N; ++n) {
        const auto lhs_at = [=](int32_t k) {
          return lo * lr * lc + (adj_x ? int64_t{k} * lc + m : int64_t{m} * lc + k);
        };
        const auto rhs_at = [=](int32_t k) {
          return ro * rr * rc + (adj_y ? int64_t{n} * rc + k : int64_t{k} * rc + n);
        };
        f(o++, lhs_at, rhs_at);
      }
  }
  return true;
}

}  // namespace

mote_status batch_matmul_s8_nd(const std::vector<int32_t>& lhs_shape,
                               const std::vector<int32_t>& rhs_shape, bool adj_x, bool adj_y,
                               int32_t lhs_zp, int32_t rhs_zp, int32_t out_zp, int32_t multiplier,
                               int32_t shift, const int8_t* lhs, const int8_t* rhs, int8_t* out) {
  int32_t K = 0;
  const bool ok = for_each_out(
      lhs_shape, rhs_shape, adj_x, adj_y, &K, [&](int64_t o, auto lhs_at, auto rhs_at) {
        int64_t acc = 0;
        for (int32_t k = 0; k < K; ++k)
          acc += int64_t{lhs[lhs_at(k)] - lhs_zp} * (rhs[rhs_at(k)] - rhs_zp);
        const int32_t v =
            multiply_by_quantized_multiplier(static_cast<int32_t>(acc), multiplier, shift) + out_zp;
        out[o] = static_cast<int8_t>(std::clamp(v, -128, 127));
      });
  return ok ? MOTE_OK : MOTE_ERR_PARAM;
}

mote_status batch_matmul_f32_nd(const std::vector<int32_t>& lhs_shape,
                                const std::vector<int32_t>& rhs_shape, bool adj_x, bool adj_y,
                                const float* lhs, const float* rhs, float* out) {
  int32_t K = 0;
  const bool ok = for_each_out(lhs_shape, rhs_shape, adj_x, adj_y, &K,
                               [&](int64_t o, auto lhs_at, auto rhs_at) {
                                 double acc = 0;
                                 for (int32_t k = 0; k < K; ++k)
                                   acc += double{lhs[lhs_at(k)]} * rhs[rhs_at(k)];
                                 out[o] = static_cast<float>(acc);
                               });
  return ok ? MOTE_OK : MOTE_ERR_PARAM;
}

}  // namespace mote::ref

namespace mote::ref {
namespace {

bool geom_ok(const mote_matmul_geom& g) {
  for (int i = 0; i < 3; ++i)
    if (g.batch[i] <= 0 || g.lhs_batch_stride[i] < 0 || g.rhs_batch_stride[i] < 0) return false;
  return g.m > 0 && g.k > 0 && g.n > 0 && g.lhs_m >= 0 && g.lhs_k >= 0 && g.rhs_k >= 0 &&
         g.rhs_n >= 0;
}

// f(o, lhs offset of k = 0, rhs offset of k = 0) for every output element o in order.
template <typename F>
void for_each_strided(const mote_matmul_geom& g, F&& f) {
  int64_t o = 0;
  for (int64_t b0 = 0; b0 < g.batch[0]; ++b0)
    for (int64_t b1 = 0; b1 < g.batch[1]; ++b1)
      for (int64_t b2 = 0; b2 < g.batch[2]; ++b2)
        for (int64_t m = 0; m < g.m; ++m)
          for (int64_t n = 0; n < g.n; ++n) {
            const int64_t l = b0 * g.lhs_batch_stride[0] + b1 * g.lhs_batch_stride[1] +
                              b2 * g.lhs_batch_stride[2] + m * g.lhs_m;
            const int64_t r = b0 * g.rhs_batch_stride[0] + b1 * g.rhs_batch_stride[1] +
                              b2 * g.rhs_batch_stride[2] + n * g.rhs_n;
            f(o++, l, r);
          }
}

}  // namespace

mote_status batch_matmul_s8(const mote_batch_matmul_s8_params& p, const int8_t* lhs,
                            const int8_t* rhs, int8_t* out) {
  const mote_matmul_geom& g = p.g;
  if (!geom_ok(g) || p.lhs_zp < -128 || p.lhs_zp > 127 || p.rhs_zp < -128 || p.rhs_zp > 127 ||
      p.act_min < -128 || p.act_min > p.act_max || p.act_max > 127)
    return MOTE_ERR_PARAM;
  for_each_strided(g, [&](int64_t o, int64_t l, int64_t r) {
    int64_t acc = 0;
    for (int64_t k = 0; k < g.k; ++k)
      acc += int64_t{lhs[l + k * g.lhs_k] - p.lhs_zp} * (rhs[r + k * g.rhs_k] - p.rhs_zp);
    const int32_t v =
        multiply_by_quantized_multiplier(static_cast<int32_t>(acc), p.multiplier, p.shift) +
        p.out_zp;
    out[o] = static_cast<int8_t>(std::clamp(v, p.act_min, p.act_max));
  });
  return MOTE_OK;
}

mote_status batch_matmul_f32(const mote_batch_matmul_f32_params& p, const float* lhs,
                             const float* rhs, float* out) {
  const mote_matmul_geom& g = p.g;
  if (!geom_ok(g)) return MOTE_ERR_PARAM;
  for_each_strided(g, [&](int64_t o, int64_t l, int64_t r) {
    double acc = 0;
    for (int64_t k = 0; k < g.k; ++k) acc += double{lhs[l + k * g.lhs_k]} * rhs[r + k * g.rhs_k];
    out[o] = std::min(std::max(static_cast<float>(acc), p.act_min), p.act_max);
  });
  return MOTE_OK;
}

}  // namespace mote::ref
