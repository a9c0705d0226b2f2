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

using ::mote::CliRun;
using ::mote::expect_clean_failure;
using ::mote::mote_cli;
using ::mote::slurp;

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

}  // namespace mote::test
