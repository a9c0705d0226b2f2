#pragma once
#include <string>

#include "ir/ir.h"

namespace mote {

// Imports a TensorFlow Lite model (.tflite, schema v3) into an IR graph in NHWC layout: a float32
// graph for float models, an int8 graph with the file's quantization parameters for fully int8
// models (a leading float->int8 QUANTIZE and a trailing int8->float DEQUANTIZE are dropped, so
// the graph's input and output are int8). The file goes through the FlatBuffers verifier before
// anything reads it. Throws mote::Error with one line naming the file, operator index, op and
// op version on anything unsupported or malformed.
Graph import_tflite(const std::string& path);
// The same for a model already in memory; `path` only names it in errors and gives the graph its name.
Graph import_tflite_bytes(const std::string& file, const std::string& path);

}  // namespace mote
