// mote distill --teacher T.onnx (--student S.onnx | --arch SPEC) --data X --labels Y -o OUT:
// Hinton knowledge distillation into a student.
#include "cli/commands.h"
#include "cli/train_common.h"
#include "frontend/import.h"
#include "train/progress.h"

namespace mote::cli {

void add_distill(CLI::App& app) {
  auto* cmd = app.add_subcommand("distill", "train a student (ONNX or --arch) from a teacher's soft targets and the labels");
  static TrainArgs a;
  static std::string teacher;
  cmd->add_option("--teacher", teacher, "the teacher model (.onnx): same inputs, same classes")->required();
  add_train_options(cmd, &a, "--student", true);
  cmd->add_option("--temperature", a.fit.temperature, "softmax temperature T of both models' logits")->capture_default_str();
  cmd->add_option("--alpha", a.fit.alpha, "weight of the soft loss (T^2 KL); 1 - alpha weighs the labels' cross entropy")
      ->capture_default_str();
  cmd->callback([] {
    const Graph t = import_model(teacher);
    Prepared p = prepare(a);
    a.fit.teacher = &t;
    train::Progress progress = train::Progress::for_stdout();
    const train::FitResult r = train::fit(p.model, p.data, a.fit, &progress);
    finish(a, "distill", r, p, {{"teacher", teacher}, {"temperature", a.fit.temperature}, {"alpha", a.fit.alpha}});
  });
}

}  // namespace mote::cli
