// The mote command line on bad input: one line on stderr naming what and where, a non-zero exit
// code, and no output left behind. Plus --help on every command and one good compile.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../frontend/onnx_builder.h"
#include "e2e/e2e_util.h"
#include "io/array.h"

namespace mote {
namespace {

namespace fs = std::filesystem;

// Every test here runs the command line.
CliRun mote(const std::string& args) { return mote_cli(args); }

std::string model(const std::string& stem) { return std::string(MOTE_TEST_DATA) + "/models/" + stem + ".onnx"; }
std::string samples(const std::string& m) { return std::string(MOTE_TEST_DATA) + "/models/" + m + "_input.npy"; }

Array floats(Shape shape, float v) {
  Array a;
  a.dtype = DType::F32;
  a.shape = shape;
  a.bytes.resize(size_t(numel(shape)) * 4);
  for (int64_t k = 0; k < numel(shape); ++k) a.as_mut<float>()[k] = v;
  return a;
}

TEST(Cli, HelpOnEveryCommand) {
  for (const char* c : {"", "inspect", "quantize", "compile", "validate", "features"}) {
    CliRun r = mote(std::string(c) + " --help");
    EXPECT_EQ(r.code, 0) << c;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << c;
  }
}

TEST(Cli, MissingModelFile) {
  const fs::path out = test::temp_path("missing_out");
  CliRun r = mote("compile /nonexistent/model.onnx -o " + out.string());
  expect_clean_failure(r, {"/nonexistent/model.onnx", "No such file"}, out);
}

TEST(Cli, TruncatedAndCorruptModels) {
  const std::string full = slurp(model("lenet5_opset13_folded"));
  const std::string trunc = test::temp_path("trunc.onnx");
  test::write_bytes(trunc, full.substr(0, full.size() / 2));
  const fs::path out = test::temp_path("trunc_out");
  expect_clean_failure(mote("compile " + trunc + " --calib " + samples("lenet5") + " -o " + out.string()),
                       {"trunc.onnx", "not a valid ONNX model"}, out);
  std::string flipped = full;
  for (size_t k = 0; k < 64; ++k) flipped[k * 7 % flipped.size()] ^= char(0x5A);
  const std::string corrupt = test::temp_path("corrupt.onnx");
  test::write_bytes(corrupt, flipped);
  CliRun r = mote("inspect " + corrupt);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("corrupt.onnx"), std::string::npos) << r.err;
}

TEST(Cli, UnsupportedOpNamesOpNodeAndOpset) {
  test::ModelBuilder b(13);
  b.input("x", {1, 1, 4, 4}).output("y");
  b.node("Einsum", {"x"}, {"y"}, "sum1");
  const std::string path = b.save("einsum.onnx");
  const fs::path out = test::temp_path("unsupported_out");
  expect_clean_failure(mote("compile " + path + " -o " + out.string()), {"einsum.onnx", "Einsum", "sum1", "13"}, out);
}

TEST(Cli, DataThatDoesNotFitTheModel) {
  const fs::path out = test::temp_path("shape_out");
  const std::string bad_shape = test::temp_path("bad_shape.npy");
  save_npy(bad_shape, floats({3, 3, 28, 28}, 0.5f));
  expect_clean_failure(mote("compile " + model("lenet5_opset13_folded") + " --calib " + bad_shape + " -o " + out.string()),
                       {"bad_shape.npy", "[3,3,28,28]"}, out);

  Array ints;
  ints.dtype = DType::I64;
  ints.shape = {2, 1, 28, 28};
  ints.bytes.resize(2 * 28 * 28 * 8);
  const std::string bad_dtype = test::temp_path("bad_dtype.npy");
  save_npy(bad_dtype, ints);
  expect_clean_failure(mote("compile " + model("lenet5_opset13_folded") + " --calib " + bad_dtype + " -o " + out.string()),
                       {"bad_dtype.npy", "i64"}, out);

  const fs::path json = test::temp_path("quant.json");
  expect_clean_failure(mote("quantize " + model("lenet5_opset13_folded") + " --calib /nonexistent/calib.npy -o " + json.string()),
                       {"/nonexistent/calib.npy"}, json);
}

TEST(Cli, CompileThenValidate) {
  const fs::path out = test::temp_path("lenet_out");
  CliRun c = mote("compile " + model("lenet5_opset13_folded") + " --calib " + samples("lenet5") + " --name lenet -o " + out.string());
  ASSERT_EQ(c.code, 0) << c.err;
  for (const char* f : {"lenet.h", "lenet.c", "report.json", "mote/kernels.h"}) EXPECT_TRUE(fs::exists(out / f)) << f;
  EXPECT_NE(c.out.find("RAM (arena)"), std::string::npos);

  const fs::path vjson = test::temp_path("validate.json");
  CliRun v = mote("validate " + out.string() + " --data " + samples("lenet5") + " -o " + vjson.string());
  ASSERT_EQ(v.code, 0) << v.err;
  EXPECT_NE(v.out.find("4/4 samples (100.00 %)"), std::string::npos) << v.out;
  EXPECT_TRUE(fs::exists(vjson));

  // Labels that do not match the data: a clean failure and no JSON written.
  Array labels;
  labels.dtype = DType::I64;
  labels.shape = {3};
  labels.bytes.resize(3 * 8);
  const std::string lpath = test::temp_path("labels3.npy");
  save_npy(lpath, labels);
  const fs::path vjson2 = test::temp_path("validate2.json");
  expect_clean_failure(mote("validate " + out.string() + " --data " + samples("lenet5") + " --labels " + lpath + " -o " + vjson2.string()),
                       {"labels3.npy", "3 labels", "4 samples"}, vjson2);

  expect_clean_failure(mote("compile " + model("lenet5_opset13_folded") + " --name 9bad -o " + (out / "x").string()),
                       {"--name", "9bad"}, out / "x");
}

// convert without --calib writes a float32 .tflite; a model with an op float TFLite lacks (GRU)
// fails naming the node and leaves no file.
TEST(Cli, ConvertWithoutCalibWritesFloat32) {
  const fs::path f = test::temp_path("lenet_f32.tflite"), gru = test::temp_path("gru_f32.tflite");
  fs::remove(f);
  CliRun c = mote("convert " + model("lenet5_opset13_folded") + " -o " + f.string());
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("(float32, "), std::string::npos) << c.out;
  EXPECT_TRUE(fs::exists(f));
  expect_clean_failure(mote("convert " + std::string(MOTE_TEST_DATA) + "/rnn/gru_cls.onnx -o " + gru.string()),
                       {"node '/rnn/GRU' (Gru)", "TFLite has no GRU"}, gru);
}

