// mote report on compiled folders: every plot present with one row per layer (or part), the
// memory timeline's boxes as report.json's memory plan places them, measured instructions used
// when a run recorded them, names escaped, the same bytes twice, bad input refused in one line;
// and the page rendered in headless Chromium.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "../frontend/onnx_builder.h"
#include "e2e/e2e_util.h"
#include "e2e/report_page.h"
#include "report/svg.h"
#include "target/profiles.h"

namespace mote {
namespace {

using test::count;
using test::plot;
using test::rows;

std::string model(const std::string& stem) { return std::string(MOTE_TEST_DATA) + "/models/" + stem + ".onnx"; }
std::string samples(const std::string& m) { return std::string(MOTE_TEST_DATA) + "/models/" + m + "_input.npy"; }

nlohmann::json report_of(const fs::path& dir) { return nlohmann::json::parse(slurp(dir / "report.json")); }

// Compiles the DS-CNN test model into dir/NAME and writes its report page.
std::string compiled_page(const fs::path& dir, const std::string& name, const std::string& extra = "") {
  const CliRun c = mote_cli("compile " + model("dscnn_opset13_folded") + " --calib " + samples("dscnn") + " " + extra + " -o " +
                            (dir / name).string());
  EXPECT_EQ(c.code, 0) << c.err;
  return (dir / name).string();
}

// The memory timeline: a row per layer, in each row one box per buffer live at that layer, and
// the live buffers of a layer disjoint and inside the arena.
void expect_memory_timeline(const std::string& page, const std::string& id, const nlohmann::json& r) {
  const std::string svg = plot(page, id);
  ASSERT_FALSE(svg.empty()) << id;
  const std::vector<std::string> rs = rows(svg);
  ASSERT_EQ(rs.size(), r["layers"].size());
  const int64_t arena = r["arena_bytes"].get<int64_t>();
  EXPECT_NE(svg.find("arena " + svg::grouped(arena) + " B"), std::string::npos);
  size_t boxes = 0;
  for (size_t k = 0; k < rs.size(); ++k) {
    struct Live {
      int64_t begin, end;
      size_t first, last;
    };
    std::vector<Live> live;
    for (const auto& b : r["arena_buffers"])
      if (b["first"].get<size_t>() <= k && k <= b["last"].get<size_t>())
        live.push_back({b["offset"].get<int64_t>(), b["offset"].get<int64_t>() + b["bytes"].get<int64_t>(), b["first"].get<size_t>(),
                        b["last"].get<size_t>()});
    EXPECT_EQ(count(rs[k], "class=\"buf "), live.size()) << "layer " << k;
    boxes += live.size();
    for (size_t i = 0; i < live.size(); ++i) {
      EXPECT_LE(live[i].end, arena) << "layer " << k;
      // Two buffers share bytes only at the layer that last reads the one and first writes the other (in place).
      for (size_t j = i + 1; j < live.size(); ++j)
        if (live[i].begin < live[j].end && live[j].begin < live[i].end)
          EXPECT_TRUE((live[i].last == k && live[j].first == k) || (live[j].last == k && live[i].first == k))
              << "layer " << k << ": buffers at " << live[i].begin << " and " << live[j].begin << " overlap";
    }
  }
  EXPECT_GT(boxes, rs.size());
}

TEST(Report, CompiledFolderHasEveryPlot) {
  TempDir d;
  const std::string dir = compiled_page(d.path, "c");
  const CliRun run = mote_cli("report " + dir);
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "report: " + dir + "/report.html\n");
  const std::string page = slurp(dir + "/report.html");
  const nlohmann::json r = report_of(dir);
  const size_t layers = r["layers"].size();
  ASSERT_GT(layers, 5u);

  // Self-contained: no script, no link to anything else.
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* no : {"<script", "src=", "href=", "url("}) EXPECT_EQ(page.find(no), std::string::npos) << no;

  expect_memory_timeline(page, "memory-c", r);

