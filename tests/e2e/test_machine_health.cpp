// The machine-health example end to end, small: examples/machine_health/run.sh on a few clips of
// a few machines, its pipeline at three epochs a stage. The firmware's scores must be the same
// bytes natively and under QEMU, faulty clips must score higher than healthy ones, and the
// calibrated threshold must give the chosen false-alarm rate on the validation clips.
#include <gtest/gtest.h>

#include "e2e/example_run.h"
#include "io/array.h"

namespace mote {
namespace {

struct Clip {
  int64_t score = 0;
  bool alarm = false;
};

// main.c's lines "CLIP SCORE ok|ALARM", checked as they are read.
std::vector<Clip> read_clips(const fs::path& p) {
  std::vector<Clip> clips;
  for (const auto& w : test::words_of_lines(p)) {
    EXPECT_EQ(w.size(), 3u) << p << " line " << clips.size() + 1;
    if (w.size() != 3) break;
    EXPECT_EQ(w[0], std::to_string(clips.size())) << p;
    EXPECT_TRUE(w[2] == "ok" || w[2] == "ALARM") << p << ": " << w[2];
    clips.push_back({std::stoll(w[1]), w[2] == "ALARM"});
  }
  return clips;
}

TEST(MachineHealth, SmallRunScoresFaultsHigherAndAlarmsAtTheCalibratedRate) {
  TempDir t;
  test::write_short_pipeline("machine_health", 3, t.path / "pipeline.yaml");
  const fs::path out = t.path / "run";
  std::string log;
  const int rc = test::run_example("machine_health",
                                   "DATA_ARGS='--machines 4 --unseen-machines 0 --train 200 --val 100 --test 60' PIPELINE='" +
                                       (t.path / "pipeline.yaml").string() + "'",
                                   out, &log);
  ASSERT_EQ(rc, 0) << log;

  // The same bytes on the host and the Cortex-M4.
  for (const char* s : {"val", "test"}) {
    const std::string m4 = slurp(out / (std::string(s) + ".m4.txt"));
    EXPECT_FALSE(m4.empty()) << s;
    EXPECT_EQ(m4, slurp(out / (std::string(s) + ".host.txt"))) << s;
  }
  // Every validation frame bit-exact with the C++ int8 reference under QEMU.
  const nlohmann::json device = test::read_json(out / "pipeline/device.json");
  EXPECT_EQ(device["samples"], 100 * 30);
  EXPECT_EQ(device["bitexact_samples"], device["samples"]);

  // Faulty clips score higher than healthy ones on average.
  const std::vector<Clip> test = read_clips(out / "test.m4.txt");
  const Array labels = load_array((out / "data/test_y.npy").string());
  const std::vector<int64_t> y(labels.as<int64_t>(), labels.as<int64_t>() + labels.shape.at(0));
  ASSERT_EQ(test.size(), y.size());
  double healthy = 0, faulty = 0;
  int64_t n_healthy = 0;
  for (size_t k = 0; k < y.size(); ++k) {
    (y[k] == 0 ? healthy : faulty) += double(test[k].score);
    n_healthy += y[k] == 0;
  }
  ASSERT_GT(n_healthy, 0);
  ASSERT_LT(n_healthy, int64_t(y.size()));
  healthy /= double(n_healthy);
  faulty /= double(int64_t(y.size()) - n_healthy);
  EXPECT_GT(faulty, 1.2 * healthy) << "mean score: faulty " << faulty << ", healthy " << healthy;

  // The threshold baked into the firmware: 1 % of the 100 healthy validation clips alarm, within
  // one clip (ties at the threshold), and the alarms are the clips scoring above it.
  const std::vector<Clip> val = read_clips(out / "val.m4.txt");
  ASSERT_EQ(val.size(), 100u);
  const std::vector<Clip> uncalibrated = read_clips(out / "val.scores.txt");
  ASSERT_EQ(uncalibrated.size(), val.size());
  int64_t alarms = 0;
  for (size_t k = 0; k < val.size(); ++k) {
    EXPECT_EQ(val[k].score, uncalibrated[k].score) << "clip " << k;
    EXPECT_FALSE(uncalibrated[k].alarm) << "clip " << k << " alarmed before calibration";
    alarms += val[k].alarm;
  }
  EXPECT_LE(std::abs(alarms - 1), 1) << alarms << " of 100 validation clips alarmed";
  const nlohmann::json summary = test::read_json(out / "summary.json");
  EXPECT_DOUBLE_EQ(summary["false_alarm_val"].get<double>(), double(alarms) / 100);
  const std::string header = slurp(out / "pipeline/mh/threshold.h");
  const int64_t threshold = std::stoll(header.substr(header.find("ALARM_THRESHOLD ") + 16));
  EXPECT_EQ(summary["threshold"], threshold);
  for (const Clip& c : test) EXPECT_EQ(c.alarm, c.score > threshold) << c.score;
}

}  // namespace
}  // namespace mote
