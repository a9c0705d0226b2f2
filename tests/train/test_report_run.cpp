// mote run PIPELINE.yaml ends with OUT/report.html: accuracy of every stage that measured one, the
// compression from float32 through pruning and int8 to the encoded weights, and the compiled
// model's plots with the instructions its validate stage counted under QEMU; rendered in Chromium.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/report_page.h"
#include "report/svg.h"
#include "target/profiles.h"
#include "train_test_util.h"

namespace mote {
namespace {

using test::count;
using test::plot;
using test::rows;

TEST(ReportRun, PipelineEndsWithItsPage) {
  test::Dir d;
  const std::string x = d / "x.npy", y = d / "y.npy", yaml = d / "p.yaml", out = d / "out";
  test::write_blobs(x, y, 600, 16, 4, 43);
  std::ofstream(yaml) << "data: " << x << "\nlabels: " << y << "\ntest-data: " << x << "\ntest-labels: " << y << "\ncalib: " << x
                      << "\nthreads: 1\nout: " << out
                      << "\nstages:\n"
                         "  - name: dense\n    train: {arch: \"mlp:64,32\", epochs: 2}\n"
                         "  - name: pruned\n    prune: {model: dense, sparsity: 0.8, epochs: 1}\n"
                         "  - name: c\n    compile: {model: pruned, encode: sparse, target: cortex-m4, calib-limit: 100}\n"
                         "  - name: check\n    validate: {compiled: c, target: compiled, limit: 40}\n";
  const test::CliRun r = mote_cli("run " + yaml);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("report: " + out + "/report.html\n"), std::string::npos) << r.out;
  const std::string page = slurp(out + "/report.html");
  const nlohmann::json summary = nlohmann::json::parse(slurp(out + "/pipeline.json"));
  const nlohmann::json rep = nlohmann::json::parse(slurp(out + "/c/report.json"));
  const nlohmann::json check = nlohmann::json::parse(slurp(out + "/check.json"));
  std::map<std::string, nlohmann::json> by;
  for (const auto& s : summary["stages"]) by[s["stage"].get<std::string>()] = s;
  EXPECT_EQ(by["check"]["compiled"], "c");

  // Accuracy: the two training stages and the firmware's under QEMU.
  const std::vector<std::string> acc = rows(plot(page, "accuracy"));
  ASSERT_EQ(acc.size(), 3u);
  for (const auto& [k, name] : std::vector<std::pair<size_t, std::string>>{{0, "dense"}, {1, "pruned"}, {2, "check"}})
    EXPECT_NE(acc[k].find(">" + svg::num(100 * by[name]["accuracy"].get<double>(), 2) + " %<"), std::string::npos) << name;

  // Compression: dense float32, the pruned non-zeros, int8 before encoding, sparse as stored.
  const std::vector<std::string> cmp = rows(plot(page, "compression"));
  ASSERT_EQ(cmp.size(), 4u);
  const int64_t expect[] = {by["dense"]["params"].get<int64_t>() * 4, by["pruned"]["nonzero"].get<int64_t>() * 4,
                            by["pruned"]["flash_bytes"].get<int64_t>(), rep["compression"]["stored_bytes"].get<int64_t>()};
  for (size_t k = 0; k < 4; ++k) EXPECT_NE(cmp[k].find(">" + svg::grouped(expect[k]) + " B<"), std::string::npos) << cmp[k];
  EXPECT_NE(cmp[3].find("encoded (sparse"), std::string::npos);
  EXPECT_LT(expect[3], expect[2]);
  EXPECT_LT(expect[1], expect[0]);

  // The compiled model: a row per layer; cycles are the validate stage's instructions.
  EXPECT_EQ(rows(plot(page, "memory-c")).size(), rep["layers"].size());
  EXPECT_EQ(count(plot(page, "cost-c"), "class=\"bar macs\""), rep["layers"].size());
  EXPECT_NE(page.find(svg::grouped(check["instructions"]["max"].get<int64_t>()) +
                      " instructions per inference (validate stage &#39;check&#39;, the most over 40 samples on cortex-m4 on "
                      "mps2-an386 (QEMU)), taken as cycles"),
            std::string::npos);
  EXPECT_EQ(count(page, "<tr><td>"), 4u + profile_for("cortex-m4").parts.size());  // the stages, then the parts

  test::expect_rendered(out + "/report.html", {{"accuracy", 0xe15759}, {"compression", 0x59a14f}, {"memory", 0x4e79a7},
                                               {"cost", 0xf28e2b}, {"energy", 0xb07aa1}, {"battery", 0xedc948}});
}

}  // namespace
}  // namespace mote
