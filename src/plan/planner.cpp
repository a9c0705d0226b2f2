// Static arena planning over buffers with known lifetimes (the dynamic storage allocation
// problem). Greedy-by-size is TFLM's planner; plan_buffers improves on it with more orderings,
// compaction, a local search over placement orders and a bounded exact search.
#include "plan/planner.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "util/error.h"

namespace mote {
namespace {

constexpr int64_t kNone = -1;
// Work each improvement phase may spend, in buffers plus neighbours visited: bounds planning
// time on large, crowded graphs and keeps the result deterministic (no clocks).
constexpr int64_t kHeuristicBudget = 4'000'000;
constexpr int64_t kLocalBudget = 5'000'000;
constexpr int64_t kSearchBudget = 300'000;
constexpr int kLocalMoves = 3000;

int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

// The non-empty buffers and, for each, the others whose lifetimes intersect its own.
struct Problem {
  std::vector<int> req;  // index into the caller's requests
  std::vector<int64_t> size;
  std::vector<int> first, last;
  std::vector<std::vector<int>> conflicts;
  // Per buffer, the lags it takes part in: the other buffer, the overlap, and whether this one
  // is the lag's output.
  struct Lagged {
    int other;
    Overlap overlap;
    bool is_out;
  };
  std::vector<std::vector<Lagged>> lagged;
  int64_t align = 1;
  int64_t placement_cost = 0;  // work of placing every buffer once
  int n() const { return int(size.size()); }
};

void check_reqs(const std::vector<BufferReq>& reqs, int64_t align) {
  if (align < 1) fail("planner: alignment {} is not positive", align);
  for (size_t i = 0; i < reqs.size(); ++i) {
    const BufferReq& r = reqs[i];
    if (r.size < 0) fail("planner: buffer {} has negative size {}", i, r.size);
    if (r.first > r.last) fail("planner: buffer {} is live from step {} to earlier step {}", i, r.first, r.last);
  }
}

void check_lags(const std::vector<BufferReq>& reqs, const std::vector<BufferLag>& lags) {
  std::vector<std::pair<int, int>> at;  // (buffer, step) of every lag member
  for (size_t k = 0; k < lags.size(); ++k) {
    const BufferLag& l = lags[k];
    auto bad = [&](int b) { return b < 0 || size_t(b) >= reqs.size(); };
    if (bad(l.out) || bad(l.in) || l.out == l.in)
      fail("planner: lag {} joins buffers {} and {}, not two of the {} buffers", k, l.out, l.in, reqs.size());
    const int step = reqs[size_t(l.out)].first;
    if (reqs[size_t(l.in)].last != step)
      fail("planner: lag {}: buffer {} ends at step {}, not at step {} where buffer {} starts", k, l.in,
           reqs[size_t(l.in)].last, step, l.out);
    at.emplace_back(l.out, step);
    at.emplace_back(l.in, step);
  }
  std::sort(at.begin(), at.end());
  if (std::adjacent_find(at.begin(), at.end()) != at.end())
    fail("planner: a buffer takes part in two lags at one step");
}

Problem make_problem(const std::vector<BufferReq>& reqs, int64_t align, const std::vector<BufferLag>& lags = {}) {
  check_reqs(reqs, align);
  check_lags(reqs, lags);
  Problem p;
  p.align = align;
  std::vector<int> index(reqs.size(), -1);
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].size == 0) continue;
    index[i] = p.n();
    p.req.push_back(int(i));
    p.size.push_back(reqs[i].size);
    p.first.push_back(reqs[i].first);
    p.last.push_back(reqs[i].last);
  }
  p.lagged.resize(size_t(p.n()));
  for (const BufferLag& l : lags) {
    const int out = index[size_t(l.out)], in = index[size_t(l.in)];
    if (out < 0 || in < 0) continue;  // an empty buffer overlaps nothing
    p.lagged[size_t(out)].push_back({in, l.overlap, true});
    p.lagged[size_t(in)].push_back({out, l.overlap, false});
  }
  p.conflicts.resize(size_t(p.n()));
  for (int a = 0; a < p.n(); ++a)
    for (int b = a + 1; b < p.n(); ++b)
      if (p.first[a] <= p.last[b] && p.first[b] <= p.last[a]) {
        p.conflicts[size_t(a)].push_back(b);
        p.conflicts[size_t(b)].push_back(a);
      }
  p.placement_cost = p.n();
  for (const auto& c : p.conflicts) p.placement_cost += int64_t(c.size());
  return p;
}

