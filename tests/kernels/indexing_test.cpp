// Slice, gather and tile: the C kernels on the compiler's 6-D parameters vs N-D references
// (STRIDED_SLICE checked against TFLite's own operand resolution), every element size, and
// hand-derived resolutions for TFLite and ONNX operands.
#include "lower/params/indexing.h"

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

std::vector<int32_t> random_shape(Rng& r, int max_rank) {
  std::vector<int32_t> s(static_cast<size_t>(r.i(1, max_rank)));
  for (auto& d : s) d = r.pick(std::vector<int32_t>{1, 2, 3, 5, 7});
  return s;
}

// Runs the kernel and the N-D reference on the same resolved axes.
void check_slice(Rng& r, const std::vector<int32_t>& in_shape, const std::vector<SliceAxis>& axes,
                 int32_t es, const std::string& what) {
  const auto p = slice_params(in_shape, axes, es);
  std::vector<int32_t> begin, stride, out_shape;
  for (const auto& a : axes) {
    begin.push_back(a.begin);
    stride.push_back(a.stride);
    out_shape.push_back(a.size);
  }
  const auto in = r.bytes(numel(in_shape) * es);
  std::vector<uint8_t> got(numel(out_shape) * es + 3, 0xCD), want(numel(out_shape) * es);
  ASSERT_EQ(mote_slice(&p, in.data(), got.data()), MOTE_OK) << what;
  ASSERT_EQ(ref::slice_nd(in_shape, begin, stride, out_shape, es, in.data(), want.data()), MOTE_OK)
      << what;
  for (size_t i = want.size(); i < got.size(); ++i) ASSERT_EQ(got[i], 0xCD) << what << " overrun";
  got.resize(want.size());
  ASSERT_EQ(got, want) << what;
  std::vector<uint8_t> oracle(want.size());
  ASSERT_EQ(ref::slice(p, in.data(), oracle.data()), MOTE_OK) << what;
  ASSERT_EQ(oracle, want) << what;
}

