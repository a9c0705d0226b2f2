// --share-bits auto: per layer, the fewest weight-sharing bits the model's output tolerates, from
// a sensitivity scan with the int8 reference on calibration samples (no labels needed).
#pragma once
#include <cstdint>
#include <vector>

#include "io/array.h"
#include "ir/ir.h"

namespace mote {

// Output noise of the scan: the squared difference of the graph's first output from the
// unshared model's, summed over the samples, as a fraction of that output's variance.
constexpr double kShareNoiseTol = 0.01;

struct ShareScan {
  std::vector<int> bits;      // per node: 2..8, 0 for a node without encodable weights
  std::vector<double> noise;  // per node: the output noise with its bits alone
  double noise_all = 0;       // with every node's bits at once
};

// `samples`: float data shaped [N, graph input...] in the graph's layout, as quantize() takes it;
// the first max_samples run. Each node with encodable weights (encode/graph.h) gets the fewest
// bits in 2..8 whose sharing alone keeps the noise within tol; then, while all of them together
// exceed tol, the node with the largest noise of its own gets one bit more. Throws on a graph
// that is not int8 or samples that do not fit its input.
ShareScan scan_share_bits(const Graph& g, const Array& samples, double tol = kShareNoiseTol,
                          int64_t max_samples = 256);

}  // namespace mote
