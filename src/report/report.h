// report.json: what a compiled model costs, from the pipeline's graph, its kernel calls and its
// memory plan: params, MACs, flash (weights and tables), RAM (arena), one row per layer.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/ir.h"
#include "lower/lower.h"
#include "plan/planner.h"

namespace mote {

nlohmann::json make_report(const Graph& g, const std::vector<KernelCall>& calls, const MemoryPlan& plan,
                           const std::string& name);

}  // namespace mote
