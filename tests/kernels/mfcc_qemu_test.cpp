// The audio front end on a Cortex-M4: the runtime's log-mel / MFCC sources cross-built with
// arm-none-eabi-gcc at -O0, -Os and -O2 and run on qemu-system-arm (mps2-an386, semihosting, -icount shift=0)
// over frames of several signals; every output (int8 features and the values before
// quantization) must be the host's bytes. SysTick times each frame: instructions per 20 ms
// frame, checked on a loop of known length first.
#include <gtest/gtest.h>

#include <regex>

#include "dsp/mfcc.h"
#include "e2e/e2e_util.h"
#include "mfcc_signals.h"
#include "qemu_util.h"
#include "require.h"
#include "target/profiles.h"

namespace mote {
namespace {

using test::c_array;
using test::Rng;

TEST(MfccQemu, CortexM4GivesTheHostBytes) {
  TempDir probe;
  std::string log;
  MOTE_REQUIRE(shell("(arm-none-eabi-gcc --version && qemu-system-arm --version)", probe.path / "probe.log", &log) == 0)
      << "arm-none-eabi-gcc and qemu-system-arm are needed";
  const Profile& prof = profile_for("cortex-m4");
  const Board& board = board_of(prof);
  const MfccSettings s;
  const MfccTables t = mfcc_tables(s);
  const mote_mfcc_params p = t.params();

  // One frame of each kind of signal, and its host outputs.
  Rng r(31);
  const std::vector<test::Signal> sig = {test::tone(r, 1000.0, -0.1, 480), test::tone(r, 440.0, -40.0, 480),
                                         test::noise(r, -20.0, 480),        test::chirp(50.0, 7900.0, -1.0, 480),
                                         test::square(300.0, 480),          {"silence", std::vector<int16_t>(480, 0)}};
  const size_t n = sig.size(), nm = size_t(s.n_mel), nc = size_t(s.n_mfcc);
  std::vector<int16_t> x;
  std::vector<int8_t> mel(n * nm), mfcc(n * nc);
  std::vector<int32_t> l2(n * nm), c15(n * nc), scratch(mote_mfcc_s16_scratch_bytes(&p) / 4);
  for (size_t i = 0; i < n; ++i) {
    x.insert(x.end(), sig[i].x.begin(), sig[i].x.end());
    ASSERT_EQ(mote_mfcc_s16(&p, sig[i].x.data(), &mel[i * nm], &mfcc[i * nc], &l2[i * nm], &c15[i * nc], scratch.data()),
              MOTE_OK);
  }

  std::string c = "#include <stdio.h>\n#include <string.h>\n#include \"mote/audio.h\"\n";
  c += c_array("int32_t", "window", t.window.data(), t.window.size()) +
       c_array("int32_t", "twiddle", t.twiddle.data(), t.twiddle.size()) +
       c_array("int16_t", "mel_first", t.mel_first.data(), t.mel_first.size()) +
       c_array("int16_t", "mel_count", t.mel_count.data(), t.mel_count.size()) +
       c_array("int16_t", "mel_weight", t.mel_weight.data(), t.mel_weight.size()) +
       c_array("int16_t", "dct", t.dct.data(), t.dct.size()) + c_array("int16_t", "x", x.data(), x.size()) +
       c_array("int8_t", "want_mel", mel.data(), mel.size()) + c_array("int8_t", "want_mfcc", mfcc.data(), mfcc.size()) +
       c_array("int32_t", "want_l2", l2.data(), l2.size()) + c_array("int32_t", "want_c15", c15.data(), c15.size());
  c += "static const mote_mfcc_params p = {" + std::to_string(p.window_len) + ", " + std::to_string(p.fft_len) + ", " +
       std::to_string(p.n_mel) + ", " + std::to_string(p.n_mfcc) + ", window, twiddle, mel_first, mel_count, mel_weight, " +
       std::to_string(p.log_floor) + ", dct, " + std::to_string(p.mel_mult) + ", " + std::to_string(p.mel_shift) + ", " +
       std::to_string(p.mel_zp) + ", " + std::to_string(p.mfcc_mult) + ", " + std::to_string(p.mfcc_shift) + ", " +
       std::to_string(p.mfcc_zp) + "};\n";
  c += "static int32_t scratch[" + std::to_string(scratch.size()) + "];\n" +
       "#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)\n#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)\n"
       "#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)\n"
       "static void spin(uint32_t k) { __asm__ volatile(\"1: subs %0, %0, #1\\n bne 1b\" : \"+r\"(k) : : \"cc\"); }\n"
       "int main(void) {\n  int bad = 0;\n  uint32_t t0, t1;\n  size_t i;\n"
       "  SYST_RVR = 0xFFFFFFu;\n  SYST_CVR = 0u;\n  SYST_CSR = 5u; /* core clock, no interrupt */\n"
       "  t0 = SYST_CVR;\n  spin(100000u);\n  t1 = SYST_CVR;\n"
       "  printf(\"spin ticks %lu\\n\", (unsigned long)((t0 - t1) & 0xFFFFFFu));\n"
       "  for (i = 0; i < " + std::to_string(n) + "u; ++i) {\n"
       "    int8_t mel[" + std::to_string(nm) + "], mfcc[" + std::to_string(nc) + "];\n"
       "    int32_t l2[" + std::to_string(nm) + "], c15[" + std::to_string(nc) + "];\n"
       "    t0 = SYST_CVR;\n"
       "    if (mote_mfcc_s16(&p, x + i * 480u, mel, mfcc, l2, c15, scratch) != MOTE_OK) ++bad;\n"
       "    t1 = SYST_CVR;\n"
       "    printf(\"frame ticks %lu\\n\", (unsigned long)((t0 - t1) & 0xFFFFFFu));\n"
       "    if (memcmp(mel, want_mel + i * sizeof mel, sizeof mel) != 0 || memcmp(mfcc, want_mfcc + i * sizeof mfcc, sizeof mfcc) != 0 ||\n"
       "        memcmp(l2, want_l2 + i * " + std::to_string(nm) + "u, sizeof l2) != 0 || memcmp(c15, want_c15 + i * " +
       std::to_string(nc) + "u, sizeof c15) != 0) {\n"
       "      printf(\"frame %u differs\\n\", (unsigned)i);\n      ++bad;\n    }\n  }\n"
       "  printf(\"mfcc frames: %d of " + std::to_string(n) + " differ\\n\", bad);\n  return 0;\n}\n";
  std::string flags;
  for (const std::string& f : prof.cflags) flags += " " + f;
  const fs::path rt = fs::path(MOTE_SOURCE_DIR) / "runtime";
  const std::string sources = " '" + (rt / "src/dsp/fft_s32.c").string() + "' '" + (rt / "src/dsp/mfcc_s16.c").string() +
                              "' '" + (rt / "src/kernels/fixedpoint.c").string() + "'";
  // Every optimization level gives the same bytes; -O2 (last) is timed.
  for (const char* opt : {"-O0", "-Os", "-O2"}) {
    TempDir dir;
    spit(dir.path / "main.c", c);
    spit(dir.path / "startup.c", test::kStartup);
    spit(dir.path / "board.ld", test::linker_script("0x00000000", "0x20000000"));
    const std::string build = "(cd '" + dir.path.string() + "' && arm-none-eabi-gcc" + flags + " -O2 -c startup.c -o startup.o && " +
                              "arm-none-eabi-gcc" + flags + " " + opt + " -std=c99 -Wall -Wextra -Werror -pedantic -I '" +
                              (rt / "include").string() + "'" + sources + " main.c startup.o --specs=rdimon.specs -T board.ld -o fw.elf)";
    ASSERT_EQ(shell(build, dir.path / "build.log", &log), 0) << opt << " build failed:\n" << log.substr(0, 4000);
    const std::string run = "timeout 300 qemu-system-arm -machine " + board.name +
                            " -icount shift=0 -semihosting -nographic -kernel '" + (dir.path / "fw.elf").string() + "'";
    ASSERT_EQ(shell(run, dir.path / "run.log", &log), 0) << opt << " run failed:\n" << log;
    EXPECT_NE(log.find("mfcc frames: 0 of " + std::to_string(n) + " differ"), std::string::npos) << opt << ":\n" << log;
  }

  // Instructions = ticks * 1e9 / systick_hz (icount: 1 ns per instruction); the spin loop runs
  // 2 instructions per iteration.
  const double per_tick = 1e9 / board.systick_hz;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, std::regex("spin ticks (\\d+)"))) << log;
  EXPECT_NEAR(std::stod(m[1]) * per_tick, 200000.0, 2000.0) << "SysTick does not count instructions:\n" << log;
  std::vector<double> instr;
  const std::regex frame("frame ticks (\\d+)");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), frame); it != std::sregex_iterator(); ++it)
    instr.push_back(std::stod((*it)[1]) * per_tick);
  ASSERT_EQ(instr.size(), n) << log;
  std::string line;
  for (size_t i = 0; i < n; ++i) line += " " + sig[i].name + ": " + std::to_string(int64_t(instr[i])) + ";";
  std::printf("mfcc on cortex-m4 (-O2), instructions per 20 ms frame:%s scratch %zu bytes, tables %zu bytes\n", line.c_str(),
              mote_mfcc_s16_scratch_bytes(&p), t.table_bytes());
  for (size_t i = 0; i + 1 < n; ++i) EXPECT_LT(instr[i], 150000.0) << sig[i].name;  // the silent frame skips the FFT
}

}  // namespace
}  // namespace mote
