// Small helpers shared by the compile-time parameter functions.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mote {

// "[2,3,4]", for error messages.
inline std::string dims_str(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

}  // namespace mote
