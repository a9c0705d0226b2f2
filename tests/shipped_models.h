// The ONNX models shipped under tests/data (PyTorch exports of every op family) and the demo's,
// each with samples of its input: what the suites that take any float graph (the ONNX writer,
// the libtorch module) run over.
#pragma once
#include <algorithm>
#include <cctype>
#include <string>

namespace mote::test {

struct ShippedModel {
  const char* model;  // under tests/data
  const char* input;  // its samples, [N] + the input shape
};

inline const ShippedModel kShippedModels[] = {
    {"models/mlp_opset13_folded.onnx", "models/mlp_input.npy"},
    {"models/lenet5_opset11_folded.onnx", "models/lenet5_input.npy"},
    {"models/dscnn_opset17_bn_kept.onnx", "models/dscnn_input.npy"},
    {"models/resnet_relu6_opset13_bn_kept.onnx", "models/resnet_relu6_input.npy"},
    {"models/autoencoder_opset13_bn_kept.onnx", "models/autoencoder_input.npy"},
    {"onnx_ops/ops_opset17.onnx", "onnx_ops/ops_input.npy"},
    {"onnx_ops/argmax_opset13.onnx", "onnx_ops/argmax_input.npy"},
    {"resample/attention.onnx", "resample/attention_input.npy"},
    {"resample/indexing.onnx", "resample/indexing_input.npy"},
    {"resample/tconv1d.onnx", "resample/tconv1d_input.npy"},
    {"resample/upsample_ae.onnx", "resample/upsample_ae_input.npy"},
    {"rnn/bilstm_cls.onnx", "rnn/bilstm_cls_input.npy"},
    {"rnn/gru_cls.onnx", "rnn/gru_cls_input.npy"},
    {"conv1d/conv1d.onnx", "conv1d/test_x.npy"},
    {"../../examples/fashion_mnist/fashion_cnn.onnx", "../../examples/fashion_mnist/calib.npy"},
};

// A test name for a model file: its stem with anything but letters and digits as '_'.
inline std::string model_test_name(const std::string& path) {
  std::string s = path.substr(path.find_last_of('/') + 1);
  s = s.substr(0, s.find('.'));
  std::replace_if(s.begin(), s.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return s;
}

}  // namespace mote::test
