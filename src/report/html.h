// mote report: one self-contained HTML page (inline SVG, no script, no external file) from what a
// `mote run PIPELINE.yaml` output folder holds (pipeline.json, each compile stage's report.json,
// the validate stages' results), or from one compiled folder (report.json): a table per stage,
// accuracy and the compression waterfall over the stages, and per compiled model the arena's
// memory timeline, the cost per layer, and energy per inference and CR2032 life per part.
#pragma once
#include <string>

namespace mote {

// The page for `outdir`, the same bytes for the same files. `rate_hz`: inferences per second for
// the battery life. Throws mote::Error naming the file when a file is missing or damaged.
std::string report_page(const std::string& outdir, double rate_hz = 1);

}  // namespace mote
