#include "cli/train_common.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backend/onnx/onnx_export.h"
#include "frontend/import.h"
#include "ir/op_registry.h"
#include "train/progress.h"
#include "util/file.h"

namespace mote::cli {

void add_train_options(CLI::App* cmd, TrainArgs* a, const std::string& model_flag, bool arch, const std::string& output_flag) {
  if (!model_flag.empty()) cmd->add_option(model_flag, a->model, "model to train (.onnx)");
  if (arch) cmd->add_option("--arch", a->arch, "built-in architecture: mlp:H1,H2,..., lenet5, dscnn[:C], mobilenet[:C], cnn1d[:C], resnet8, autoencoder[:B]");
  cmd->add_option("--data", a->data, "training samples (.npy/.npz/IDX) in the model's input layout");
  cmd->add_option("--labels", a->labels, "class per sample (or targets per output); without: the data is the target");
  cmd->add_option("--data-key", a->data_key, "member of an .npz data file");
  cmd->add_option("--labels-key", a->labels_key, "member of an .npz labels file");
  cmd->add_option("--limit", a->limit, "use the first N samples only (0 = all)");
  cmd->add_option("--classes", a->classes, "classes of an --arch model (default: largest label + 1)");
  cmd->add_option("--test-data", a->test_data, "held-out samples: accuracy at the end");
  cmd->add_option("--test-labels", a->test_labels, "labels of --test-data");
  cmd->add_option(output_flag, a->out, "the trained model (.onnx)");
  cmd->add_option("--log", a->log, "write the history and final figures as JSON");
  train::FitOptions& f = a->fit;
  cmd->add_option("--epochs", f.epochs, "passes over the training data")->capture_default_str();
  cmd->add_option("--batch", f.batch, "samples per step")->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "sgd (with momentum) or adam")->check(CLI::IsMember({"sgd", "adam"}))->capture_default_str();
  cmd->add_option("--lr", f.lr, "learning rate")->capture_default_str();
  cmd->add_option("--momentum", f.momentum, "SGD momentum")->capture_default_str();
  cmd->add_option("--weight-decay", f.weight_decay, "L2 weight decay")->capture_default_str();
  cmd->add_option("--schedule", a->schedule, "learning-rate schedule: constant, step (--step-epochs, --gamma), cosine")
      ->check(CLI::IsMember({"constant", "step", "cosine"}))
      ->capture_default_str();
  cmd->add_option("--step-epochs", f.step_epochs, "step schedule: epochs between decays")->capture_default_str();
  cmd->add_option("--gamma", f.gamma, "step schedule: decay factor")->capture_default_str();
  cmd->add_option("--val-split", f.val_split, "fraction of the data held out for validation")->capture_default_str();
  cmd->add_option("--patience", f.patience, "early stop after N epochs without a better validation score (0 = never)");
  cmd->add_option("--select", a->select, "the validation score that picks the epoch kept: loss, or accuracy (classification)")
      ->check(CLI::IsMember({"loss", "accuracy"}))
      ->capture_default_str();
  cmd->add_option("--augment-shift", f.augment.shift, "augmentation: shift each training sample by up to N time steps")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--augment-time-mask", f.augment.time_mask, "augmentation: mask up to N consecutive time steps (SpecAugment)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--augment-freq-mask", f.augment.freq_mask, "augmentation: mask up to N consecutive frequency bins (SpecAugment)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--augment-noise", f.augment.noise, "augmentation: Gaussian noise, this fraction of the data's deviation")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", f.seed, "seed of initialization, split and shuffling: same seed, same weights")->capture_default_str();
  cmd->add_option("--threads", f.threads, "libtorch threads (0 = its default; results repeat for the same count)");
  cmd->add_option("--checkpoint", f.checkpoint_dir, "write DIR/checkpoint.mote after every epoch and on Ctrl-C");
  cmd->add_flag("--resume", f.resume, "continue the run saved in --checkpoint DIR");
}

