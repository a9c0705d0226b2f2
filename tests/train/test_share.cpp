// mote share: weight sharing with trained centroids. The model it writes keeps at most 2^bits
// int8 codes per layer through the quantize pass (what mote compile --encode stores), the
// fine-tuned codebooks fit the data better than k-means alone, and bad options are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "frontend/import.h"
#include "io/layout.h"
#include "passes/passes.h"
#include "quant/quantize.h"
#include "train/train.h"
#include "train_test_util.h"

namespace mote {
namespace {

using test::mote_cli;

train::Samples samples_of(const Graph& g, const std::string& x, const std::string& y) {
  return train::make_samples(g, train::read_data(x, y, 0));
}

TEST(Share, CodesSurviveTheQuantizePassAndCentroidsTrain) {
  test::Dir d;
  const std::string x = d / "x.npy", y = d / "y.npy", model = d / "m.onnx", kmeans = d / "k.onnx", tuned = d / "t.onnx";
  test::write_blobs(x, y, 640, 16, 4, 41);
  const std::string data = " --data " + x + " --labels " + y + " --threads 1 --val-split 0";
  ASSERT_EQ(mote_cli("train --arch mlp:32,16 --epochs 3" + data + " -o " + model).code, 0);
  // A learning rate too small to move a centroid by half a code: k-means alone.
  ASSERT_EQ(mote_cli("share " + model + " --bits 2 --epochs 1 --lr 1e-12" + data + " -o " + kmeans).code, 0);
  const test::CliRun r = mote_cli("share " + model + " --bits 2 --epochs 4 --lr 1e-2" + data + " -o " + tuned);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("shared fc1: 512 weights, 2 bits"), std::string::npos) << r.out;

  const Graph k = import_model(kmeans), t = import_model(tuned);
  const train::Samples s = samples_of(t, x, y);
  EXPECT_LT(train::evaluate(t, s).loss, train::evaluate(k, s).loss);

  Graph c = t;
  canonicalize(c);
  const Graph q = quantize(c, to_graph_layout(t, train::read_data(x, "", 100).x, "x"), CalibMethod::MinMax);
  int layers = 0;
  for (const Node& n : q.nodes) {
    if (n.op != OpKind::FullyConnected) continue;
    const Tensor& w = q.t(n.in(1));
    ASSERT_EQ(w.dtype, DType::I8);
    const std::vector<int8_t> v = w.values<int8_t>();
    const std::set<int8_t> codes(v.begin(), v.end());
    EXPECT_LE(codes.size(), 4u) << n.name;
    // every output channel keeps its scale: its largest code is +-127
    const int64_t rows = w.shape[0], per = w.numel() / rows;
    for (int64_t o = 0; o < rows; ++o) {
      int m = 0;
      for (int64_t i = 0; i < per; ++i) m = std::max(m, std::abs(int(v[size_t(o * per + i)])));
      EXPECT_EQ(m, 127) << n.name << " channel " << o;
    }
    ++layers;
  }
  EXPECT_EQ(layers, 3);
}

TEST(Share, BadOptionsAreRefused) {
  test::Dir d;
  const std::string x = d / "x.npy", y = d / "y.npy", model = d / "m.onnx", out = d / "s.onnx";
  test::write_blobs(x, y, 100, 16, 4, 42);
  const std::string data = " --data " + x + " --labels " + y + " --threads 1";
  ASSERT_EQ(mote_cli("train --arch mlp:8 --epochs 1" + data + " -o " + model).code, 0);
  test::expect_clean_failure(mote_cli("share " + model + " --bits 1" + data + " -o " + out), {"--bits", "1"}, out);
  test::expect_clean_failure(mote_cli("share " + model + " --bits 4 --layer-bits nosuch=3" + data + " -o " + out), {"nosuch"}, out);
  test::expect_clean_failure(mote_cli("share " + model + " --bits 4 --layer-bits fc1=x" + data + " -o " + out), {"fc1=x"}, out);
}

}  // namespace
}  // namespace mote
