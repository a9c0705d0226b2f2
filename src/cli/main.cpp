// mote: ONNX model in, verified int8 C99 code for a microcontroller out.
#include <cstdio>

#include "cli/commands.h"
#include "util/error.h"

namespace mote::cli {

void add_calib_options(CLI::App* cmd, CalibOptions* o, bool required) {
  auto* c = cmd->add_option("--calib", o->calib, "calibration data (.npy/.npz/IDX) in the model's input layout");
  if (required) c->required();
  cmd->add_option("--method", o->method, "calibration method")
      ->check(CLI::IsMember({"minmax", "percentile", "mse"}));
  cmd->add_option("--calib-limit", o->limit, "use at most this many calibration samples (0 = all)");
  cmd->add_option("--activations", o->activations,
                  "int8 (the TFLite int8 spec) or int16 (TFLite's 16x8: int16 activations, int8 weights, int64 bias)")
      ->check(CLI::IsMember({"int8", "int16"}));
}

}  // namespace mote::cli

int main(int argc, char** argv) {
  CLI::App app{"mote: compile trained neural networks into small, verified int8 C99 code for microcontrollers"};
  app.require_subcommand(1);
  mote::cli::add_inspect(app);
  mote::cli::add_quantize(app);
  mote::cli::add_compile(app);
  mote::cli::add_validate(app);
  mote::cli::add_convert(app);
  mote::cli::add_run(app);
  mote::cli::add_bench(app);
  mote::cli::add_infer(app);
  mote::cli::add_features(app);
  mote::cli::add_report(app);
#ifdef MOTE_WITH_TRAINING
  mote::cli::add_train(app);
  mote::cli::add_distill(app);
  mote::cli::add_prune(app);
  mote::cli::add_share(app);
  mote::cli::add_fit(app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const mote::Error& e) {
    std::fprintf(stderr, "mote: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mote: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
