// mote run: a YAML pipeline chains the commands by stage name and ends with one table; a bad
// file or a failing stage is one line naming the stage.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "train_test_util.h"

namespace mote {
namespace {

using test::mote_cli;

void put(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
}

TEST(Run, ChainsStagesIntoOneTable) {
  test::Dir d;
  const std::string x = d / "x.npy", y = d / "y.npy", yaml = d / "p.yaml";
  test::write_blobs(x, y, 600, 16, 4, 41);
  put(yaml, "data: " + x + "\nlabels: " + y + "\ntest-data: " + x + "\ntest-labels: " + y + "\ncalib: " + x +
                "\nthreads: 1\nout: " + (d / "out") +
                "\nstages:\n"
                "  - name: dense\n    train: {arch: \"mlp:32,16\", epochs: 2}\n"
                "  - name: pruned\n    prune: {model: dense, sparsity: 0.5, teacher: dense, epochs: 2}\n"
                "  - name: small\n    distill: {teacher: dense, arch: \"mlp:8\", epochs: 2}\n"
                "  - name: shared\n    share: {model: pruned, bits: 3, teacher: pruned, epochs: 1}\n"
                "  - name: cs\n    compile: {model: shared, encode: codebook, calib-limit: 100}\n"
                "  - name: qat\n    quantize: {model: pruned, qat: true, epochs: 1, lr: 1e-4, calib-limit: 100}\n"
                "  - name: c\n    compile: {model: qat, calib-limit: 100}\n"
                "  - name: check\n    validate: {compiled: c}\n");
  const test::CliRun r = mote_cli("run " + yaml);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  for (const char* s : {"== stage dense (train)", "== stage pruned (prune)", "prune epoch 2/2", "== stage check (validate)", "bit-exact"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << " not in " << r.out;
  const nlohmann::json j = nlohmann::json::parse(test::slurp(d / "out/pipeline.json"));
  ASSERT_EQ(j["stages"].size(), 8u);
  std::map<std::string, nlohmann::json> by;
  for (const auto& s : j["stages"]) by[s["stage"].get<std::string>()] = s;
  for (const auto& [name, s] : by) {
    EXPECT_TRUE(s.contains("accuracy") || name == "c" || name == "cs") << name;
    EXPECT_GT(s["flash_bytes"].get<int64_t>(), 0) << name;
    EXPECT_GT(s["ram_bytes"].get<int64_t>(), 0) << name;
  }
  EXPECT_EQ(by["dense"]["nonzero"], by["dense"]["params"]);
  EXPECT_LT(by["pruned"]["nonzero"].get<int64_t>(), by["pruned"]["params"].get<int64_t>() * 6 / 10);
  EXPECT_LT(by["small"]["params"].get<int64_t>(), by["dense"]["params"].get<int64_t>());
  // The shared model compiles to codebooks of at most 2^3 codes, every layer.
  const nlohmann::json cs = nlohmann::json::parse(test::slurp(d / "out/cs/report.json"));
  int shared_layers = 0;
  for (const auto& l : cs["layers"])
    if (l.contains("encoding")) {
      ++shared_layers;
      EXPECT_GT(l["encoding"]["codebook_size"].get<int64_t>(), 0) << l["name"];
      EXPECT_LE(l["encoding"]["codebook_size"].get<int64_t>(), 8) << l["name"];
    }
  EXPECT_EQ(shared_layers, 3);
  EXPECT_EQ(by["shared"]["params"], by["pruned"]["params"]);
  // The int8 C runs what QAT simulated: the same accuracy within two of the 600 samples.
  EXPECT_NEAR(by["check"]["accuracy"].get<double>(), by["qat"]["accuracy"].get<double>(), 2.0 / 600);
  EXPECT_EQ(by["check"]["flash_bytes"], by["c"]["flash_bytes"]);
  // The table: a header and one row per stage.
  EXPECT_NE(r.out.find("stage          command    accuracy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\ncheck          validate"), std::string::npos) << r.out;
}

TEST(Run, BadPipelinesNameTheStage) {
  test::Dir d;
  const std::string x = d / "x.npy", y = d / "y.npy", yaml = d / "p.yaml";
  test::write_blobs(x, y, 100, 16, 4, 42);
  const std::string head = "data: " + x + "\nlabels: " + y + "\nout: " + (d / "out") + "\nstages:\n";
  put(yaml, head + "  - name: a\n    tune: {epochs: 1}\n");
  test::expect_clean_failure(mote_cli("run " + yaml), {"p.yaml: stage 1 ('a', line 6)", "unknown command 'tune'"}, d / "out/pipeline.json");
  // An option the command lacks, or a key the file may not hold: refused before any stage runs.
  put(yaml, head + "  - name: a\n    train: {arch: \"mlp:4\", epochs: 1}\n  - name: b\n    prune:\n      model: a\n      sparsty: 0.5\n");
  test::expect_clean_failure(mote_cli("run " + yaml), {"stage 2 ('b', line 10)", "prune has no option 'sparsty'"}, d / "out/a.onnx");
  put(yaml, "data: " + x + "\nlabel: " + y + "\nstages:\n  - name: a\n    train: {arch: \"mlp:4\"}\n");
  test::expect_clean_failure(mote_cli("run " + yaml), {"p.yaml:2: unknown key 'label'"}, d / "p.out");
  put(yaml, head + "  - name: a\n    prune: {model: b, sparsity: 0.5}\n  - name: b\n    train: {arch: \"mlp:4\"}\n");
  test::expect_clean_failure(mote_cli("run " + yaml), {"stage 1 ('a'): model 'b' is stage 2, which runs later"}, d / "out/pipeline.json");
  put(yaml, head + "  - name: a\n    train: {arch: \"mlp:4\", epochs: 1}\n  - name: b\n    prune: {model: a, sparsity: 2}\n");
  test::expect_clean_failure(mote_cli("run " + yaml), {"stage 'b' (prune) failed", "--sparsity must be in [0, 1)"}, d / "out/pipeline.json");
  put(yaml, "stages: [");
  test::expect_clean_failure(mote_cli("run " + yaml), {"p.yaml"}, d / "out/pipeline.json");
}

}  // namespace
}  // namespace mote
