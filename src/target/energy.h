// What an inference costs on each part of a profile: cycles (the instruction count under QEMU
// as the proxy), latency at the part's clock, energy at its run current and supply, and how long
// a CR2032 lasts when the part infers at a given rate and sleeps in between.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "target/profiles.h"

namespace mote {

constexpr double kCr2032MilliampHours = 225.0;

// Cycles per MAC for an estimate where no run counted instructions, from the Cortex-M4 figures
// under QEMU in docs/results.md: mote's Armv7E-M kernels take 1.4 (kws_ref_model, 3,707,160
// instructions) to 1.9 (the pruned DS-CNN) instructions per MAC, its portable kernels 8.9
// (kws_ref_model, 23,760,120). An estimate: depthwise and pooling layers cost more per MAC.
constexpr double kDspCyclesPerMac = 1.6;
constexpr double kPortableCyclesPerMac = 8.9;

struct PartCost {
  std::string part;
  double clock_mhz = 0;
  int64_t cycles = 0;
  double latency_ms = 0;
  std::optional<double> energy_uj;      // absent: the part's run current is not in the profile
  std::optional<double> average_ua;     // at the rate, sleeping in between; absent without currents
  std::optional<double> battery_days;   // on a CR2032; absent without currents or when busy
  bool keeps_up = true;                 // the inference fits in one period of the rate
};

std::vector<PartCost> part_costs(const Profile& p, int64_t instructions, double rate_hz);
nlohmann::json costs_json(const std::vector<PartCost>& costs, double rate_hz);

}  // namespace mote
