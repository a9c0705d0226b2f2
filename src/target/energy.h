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
