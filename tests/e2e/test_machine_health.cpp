// The machine-health example end to end, small: examples/machine_health/run.sh on a few clips of
// a few machines with a five-epoch pipeline. The firmware's scores must be the same bytes natively
// and under QEMU, faulty clips must score higher than healthy ones, and the calibrated threshold
// must give the chosen false-alarm rate on the validation clips.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"
#include "io/array.h"

namespace mote {
namespace {

const std::string kExample = std::string(MOTE_SOURCE_DIR) + "/examples/machine_health/";

struct Clip {
  int64_t score = 0;
  bool alarm = false;
};

// main.c's lines "CLIP SCORE ok|ALARM", checked as they are read.
std::vector<Clip> read_clips(const fs::path& p) {
  std::vector<Clip> clips;
  std::istringstream in(slurp(p));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    int64_t index = -1;
    Clip c;
    std::string verdict;
    f >> index >> c.score >> verdict;
    EXPECT_EQ(index, int64_t(clips.size())) << p << ": " << line;
    EXPECT_TRUE(verdict == "ok" || verdict == "ALARM") << p << ": " << line;
    c.alarm = verdict == "ALARM";
    clips.push_back(c);
  }
  return clips;
}

TEST(MachineHealth, SmallRunScoresFaultsHigherAndAlarmsAtTheCalibratedRate) {
  TempDir t;
  // The example's pipeline with five epochs.
  std::string yaml = slurp(kExample + "pipeline.yaml");
  const size_t at = yaml.find("epochs: 20");
  ASSERT_NE(at, std::string::npos) << "pipeline.yaml no longer trains for 20 epochs; update this test";
  yaml.replace(at, 10, "epochs: 5");
  spit(t.path / "pipeline.yaml", yaml);
  const fs::path build = fs::path(MOTE_CLI).parent_path(), out = t.path / "run";
  std::string log;
  const int rc = shell("MH_DATA='--machines 4 --unseen-machines 0 --train 200 --val 100 --test 60' bash " + kExample + "run.sh " +
                           build.string() + " " + out.string() + " " + (t.path / "pipeline.yaml").string(),
                       t.path / "run.log", &log);
  ASSERT_EQ(rc, 0) << log;

  // The same bytes on the host and the Cortex-M4.
  for (const char* s : {"val", "test"}) {
    const std::string m4 = slurp(out / (std::string(s) + ".m4.txt"));
    EXPECT_FALSE(m4.empty()) << s;
    EXPECT_EQ(m4, slurp(out / (std::string(s) + ".host.txt"))) << s;
  }
  // Every validation frame bit-exact with the C++ int8 reference under QEMU.
  const nlohmann::json device = nlohmann::json::parse(slurp(out / "pipeline/device.json"));
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
  const nlohmann::json summary = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_DOUBLE_EQ(summary["false_alarm_val"].get<double>(), double(alarms) / 100);
  const std::string header = slurp(out / "pipeline/mh/threshold.h");
  const int64_t threshold = std::stoll(header.substr(header.find("ALARM_THRESHOLD ") + 16));
  EXPECT_EQ(summary["threshold"], threshold);
  for (const Clip& c : test) EXPECT_EQ(c.alarm, c.score > threshold) << c.score;
}

}  // namespace
}  // namespace mote
