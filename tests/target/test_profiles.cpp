// The target profiles (src/target/profiles.json): one per Cortex-M lowering target and back,
// boards and linker scripts that exist, parts with their figures and a datasheet citation.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "lower/registry.h"
#include "target/profiles.h"
#include "util/error.h"
#include "util/resources.h"

namespace mote {
namespace {

TEST(Profiles, EveryCortexMTargetHasAProfileAndBack) {
  std::set<std::string> registered, profiled;
  for (const Target& t : targets())
    if (t.name != host_target().name) registered.insert(t.name);
  for (const Profile& p : profiles()) {
    EXPECT_NO_THROW(target_named(p.target)) << p.target;
    EXPECT_TRUE(profiled.insert(p.target).second) << p.target << " has two profiles";
  }
  EXPECT_EQ(registered, profiled);
  EXPECT_EQ(profiled.size(), 6u);
}

TEST(Profiles, BoardsAndLinkerScriptsExist) {
  const std::filesystem::path fw = data_path("target/firmware");
  for (const Profile& p : profiles()) {
    const Board& b = board_of(p);
    EXPECT_TRUE(std::filesystem::is_regular_file(fw / b.linker_script)) << b.linker_script;
    EXPECT_GE(b.systick_hz, 1e6) << b.name;
    EXPECT_FALSE(p.cflags.empty());
    EXPECT_EQ(p.cflags.front(), "-mcpu=" + p.target) << "the core's own -mcpu first";
  }
  // The boards the issue names for each core.
  EXPECT_EQ(profile_for("cortex-m0plus").board, "mps2-an385");
  EXPECT_EQ(profile_for("cortex-m3").board, "mps2-an385");
  EXPECT_EQ(profile_for("cortex-m4").board, "mps2-an386");
  EXPECT_EQ(profile_for("cortex-m7").board, "mps2-an500");
  EXPECT_EQ(profile_for("cortex-m33").board, "mps2-an505");
}

TEST(Profiles, PartsCarryFiguresAndACitation) {
  for (const Profile& p : profiles()) {
    EXPECT_GE(p.parts.size(), 2u) << p.target;
    for (const Part& q : p.parts) {
      EXPECT_GT(q.flash_bytes, 0) << q.name;
      EXPECT_GT(q.sram_bytes, 0) << q.name;
      EXPECT_GT(q.clock_mhz, 0) << q.name;
      EXPECT_GT(q.source.size(), 20u) << q.name << " cites no datasheet";
      if (q.active_ua_per_mhz) EXPECT_GT(*q.active_ua_per_mhz, 1.0) << q.name;
      if (q.sleep_ua) EXPECT_FALSE(q.sleep_mode.empty()) << q.name << " names no sleep mode";
    }
  }
  EXPECT_EQ(part_named(profile_for("cortex-m4"), "stm32l4r5zi").sram_bytes, 640 * 1024);
}

TEST(Profiles, UnknownNamesListTheKnownOnes) {
  try {
    profile_for("host");
    FAIL() << "host has no Cortex-M profile";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cortex-m4"), std::string::npos) << e.what();
  }
  try {
    part_named(profile_for("cortex-m4"), "STM32F999");
    FAIL() << "no such part";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("STM32L4R5ZI"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mote
