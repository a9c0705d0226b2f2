// What the fuzz targets and the corpus tests accept from a rejected input: a mote::Error of one
// line that starts with the name the input was given.
#pragma once
#include <string>

#include "util/error.h"

namespace mote {

inline bool clean_rejection(const Error& e, const std::string& name) {
  const std::string m = e.what();
  return m.find('\n') == std::string::npos && m.rfind(name + ":", 0) == 0;
}

}  // namespace mote
