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
  int64_t score = 0, ratio = 0;
  bool alarm = false;
};

// main.c's lines "CLIP SCORE RATIO ok|ALARM", checked as they are read.
std::vector<Clip> read_clips(const fs::path& p) {
  std::vector<Clip> clips;
  for (const auto& w : test::words_of_lines(p)) {
    EXPECT_EQ(w.size(), 4u) << p << " line " << clips.size() + 1;
    if (w.size() != 4) break;
    EXPECT_EQ(w[0], std::to_string(clips.size())) << p;
    EXPECT_TRUE(w[3] == "ok" || w[3] == "ALARM") << p << ": " << w[3];
    clips.push_back({std::stoll(w[1]), std::stoll(w[2]), w[3] == "ALARM"});
  }
  return clips;
}

// The machine of each clip of a split (make_data.py's SPLIT_machine.npy).
std::vector<int64_t> machines_of(const fs::path& data, const std::string& split) {
  const Array m = load_array((data / (split + "_machine.npy")).string());
  return std::vector<int64_t>(m.as<int64_t>(), m.as<int64_t>() + m.shape.at(0));
}

TEST(MachineHealth, SmallRunScoresFaultsHigherAndAlarmsAtTheCalibratedRate) {
  TempDir t;
  test::write_short_pipeline("machine_health", 3, t.path / "pipeline.yaml");
  const fs::path out = t.path / "run";
  std::string log;
  const int rc = test::run_example("machine_health",
                                   "DATA_ARGS='--machines 4 --unseen-machines 0 --train 200 --val 100 --test 60 --commission 3' PIPELINE='" +
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

  // Each machine's baseline is the mean score of its 3 commissioning clips (not in the output):
  // the ratios of one machine's clips are their scores over one and the same baseline.
  const std::vector<int64_t> machine = machines_of(out / "data", "test");
  ASSERT_EQ(machine.size(), test.size());
  for (size_t k = 1; k < test.size(); ++k) {
    if (machine[k] != machine[k - 1]) continue;
    // ratio = floor(256 score / b): b lies in (256 s / (r + 1), 256 s / r]; the two clips' ranges meet.
    const auto lo = [](const Clip& c) { return 256.0 * double(c.score) / double(c.ratio + 1); };
    const auto hi = [](const Clip& c) { return c.ratio ? 256.0 * double(c.score) / double(c.ratio) : 1e300; };
    EXPECT_LT(std::max(lo(test[k]), lo(test[k - 1])), std::min(hi(test[k]), hi(test[k - 1])) + 1e-9) << "clip " << k;
  }

  // The threshold baked into the firmware: 1 % of the 100 healthy validation clips alarm, within
  // one clip (ties at the threshold), and the alarms are the clips whose ratio is above it.
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
  for (const Clip& c : test) EXPECT_EQ(c.alarm, c.ratio > threshold) << c.ratio;
}

}  // namespace
}  // namespace mote
