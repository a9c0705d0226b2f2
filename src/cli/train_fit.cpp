// mote train (MODEL | --arch SPEC) --data X --labels Y -o OUT.onnx: train a float model.
#include "cli/commands.h"
#include "cli/train_common.h"
#include "train/progress.h"

namespace mote::cli {

void add_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "train a model (ONNX or --arch) on a data set; writes a float ONNX");
  static TrainArgs a;
  add_train_options(cmd, &a, "model", true);
  cmd->callback([] {
    Prepared p = prepare(a);
    train::Progress progress = train::Progress::for_stdout();
    const train::FitResult r = train::fit(p.model, p.data, a.fit, &progress);
    finish(a, "train", r, p);
  });
}

}  // namespace mote::cli
