// libFuzzer entry point: the ONNX importer on arbitrary bytes.
#include "frontend/onnx/onnx_import.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mote::fuzz_one(data, size, "fuzz.onnx", mote::import_onnx_bytes);
}