  // Cost: a MACs bar per layer, each the layer's share; no instructions without a profiled run.
  const std::string cost = plot(page, "cost-c");
  ASSERT_EQ(rows(cost).size(), layers);
  EXPECT_EQ(count(cost, "class=\"bar macs\""), layers);
  EXPECT_EQ(count(cost, "class=\"bar instr\""), 0u);
  const double total = r["macs"].get<double>();
  for (size_t k = 0; k < layers; ++k)
    EXPECT_NE(rows(cost)[k].find(">" + svg::num(100 * r["layers"][k]["macs"].get<double>() / total, 1) + " %<"), std::string::npos) << k;
  EXPECT_NE(page.find("mote bench OUTDIR --profile"), std::string::npos);

  // Compression: float32 then as compiled, the report's figures.
  const std::string cmp = plot(page, "compression");
  EXPECT_EQ(count(cmp, "class=\"bar cmp\""), 2u);
  EXPECT_NE(cmp.find(">" + svg::grouped(r["compression"]["float32_bytes"].get<int64_t>()) + " B<"), std::string::npos);
  EXPECT_NE(cmp.find(">" + svg::grouped(r["compression"]["stored_bytes"].get<int64_t>()) + " B<"), std::string::npos);

  // Energy for a host build: every part of every profile, the portable kernels' estimate.
  size_t parts = 0, with_current = 0;
  for (const Profile& p : profiles())
    for (const Part& q : p.parts) {
      ++parts;
      with_current += q.active_ua_per_mhz.has_value();
    }
  const std::string energy = plot(page, "energy-c"), battery = plot(page, "battery-c");
  EXPECT_EQ(rows(energy).size(), parts);
  EXPECT_EQ(rows(battery).size(), parts);
  EXPECT_EQ(count(energy, "class=\"bar en\""), with_current);
  EXPECT_GT(count(battery, "class=\"bar bat\""), 0u);
  EXPECT_NE(page.find("estimate, no run counted them: " + svg::grouped(r["macs"].get<int64_t>()) + " MACs x 8.9 cycles per MAC"),
            std::string::npos);
  // STM32L412KB: 79 uA/MHz at 80 MHz and 3.0 V for cycles / 80 MHz.
  const double cycles = std::round(total * 8.9);
  EXPECT_NE(energy.find(">" + svg::num(79 * 80 * 3.0 * cycles / 80e6, 2) + " uJ<"), std::string::npos);
  EXPECT_TRUE(plot(page, "accuracy").empty());

  // The same bytes again.
  const CliRun again = mote_cli("report " + dir + " -o " + (d.path / "again.html").string());
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(slurp(d.path / "again.html"), page);

  test::expect_rendered(dir + "/report.html", {{"compression", 0x59a14f}, {"memory", 0x4e79a7}, {"cost", 0xf28e2b},
                                               {"energy", 0xb07aa1}, {"battery", 0xedc948}});
}

TEST(Report, MeasuredRunGivesInstructionsPerLayer) {
  TempDir d;
  const std::string dir = compiled_page(d.path, "m4", "--target cortex-m4");
  const CliRun bench = mote_cli("bench " + dir + " --profile");
  ASSERT_EQ(bench.code, 0) << bench.err;
  const CliRun run = mote_cli("report " + dir + " --rate 4");
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string page = slurp(dir + "/report.html");
  const nlohmann::json r = report_of(dir);
  const nlohmann::json& fig = r["target_runs"]["cortex-m4"];
  const int64_t instructions = fig["instructions"][0].get<int64_t>();
  ASSERT_GT(instructions, 0);

  const std::string cost = plot(page, "cost-m4");
  EXPECT_EQ(rows(cost).size(), r["layers"].size());
  EXPECT_EQ(count(cost, "class=\"bar instr\""), fig["layers"].size());
  EXPECT_GT(fig["layers"].size(), 5u);
  EXPECT_NE(page.find(svg::grouped(instructions) + " instructions per inference (mote run/bench on mps2-an386 under QEMU), taken as "
                      "cycles: instructions, not cycles"),
            std::string::npos);
  // The Cortex-M4 profile's parts only, at 4 inferences a second.
  const Profile& m4 = profile_for("cortex-m4");
  EXPECT_EQ(rows(plot(page, "energy-m4")).size(), m4.parts.size());
  EXPECT_NE(plot(page, "battery-m4").find("at 4 inferences per second"), std::string::npos);
  // nRF52840 at 64 MHz: 52 uA/MHz at 3.0 V for the run; 1.5 uA asleep the rest of every 1/4 s.
  const double s = double(instructions) / 64e6, avg = 4 * s * 52 * 64 + (1 - 4 * s) * 1.5;
  EXPECT_NE(page.find(">" + svg::num(225e3 / avg / 24, 1) + " days<"), std::string::npos);
  // The predicted image is in the table.
  EXPECT_NE(page.find("<td>" + svg::grouped(r["target_build"]["predicted"]["flash"].get<int64_t>()) + "</td>"), std::string::npos);
  expect_memory_timeline(page, "memory-m4", r);

  test::expect_rendered(dir + "/report.html", {{"compression", 0x59a14f}, {"memory", 0x4e79a7}, {"cost: MACs", 0xf28e2b},
                                               {"energy", 0xb07aa1}, {"battery", 0xedc948}});
}

