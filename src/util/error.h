// Errors in the compiler: thrown as mote::Error, caught and printed by the CLI.
// Messages are one line and name what failed and where (file, node, op).
#pragma once
#include <stdexcept>
#include <string>
#include <fmt/format.h>

namespace mote {

// Names quoted from a file may hold any byte: control characters (a newline in a node name)
// are written as \xNN so that every message stays one line.
inline std::string one_line(const std::string& s) {
  static const char hex[] = "0123456789abcdef";
  std::string r;
  r.reserve(s.size());
  for (unsigned char c : s) {
    if (c >= 0x20 && c != 0x7f) {
      r += char(c);
    } else {
      r += "\\x";
      r += hex[c >> 4];
      r += hex[c & 15];
    }
  }
  return r;
}

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(one_line(msg)) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace mote
