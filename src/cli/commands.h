// One registration function per subcommand; each lives in its own file.
#pragma once
#include <CLI/CLI.hpp>

namespace mote::cli {

void add_inspect(CLI::App& app);
void add_quantize(CLI::App& app);
void add_compile(CLI::App& app);
void add_validate(CLI::App& app);
void add_convert(CLI::App& app);
// mote run OUTDIR (a compiled model under QEMU) or mote run PIPELINE.yaml (stages, with training).
void add_run(CLI::App& app);
void add_bench(CLI::App& app);
void add_infer(CLI::App& app);
void add_features(CLI::App& app);
// mote report OUTDIR: the HTML page of a pipeline's or a compile's output folder.
void add_report(CLI::App& app);
// mote fit MODEL: compressions and encodings searched under a budget (with training).
void add_fit(CLI::App& app);
// Training commands (src/cli/train_*.cpp), present when built with MOTE_WITH_TRAINING.
void add_train(CLI::App& app);
void add_distill(CLI::App& app);
void add_prune(CLI::App& app);
void add_share(CLI::App& app);
// Runs the stages of a pipeline file and prints one table of the results.
void run_pipeline_file(const std::string& file);

// Options shared by the commands that run the pipeline on calibration data.
struct CalibOptions {
  std::string calib;
  std::string method = "minmax";
  int64_t limit = 0;
  std::string activations = "int8";  // or "int16": TFLite's 16x8 scheme
};
void add_calib_options(CLI::App* cmd, CalibOptions* o, bool required);

}  // namespace mote::cli
