#include "target/energy.h"

namespace mote {

std::vector<PartCost> part_costs(const Profile& p, int64_t instructions, double rate_hz) {
  std::vector<PartCost> r;
  for (const Part& q : p.parts) {
    PartCost c;
    c.part = q.name;
    c.clock_mhz = q.clock_mhz;
    c.cycles = instructions;  // one instruction per cycle: the proxy the issue fixes
    const double seconds = double(instructions) / (q.clock_mhz * 1e6);
    c.latency_ms = seconds * 1e3;
    c.keeps_up = seconds * rate_hz <= 1.0;
    if (q.active_ua_per_mhz) {
      const double active_ua = *q.active_ua_per_mhz * q.clock_mhz;
      c.energy_uj = active_ua * q.vdd * seconds;  // uA x V x s = uJ
      if (q.sleep_ua && c.keeps_up) {
        const double duty = seconds * rate_hz;
        c.average_ua = duty * active_ua + (1 - duty) * *q.sleep_ua;
        c.battery_days = kCr2032MilliampHours * 1e3 / *c.average_ua / 24.0;
      }
    }
    r.push_back(c);
  }
  return r;
}

nlohmann::json costs_json(const std::vector<PartCost>& costs, double rate_hz) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json parts = nlohmann::json::array();
  for (const PartCost& c : costs)
    parts.push_back({{"part", c.part},
                     {"clock_mhz", c.clock_mhz},
                     {"cycles", c.cycles},
                     {"latency_ms", c.latency_ms},
                     {"energy_uj", opt(c.energy_uj)},
                     {"average_ua", opt(c.average_ua)},
                     {"cr2032_days", opt(c.battery_days)},
                     {"keeps_up", c.keeps_up}});
  return {{"rate_hz", rate_hz}, {"battery", "CR2032, 225 mAh"}, {"parts", parts}};
}

}  // namespace mote
