// Graph-level memory planning: tensor lifetimes from the node order, Alias ops and in-place outputs,
// per-node scratch, then one arena for all of them.
#include <algorithm>

#include "ir/op_registry.h"
#include "plan/planner.h"
#include "util/error.h"

namespace mote {

namespace {

// Lifetimes of every tensor, alias roots (Alias ops' and in-place outputs share their root's
// bytes) and the in-place choice of every node.
struct Liveness {
  std::vector<int> first, last, root;
  std::vector<int> in_place;  // per node: the input tensor its output overwrites, -1 if none
  std::vector<bool> output_group;  // per root: a graph output shares its bytes
};

// With `choose`, a node's output takes over the first of candidates[node] whose group is read
// by no later node and holds no graph input or output; without it, in_place[node] is taken as
// given and checked the same way. A node absorbed into another's call (fused[node] >= 0) reads
// at that call's step and its output, read only inside that call, has no buffer.
Liveness analyze(const Graph& g, const std::vector<std::vector<int>>* candidates, const std::vector<int>* given,
                 const std::vector<int>& fused) {
  const int num_tensors = int(g.tensors.size());
  const int num_nodes = int(g.nodes.size());
  const int last_step = std::max(num_nodes - 1, 0);
  auto check_id = [&](int t, const std::string& where) {
    if (t < -1 || t >= num_tensors) fail("plan: tensor id {} out of range in {}", t, where);
  };
  if (!fused.empty() && fused.size() != g.nodes.size())
    fail("plan: {} fused-into entries for {} nodes of graph '{}'", fused.size(), num_nodes, g.name);
  auto host = [&](int i) { return fused.empty() ? -1 : fused[size_t(i)]; };
  auto step = [&](int i) { return host(i) >= 0 ? host(i) : i; };
  for (int i = 0; i < num_nodes; ++i)
    if (host(i) >= 0 && (host(i) <= i || host(i) >= num_nodes || host(host(i)) >= 0))
      fail("plan: node '{}' is fused into node {}, which is no later unfused node", g.nodes[size_t(i)].name, host(i));

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
      if (producer[size_t(t)] < 0 && !is_input[size_t(t)])
        fail("plan: node '{}' reads tensor '{}', which has no producer and is no graph input", n.name, g.t(t).name);
      if (producer[size_t(t)] >= i)
        fail("plan: node '{}' reads tensor '{}' before it is produced", n.name, g.t(t).name);
      const int p = producer[size_t(t)];
      if (p >= 0 && host(p) >= 0) {  // the output of an absorbed node: only its call reads it
        if (step(i) != host(p))
          fail("plan: node '{}' reads '{}', which only exists inside node {}", n.name, g.t(t).name, host(p));
        continue;
      }
      last[size_t(t)] = std::max(last[size_t(t)], step(i));
    }
  }
  for (int i = 0; i < num_nodes; ++i)
    if (host(i) >= 0)
      for (int t : g.nodes[size_t(i)].outputs) first[size_t(t)] = last[size_t(t)] = -1;
  for (int t : g.outputs) {
    check_id(t, "graph outputs");
    if (g.t(t).is_const()) continue;
    if (producer[size_t(t)] >= 0 && host(producer[size_t(t)]) >= 0)
      fail("plan: graph output '{}' only exists inside node {}", g.t(t).name, host(producer[size_t(t)]));
    if (first[size_t(t)] < 0) fail("plan: graph output '{}' is never produced", g.t(t).name);
    last[size_t(t)] = last_step;
  }

  // An alias shares its root's bytes: Alias op outputs always, and the output of a node
  // that may compute in place over an input not read after it. Nodes are in topological order,
  // so roots resolve in one pass; root_last tracks the last step any member of a root's group is
  // read. A group holding a graph input or output is never written over.
  std::vector<int> root(g.tensors.size());
  std::vector<int> root_last = last;
  std::vector<bool> pinned(size_t(num_tensors), false);
  for (int t = 0; t < num_tensors; ++t) {
    root[size_t(t)] = t;
    pinned[size_t(t)] = is_input[size_t(t)] || g.is_graph_output(t);
  }
  auto join = [&](int in, int out) {
    int r = root[size_t(in)];
    root[size_t(out)] = r;
    root_last[size_t(r)] = std::max(root_last[size_t(r)], last[size_t(out)]);
    pinned[size_t(r)] = pinned[size_t(r)] || pinned[size_t(out)];
  };
  std::vector<int> in_place(size_t(num_nodes), -1);
  for (int i = 0; i < num_nodes; ++i) {
    const Node& n = g.nodes[size_t(i)];
    int out = n.out();
    if (host(i) >= 0 && given && (*given)[size_t(i)] >= 0)
      fail("plan: node '{}' runs inside node {} and has no output to write in place", n.name, host(i));
    if (g.t(out).is_const() || host(i) >= 0) continue;
    if (op_has(n.op, Alias)) {
      if (n.in(0) >= 0 && !g.t(n.in(0)).is_const()) join(n.in(0), out);
      continue;
    }
    std::vector<int> options;
    if (candidates && size_t(i) < candidates->size()) options = (*candidates)[size_t(i)];
    if (given && (*given)[size_t(i)] >= 0) options = {(*given)[size_t(i)]};
    for (int in : options) {
      const bool ok = in >= 0 && in < num_tensors && !g.t(in).is_const() && !pinned[size_t(root[size_t(in)])] &&
                      !pinned[size_t(out)] && root_last[size_t(root[size_t(in)])] == i &&
                      g.t(in).bytes() >= g.t(out).bytes();
      if (!ok) {
        if (given) fail("plan: node '{}' cannot write its output over '{}': it is read later or pinned", n.name, in >= 0 && in < num_tensors ? g.t(in).name : "?");
        continue;
      }
      join(in, out);
      in_place[size_t(i)] = in;
      break;
    }
  }

