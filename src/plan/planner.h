// Static memory planning: every activation and scratch buffer gets an offset in one arena.
#pragma once
#include <cstdint>
#include <vector>

#include "ir/ir.h"

namespace mote {

// A buffer live from step `first` to step `last` inclusive (steps are node indices).
struct BufferReq {
  int64_t size = 0;
  int first = 0;
  int last = 0;
};

struct BufferPlan {
  std::vector<int64_t> offsets;  // one per request
  int64_t arena_bytes = 0;
};

// Offsets such that no two buffers live at the same step overlap; never larger than
// greedy-by-size (TFLM's planner). Offsets are aligned to `align`.
BufferPlan plan_buffers(const std::vector<BufferReq>& reqs, int64_t align = 4);
// TFLM's greedy-by-size, the baseline the planner must never exceed.
BufferPlan plan_greedy_by_size(const std::vector<BufferReq>& reqs, int64_t align = 4);
// No plan can use fewer bytes: at the busiest step every live buffer but the topmost one
// takes its size rounded up to `align`.
int64_t plan_lower_bound(const std::vector<BufferReq>& reqs, int64_t align = 4);

struct MemoryPlan {
  std::vector<int64_t> tensor_offset;   // per tensor id: arena offset, -1 for constants / unplanned
  std::vector<int64_t> scratch_offset;  // per node: offset of its scratch buffer, -1 if none
  int64_t arena_bytes = 0;
  int64_t greedy_bytes = 0;             // what greedy-by-size would need (for the report)
  int64_t lower_bound = 0;
};

struct PlanOptions {
  // Let a node's output overwrite an input (in_place_inputs). mote's kernels allow it; TFLM's
  // do not, so a plan stored in a .tflite turns it off.
  bool in_place = true;
};

// Plans every non-constant tensor (graph inputs and outputs included) and each node's scratch
// (`scratch_bytes[node]`, 0 = none; an empty vector means no scratch at all). Node i runs at
// step i; graph inputs are live from step 0, graph outputs to the last step. The outputs of
// Reshape and Identity share their input's bytes (same offset), through chains of them.
MemoryPlan plan_memory(const Graph& g, const std::vector<int64_t>& scratch_bytes, int64_t align = 4,
                       PlanOptions opt = {});

// Per node, the input tensor whose buffer its output overwrites in plan_memory's plan (-1 if
// none): elementwise ops over a same-shaped input, and int8 stride-1 Convs whose output has the
// input's shape, when that input is not read later and is no graph input or output. Lowering
// reads it to give such Convs their in-place ring scratch.
std::vector<int> in_place_inputs(const Graph& g);

}  // namespace mote
