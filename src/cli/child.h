// Running a mote command in a child process (mote run PIPELINE.yaml's stages, mote fit's
// candidates): the same binary, so every command behaves as it does on the command line.
#pragma once
#include <string>
#include <vector>

namespace mote::cli {

// Runs `mote ARGS...`; its stderr goes to `stderr_path`, its stdout to `stdout_path` (empty:
// ours). Returns "" on success, else the child's last stderr line without "mote: error: " (or
// "no message").
std::string run_mote(const std::vector<std::string>& args, const std::string& stderr_path,
                     const std::string& stdout_path = "");

}  // namespace mote::cli