// Offset for buffer b among the placed buffers (off >= 0) that are live with it: the lowest
// gap that fits (first fit) or the smallest such gap (best fit); above all of them if none fits.
// Each placed buffer c forbids the offsets strictly between lo and hi: those where b would
// overlap it, narrowed by a lag between the two.
int64_t find_offset(const Problem& p, int b, const std::vector<int64_t>& off, bool best_fit,
                    std::vector<std::pair<int64_t, int64_t>>& spans) {
  const int64_t need = p.size[size_t(b)];
  spans.clear();
  for (int c : p.conflicts[size_t(b)]) {
    const int64_t o = off[size_t(c)];
    if (o == kNone) continue;
    int64_t lo = o - need, hi = o + p.size[size_t(c)];
    // The output below the input: out <= in - lag; above: out >= in + lag.
    for (const Problem::Lagged& l : p.lagged[size_t(b)])
      if (l.other == c) {
        if (l.is_out == l.overlap.above) hi = std::min(hi, o + l.overlap.lag);
        else lo = std::max(lo, o - l.overlap.lag);
      }
    if (lo < hi) spans.emplace_back(lo, hi);
  }
  std::sort(spans.begin(), spans.end());
  int64_t cand = 0, best = kNone, best_gap = std::numeric_limits<int64_t>::max();
  for (const auto& [lo, hi] : spans) {
    if (cand <= lo) {
      if (!best_fit) return cand;
      if (lo - cand < best_gap) {
        best_gap = lo - cand;
        best = cand;
      }
    }
    cand = std::max(cand, align_up(hi, p.align));
  }
  return best != kNone ? best : cand;
}

int64_t peak_of(const Problem& p, const std::vector<int64_t>& off) {
  int64_t peak = 0;
  for (int b = 0; b < p.n(); ++b) peak = std::max(peak, off[size_t(b)] + p.size[size_t(b)]);
  return peak;
}

std::vector<int64_t> place_in_order(const Problem& p, const std::vector<int>& order, bool best_fit) {
  std::vector<int64_t> off(size_t(p.n()), kNone);
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (int b : order) off[size_t(b)] = find_offset(p, b, off, best_fit, spans);
  return off;
}

// Re-placing buffers first-fit in order of their offsets never moves one up (each one's old
// offset stays free, as everything below it can only have moved down), so repeat until fixed.
std::vector<int64_t> compact(const Problem& p, std::vector<int64_t> off, int64_t& budget) {
  std::vector<int> order(size_t(p.n()));
  for (int round = 0; round < 64 && budget > 0; ++round) {
    budget -= p.placement_cost;
    for (int b = 0; b < p.n(); ++b) order[size_t(b)] = b;
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return std::make_pair(off[size_t(a)], a) < std::make_pair(off[size_t(b)], b);
    });
    std::vector<int64_t> next = place_in_order(p, order, false);
    if (next == off) break;
    off = std::move(next);
  }
  return off;
}

// Buffers sorted by decreasing key, ties by first use, then by index.
template <typename Key>
std::vector<int> order_by(const Problem& p, Key key) {
  std::vector<int> order(size_t(p.n()));
  for (int b = 0; b < p.n(); ++b) order[size_t(b)] = b;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    auto ka = key(a), kb = key(b);
    if (ka != kb) return ka > kb;
    if (p.first[size_t(a)] != p.first[size_t(b)]) return p.first[size_t(a)] < p.first[size_t(b)];
    return a < b;
  });
  return order;
}

