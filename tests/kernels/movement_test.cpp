// Concat, pad and transpose: C runtime vs C++ reference over element sizes and shapes, plus
// hand-worked cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "mote/kernels.h"
#include "ref/kernels_ref.h"

namespace mote {
namespace {

using test::Rng;

TEST(Concat, MatchesReferenceWithAndWithoutLuts) {
  Rng r(61);
  for (int rep = 0; rep < 60; ++rep) {
    const int32_t n_inputs = r.i(1, 5);
    const int32_t outer = r.pick(std::vector<int32_t>{0, 1, 2, 3, 5, 7});
    const int32_t elem = rep % 3 == 0 ? 4 : 1;
    const bool with_luts = elem == 1 && rep % 2 == 0;
    std::vector<int32_t> inner(static_cast<size_t>(n_inputs));
    std::vector<std::vector<uint8_t>> data;
    std::vector<const void*> ptrs;
    std::vector<std::vector<int8_t>> tables;
    std::vector<const int8_t*> luts;
    size_t total = 0;
    for (int32_t k = 0; k < n_inputs; ++k) {
      inner[static_cast<size_t>(k)] = elem * r.pick(std::vector<int32_t>{1, 2, 3, 5, 7, 13});
      data.push_back(r.bytes(static_cast<size_t>(outer) * inner[static_cast<size_t>(k)] + 1));
      total += static_cast<size_t>(outer) * inner[static_cast<size_t>(k)];
      tables.push_back(r.s8(256));
    }
    for (int32_t k = 0; k < n_inputs; ++k) {
      ptrs.push_back(data[static_cast<size_t>(k)].data());
      luts.push_back(k % 2 ? tables[static_cast<size_t>(k)].data() : nullptr);
    }
    const mote_concat_params p{outer, n_inputs, inner.data(), with_luts ? luts.data() : nullptr};
    std::vector<uint8_t> got(total + 4, 0xAB), want(total);
    ASSERT_EQ(mote_concat(&p, ptrs.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::concat(p, ptrs.data(), want.data()), MOTE_OK);
    for (size_t i = total; i < got.size(); ++i) ASSERT_EQ(got[i], 0xAB) << "overrun";
    got.resize(total);
    EXPECT_EQ(got, want) << "rep " << rep;
  }
}

TEST(Concat, HandWorked) {
  const int8_t a[] = {1, 2, 3, 4};  // [2][2]
  const int8_t b[] = {9, 8};        // [2][1], requantized by doubling
  std::vector<int8_t> twice(256);
  for (int i = 0; i < 256; ++i)
    twice[static_cast<size_t>(i)] = static_cast<int8_t>(std::clamp(2 * (i - 128), -128, 127));
  const int32_t inner[] = {2, 1};
  const int8_t* luts[] = {nullptr, twice.data()};
  const void* inputs[] = {a, b};
  const mote_concat_params p{2, 2, inner, luts};
  std::vector<int8_t> out(6);
  ASSERT_EQ(mote_concat(&p, inputs, out.data()), MOTE_OK);
  EXPECT_EQ(out, (std::vector<int8_t>{1, 2, 18, 3, 4, 16}));
}

TEST(Pad, MatchesReferenceEveryElementSize) {
  Rng r(62);
  for (int32_t es : {1, 2, 4})
    for (int rep = 0; rep < 40; ++rep) {
      mote_pad_params p{};
      size_t in_n = 1, out_n = 1;
      for (int i = 0; i < 4; ++i) {
        p.in_dims[i] = r.pick(std::vector<int32_t>{1, 2, 3, 5});
        p.pad_before[i] = r.i(0, 2);
        p.pad_after[i] = r.i(0, 2);
        in_n *= static_cast<size_t>(p.in_dims[i]);
        out_n *= static_cast<size_t>(p.pad_before[i] + p.in_dims[i] + p.pad_after[i]);
      }
      p.elem_size = es;
      p.value = static_cast<uint32_t>(r.i(0, 0x7fffffff)) * 2u + 1u;
      const auto in = r.bytes(in_n * es);
      std::vector<uint8_t> got(out_n * es + 4, 0xCD), want(out_n * es);
      ASSERT_EQ(mote_pad(&p, in.data(), got.data()), MOTE_OK);
      ASSERT_EQ(ref::pad(p, in.data(), want.data()), MOTE_OK);
      for (size_t i = want.size(); i < got.size(); ++i) ASSERT_EQ(got[i], 0xCD) << "overrun";
      got.resize(want.size());
      EXPECT_EQ(got, want) << "elem " << es << " rep " << rep;
    }
}

TEST(Pad, HandWorkedFloat) {
  const float in[] = {1.0f, 2.0f};  // [1][1][1][2]
  const float fill = -0.5f;
  mote_pad_params p{};
  p.in_dims[0] = p.in_dims[1] = p.in_dims[2] = 1;
  p.in_dims[3] = 2;
  p.pad_before[2] = 1;  // one row of padding above
  p.pad_before[3] = 1;
  p.pad_after[3] = 1;
  p.elem_size = 4;
  std::memcpy(&p.value, &fill, 4);
  std::vector<float> out(8);
  ASSERT_EQ(mote_pad(&p, in, out.data()), MOTE_OK);
  EXPECT_EQ(out, (std::vector<float>{-0.5f, -0.5f, -0.5f, -0.5f, -0.5f, 1.0f, 2.0f, -0.5f}));
  p.pad_after[0] = -1;
  EXPECT_EQ(mote_pad(&p, in, out.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::pad(p, in, out.data()), MOTE_ERR_PARAM);
}

TEST(Transpose, MatchesReferenceEveryPermutation) {
  Rng r(63);
  int32_t perm[MOTE_TRANSPOSE_DIMS] = {0, 1, 2, 3, 4, 5};
  int perms = 0;
  do {
    for (int32_t es : {1, 2, 3, 4}) {
      mote_transpose_params p{};
      size_t n = 1;
      for (int i = 0; i < MOTE_TRANSPOSE_DIMS; ++i) {
        p.in_dims[i] = r.pick(std::vector<int32_t>{1, 2, 3});
        p.perm[i] = perm[i];
        n *= static_cast<size_t>(p.in_dims[i]);
      }
      p.elem_size = es;
      const auto in = r.bytes(n * es);
      std::vector<uint8_t> got(n * es), want(n * es);
      ASSERT_EQ(mote_transpose(&p, in.data(), got.data()), MOTE_OK);
      ASSERT_EQ(ref::transpose(p, in.data(), want.data()), MOTE_OK);
      EXPECT_EQ(got, want) << "perm " << perm[0] << perm[1] << perm[2] << perm[3] << perm[4]
                           << perm[5] << " elem " << es;
    }
    ++perms;
  } while (std::next_permutation(perm, perm + MOTE_TRANSPOSE_DIMS));
  EXPECT_EQ(perms, 720);
}

// NCHW [1][2][2][3] -> NHWC [1][2][3][2] with perm (0, 2, 3, 1), left-padded to 6-D.
TEST(Transpose, HandWorkedNchwToNhwc) {
  std::vector<int8_t> in(12);
  for (int i = 0; i < 12; ++i) in[static_cast<size_t>(i)] = static_cast<int8_t>(i);
  const mote_transpose_params p{{1, 1, 1, 2, 2, 3}, {0, 1, 2, 4, 5, 3}, 1};
  std::vector<int8_t> out(12);
  ASSERT_EQ(mote_transpose(&p, in.data(), out.data()), MOTE_OK);
  EXPECT_EQ(out, (std::vector<int8_t>{0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}));
  const mote_transpose_params bad{{1, 1, 1, 2, 2, 3}, {0, 1, 2, 4, 4, 3}, 1};
  EXPECT_EQ(mote_transpose(&bad, in.data(), out.data()), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::transpose(bad, in.data(), out.data()), MOTE_ERR_PARAM);
}

}  // namespace
}  // namespace mote
