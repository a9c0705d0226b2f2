// Cost per inference on a part (latency, energy, CR2032 life) and the run and bench commands.
#include <gtest/gtest.h>

#include "require.h"
#include "target/energy.h"
#include "target/profiles.h"
#include "target_util.h"

namespace mote {
namespace {

const PartCost& cost_of(const std::vector<PartCost>& costs, const std::string& part) {
  for (const PartCost& c : costs)
    if (c.part == part) return c;
  throw std::runtime_error("no cost for " + part);
}

TEST(Energy, LatencyEnergyAndBatteryFromThePartsFigures) {
  // STM32L412KB: 79 uA/MHz at 80 MHz, 0.95 uA in Stop 2, 3.0 V. 8 million cycles take 100 ms at
  // 6.32 mA: 1896 uJ; once a second the average is 0.1 * 6320 + 0.9 * 0.95 uA.
  const std::vector<PartCost> c = part_costs(profile_for("cortex-m4"), 8000000, 1.0);
  const PartCost& l412 = cost_of(c, "STM32L412KB");
  EXPECT_EQ(l412.cycles, 8000000);
  EXPECT_NEAR(l412.latency_ms, 100.0, 1e-9);
  ASSERT_TRUE(l412.energy_uj && l412.average_ua && l412.battery_days);
  EXPECT_NEAR(*l412.energy_uj, 1896.0, 1e-6);
  EXPECT_NEAR(*l412.average_ua, 632.855, 1e-6);
  EXPECT_NEAR(*l412.battery_days, 225000.0 / 632.855 / 24.0, 1e-6);
  EXPECT_TRUE(l412.keeps_up);
  // At 20 inferences a second it cannot keep up: no battery life.
  const PartCost& busy = cost_of(part_costs(profile_for("cortex-m4"), 8000000, 20.0), "STM32L412KB");
  EXPECT_FALSE(busy.keeps_up);
  EXPECT_FALSE(busy.battery_days);
  // A part whose currents the profile does not give has a latency but no energy.
  const PartCost& h7 = cost_of(part_costs(profile_for("cortex-m7"), 48000000, 1.0), "STM32H743ZI");
  EXPECT_NEAR(h7.latency_ms, 100.0, 1e-9);
  EXPECT_FALSE(h7.energy_uj);
  const nlohmann::json j = costs_json(c, 1.0);
  EXPECT_EQ(j["battery"], "CR2032, 225 mAh");
  EXPECT_EQ(j["parts"].size(), profile_for("cortex-m4").parts.size());
}

TEST(RunCli, RunAndBenchReportAndRecordTheFigures) {
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  TempDir dir;
  const ShippedModel mlp = shipped_models().front();
  const nlohmann::json compiled = compile_for(mlp, "cortex-m4", dir.path / "mlp");
  const std::string in = random_inputs(compiled, 3, 11);
  spit(dir.path / "in.bin", in);
  std::string log;
  const std::string cli = std::string(MOTE_CLI);
  int rc = shell(cli + " run " + (dir.path / "mlp").string() + " --input " + (dir.path / "in.bin").string() + " --output " +
                     (dir.path / "out.bin").string(),
                 dir.path / "run.log", &log);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("on mps2-an386 (cortex-m4): 3 inferences"), std::string::npos) << log;
  EXPECT_NE(log.find("instructions, inference 2:"), std::string::npos) << log;
  EXPECT_NE(log.find("peak stack"), std::string::npos) << log;
  EXPECT_NE(log.find("mote compile predicted flash"), std::string::npos) << log;
  EXPECT_EQ(slurp(dir.path / "out.bin").size(), 3 * compiled["output"]["bytes"].get<size_t>());
  // The same bytes as the host build.
  const std::vector<uint8_t> host = build_and_run(dir.path / "mlp", "mlp", "gcc", compiled["input"]["dtype"] == "f32", in.data(), in.size(), 3);
  EXPECT_EQ(slurp(dir.path / "out.bin"), std::string(host.begin(), host.end()));
  // The figures land in report.json, with the cost per part.
  const nlohmann::json report = nlohmann::json::parse(slurp(dir.path / "mlp" / "report.json"));
  const nlohmann::json& run = report.at("target_runs").at("cortex-m4");
  EXPECT_EQ(run["board"], "mps2-an386");
  EXPECT_EQ(run["instructions"].size(), 3u);
  EXPECT_GT(run["instructions"][0].get<int64_t>(), 10000);
  EXPECT_EQ(run["cost"]["parts"][0]["part"], "STM32L4R5ZI");
  EXPECT_EQ(run["predicted"], compiled["target_build"]["predicted"]);

  rc = shell(cli + " bench " + (dir.path / "mlp").string() + " --rate 50", dir.path / "bench.log", &log);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("instructions per inference"), std::string::npos) << log;
  EXPECT_NE(log.find("CR2032 @50 Hz"), std::string::npos) << log;
  for (const Part& p : profile_for("cortex-m4").parts) EXPECT_NE(log.find(p.name), std::string::npos) << log;
  // The M55 runs on the AN547; a folder for the M4 runs there too (portable kernels).
  rc = shell(cli + " run " + (dir.path / "mlp").string() + " --target cortex-m55", dir.path / "m55.log", &log);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("on mps3-an547 (cortex-m55)"), std::string::npos) << log;
  // An unknown target lists the known ones.
  rc = shell(cli + " run " + (dir.path / "mlp").string() + " --target cortex-m99", dir.path / "bad.log", &log);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("cortex-m33"), std::string::npos) << log;
}

}  // namespace
}  // namespace mote