std::vector<int> greedy_order(const Problem& p) {
  return order_by(p, [&](int b) { return p.size[size_t(b)]; });
}

// For each buffer, the most bytes live at any one step of its lifetime.
std::vector<int64_t> pressure(const Problem& p) {
  std::vector<int> starts(p.first);
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  // Live bytes can only peak where some buffer starts.
  std::vector<int64_t> live(starts.size(), 0);
  for (size_t s = 0; s < starts.size(); ++s)
    for (int b = 0; b < p.n(); ++b)
      if (p.first[size_t(b)] <= starts[s] && starts[s] <= p.last[size_t(b)]) live[s] += p.size[size_t(b)];
  std::vector<int64_t> out(size_t(p.n()), 0);
  for (int b = 0; b < p.n(); ++b)
    for (size_t s = 0; s < starts.size(); ++s)
      if (p.first[size_t(b)] <= starts[s] && starts[s] <= p.last[size_t(b)])
        out[size_t(b)] = std::max(out[size_t(b)], live[s]);
  return out;
}

// Moves one buffer to another place in the first-fit order, keeping moves that do not make
// the arena larger. Starts from `start`'s offset order, so the result is never worse.
std::vector<int64_t> local_search(const Problem& p, int64_t lower, std::vector<int64_t> start) {
  const size_t n = size_t(p.n());
  std::vector<int> order(n);
  for (int b = 0; b < p.n(); ++b) order[size_t(b)] = b;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return std::make_pair(start[size_t(a)], a) < std::make_pair(start[size_t(b)], b);
  });
  std::vector<int64_t> best = std::move(start);
  int64_t best_peak = peak_of(p, best);
  std::vector<int64_t> cur_off = place_in_order(p, order, false);
  int64_t budget = kLocalBudget - p.placement_cost;
  // prefix_peak[i]: arena used by the first i buffers of the current order, which a move
  // behind position i leaves where they are.
  std::vector<int64_t> prefix_peak(n + 1, 0);
  auto accept = [&]() {
    for (size_t i = 0; i < n; ++i) {
      int b = order[i];
      prefix_peak[i + 1] = std::max(prefix_peak[i], cur_off[size_t(b)] + p.size[size_t(b)]);
    }
    if (prefix_peak[n] < best_peak) {
      best_peak = prefix_peak[n];
      best = cur_off;
    }
  };
  accept();
  std::vector<int> trial;
  std::vector<int64_t> off;
  std::vector<std::pair<int64_t, int64_t>> spans;
  uint64_t state = 0x9E3779B97F4A7C15ull;  // xorshift64: same moves on every platform
  for (int move = 0; move < kLocalMoves && n > 1 && best_peak > lower && budget > 0; ++move) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    size_t from = size_t(state % n), to = size_t((state >> 32) % n);
    if (from == to) continue;
    trial = order;
    int moved = trial[from];
    trial.erase(trial.begin() + std::ptrdiff_t(from));
    trial.insert(trial.begin() + std::ptrdiff_t(to), moved);
    size_t keep = std::min(from, to);
    off = cur_off;
    for (size_t i = keep; i < n; ++i) off[size_t(order[i])] = kNone;
    int64_t peak = prefix_peak[keep];
    for (size_t i = keep; i < n && peak <= prefix_peak[n]; ++i) {
      int b = trial[i];
      off[size_t(b)] = find_offset(p, b, off, false, spans);
      budget -= int64_t(p.conflicts[size_t(b)].size()) + 1;
      peak = std::max(peak, off[size_t(b)] + p.size[size_t(b)]);
    }
    // Moves that do not make the arena larger are kept: equal ones let it cross plateaus.
    if (peak > prefix_peak[n]) continue;
    std::swap(order, trial);
    std::swap(cur_off, off);
    accept();
  }
  return best;
}

