// The Cortex-M target profiles (src/target/profiles.json, one file): per lowering target the
// gcc flags, the QEMU board that runs its code and real parts with their memory, clock and
// currents, each citing its datasheet.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mote {

struct Part {
  std::string name;
  int64_t flash_bytes = 0, sram_bytes = 0;
  double clock_mhz = 0;
  std::optional<double> active_ua_per_mhz;  // run-mode current per MHz; absent if not published
  std::optional<double> sleep_ua;           // in sleep_mode
  std::string sleep_mode;
  double vdd = 0;                           // supply the figures are given at, volts
  std::string source, checked;              // datasheet citation; where it was re-read (may be empty)
};

// A QEMU machine: its name is the -machine argument.
struct Board {
  std::string name, cpu, linker_script, note;  // linker_script: a file in target/firmware
  double systick_hz = 0;                       // SysTick's clock with CLKSOURCE=1 (the core clock)
};

struct Profile {
  std::string target;                // a lowering target of lower/registry.h
  std::string title;
  std::vector<std::string> cflags;   // -mcpu, -mthumb, float ABI and FPU
  std::string board;                 // the Board that runs this code
  std::vector<Part> parts;
};

const std::vector<Profile>& profiles();
const std::vector<Board>& boards();
// The profile of lowering target `target`; throws mote::Error listing the Cortex-M targets.
const Profile& profile_for(const std::string& target);
const Board& board_of(const Profile& p);
// `p`'s part called `name` (case-insensitive); throws naming the parts of `p`.
const Part& part_named(const Profile& p, const std::string& name);

}  // namespace mote
