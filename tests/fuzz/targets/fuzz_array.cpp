// libFuzzer entry point: the data-file reader (.npy, .npz via libzip, IDX, any of them gzipped)
// on arbitrary bytes. Loaded arrays are read back element by element, so a shape that does not
// match the bytes shows up as an out-of-bounds read.
#include "fuzz_target.h"
#include "io/array.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mote::fuzz_one(data, size, "fuzz.data", [](const std::string& bytes, const std::string& name) {
    const mote::Array a = mote::parse_array(bytes, name);
    float sum = 0;
    for (int64_t k = 0; k < a.numel(); ++k) sum += a.get_f32(k);
    volatile float sink = sum;
    (void)sink;
  });
}
