// mote train on small data sets: it learns, repeats itself for a seed, logs one line per epoch
// off a terminal and a live bar on one, resumes an interrupted run to the same weights, and
// refuses bad input before training without leaving an output behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "frontend/import.h"
#include "io/array.h"
#include "require.h"
#include "train/train.h"
#include "train_test_util.h"

namespace mote {
namespace {

using test::Dir;
using test::mote_cli;
using test::CliRun;
namespace fs = std::filesystem;

struct Blobs {
  Dir dir;
  std::string x = dir / "x.npy", y = dir / "y.npy";
  explicit Blobs(int64_t n = 600) { test::write_blobs(x, y, n, 16, 4, 7); }
  std::string args() const { return "--data " + x + " --labels " + y; }
};

const std::string kSmall = " --arch mlp:32 --epochs 3 --batch 32 --threads 1";

TEST(TrainCli, LearnsAndLogsOneLinePerEpoch) {
  Blobs b;
  const std::string out = b.dir / "m.onnx", log = b.dir / "log.json";
  const CliRun r = mote_cli("train" + kSmall + " " + b.args() + " --seed 3 -o " + out + " --log " + log);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find('\r'), std::string::npos) << "no live bar off a terminal";
  const std::regex line(R"(train epoch (\d)/3: loss [0-9.]+ acc [0-9.]+% \| val loss [0-9.]+ acc [0-9.]+% \| lr 0.001 \| [0-9.]+ s, \d+ samples/s\n)");
  EXPECT_EQ(std::distance(std::sregex_iterator(r.out.begin(), r.out.end(), line), std::sregex_iterator()), 3) << r.out;
  const nlohmann::json j = nlohmann::json::parse(test::slurp(log));
  ASSERT_EQ(j["history"].size(), 3u);
  EXPECT_GT(j["history"][2]["val_accuracy"].get<double>(), 0.9);
  EXPECT_LT(j["history"][2]["loss"].get<double>(), j["history"][0]["loss"].get<double>());
  EXPECT_GT(j["samples_per_second"].get<double>(), 0);
  // The written model is an ONNX file mote reads: 16 inputs, 4 outputs.
  const Graph g = import_model(out);
  EXPECT_EQ(g.t(g.inputs[0]).shape, (Shape{1, 16}));
  EXPECT_EQ(g.t(g.outputs[0]).shape, (Shape{1, 4}));
}

TEST(TrainCli, SameSeedSameWeights) {
  Blobs b;
  const std::string a1 = b.dir / "a1.onnx", a2 = b.dir / "a2.onnx", c = b.dir / "c.onnx";
  ASSERT_EQ(mote_cli("train" + kSmall + " " + b.args() + " --seed 5 -o " + a1).code, 0);
  ASSERT_EQ(mote_cli("train" + kSmall + " " + b.args() + " --seed 5 -o " + a2).code, 0);
  ASSERT_EQ(mote_cli("train" + kSmall + " " + b.args() + " --seed 6 -o " + c).code, 0);
  EXPECT_EQ(test::slurp(a1), test::slurp(a2));
  EXPECT_NE(test::slurp(a1), test::slurp(c));
}

TEST(TrainCli, SchedulesSetTheLearningRate) {
  Blobs b;
  const std::string log = b.dir / "log.json";
  ASSERT_EQ(mote_cli("train --arch mlp:8 --epochs 4 --batch 64 --threads 1 " + b.args() + " --optimizer sgd --lr 0.1 --schedule step "
                     "--step-epochs 2 --gamma 0.5 -o " + (b.dir / "s.onnx") + " --log " + log).code, 0);
  const nlohmann::json s = nlohmann::json::parse(test::slurp(log));
  EXPECT_DOUBLE_EQ(s["history"][1]["lr"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(s["history"][2]["lr"].get<double>(), 0.05);
  ASSERT_EQ(mote_cli("train --arch mlp:8 --epochs 4 --batch 64 --threads 1 " + b.args() + " --schedule cosine --lr 0.01 -o " +
                     (b.dir / "c.onnx") + " --log " + log).code, 0);
  const nlohmann::json c = nlohmann::json::parse(test::slurp(log));
  // The last batch of the last epoch: 0.5 lr (1 + cos(pi t)) with t just below 1.
  EXPECT_LT(c["history"][3]["lr"].get<double>(), 0.01 * 0.02);
  EXPECT_GT(c["history"][3]["lr"].get<double>(), 0.0);
}

TEST(TrainCli, EarlyStoppingKeepsTheBestEpoch) {
  Blobs b;
  const std::string log = b.dir / "log.json";
  // A learning rate too small to move the validation loss by 1e-4: no epoch improves on the first.
  const CliRun r = mote_cli("train --arch mlp:8 --epochs 10 --batch 64 --threads 1 " + b.args() + " --lr 1e-9 --patience 2 -o " +
                         (b.dir / "e.onnx") + " --log " + log);
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(test::slurp(log));
  EXPECT_EQ(j["history"].size(), 3u);
  EXPECT_TRUE(j["stopped_early"].get<bool>());
  EXPECT_EQ(j["best_epoch"].get<int>(), 1);
  EXPECT_NE(r.out.find("early stop"), std::string::npos) << r.out;
}

// --select picks the kept epoch by validation accuracy (the first epoch of the highest) or by
// loss (the last epoch that lowered it by more than 1e-4 of the best); separable blobs reach
// their best accuracy before the loss stops falling, so the two differ.
TEST(TrainCli, SelectKeepsTheEpochOfTheBestValidationScore) {
  Blobs b;
  const std::string log = b.dir / "log.json";
  int64_t by[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    const std::string select = k == 0 ? "accuracy" : "loss";
    const CliRun r = mote_cli("train --arch mlp:8 --epochs 12 --batch 32 --threads 1 --seed 2 " + b.args() + " --select " + select +
                              " -o " + (b.dir / "s.onnx") + " --log " + log);
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(test::slurp(log));
    const nlohmann::json& h = j["history"];
    ASSERT_EQ(h.size(), 12u);
    int64_t want = 1;
    double best = k == 0 ? -h[0]["val_accuracy"].get<double>() : h[0]["val_loss"].get<double>();
    for (size_t e = 1; e < h.size(); ++e) {
      const double score = k == 0 ? -h[e]["val_accuracy"].get<double>() : h[e]["val_loss"].get<double>();
      if (score < best - 1e-4 * std::fabs(best)) best = score, want = int64_t(e) + 1;
    }
    by[k] = j["best_epoch"].get<int64_t>();
    EXPECT_EQ(by[k], want) << select;
  }
  EXPECT_LT(by[0], by[1]);
  const CliRun bad = mote_cli("train --arch mlp:8 --epochs 1 " + b.args() + " --select accuracy --val-split 0 -o " + (b.dir / "n.onnx"));
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("--select accuracy needs a validation split"), std::string::npos) << bad.err;
}

TEST(TrainCli, LiveBarOnATerminal) {
  MOTE_REQUIRE(fs::exists("/usr/bin/script"));
  Blobs b;
  const std::string out = b.dir / "tty.log";
  const std::string cmd = std::string(MOTE_CLI) + " train" + kSmall + " " + b.args() + " -o " + (b.dir / "t.onnx");
  ASSERT_EQ(std::system(("/usr/bin/script -qec '" + cmd + "' " + out + " >/dev/null 2>&1 </dev/null").c_str()), 0);
  const std::string s = test::slurp(out);
  const std::regex bar(R"(\rtrain epoch 2/3 \[[=> ]{24}\] \d+/\d+ loss [0-9.]+ acc [0-9.]+% [0-9.]+k?/s ETA \d+:\d\d)");
  EXPECT_TRUE(std::regex_search(s, bar)) << s;
  EXPECT_NE(s.find("train epoch 3/3: loss"), std::string::npos) << s;
}

// Runs `args` in the background, interrupts it (Ctrl-C) once `ckpt` exists, returns its result.
CliRun interrupted(const std::string& args, const std::string& ckpt, const Dir& d) {
  const std::string err = d / "int.err";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + std::string(MOTE_CLI) + " " + args + " >/dev/null 2>" + err).c_str(), (char*)nullptr);
    _exit(127);
  }
  for (int k = 0; k < 20000 && !fs::exists(ckpt); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = test::slurp(err);
  return r;
}

