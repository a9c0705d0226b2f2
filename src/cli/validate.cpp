// mote validate OUTDIR --data X --labels Y [--target T]: run the generated C on the host (or on a
// Cortex-M core under QEMU) over a data set and compare with the C++ references.
#include <fmt/format.h>

#include "cli/commands.h"
#include "driver/pipeline.h"
#include "io/array.h"
#include "util/file.h"
#include "validate/validate.h"

namespace mote::cli {

void add_validate(CLI::App& app) {
  auto* cmd = app.add_subcommand("validate", "run the generated C over a data set, on the host or a Cortex-M core under QEMU, and compare with the references");
  static std::string outdir, data, labels, out_json, target;
  static int64_t limit = 0;
  cmd->add_option("outdir", outdir, "directory written by mote compile")->required();
  cmd->add_option("--data", data, "inputs (.npy/.npz/IDX) in the model's input layout")->required();
  cmd->add_option("--labels", labels, "integer labels, one per sample (optional)");
  cmd->add_option("--limit", limit, "validate at most this many samples (0 = all)");
  cmd->add_option("-o,--output", out_json, "write the result as JSON");
  cmd->add_option("--target", target,
                  "run every sample under QEMU on this Cortex-M core (compiled: the one it was compiled for) instead of the host");
  cmd->callback([] {
    Array x = load_array(data);
    Array y;
    if (!labels.empty()) {
      y = load_array(labels);
      if (y.shape.empty() || y.shape[0] != x.shape.at(0))
        fail("{}: {} labels for {} samples in {}", labels, y.shape.empty() ? 0 : y.shape[0], x.shape.at(0), data);
    }
    if (limit > 0 && x.shape.at(0) > limit) {
      int64_t per = x.numel() / x.shape[0];
      x.shape[0] = limit;
      x.bytes.resize(size_t(limit * per) * dtype_size(x.dtype));
      if (!labels.empty()) {
        y.shape[0] = limit;
        y.bytes.resize(size_t(limit) * dtype_size(y.dtype));
      }
    }
    // The references are rebuilt from the settings report.json keeps (paths relative to outdir).
    nlohmann::json report;
    try {
      report = nlohmann::json::parse(read_file(outdir + "/report.json"));
    } catch (const nlohmann::json::exception& e) {
      fail("{}/report.json is not valid JSON: {}", outdir, e.what());
    }
    const Pipeline p = run_pipeline(options_from_settings(report.value("source", nlohmann::json()), outdir));
    const ValidationInput ref{&p.imported, &p.float_graph, &p.graph, &p.calls, p.prequantized};
    ValidationResult r = validate(outdir, ref, x, labels.empty() ? nullptr : &y, target);
    fmt::print("{}", r.to_text());
    if (!out_json.empty()) write_file_atomic(out_json, r.to_json().dump(2) + "\n");
    if (r.bitexact_samples != r.samples) fail("generated C is not bit-exact with the C++ int8 reference on {} of {} samples", r.samples - r.bitexact_samples, r.samples);
  });
}

}  // namespace mote::cli
