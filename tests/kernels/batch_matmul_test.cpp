// Batch matmul: the C kernels on the compiler's strided geometry (and on a packed constant
// rhs) vs N-D references with numpy broadcasting, transposes and 1-D operands; hand-derived
// geometry and multiplier.
#include "lower/params/batch_matmul.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"
#include "util/error.h"

namespace mote {
namespace {

using test::numel;
using test::Rng;

struct Case {
  std::vector<int32_t> lhs, rhs;
  bool adj_x, adj_y;
};

// Random operand shapes: up to 3 batch dims each (some broadcast), or ONNX 1-D operands.
Case random_case(Rng& r) {
  const int32_t m = r.pick(test::prime_sizes()), k = r.pick(std::vector<int32_t>{1, 3, 8, 16, 17});
  const int32_t n = r.pick(test::prime_sizes());
  Case c{{}, {}, r.i(0, 1) == 1, r.i(0, 1) == 1};
  const int nb_l = r.i(0, 3), nb_r = r.i(0, 3), nb = std::max(nb_l, nb_r);
  for (int i = 0; i < nb; ++i) {
    const int32_t d = r.i(1, 3);
    const int mode = r.i(0, 2);  // both d, rhs broadcast, lhs broadcast
    if (i >= nb - nb_l) c.lhs.push_back(mode == 2 ? 1 : d);
    if (i >= nb - nb_r) c.rhs.push_back(mode == 1 ? 1 : d);
  }
  if (r.i(0, 9) == 0 && !c.adj_x) {
    c.lhs = {k};
  } else {
    c.lhs.push_back(c.adj_x ? k : m);
    c.lhs.push_back(c.adj_x ? m : k);
  }
  if (r.i(0, 9) == 0 && !c.adj_y) {
    c.rhs = {k};
  } else {
    c.rhs.push_back(c.adj_y ? n : k);
    c.rhs.push_back(c.adj_y ? k : n);
  }
  return c;
}

TEST(BatchMatmulS8, MatchesReferenceStridedAndPacked) {
  Rng r(101);
  size_t inside = 0, total = 0;
  for (int rep = 0; rep < 400; ++rep) {
    const Case c = random_case(r);
    MatmulShape s = matmul_geometry(c.lhs, c.rhs, c.adj_x, c.adj_y);
    const int32_t lzp = r.i(-20, 20), rzp = rep % 2 ? 0 : r.i(-5, 5), ozp = r.i(-10, 10);
    const double acc_scale = 1.0 / (200.0 * std::sqrt(double(s.g.k)));
    const auto p0 = batch_matmul_s8_params(s.g, 0.05f, lzp, 0.01f, rzp,
                                           static_cast<float>(0.05 * 0.01 / acc_scale), ozp);
    const auto lhs = r.s8(numel(c.lhs)), rhs = r.s8(numel(c.rhs));
    std::vector<int8_t> want(numel(s.out_shape)), got(want.size()), got_packed(want.size());
    ASSERT_EQ(ref::batch_matmul_s8_nd(c.lhs, c.rhs, c.adj_x, c.adj_y, lzp, rzp, ozp, p0.multiplier,
                                      p0.shift, lhs.data(), rhs.data(), want.data()),
              MOTE_OK);
    ASSERT_EQ(mote_batch_matmul_s8(&p0, lhs.data(), rhs.data(), got.data()), MOTE_OK);
    const std::string what = "rep " + std::to_string(rep);
    ASSERT_EQ(test::count_mismatches(got, want, what), 0u);
    std::vector<int8_t> oracle(want.size());
    ASSERT_EQ(ref::batch_matmul_s8(p0, lhs.data(), rhs.data(), oracle.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(oracle, want, what + " params oracle"), 0u);
    const auto packed = pack_rhs_nk(&s, rhs.data());
    auto p1 = p0;
    p1.g = s.g;
    ASSERT_EQ(mote_batch_matmul_s8(&p1, lhs.data(), packed.data(), got_packed.data()), MOTE_OK);
    ASSERT_EQ(test::count_mismatches(got_packed, want, what + " packed"), 0u);
    inside += test::count_inside(want, -128, 127);
    total += want.size();
  }
  EXPECT_GT(inside, total / 2) << "outputs mostly saturated";
}

TEST(BatchMatmulF32, MatchesReference) {
  Rng r(102);
  for (int rep = 0; rep < 300; ++rep) {
    const Case c = random_case(r);
    MatmulShape s = matmul_geometry(c.lhs, c.rhs, c.adj_x, c.adj_y);
    const auto p = batch_matmul_f32_params(s.g, -1e30f, 1e30f);
    const auto lhs = r.f32(numel(c.lhs)), rhs = r.f32(numel(c.rhs));
    std::vector<float> want(numel(s.out_shape)), got(want.size());
    ASSERT_EQ(ref::batch_matmul_f32_nd(c.lhs, c.rhs, c.adj_x, c.adj_y, lhs.data(), rhs.data(),
                                       want.data()),
              MOTE_OK);
    ASSERT_EQ(mote_batch_matmul_f32(&p, lhs.data(), rhs.data(), got.data()), MOTE_OK);
    test::expect_close(got, want, 1e-5, std::sqrt(double(s.g.k)), "rep " + std::to_string(rep));
    std::vector<float> oracle(want.size());
    ASSERT_EQ(ref::batch_matmul_f32(p, lhs.data(), rhs.data(), oracle.data()), MOTE_OK);
    test::expect_close(oracle, want, 1e-5, std::sqrt(double(s.g.k)), "params oracle");
  }
}

TEST(BatchMatmulParams, GeometryByHand) {
  // the conformance case: [2, 4, 16] x [2, 16, 6]
  const MatmulShape s = matmul_geometry({2, 4, 16}, {2, 16, 6}, false, false);
  EXPECT_EQ(s.out_shape, (std::vector<int32_t>{2, 4, 6}));
  EXPECT_EQ(s.g.batch[2], 2);
  EXPECT_EQ(s.g.lhs_batch_stride[2], 64);
  EXPECT_EQ(s.g.rhs_batch_stride[2], 96);
  EXPECT_EQ(s.g.lhs_m, 16);
  EXPECT_EQ(s.g.rhs_k, 6);
  EXPECT_EQ(s.g.rhs_n, 1);
  // broadcast: [3, 1, 2, 5] x [4, 5, 7] -> [3, 4, 2, 7]; rhs ignores the 3, lhs the 4
  const MatmulShape b = matmul_geometry({3, 1, 2, 5}, {4, 5, 7}, false, false);
  EXPECT_EQ(b.out_shape, (std::vector<int32_t>{3, 4, 2, 7}));
  EXPECT_EQ(b.g.lhs_batch_stride[1], 10);
  EXPECT_EQ(b.g.lhs_batch_stride[2], 0);
  EXPECT_EQ(b.g.rhs_batch_stride[1], 0);
  EXPECT_EQ(b.g.rhs_batch_stride[2], 35);
  // adj_y: rhs [n = 3][k = 5]
  const MatmulShape t = matmul_geometry({2, 5}, {3, 5}, false, true);
  EXPECT_EQ(t.g.rhs_k, 1);
  EXPECT_EQ(t.g.rhs_n, 5);
  // ONNX 1-D: [5] x [5, 3] -> [3]
  EXPECT_EQ(matmul_geometry({5}, {5, 3}, false, false).out_shape, (std::vector<int32_t>{3}));
  EXPECT_EQ(matmul_geometry({4, 5}, {5}, false, false).out_shape, (std::vector<int32_t>{4}));
  EXPECT_THROW(matmul_geometry({4, 5}, {4, 3}, false, false), Error);
  EXPECT_THROW(matmul_geometry({2, 4, 5}, {3, 5, 3}, false, false), Error);
  // 0.5 * 0.5 / 0.125 = 2 = 2^30 * 2^(2 - 31)
  const auto p = batch_matmul_s8_params(s.g, 0.5f, 1, 0.5f, 0, 0.125f, -3);
  EXPECT_EQ(p.multiplier, 1 << 30);
  EXPECT_EQ(p.shift, 2);
  EXPECT_EQ(p.act_min, -128);
  EXPECT_EQ(p.act_max, 127);
  EXPECT_THROW(batch_matmul_s8_params(s.g, 0.5f, 200, 0.5f, 0, 0.125f, 0), Error);
}

TEST(BatchMatmulS8, HandWorked) {
  // [1, 2] x [2, 2] with lhs_zp 1, rhs_zp -1, real multiplier 1, out_zp 3:
  // lhs - zp = [2, 3]; rhs - zp = [[1, 2], [3, 4]]: [2*1 + 3*3, 2*2 + 3*4] = [11, 16] + 3
  const MatmulShape s = matmul_geometry({1, 2}, {2, 2}, false, false);
  const auto p = batch_matmul_s8_params(s.g, 0.5f, 1, 0.25f, -1, 0.125f, 3);
  const int8_t lhs[] = {3, 4}, rhs[] = {0, 1, 2, 3};
  int8_t out[2];
  ASSERT_EQ(mote_batch_matmul_s8(&p, lhs, rhs, out), MOTE_OK);
  EXPECT_EQ(out[0], 14);
  EXPECT_EQ(out[1], 19);
}

}  // namespace
}  // namespace mote