// A project folder (model, calibration data, output) moved elsewhere as a whole still
// validates: report.json keeps the paths relative to the output folder.
TEST(Cli, MovedProjectFolderValidates) {
  const fs::path a = test::temp_path("project_a"), b = test::temp_path("project_b");
  fs::remove_all(a);
  fs::remove_all(b);
  fs::create_directories(a / "data");
  fs::copy_file(model("lenet5_opset13_folded"), a / "model.onnx");
  fs::copy_file(samples("lenet5"), a / "data" / "calib.npy");
  CliRun c = mote("compile " + (a / "model.onnx").string() + " --calib " + (a / "data" / "calib.npy").string() +
                  " --name lenet -o " + (a / "build" / "out").string());
  ASSERT_EQ(c.code, 0) << c.err;
  fs::rename(a, b);
  CliRun v = mote("validate " + (b / "build" / "out").string() + " --data " + (b / "data" / "calib.npy").string());
  ASSERT_EQ(v.code, 0) << v.err;
  EXPECT_NE(v.out.find("4/4 samples (100.00 %)"), std::string::npos) << v.out;
  // Without the model beside it, validation names the missing file.
  fs::remove(b / "model.onnx");
  CliRun gone = mote("validate " + (b / "build" / "out").string() + " --data " + (b / "data" / "calib.npy").string());
  EXPECT_EQ(gone.code, 1);
  EXPECT_NE(gone.err.find("model.onnx"), std::string::npos) << gone.err;
  fs::remove_all(b);
}

}  // namespace
}  // namespace mote
