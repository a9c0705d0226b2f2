// Running tools (compilers, QEMU) through the shell, and private temporary folders.
#pragma once
#include <string>

namespace mote {

// `s` as one single-quoted shell word.
std::string shell_quote(const std::string& s);

// Runs `cmd` with stdout and stderr in the file `log`; returns the exit status (as from
// std::system, decoded: 0 on success, the exit code, or 128 + signal).
int run_command(const std::string& cmd, const std::string& log);

// Runs `cmd`; when it fails throws mote::Error "WHAT failed (status N): <the log's tail>".
void run_logged(const std::string& cmd, const std::string& log, const std::string& what);

// A private folder under the system temp folder, removed with everything in it.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& prefix = "mote");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace mote
