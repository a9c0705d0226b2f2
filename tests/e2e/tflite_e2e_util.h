// Helpers shared by the TFLite export suites: the models they export and int8 sample inputs.
#pragma once
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "driver/pipeline.h"
#include "io/array.h"
#include "lower/lower.h"
#include "lower/registry.h"
#include "ref/executor.h"

namespace mote {

struct ExportModel {
  std::string name, onnx, calib;
};

// The demo model and the PyTorch test models the export writes op for op (dscnn's HardSigmoid
// becomes MUL + ADD: it is in op_export_models).
inline std::vector<ExportModel> export_models() {
  std::vector<ExportModel> v = {{"fashion", std::string(MOTE_SOURCE_DIR) + "/examples/fashion_mnist/fashion_cnn.onnx",
                                 std::string(MOTE_SOURCE_DIR) + "/examples/fashion_mnist/calib.npy"}};
  for (const char* m : {"autoencoder", "lenet5", "mlp", "resnet_relu6"})
    v.push_back({m, std::string(MOTE_TEST_DATA) + "/models/" + m + "_opset13_folded.onnx",
                 std::string(MOTE_TEST_DATA) + "/models/" + m + "_input.npy"});
  return v;
}

// The shipped PyTorch models of the later ops that export, each written with op sequences of
// TFLM's builtins where TFLite has no single op: ConvTranspose + Upsample (upsample_ae),
// ConvTranspose1d (tconv1d), Split / Slice / Gather / Tile / Expand (indexing), a bidirectional
// LSTM (bilstm_cls), Conv1d (conv1d), grouped conv + HardSigmoid (dscnn at opsets 11, 13) and
// HardSwish (dscnn at opset 17). The GRU classifier (TFLite has no GRU) and the attention block
// (no LayerNorm) are refused.
inline std::vector<ExportModel> op_export_models() {
  const std::string d = MOTE_TEST_DATA;
  std::vector<ExportModel> v = {{"upsample_ae", d + "/resample/upsample_ae.onnx", d + "/resample/upsample_ae_calib.npy"},
                                {"tconv1d", d + "/resample/tconv1d.onnx", d + "/resample/tconv1d_input.npy"},
                                {"indexing", d + "/resample/indexing.onnx", d + "/resample/indexing_input.npy"},
                                {"bilstm_cls", d + "/rnn/bilstm_cls.onnx", d + "/rnn/calib_x.npy"},
                                {"conv1d", d + "/conv1d/conv1d.onnx", d + "/conv1d/calib.npy"}};
  for (const char* opset : {"11", "13", "17"})
    for (const char* bn : {"folded", "bn_kept"})
      v.push_back({std::string("dscnn_opset") + opset + "_" + bn, d + "/models/dscnn_opset" + opset + "_" + bn + ".onnx",
                   d + "/models/dscnn_input.npy"});
  return v;
}

// Every shipped float model the TFLite export writes as float32 (no calibration): the int8
// export's models, the MLPerf stand-ins (anomaly-detection autoencoder, visual-wake-words
// MobileNet) and the ArgMax model (int32 indices).
inline std::vector<ExportModel> float_export_models() {
  std::vector<ExportModel> v = export_models();
  for (const ExportModel& m : op_export_models()) v.push_back(m);
  const std::string d = std::string(MOTE_TEST_DATA) + "/mlperf/";
  for (const char* m : {"ad_autoencoder", "vww_mobilenet"}) v.push_back({m, d + m + ".onnx", d + m + "_input.npy"});
  const std::string ops = std::string(MOTE_TEST_DATA) + "/onnx_ops/";
  v.push_back({"argmax", ops + "argmax_opset13.onnx", ops + "argmax_input.npy"});
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

// The int8 graph's output bytes for n consecutive samples of `in`, one after another.
inline std::vector<int8_t> run_samples(const Graph& g, const std::vector<int8_t>& in, int64_t n) {
  const Tensor& t = g.t(g.inputs[0]);
  std::vector<int8_t> out;
  for (int64_t s = 0; s < n; ++s) {
    Array a;
    a.dtype = DType::I8;
    a.shape = t.shape;
    a.bytes.assign(in.begin() + s * t.numel(), in.begin() + (s + 1) * t.numel());
    Array y = run_int8(g, lower(g, host_target()).calls, {a}).at(0);
    out.insert(out.end(), y.as<int8_t>(), y.as<int8_t>() + y.numel());
  }
  return out;
}

}  // namespace mote
