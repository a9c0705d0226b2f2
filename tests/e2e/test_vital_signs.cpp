// examples/vital_signs end to end, small: generated ECG windows of a few subjects, its pipeline
// with two epochs, the firmware under QEMU and natively, its rhythms and alerts.
#include <gtest/gtest.h>

#include "e2e/example_run.h"
#include "io/array.h"

namespace mote {
namespace {

using test::read_json;
using test::words_of_lines;

const std::vector<std::string> kRhythms = {"normal_sinus", "atrial_fibrillation", "pvc", "sinus_tachycardia",
                                           "sinus_bradycardia"};

TEST(VitalSigns, SmallRunEndToEnd) {
  TempDir t;
  test::write_short_pipeline("vital_signs", 2, t.path / "pipeline.yaml");
  std::string log;
  const fs::path out = t.path / "out";
  const int rc = test::run_example("vital_signs",
                                   "DATA_ARGS='--train 200 --test 60 --train-subjects 8 --test-subjects 4' TEST=60 PIPELINE='" +
                                       (t.path / "pipeline.yaml").string() + "'",
                                   out, &log);
  ASSERT_EQ(rc, 0) << log;

  // The same lines, byte for byte, on the Cortex-M4 under QEMU and natively.
  EXPECT_EQ(slurp(out / "stream.m4.txt"), slurp(out / "stream.host.txt"));
  const auto lines = words_of_lines(out / "stream.m4.txt");
  ASSERT_EQ(lines.size(), 60u);

  // Each window's alert: an abnormal rhythm, or a mean of its 8 temperature readings (int16,
  // 1/256 C, after the 1000 ECG samples) of 38.0 C or more.
  const std::string input = slurp(out / "split/stream.bin");
  ASSERT_EQ(input.size(), 60u * 2 * 1008);
  const Array y = load_array((out / "split/stream_y.npy").string());
  int64_t correct = 0, fevers = 0;
  for (size_t k = 0; k < lines.size(); ++k) {
    ASSERT_EQ(lines[k].size(), 4u) << k;
    EXPECT_EQ(std::stoul(lines[k][0]), k);
    const auto rhythm = std::find(kRhythms.begin(), kRhythms.end(), lines[k][1]);
    ASSERT_NE(rhythm, kRhythms.end()) << lines[k][1];
    int sum = 0;
    for (int r = 0; r < 8; ++r) {
      const size_t at = (k * 1008 + 1000 + size_t(r)) * 2;
      sum += int16_t(uint16_t(uint8_t(input[at]) | uint8_t(input[at + 1]) << 8));
    }
    const bool fever = sum >= 38 * 256 * 8;
    fevers += fever;
    EXPECT_NEAR(std::stod(lines[k][2]), sum / 2048.0, 0.0051) << k;  // rounded to hundredths
    const bool abnormal = rhythm != kRhythms.begin();
    EXPECT_EQ(lines[k][3], abnormal ? (fever ? "alert:rhythm+fever" : "alert:rhythm") : (fever ? "alert:fever" : "ok")) << k;
    correct += rhythm - kRhythms.begin() == y.as<int64_t>()[k];
  }
  // The firmware's rhythms are the validate stage's: as many right on the same windows.
  const nlohmann::json device = read_json(out / "pipeline/device.json");
  EXPECT_EQ(device["samples"], 60);
  EXPECT_EQ(device["bitexact_samples"], 60);
  EXPECT_EQ(device["correct_c"].get<int64_t>(), correct);

  // score.py's figures: its confusion matrix holds every window once; the firmware's fevers
  // against the data's (the mean of all 1000 samples) are those of the readings.
  const nlohmann::json s = read_json(out / "summary.json");
  int64_t total = 0, diagonal = 0;
  for (size_t r = 0; r < 5; ++r)
    for (size_t c = 0; c < 5; ++c) {
      total += s["int8"]["confusion"][r][c].get<int64_t>();
      diagonal += r == c ? s["int8"]["confusion"][r][c].get<int64_t>() : 0;
    }
  EXPECT_EQ(total, 60);
  EXPECT_EQ(diagonal, correct);
  EXPECT_EQ(s["firmware_correct"].get<int64_t>(), correct);
  EXPECT_EQ(s["fever_found"].get<int64_t>() + s["fever_false"].get<int64_t>(), fevers);
}

}  // namespace
}  // namespace mote
