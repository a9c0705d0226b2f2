// mote features INPUT -o OUTDIR: the front end's int8 features of recorded signals (x.npy,
// y.npy, frontend.json), computed by the same fixed-point code the device runs.
#include <fmt/format.h>

#include "backend/c/codegen.h"
#include "cli/commands.h"
#include "dsp/features.h"
#include "util/file.h"

namespace mote::cli {

void add_features(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "features", "compute the device's MFCC / log-mel features of audio (a folder per class) or int16 signals (.npy)");
  static std::string input, outdir, frontend;
  static double seconds = 1.0;
  static std::vector<std::string> classes;
  cmd->add_option("input", input, "a folder with one folder of audio files per class, or int16 signals [N, T] (.npy)")
      ->required();
  cmd->add_option("-o,--output", outdir, "output folder: x.npy (float32 [N,1,frames,coefficients]), y.npy, frontend.json")
      ->required();
  cmd->add_option("--frontend", frontend,
                  "front end settings (JSON: sample_rate, window, stride, fft, n_mel, n_mfcc (0: log-mel), low_hz, high_hz, "
                  "...), or the frontend.json of an earlier run; default: MLPerf Tiny's KWS MFCCs");
  cmd->add_option("--clip-seconds", seconds, "clip length: shorter audio files are padded with silence, longer ones refused")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--classes", classes, "the classes (folders) to read, in label order; default: every folder, by name")
      ->delimiter(',');
  cmd->callback([] {
    MfccSettings s;
    if (!frontend.empty()) {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(read_file(frontend));
      } catch (const nlohmann::json::exception& e) {
        fail("{}: not JSON: {}", frontend, e.what());
      }
      s = j.contains("frontend") ? frontend_settings(j, frontend) : mfcc_settings_from_json(j, frontend);
    }
    const int64_t clip = int64_t(seconds * s.sample_rate + 0.5);
    const FeatureSet f = compute_feature_set(input, s, clip, classes);
    std::map<std::string, std::string> files = {{"x.npy", npy_bytes(f.x, outdir + "/x.npy")},
                                                {"frontend.json", f.to_json().dump(2) + "\n"}};
    if (!f.y.bytes.empty()) files["y.npy"] = npy_bytes(f.y, outdir + "/y.npy");
    write_output(outdir, files);
    fmt::print("features {} -> {}: {} clips, {} frames x {} {} per clip (int8, scale {:g}, zero point {})\n", input, outdir,
               f.x.shape[0], f.x.shape[2], f.x.shape[3], s.n_mfcc ? "MFCCs" : "log-mel bins", f.scale(), f.zero_point());
    for (size_t c = 0; c < f.classes.size(); ++c) fmt::print("  {:>3} {:<16} {} clips\n", c, f.classes[c], f.counts[c]);
    if (f.padded) fmt::print("note: {} clips shorter than {:g} s were padded with silence\n", f.padded, seconds);
  });
}

}  // namespace mote::cli
