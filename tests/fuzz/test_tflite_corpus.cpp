// Damaged .tflite files: truncated, bit-flipped, wrong magic, overwritten words and random
// bytes, made from the MLPerf models. Each must import or fail with one mote::Error line that
// names the file; this binary is built with AddressSanitizer and UBSan, so a bad read aborts it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "frontend/tflite/tflite_import.h"
#include "ir/verify.h"
#include "require.h"

namespace mote {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Outcome {
  int imported = 0, rejected = 0;
};

// Imports `bytes` from a file; any outcome but a verified graph or a one-line Error fails.
void check(const std::string& bytes, const std::string& label, Outcome* o) {
  const fs::path path = fs::temp_directory_path() / ("mote_fuzz_" + std::to_string(getpid()) + ".tflite");
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
  }
  try {
    Graph g = import_tflite(path.string());
    verify(g, "fuzz");
    ++o->imported;
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << label << ": " << m;
    EXPECT_EQ(m.rfind(path.string(), 0), 0u) << label << ": message does not name the file: " << m;
    ++o->rejected;
  }
  fs::remove(path);
}

TEST(TfliteCorpus, DamagedFilesFailCleanly) {
  const std::string shared = MOTE_SHARED_DIR;
  std::mt19937 rng(20261125);
  Outcome o;
  int made = 0;
  for (const char* m : {"kws_ref_model", "pretrainedResnet_quant", "pretrainedResnet"}) {
    const std::string path = shared + "/models/" + m + ".tflite";
    MOTE_REQUIRE(fs::exists(path)) << path << " is absent";
    const std::string good = slurp(path);
    auto pos = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
    // Truncations: every length class from the header to the last byte.
    for (int k = 0; k < 30; ++k, ++made) {
      const size_t len = k < 10 ? size_t(k * 3) : pos(good.size());
      check(good.substr(0, len), std::string(m) + " truncated to " + std::to_string(len), &o);
    }
    // Bit flips: 1 to 8 bits anywhere; half of them in the first 4 KiB (tables and offsets).
    for (int k = 0; k < 30; ++k, ++made) {
      std::string bad = good;
      const int bits = 1 + int(pos(8));
      for (int b = 0; b < bits; ++b) {
        const size_t at = k % 2 ? pos(std::min<size_t>(4096, bad.size())) : pos(bad.size());
        bad[at] = char(bad[at] ^ (1 << pos(8)));
      }
      check(bad, std::string(m) + " with flipped bits", &o);
    }
    // Overwritten 32-bit words: offsets and lengths that point anywhere.
    for (int k = 0; k < 10; ++k, ++made) {
      std::string bad = good;
      const size_t at = pos(std::min<size_t>(2048, bad.size() - 4)) & ~size_t(3);
      const uint32_t v = uint32_t(rng());
      std::memcpy(&bad[at], &v, 4);
      check(bad, std::string(m) + " with an overwritten word", &o);
    }
    // Wrong magic.
    for (int k = 0; k < 5; ++k, ++made) {
      std::string bad = good;
      bad[4 + size_t(k % 4)] = char(bad[4 + size_t(k % 4)] ^ 0x20);
      check(bad, std::string(m) + " with a wrong identifier", &o);
    }
  }
  // Random bytes of many sizes, some starting with a valid-looking header.
  for (int k = 0; k < 20; ++k, ++made) {
    std::string bad(size_t(1 + rng() % 4096), '\0');
    for (char& c : bad) c = char(rng());
    if (k % 2 && bad.size() >= 8) std::memcpy(&bad[4], "TFL3", 4);
    check(bad, "random bytes", &o);
  }
  EXPECT_GE(made, 200);
  EXPECT_EQ(o.imported + o.rejected, made);
  EXPECT_GT(o.rejected, made / 2);
  std::printf("[ corpus ] %d damaged files: %d rejected with one line, %d still imported and verified\n", made,
              o.rejected, o.imported);
}

}  // namespace
}  // namespace mote
