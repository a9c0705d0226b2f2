#include "util/process.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "util/error.h"
#include "util/file.h"

namespace mote {

namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

int run_command(const std::string& cmd, const std::string& log) {
  const int rc = std::system(("( " + cmd + " ) > " + shell_quote(log) + " 2>&1").c_str());
  if (rc == -1) return 127;
  if (WIFEXITED(rc)) return WEXITSTATUS(rc);
  return WIFSIGNALED(rc) ? 128 + WTERMSIG(rc) : rc;
}

void run_logged(const std::string& cmd, const std::string& log, const std::string& what) {
  const int rc = run_command(cmd, log);
  if (rc != 0) {
    std::string text = fs::exists(log) ? read_file(log) : std::string();
    if (text.size() > 2000) text = "..." + text.substr(text.size() - 2000);
    fail("{} failed (status {}): {}", what, rc, text);
  }
}

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) fail("cannot create a temp folder in {}", fs::temp_directory_path().string());
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

}  // namespace mote