TEST(Report, EscapesNamesFromTheModel) {
  test::ModelBuilder b(13);
  b.input("x", {1, 8}).output("y");
  b.node("Relu", {"x"}, {"y"}, "<b>\"a&b'</b>");
  const std::string path = b.save("report_names.onnx");
  TempDir d;
  const CliRun c = mote_cli("compile " + path + " -o " + (d.path / "f").string());
  ASSERT_EQ(c.code, 0) << c.err;
  const CliRun run = mote_cli("report " + (d.path / "f").string());
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string page = slurp(d.path / "f/report.html");
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_NE(page.find("&lt;b&gt;&quot;a&amp;b&#39;&lt;/b&gt;"), std::string::npos);
}

// The render check can fail: a page whose script throws shows in Chromium's log.
TEST(Report, ChromiumLogsAPageError) {
  ASSERT_TRUE(fs::exists(test::kChromium)) << test::kChromium << " is not installed (scripts/install-deps.sh installs it)";
  TempDir d;
  spit(d.path / "bad.html", "<!DOCTYPE html><html><body><p>x</p><script>no_such_function();</script></body></html>");
  const test::Screenshot s = test::screenshot(d.path / "bad.html", d.path);
  EXPECT_NE(s.log.find("Uncaught ReferenceError"), std::string::npos) << s.log;
  EXPECT_NE(s.log.find(":CONSOLE"), std::string::npos) << s.log;
  EXPECT_GT(test::ink(s, 0, 100), 0);
}

TEST(Report, BadInputIsOneLineAndNoPage) {
  TempDir d;
  expect_clean_failure(mote_cli("report /nonexistent/out"), {"/nonexistent/out", "not a directory"}, "/nonexistent/out/report.html");
  fs::create_directories(d.path / "empty");
  expect_clean_failure(mote_cli("report " + (d.path / "empty").string()), {"empty", "neither pipeline.json", "report.json (of mote compile) nor fit.json"},
                             d.path / "empty/report.html");

  const std::string dir = compiled_page(d.path, "c");
  const std::string good = slurp(dir + "/report.json");
  spit(dir + "/report.json", good.substr(0, good.size() / 2));
  expect_clean_failure(mote_cli("report " + dir + " -o " + (d.path / "p.html").string()), {dir + "/report.json", "not valid JSON"},
                             d.path / "p.html");
  nlohmann::json wrong = nlohmann::json::parse(good);
  wrong["layers"][0]["macs"] = "many";
  spit(dir + "/report.json", wrong.dump());
  expect_clean_failure(mote_cli("report " + dir), {dir + "/report.json", "type must be number"}, dir + "/report.html");

  // A pipeline folder: damaged, and naming a compile stage whose folder is gone.
  fs::create_directories(d.path / "p");
  spit(d.path / "p/pipeline.json", "{\"stages\": [");
  expect_clean_failure(mote_cli("report " + (d.path / "p").string()), {"p/pipeline.json", "not valid JSON"}, d.path / "p/report.html");
  spit(d.path / "p/pipeline.json", R"({"pipeline": "p.yaml", "stages": [{"stage": "gone", "command": "compile", "model": "m.onnx"}]})");
  expect_clean_failure(mote_cli("report " + (d.path / "p").string()), {"p/gone/report.json"}, d.path / "p/report.html");
}

}  // namespace
}  // namespace mote
