#include "lower/params/batch_matmul.h"

#include <algorithm>
#include <string>

#include "lower/fixedpoint.h"
#include "frontend/op_geometry.h"
#include "util/error.h"

namespace mote {

MatmulShape matmul_geometry(const std::vector<int32_t>& lhs_shape,
                            const std::vector<int32_t>& rhs_shape, bool adj_x, bool adj_y) {
  if (lhs_shape.empty() || rhs_shape.empty())
    fail("MatMul: scalar operand (lhs {}, rhs {})", dims_str(lhs_shape), dims_str(rhs_shape));
  for (int32_t d : lhs_shape)
    if (d <= 0) fail("MatMul: lhs {} has an empty dim", dims_str(lhs_shape));
  for (int32_t d : rhs_shape)
    if (d <= 0) fail("MatMul: rhs {} has an empty dim", dims_str(rhs_shape));
  const bool lhs_vec = lhs_shape.size() == 1, rhs_vec = rhs_shape.size() == 1;
  std::vector<int32_t> l = lhs_vec ? std::vector<int32_t>{1, lhs_shape[0]} : lhs_shape;
  std::vector<int32_t> r = rhs_vec ? std::vector<int32_t>{rhs_shape[0], 1} : rhs_shape;
  const size_t lr = l.size(), rr = r.size();
  const int32_t m = adj_x ? l[lr - 1] : l[lr - 2], kl = adj_x ? l[lr - 2] : l[lr - 1];
  const int32_t kr = adj_y ? r[rr - 1] : r[rr - 2], n = adj_y ? r[rr - 2] : r[rr - 1];
  if (kl != kr)
    fail("MatMul: inner dims differ (lhs {}, rhs {}, adj_x {}, adj_y {})", dims_str(lhs_shape),
         dims_str(rhs_shape), adj_x, adj_y);
  MatmulShape s{};
  s.g.m = m;
  s.g.k = kl;
  s.g.n = n;
  s.g.lhs_m = adj_x ? 1 : kl;
  s.g.lhs_k = adj_x ? m : 1;
  s.g.rhs_k = adj_y ? 1 : n;
  s.g.rhs_n = adj_y ? kl : 1;
  // batch dims, right-aligned; each operand's element stride per batch dim
  const size_t nb = std::max(lr, rr) - 2;
  struct B {
    int32_t out, lhs, rhs;
    int64_t ls, rs;
  };
  std::vector<B> bs(nb);
  int64_t ls = int64_t{m} * kl, rs = int64_t{kl} * n;
  for (size_t i = nb; i-- > 0;) {
    const size_t from_end = nb - i;  // 1 = innermost batch dim
    const int32_t a = from_end <= lr - 2 ? l[lr - 2 - from_end] : 1;
    const int32_t b = from_end <= rr - 2 ? r[rr - 2 - from_end] : 1;
    if (a != b && a != 1 && b != 1)
      fail("MatMul: batch dims of lhs {} and rhs {} do not broadcast", dims_str(lhs_shape),
           dims_str(rhs_shape));
    bs[i] = {std::max(a, b), a, b, a == 1 ? 0 : ls, b == 1 ? 0 : rs};
    ls *= a;
    rs *= b;
  }
  std::vector<B> kept;
  for (const B& b : bs) {
    s.out_shape.push_back(b.out);
    if (b.out != 1) kept.push_back(b);
  }
  if (kept.size() > 3)
    fail("MatMul: {} batch dims of lhs {} and rhs {} (the kernel has 3)", kept.size(),
         dims_str(lhs_shape), dims_str(rhs_shape));
  if (ls > INT32_MAX || rs > INT32_MAX) fail("MatMul: operands too large");
  while (kept.size() < 3) kept.insert(kept.begin(), B{1, 1, 1, 0, 0});
  for (int i = 0; i < 3; ++i) {
    s.g.batch[i] = kept[static_cast<size_t>(i)].out;
    s.g.lhs_batch_stride[i] = static_cast<int32_t>(kept[static_cast<size_t>(i)].ls);
    s.g.rhs_batch_stride[i] = static_cast<int32_t>(kept[static_cast<size_t>(i)].rs);
    s.rhs_batch[i] = kept[static_cast<size_t>(i)].rhs;
  }
  if (!lhs_vec) s.out_shape.push_back(m);
  if (!rhs_vec) s.out_shape.push_back(n);
  return s;
}

mote_batch_matmul_s8_params batch_matmul_s8_params(const mote_matmul_geom& g, float lhs_scale,
                                                   int32_t lhs_zp, float rhs_scale, int32_t rhs_zp,
                                                   float out_scale, int32_t out_zp, int32_t act_min,
                                                   int32_t act_max) {
  if (!(lhs_scale > 0) || !(rhs_scale > 0) || !(out_scale > 0))
    fail("BATCH_MATMUL int8: scales must be positive (lhs {}, rhs {}, output {})", lhs_scale,
         rhs_scale, out_scale);
  const auto s8 = [](int32_t v) { return v >= -128 && v <= 127; };
  if (!s8(lhs_zp) || !s8(rhs_zp) || !s8(out_zp) || !s8(act_min) || !s8(act_max) ||
      act_min > act_max)
    fail("BATCH_MATMUL int8: zero points ({}, {}, {}) or clamp outside int8", lhs_zp, rhs_zp,
         out_zp);
  mote_batch_matmul_s8_params p{};
  p.g = g;
  p.lhs_zp = lhs_zp;
  p.rhs_zp = rhs_zp;
  p.out_zp = out_zp;
  p.act_min = act_min;
  p.act_max = act_max;
  quantize_multiplier(static_cast<double>(lhs_scale) * static_cast<double>(rhs_scale) /
                          static_cast<double>(out_scale),
                      &p.multiplier, &p.shift);
  return p;
}

mote_batch_matmul_f32_params batch_matmul_f32_params(const mote_matmul_geom& g, float act_min,
                                                     float act_max) {
  mote_batch_matmul_f32_params p{};
  p.g = g;
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

}  // namespace mote
