// Every file of the libFuzzer corpora (tests/fuzz/corpus/<target>: the seeds and the inputs
// that once crashed a reader, kept as crash-*) through its reader in this ASan+UBSan binary:
// each must load, or fail with one mote::Error line naming it. The seeds must load.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <functional>

#include "frontend/onnx/onnx_import.h"
#include "frontend/tflite/tflite_import.h"
#include "fuzz_check.h"
#include "io/array.h"
#include "util/file.h"

namespace mote {
namespace {

namespace fs = std::filesystem;

void check_corpus(const std::string& target, const std::function<void(const std::string&, const std::string&)>& read) {
  const fs::path dir = fs::path(MOTE_CORPUS_DIR) / target;
  int seeds = 0, crashes = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string path = f.path().string();
    const bool was_crash = f.path().filename().string().rfind("crash-", 0) == 0;
    (was_crash ? crashes : seeds)++;
    try {
      read(read_file(path), path);
    } catch (const Error& e) {
      EXPECT_TRUE(was_crash) << "seed rejected: " << e.what();
      EXPECT_TRUE(clean_rejection(e, path)) << e.what();
    }
  }
  EXPECT_GE(seeds, 5) << dir;
  std::printf("[ corpus ] %s: %d seeds, %d former crashes\n", target.c_str(), seeds, crashes);
}

TEST(SeedCorpus, Onnx) {
  check_corpus("onnx", [](const std::string& bytes, const std::string& name) { import_onnx_bytes(bytes, name); });
}

TEST(SeedCorpus, Tflite) {
  check_corpus("tflite", [](const std::string& bytes, const std::string& name) { import_tflite_bytes(bytes, name); });
}

// The fuzzer reaches the DECODE readers from seeds that hold them: one file per TFLM compression.
TEST(SeedCorpus, TfliteHasEveryCompression) {
  for (const char* method : {"lut", "huffman", "prune"}) {
    const fs::path f = fs::path(MOTE_CORPUS_DIR) / "tflite" / (std::string("compressed_") + method + ".tflite");
    ASSERT_TRUE(fs::exists(f)) << f << ": run tests/fuzz/corpus/make_seeds.py";
    EXPECT_NE(read_file(f.string()).find("TFLM_DECODE"), std::string::npos) << f << " holds no DECODE operator";
  }
}

TEST(SeedCorpus, DataFiles) {
  check_corpus("array", [](const std::string& bytes, const std::string& name) { parse_array(bytes, name); });
}

}  // namespace
}  // namespace mote