// Depth-first search over placement orders. Every plan can be compacted into one where first
// fit, taken in order of (offset, index), reproduces it, so the search only extends a partial
// plan by a buffer whose first-fit offset is not below the last one placed: exact when it runs
// to completion, and a bounded improvement otherwise.
class ExactSearch {
 public:
  ExactSearch(const Problem& p, int64_t lower, std::vector<int64_t> best)
      : p_(p), lower_(lower), best_(std::move(best)), best_peak_(peak_of(p, best_)),
        off_(size_t(p.n()), kNone), fit_(size_t(p.n())) {}

  void run() {
    if (best_peak_ > lower_) dfs(0, 0, -1, 0);
  }
  const std::vector<int64_t>& best() const { return best_; }

 private:
  struct Child {
    int64_t offset;
    int buffer;
  };

  void dfs(int placed, int64_t floor, int last, int64_t peak) {
    if (placed == p_.n()) {
      if (peak < best_peak_) {
        best_peak_ = peak;
        best_ = off_;
      }
      return;
    }
    // First-fit offsets change only for the neighbours of the buffer placed last.
    std::vector<int64_t>& fit = fit_[size_t(placed)];
    if (placed == 0) {
      fit.assign(size_t(p_.n()), 0);
    } else {
      fit = fit_[size_t(placed - 1)];
      for (int b : p_.conflicts[size_t(last)]) {
        if (off_[size_t(b)] != kNone) continue;
        fit[size_t(b)] = find_offset(p_, b, off_, false, spans_);
        budget_ -= int64_t(p_.conflicts[size_t(b)].size()) + 1;
      }
    }
    std::vector<Child> children;
    int64_t bound = peak;
    for (int b = 0; b < p_.n(); ++b) {
      if (off_[size_t(b)] != kNone) continue;
      int64_t o = fit[size_t(b)];
      budget_ -= 1;
      // More buffers only push b up, and the canonical order places it at or above `floor`.
      bound = std::max(bound, std::max(o, floor) + p_.size[size_t(b)]);
      if (o > floor || (o == floor && b > last)) children.push_back({o, b});
    }
    if (bound >= best_peak_) return;
    std::sort(children.begin(), children.end(), [&](const Child& x, const Child& y) {
      if (x.offset != y.offset) return x.offset < y.offset;
      if (p_.size[size_t(x.buffer)] != p_.size[size_t(y.buffer)])
        return p_.size[size_t(x.buffer)] > p_.size[size_t(y.buffer)];
      return x.buffer < y.buffer;
    });
    for (const Child& c : children) {
      if (budget_ <= 0 || best_peak_ <= lower_) return;
      int64_t top = std::max(peak, c.offset + p_.size[size_t(c.buffer)]);
      if (top >= best_peak_) continue;
      off_[size_t(c.buffer)] = c.offset;
      dfs(placed + 1, c.offset, c.buffer, top);
      off_[size_t(c.buffer)] = kNone;
    }
  }

  const Problem& p_;
  int64_t lower_;
  std::vector<int64_t> best_;
  int64_t best_peak_;
  std::vector<int64_t> off_;
  std::vector<std::vector<int64_t>> fit_;  // per depth: first-fit offset of each buffer
  std::vector<std::pair<int64_t, int64_t>> spans_;
  int64_t budget_ = kSearchBudget;
};

Problem without_lags(Problem p) {
  for (auto& l : p.lagged) l.clear();
  return p;
}

BufferPlan to_plan(const Problem& p, size_t count, const std::vector<int64_t>& off) {
  BufferPlan plan;
  plan.offsets.assign(count, 0);
  for (int b = 0; b < p.n(); ++b) plan.offsets[size_t(p.req[size_t(b)])] = off[size_t(b)];
  plan.arena_bytes = peak_of(p, off);
  return plan;
}

}  // namespace

