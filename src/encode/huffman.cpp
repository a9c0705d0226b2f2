#include "encode/huffman.h"

#include <algorithm>
#include <numeric>

#include "util/error.h"

namespace mote {

uint64_t HuffmanCode::cost(const std::vector<uint64_t>& freq) const {
  uint64_t bits = 0;
  for (size_t s = 0; s < freq.size() && s < length.size(); ++s) bits += freq[s] * uint64_t(length[s]);
  return bits;
}

namespace {

// A package-merge item: its weight and how many times each used symbol occurs in it.
struct Item {
  uint64_t weight = 0;
  std::vector<uint16_t> uses;
};

// Code lengths by package-merge (Larmore and Hirschberg): the 2n - 2 lightest items of the
// last merged list, each symbol's length the number of those items it occurs in.
std::vector<int> limited_lengths(const std::vector<uint64_t>& weights, int max_len) {
  const size_t n = weights.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return weights[a] < weights[b]; });
  std::vector<Item> leaves(n);
  for (size_t k = 0; k < n; ++k) {
    leaves[k].weight = weights[order[k]];
    leaves[k].uses.assign(n, 0);
    leaves[k].uses[order[k]] = 1;
  }
  std::vector<Item> list = leaves;
  for (int level = 1; level < max_len; ++level) {
    std::vector<Item> packages;
    for (size_t k = 0; k + 1 < list.size(); k += 2) {
      Item p;
      p.weight = list[k].weight + list[k + 1].weight;
      p.uses.resize(n);
      for (size_t s = 0; s < n; ++s) p.uses[s] = uint16_t(list[k].uses[s] + list[k + 1].uses[s]);
      packages.push_back(std::move(p));
    }
    std::vector<Item> merged;
    merged.reserve(leaves.size() + packages.size());
    std::merge(leaves.begin(), leaves.end(), packages.begin(), packages.end(), std::back_inserter(merged),
               [](const Item& a, const Item& b) { return a.weight < b.weight; });
    list = std::move(merged);
  }
  std::vector<int> len(n, 0);
  for (size_t k = 0; k < 2 * n - 2; ++k)
    for (size_t s = 0; s < n; ++s) len[s] += list[k].uses[s];
  return len;
}

}  // namespace

HuffmanCode huffman_code(const std::vector<uint64_t>& freq, int max_len) {
  if (freq.size() > 256) fail("huffman: {} symbols, at most 256", freq.size());
  std::vector<size_t> used;
  for (size_t s = 0; s < freq.size(); ++s)
    if (freq[s] > 0) used.push_back(s);
  if (used.empty()) fail("huffman: no symbol occurs");
  if ((size_t(1) << max_len) < used.size()) fail("huffman: {} symbols do not fit codes of {} bits", used.size(), max_len);

  HuffmanCode h;
  h.length.assign(freq.size(), 0);
  h.code.assign(freq.size(), 0);
  if (used.size() == 1) {
    h.length[used[0]] = 1;
  } else {
    std::vector<uint64_t> w;
    for (size_t s : used) w.push_back(freq[s]);
    const std::vector<int> len = limited_lengths(w, max_len);
    for (size_t k = 0; k < used.size(); ++k) h.length[used[k]] = len[k];
  }
  h.max_len = *std::max_element(h.length.begin(), h.length.end());
  h.count.assign(size_t(h.max_len) + 1, 0);
  for (size_t s : used) ++h.count[size_t(h.length[s])];
  std::vector<size_t> sorted = used;
  std::stable_sort(sorted.begin(), sorted.end(), [&](size_t a, size_t b) { return h.length[a] < h.length[b]; });
  // Canonical: consecutive codes within a length; the next length starts at twice the code after.
  uint32_t next = 0;
  int at = h.length[sorted[0]];
  for (size_t s : sorted) {
    next <<= (h.length[s] - at);
    at = h.length[s];
    h.code[s] = next++;
    h.symbols.push_back(uint8_t(s));
  }
  return h;
}

}  // namespace mote
