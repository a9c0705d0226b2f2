// examples/visual_trigger end to end, small: generated frames, its pipeline with two epochs,
// the trigger firmware under QEMU and natively, the threshold score.py picks.
#include <gtest/gtest.h>

#include "e2e/example_run.h"
#include "io/array.h"

namespace mote {
namespace {

using test::read_json;
using test::words_of_lines;

// The share of frames with an object whose score reaches `threshold`.
double recall_at(const std::vector<int>& scores, const Array& y, int threshold) {
  int found = 0, objects = 0;
  for (size_t k = 0; k < scores.size(); ++k)
    if (y.as<int64_t>()[k] == 1) {
      ++objects;
      found += scores[k] >= threshold;
    }
  return objects ? double(found) / objects : 0.0;
}

TEST(VisualTrigger, SmallRunEndToEnd) {
  TempDir t;
  test::write_short_pipeline("visual_trigger", 2, t.path / "pipeline.yaml");
  std::string log;
  const fs::path out = t.path / "out";
  const int rc = test::run_example("visual_trigger",
                                   "DATA_ARGS='--train 320 --test 120' VAL=80 STREAM=120 PIPELINE='" +
                                       (t.path / "pipeline.yaml").string() + "'",
                                   out, &log);
  ASSERT_EQ(rc, 0) << log;

  // The same decisions, byte for byte, on the Cortex-M4 under QEMU and natively.
  const std::string m4 = slurp(out / "stream.m4.txt");
  EXPECT_EQ(m4, slurp(out / "stream.host.txt"));
  const auto stream = words_of_lines(out / "stream.m4.txt");
  ASSERT_EQ(stream.size(), 120u);

  // The threshold keeps at least 99 % of the validation frames with an object, and is the
  // highest that does.
  const int threshold = std::stoi(slurp(out / "threshold.txt"));
  const Array val_y = load_array((out / "split/val_y.npy").string());
  std::vector<int> val_scores;
  for (const auto& w : words_of_lines(out / "val.host.txt")) val_scores.push_back(std::stoi(w.at(1)));
  ASSERT_EQ(int64_t(val_scores.size()), val_y.shape[0]);
  EXPECT_GE(recall_at(val_scores, val_y, threshold), 0.99);
  EXPECT_LT(recall_at(val_scores, val_y, threshold + 1), 0.99);

  // Each test frame is recorded exactly when its score reaches the threshold; the network's
  // own decision (object logit above the other) gets as many frames right as validate found.
  const Array y = load_array((out / "split/stream_y.npy").string());
  int64_t kept = 0, correct = 0;
  for (size_t k = 0; k < stream.size(); ++k) {
    ASSERT_EQ(stream[k].size(), 3u) << k;
    EXPECT_EQ(std::stoul(stream[k][0]), k);
    const int score = std::stoi(stream[k][1]);
    EXPECT_EQ(stream[k][2], score >= threshold ? "record" : "skip") << k;
    kept += score >= threshold;
    correct += (score > 0) == (y.as<int64_t>()[k] == 1);
  }
  const nlohmann::json device = read_json(out / "pipeline/device.json");
  EXPECT_EQ(device["samples"], 120);
  EXPECT_EQ(device["bitexact_samples"], 120);
  EXPECT_NE(device["ran_on"].get<std::string>().find("mps2-an386"), std::string::npos) << device["ran_on"];
  EXPECT_EQ(device["correct_c"].get<int64_t>(), correct);

  // The firmware keeps the reference view itself; its own decisions get exactly as many frames
  // right as validate on the pairs prepare.py computed (score.py refuses to go on otherwise).
  EXPECT_EQ(read_json(out / "split/sites.json")["site_frames"], 40);

  const nlohmann::json s = read_json(out / "summary.json");
  EXPECT_EQ(s["kept"].get<int64_t>(), kept);
  EXPECT_EQ(s["bytes_saved"].get<int64_t>(), (120 - kept) * 9216);
  EXPECT_EQ(s["threshold"].get<int>(), threshold);
}

}  // namespace
}  // namespace mote
