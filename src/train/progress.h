// What a training run shows while it runs: on a terminal a live bar (epoch, batch, loss,
// accuracy, throughput, ETA) redrawn in place; elsewhere one plain line per epoch.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "train/train.h"

namespace mote::train {

class Progress {
 public:
  // `live`: redraw a bar on `out` (a terminal); otherwise print one line per epoch.
  Progress(std::FILE* out, bool live) : out_(out), live_(live) {}
  // A progress for stdout, live when stdout is a terminal.
  static Progress for_stdout();

  // The run: what it is (shown in each line), its epochs and batches per epoch.
  void start(const std::string& what, int64_t epochs, int64_t batches_per_epoch, int64_t first_epoch);
  // After each batch: running means of the epoch so far, and the samples it has seen.
  void batch(int64_t epoch, int64_t batch, double loss, double accuracy, int64_t samples, double sparsity);
  void epoch(const EpochStats& s, bool classification, bool validated);
  // A line of its own (e.g. "early stop"), clearing a live bar first.
  void note(const std::string& line);

 private:
  using Clock = std::chrono::steady_clock;
  void clear();

  std::FILE* out_;
  bool live_;
  std::string what_;
  int64_t epochs_ = 0, batches_ = 0, done_batches_ = 0, todo_batches_ = 0;
  Clock::time_point epoch_start_, run_start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace mote::train
