#include "train/progress.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace mote::train {
namespace {

std::string duration(double s) {
  const int64_t t = int64_t(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60) : fmt::format("{}:{:02}", t / 60, t % 60);
}

std::string rate(double samples_per_s) {
  return samples_per_s >= 10000 ? fmt::format("{:.1f}k/s", samples_per_s / 1000) : fmt::format("{:.0f}/s", samples_per_s);
}

}  // namespace

Progress Progress::for_stdout() { return Progress(stdout, ::isatty(STDOUT_FILENO) != 0); }

void Progress::start(const std::string& what, int64_t epochs, int64_t batches_per_epoch, int64_t first_epoch) {
  what_ = what;
  epochs_ = epochs;
  batches_ = batches_per_epoch;
  done_batches_ = 0;
  todo_batches_ = std::max<int64_t>(0, epochs - first_epoch) * batches_per_epoch;
  run_start_ = epoch_start_ = last_draw_ = Clock::now();
}

void Progress::batch(int64_t epoch, int64_t batch, double loss, double accuracy, int64_t samples, double sparsity) {
  const Clock::time_point now = Clock::now();
  if (batch == 0) epoch_start_ = now;
  ++done_batches_;
  // At most ten redraws a second, and always the last batch of an epoch.
  if (!live_ || (now - last_draw_ < std::chrono::milliseconds(100) && batch + 1 < batches_)) return;
  last_draw_ = now;
  const double in_epoch = std::chrono::duration<double>(now - epoch_start_).count();
  const double in_run = std::chrono::duration<double>(now - run_start_).count();
  const double eta = done_batches_ ? in_run / double(done_batches_) * double(std::max<int64_t>(0, todo_batches_ - done_batches_)) : 0;
  constexpr int kWidth = 24;
  const int filled = batches_ ? int(kWidth * (batch + 1) / batches_) : kWidth;
  std::string bar(size_t(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(size_t(kWidth - filled - 1), ' ');
  std::string line = fmt::format("\r{} epoch {}/{} [{}] {}/{} loss {:.4f}", what_, epoch, epochs_, bar, batch + 1, batches_, loss);
  if (accuracy >= 0) line += fmt::format(" acc {:.2f}%", 100 * accuracy);
  if (sparsity > 0) line += fmt::format(" sparsity {:.1f}%", 100 * sparsity);
  line += fmt::format(" {} ETA {}\x1b[K", rate(in_epoch > 0 ? double(samples) / in_epoch : 0), duration(eta));
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
  drawn_ = true;
}

void Progress::clear() {
  if (!drawn_) return;
  std::fputs("\r\x1b[K", out_);
  drawn_ = false;
}

void Progress::epoch(const EpochStats& s, bool classification, bool validated) {
  clear();
  std::string line = fmt::format("{} epoch {}/{}: loss {:.4f}", what_, s.epoch, epochs_, s.loss);
  if (classification) line += fmt::format(" acc {:.2f}%", 100 * s.accuracy);
  if (validated) {
    line += fmt::format(" | val loss {:.4f}", s.val_loss);
    if (classification) line += fmt::format(" acc {:.2f}%", 100 * s.val_accuracy);
  }
  if (s.sparsity > 0) line += fmt::format(" | sparsity {:.1f}%", 100 * s.sparsity);
  line += fmt::format(" | lr {:.3g} | {:.1f} s, {:.0f} samples/s\n", s.lr, s.seconds, s.samples_per_second);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

void Progress::note(const std::string& line) {
  clear();
  std::fputs((line + "\n").c_str(), out_);
  std::fflush(out_);
}

}  // namespace mote::train
