#pragma once
#include <string>

#include "ir/ir.h"

namespace mote {

// Imports a model by its file name: .tflite through the TFLite frontend, anything else as ONNX.
Graph import_model(const std::string& path);

// True for a graph whose inputs are already int8 (an int8 .tflite): it is compiled as it is,
// without calibration.
bool is_prequantized(const Graph& g);

}  // namespace mote
