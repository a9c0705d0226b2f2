// mote distill: the loss it minimizes is Hinton's, alpha T^2 KL(teacher_T || student_T) plus
// (1 - alpha) cross entropy, computed here independently in double from both models' logits
// (the teacher's in inference mode: its BatchNorm on running statistics, not the batch's);
// a teacher whose outputs are not the student's is refused before training.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "frontend/import.h"
#include "io/array.h"
#include "train/train.h"
#include "train_test_util.h"

namespace mote {
namespace {

using test::mote_cli;

// Per-sample log softmax of logits / temp, in double.
std::vector<double> log_softmax(const float* z, int64_t n, double temp) {
  double mx = -INFINITY, sum = 0;
  for (int64_t k = 0; k < n; ++k) mx = std::max(mx, z[k] / temp);
  for (int64_t k = 0; k < n; ++k) sum += std::exp(z[k] / temp - mx);
  std::vector<double> r(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) r[size_t(k)] = z[k] / temp - mx - std::log(sum);
  return r;
}

TEST(Distill, MinimizesHintonsLoss) {
  test::Dir d;
  const std::string x = d / "x.npy", y = d / "y.npy", teacher = d / "t.onnx", student = d / "s.onnx", log = d / "log.json";
  test::write_blobs(x, y, 600, 16, 4, 11);
  // 4x4 images, so that the teacher can be a CNN with BatchNorm: run in training mode, it would
  // give other logits than the inference below.
  Array images = load_array(x);
  images.shape = {600, 4, 4};
  save_npy(x, images);
  const std::string data = " --data " + x + " --labels " + y + " --threads 1";
  ASSERT_EQ(mote_cli("train --arch dscnn:4 --epochs 3 --seed 1 -o " + teacher + data).code, 0);
  ASSERT_EQ(mote_cli("train --arch mlp:4 --epochs 1 --seed 2 -o " + student + data).code, 0);
  const double temp = 3, alpha = 0.7;
  // A learning rate of 1e-12 leaves the student as it is: the first epoch's loss is the loss of
  // the two files as they are, over all samples (no validation split).
  const test::CliRun r = mote_cli("distill --teacher " + teacher + " --student " + student + data +
                                  " --epochs 1 --batch 32 --lr 1e-12 --val-split 0 --temperature 3 --alpha 0.7 -o " + (d / "out.onnx") +
                                  " --log " + log);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("distill epoch 1/1"), std::string::npos) << r.out;
  const Array xs = load_array(x), ys = load_array(y);
  const Array t = train::forward(import_model(teacher), {xs})[0], s = train::forward(import_model(student), {xs})[0];
  double want = 0;
  for (int64_t k = 0; k < 600; ++k) {
    const std::vector<double> lt = log_softmax(t.as<float>() + 4 * k, 4, temp), ls = log_softmax(s.as<float>() + 4 * k, 4, temp),
                              hard = log_softmax(s.as<float>() + 4 * k, 4, 1.0);
    double kl = 0;
    for (size_t c = 0; c < 4; ++c) kl += std::exp(lt[c]) * (lt[c] - ls[c]);
    want += alpha * temp * temp * kl - (1 - alpha) * hard[size_t(ys.as<int64_t>()[k])];
  }
  want /= 600;
  const nlohmann::json j = nlohmann::json::parse(test::slurp(log));
  EXPECT_NEAR(j["history"][0]["loss"].get<double>(), want, 1e-5 * std::max(1.0, want));
  EXPECT_EQ(j["temperature"].get<double>(), 3.0);
}

TEST(Distill, TeacherWithOtherOutputsIsRefused) {
  test::Dir d;
  const std::string x = d / "x.npy", y = d / "y.npy", teacher = d / "t.onnx", out = d / "out.onnx";
  test::write_blobs(x, y, 200, 16, 4, 12);
  ASSERT_EQ(mote_cli("train --arch mlp:8 --epochs 1 --data " + x + " --labels " + y + " -o " + teacher).code, 0);
  test::expect_clean_failure(
      mote_cli("distill --teacher " + teacher + " --arch mlp:8 --classes 5 --data " + x + " --labels " + y + " -o " + out),
      {"teacher", "gives 4 outputs", "5", "same classes"}, out);
  test::expect_clean_failure(
      mote_cli("distill --teacher " + teacher + " --arch mlp:8 --data " + x + " --labels " + y + " --alpha 2 -o " + out), {"--alpha"},
      out);
}

}  // namespace
}  // namespace mote
