// Static memory planning: every activation and scratch buffer gets an offset in one arena.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "ir/ir.h"

namespace mote {

// A buffer live from step `first` to step `last` inclusive (steps are node indices).
struct BufferReq {
  int64_t size = 0;
  int first = 0;
  int last = 0;
};

// Where a kernel that streams through its input may put its output over it: starting at least
// `lag` bytes below the input's start (walking from the first element) or, `above`, at least
// `lag` bytes above it (walking from the last); lag may be negative. It then never writes over
// input it has yet to read.
struct Overlap {
  int64_t lag = 0;
  bool above = false;
};

// Buffer `out` may share bytes with buffer `in` at the one step where `in` is last read and
// `out` first written, placed as `overlap` says; otherwise the two stay disjoint as usual.
struct BufferLag {
  int out = 0, in = 0;  // indices into the requests
  Overlap overlap;
};

struct BufferPlan {
  std::vector<int64_t> offsets;  // one per request
  int64_t arena_bytes = 0;
};

// Offsets such that no two buffers live at the same step overlap, but as `lags` allow; never
// larger than greedy-by-size (TFLM's planner). Offsets are aligned to `align`. Each lag's `in`
// must end at the step its `out` starts, and no buffer may take part in two lags at one step.
BufferPlan plan_buffers(const std::vector<BufferReq>& reqs, int64_t align = 4, const std::vector<BufferLag>& lags = {});
// TFLM's greedy-by-size, the baseline the planner must never exceed.
BufferPlan plan_greedy_by_size(const std::vector<BufferReq>& reqs, int64_t align = 4);
// No plan can use fewer bytes: at the busiest step every live buffer but the topmost one
// takes its size rounded up to `align`; a pair of `lags` live there takes at least the extent
// of its closest overlap.
int64_t plan_lower_bound(const std::vector<BufferReq>& reqs, int64_t align = 4, const std::vector<BufferLag>& lags = {});

struct MemoryPlan {
  std::vector<int64_t> tensor_offset;   // per tensor id: arena offset, -1 for constants / unplanned
  std::vector<int64_t> scratch_offset;  // per node: offset of its scratch buffer, -1 if none
  int64_t arena_bytes = 0;
  int64_t greedy_bytes = 0;             // what greedy-by-size would need (for the report)
  int64_t lower_bound = 0;
  // What was placed, for the report's memory timeline: each buffer (a tensor with its aliases,
  // or a node's scratch) with its steps and offset, and per tensor the buffer holding it (-1: none).
  std::vector<BufferReq> buffers;
  std::vector<int64_t> buffer_offset;
  std::vector<int> tensor_buffer;
};

// Per node, the input tensor its output takes over, chosen among candidates[node] (the inputs the
// node's kernel may write over; empty = none): the first one that no later node reads and that
// shares no bytes with a graph input or output. -1 where none qualifies. fused_into as for
// plan_memory.
std::vector<int> choose_in_place(const Graph& g, const std::vector<std::vector<int>>& candidates,
                                 const std::vector<int>& fused_into = {});

// Plans every non-constant tensor (graph inputs and outputs included) and each node's scratch
// (`scratch_bytes[node]`, 0 = none; an empty vector means no scratch at all). Node i runs at
// step i; graph inputs are live from step 0, graph outputs to the last step. The outputs of Alias
// ops (Reshape, Identity) share their input's bytes, through chains of them; so does the output
// of node i with its input in_place[i] (>= 0; from choose_in_place; empty = none), which is
// checked to be legal. A node i with fused_into[i] >= 0 runs inside that later node's call (a
// conv chain; empty = none): its reads count at that step and its output, which only that call
// may read, gets no buffer (offset -1). A node not in place with overlap[i] set streams: its
// output may lie over its first input as that says, where no later node reads that input's
// bytes (a graph input may be overlapped: the generated code reads its copy in the arena).
MemoryPlan plan_memory(const Graph& g, const std::vector<int64_t>& scratch_bytes, const std::vector<int>& in_place = {},
                       const std::vector<int>& fused_into = {}, const std::vector<std::optional<Overlap>>& overlap = {},
                       int64_t align = 4);

}  // namespace mote