int64_t plan_lower_bound(const std::vector<BufferReq>& reqs, int64_t align, const std::vector<BufferLag>& lags) {
  check_reqs(reqs, align);
  check_lags(reqs, lags);
  int64_t bound = 0;
  std::vector<int64_t> block(reqs.size());  // per live buffer: its block's extent, 0 once merged
  for (const BufferReq& at : reqs) {
    if (at.size == 0) continue;
    // Live sets only grow where a buffer starts, so those steps are enough. A lag pair live
    // there is one block: at best the output starts exactly `lag` below the input.
    const int s = at.first;
    auto live = [&](const BufferReq& r) { return r.size > 0 && r.first <= s && s <= r.last; };
    for (size_t i = 0; i < reqs.size(); ++i) block[i] = live(reqs[i]) ? reqs[i].size : 0;
    for (const BufferLag& l : lags) {
      const BufferReq &o = reqs[size_t(l.out)], &in = reqs[size_t(l.in)];
      if (!live(o) || !live(in)) continue;
      const int64_t closest = std::max({o.size, in.size, (l.overlap.above ? o.size : in.size) + l.overlap.lag});
      block[size_t(l.out)] = std::min(o.size + in.size, closest);
      block[size_t(l.in)] = 0;
    }
    int64_t sum = 0, max_pad = 0;
    for (int64_t b : block) {
      if (b == 0) continue;
      sum += align_up(b, align);
      max_pad = std::max(max_pad, align_up(b, align) - b);
    }
    bound = std::max(bound, sum - max_pad);
  }
  return bound;
}

BufferPlan plan_greedy_by_size(const std::vector<BufferReq>& reqs, int64_t align) {
  Problem p = make_problem(reqs, align);
  return to_plan(p, reqs.size(), place_in_order(p, greedy_order(p), false));
}

BufferPlan plan_buffers(const std::vector<BufferReq>& reqs, int64_t align, const std::vector<BufferLag>& lags) {
  Problem p = make_problem(reqs, align, lags);
  const int64_t lower = plan_lower_bound(reqs, align, lags);

  std::vector<int64_t> press = pressure(p);
  std::vector<std::vector<int>> orders;
  orders.push_back(greedy_order(p));
  orders.push_back(order_by(p, [&](int b) {
    return std::make_pair(p.last[size_t(b)] - p.first[size_t(b)], p.size[size_t(b)]);
  }));
  orders.push_back(order_by(p, [&](int b) { return std::make_pair(-p.first[size_t(b)], p.size[size_t(b)]); }));
  orders.push_back(order_by(p, [&](int b) {
    return p.size[size_t(b)] * (int64_t(p.last[size_t(b)]) - p.first[size_t(b)] + 1);
  }));
  orders.push_back(order_by(p, [&](int b) { return std::make_pair(press[size_t(b)], p.size[size_t(b)]); }));
  orders.push_back(order_by(p, [&](int b) {
    int64_t crowd = p.size[size_t(b)];
    for (int c : p.conflicts[size_t(b)]) crowd += p.size[size_t(c)];
    return std::make_pair(crowd, p.size[size_t(b)]);
  }));

  // The plain greedy-by-size plan (no overlaps) comes first, so the result can never be worse
  // than it.
  std::vector<int64_t> best =
      lags.empty() ? place_in_order(p, orders[0], false) : place_in_order(without_lags(p), orders[0], false);
  int64_t best_peak = peak_of(p, best);
  auto consider = [&](const std::vector<int64_t>& off) {
    int64_t peak = peak_of(p, off);
    if (peak < best_peak) {
      best_peak = peak;
      best = off;
    }
  };
  int64_t budget = kHeuristicBudget;
  for (const std::vector<int>& order : orders)
    for (bool best_fit : {false, true}) {
      if (best_peak <= lower || budget <= 0) break;
      budget -= p.placement_cost;
      consider(compact(p, place_in_order(p, order, best_fit), budget));
    }

  best = local_search(p, lower, best);
  best_peak = peak_of(p, best);
  ExactSearch search(p, lower, best);
  search.run();
  consider(search.best());
  return to_plan(p, reqs.size(), best);
}

}  // namespace mote
