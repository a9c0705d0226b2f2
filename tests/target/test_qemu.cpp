// The compiled models on Cortex-M cores under QEMU: every model mote ships gives the host build's
// bytes on the four boards (M0+ code on mps2-an385, M4 on an386, M7 on an500, M33 on an505) and
// for the M3 (an385) and the M55 (mps3-an547),
// and the flash, RAM and stack mote compile predicted agree with the image and the painted
// stack (flash and data+bss within 1 %, stack within 64 B).
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "require.h"
#include "target/firmware.h"
#include "target_util.h"

namespace mote {
namespace {

const char* const kBoards[] = {"cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"};

class QemuModel : public ::testing::TestWithParam<ShippedModel> {};

TEST_P(QemuModel, MatchesHostOnEveryBoardAndItsPredictedFootprint) {
  const ShippedModel& m = GetParam();
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  MOTE_REQUIRE(fs::exists(m.path)) << m.path << " is absent";
  TempDir dir;
  std::string inputs, host;
  int n = 2;
  for (const char* target : kBoards) {
    const fs::path out = dir.path / target;
    const nlohmann::json report = compile_for(m, target, out);
    if (host.empty()) {
      n = report.at("input").at("bytes").get<int64_t>() > 100000 ? 1 : 2;
      inputs = random_inputs(report, n, 7);
      const std::vector<uint8_t> h =
          build_and_run(out, m.name, "gcc", report["input"]["dtype"] == "f32", inputs.data(), inputs.size(), n,
                        c_type(report["output"]["dtype"]));
      ASSERT_EQ(int64_t(h.size()), n * report["output"]["bytes"].get<int64_t>()) << "host build of " << m.name;
      host.assign(h.begin(), h.end());
    }
    RunOptions opt;
    opt.outdir = out.string();
    opt.inputs = inputs;
    const RunResult r = run_on_qemu(opt);
    std::string got;
    for (const std::string& o : r.outputs) got += o;
    EXPECT_EQ(got.size(), host.size()) << m.name << " on " << r.board;
    EXPECT_TRUE(got == host) << m.name << " on " << r.board << ": outputs differ from the host build";

    const nlohmann::json& p = report.at("target_build").at("predicted");
    const int64_t flash = p.at("flash"), data_bss = p.at("data").get<int64_t>() + p.at("bss").get<int64_t>(),
                  stack = p.at("stack");
    const int64_t got_data_bss = r.sections.data + r.sections.bss;
    std::cout << "[qemu] " << m.name << " " << target << " on " << r.board << ": " << r.instructions.front()
              << " instructions; flash " << r.sections.flash() << " B (predicted " << flash << "), data+bss "
              << got_data_bss << " B (predicted " << data_bss << "), stack " << r.max_stack() << " B (predicted " << stack
              << ")\n";
    EXPECT_LE(std::abs(double(flash - r.sections.flash())), 0.01 * double(r.sections.flash()))
        << m.name << " " << target << ": predicted flash " << flash << " B, image " << r.sections.flash() << " B";
    EXPECT_LE(std::abs(double(data_bss - got_data_bss)), 0.01 * double(got_data_bss))
        << m.name << " " << target << ": predicted data+bss " << data_bss << " B, image " << got_data_bss << " B";
    EXPECT_LE(std::abs(stack - r.max_stack()), 64)
        << m.name << " " << target << ": predicted stack " << stack << " B, painted " << r.max_stack() << " B";
  }
}

std::string model_name(const ::testing::TestParamInfo<ShippedModel>& i) { return i.param.name; }

INSTANTIATE_TEST_SUITE_P(Shipped, QemuModel, ::testing::ValuesIn(shipped_models()), model_name);

}  // namespace
}  // namespace mote
