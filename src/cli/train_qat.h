// `mote quantize --qat`: its options and the training run, kept out of quantize.cpp so that
// the command builds without training.
#pragma once
#include <string>

#include "cli/train_common.h"

namespace mote::cli {

struct QatArgs {
  bool on = false;
  int bits = 8;
  TrainArgs train;
};

void add_qat_options(CLI::App* cmd, QatArgs* q);
// Trains `model` with QAT on the calibration data the quantize command uses; writes --save and
// returns its path.
std::string run_qat(QatArgs& q, const std::string& model, const std::string& calib, const std::string& method, int64_t calib_limit);

}  // namespace mote::cli
