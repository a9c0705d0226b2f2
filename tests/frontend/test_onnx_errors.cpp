// Import failures: each is one mote::Error line naming the file and the problem.
#include <random>

#include "onnx_builder.h"

namespace mote::test {
namespace {

std::string relu_model_bytes(int opset) {
  ModelBuilder b(opset);
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"x"}, {"y"});
  return b.model().SerializeAsString();
}

TEST(OnnxErrors, MissingFile) {
  std::string path = temp_path("does_not_exist.onnx");
  EXPECT_EQ(error_of([&] { import_onnx(path); }), path + ": cannot open: No such file or directory");
}

TEST(OnnxErrors, TruncatedModel) {
  // The first half of a real model: the weights' length-delimited field runs past the end.
  ModelBuilder b;
  b.input("x", {1, 1, 8, 8}).output("y");
  b.init_f("w", {4, 1, 3, 3}, iota_f(36));
  b.node("Conv", {"x", "w"}, {"y"});
  std::string bytes = b.model().SerializeAsString();
  std::string path = temp_path("truncated.onnx");
  write_bytes(path, bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(error_of([&] { import_onnx(path); }), path + ": not a valid ONNX model (protobuf parse failed)");
}

TEST(OnnxErrors, RandomBytes) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 5; ++trial) {
    std::string bytes(4096, '\0');
    for (char& ch : bytes) ch = char(rng() & 0xff);
    std::string path = temp_path("random.onnx");
    write_bytes(path, bytes);
    std::string e = error_of([&] { import_onnx(path); });
    EXPECT_EQ(e.rfind(path + ": not a valid ONNX model", 0), 0u) << e;
  }
}

TEST(OnnxErrors, UnsupportedOpNamesNodeOpAndOpset) {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4}).output("y");
  b.init_f("w", {2, 2, 3, 3}, iota_f(36));
  b.node("Relu", {"x"}, {"r"}, "Relu_0");
  b.node("Einsum", {"r", "w"}, {"y"}, "Einsum_3");
  std::string path = b.save("model.onnx");
  EXPECT_EQ(error_of([&] { import_onnx(path); }), path + ": node 'Einsum_3' (op 'Einsum', opset 13): unsupported op");
}

TEST(OnnxErrors, OpOfAnotherDomainRejected) {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"x"}, {"y"}, "custom").set_domain("com.example");
  std::string e = error_of([&] { b.import(); });
  EXPECT_NE(e.find("node 'custom' (op 'Relu', opset 13): unsupported op (domain 'com.example')"), std::string::npos) << e;
}

TEST(OnnxErrors, OpsetOutsideRangeRejected) {
  for (int opset : {10, 18}) {
    std::string path = temp_path("opset.onnx");
    write_bytes(path, relu_model_bytes(opset));
    EXPECT_EQ(error_of([&] { import_onnx(path); }),
              fmt::format("{}: opset {} of the default domain is not supported (supported: 11..17)", path, opset));
  }
  for (int opset : {11, 17}) {
    std::string path = temp_path("opset.onnx");
    write_bytes(path, relu_model_bytes(opset));
    EXPECT_EQ(import_onnx(path).nodes.size(), 1u) << opset;
  }
}

TEST(OnnxErrors, UndefinedInputNamed) {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.node("Add", {"x", "nowhere"}, {"y"}, "add");
  std::string e = error_of([&] { b.import(); });
  EXPECT_NE(e.find("node 'add' (op 'Add', opset 13): input 'nowhere' is not defined before its use"), std::string::npos) << e;
}

TEST(OnnxErrors, ShapeMismatchNamesNode) {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.init_f("c", {3}, {1, 2, 3});
  b.node("Add", {"x", "c"}, {"y"}, "add");
  std::string path = b.save("mismatch.onnx");
  std::string e = error_of([&] { import_onnx(path); });
  EXPECT_EQ(e.rfind(path + ": node 'add' (op 'Add', opset 13): ", 0), 0u) << e;
  EXPECT_NE(e.find("do not broadcast"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos);
}

TEST(OnnxErrors, NonFloatGraphInputRejected) {
  ModelBuilder b;
  b.input("x", {1, 4}, onnx::TensorProto::INT8).output("y");
  b.node("Relu", {"x"}, {"y"});
  std::string path = b.save("int8.onnx");
  EXPECT_EQ(error_of([&] { import_onnx(path); }),
            path + ": graph input 'x' has element type INT8; only float32 inputs are supported");
}

}  // namespace
}  // namespace mote::test
