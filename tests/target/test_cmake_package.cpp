// Firmware integration as users do it: `cmake --install` puts mote and find_package(mote) in a
// prefix, the installed mote compiles a model for the M4, and a small firmware project that
// finds mote, adds the model folder with add_subdirectory and builds with the shipped
// arm-none-eabi toolchain file runs on mps2-an386 with the host build's bytes.
#include <gtest/gtest.h>

#include "require.h"
#include "target_util.h"

namespace mote {
namespace {

TEST(CMakePackage, FirmwareProjectFindsMoteAddsTheModelAndRunsOnAn386) {
  MOTE_REQUIRE(have_cortex_m_tools() && have_tool("cmake")) << "arm-none-eabi-gcc, qemu-system-arm and cmake are needed";
  TempDir t;
  const fs::path prefix = t.path / "prefix", proj = t.path / "proj";
  std::string log;
  ASSERT_EQ(shell("cmake --install '" + std::string(MOTE_BINARY_DIR) + "' --prefix '" + prefix.string() + "'",
                  t.path / "install.log", &log), 0) << log;
  ASSERT_TRUE(fs::exists(prefix / "lib" / "cmake" / "mote" / "moteConfig.cmake"));

  // The installed mote finds its runtime, profiles and runtime sizes under share/mote.
  const std::string d = MOTE_TEST_DATA;
  ASSERT_EQ(shell("'" + (prefix / "bin" / "mote").string() + "' compile " + d + "/models/mlp_opset13_folded.onnx --calib " + d +
                      "/models/mlp_input.npy --name mlp --target cortex-m4 -o '" + (proj / "mlp").string() + "'",
                  t.path / "compile.log", &log), 0) << log;
  EXPECT_NE(log.find("cortex-m4 build: flash"), std::string::npos) << "installed mote predicts the M4 build: " << log;

  spit(proj / "CMakeLists.txt",
       "cmake_minimum_required(VERSION 3.20)\nproject(mote_firmware_example C)\n"
       "find_package(mote REQUIRED)\nadd_subdirectory(mlp)\n"
       "add_executable(fw main.c ${MOTE_FIRMWARE_DIR}/fw_startup.c ${MOTE_FIRMWARE_DIR}/fw_io.c ${MOTE_FIRMWARE_DIR}/fw_records.c)\n"
       "target_include_directories(fw PRIVATE ${MOTE_FIRMWARE_DIR})\ntarget_link_libraries(fw PRIVATE mlp)\n"
       "target_link_options(fw PRIVATE -nostartfiles -L${MOTE_FIRMWARE_DIR} -T${MOTE_FIRMWARE_DIR}/mps2.ld)\n");
  spit(proj / "main.c",
       "#include \"fw.h\"\n#include \"mlp.h\"\n"
       "static int8_t in[mlp_INPUT_BYTES];\nstatic int8_t out[mlp_OUTPUT_BYTES];\n"
       "int main(void) {\n  const int fi = mote_fw_open(\"in.bin\", 1);\n  const int fo = mote_fw_open(\"out.bin\", 5);\n"
       "  if (fi < 0 || fo < 0 || mote_fw_read(fi, in, sizeof in) != sizeof in) {\n    return 2;\n  }\n"
       "  if (mlp_invoke(in, out) != 0) {\n    return 5;\n  }\n  return mote_fw_write(fo, out, sizeof out) == 0 ? 0 : 2;\n}\n");
  const fs::path build = proj / "build";
  ASSERT_EQ(shell("cmake -S '" + proj.string() + "' -B '" + build.string() + "' -DCMAKE_TOOLCHAIN_FILE='" +
                      (prefix / "lib" / "cmake" / "mote" / "arm-none-eabi.cmake").string() + "' -DCMAKE_PREFIX_PATH='" +
                      prefix.string() + "' && cmake --build '" + build.string() + "'",
                  t.path / "build.log", &log), 0) << log;
  // mote::runtime was found, so the model library compiled only mlp.c.
  EXPECT_NE(log.find("mote_runtime"), std::string::npos) << log;

  const nlohmann::json report = nlohmann::json::parse(slurp(proj / "mlp" / "report.json"));
  const std::string in = random_inputs(report, 1, 5);
  spit(build / "in.bin", in);
  ASSERT_EQ(shell("cd '" + build.string() + "' && timeout -s KILL 60 qemu-system-arm -machine mps2-an386 -icount shift=0 "
                  "-semihosting-config enable=on,target=native -nographic -monitor none -serial none -kernel fw",
                  t.path / "qemu.log", &log), 0) << log;
  const std::vector<uint8_t> host = build_and_run(proj / "mlp", "mlp", "gcc", false, in.data(), in.size(), 1);
  EXPECT_EQ(slurp(build / "out.bin"), std::string(host.begin(), host.end()));
}

}  // namespace
}  // namespace mote
