// mote_add_s8_dsp against mote_add_s8: Add and Sub nodes lowered for cortex-m4 and for host,
// every pair of int8 operand values, over random scales and zero points; broadcasting and
// out-of-range rescales stay on the portable kernel.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsp_test_util.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::binary_graph;
using test::lowered;
using test::per_tensor;
using test::Rng;

TEST(AddDsp, MatchesPortableOnEveryOperandPair) {
  Rng r(811);
  std::vector<int8_t> a, b;
  for (int x = -128; x < 128; ++x)
    for (int y = -128; y < 128; ++y) a.push_back(int8_t(x)), b.push_back(int8_t(y));
  const Shape shape = {1, 16, 16, 256};
  int checked = 0;
  for (int t = 0; t < 25; ++t) {
    const OpKind op = t % 3 == 2 ? OpKind::Sub : OpKind::Add;
    const bool ties = t == 24;
    const double sa = ties ? 1.0 / 16 : r.u(0.005, 0.2), sb = ties ? 1.0 / 32 : t % 4 == 0 ? sa : r.u(0.005, 0.2);
    // Ties: a rescales by 1/2 (no shift), b by 1/4, the output by about 0.75 * 2^-17, so an
    // odd b lands the sum on a rounding tie, which the -1 for a negative a must tip.
    const double so = ties ? 1.0 / 48 : r.u(0.01, 0.5);
    const Graph g = binary_graph(op, shape, shape, per_tensor(sa, ties ? 0 : r.i(-128, 127)),
                                 per_tensor(sb, ties ? 0 : r.i(-128, 127)), per_tensor(so, ties ? 0 : r.i(-128, 127)),
                                 t % 5 == 1);
    const KernelCall dsp = lowered(g, "cortex-m4"), port = lowered(g, "host");
    ASSERT_EQ(port.kernel(), "mote_add_s8");
    ASSERT_EQ(dsp.kernel(), "mote_add_s8_dsp") << "case " << t;
    const auto& p = std::get<mote_add_s8_params>(dsp.params);
    std::vector<int8_t> got(a.size()), want(a.size()), oracle(a.size());
    ASSERT_EQ(mote_add_s8_dsp(&p, a.data(), b.data(), got.data()), MOTE_OK);
    ASSERT_EQ(mote_add_s8(&std::get<mote_add_s8_params>(port.params), a.data(), b.data(), want.data()), MOTE_OK);
    ASSERT_EQ(ref::add_s8(p, a.data(), b.data(), oracle.data()), MOTE_OK);
    EXPECT_EQ(test::count_mismatches(got, want, "case " + std::to_string(t)), 0u);
    EXPECT_EQ(oracle, want);
    // in place over either operand
    std::vector<int8_t> ina = a;
    ASSERT_EQ(mote_add_s8_dsp(&p, ina.data(), b.data(), ina.data()), MOTE_OK);
    EXPECT_EQ(ina, want);
    ++checked;
  }
  EXPECT_EQ(checked, 25);
}

TEST(AddDsp, PortableWhereItDoesNotApply) {
  const QuantParams q = per_tensor(0.05, 3);
  // broadcasting
  Graph g = binary_graph(OpKind::Add, {1, 4, 4, 8}, {1, 1, 1, 8}, q, q, q, false);
  EXPECT_EQ(lowered(g, "cortex-m4").kernel(), "mote_add_s8");
  // an output scale so small that the output rescale shifts left
  g = binary_graph(OpKind::Add, {1, 4, 4, 8}, {1, 4, 4, 8}, q, q, per_tensor(0.05 / (1 << 21), 0), false);
  EXPECT_EQ(lowered(g, "cortex-m4").kernel(), "mote_add_s8");
  const auto& p = std::get<mote_add_s8_params>(lowered(g, "host").params);
  EXPECT_GT(p.out_shift, -1);
  std::vector<int8_t> x(128, 1), y(128);
  EXPECT_EQ(mote_add_s8_dsp(&p, x.data(), x.data(), y.data()), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote
