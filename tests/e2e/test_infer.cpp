// mote infer: the float executor's outputs over a data file, as the exporting framework gave
// them; data that does not fit is one line and no file.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>

#include "e2e_util.h"
#include "io/array.h"

namespace mote {
namespace {

TEST(Infer, WritesTheFloatOutputsOfEverySample) {
  TempDir d;
  const std::string data = std::string(MOTE_TEST_DATA) + "/models/";
  const fs::path out = d.path / "y.npy";
  std::string log;
  ASSERT_EQ(shell(std::string(MOTE_CLI) + " infer " + data + "lenet5_opset13_folded.onnx --data " + data + "lenet5_input.npy -o " +
                      out.string(), d.path / "log", &log), 0) << log;
  EXPECT_NE(log.find("4 outputs of shape [1,10]"), std::string::npos) << log;
  const Array got = load_array(out.string()), want = load_array(data + "lenet5_output.npy");
  ASSERT_EQ(got.numel(), want.numel());
  EXPECT_EQ(got.shape, (Shape{4, 1, 10}));
  for (int64_t k = 0; k < want.numel(); ++k) EXPECT_NEAR(got.get_f32(k), want.get_f32(k), 1e-5) << k;
  const int rc = std::system((std::string(MOTE_CLI) + " infer " + data + "lenet5_opset13_folded.onnx --data " + data +
                              "mlp_input.npy -o " + (d.path / "bad.npy").string() + " > " + (d.path / "err").string() + " 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 1);
  const std::string err = slurp(d.path / "err");
  EXPECT_NE(err.find("mlp_input.npy: data shape [4,1,64] does not fit model input"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(d.path / "bad.npy"));
}

}  // namespace
}  // namespace mote
