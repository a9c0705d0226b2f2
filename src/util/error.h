// Errors in the compiler: thrown as mote::Error, caught and printed by the CLI.
// Messages are one line and name what failed and where (file, node, op).
#pragma once
#include <stdexcept>
#include <string>
#include <fmt/format.h>

namespace mote {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace mote
