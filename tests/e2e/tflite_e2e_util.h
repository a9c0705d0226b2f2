// Helpers shared by the TFLite export suites: the models they export and int8 sample inputs.
#pragma once
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "driver/pipeline.h"
#include "io/array.h"

namespace mote {

struct ExportModel {
  std::string name, onnx, calib;
};

// The demo model and the PyTorch test models TFLite int8 can express (dscnn has a grouped
// convolution and HardSigmoid, which it cannot).
inline std::vector<ExportModel> export_models() {
  std::vector<ExportModel> v = {{"fashion", std::string(MOTE_SOURCE_DIR) + "/examples/fashion_mnist/fashion_cnn.onnx",
                                 std::string(MOTE_SOURCE_DIR) + "/examples/fashion_mnist/calib.npy"}};
  for (const char* m : {"autoencoder", "lenet5", "mlp", "resnet_relu6"})
    v.push_back({m, std::string(MOTE_TEST_DATA) + "/models/" + m + "_opset13_folded.onnx",
                 std::string(MOTE_TEST_DATA) + "/models/" + m + "_input.npy"});
  return v;
}

// Float samples in the imported graph's layout, quantized with the int8 graph's input params.
inline std::vector<int8_t> quantize_samples(const Pipeline& p, const Array& data) {
  const Array x = to_graph_layout(p.imported, data, "samples");
  const Tensor& in = p.graph.t(p.graph.inputs[0]);
  std::vector<int8_t> q(size_t(x.numel()));
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double v = std::round(double(x.as<float>()[i]) / in.quant.scale[0]) + in.quant.zero_point[0];
    q[size_t(i)] = int8_t(std::clamp(v, -128.0, 127.0));
  }
  return q;
}

// A model's own samples followed by `n_random` uniformly random int8 inputs.
inline std::vector<int8_t> model_inputs(const Pipeline& p, const std::string& samples, int n_random, int64_t* n) {
  std::vector<int8_t> q = quantize_samples(p, load_array(samples));
  const int64_t per = p.graph.t(p.graph.inputs[0]).numel();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> d(-128, 127);
  for (int64_t i = 0; i < n_random * per; ++i) q.push_back(int8_t(d(rng)));
  *n = int64_t(q.size()) / per;
  return q;
}

}  // namespace mote
