// Helpers of the Cortex-M suites: the tools they need, the models mote ships, inputs, and
// compiling a model for a target into a folder.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "driver/pipeline.h"
#include "e2e/e2e_util.h"

namespace mote {

inline bool have_tool(const char* t) {
  return std::system((std::string("command -v ") + t + " > /dev/null 2>&1").c_str()) == 0;
}
inline bool have_cortex_m_tools() { return have_tool("arm-none-eabi-gcc") && have_tool("qemu-system-arm"); }

// A model mote ships: the test models, the demo, the MLPerf Tiny models. calib empty: the file
// is compiled as it is (an int8 .tflite, or a float model). encode: its weights as
// mote compile --encode stores them (the decoders and NAME_init's checks in the image).
struct ShippedModel {
  std::string name, path, calib;
  EncodeOptions encode{};
};

// Test names show the model, not its bytes.
inline void PrintTo(const ShippedModel& m, std::ostream* os) { *os << m.name; }

inline std::vector<ShippedModel> shipped_models() {
  const std::string d = MOTE_TEST_DATA, s = std::string(MOTE_SHARED_DIR) + "/models/";
  return {
      {"mlp", d + "/models/mlp_opset13_folded.onnx", d + "/models/mlp_input.npy"},
      {"lenet5", d + "/models/lenet5_opset13_folded.onnx", d + "/models/lenet5_input.npy"},
      {"lenet5_huffman", d + "/models/lenet5_opset13_folded.onnx", d + "/models/lenet5_input.npy", {EncodeMode::Huffman, 4}},
      {"dscnn", d + "/models/dscnn_opset13_folded.onnx", d + "/models/dscnn_input.npy"},
      {"resnet_relu6", d + "/models/resnet_relu6_opset13_folded.onnx", d + "/models/resnet_relu6_input.npy"},
      {"autoencoder", d + "/models/autoencoder_opset13_folded.onnx", d + "/models/autoencoder_input.npy"},
      {"conv1d", d + "/conv1d/conv1d.onnx", d + "/conv1d/calib.npy"},
      {"onnx_ops", d + "/onnx_ops/ops_opset13.onnx", d + "/onnx_ops/ops_input.npy"},
      {"argmax", d + "/onnx_ops/argmax_opset13.onnx", d + "/onnx_ops/argmax_input.npy"},
      {"bilstm", d + "/rnn/bilstm_cls.onnx", d + "/rnn/calib_x.npy"},
      {"gru", d + "/rnn/gru_cls.onnx", d + "/rnn/calib_x.npy"},
      {"attention", d + "/resample/attention.onnx", d + "/resample/attention_input.npy"},
      {"attention_f32", d + "/resample/attention.onnx", ""},
      {"indexing", d + "/resample/indexing.onnx", d + "/resample/indexing_input.npy"},
      {"tconv1d", d + "/resample/tconv1d.onnx", d + "/resample/tconv1d_input.npy"},
      {"upsample_ae", d + "/resample/upsample_ae.onnx", d + "/resample/upsample_ae_calib.npy"},
      {"fashion", std::string(MOTE_SOURCE_DIR) + "/examples/fashion_mnist/fashion_cnn.onnx",
       std::string(MOTE_SOURCE_DIR) + "/examples/fashion_mnist/calib.npy"},
      {"vww_mobilenet", d + "/mlperf/vww_mobilenet.onnx", d + "/mlperf/vww_mobilenet_input.npy"},
      {"ad_autoencoder", d + "/mlperf/ad_autoencoder.onnx", d + "/mlperf/ad_autoencoder_input.npy"},
      {"kws", s + "kws_ref_model.tflite", ""},
      {"resnet_quant", s + "pretrainedResnet_quant.tflite", ""},
      {"resnet_f32", s + "pretrainedResnet.tflite", ""},
  };
}

// Compiles `m` for `target` into `outdir` (calibrating on 8 samples) and returns report.json.
inline nlohmann::json compile_for(const ShippedModel& m, const std::string& target, const fs::path& outdir,
                                  const std::string& part = "") {
  PipelineOptions opt;
  opt.model = m.path;
  opt.calib = m.calib;
  opt.calib_limit = 8;
  opt.target = target;
  opt.part = part;
  opt.encode = m.encode;
  return write_compiled(run_pipeline(opt), opt, m.name, outdir.string());
}

// `n` pseudo-random inputs for a model with the given report: int8 bytes, or floats in [-1, 1).
inline std::string random_inputs(const nlohmann::json& report, int n, uint32_t seed) {
  const int64_t bytes = report.at("input").at("bytes").get<int64_t>();
  const bool is_float = report.at("input").at("dtype").get<std::string>() == "f32";
  std::string in(size_t(bytes * n), '\0');
  auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return seed;
  };
  if (is_float)
    for (size_t k = 0; k + 4 <= in.size(); k += 4) {
      const float v = float(next() >> 8) / float(1 << 23) - 1.0f;
      std::memcpy(&in[k], &v, 4);
    }
  else
    for (char& c : in) c = char(next() >> 24);
  return in;
}

// The C element types of a report's input and output, as the host harness needs them.
inline std::string c_type(const std::string& dtype) {
  return dtype == "f32" ? "float" : dtype == "i32" ? "int32_t" : "int8_t";
}

}  // namespace mote