TEST(StridedSlice, MatchesTfliteResolutionAndLoops) {
  Rng r(91);
  int checked = 0;
  for (int rep = 0; rep < 600; ++rep) {
    const auto shape = random_shape(r, 5);
    const size_t rank = shape.size();
    std::vector<int32_t> begin(rank), end(rank), strides(rank);
    for (size_t i = 0; i < rank; ++i) {
      begin[i] = r.i(-shape[i] - 2, shape[i] + 1);
      end[i] = r.i(-shape[i] - 2, shape[i] + 2);
      strides[i] = r.pick(std::vector<int32_t>{-3, -2, -1, 1, 1, 2, 3});
    }
    const int32_t full = (1 << rank) - 1;
    const int32_t bm = r.i(0, full), em = r.i(0, full), sm = rep % 3 == 0 ? r.i(0, full) : 0;
    const bool offset = rep % 7 == 0;
    const int32_t es = r.pick(std::vector<int32_t>{1, 2, 4});
    const auto in = r.bytes(numel(shape) * es);
    std::vector<int32_t> ref_shape;
    std::vector<uint8_t> want(numel(shape) * es);
    const mote_status rs = ref::strided_slice_tflite(shape, begin, end, strides, bm, em, sm, offset,
                                                     es, in.data(), want.data(), &ref_shape);
    if (rs != MOTE_OK) {  // empty selection: the compiler must refuse it too
      EXPECT_THROW(tflite_strided_slice(shape, begin, end, strides, bm, em, 0, 0, sm, offset),
                   Error);
      continue;
    }
    const StridedSlice ss =
        tflite_strided_slice(shape, begin, end, strides, bm, em, 0, 0, sm, offset);
    ASSERT_EQ(ss.out_shape, ref_shape) << "rep " << rep;
    const auto p = slice_params(shape, ss.axes, es);
    want.resize(numel(ref_shape) * es);
    std::vector<uint8_t> got(want.size());
    ASSERT_EQ(mote_slice(&p, in.data(), got.data()), MOTE_OK) << "rep " << rep;
    ASSERT_EQ(got, want) << "rep " << rep;
    std::vector<uint8_t> oracle(want.size());
    ASSERT_EQ(ref::slice(p, in.data(), oracle.data()), MOTE_OK);
    ASSERT_EQ(oracle, want) << "rep " << rep;
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

TEST(Slice, RandomAxesEveryElementSize) {
  Rng r(92);
  for (int rep = 0; rep < 300; ++rep) {
    const auto shape = random_shape(r, 6);
    std::vector<SliceAxis> axes;
    for (int32_t d : shape) {
      const int32_t stride = r.pick(std::vector<int32_t>{-2, -1, 1, 1, 1, 2});
      const int32_t begin = r.i(0, d - 1);
      const int32_t room = stride > 0 ? (d - 1 - begin) / stride : begin / -stride;
      // whole axes often, to exercise the merging
      axes.push_back(rep % 2 && stride == 1 ? SliceAxis{0, 1, d}
                                            : SliceAxis{begin, stride, r.i(1, room + 1)});
    }
    check_slice(r, shape, axes, r.pick(std::vector<int32_t>{1, 2, 4}),
                "rep " + std::to_string(rep));
  }
}

TEST(Slice, TfliteSliceSplitAndOnnxSlice) {
  Rng r(93);
  // the conformance geometries
  const std::vector<int32_t> s4 = {1, 6, 7, 8};
  const auto sl = tflite_slice(s4, {0, 1, 2, 3}, {1, 3, 4, -1});
  EXPECT_EQ(sl[3].begin, 3);
  EXPECT_EQ(sl[3].size, 5);
  check_slice(r, s4, sl, 1, "slice_4d");
  const std::vector<int32_t> s12 = {1, 4, 4, 12};
  const auto sp = split_output(s12, 3, equal_split_sizes(12, 3), 1);
  EXPECT_EQ(sp[3].begin, 4);
  EXPECT_EQ(sp[3].size, 4);
  check_slice(r, s12, sp, 4, "split");
  const auto sv = split_output(s12, -1, {2, 7, 3}, 2);
  EXPECT_EQ(sv[3].begin, 9);
  EXPECT_EQ(sv[3].size, 3);
  EXPECT_THROW(split_output(s12, 3, {2, 7, 2}, 0), Error);
  EXPECT_THROW(equal_split_sizes(12, 5), Error);
  // the masked, negative-stride conformance case: [2, 8, 9, 6], begin [1, -2, 0, 0],
  // end [1, 1, 9, 0], strides [1, -2, 1, 1], begin_mask 1, end_mask 9
  const StridedSlice ss = tflite_strided_slice({2, 8, 9, 6}, {1, -2, 0, 0}, {1, 1, 9, 0},
                                               {1, -2, 1, 1}, 1, 9, 0, 0, 0, false);
  EXPECT_EQ(ss.out_shape, (std::vector<int32_t>{2, 3, 9, 6}));
  EXPECT_EQ(ss.axes[1].begin, 6);  // -2 + 8, then 4, 2
  EXPECT_EQ(ss.axes[1].stride, -2);
  const StridedSlice shrink =
      tflite_strided_slice({4, 5}, {-1, 1}, {0, 4}, {1, 2}, 0, 0, 0, 0, 1, false);
  EXPECT_EQ(shrink.out_shape, (std::vector<int32_t>{2}));  // row 3, cols 1 and 3
  EXPECT_EQ(shrink.axes[0].begin, 3);
  EXPECT_THROW(tflite_strided_slice({4}, {0}, {4}, {1}, 0, 0, 1, 0, 0, false), Error);
  // ONNX: starts -3 on a 7-axis with end INT64_MAX; step -1 from the end to the start
  const auto os = onnx_slice({7, 5}, {-3, 10}, {INT64_MAX, -100}, {0, 1}, {1, -1});
  EXPECT_EQ(os[0].begin, 4);
  EXPECT_EQ(os[0].size, 3);
  EXPECT_EQ(os[1].begin, 4);  // start clamped to dim - 1
  EXPECT_EQ(os[1].size, 5);   // end clamped to -1: 4 3 2 1 0
  check_slice(r, {7, 5}, os, 4, "onnx");
  EXPECT_THROW(onnx_slice({7, 5}, {3}, {3}, {0}, {1}), Error);  // empty
}

TEST(Slice, MergesWholeAxes) {
  // [2, 3, 4, 5] taking axis 1 rows 1..2 and everything inside: axes 1-3 are one axis of 60
  // holding one contiguous run of 40 from 20, under the batch axis
  const auto p = slice_params({2, 3, 4, 5}, {{0, 1, 2}, {1, 1, 2}, {0, 1, 4}, {0, 1, 5}}, 1);
  EXPECT_EQ(p.in_dims[5], 60);
  EXPECT_EQ(p.out_dims[5], 40);
  EXPECT_EQ(p.begin[5], 20);
  EXPECT_EQ(p.in_dims[4], 2);
  EXPECT_EQ(p.out_dims[4], 2);
  EXPECT_EQ(p.in_dims[3], 1);
  EXPECT_THROW(slice_params({3}, {{1, 1, 3}}, 1), Error);  // reads past the end
  auto bad = slice_params({3}, {{1, 1, 2}}, 1);
  bad.begin[5] = 2;
  uint8_t in[3] = {}, out[2];
  EXPECT_EQ(mote_slice(&bad, in, out), MOTE_ERR_PARAM);
  EXPECT_EQ(ref::slice(bad, in, out), MOTE_ERR_PARAM);
}

TEST(Gather, MatchesReferenceAnyAxis) {
  Rng r(94);
  for (int rep = 0; rep < 300; ++rep) {
    const auto shape = random_shape(r, 5);
    const int32_t axis = r.i(0, static_cast<int32_t>(shape.size()) - 1);
    const int32_t dim = shape[static_cast<size_t>(axis)];
    std::vector<int64_t> idx(static_cast<size_t>(r.i(1, 6)));
    for (auto& v : idx) v = r.i(-dim, dim - 1);
    const int32_t es = r.pick(std::vector<int32_t>{1, 2, 4});
    const auto gp = gather_params(shape, axis - (rep % 2 ? static_cast<int32_t>(shape.size()) : 0),
                                  idx, true, es);
    const auto p = gp.bound();
    auto out_shape = shape;
    out_shape[static_cast<size_t>(axis)] = static_cast<int32_t>(idx.size());
    const auto in = r.bytes(numel(shape) * es);
    std::vector<uint8_t> got(numel(out_shape) * es), want(got.size());
    ASSERT_EQ(mote_gather(&p, in.data(), got.data()), MOTE_OK);
    ASSERT_EQ(ref::gather_nd_axis(shape, axis, gp.indices, es, in.data(), want.data()), MOTE_OK);
    ASSERT_EQ(got, want) << "rep " << rep;
    std::vector<uint8_t> oracle(want.size());
    ASSERT_EQ(ref::gather(p, in.data(), oracle.data()), MOTE_OK);
    ASSERT_EQ(oracle, want) << "rep " << rep;
  }
  EXPECT_THROW(gather_params({4, 3}, 0, {-1}, false, 1), Error);  // TFLite: no wrapping
  EXPECT_THROW(gather_params({4, 3}, 0, {4}, true, 1), Error);
  EXPECT_THROW(gather_params({4, 3}, 2, {0}, true, 1), Error);
}

TEST(Gather, HandWorked) {
  // gather_axis1: [2, 10, 6] with indices 7 0 3 3 9 -> outer 2, axis 10, inner 6
  const auto gp = gather_params({2, 10, 6}, 1, {7, 0, 3, 3, 9}, false, 1);
  EXPECT_EQ(gp.p.outer, 2);
  EXPECT_EQ(gp.p.axis_size, 10);
  EXPECT_EQ(gp.p.inner, 6);
  const int8_t in[] = {10, 11, 12, 13, 14, 15};  // [3, 2]
  const auto g2 = gather_params({3, 2}, 0, {2, -3}, true, 1);
  const auto p = g2.bound();
  int8_t out[4];
  ASSERT_EQ(mote_gather(&p, in, out), MOTE_OK);
  EXPECT_EQ(std::vector<int8_t>(out, out + 4), (std::vector<int8_t>{14, 15, 10, 11}));
}

TEST(Tile, MatchesReferenceTileAndBroadcast) {
  Rng r(95);
  for (int rep = 0; rep < 300; ++rep) {
    const auto shape = random_shape(r, 5);
    std::vector<int32_t> out_shape;
    if (rep % 2) {  // TILE
      std::vector<int64_t> mult;
      for (size_t i = 0; i < shape.size(); ++i) mult.push_back(r.i(1, 3));
      out_shape = tile_shape(shape, mult);
    } else {  // BROADCAST_TO with extra leading axes
      for (int i = r.i(0, 2); i > 0; --i) out_shape.push_back(r.i(1, 4));
      for (int32_t d : shape) out_shape.push_back(d == 1 ? r.i(1, 4) : d);
    }
    const int32_t es = r.pick(std::vector<int32_t>{1, 2, 4});
    const auto p = tile_params(shape, out_shape, es);
    const auto in = r.bytes(numel(shape) * es);
    std::vector<uint8_t> got(numel(out_shape) * es + 2, 0xEE), want(numel(out_shape) * es);
    ASSERT_EQ(mote_tile(&p, in.data(), got.data()), MOTE_OK) << "rep " << rep;
    ASSERT_EQ(ref::tile_nd(shape, out_shape, es, in.data(), want.data()), MOTE_OK);
    for (size_t i = want.size(); i < got.size(); ++i) ASSERT_EQ(got[i], 0xEE) << "overrun";
    got.resize(want.size());
    ASSERT_EQ(got, want) << "rep " << rep;
    std::vector<uint8_t> oracle(want.size());
    ASSERT_EQ(ref::tile(p, in.data(), oracle.data()), MOTE_OK);
    ASSERT_EQ(oracle, want) << "rep " << rep;
  }
}

TEST(Tile, ShapesAndMerging) {
  EXPECT_EQ(broadcast_shapes({3, 1}, {2, 1, 4}), (std::vector<int32_t>{2, 3, 4}));
  EXPECT_THROW(broadcast_shapes({3, 2}, {4, 2}), Error);
  // broadcast_to_3d: [1, 1, 8] -> [3, 4, 8]: the two broadcast axes merge into one of 12
  const auto p = tile_params({1, 1, 8}, {3, 4, 8}, 1);
  EXPECT_EQ(p.in_dims[4], 1);
  EXPECT_EQ(p.out_dims[4], 12);
  EXPECT_EQ(p.in_dims[5], 8);
  EXPECT_EQ(p.out_dims[5], 8);
  EXPECT_EQ(p.out_dims[3], 1);
  EXPECT_THROW(tile_params({2, 3}, {2, 4}, 1), Error);
  EXPECT_THROW(tile_shape({2, 3}, {1, 0}), Error);
  const int8_t in[] = {1, 2};
  int8_t out[6];
  const auto t = tile_params({1, 2}, tile_shape({1, 2}, {1, 3}), 1);
  ASSERT_EQ(mote_tile(&t, in, out), MOTE_OK);
  EXPECT_EQ(std::vector<int8_t>(out, out + 6), (std::vector<int8_t>{1, 2, 1, 2, 1, 2}));
}

}  // namespace
}  // namespace mote
