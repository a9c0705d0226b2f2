// Helpers of the training tests: sample subsets, small data sets, running the mote command line.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "e2e/e2e_util.h"
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

// A temporary directory; d / "name" is a path in it.
struct Dir : TempDir {
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

using ::mote::slurp;

struct CliRun {
  int code = 0;
  std::string out, err;
};

// `mote ARGS` with stdout and stderr captured (stdin from /dev/null, so never a terminal).
inline CliRun mote_cli(const std::string& args) {
  Dir d;
  const std::string out = d / "stdout", err = d / "stderr";
  const int status = std::system((std::string(MOTE_CLI) + " " + args + " >" + out + " 2>" + err + " </dev/null").c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// A classification data set that a small MLP learns in a few epochs: `classes` Gaussian blobs
// in `dim` dimensions, x [n, dim] float32 and y [n] int64, written to X_PATH and Y_PATH.
inline void write_blobs(const std::string& x_path, const std::string& y_path, int64_t n, int64_t dim, int64_t classes,
                        uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> centers(size_t(classes * dim));
  for (float& c : centers) c = 3.0f * noise(rng);
  Array x, y;
  x.dtype = DType::F32;
  x.shape = {n, dim};
  x.bytes.resize(size_t(n * dim) * 4);
  y.dtype = DType::I64;
  y.shape = {n};
  y.bytes.resize(size_t(n) * 8);
  for (int64_t s = 0; s < n; ++s) {
    const int64_t c = s % classes;
    y.as_mut<int64_t>()[s] = c;
    for (int64_t d = 0; d < dim; ++d) x.as_mut<float>()[s * dim + d] = centers[size_t(c * dim + d)] + noise(rng);
  }
  save_npy(x_path, x);
  save_npy(y_path, y);
}

// A failed command: exit 1, one line on stderr naming every needle, nothing at `left_out`.
inline void expect_clean_failure(const CliRun& r, const std::vector<std::string>& needles, const std::string& left_out) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("mote: error: ", 0), 0u) << r.err;
  for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "'" << n << "' not in: " << r.err;
  EXPECT_FALSE(fs::exists(left_out)) << left_out << " was left behind";
}

}  // namespace mote::test
