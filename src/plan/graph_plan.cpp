// Graph-level memory planning: tensor lifetimes from the node order, Reshape/Identity aliases,
// per-node scratch, then one arena for all of them.
#include <algorithm>

#include "plan/planner.h"
#include "util/error.h"

namespace mote {

MemoryPlan plan_memory(const Graph& g, const std::vector<int64_t>& scratch_bytes, int64_t align) {
  const int num_tensors = int(g.tensors.size());
  const int num_nodes = int(g.nodes.size());
  if (!scratch_bytes.empty() && scratch_bytes.size() != g.nodes.size())
    fail("plan: {} scratch sizes given for {} nodes of graph '{}'", scratch_bytes.size(), num_nodes, g.name);
  const int last_step = std::max(num_nodes - 1, 0);
  auto check_id = [&](int t, const std::string& where) {
    if (t < -1 || t >= num_tensors) fail("plan: tensor id {} out of range in {}", t, where);
  };

  std::vector<int> producer(size_t(num_tensors), -1);
  std::vector<int> first(size_t(num_tensors), -1), last(size_t(num_tensors), -1);
  std::vector<bool> is_input(size_t(num_tensors), false);
  for (int t : g.inputs) {
    check_id(t, "graph inputs");
    is_input[size_t(t)] = true;
    first[size_t(t)] = 0;
    last[size_t(t)] = 0;
  }
  for (int i = 0; i < num_nodes; ++i) {
    const Node& n = g.nodes[size_t(i)];
    for (int t : n.outputs) {
      check_id(t, "node '" + n.name + "'");
      if (t < 0) fail("plan: node '{}' has an absent output", n.name);
      if (producer[size_t(t)] >= 0 || is_input[size_t(t)])
        fail("plan: tensor '{}' is written by node '{}' but already has a value", g.t(t).name, n.name);
      producer[size_t(t)] = i;
      first[size_t(t)] = last[size_t(t)] = i;
    }
  }
  for (int i = 0; i < num_nodes; ++i) {
    const Node& n = g.nodes[size_t(i)];
    for (int t : n.inputs) {
      check_id(t, "node '" + n.name + "'");
      if (t < 0 || g.t(t).is_const()) continue;
      if (first[size_t(t)] < 0)
        fail("plan: node '{}' reads tensor '{}', which has no producer and is no graph input", n.name, g.t(t).name);
      if (producer[size_t(t)] >= i)
        fail("plan: node '{}' reads tensor '{}' before it is produced", n.name, g.t(t).name);
      last[size_t(t)] = std::max(last[size_t(t)], i);
    }
  }
  for (int t : g.outputs) {
    check_id(t, "graph outputs");
    if (g.t(t).is_const()) continue;
    if (first[size_t(t)] < 0) fail("plan: graph output '{}' is never produced", g.t(t).name);
    last[size_t(t)] = last_step;
  }

  // An alias shares its root's bytes; nodes are in topological order, so roots resolve in one pass.
  std::vector<int> root(g.tensors.size());
  for (int t = 0; t < num_tensors; ++t) root[size_t(t)] = t;
  for (const Node& n : g.nodes) {
    if (n.op != OpKind::Reshape && n.op != OpKind::Identity) continue;
    int in = n.in(0), out = n.out();
    if (in < 0 || g.t(in).is_const() || g.t(out).is_const()) continue;
    root[size_t(out)] = root[size_t(in)];
  }

  // One buffer per root, covering the lifetimes and sizes of all its aliases.
  std::vector<int> buffer_of(size_t(num_tensors), -1);
  std::vector<BufferReq> reqs;
  for (int t = 0; t < num_tensors; ++t) {
    if (first[size_t(t)] < 0 || g.t(t).is_const()) continue;
    int r = root[size_t(t)];
    if (buffer_of[size_t(r)] < 0) {
      buffer_of[size_t(r)] = int(reqs.size());
      reqs.push_back({0, first[size_t(t)], last[size_t(t)]});
    }
    BufferReq& b = reqs[size_t(buffer_of[size_t(r)])];
    b.size = std::max(b.size, int64_t(g.t(t).bytes()));
    b.first = std::min(b.first, first[size_t(t)]);
    b.last = std::max(b.last, last[size_t(t)]);
  }
  std::vector<int> scratch_buffer(size_t(num_nodes), -1);
  for (int i = 0; i < int(scratch_bytes.size()); ++i) {
    if (scratch_bytes[size_t(i)] < 0)
      fail("plan: node '{}' asks for {} scratch bytes", g.nodes[size_t(i)].name, scratch_bytes[size_t(i)]);
    if (scratch_bytes[size_t(i)] == 0) continue;
    scratch_buffer[size_t(i)] = int(reqs.size());
    reqs.push_back({scratch_bytes[size_t(i)], i, i});
  }

  BufferPlan buffers = plan_buffers(reqs, align);
  MemoryPlan plan;
  plan.tensor_offset.assign(size_t(num_tensors), -1);
  for (int t = 0; t < num_tensors; ++t) {
    int b = buffer_of[size_t(root[size_t(t)])];
    if (b >= 0 && first[size_t(t)] >= 0 && !g.t(t).is_const()) plan.tensor_offset[size_t(t)] = buffers.offsets[size_t(b)];
  }
  plan.scratch_offset.assign(size_t(num_nodes), -1);
  for (int i = 0; i < num_nodes; ++i)
    if (scratch_buffer[size_t(i)] >= 0) plan.scratch_offset[size_t(i)] = buffers.offsets[size_t(scratch_buffer[size_t(i)])];
  plan.arena_bytes = buffers.arena_bytes;
  plan.greedy_bytes = plan_greedy_by_size(reqs, align).arena_bytes;
  plan.lower_bound = plan_lower_bound(reqs, align);
  return plan;
}

}  // namespace mote
