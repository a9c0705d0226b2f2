// The measuring method and the runner's errors: SysTick counts a loop of known length on every
// board (wraps included), the MLPerf Tiny int8 models give TFLM's golden bytes on the M4, a run
// that faults or runs out of instructions names its layer, and mote compile --part refuses a
// model too big for the part before writing anything.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "require.h"
#include "target/firmware.h"
#include "target/profiles.h"
#include "target_util.h"
#include "util/error.h"

namespace mote {
namespace {

// An output folder whose "model" runs a loop of 2 instructions per turn, the turns read from
// the 4-byte input: the instructions of n turns are 2n plus a fixed few.
void write_loop_folder(const fs::path& dir, const std::string& target) {
  fs::create_directories(dir);
  spit(dir / "loop.h",
       "#ifndef LOOP_H\n#define LOOP_H\n#include <stdint.h>\n#define loop_INPUT_BYTES 4\n#define loop_OUTPUT_BYTES 4\n"
       "int loop_invoke(const int8_t *input, int8_t *output);\nint loop_init(void);\n#endif\n");
  spit(dir / "loop.c",
       "#include <string.h>\n#include \"loop.h\"\n"
       "int loop_invoke(const int8_t *input, int8_t *output) {\n  uint32_t n;\n  memcpy(&n, input, 4);\n"
       "  __asm__ volatile(\".syntax unified\\n1:\\n\\tsubs %0, %0, #1\\n\\tbne 1b\" : \"+l\"(n) : : \"cc\");\n"
       "  memcpy(output, &n, 4);\n  return 0;\n}\nint loop_init(void) {\n  return 0;\n}\n");
  const nlohmann::json report = {{"name", "loop"},
                                 {"input", {{"bytes", 4}, {"dtype", "i8"}}},
                                 {"output", {{"bytes", 4}, {"dtype", "i8"}}},
                                 {"arena_bytes", 0},
                                 {"layers", nlohmann::json::array()},
                                 {"source", {{"target", target}}}};
  spit(dir / "report.json", report.dump());
}

std::string turns(const std::vector<uint32_t>& ns) {
  std::string s;
  for (uint32_t n : ns) s.append(reinterpret_cast<const char*>(&n), 4);
  return s;
}

TEST(SysTick, CountsALoopOfKnownLengthOnEveryBoard) {
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  const std::vector<uint32_t> ns = {1000, 100000, 10000000};
  for (const Profile& p : profiles()) {
    TempDir dir;
    write_loop_folder(dir.path / "loop", p.target);
    RunOptions opt;
    opt.outdir = (dir.path / "loop").string();
    opt.inputs = turns(ns);
    const RunResult r = run_on_qemu(opt);
    ASSERT_EQ(r.instructions.size(), ns.size());
    const double per_tick = 1e9 / r.systick_hz;
    for (size_t k = 0; k < ns.size(); ++k) {
      const int64_t want = 2 * int64_t(ns[k]);
      std::cout << "[systick] " << p.target << " on " << r.board << ": " << ns[k] << " turns -> " << r.instructions[k]
                << " instructions (2n = " << want << ", tick = " << per_tick << ")\n";
      // A tick of resolution at each end, and the call and the copies around the loop (byte
      // copies on Armv6-M, which has no unaligned access).
      EXPECT_NEAR(double(r.instructions[k]), double(want), 2 * per_tick + 120) << p.target << " " << ns[k] << " turns";
    }
    // The slope is exactly 2 per turn, to within the two readings' resolution.
    EXPECT_NEAR(double(r.instructions[2] - r.instructions[1]), 2.0 * (ns[2] - ns[1]), 2 * per_tick) << p.target;
  }
}

TEST(SysTick, CountsItsWraps) {
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  TempDir dir;
  write_loop_folder(dir.path / "loop", "cortex-m4");
  RunOptions opt;
  opt.outdir = (dir.path / "loop").string();
  // 2^24 ticks of 40 instructions is 671 million: 400 million turns wrap the counter once.
  const uint32_t n = 400000000;
  opt.inputs = turns({n});
  const RunResult r = run_on_qemu(opt);
  ASSERT_EQ(r.instructions.size(), 1u);
  EXPECT_GT(r.instructions[0], int64_t(40) << 24);
  EXPECT_NEAR(double(r.instructions[0]), 2.0 * n, 200.0);
}

// The 32 golden inputs of ../shared/golden/MODEL, concatenated, and TFLM's outputs for them.
std::pair<std::string, std::string> golden(const std::string& model) {
  std::string in, out;
  for (int k = 0; k < 32; ++k) {
    char name[16];
    std::snprintf(name, sizeof name, "%02d.bin", k);
    const fs::path dir = fs::path(MOTE_SHARED_DIR) / "golden" / model;
    in += slurp(dir / ("in_" + std::string(name)));
    out += slurp(dir / ("out_" + std::string(name)));
  }
  return {in, out};
}

class GoldenOnM4 : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenOnM4, GivesTflmBytesUnderQemu) {
  const std::string model = GetParam();
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  const fs::path file = fs::path(MOTE_SHARED_DIR) / "models" / (model + ".tflite");
  MOTE_REQUIRE(fs::exists(file)) << file << " is absent";
  const auto [in, want] = golden(model);
  TempDir dir;
  const nlohmann::json report = compile_for({model, file.string(), ""}, "cortex-m4", dir.path / "out");
  ASSERT_EQ(in.size(), 32 * report["input"]["bytes"].get<size_t>());
  RunOptions opt;
  opt.outdir = (dir.path / "out").string();
  opt.inputs = in;
  const RunResult r = run_on_qemu(opt);
  std::string got;
  for (const std::string& o : r.outputs) got += o;
  ASSERT_EQ(got.size(), want.size());
  int64_t equal = 0;
  for (size_t k = 0; k < got.size(); ++k) equal += got[k] == want[k];
  std::cout << "[golden-m4] " << model << ": " << equal << "/" << got.size() << " bytes equal TFLM's; instructions on golden input 0: "
            << r.instructions[0] << "\n";
  RecordProperty("instructions_in_00", std::to_string(r.instructions[0]));
  EXPECT_EQ(equal, int64_t(got.size())) << model << " on the M4 differs from TFLM's goldens";
}

INSTANTIATE_TEST_SUITE_P(MlperfTiny, GoldenOnM4, ::testing::Values("kws_ref_model", "pretrainedResnet_quant"));

// kws compiled for the M4 in a temp folder, for the error cases.
struct KwsM4 {
  TempDir dir;
  fs::path out = dir.path / "kws";
  std::string input;
  explicit KwsM4() {
    const nlohmann::json r = compile_for({"kws", std::string(MOTE_SHARED_DIR) + "/models/kws_ref_model.tflite", ""},
                                         "cortex-m4", out);
    input = random_inputs(r, 1, 3);
  }
  std::string run_error(int64_t max_instructions) const {
    RunOptions opt;
    opt.outdir = out.string();
    opt.inputs = input;
    opt.max_instructions = max_instructions;
    try {
      run_on_qemu(opt);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
};

TEST(QemuRun, ATimeoutNamesTheLayer) {
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  MOTE_REQUIRE(fs::exists(std::string(MOTE_SHARED_DIR) + "/models/kws_ref_model.tflite")) << "kws_ref_model is absent";
  const KwsM4 kws;
  // The first convolution alone takes millions of instructions.
  const std::string early = kws.run_error(100000);
  EXPECT_NE(early.find("timed out after 100000 instructions in layer 0 (Conv '"), std::string::npos) << early;
  EXPECT_NE(early.find("mote_conv2d_s8"), std::string::npos) << early;
  // A few hundred instructions short of the whole inference: inside the last layer, the softmax.
  RunOptions opt;
  opt.outdir = kws.out.string();
  opt.inputs = kws.input;
  const int64_t total = run_on_qemu(opt).instructions.at(0);
  const std::string late = kws.run_error(total - 400);
  EXPECT_NE(late.find("in layer 12 (Softmax 'Identity', mote_softmax_s8)"), std::string::npos) << late;
}

// Profiled, every layer with code reports its instructions, in model order; they add up to the
// unprofiled inference but for the timer reads between layers, and the outputs do not change.
TEST(QemuRun, ProfileTimesEveryLayer) {
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  MOTE_REQUIRE(fs::exists(std::string(MOTE_SHARED_DIR) + "/models/kws_ref_model.tflite")) << "kws_ref_model is absent";
  const KwsM4 kws;
  RunOptions opt;
  opt.outdir = kws.out.string();
  opt.inputs = kws.input;
  const RunResult plain = run_on_qemu(opt);
  EXPECT_TRUE(plain.layers.empty());
  opt.profile = true;
  const RunResult prof = run_on_qemu(opt);
  EXPECT_EQ(prof.outputs, plain.outputs);
  const nlohmann::json report = nlohmann::json::parse(slurp(kws.out / "report.json"));
  std::vector<int> want;
  for (size_t k = 0; k < report["layers"].size(); ++k) {
    const std::string kern = report["layers"][k].value("kernel", "");
    if (!kern.empty() && kern != "alias") want.push_back(int(k));
  }
  std::vector<int> got;
  int64_t sum = 0;
  for (const LayerCost& l : prof.layers) {
    got.push_back(l.node);
    EXPECT_GT(l.instructions, 0) << "layer " << l.node;
    sum += l.instructions;
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(prof.to_json()["layers"].size(), want.size());
  const int64_t total = plain.instructions.at(0);
  EXPECT_LE(sum, prof.instructions.at(0));
  EXPECT_NEAR(double(sum), double(total), 0.002 * double(total));
  // The first convolution is the costliest layer of DS-CNN's.
  EXPECT_GT(prof.layers.at(0).instructions, total / 10);
}

TEST(QemuRun, AFaultNamesTheLayer) {
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  MOTE_REQUIRE(fs::exists(std::string(MOTE_SHARED_DIR) + "/models/kws_ref_model.tflite")) << "kws_ref_model is absent";
  const KwsM4 kws;
  // Layer 2 made to read its input from an address nothing answers at.
  std::string c = slurp(kws.out / "kws.c");
  const std::string call = "st = mote_conv2d_s8_dsp(&l02_conv_p, (int8_t *)(arena + OFF_L01),";
  const size_t at = c.find(call);
  ASSERT_NE(at, std::string::npos);
  c.replace(at, call.size(), "st = mote_conv2d_s8_dsp(&l02_conv_p, (int8_t *)0xf0000000u,");
  spit(kws.out / "kws.c", c);
  const std::string e = kws.run_error(0);
  EXPECT_NE(e.find("faulted in layer 2 (Conv '"), std::string::npos) << e;
  EXPECT_NE(e.find("mote_conv2d_s8"), std::string::npos) << e;
}

TEST(QemuRun, RefusesCodeTheCoreCannotRun) {
  TempDir dir;
  write_loop_folder(dir.path / "loop", "host");
  RunOptions opt;
  opt.outdir = (dir.path / "loop").string();
  opt.inputs = turns({1});
  try {
    run_on_qemu(opt);
    FAIL() << "a folder compiled for host needs a --target";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("compiled for host"), std::string::npos) << e.what();
  }
}

// mote compile --part: a model too big for the part fails naming the memory and the bytes over,
// and leaves no output folder.
std::string compile_cli(const std::string& args, const fs::path& log, int* rc) {
  std::string out;
  *rc = shell(std::string(MOTE_CLI) + " compile " + args, log, &out);
  return out;
}

TEST(CompilePart, ModelTooBigForThePartIsRefusedBeforeAnyOutput) {
  const std::string kws = std::string(MOTE_SHARED_DIR) + "/models/kws_ref_model.tflite";
  const std::string resnet = std::string(MOTE_SHARED_DIR) + "/models/pretrainedResnet_quant.tflite";
  MOTE_REQUIRE(fs::exists(kws) && fs::exists(resnet)) << "the MLPerf Tiny models are absent";
  TempDir dir;
  int rc = 0;
  // kws: 16 kB of arena on a part with 8 kB of SRAM.
  std::string log = compile_cli(kws + " --target cortex-m0plus --part STM32L053C8 -o " + (dir.path / "a").string(),
                                dir.path / "a.log", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("does not fit STM32L053C8"), std::string::npos) << log;
  EXPECT_NE(log.find("RAM needs"), std::string::npos) << log;
  EXPECT_NE(log.find("the part has 8192 B"), std::string::npos) << log;
  EXPECT_EQ(log.find("flash needs"), std::string::npos) << "kws fits the part's 64 kB of flash: " << log;
  EXPECT_FALSE(fs::exists(dir.path / "a"));
  // ResNet-8: about 88 kB of flash and 34 kB of RAM on it.
  log = compile_cli(resnet + " --target cortex-m0plus --part STM32L053C8 -o " + (dir.path / "b").string(),
                    dir.path / "b.log", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("flash needs"), std::string::npos) << log;
  EXPECT_NE(log.find("the part has 65536 B"), std::string::npos) << log;
  EXPECT_NE(log.find("RAM needs"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir.path / "b"));
  // It fits the STM32L4R5 and says so.
  log = compile_cli(kws + " --target cortex-m4 --part stm32l4r5zi -o " + (dir.path / "c").string(), dir.path / "c.log", &rc);
  EXPECT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("fits stm32l4r5zi"), std::string::npos) << log;
  const nlohmann::json report = nlohmann::json::parse(slurp(dir.path / "c" / "report.json"));
  EXPECT_EQ(report["target_build"]["part"], "STM32L4R5ZI");
  // An unknown part lists the core's parts; a part needs a Cortex-M target.
  log = compile_cli(kws + " --target cortex-m4 --part STM32F999 -o " + (dir.path / "d").string(), dir.path / "d.log", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("parts: STM32L4R5ZI, STM32L412KB, nRF52840"), std::string::npos) << log;
  log = compile_cli(kws + " --part STM32L4R5ZI -o " + (dir.path / "e").string(), dir.path / "e.log", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("needs a Cortex-M --target"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir.path / "d") || fs::exists(dir.path / "e"));
}

}  // namespace
}  // namespace mote
