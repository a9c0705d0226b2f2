// mote validate --target: every sample runs in the firmware under QEMU and is compared with the
// C++ int8 reference; a build whose code was altered after compile is caught there too.
#include <gtest/gtest.h>

#include <regex>

#include "io/array.h"
#include "require.h"
#include "target_util.h"

namespace mote {
namespace {

// 12 pseudo-random LeNet-5 inputs in [0, 1), [12, 1, 28, 28] float32.
void write_inputs(const fs::path& path) {
  Array a;
  a.dtype = DType::F32;
  a.shape = {12, 1, 28, 28};
  a.bytes.resize(size_t(12 * 28 * 28) * sizeof(float));
  uint32_t seed = 5;
  float* v = reinterpret_cast<float*>(a.bytes.data());
  for (int64_t k = 0; k < a.numel(); ++k) {
    seed = seed * 1664525u + 1013904223u;
    v[k] = float(seed >> 8) / float(1 << 24);
  }
  save_npy(path.string(), a);
}

TEST(ValidateOnTarget, EverySampleUnderQemuMatchesTheReferenceAndAnAlteredBuildFails) {
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  const ShippedModel m = {"lenet5", std::string(MOTE_TEST_DATA) + "/models/lenet5_opset13_folded.onnx",
                          std::string(MOTE_TEST_DATA) + "/models/lenet5_input.npy", {EncodeMode::Huffman, 4}};
  TempDir dir;
  const fs::path out = dir.path / "lenet5";
  compile_for(m, "cortex-m4", out);
  write_inputs(dir.path / "x.npy");
  const std::string cli = std::string(MOTE_CLI) + " validate " + out.string() + " --data " + (dir.path / "x.npy").string();
  std::string log;
  int rc = shell(cli + " --target compiled -o " + (dir.path / "v.json").string(), dir.path / "v.log", &log);
  ASSERT_EQ(rc, 0) << log;
  const nlohmann::json v = nlohmann::json::parse(slurp(dir.path / "v.json"));
  EXPECT_EQ(v["ran_on"], "cortex-m4 on mps2-an386 (QEMU)");
  EXPECT_EQ(v["samples"], 12);
  EXPECT_EQ(v["bitexact_samples"], 12);
  EXPECT_GT(v["instructions"]["min"].get<int64_t>(), 100000) << "a LeNet-5 inference";
  EXPECT_NE(log.find("bit-exact vs C++ int8 reference: 12/12 samples"), std::string::npos) << log;

  // The first layer's first bias, raised after compile: the firmware's outputs leave the reference.
  const fs::path c = out / "lenet5.c";
  const std::string text = slurp(c);
  const std::regex first_bias(R"((static const int32_t \w+_b\[\d+\] = \{\s*)(-?\d+))");
  std::smatch mt;
  ASSERT_TRUE(std::regex_search(text, mt, first_bias)) << "no bias array in " << c;
  spit(c, mt.prefix().str() + mt[1].str() + std::to_string(std::stoll(mt[2].str()) + 50000) + mt.suffix().str());
  rc = shell(cli + " --target cortex-m4", dir.path / "bad.log", &log);
  EXPECT_NE(rc, 0) << log;
  EXPECT_NE(log.find("ran on cortex-m4 on mps2-an386 (QEMU)"), std::string::npos) << log;
  EXPECT_NE(log.find("not bit-exact with the C++ int8 reference on"), std::string::npos) << log;

  // A core that is not a Cortex-M target is refused in one line.
  rc = shell(cli + " --target cortex-z9", dir.path / "z9.log", &log);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("cortex-z9"), std::string::npos) << log;
}

}  // namespace
}  // namespace mote