TEST(TrainCli, InterruptedRunResumesToTheSameWeights) {
  Blobs b(1024);
  const std::string common = "train --arch mlp:64,32 --epochs 40 --batch 16 --threads 1 --seed 2 --optimizer sgd --schedule cosine " + b.args();
  const std::string whole = b.dir / "whole.onnx", resumed = b.dir / "resumed.onnx", dir = b.dir / "ckpt";
  ASSERT_EQ(mote_cli(common + " -o " + whole).code, 0);
  const CliRun first = interrupted(common + " --checkpoint " + dir + " -o " + resumed, dir + "/checkpoint.mote", b.dir);
  ASSERT_EQ(first.code, 1) << first.err;
  EXPECT_NE(first.err.find("interrupted at epoch"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("--resume"), std::string::npos) << first.err;
  EXPECT_FALSE(fs::exists(resumed));
  const CliRun second = mote_cli(common + " --checkpoint " + dir + " --resume -o " + resumed);
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.out.find("train epoch 40/40"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.find("train epoch 1/40:"), std::string::npos) << "the resumed run trained from the start: " << second.out;
  EXPECT_EQ(test::slurp(resumed), test::slurp(whole));
}

TEST(TrainCli, InterruptedQatRunResumesToTheSameWeights) {
  Blobs b(1024);
  const std::string dense = b.dir / "dense.onnx";
  ASSERT_EQ(mote_cli("train --arch mlp:64,32 --epochs 1 --threads 1 " + b.args() + " -o " + dense).code, 0);
  const std::string common = "quantize " + dense + " --calib " + b.x + " --calib-limit 64 --qat --epochs 30 --batch 16 --lr 1e-4 --threads 1 " +
                             b.args();
  const std::string whole = b.dir / "whole.onnx", resumed = b.dir / "resumed.onnx", dir = b.dir / "ckpt";
  ASSERT_EQ(mote_cli(common + " --save " + whole).code, 0);
  const CliRun first = interrupted(common + " --checkpoint " + dir + " --save " + resumed, dir + "/checkpoint.mote", b.dir);
  ASSERT_EQ(first.code, 1) << first.err;
  EXPECT_NE(first.err.find("interrupted at epoch"), std::string::npos) << first.err;
  const CliRun second = mote_cli(common + " --checkpoint " + dir + " --resume --save " + resumed);
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(second.out.find("qat epoch 1/30:"), std::string::npos) << second.out;
  EXPECT_EQ(test::slurp(resumed), test::slurp(whole));
}

TEST(TrainCli, BadInputFailsBeforeTraining) {
  Blobs b(100);
  const std::string out = b.dir / "out.onnx";
  auto with = [&](const std::string& x, const std::string& y, const std::string& more = "") {
    return mote_cli("train --arch mlp:8 --epochs 1 --classes 4 --data " + x + " --labels " + y + more + " -o " + out);
  };
  Array x = load_array(b.x), y = load_array(b.y);
  // A label outside the 4 classes.
  y.as_mut<int64_t>()[17] = 9;
  save_npy(b.dir / "y_range.npy", y);
  test::expect_clean_failure(with(b.x, b.dir / "y_range.npy"), {"y_range.npy", "label 17 is 9", "4 classes"}, out);
  // One label too few.
  Array y_short = load_array(b.y);
  y_short.shape = {99};
  y_short.bytes.resize(99 * 8);
  save_npy(b.dir / "y_short.npy", y_short);
  test::expect_clean_failure(with(b.x, b.dir / "y_short.npy"), {"y_short.npy", "99 labels", "100 samples"}, out);
  // NaN and Inf in the data.
  Array xn = x;
  xn.as_mut<float>()[5 * 16 + 3] = std::nanf("");
  save_npy(b.dir / "x_nan.npy", xn);
  test::expect_clean_failure(with(b.dir / "x_nan.npy", b.y), {"x_nan.npy", "sample 5", "NaN", "element 3"}, out);
  xn = x;
  xn.as_mut<float>()[2 * 16] = INFINITY;
  save_npy(b.dir / "x_inf.npy", xn);
  test::expect_clean_failure(with(b.dir / "x_inf.npy", b.y), {"x_inf.npy", "sample 2", "Inf"}, out);
  // A truncated checkpoint, and one of another run.
  const std::string dir = b.dir / "ck";
  ASSERT_EQ(with(b.x, b.y, " --checkpoint " + dir).code, 0);
  fs::remove(out);
  const std::string ck = dir + "/checkpoint.mote";
  test::expect_clean_failure(with(b.x, b.y, " --lr 0.5 --checkpoint " + dir + " --resume"), {ck, "another run", "lr=0.5"}, out);
  const std::string full = test::slurp(ck);
  {
    std::ofstream f(ck, std::ios::binary | std::ios::trunc);
    f << full.substr(0, full.size() / 2);
  }
  test::expect_clean_failure(with(b.x, b.y, " --checkpoint " + dir + " --resume"), {ck, "truncated checkpoint"}, out);
  // Options that cannot work.
  test::expect_clean_failure(with(b.x, b.y, " --val-split 1.5"), {"--val-split"}, out);
  test::expect_clean_failure(mote_cli("train --arch nosuch --data " + b.x + " --labels " + b.y + " -o " + out), {"unknown architecture 'nosuch'"}, out);
}

}  // namespace
}  // namespace mote
