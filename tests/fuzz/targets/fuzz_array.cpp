// libFuzzer entry point: the data-file reader (.npy, .npz via libzip, IDX, any of them gzipped)
// on arbitrary bytes. A rejection must be a one-line mote::Error naming the input; anything else
// is a crash. Loaded arrays are read back element by element, so a shape that does not match
// the bytes shows up as an out-of-bounds read.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_check.h"
#include "io/array.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string name = "fuzz.data";
  try {
    const mote::Array a = mote::parse_array(std::string(reinterpret_cast<const char*>(data), size), name);
    float sum = 0;
    for (int64_t k = 0; k < a.numel(); ++k) sum += a.get_f32(k);
    volatile float sink = sum;
    (void)sink;
  } catch (const mote::Error& e) {
    if (!mote::clean_rejection(e, name)) {
      std::fprintf(stderr, "bad error message (must be one line starting with '%s:'): %s\n", name.c_str(), e.what());
      std::abort();
    }
  }
  return 0;
}
