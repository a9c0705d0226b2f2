// Memory planner: properties over random buffer sets, hand-worked cases with known optima, and
// graph-level plans (lifetimes, aliases, scratch).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "ir/op_registry.h"
#include "plan/planner.h"

namespace mote {
namespace {

// Every property a plan must have, with the first violation as the failure message.
// Two buffers of a lag may overlap when the output starts at least `lag` below the input.
::testing::AssertionResult valid_plan(const std::vector<BufferReq>& reqs, const BufferPlan& plan, int64_t align,
                                      const std::vector<BufferLag>& lags = {}) {
  if (plan.offsets.size() != reqs.size())
    return ::testing::AssertionFailure() << plan.offsets.size() << " offsets for " << reqs.size() << " buffers";
  int64_t top = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    int64_t o = plan.offsets[i];
    if (reqs[i].size == 0) {
      if (o != 0) return ::testing::AssertionFailure() << "empty buffer " << i << " at offset " << o;
      continue;
    }
    if (o < 0 || o % align != 0)
      return ::testing::AssertionFailure() << "buffer " << i << " at offset " << o << ", align " << align;
    top = std::max(top, o + reqs[i].size);
    for (size_t j = 0; j < i; ++j) {
      if (reqs[j].size == 0) continue;
      bool live_together = reqs[i].first <= reqs[j].last && reqs[j].first <= reqs[i].last;
      bool disjoint = o + reqs[i].size <= plan.offsets[j] || plan.offsets[j] + reqs[j].size <= o;
      for (const BufferLag& l : lags)
        if ((size_t(l.out) == i && size_t(l.in) == j) || (size_t(l.out) == j && size_t(l.in) == i))
          disjoint = disjoint || (l.overlap.above ? plan.offsets[size_t(l.out)] >= plan.offsets[size_t(l.in)] + l.overlap.lag
                                                  : plan.offsets[size_t(l.out)] <= plan.offsets[size_t(l.in)] - l.overlap.lag);
      if (live_together && !disjoint)
        return ::testing::AssertionFailure() << "buffers " << j << " and " << i << " overlap";
    }
  }
  if (plan.arena_bytes != top)
    return ::testing::AssertionFailure() << "arena " << plan.arena_bytes << " but buffers end at " << top;
  return ::testing::AssertionSuccess();
}

// Reproducible across standard libraries: raw mt19937 words only.
struct Rng {
  std::mt19937 gen;
  explicit Rng(uint32_t seed) : gen(seed) {}
  int64_t in(int64_t lo, int64_t hi) { return lo + int64_t(gen() % uint64_t(hi - lo + 1)); }
};

int64_t random_size(Rng& r) {
  int64_t kind = r.in(0, 19);
  if (kind == 0) return 0;
  if (kind <= 4) return r.in(1, 17);
  if (kind <= 14) return r.in(1, 1000);
  return r.in(1000, 50000);
}

// Half the sets have arbitrary lifetimes, half look like a network: mostly short lifetimes
// that follow the step order, with a few long skips.
std::vector<BufferReq> random_reqs(Rng& r) {
  int n = int(r.in(1, 60));
  std::vector<BufferReq> reqs(static_cast<size_t>(n));
  bool netlike = r.in(0, 1) == 1;
  int steps = int(r.in(1, 80));
  for (int i = 0; i < n; ++i) {
    BufferReq& b = reqs[size_t(i)];
    b.size = random_size(r);
    if (netlike) {
      b.first = i;
      b.last = i + int(r.in(0, 9) == 0 ? r.in(2, 12) : r.in(0, 2));
    } else {
      b.first = int(r.in(0, steps - 1));
      b.last = int(r.in(b.first, steps - 1));
    }
  }
  return reqs;
}

TEST(Planner, RandomSetsKeepEveryProperty) {
  const int kCases = 3000;
  const int64_t aligns[] = {1, 4, 8, 16};
  Rng rng(20240611);
  int better = 0, at_lower = 0, greedy_at_lower = 0;
  double sum_saving = 0, max_saving = 0;
  for (int c = 0; c < kCases; ++c) {
    std::vector<BufferReq> reqs = random_reqs(rng);
    int64_t align = aligns[rng.in(0, 3)];
    BufferPlan greedy = plan_greedy_by_size(reqs, align);
    BufferPlan best = plan_buffers(reqs, align);
    int64_t lower = plan_lower_bound(reqs, align);
    ASSERT_TRUE(valid_plan(reqs, greedy, align)) << "greedy, case " << c;
    ASSERT_TRUE(valid_plan(reqs, best, align)) << "plan_buffers, case " << c;
    ASSERT_LE(best.arena_bytes, greedy.arena_bytes) << "case " << c;
    ASSERT_GE(best.arena_bytes, lower) << "case " << c;
    if (best.arena_bytes < greedy.arena_bytes) {
      ++better;
      double saving = 1.0 - double(best.arena_bytes) / double(greedy.arena_bytes);
      sum_saving += saving;
      max_saving = std::max(max_saving, saving);
    }
    at_lower += best.arena_bytes == lower;
    greedy_at_lower += greedy.arena_bytes == lower;
  }
  std::printf("[planner] %d random sets: plan_buffers beats greedy-by-size in %d (%.1f%%); "
              "mean saving %.2f%% over those, %.3f%% over all, max %.1f%%; at the lower bound: "
              "plan_buffers %d, greedy %d\n",
              kCases, better, 100.0 * better / kCases, better ? 100.0 * sum_saving / better : 0.0,
              100.0 * sum_saving / kCases, 100.0 * max_saving, at_lower, greedy_at_lower);
  ::testing::Test::RecordProperty("better_than_greedy", better);
  ::testing::Test::RecordProperty("mean_saving_when_better_pct_x100",
                                  better ? int(10000.0 * sum_saving / better) : 0);
  ::testing::Test::RecordProperty("max_saving_pct_x100", int(10000.0 * max_saving));
  ::testing::Test::RecordProperty("at_lower_bound", at_lower);
  // Greedy is known to be beaten on a sizeable share of such sets; a planner that never is
  // not doing its job.
  EXPECT_GT(better, kCases / 20);
}

// Chains where each buffer is read at the step after it is written, as a network's activations,
// and a random share of neighbours may overlap by a random lag (negative ones too).
TEST(Planner, RandomSetsWithLagsKeepEveryProperty) {
  Rng rng(20261202);
  int overlapped = 0;
  for (int c = 0; c < 1500; ++c) {
    const int n = int(rng.in(2, 40));
    std::vector<BufferReq> reqs;
    std::vector<BufferLag> lags;
    for (int i = 0; i < n; ++i) {
      reqs.push_back({random_size(rng), i, i + (rng.in(0, 7) == 0 ? int(rng.in(2, 6)) : 1)});
      const int prev = i - 1;
      if (prev >= 0 && reqs[size_t(prev)].last == i && rng.in(0, 2) > 0) {
        const int64_t a = reqs[size_t(prev)].size, b = reqs[size_t(i)].size;
        const bool above = rng.in(0, 1) == 1;
        lags.push_back({i, prev, {rng.in((above ? a - b : b - a) - 3, std::max<int64_t>(above ? a : b, 1) + 3), above}});
      }
    }
    const int64_t align = rng.in(0, 1) ? 4 : 1;
    const BufferPlan greedy = plan_greedy_by_size(reqs, align);
    const BufferPlan best = plan_buffers(reqs, align, lags);
    ASSERT_TRUE(valid_plan(reqs, best, align, lags)) << "case " << c;
    ASSERT_LE(best.arena_bytes, greedy.arena_bytes) << "case " << c;
    ASSERT_GE(best.arena_bytes, plan_lower_bound(reqs, align, lags)) << "case " << c;
    overlapped += !valid_plan(reqs, best, align);
  }
  EXPECT_GT(overlapped, 300);  // the lags are used, not only allowed
}

// An expanding layer: 100 bytes in, 150 out, the output allowed 50 below its input. Overlapped
// they take 150 bytes instead of 250; a lag of 60 gives 160, a negative one lets the two start
// together, and a lag above the output's size is no better than keeping the two apart.
TEST(Planner, LagOverlapsStreamingNeighbours) {
  const std::vector<BufferReq> reqs = {{100, 0, 1}, {150, 1, 2}};
  for (auto [lag, arena] : {std::pair<int64_t, int64_t>{50, 150}, {60, 160}, {-20, 150}, {400, 250}}) {
    const std::vector<BufferLag> lags = {{1, 0, {lag}}};
    const BufferPlan p = plan_buffers(reqs, 1, lags);
    EXPECT_TRUE(valid_plan(reqs, p, 1, lags)) << lag;
    EXPECT_EQ(p.arena_bytes, arena) << lag;
    EXPECT_EQ(plan_lower_bound(reqs, 1, lags), arena) << lag;
  }
  EXPECT_EQ(plan_buffers(reqs, 1).arena_bytes, 250);
  // Walked from the end, the output may start 20 above the input: 170 bytes; at its start, 150.
  for (auto [lag, arena] : {std::pair<int64_t, int64_t>{20, 170}, {0, 150}, {-30, 150}}) {
    const std::vector<BufferLag> lags = {{1, 0, {lag, true}}};
    const BufferPlan p = plan_buffers(reqs, 1, lags);
    EXPECT_TRUE(valid_plan(reqs, p, 1, lags)) << lag;
    EXPECT_EQ(p.arena_bytes, arena) << lag;
    EXPECT_EQ(plan_lower_bound(reqs, 1, lags), arena) << lag;
  }
}

TEST(Planner, RejectsBadLags) {
  const std::vector<BufferReq> reqs = {{100, 0, 1}, {150, 1, 2}, {10, 2, 3}};
  EXPECT_THROW(plan_buffers(reqs, 4, {{0, 1, {}}}), Error);             // buffer 1 does not end where 0 starts
  EXPECT_THROW(plan_buffers(reqs, 4, {{1, 7, {}}}), Error);             // no buffer 7
  EXPECT_THROW(plan_buffers(reqs, 4, {{1, 0, {}}, {1, 0, {5}}}), Error);  // buffer 1 in two lags at step 1
  EXPECT_NO_THROW(plan_buffers(reqs, 4, {{1, 0, {}}, {2, 1, {}}}));
}

// Some order placed lowest-first reaches every optimum (place an optimal plan's buffers in
// order of offset: none lands higher), so trying all orders of a small set finds the optimum.
int64_t brute_force_optimum(const std::vector<BufferReq>& reqs, int64_t align) {
  std::vector<int> order(reqs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  int64_t best = std::numeric_limits<int64_t>::max();
  do {
    std::vector<int64_t> off(reqs.size(), -1);
    int64_t top = 0;
    for (int b : order) {
      int64_t at = 0;
      for (bool moved = true; moved;) {
        moved = false;
        for (size_t c = 0; c < reqs.size(); ++c) {
          bool live_together = reqs[size_t(b)].first <= reqs[c].last && reqs[c].first <= reqs[size_t(b)].last;
          if (off[c] < 0 || !live_together || reqs[c].size == 0) continue;
          if (at < off[c] + reqs[c].size && off[c] < at + reqs[size_t(b)].size) {
            at = (off[c] + reqs[c].size + align - 1) / align * align;
            moved = true;
          }
        }
      }
      off[size_t(b)] = at;
      if (reqs[size_t(b)].size > 0) top = std::max(top, at + reqs[size_t(b)].size);
    }
    best = std::min(best, top);
  } while (std::next_permutation(order.begin(), order.end()));
  return best;
}

TEST(Planner, OptimalOnSmallSets) {
  Rng rng(31337);
  const int64_t aligns[] = {1, 4, 16};
  int beaten = 0;
  for (int c = 0; c < 150; ++c) {
    std::vector<BufferReq> reqs(size_t(rng.in(2, 7)));
    for (BufferReq& b : reqs) {
      b.size = random_size(rng) % 300;
      b.first = int(rng.in(0, 5));
      b.last = int(rng.in(b.first, 6));
    }
    int64_t align = aligns[rng.in(0, 2)];
    int64_t optimum = brute_force_optimum(reqs, align);
    ASSERT_EQ(plan_buffers(reqs, align).arena_bytes, optimum) << "case " << c;
    beaten += plan_greedy_by_size(reqs, align).arena_bytes > optimum;
  }
  EXPECT_GT(beaten, 0);  // the sets are hard enough that greedy misses some optima
}

TEST(Planner, Deterministic) {
  Rng rng(7);
  for (int c = 0; c < 50; ++c) {
    std::vector<BufferReq> reqs = random_reqs(rng);
    BufferPlan a = plan_buffers(reqs, 4), b = plan_buffers(reqs, 4);
    EXPECT_EQ(a.offsets, b.offsets);
    EXPECT_EQ(a.arena_bytes, b.arena_bytes);
  }
}

// Greedy sorts by size, so C (3) goes first at 0 and A lands at 3 above it; B and D then need
// 0..2 and 5..7. Live at step 1 are A, B, D: 6 bytes, reached by A at 0, B at 2, D at 4, C at 2.
TEST(Planner, GreedyBeatenOnHandCase) {
  std::vector<BufferReq> reqs = {{2, 0, 1}, {2, 1, 1}, {3, 0, 0}, {2, 1, 1}};
  BufferPlan greedy = plan_greedy_by_size(reqs, 1);
  EXPECT_EQ(greedy.offsets, (std::vector<int64_t>{3, 0, 0, 5}));
  EXPECT_EQ(greedy.arena_bytes, 7);
  BufferPlan best = plan_buffers(reqs, 1);
  EXPECT_TRUE(valid_plan(reqs, best, 1));
  EXPECT_EQ(best.arena_bytes, 6);
  EXPECT_EQ(plan_lower_bound(reqs, 1), 6);
}

// With 4-byte alignment a 5- and a 3-byte buffer live together: 5 below 3 needs 8 + 3 = 11,
// 3 below 5 needs 4 + 5 = 9.
TEST(Planner, AlignmentPaddingGoesOnTop) {
  std::vector<BufferReq> reqs = {{5, 0, 0}, {3, 0, 0}};
  EXPECT_EQ(plan_greedy_by_size(reqs, 4).arena_bytes, 11);
  BufferPlan best = plan_buffers(reqs, 4);
  EXPECT_EQ(best.offsets, (std::vector<int64_t>{4, 0}));
  EXPECT_EQ(best.arena_bytes, 9);
  EXPECT_EQ(plan_lower_bound(reqs, 4), 9);
}

// A 4-step chain where each buffer lives over two steps: two slots of 100 ping-pong.
TEST(Planner, ChainPingPong) {
  std::vector<BufferReq> reqs = {{100, 0, 1}, {100, 1, 2}, {100, 2, 3}, {100, 3, 4}};
  for (auto plan : {plan_greedy_by_size(reqs, 4), plan_buffers(reqs, 4)}) {
    EXPECT_TRUE(valid_plan(reqs, plan, 4));
    EXPECT_EQ(plan.arena_bytes, 200);
    EXPECT_EQ(plan.offsets[0], plan.offsets[2]);
    EXPECT_EQ(plan.offsets[1], plan.offsets[3]);
  }
}

// TFLM's order: size descending, ties by first use; each at the lowest aligned gap.
TEST(Planner, GreedyFollowsSizeThenFirstUse) {
  std::vector<BufferReq> reqs = {{10, 2, 3}, {10, 0, 2}, {30, 1, 1}, {7, 3, 3}};
  BufferPlan g = plan_greedy_by_size(reqs, 8);
  // 30 at 0; the 10 first used at step 0 meets it at step 1 and goes to 32 (30 aligned up);
  // the other 10 meets only that one and fits below it at 0; the 7 meets it at step 3: 16.
  EXPECT_EQ(g.offsets, (std::vector<int64_t>{0, 32, 0, 16}));
  EXPECT_EQ(g.arena_bytes, 42);
}

TEST(Planner, ZeroSizeBuffersAndEmptyInput) {
  std::vector<BufferReq> reqs = {{0, 0, 5}, {16, 0, 1}, {0, 2, 2}, {16, 1, 2}};
  BufferPlan p = plan_buffers(reqs, 4);
  EXPECT_TRUE(valid_plan(reqs, p, 4));
  EXPECT_EQ(p.offsets[0], 0);
  EXPECT_EQ(p.offsets[2], 0);
  EXPECT_EQ(p.arena_bytes, 32);
  BufferPlan none = plan_buffers({}, 4);
  EXPECT_TRUE(none.offsets.empty());
  EXPECT_EQ(none.arena_bytes, 0);
  EXPECT_EQ(plan_lower_bound({{0, 0, 0}}, 4), 0);
}

TEST(Planner, LowerBoundCountsPaddingOfAllButTheTop) {
  // Step 1 holds 5, 3 and 9 bytes: aligned 8 + 4 + 12 = 24, less the largest padding (3).
  std::vector<BufferReq> reqs = {{5, 0, 1}, {3, 1, 2}, {9, 1, 1}, {40, 3, 3}};
  EXPECT_EQ(plan_lower_bound(reqs, 4), 40);
  reqs[3].size = 4;
  EXPECT_EQ(plan_lower_bound(reqs, 4), 21);
  EXPECT_EQ(plan_lower_bound(reqs, 1), 17);
}

TEST(Planner, RejectsBadRequests) {
  EXPECT_THROW(plan_buffers({{4, 3, 2}}, 4), Error);
  EXPECT_THROW(plan_buffers({{-1, 0, 0}}, 4), Error);
  EXPECT_THROW(plan_greedy_by_size({{4, 0, 0}}, 0), Error);
}

// ---- graph level ----

int64_t tensor_bytes(const Graph& g, int t) { return int64_t(g.t(t).bytes()); }

// Alias classes by following Reshape/Identity from output to input.
std::vector<int> alias_roots(const Graph& g) {
  std::vector<int> root(g.tensors.size());
  for (size_t t = 0; t < root.size(); ++t) root[t] = int(t);
  for (const Node& n : g.nodes)
    if ((n.op == OpKind::Reshape || n.op == OpKind::Identity) && !g.t(n.inputs[0]).is_const())
      root[size_t(n.out())] = root[size_t(n.inputs[0])];
  return root;
}

// In-place choices where every elementwise node may write over any same-shaped input, as the
// kernel registry allows elementwise kernels to.
std::vector<int> elementwise_in_place(const Graph& g) {
  std::vector<std::vector<int>> cands(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (op_has(g.nodes[i].op, Elementwise))
      for (int t : g.nodes[i].inputs)
        if (t >= 0 && !g.t(t).is_const() && g.t(t).shape == g.t(g.nodes[i].out()).shape) cands[i].push_back(t);
  return choose_in_place(g, cands);
}

// At every step, the tensors that must hold a value (read or written there, or produced before
// and read at or after it, or a graph input/output) and the step's scratch are pairwise
// disjoint, aliases of one tensor excepted, and an elementwise node's output excepted from the
// same-shaped input it overwrites in place at that node's step; everything lies inside the arena.
// A node fused into a later one (fused[i] >= 0) reads at that node's step, which may write over
// what either reads, and its output has no buffer.
::testing::AssertionResult valid_graph_plan(const Graph& g, const std::vector<int64_t>& scratch,
                                            const MemoryPlan& plan, int64_t align,
                                            const std::vector<int>& fused = {}) {
  const int steps = int(g.nodes.size());
  auto host = [&](int i) { return fused.empty() ? -1 : fused[size_t(i)]; };
  std::vector<int> made(g.tensors.size(), -1), used(g.tensors.size(), -1);
  std::vector<bool> inner(g.tensors.size(), false);
  std::vector<std::vector<int>> reads(static_cast<size_t>(steps));  // per step, the tensors its call reads
  for (int i = 0; i < steps; ++i)
    if (host(i) >= 0) inner[size_t(g.nodes[size_t(i)].out())] = true;
  for (int t : g.inputs) made[size_t(t)] = 0;
  for (int i = 0; i < steps; ++i) {
    const int at = host(i) >= 0 ? host(i) : i;
    for (int t : g.nodes[size_t(i)].inputs)
      if (t >= 0 && !inner[size_t(t)]) {
        used[size_t(t)] = std::max(used[size_t(t)], at);
        reads[size_t(at)].push_back(t);
      }
    made[size_t(g.nodes[size_t(i)].out())] = i;
  }
  for (int t : g.outputs) used[size_t(t)] = steps - 1;
  std::vector<int> root = alias_roots(g);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    bool planned = !g.t(int(t)).is_const() && made[t] >= 0 && !inner[t];
    if (planned != (plan.tensor_offset[t] >= 0))
      return ::testing::AssertionFailure() << "tensor " << g.tensors[t].name << " planned: " << planned;
    if (planned && (plan.tensor_offset[t] % align != 0 ||
                    plan.tensor_offset[t] + tensor_bytes(g, int(t)) > plan.arena_bytes))
      return ::testing::AssertionFailure() << "tensor " << g.tensors[t].name << " misplaced";
  }
  for (int i = 0; i < steps; ++i) {
    struct Span { int64_t lo, hi; int key; };
    std::vector<Span> spans;
    const Node& n = g.nodes[size_t(i)];
    int in_place_of = -1;  // the input node i overwrites, if any
    if (op_has(n.op, Elementwise))
      for (int t : reads[size_t(i)])
        if (t >= 0 && !g.t(t).is_const() && plan.tensor_offset[size_t(t)] == plan.tensor_offset[size_t(n.out())] &&
            g.t(t).shape == g.t(n.out()).shape && g.t(t).dtype == g.t(n.out()).dtype)
          in_place_of = t;
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      if (plan.tensor_offset[t] < 0 || made[t] > i || std::max(used[t], made[t]) < i) continue;
      int key = int(t) == n.out() && in_place_of >= 0 ? root[size_t(in_place_of)] : root[t];
      spans.push_back({plan.tensor_offset[t], plan.tensor_offset[t] + tensor_bytes(g, int(t)), key});
    }
    if (!scratch.empty() && scratch[size_t(i)] > 0) {
      int64_t o = plan.scratch_offset[size_t(i)];
      if (o < 0 || o % align != 0 || o + scratch[size_t(i)] > plan.arena_bytes)
        return ::testing::AssertionFailure() << "scratch of node " << i << " misplaced";
      spans.push_back({o, o + scratch[size_t(i)], -1 - i});
    }
    for (size_t a = 0; a < spans.size(); ++a)
      for (size_t b = 0; b < a; ++b)
        if (spans[a].key != spans[b].key && spans[a].lo < spans[b].hi && spans[b].lo < spans[a].hi)
          return ::testing::AssertionFailure() << "overlap at step " << i;
  }
  if (plan.arena_bytes > plan.greedy_bytes || plan.arena_bytes < plan.lower_bound)
    return ::testing::AssertionFailure() << "arena " << plan.arena_bytes << " outside [" << plan.lower_bound
                                         << ", " << plan.greedy_bytes << "]";
  return ::testing::AssertionSuccess();
}

TEST(GraphPlan, ChainPingPongs) {
  Graph g;
  int x = g.add_value("x", DType::I8, {1, 8});
  int a = g.add_value("a", DType::I8, {1, 8});
  int b = g.add_value("b", DType::I8, {1, 8});
  int c = g.add_value("c", DType::I8, {1, 8});
  g.inputs = {x};
  g.outputs = {c};
  g.add_node(OpKind::Softmax, "r0", {x}, {a});
  g.add_node(OpKind::Softmax, "r1", {a}, {b});
  g.add_node(OpKind::Softmax, "r2", {b}, {c});
  MemoryPlan p = plan_memory(g, {});
  EXPECT_TRUE(valid_graph_plan(g, {}, p, 4));
  EXPECT_EQ(p.arena_bytes, 16);
  EXPECT_EQ(p.lower_bound, 16);
  EXPECT_NE(p.tensor_offset[size_t(x)], p.tensor_offset[size_t(a)]);
  EXPECT_EQ(p.tensor_offset[size_t(x)], p.tensor_offset[size_t(b)]);
  EXPECT_EQ(p.tensor_offset[size_t(a)], p.tensor_offset[size_t(c)]);
  EXPECT_EQ(p.scratch_offset, (std::vector<int64_t>{-1, -1, -1}));
}

// x feeds both the branch and the Add at the end, so three buffers are live at the Add.
TEST(GraphPlan, ResidualDiamondKeepsInputAlive) {
  Graph g;
  int x = g.add_value("x", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  int r1 = g.add_value("r1", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  int r2 = g.add_value("r2", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  int y = g.add_value("y", DType::F32, {1, 4, 4, 2}, Layout::NHWC);
  g.inputs = {x};
  g.outputs = {y};
  g.add_node(OpKind::Softmax, "b1", {x}, {r1});
  g.add_node(OpKind::Softmax, "b2", {r1}, {r2});
  g.add_node(OpKind::Add, "sum", {x, r2}, {y});
  MemoryPlan p = plan_memory(g, {});
  EXPECT_TRUE(valid_graph_plan(g, {}, p, 4));
  EXPECT_EQ(p.arena_bytes, 3 * 128);
  std::set<int64_t> at_add = {p.tensor_offset[size_t(x)], p.tensor_offset[size_t(r2)], p.tensor_offset[size_t(y)]};
  EXPECT_EQ(at_add.size(), 3u);
  EXPECT_EQ(p.tensor_offset[size_t(r1)], p.tensor_offset[size_t(y)]);
}

// Elementwise ops overwrite an input that nobody reads afterwards, never a graph input or
// output: r1 = relu(a) runs in place on a, then y = r1 + x cannot reuse x (a graph input).
TEST(GraphPlan, ElementwiseRunsInPlace) {
  Graph g;
  int x = g.add_value("x", DType::I8, {1, 32});
  int a = g.add_value("a", DType::I8, {1, 32});
  int r1 = g.add_value("r1", DType::I8, {1, 32});
  int r2 = g.add_value("r2", DType::I8, {1, 32});
  int y = g.add_value("y", DType::I8, {1, 32});
  g.inputs = {x};
  g.outputs = {y};
  g.add_node(OpKind::Sigmoid, "s", {x}, {a});
  g.add_node(OpKind::Relu, "r1", {a}, {r1});
  g.add_node(OpKind::Mul, "m", {r1, x}, {r2});
  g.add_node(OpKind::Relu, "out", {r2}, {y});
  MemoryPlan p = plan_memory(g, {}, elementwise_in_place(g));
  EXPECT_TRUE(valid_graph_plan(g, {}, p, 4));
  EXPECT_NE(p.tensor_offset[size_t(a)], p.tensor_offset[size_t(x)]);
  EXPECT_EQ(p.tensor_offset[size_t(r1)], p.tensor_offset[size_t(a)]);
  EXPECT_EQ(p.tensor_offset[size_t(r2)], p.tensor_offset[size_t(a)]);
  EXPECT_NE(p.tensor_offset[size_t(y)], p.tensor_offset[size_t(r2)]);
  EXPECT_EQ(p.arena_bytes, 64);
  // Without in-place writes (the plan a .tflite carries for TFLM) no output shares an input's
  // bytes: x, r1 and r2 are all live at the Mul.
  MemoryPlan q = plan_memory(g, {});
  EXPECT_TRUE(valid_graph_plan(g, {}, q, 4));
  for (const Node& n : g.nodes)
    for (int in : n.inputs) EXPECT_NE(q.tensor_offset[size_t(n.out())], q.tensor_offset[size_t(in)]) << n.name;
  EXPECT_EQ(q.arena_bytes, 96);
}

// A streaming node's output overlaps its input by its lag, a graph input included (the
// generated code reads its copy in the arena); not where a later node still reads the input.
TEST(GraphPlan, LagsOverlapStreamingOutputs) {
  Graph g;
  int x = g.add_value("x", DType::I8, {1, 100});
  int a = g.add_value("a", DType::I8, {1, 150});
  g.inputs = {x};
  g.outputs = {a};
  g.add_node(OpKind::Softmax, "grow", {x}, {a});
  const MemoryPlan p = plan_memory(g, {}, {}, {}, {Overlap{50}});
  EXPECT_EQ(p.arena_bytes, 152);  // a at 0, x at 52: 50 rounded up to the alignment
  EXPECT_LE(p.tensor_offset[size_t(a)], p.tensor_offset[size_t(x)] - 50);
  EXPECT_EQ(p.lower_bound, 150);
  EXPECT_EQ(plan_memory(g, {}).arena_bytes, 250);

  Graph h;
  x = h.add_value("x", DType::I8, {1, 100});
  a = h.add_value("a", DType::I8, {1, 100});
  int y = h.add_value("y", DType::I8, {1, 100});
  h.inputs = {x};
  h.outputs = {y};
  h.add_node(OpKind::Softmax, "s", {x}, {a});
  h.add_node(OpKind::Add, "sum", {x, a}, {y});
  const MemoryPlan q = plan_memory(h, {}, {}, {}, {Overlap{}, std::nullopt});
  EXPECT_TRUE(valid_graph_plan(h, {}, q, 4));
  EXPECT_EQ(q.arena_bytes, 300);
  EXPECT_THROW(plan_memory(h, {}, {}, {}, {Overlap{}}), Error);  // one overlap for two nodes
}

// A given in-place choice is checked: an input read after the node cannot be written over.
TEST(GraphPlan, IllegalInPlaceChoiceIsRejected) {
  Graph g;
  int x = g.add_value("x", DType::I8, {1, 32});
  int a = g.add_value("a", DType::I8, {1, 32});
  int b = g.add_value("b", DType::I8, {1, 32});
  int y = g.add_value("y", DType::I8, {1, 32});
  g.inputs = {x};
  g.outputs = {y};
  g.add_node(OpKind::Relu, "r0", {x}, {a});
  g.add_node(OpKind::Relu, "r1", {a}, {b});
  g.add_node(OpKind::Add, "sum", {a, b}, {y});
  EXPECT_NO_THROW(plan_memory(g, {}, {-1, -1, -1}));
  EXPECT_THROW(plan_memory(g, {}, {-1, a, -1}), Error);  // a is read again by "sum"
  EXPECT_THROW(plan_memory(g, {}, {x, -1, -1}), Error);  // x is a graph input
  EXPECT_EQ(choose_in_place(g, {{}, {a}, {a, b}}), (std::vector<int>{-1, -1, -1}));  // y is the graph output
}

// a -> Reshape -> Identity -> Relu: a, its reshape and the identity share one buffer, live from
// a's producer to the Relu; the graph input can reuse the bytes of the output.
TEST(GraphPlan, ReshapeAliasChain) {
  Graph g;
  int x = g.add_value("x", DType::F32, {1, 2, 2, 2});
  int a = g.add_value("a", DType::F32, {1, 2, 2, 2});
  int b = g.add_value("b", DType::F32, {1, 8});
  int c = g.add_value("c", DType::F32, {1, 8});
  int d = g.add_value("d", DType::F32, {1, 8});
  g.inputs = {x};
  g.outputs = {d};
  g.add_node(OpKind::Relu, "r0", {x}, {a});
  Attrs shape;
  shape.set("shape", std::vector<int64_t>{1, 8});
  g.add_node(OpKind::Reshape, "flat", {a}, {b}, shape);
  g.add_node(OpKind::Identity, "same", {b}, {c});
  g.add_node(OpKind::Relu, "r1", {c}, {d});
  MemoryPlan p = plan_memory(g, {});
  EXPECT_TRUE(valid_graph_plan(g, {}, p, 4));
  EXPECT_EQ(p.tensor_offset[size_t(a)], p.tensor_offset[size_t(b)]);
  EXPECT_EQ(p.tensor_offset[size_t(a)], p.tensor_offset[size_t(c)]);
  EXPECT_NE(p.tensor_offset[size_t(a)], p.tensor_offset[size_t(d)]);
  EXPECT_NE(p.tensor_offset[size_t(a)], p.tensor_offset[size_t(x)]);
  EXPECT_EQ(p.tensor_offset[size_t(x)], p.tensor_offset[size_t(d)]);
  EXPECT_EQ(p.arena_bytes, 64);
}

// The aliased input is read again after the alias's consumer, so the Relu output must avoid it.
TEST(GraphPlan, AliasExtendsInputLifetime) {
  Graph g;
  int x = g.add_value("x", DType::I8, {1, 16});
  int a = g.add_value("a", DType::I8, {1, 16});
  int b = g.add_value("b", DType::I8, {1, 16});
  int c = g.add_value("c", DType::I8, {1, 16});
  int y = g.add_value("y", DType::I8, {1, 16});
  g.inputs = {x};
  g.outputs = {y};
  g.add_node(OpKind::Relu, "r0", {x}, {a});
  g.add_node(OpKind::Identity, "id", {a}, {b});
  g.add_node(OpKind::Relu, "r1", {b}, {c});
  g.add_node(OpKind::Add, "sum", {a, c}, {y});
  MemoryPlan p = plan_memory(g, {});
  EXPECT_TRUE(valid_graph_plan(g, {}, p, 4));
  EXPECT_EQ(p.tensor_offset[size_t(a)], p.tensor_offset[size_t(b)]);
  std::set<int64_t> at_add = {p.tensor_offset[size_t(a)], p.tensor_offset[size_t(c)], p.tensor_offset[size_t(y)]};
  EXPECT_EQ(at_add.size(), 3u);
  EXPECT_EQ(p.arena_bytes, 48);
}

TEST(GraphPlan, ScratchAndConstants) {
  Graph g;
  int x = g.add_value("x", DType::I8, {1, 10});
  int w = g.add_const("w", DType::I8, {1, 10}, std::vector<int8_t>(10, 1).data());
  int a = g.add_value("a", DType::I8, {1, 10});
  int y = g.add_value("y", DType::I8, {1, 10});
  g.inputs = {x};
  g.outputs = {y};
  g.add_node(OpKind::Add, "add", {x, w}, {a});
  g.add_node(OpKind::Relu, "relu", {a}, {y});
  std::vector<int64_t> scratch = {0, 20};
  MemoryPlan p = plan_memory(g, scratch);
  EXPECT_TRUE(valid_graph_plan(g, scratch, p, 4));
  EXPECT_EQ(p.tensor_offset[size_t(w)], -1);
  EXPECT_EQ(p.scratch_offset[0], -1);
  EXPECT_GE(p.scratch_offset[1], 0);
  // Step 1 holds a, y (10 each, 12 aligned) and 20 bytes of scratch; x is dead by then.
  EXPECT_EQ(p.lower_bound, 12 + 12 + 20 - 2);
  EXPECT_EQ(p.arena_bytes, p.lower_bound);
  EXPECT_THROW(plan_memory(g, {5}), Error);
}

TEST(GraphPlan, RejectsValuesWithoutProducer) {
  Graph g;
  int x = g.add_value("x", DType::I8, {4});
  int y = g.add_value("y", DType::I8, {4});
  g.outputs = {y};
  g.add_node(OpKind::Relu, "r", {x}, {y});
  EXPECT_THROW(plan_memory(g, {}), Error);
}

// Random DAGs of Relu/Add/Reshape/Identity with random sizes and scratch.
TEST(GraphPlan, RandomGraphsNeverOverlap) {
  Rng rng(99);
  for (int c = 0; c < 300; ++c) {
    Graph g;
    int num_inputs = int(rng.in(1, 3));
    std::vector<int> values;
    for (int i = 0; i < num_inputs; ++i) {
      values.push_back(g.add_value("in" + std::to_string(i), DType::I8, {rng.in(1, 300)}));
      g.inputs.push_back(values.back());
    }
    int num_nodes = int(rng.in(1, 40));
    std::vector<int64_t> scratch;
    for (int i = 0; i < num_nodes; ++i) {
      int src = values[size_t(rng.in(0, int64_t(values.size()) - 1))];
      int64_t kind = rng.in(0, 3);
      std::string name = "n" + std::to_string(i);
      if (kind == 0) {
        int out = g.add_value(name, DType::I8, g.t(src).shape);
        Attrs s;
        s.set("shape", g.t(src).shape);
        g.add_node(OpKind::Reshape, name, {src}, {out}, s);
        values.push_back(out);
      } else if (kind == 1) {
        int out = g.add_value(name, DType::I8, g.t(src).shape);
        g.add_node(OpKind::Identity, name, {src}, {out});
        values.push_back(out);
      } else if (kind == 2) {
        int other = values[size_t(rng.in(0, int64_t(values.size()) - 1))];
        int out = g.add_value(name, DType::I8, {rng.in(1, 300)});
        g.add_node(OpKind::Add, name, {src, other}, {out});
        values.push_back(out);
      } else {
        int out = g.add_value(name, DType::I8, {rng.in(1, 300)});
        g.add_node(OpKind::Relu, name, {src}, {out});
        values.push_back(out);
      }
      scratch.push_back(rng.in(0, 2) == 0 ? rng.in(1, 100) : 0);
    }
    g.outputs = {values.back()};
    if (rng.in(0, 1)) g.outputs.push_back(values[size_t(rng.in(0, int64_t(values.size()) - 1))]);
    MemoryPlan p = plan_memory(g, scratch, elementwise_in_place(g));
    ASSERT_TRUE(valid_graph_plan(g, scratch, p, 4)) << "graph " << c;
  }
}

// Relu -> Relu -> Add triples run as one call at the Add (as conv chains do): the Add reads the
// first Relu's input at its step and may write over it or its other operand; the Relus'
// outputs get no buffer.
TEST(GraphPlan, RandomGraphsWithFusedStepsNeverOverlap) {
  Rng rng(7);
  for (int c = 0; c < 300; ++c) {
    Graph g;
    const Shape shape{rng.in(1, 200)};
    std::vector<int> values{g.add_value("in", DType::I8, shape)};
    g.inputs = {values[0]};
    std::vector<int64_t> scratch;
    std::vector<int> fused;
    const int groups = int(rng.in(1, 12));
    for (int i = 0; i < groups; ++i) {
      auto pick = [&] { return values[size_t(rng.in(0, int64_t(values.size()) - 1))]; };
      const std::string name = "n" + std::to_string(i);
      const int src = pick();
      if (rng.in(0, 1)) {
        const int out = g.add_value(name, DType::I8, shape);
        g.add_node(OpKind::Relu, name, {src}, {out});
        values.push_back(out);
        scratch.push_back(rng.in(0, 1) ? rng.in(1, 100) : 0);
        fused.push_back(-1);
        continue;
      }
      const int other = pick();
      const int a = g.add_value(name + "a", DType::I8, shape), b = g.add_value(name + "b", DType::I8, shape);
      const int out = g.add_value(name, DType::I8, shape);
      g.add_node(OpKind::Relu, name + "a", {src}, {a});
      g.add_node(OpKind::Relu, name + "b", {a}, {b});
      g.add_node(OpKind::Add, name, {b, other}, {out});
      const int at = int(g.nodes.size()) - 1;
      values.push_back(out);
      scratch.insert(scratch.end(), {0, 0, rng.in(0, 1) ? rng.in(1, 100) : 0});
      fused.insert(fused.end(), {at, at, -1});
    }
    g.outputs = {values.back()};
    std::vector<std::vector<int>> cands(g.nodes.size());
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].op == OpKind::Add) cands[i] = {g.nodes[i - 2].in(0), g.nodes[i].in(1)};
    const std::vector<int> in_place = choose_in_place(g, cands, fused);
    MemoryPlan p = plan_memory(g, scratch, in_place, fused);
    ASSERT_TRUE(valid_graph_plan(g, scratch, p, 4, fused)) << "graph " << c;
  }
}

TEST(GraphPlan, FusedOutputsReadOnlyInsideTheirCall) {
  Graph g;
  const int x = g.add_value("x", DType::I8, {8});
  const int a = g.add_value("a", DType::I8, {8}), b = g.add_value("b", DType::I8, {8});
  const int y = g.add_value("y", DType::I8, {8}), z = g.add_value("z", DType::I8, {8});
  g.inputs = {x};
  g.add_node(OpKind::Relu, "a", {x}, {a});
  g.add_node(OpKind::Relu, "b", {a}, {b});
  g.add_node(OpKind::Add, "y", {b, x}, {y});
  g.add_node(OpKind::Add, "z", {y, a}, {z});  // reads a, which only exists inside y
  g.outputs = {z};
  EXPECT_THROW(plan_memory(g, {}, {}, {2, 2, -1, -1}), Error);
  EXPECT_THROW(plan_memory(g, {}, {}, {1, 2, -1, -1}), Error);  // a goes into b, itself fused
  g.nodes[3].inputs = {y, x};
  EXPECT_THROW(plan_memory(g, {}, {-1, a, -1, -1}, {2, 2, -1, -1}), Error);  // b has no output
  const MemoryPlan p = plan_memory(g, {}, {}, {2, 2, -1, -1});
  EXPECT_EQ(p.tensor_offset[size_t(a)], -1);
  EXPECT_EQ(p.tensor_offset[size_t(b)], -1);
  EXPECT_GE(p.tensor_offset[size_t(y)], 0);
}

}  // namespace
}  // namespace mote
