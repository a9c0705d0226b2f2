// Augmentation for signals and spectrograms: random time shifts (edge frames repeated, as a
// recording that started earlier or later would show its background), SpecAugment's time and
// frequency masks (Park et al. 2019; masked cells take the sample's mean) and Gaussian noise.
// The time axis is the first spatial axis longer than 1: frames of [1, frames, coefficients]
// features, samples of [C, 1, T] signals.
#include "train/augment.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <random>
#include <vector>

namespace mote::train {
namespace {

int64_t time_axis(const at::Tensor& x) {
  for (int64_t d = 2; d < x.dim(); ++d)
    if (x.size(d) > 1) return d;
  return x.dim() > 1 ? 1 : -1;
}

// Moves axis `d` last and flattens the rest of each sample: [B, R, T].
at::Tensor along(const at::Tensor& x, int64_t d) { return x.movedim(d, -1).reshape({x.size(0), -1, x.size(d)}); }
at::Tensor back(const at::Tensor& v, const at::Tensor& like, int64_t d) {
  std::vector<int64_t> moved = like.movedim(d, -1).sizes().vec();
  return v.reshape(moved).movedim(-1, d).contiguous();
}

// One mask per sample along axis `d`: a run of 0..width cells at a random start, set to the
// sample's mean.
at::Tensor mask(const at::Tensor& x, int64_t d, int64_t width, std::mt19937_64& rng) {
  const int64_t b = x.size(0), len = x.size(d);
  std::vector<uint8_t> m(size_t(b * len), 0);
  for (int64_t s = 0; s < b; ++s) {
    const int64_t w = std::min<int64_t>(int64_t(rng() % uint64_t(width + 1)), len);
    const int64_t start = int64_t(rng() % uint64_t(len - w + 1));
    for (int64_t t = start; t < start + w; ++t) m[size_t(s * len + t)] = 1;
  }
  const at::Tensor keep = at::tensor(at::ArrayRef<uint8_t>(m), at::TensorOptions().dtype(at::kByte)).to(at::kBool).reshape({b, 1, len});
  const at::Tensor v = along(x, d);
  const at::Tensor mean = x.reshape({b, -1}).mean(1).reshape({b, 1, 1});
  return back(at::where(keep, mean.expand_as(v), v), x, d);
}

}  // namespace

at::Tensor augment_batch(const at::Tensor& x, const AugmentOptions& a, double noise_sigma, uint64_t seed, int64_t epoch,
                         int64_t batch) {
  const int64_t d = time_axis(x);
  if (d < 0 || !a.on()) return x;
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull ^ (uint64_t(epoch) << 32) ^ uint64_t(batch) ^ 0xA5A5A5A5ull);
  at::Tensor y = x;
  const int64_t b = x.size(0), len = x.size(d);
  if (a.shift > 0) {
    // idx[s, t] = clamp(t - shift_s): the sample moved by shift_s steps, edges repeated.
    std::vector<int64_t> idx(size_t(b * len));
    for (int64_t s = 0; s < b; ++s) {
      const int64_t k = int64_t(rng() % uint64_t(2 * a.shift + 1)) - a.shift;
      for (int64_t t = 0; t < len; ++t) idx[size_t(s * len + t)] = std::clamp<int64_t>(t - k, 0, len - 1);
    }
    const at::Tensor v = along(y, d);
    const at::Tensor i = at::tensor(at::ArrayRef<int64_t>(idx), at::TensorOptions().dtype(at::kLong)).reshape({b, 1, len});
    y = back(v.gather(2, i.expand_as(v)), y, d);
  }
  if (a.time_mask > 0) y = mask(y, d, a.time_mask, rng);
  if (a.freq_mask > 0 && d + 1 < x.dim() && x.size(d + 1) > 1) y = mask(y, d + 1, a.freq_mask, rng);
  if (a.noise > 0 && noise_sigma > 0) {
    auto gen = at::detail::createCPUGenerator(rng());
    y = y + at::normal(0.0, noise_sigma, y.sizes(), gen);
  }
  return y;
}

}  // namespace mote::train
