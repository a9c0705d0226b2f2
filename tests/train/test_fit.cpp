// mote fit: every candidate is measured (int8 accuracy, firmware flash and RAM, latency under
// QEMU), the front holds no dominated variant, the best fits the budget and is compiled, a budget
// nothing meets names the constraint and its margin, and --plan / --job / --collect split the
// search into independent jobs that give the same table.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "train_test_util.h"
#include "util/file.h"

namespace mote {
namespace {

using test::mote_cli;
namespace fs = std::filesystem;

struct FitData {
  test::Dir d;
  std::string args;
  FitData() {
    const std::string x = d / "x.npy", y = d / "y.npy", tx = d / "tx.npy", ty = d / "ty.npy", m = d / "m.onnx";
    test::write_blobs(x, y, 512, 16, 4, 5);
    test::write_blobs(tx, ty, 128, 16, 4, 5);
    EXPECT_EQ(mote_cli("train --arch mlp:32 --epochs 4 --threads 1 --data " + x + " --labels " + y + " -o " + m).code, 0);
    args = "fit " + m + " --data " + x + " --labels " + y + " --test-data " + tx + " --test-labels " + ty + " --calib " + x +
           " --threads 1 --epochs 1 --sparsities 0.75 --structured none --encodings none,huffman --out " + (d / "fit");
  }
};

TEST(Fit, MeasuresEveryVariantAndCompilesTheBestWithinTheBudget) {
  FitData f;
  const CliRun r = mote_cli(f.args + " --max-flash 1M --max-ram 256K -o " + (f.d / "best"));
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(f.d / "fit/fit.json"));
  const nlohmann::json& c = j["candidates"];
  ASSERT_EQ(c.size(), 4u) << "dense and sparse0.75, each with none and huffman";
  for (const auto& v : c) {
    EXPECT_GT(v["accuracy"].get<double>(), 0.5) << "blobs are separable: " << v.dump();
    EXPECT_GT(v["flash"].get<int64_t>(), 1000);
    EXPECT_GT(v["ram"].get<int64_t>(), 0);
    EXPECT_GT(v["instructions"].get<int64_t>(), 1000);
    EXPECT_NEAR(v["ms"].get<double>(), double(v["instructions"].get<int64_t>()) / 120e3, 1e-9) << "STM32L4R5ZI at 120 MHz";
  }
  // Huffman stores the 75 %-sparse weights in fewer bytes than plain int8.
  auto find = [&](const std::string& cand, const std::string& enc) {
    for (const auto& v : c)
      if (v["candidate"] == cand && v["encoding"] == enc) return v;
    ADD_FAILURE() << cand << " " << enc << " missing";
    return nlohmann::json();
  };
  EXPECT_LT(find("sparse0.75", "huffman")["flash"].get<int64_t>(), find("sparse0.75", "none")["flash"].get<int64_t>());
  // No front member is dominated; every non-member is.
  auto dominated = [&](const nlohmann::json& v) {
    for (const auto& w : c) {
      const bool no_worse = w["accuracy"] >= v["accuracy"] && w["flash"] <= v["flash"] && w["ram"] <= v["ram"] && w["ms"] <= v["ms"];
      const bool better = w["accuracy"] > v["accuracy"] || w["flash"] < v["flash"] || w["ram"] < v["ram"] || w["ms"] < v["ms"];
      if (no_worse && better) return true;
    }
    return false;
  };
  for (const auto& v : c) EXPECT_EQ(v["pareto"].get<bool>(), !dominated(v)) << v.dump();
  // The best is the most accurate variant, and fits.
  const auto& best = c[j["best"].get<size_t>()];
  for (const auto& v : c) EXPECT_LE(v["accuracy"].get<double>(), best["accuracy"].get<double>());
  EXPECT_TRUE(fs::exists(f.d / "best/report.json"));
  EXPECT_NE(r.out.find("best within the budget"), std::string::npos) << r.out;
  // The report page: the table and both plots, a dot per variant, the best one marked.
  const std::string page = read_file(f.d / "fit/report.html");
  size_t dots = 0;
  for (size_t at = page.find("<circle"); at != std::string::npos; at = page.find("<circle", at + 1)) ++dots;
  EXPECT_EQ(dots, 8u);
  EXPECT_NE(page.find("id=\"fit-flash\""), std::string::npos);
  EXPECT_NE(page.find("id=\"fit-ms\""), std::string::npos);
  EXPECT_NE(page.find("class=\"pt best\""), std::string::npos);

  // The same jobs collected under a budget nothing meets: the error names the constraint.
  const std::string tight = f.d / "tight";
  const CliRun t = mote_cli(f.args + " --collect --max-ram 0.1K -o " + tight);
  EXPECT_NE(t.code, 0);
  EXPECT_NE(t.err.find("no candidate meets the budget"), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("over --max-ram 0.1K"), std::string::npos) << t.err;
  EXPECT_EQ(std::count(t.err.begin(), t.err.end(), '\n'), 1) << t.err;
  EXPECT_FALSE(fs::exists(tight));
}

TEST(Fit, PlanWritesOneJobPerCandidateAndCollectWaitsForAll) {
  FitData f;
  const CliRun p = mote_cli(f.args + " --max-flash 1M --plan");
  ASSERT_EQ(p.code, 0) << p.err;
  const std::string jobs = read_file(f.d / "fit/jobs.txt");
  EXPECT_EQ(std::count(jobs.begin(), jobs.end(), '\n'), 2) << jobs;
  EXPECT_NE(jobs.find("--job 0"), std::string::npos);
  EXPECT_NE(jobs.find("--job 1"), std::string::npos);
  EXPECT_NE(p.out.find("--collect"), std::string::npos);
  // Job 0 (dense, no training) alone: collect names the candidate still missing.
  ASSERT_EQ(mote_cli(f.args + " --max-flash 1M --job 0").code, 0);
  const CliRun c = mote_cli(f.args + " --max-flash 1M --collect");
  EXPECT_NE(c.code, 0);
  EXPECT_NE(c.err.find("candidate 1 (sparse0.75) has not run"), std::string::npos) << c.err;
  EXPECT_NE(mote_cli(f.args + " --max-flash 1M --job 2").code, 0);
}

TEST(Fit, RefusesBadBudgetsInOneLine) {
  FitData f;
  for (const std::string& bad : {std::string(" --max-ram 32Q"), std::string(" --max-flash 0K"), std::string("")}) {
    const CliRun r = mote_cli(f.args + bad);
    EXPECT_NE(r.code, 0) << bad;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << bad << ": " << r.err;
  }
  EXPECT_NE(mote_cli(f.args + " --max-ram 32Q").err.find("unknown unit 'Q'"), std::string::npos);
  EXPECT_NE(mote_cli(f.args).err.find("needs a budget"), std::string::npos);
}

}  // namespace
}  // namespace mote
