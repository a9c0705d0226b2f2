// mote report OUTDIR [-o FILE] [--rate HZ]: the HTML page of a mote run PIPELINE.yaml output folder
// or of one compiled folder (report/html.h).
#include <fmt/format.h>

#include "cli/commands.h"
#include "report/html.h"
#include "util/file.h"

namespace mote::cli {

void add_report(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "one self-contained HTML page (inline SVG plots) of a pipeline's output folder or a compiled folder");
  static std::string outdir, out;
  static double rate = 1;
  cmd->add_option("outdir", outdir, "output folder of mote run PIPELINE.yaml (pipeline.json), or of mote compile (report.json)")->required();
  cmd->add_option("-o,--output", out, "the page (default: OUTDIR/report.html)");
  cmd->add_option("--rate", rate, "inferences per second, for the battery life (default 1)")->check(CLI::PositiveNumber);
  cmd->callback([] {
    const std::string page = out.empty() ? outdir + "/report.html" : out;
    write_file_atomic(page, report_page(outdir, rate));
    fmt::print("report: {}\n", page);
  });
}

}  // namespace mote::cli
