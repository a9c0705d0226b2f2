#include "frontend/import.h"

#include "frontend/onnx/onnx_import.h"
#include "frontend/tflite/tflite_import.h"

namespace mote {

static bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Graph import_model(const std::string& path) {
  if (ends_with(path, ".tflite")) return import_tflite(path);
  return import_onnx(path);
}

bool is_prequantized(const Graph& g) {
  for (int i : g.inputs)
    if (g.t(i).dtype == DType::I8 || g.t(i).dtype == DType::I16) return true;
  return false;
}

}  // namespace mote