  std::vector<bool> output_group(size_t(num_tensors), false);
  for (int t : g.outputs) output_group[size_t(root[size_t(t)])] = true;
  return {first, last, root, in_place, output_group};
}

}  // namespace

std::vector<int> choose_in_place(const Graph& g, const std::vector<std::vector<int>>& candidates,
                                 const std::vector<int>& fused_into) {
  if (!candidates.empty() && candidates.size() != g.nodes.size())
    fail("plan: {} in-place candidate lists for {} nodes of graph '{}'", candidates.size(), g.nodes.size(), g.name);
  return analyze(g, &candidates, nullptr, fused_into).in_place;
}

MemoryPlan plan_memory(const Graph& g, const std::vector<int64_t>& scratch_bytes, const std::vector<int>& in_place,
                       const std::vector<int>& fused_into, const std::vector<std::optional<Overlap>>& overlap,
                       int64_t align) {
  const int num_tensors = int(g.tensors.size());
  const int num_nodes = int(g.nodes.size());
  if (!scratch_bytes.empty() && scratch_bytes.size() != g.nodes.size())
    fail("plan: {} scratch sizes given for {} nodes of graph '{}'", scratch_bytes.size(), num_nodes, g.name);
  if (!in_place.empty() && in_place.size() != g.nodes.size())
    fail("plan: {} in-place choices for {} nodes of graph '{}'", in_place.size(), num_nodes, g.name);
  if (!overlap.empty() && overlap.size() != g.nodes.size())
    fail("plan: {} overlaps for {} nodes of graph '{}'", overlap.size(), num_nodes, g.name);
  const std::vector<int> none(g.nodes.size(), -1);
  const Liveness lv = analyze(g, nullptr, in_place.empty() ? &none : &in_place, fused_into);
  const std::vector<int>& first = lv.first;
  const std::vector<int>& last = lv.last;
  const std::vector<int>& root = lv.root;

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

  // A streaming node's output may overlap its first input where that input's buffer holds
  // nothing read later, no graph output, and no more than that input (what the lag is about).
  std::vector<BufferLag> lags;
  for (int i = 0; i < int(overlap.size()); ++i) {
    if (!overlap[size_t(i)] || lv.in_place[size_t(i)] >= 0 || (!fused_into.empty() && fused_into[size_t(i)] >= 0)) continue;
    const Node& n = g.nodes[size_t(i)];
    const int in = n.in(0), out = n.out();
    if (in < 0 || g.t(in).is_const() || g.t(out).is_const()) continue;
    const int bi = buffer_of[size_t(root[size_t(in)])], bo = buffer_of[size_t(root[size_t(out)])];
    if (bi < 0 || bo < 0) continue;
    const BufferReq& r = reqs[size_t(bi)];
    if (r.last != i || r.size != int64_t(g.t(in).bytes()) || reqs[size_t(bo)].first != i || lv.output_group[size_t(root[size_t(in)])])
      continue;
    lags.push_back({bo, bi, *overlap[size_t(i)]});
  }

  BufferPlan buffers = plan_buffers(reqs, align, lags);
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
  plan.lower_bound = plan_lower_bound(reqs, align, lags);
  plan.buffers = reqs;
  plan.buffer_offset = buffers.offsets;
  plan.tensor_buffer.assign(size_t(num_tensors), -1);
  for (int t = 0; t < num_tensors; ++t)
    if (plan.tensor_offset[size_t(t)] >= 0) plan.tensor_buffer[size_t(t)] = buffer_of[size_t(root[size_t(t)])];
  return plan;
}

}  // namespace mote
