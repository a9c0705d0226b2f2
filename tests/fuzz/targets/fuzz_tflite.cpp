// libFuzzer entry point: the TFLite importer (FlatBuffers verifier, then the graph) on arbitrary
// bytes. A rejection must be a one-line mote::Error naming the input; anything else (another
// exception, a sanitizer report, a leak) is a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "frontend/tflite/tflite_import.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string name = "fuzz.tflite";
  try {
    mote::import_tflite_bytes(std::string(reinterpret_cast<const char*>(data), size), name);
  } catch (const mote::Error& e) {
    if (!mote::clean_rejection(e, name)) {
      std::fprintf(stderr, "bad error message (must be one line starting with '%s:'): %s\n", name.c_str(), e.what());
      std::abort();
    }
  }
  return 0;
}
