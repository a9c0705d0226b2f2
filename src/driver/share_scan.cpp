#include "driver/share_scan.h"

#include <algorithm>

#include "encode/graph.h"
#include "encode/weights.h"
#include "quant/quantize.h"
#include "ref/executor.h"
#include "util/error.h"

namespace mote {

namespace {

// The int8 first-output values of graph q on the quantized samples, concatenated.
std::vector<double> outputs(const Graph& q, const std::vector<Array>& xs) {
  const std::vector<KernelCall> calls = lower(q, host_target()).calls;
  std::vector<double> y;
  for (const Array& x : xs) {
    const Array out = run_int8(q, calls, {x}).at(0);
    for (int64_t i = 0; i < out.numel(); ++i) y.push_back(out.get_f32(i));
  }
  return y;
}

// Squared distance of y from ref over ref's variance (1 where ref is constant).
double noise(const std::vector<double>& y, const std::vector<double>& ref) {
  double mean = 0, var = 0, err = 0;
  for (double v : ref) mean += v;
  mean /= double(std::max<size_t>(1, ref.size()));
  for (size_t i = 0; i < ref.size(); ++i) {
    var += (ref[i] - mean) * (ref[i] - mean);
    err += (y[i] - ref[i]) * (y[i] - ref[i]);
  }
  return err / (var > 0 ? var : 1.0);
}

// g with the weights of the nodes given bits (0: left alone) shared.
Graph shared(const Graph& g, const std::vector<int>& bits) {
  Graph s = g;
  for (size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) share_node_weights(s, int(i), bits[i]);
  return s;
}

}  // namespace

ShareScan scan_share_bits(const Graph& g, const Array& samples, double tol, int64_t max_samples) {
  if (g.inputs.empty() || g.t(g.inputs[0]).dtype != DType::I8)
    fail("--share-bits auto: graph '{}' is not int8 (give --calib)", g.name);
  const Tensor& in = g.t(g.inputs[0]);
  if (samples.shape.empty() || samples.shape[0] <= 0 || samples.numel() != samples.shape[0] * in.numel())
    fail("--share-bits auto: samples of shape {} do not fit graph input '{}' {}", shape_str(samples.shape), in.name,
         shape_str(in.shape));
  std::vector<Array> xs;
  for (int64_t s = 0; s < std::min(samples.shape[0], max_samples); ++s) xs.push_back(quantize_input(g, sample(samples, s, in)));
  const std::vector<double> ref = outputs(g, xs);
  ShareScan r;
  r.bits.assign(g.nodes.size(), 0);
  r.noise.assign(g.nodes.size(), 0);
  // One node at a time, the others as they are: the first width within tol.
  auto alone = [&](size_t i, int b) {
    std::vector<int> only(g.nodes.size(), 0);
    only[i] = b;
    return noise(outputs(shared(g, only), xs), ref);
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!has_encodable_weights(g, int(i))) continue;
    for (int b = 2; b <= 8; ++b) {
      r.bits[i] = b;
      r.noise[i] = alone(i, b);
      if (r.noise[i] <= tol) break;
    }
  }
  // Together the noises add up: widen the noisiest until the whole is within tol.
  for (;;) {
    r.noise_all = noise(outputs(shared(g, r.bits), xs), ref);
    if (r.noise_all <= tol) break;
    size_t worst = g.nodes.size();
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (r.bits[i] > 0 && r.bits[i] < 8 && (worst == g.nodes.size() || r.noise[i] > r.noise[worst])) worst = i;
    if (worst == g.nodes.size()) break;  // every node at 8 bits: the int8 values themselves
    r.noise[worst] = alone(worst, ++r.bits[worst]);
  }
  return r;
}

}  // namespace mote