Prepared prepare(TrainArgs& a) {
  if (a.data.empty()) fail("--data is required");
  if (a.model.empty() == a.arch.empty()) fail("give either a model file or --arch SPEC (not {})", a.model.empty() ? "neither" : "both");
  a.fit.select_accuracy = a.select == "accuracy";
  a.fit.optimizer = a.optimizer == "sgd" ? train::Optimizer::Sgd : train::Optimizer::Adam;
  a.fit.schedule = a.schedule == "step" ? train::Schedule::Step : a.schedule == "cosine" ? train::Schedule::Cosine : train::Schedule::Constant;
  if (a.needs_output && a.out.empty()) fail("-o OUT.onnx is required");
  if (!a.out.empty()) {
    const std::filesystem::path out_dir = std::filesystem::absolute(a.out).parent_path();
    if (!std::filesystem::is_directory(out_dir)) fail("{}: directory {} does not exist", a.out, out_dir.string());
  }
  if (a.test_data.empty() != a.test_labels.empty()) fail("--test-data and --test-labels go together");
  Prepared p;
  const train::RawData raw = train::read_data(a.data, a.labels, a.limit, a.data_key, a.labels_key);
  if (!a.arch.empty()) {
    if (raw.x.shape.size() < 2) fail("{}: data of shape {} has no samples axis", a.data, shape_str(raw.x.shape));
    int64_t classes = a.classes;
    if (classes <= 0 && !a.labels.empty()) {
      for (int64_t k = 0; k < raw.y.numel(); ++k) classes = std::max<int64_t>(classes, int64_t(raw.y.get_f32(k)) + 1);
    }
    const Shape sample(raw.x.shape.begin() + 1, raw.x.shape.end());
    p.model = train::build_arch(a.arch, sample, std::max<int64_t>(classes, 1), raw.x.dtype == DType::U8, a.fit.seed);
  } else {
    p.model = import_model(a.model);
  }
  p.data = train::make_samples(p.model, raw);
  if (!a.test_data.empty()) p.test = train::make_samples(p.model, train::read_data(a.test_data, a.test_labels, 0));
  return p;
}

ParamCount count_params(const Graph& g) {
  ParamCount c;
  for (const Tensor& t : g.tensors) {
    if (!t.is_const() || t.dtype != DType::F32) continue;
    c.params += t.numel();
    for (int64_t k = 0; k < t.numel(); ++k) c.nonzero += t.as<float>()[k] != 0.0f;
  }
  return c;
}

void finish(const TrainArgs& a, const std::string& command, const train::FitResult& r, const Prepared& p,
            const nlohmann::json& extra) {
  nlohmann::json history = nlohmann::json::array();
  for (const train::EpochStats& e : r.history)
    history.push_back({{"epoch", e.epoch}, {"loss", e.loss}, {"accuracy", e.accuracy}, {"val_loss", e.val_loss},
                       {"val_accuracy", e.val_accuracy}, {"lr", e.lr}, {"sparsity", e.sparsity}, {"seconds", e.seconds},
                       {"samples_per_second", e.samples_per_second}});
  const ParamCount pc = count_params(r.model);
  nlohmann::json log = {{"command", command}, {"output", a.out}, {"history", history}, {"best_epoch", r.best_epoch},
                        {"stopped_early", r.stopped_early}, {"samples_per_second", r.samples_per_second},
                        {"params", pc.params}, {"nonzero_params", pc.nonzero}};
  std::string test;
  if (p.test.count > 0) {
    const train::Metrics m = train::evaluate(r.model, p.test);
    log["test_loss"] = m.loss;
    if (p.test.classification()) {
      log["test_accuracy"] = m.accuracy;
      test = fmt::format(", test accuracy {:.2f}%", 100 * m.accuracy);
    } else {
      test = fmt::format(", test loss {:.5f}", m.loss);
    }
  }
  for (const auto& [k, v] : extra.items()) log[k] = v;
  write_onnx(r.model, a.out);
  std::string val;
  if (!r.history.empty() && a.fit.val_split > 0) {
    const train::EpochStats& best = r.history[size_t(std::max<int64_t>(1, r.best_epoch) - 1)];
    val = p.data.classification() ? fmt::format(", validation accuracy {:.2f}%", 100 * best.val_accuracy)
                                : fmt::format(", validation loss {:.5f}", best.val_loss);
  }
  fmt::print("wrote {}: {} parameters ({} non-zero), epoch {}{}{}, {:.0f} samples/s\n", a.out, pc.params, pc.nonzero, r.best_epoch, val,
             test, r.samples_per_second);
  if (!a.log.empty()) write_file_atomic(a.log, log.dump(2) + "\n");
}

std::pair<std::string, double> name_value(const std::string& flag, const std::string& item, const std::string& form) {
  const size_t eq = item.rfind('=');
  size_t used = 0;
  double v = 0;
  try {
    if (eq != std::string::npos) v = std::stod(item.substr(eq + 1), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (eq == std::string::npos || eq == 0 || used == 0 || used != item.size() - eq - 1) fail("{} {}: expected {}", flag, item, form);
  return {item.substr(0, eq), v};
}

}  // namespace mote::cli
