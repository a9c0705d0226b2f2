// What the training commands (train, distill, prune, share) share: the model or --arch, the data,
// the optimizer and schedule options, and writing the result.
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "ir/ir.h"
#include "train/train.h"

namespace mote::cli {

struct TrainArgs {
  std::string model, arch;  // exactly one: a model file or a built-in architecture
  std::string data, labels, data_key, labels_key;
  std::string test_data, test_labels;  // optional: accuracy on a held-out set at the end
  std::string out, log;
  int64_t limit = 0, classes = 0;
  std::string optimizer = "adam", schedule = "constant", select = "loss";
  bool needs_output = true;  // false: a report only (mote prune --scan)
  train::FitOptions fit;
};

// Registers the options; `model_flag` names the model option ("model" positional, "--student",
// "" for none: the command has its own), `output_flag` the trained model's.
void add_train_options(CLI::App* cmd, TrainArgs* a, const std::string& model_flag, bool arch,
                       const std::string& output_flag = "-o,--output");

// The model (imported, or built for the data by --arch) and its data set, checked before any
// training; the output directory is checked too.
struct Prepared {
  Graph model;
  train::Samples data, test;  // test: empty without --test-data
};
Prepared prepare(TrainArgs& a);

// Writes the trained model (-o), prints the summary and writes the --log JSON. `extra` goes
// into the log as it is.
void finish(const TrainArgs& a, const std::string& command, const train::FitResult& r, const Prepared& p,
            const nlohmann::json& extra = {});

// NAME=V of a per-layer option (--layer-sparsity, --layer-bits); throws "FLAG ITEM: expected
// NAME=FORM" when the item is not a name, '=' and a number.
std::pair<std::string, double> name_value(const std::string& flag, const std::string& item, const std::string& form);

// Parameters and non-zero parameters of the weights training changes.
struct ParamCount {
  int64_t params = 0, nonzero = 0;
};
ParamCount count_params(const Graph& g);

}  // namespace mote::cli
