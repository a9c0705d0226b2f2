// The examples' data generators, run small: the files they promise, held-out test conditions,
// the same bytes for the same seed, and data mote reads as it is.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"
#include "io/array.h"
#include "io/audio.h"

namespace mote {
namespace {

const std::string kExamples = std::string(MOTE_SOURCE_DIR) + "/examples/";

int run_generator(const std::string& example, const std::string& args, const fs::path& log_dir) {
  std::string log;
  const int rc = shell("/usr/bin/python3 " + kExamples + example + "/make_data.py " + args, log_dir / "gen.log", &log);
  EXPECT_EQ(rc, 0) << log;
  return rc;
}

TEST(Examples, KeywordDataHasHeldOutVoicesAndTheFrontEndReadsIt) {
  TempDir t;
  ASSERT_EQ(run_generator("kws", (t.path / "d").string() + " --per-class-voice 1 --seed 3", t.path), 0);
  const nlohmann::json j = nlohmann::json::parse(slurp(t.path / "d/data.json"));
  ASSERT_EQ(j["labels"].size(), 12u);
  std::set<std::string> train(j["voices"]["train"].begin(), j["voices"]["train"].end());
  for (const auto& v : j["voices"]["test"]) EXPECT_FALSE(train.count(v.get<std::string>())) << v << " is in both splits";
  for (const auto& l : j["labels"]) {
    // Training hears _unknown_ (30 words) a set factor more often than each keyword.
    const size_t factor = l == "_unknown_" ? j["unknown_train_factor"].get<size_t>() : 1;
    EXPECT_EQ(j["counts"]["train"][l.get<std::string>()], factor * train.size());
    EXPECT_EQ(j["counts"]["test"][l.get<std::string>()], j["voices"]["test"].size());
  }
  const Audio a = read_audio((t.path / "d/train/yes/00000.wav").string(), 16000);
  EXPECT_EQ(a.samples.size(), 16000u);
  int peak = 0;
  for (int16_t s : a.samples) peak = std::max(peak, std::abs(int(s)));
  EXPECT_GT(peak, 3000);  // speech at -20 dBFS or louder
  const nlohmann::json stream = nlohmann::json::parse(slurp(t.path / "d/stream.json"));
  int keywords = 0;
  for (const auto& w : stream["words"]) keywords += w["keyword"].get<bool>();
  EXPECT_EQ(keywords, 10);
  const Audio s = read_audio((t.path / "d/stream.wav").string(), 16000);
  EXPECT_GT(double(s.samples.size()) / 16000, stream["words"].back()["end_s"].get<double>());
  // The same seed, the same bytes.
  ASSERT_EQ(run_generator("kws", (t.path / "e").string() + " --per-class-voice 1 --seed 3", t.path), 0);
  EXPECT_EQ(slurp(t.path / "d/test/go/00003.wav"), slurp(t.path / "e/test/go/00003.wav"));
  EXPECT_EQ(slurp(t.path / "d/stream.wav"), slurp(t.path / "e/stream.wav"));
  // mote features takes the folders as they are.
  const CliRun f = mote_cli("features " + (t.path / "d/test").string() + " -o " + (t.path / "f").string());
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(load_array((t.path / "f/x.npy").string()).shape, (Shape{12 * int64_t(j["voices"]["test"].size()), 1, 49, 10}));
}

TEST(Examples, GeneratorsRefuseBadArgumentsInOneLine) {
  TempDir t;
  for (const char* ex : {"kws", "machine_health", "vital_signs", "visual_trigger"}) {
    std::string log;
    const std::string bad = std::string(ex) == "kws" ? " --per-class-voice 0" : " --seed -1";
    const int rc = shell("/usr/bin/python3 " + kExamples + ex + "/make_data.py " + (t.path / ex).string() + bad, t.path / "log", &log);
    EXPECT_NE(rc, 0) << ex;
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << ex << ": " << log;
    EXPECT_NE(log.find("error"), std::string::npos) << ex << ": " << log;
    EXPECT_FALSE(fs::exists(t.path / ex)) << ex;
  }
}

// The visual trigger's frames come from camera sites: each site's first frames are empty (the
// camera sees its view first), objects come in runs, and exactly the asked share of the test
// frames has one.
TEST(Examples, VisualTriggerFramesComeFromSitesWithEmptyFirstFrames) {
  TempDir t;
  ASSERT_EQ(run_generator("visual_trigger", (t.path / "d").string() + " --train 100 --test 90 --site-frames 20", t.path), 0);
  const nlohmann::json j = nlohmann::json::parse(slurp(t.path / "d/data.json"));
  const int boot = j["boot_frames"].get<int>();
  EXPECT_EQ(j["site_frames"], 20);
  for (const std::string split : {"train", "test"}) {
    const Array x = load_array((t.path / ("d/" + split + "_x.npy")).string());
    const Array y = load_array((t.path / ("d/" + split + "_y.npy")).string());
    const Array site = load_array((t.path / ("d/" + split + "_site.npy")).string());
    const int64_t n = split == "train" ? 100 : 90;
    EXPECT_EQ(x.shape, (Shape{n, 96, 96})) << split;
    int64_t objects = 0, runs = 0;
    for (int64_t k = 0; k < n; ++k) {
      EXPECT_EQ(site.as<int64_t>()[k], k / 20) << split << " frame " << k;  // the last site is shorter
      if (k % 20 < boot) EXPECT_EQ(y.as<int64_t>()[k], 0) << split << " frame " << k;
      objects += y.as<int64_t>()[k];
      runs += y.as<int64_t>()[k] == 1 && (k % 20 == 0 || y.as<int64_t>()[k - 1] == 0);
    }
    EXPECT_EQ(objects, split == "train" ? 40 : 9) << split;  // 40 % and 10 %
    EXPECT_LT(runs, objects) << split;  // some objects stay for several frames
  }
}

TEST(Examples, MachineHealthTrainsOnHealthyMachinesOnly) {
  TempDir t;
  ASSERT_EQ(run_generator("machine_health", (t.path / "d").string() + " --train 40 --val 10 --test 40", t.path), 0);
  const Array x = load_array((t.path / "d/train_x.npy").string());
  EXPECT_EQ(x.shape, (Shape{40, 16000}));
  const Array y = load_array((t.path / "d/test_y.npy").string());
  int faulty = 0;
  for (int64_t k = 0; k < y.shape[0]; ++k) faulty += y.as<int64_t>()[k] > 0;
  EXPECT_GT(faulty, 0);
  EXPECT_LT(faulty, y.shape[0]);
  // log-mel features of the raw int16 signals
  spit(t.path / "fe.json", R"({"n_mfcc": 0, "n_mel": 32, "high_hz": 8000, "window": 1024, "fft": 1024, "stride": 512})");
  const CliRun f = mote_cli("features " + (t.path / "d/train_x.npy").string() + " --frontend " + (t.path / "fe.json").string() +
                            " -o " + (t.path / "f").string());
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(load_array((t.path / "f/x.npy").string()).shape, (Shape{40, 1, 30, 32}));
}

}  // namespace
}  // namespace mote
