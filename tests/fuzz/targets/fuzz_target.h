// The body of every libFuzzer entry point: runs `read` on the input under the name `name`. A
// rejection must be a one-line mote::Error naming the input; anything else (another exception,
// a sanitizer report, a leak) is a crash.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_check.h"

namespace mote {

template <typename Read>
int fuzz_one(const uint8_t* data, size_t size, const std::string& name, Read read) {
  try {
    read(std::string(reinterpret_cast<const char*>(data), size), name);
  } catch (const Error& e) {
    if (!clean_rejection(e, name)) {
      std::fprintf(stderr, "bad error message (must be one line starting with '%s:'): %s\n", name.c_str(), e.what());
      std::abort();
    }
  }
  return 0;
}

}  // namespace mote
