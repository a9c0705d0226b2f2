#include "cli/child.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "util/error.h"
#include "util/file.h"

namespace mote::cli {

std::string run_mote(const std::vector<std::string>& args, const std::string& stderr_path, const std::string& stdout_path) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) fail("cannot start mote {}", args.empty() ? "" : args[0]);
  if (pid == 0) {
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err >= 0) ::dup2(err, STDERR_FILENO);
    if (!stdout_path.empty()) {
      const int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out >= 0) ::dup2(out, STDOUT_FILENO);
    }
    std::vector<std::string> copy = args;
    std::string self = "mote";
    std::vector<char*> argv{self.data()};
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::string msg = read_file(stderr_path);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (!msg.empty()) std::fprintf(stderr, "%s\n", msg.c_str());
    return "";
  }
  const size_t nl = msg.find_last_of('\n');
  std::string last = nl == std::string::npos ? msg : msg.substr(nl + 1);
  if (last.rfind("mote: error: ", 0) == 0) last = last.substr(13);
  return last.empty() ? "no message" : last;
}

}  // namespace mote::cli
