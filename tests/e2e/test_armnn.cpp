// Independent check of the TFLite export: ArmNN's TfLite parser on its CpuRef backend runs the
// exported .tflite, mote's generated C runs the same quantized graph, and the two must agree
// (ArmNN requantizes differently from TFLM, so by tolerance: top-1 and mean |diff| <= 1 LSB).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "backend/c/codegen.h"
#include "backend/tflite/tflite_export.h"
#include "e2e_util.h"
#include "ref/executor.h"
#include "require.h"
#include "tflite_e2e_util.h"

namespace mote {
namespace {

const std::string kPython = "/usr/bin/python3";
const std::string kScript = std::string(MOTE_SOURCE_DIR) + "/tests/armnn/check_tflite.py";

bool have_pyarmnn() {
  return std::system((kPython + " -c 'import pyarmnn' > /dev/null 2>&1").c_str()) == 0;
}

struct Agreement {
  double top1 = 0;      // fraction of samples with the same argmax
  double mean_abs = 0;  // LSB, over all output bytes
  int max_abs = 0;
};

Agreement compare(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, int64_t n) {
  Agreement r;
  const size_t per = a.size() / size_t(n);
  int64_t same = 0, sum = 0;
  for (int64_t s = 0; s < n; ++s) {
    const int8_t* x = reinterpret_cast<const int8_t*>(a.data()) + s * int64_t(per);
    const int8_t* y = reinterpret_cast<const int8_t*>(b.data()) + s * int64_t(per);
    same += std::max_element(x, x + per) - x == std::max_element(y, y + per) - y;
    for (size_t i = 0; i < per; ++i) {
      const int d = std::abs(int(x[i]) - int(y[i]));
      sum += d;
      r.max_abs = std::max(r.max_abs, d);
    }
  }
  r.top1 = double(same) / double(n);
  r.mean_abs = double(sum) / double(a.size());
  return r;
}

// Runs `p` both ways over n int8 inputs: mote's C (gcc) and ArmNN on the exported file.
Agreement run_both(const Pipeline& p, const std::string& name, const std::vector<int8_t>& in, int64_t n) {
  TempDir tmp;
  CodegenInput c;
  c.graph = &p.graph;
  c.calls = &p.calls;
  c.plan = &p.plan;
  c.name = name;
  emit_c(c, (tmp.path / "c").string());
  const std::vector<uint8_t> mote_out = build_and_run(tmp.path / "c", name, "gcc", false, in.data(), in.size(), n);
  const fs::path model = tmp.path / (name + ".tflite"), xin = tmp.path / "in.bin", yout = tmp.path / "out.bin";
  export_tflite(p.graph, model.string());
  spit(xin, std::string(in.begin(), in.end()));
  std::string log;
  const int rc = shell(kPython + " '" + kScript + "' '" + model.string() + "' '" + xin.string() + "' " +
                           std::to_string(n) + " '" + yout.string() + "'",
                       tmp.path / "armnn.log", &log);
  EXPECT_EQ(rc, 0) << log;
  const std::string armnn_out = slurp(yout);
  EXPECT_EQ(armnn_out.size(), mote_out.size()) << log;
  if (rc != 0 || armnn_out.size() != mote_out.size() || mote_out.empty()) return {};
  return compare(mote_out, std::vector<uint8_t>(armnn_out.begin(), armnn_out.end()), n);
}

// Runs a .tflite file on ArmNN CpuRef over n int8 inputs; returns the raw int8 outputs.
std::vector<uint8_t> armnn(const fs::path& model, const std::string& inputs, int64_t n, const fs::path& dir) {
  const fs::path xin = dir / "in.bin", yout = dir / "out.bin";
  spit(xin, inputs);
  std::string log;
  const int rc = shell(kPython + " '" + kScript + "' '" + model.string() + "' '" + xin.string() + "' " +
                           std::to_string(n) + " '" + yout.string() + "'",
                       dir / "armnn.log", &log);
  EXPECT_EQ(rc, 0) << log;
  const std::string out = slurp(yout);
  return std::vector<uint8_t>(out.begin(), out.end());
}

// The MLPerf int8 models imported and exported again by mote: ArmNN gives the same bytes on
// mote's file as on the original, on all 32 golden inputs. (ArmNN's own requantization differs
// from TFLM's goldens; that difference is printed, not asserted.)
TEST(ArmnnCheck, MlperfReExportRunsLikeTheOriginal) {
  MOTE_REQUIRE(have_pyarmnn()) << kPython << " cannot import pyarmnn";
  const std::string shared = MOTE_SHARED_DIR;
  for (const char* m : {"kws_ref_model", "pretrainedResnet_quant"}) {
    SCOPED_TRACE(m);
    const std::string original = shared + "/models/" + m + ".tflite";
    MOTE_REQUIRE(fs::exists(original)) << original << " is absent";
    std::string inputs, golden;
    for (int k = 0; k < 32; ++k) {
      const std::string id = (k < 10 ? "0" : "") + std::to_string(k);
      inputs += slurp(shared + "/golden/" + m + "/in_" + id + ".bin");
      golden += slurp(shared + "/golden/" + m + "/out_" + id + ".bin");
    }
    TempDir tmp;
    const Pipeline p = run_pipeline({original, ""});
    const fs::path mine = tmp.path / "mote.tflite";
    export_tflite(p.graph, mine.string());
    const std::vector<uint8_t> from_original = armnn(original, inputs, 32, tmp.path);
    const std::vector<uint8_t> from_mote = armnn(mine, inputs, 32, tmp.path);
    ASSERT_EQ(from_original.size(), golden.size());
    EXPECT_EQ(from_mote, from_original);
    const Agreement g = compare(from_original, std::vector<uint8_t>(golden.begin(), golden.end()), 32);
    std::printf("[ armnn ] %s: ArmNN vs TFLM goldens mean |diff| %.3f LSB, max %d, top-1 %.2f %%\n", m, g.mean_abs,
                g.max_abs, 100.0 * g.top1);
  }
}

// Fashion-MNIST test images, evenly spread over the 10,000: 300 here (CpuRef takes 30-45 ms per
// image); `make bench` runs all of them with MOTE_ARMNN_IMAGES=10000 and MOTE_ARMNN_JSON naming
// the file for its figures.
TEST(ArmnnFashion, TestImagesAgreeWithGeneratedC) {
  MOTE_REQUIRE(have_pyarmnn()) << kPython << " cannot import pyarmnn";
  const ExportModel m = export_models()[0];
  const Pipeline p = run_pipeline({m.onnx, m.calib});
  Array images = load_array("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  const int64_t total = images.shape.at(0), per = 28 * 28;
  const char* want = std::getenv("MOTE_ARMNN_IMAGES");
  const int64_t n = std::clamp<int64_t>(want ? std::atoll(want) : 300, 1, total);
  Array x;
  x.dtype = DType::F32;
  x.shape = {n, 1, 28, 28};
  x.bytes.resize(size_t(n * per) * sizeof(float));
  for (int64_t s = 0; s < n; ++s)
    for (int64_t i = 0; i < per; ++i) x.as_mut<float>()[s * per + i] = images.get_f32(s * total / n * per + i) / 255.0f;
  const std::vector<int8_t> in = quantize_samples(p, x);
  const Agreement a = run_both(p, "fashion", in, n);
  std::printf("[ armnn ] %lld of %lld fashion test images: top-1 agreement %.2f %%, mean |diff| %.4f LSB, max %d\n",
              static_cast<long long>(n), static_cast<long long>(total), 100.0 * a.top1, a.mean_abs, a.max_abs);
  EXPECT_GE(a.top1, 0.99);
  EXPECT_LE(a.mean_abs, 1.0);
  if (const char* json = std::getenv("MOTE_ARMNN_JSON"))
    spit(json, nlohmann::json{{"images", n}, {"of", total}, {"top1", a.top1}, {"mean_abs", a.mean_abs}, {"max_abs", a.max_abs}}.dump());
}

// The float MLPerf ResNet, quantized by mote on the 32 golden inputs and exported: ArmNN loads
// and runs it, and agrees with mote's C on those inputs within ArmNN's own rounding.
TEST(ArmnnCheck, QuantizedFloatResnetRuns) {
  MOTE_REQUIRE(have_pyarmnn()) << kPython << " cannot import pyarmnn";
  const std::string shared = MOTE_SHARED_DIR;
  const std::string model = shared + "/models/pretrainedResnet.tflite";
  MOTE_REQUIRE(fs::exists(model)) << model << " is absent";
  Array x;
  x.dtype = DType::F32;
  x.shape = {32, 32, 32, 3};
  for (int k = 0; k < 32; ++k) {
    const std::string b = slurp(shared + "/golden/pretrainedResnet/in_" + (k < 10 ? "0" : "") + std::to_string(k) + ".bin");
    ASSERT_EQ(b.size(), 32u * 32 * 3 * sizeof(float));
    x.bytes.insert(x.bytes.end(), b.begin(), b.end());
  }
  TempDir tmp;
  const std::string calib = (tmp.path / "calib.npy").string();
  save_npy(calib, x);
  const Pipeline p = run_pipeline({model, calib});
  ASSERT_TRUE(p.quantized());
  const Agreement a = run_both(p, "resnet", quantize_samples(p, x), 32);
  std::printf("[ armnn ] pretrainedResnet quantized by mote: top-1 agreement %.2f %%, mean |diff| %.4f LSB, max %d\n",
              100.0 * a.top1, a.mean_abs, a.max_abs);
  EXPECT_GE(a.top1, 0.9);
}

// The test models, and the later ops' models whose ops ArmNN 20.08's TfLite parser has
// (grouped CONV_2D and HardSigmoid's MUL + ADD in dscnn, the Conv1d network; it has no GATHER,
// no UNIDIRECTIONAL_SEQUENCE_LSTM and no TRANSPOSE_CONV with a bias operand, which indexing,
// bilstm_cls and the transposed-conv models need).
TEST(ArmnnCheck, TestModelsAgreeWithGeneratedC) {
  MOTE_REQUIRE(have_pyarmnn()) << kPython << " cannot import pyarmnn";
  std::vector<ExportModel> models = export_models();
  models.erase(models.begin());  // the demo: ArmnnFashion
  for (const ExportModel& m : op_export_models())
    if (m.name.rfind("dscnn", 0) == 0 || m.name == "conv1d") models.push_back(m);
  for (const ExportModel& m : models) {
    // Open: ArmNN 20.08 differs from mote by ~7 LSB (max 14) on resnet_relu6 and ~3.9 LSB (max
    // 16) on dscnn at every opset (with HardSigmoid's MUL + ADD or HardSwish), the models
    // exported with an explicit PAD before a strided conv; mote's own round trip of the files
    // is byte-exact. Measured and printed, not yet asserted, until it is explained.
    const bool open_question = m.name == "resnet_relu6" || m.name.rfind("dscnn", 0) == 0;
    SCOPED_TRACE(m.name);
    const Pipeline p = run_pipeline({m.onnx, m.calib});
    int64_t n = 0;
    const std::vector<int8_t> in = model_inputs(p, m.calib, 28, &n);
    const Agreement a = run_both(p, m.name, in, n);
    std::printf("[ armnn ] %s: %lld inputs, top-1 agreement %.2f %%, mean |diff| %.4f LSB, max %d\n", m.name.c_str(),
                static_cast<long long>(n), 100.0 * a.top1, a.mean_abs, a.max_abs);
    EXPECT_GE(a.top1, open_question ? 0.9 : 0.95);
    if (!open_question) EXPECT_LE(a.mean_abs, 1.0);
  }
}

// Resize and slicing conformance cases imported and exported by mote: ArmNN gives the same bytes
// on mote's file as on the original. (ArmNN 20.08 ignores half_pixel_centers and rounds
// align_corners nearest-neighbour coordinates its own way, so its distance to TFLM's bytes is
// printed, not asserted.)
TEST(ArmnnCheck, ExportedResizeAndSliceCasesRun) {
  MOTE_REQUIRE(have_pyarmnn()) << kPython << " cannot import pyarmnn";
  const fs::path dir = fs::path(MOTE_SHARED_DIR) / "conformance";
  MOTE_REQUIRE(fs::exists(dir)) << dir << " is absent";
  for (const char* c : {"resize_nearest_default", "resize_nearest_half_pixel", "resize_nearest_align_corners",
                        "resize_bilinear_default", "resize_bilinear_half_pixel", "resize_bilinear_align_corners",
                        "strided_slice_s2", "strided_slice_masks_neg", "slice_4d"}) {
    SCOPED_TRACE(c);
    TempDir tmp;
    const Pipeline p = run_pipeline({(dir / c / "model.tflite").string(), ""});
    const fs::path mine = tmp.path / "mote.tflite";
    export_tflite(p.graph, mine.string());
    std::string inputs, golden;
    for (int k = 0; k < 4; ++k) {
      inputs += slurp(dir / c / fmt::format("in_{:02d}.bin", k));
      golden += slurp(dir / c / fmt::format("out_{:02d}.bin", k));
    }
    const std::vector<uint8_t> out = armnn(mine, inputs, 4, tmp.path);
    ASSERT_EQ(out.size(), golden.size());
    const Agreement a = compare(out, std::vector<uint8_t>(golden.begin(), golden.end()), 4);
    // ArmNN 20.08 cannot load the original slice_4d (SLICE with size -1); mote writes it as
    // STRIDED_SLICE, which ArmNN runs, giving TFLM's bytes.
    if (std::string(c) == "slice_4d") EXPECT_EQ(a.max_abs, 0);
    else EXPECT_EQ(out, armnn(dir / c / "model.tflite", inputs, 4, tmp.path));
    std::printf("[ armnn ] %s exported by mote: ArmNN as on the original file; vs TFLM max |diff| %d LSB, mean %.4f\n", c,
                a.max_abs, a.mean_abs);
  }
}

// Float32 exports (no calibration) of the float test models ArmNN 22's parser takes: ArmNN's
// float CpuRef gives mote's float executor's outputs within float rounding on the models' own
// samples. Left out: dscnn (ArmNN's CpuRef computes a grouped CONV_2D, filter channels < input
// channels, wrongly: off by up to 30 where the outputs reach 21 on a one-conv model, group 4,
// 16 channels, whose float file mote runs within 2e-6 of numpy), and the models with ops its
// parser lacks (UNIDIRECTIONAL_SEQUENCE_LSTM, GATHER, TRANSPOSE_CONV with a bias) or an int32
// output (argmax).
TEST(ArmnnCheck, FloatExportsAgreeWithRunFloat) {
  MOTE_REQUIRE(have_pyarmnn()) << kPython << " cannot import pyarmnn";
  const std::vector<std::string> left_out = {"dscnn", "bilstm_cls", "indexing", "upsample_ae", "tconv1d", "argmax"};
  for (const ExportModel& m : float_export_models()) {
    if (std::any_of(left_out.begin(), left_out.end(), [&](const std::string& l) { return m.name.rfind(l, 0) == 0; })) continue;
    SCOPED_TRACE(m.name);
    const Pipeline p = run_pipeline({m.onnx, ""});
    ASSERT_FALSE(p.quantized());
    TempDir tmp;
    const fs::path file = tmp.path / "f32.tflite";
    export_tflite(p.graph, file.string());
    const Array x = to_graph_layout(p.imported, load_array(m.calib), "calib");
    const Tensor& in = p.graph.t(p.graph.inputs[0]);
    const int64_t per = in.numel(), n = std::min<int64_t>(x.numel() / per, 64);
    std::vector<float> want;
    for (int64_t s = 0; s < n; ++s) {
      Array a;
      a.shape = in.shape;
      a.bytes.assign(x.bytes.begin() + long(s * per * 4), x.bytes.begin() + long((s + 1) * per * 4));
      const Array y = run_float(p.graph, {a}).at(0);
      want.insert(want.end(), y.as<float>(), y.as<float>() + y.numel());
    }
    const std::vector<uint8_t> out = armnn(file, std::string(x.bytes.begin(), x.bytes.begin() + long(n * per * 4)), n, tmp.path);
    ASSERT_EQ(out.size(), want.size() * 4);
    const float* got = reinterpret_cast<const float*>(out.data());
    double diff = 0, mag = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      diff = std::max(diff, std::fabs(double(got[i]) - want[i]));
      mag = std::max(mag, std::fabs(double(want[i])));
    }
    std::printf("[ armnn ] %s float32 export, %lld samples: max |diff| %.3g, %.3g of max |y|\n", m.name.c_str(), static_cast<long long>(n),
                diff, diff / mag);
    EXPECT_LE(diff, 1e-5 * mag);
  }
}

}  // namespace
}  // namespace mote
