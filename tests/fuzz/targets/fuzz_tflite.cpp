// libFuzzer entry point: the TFLite importer (FlatBuffers verifier, then the graph) on arbitrary bytes.
#include "frontend/tflite/tflite_import.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mote::fuzz_one(data, size, "fuzz.tflite", mote::import_tflite_bytes);
}
