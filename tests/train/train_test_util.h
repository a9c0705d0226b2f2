// Helpers of the training tests: sample subsets, small data sets, running the mote command line.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "io/array.h"

namespace mote::test {

namespace fs = std::filesystem;

// The first min(n, N) samples of a data array, as float32.
inline Array first_samples(const Array& a, int64_t n) {
  Array r;
  r.dtype = DType::F32;
  r.shape = a.shape;
  r.shape[0] = std::min(n, a.shape[0]);
  const int64_t count = numel(r.shape);
  r.bytes.resize(size_t(count) * sizeof(float));
  for (int64_t k = 0; k < count; ++k) r.as_mut<float>()[k] = a.get_f32(k);
  return r;
}

struct Dir {
  fs::path path;
  Dir() {
    std::string t = (fs::temp_directory_path() / "mote-train-XXXXXX").string();
    if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
    path = t;
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Run {
  int code = 0;
  std::string out, err;
};

// `mote ARGS` with stdout and stderr captured (stdin from /dev/null, so never a terminal).
inline Run mote_cli(const std::string& args) {
  Dir d;
  const std::string out = d / "stdout", err = d / "stderr";
  const int status = std::system((std::string(MOTE_CLI) + " " + args + " >" + out + " 2>" + err + " </dev/null").c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace mote::test
