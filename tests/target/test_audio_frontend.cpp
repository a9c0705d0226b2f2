// The audio front end generated beside a network: `mote features` over class folders of audio,
// `mote compile --frontend` (the input quantized as the front end writes it, NAME_frontend.c),
// and application firmware (`mote run --app`) on the host and under QEMU giving the same bytes.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../frontend/onnx_builder.h"
#include "dsp/mfcc.h"
#include "io/array.h"
#include "io/audio.h"
#include "require.h"
#include "target/target_util.h"

namespace mote {
namespace {

constexpr int kRate = 16000;

// A tone of `hz` at `amp` (of full scale) with a little deterministic noise, n samples.
std::vector<int16_t> tone(double hz, double amp, size_t n, uint32_t seed) {
  std::vector<int16_t> v(n);
  for (size_t t = 0; t < n; ++t) {
    seed = seed * 1664525u + 1013904223u;
    const double noise = (double(seed >> 8) / double(1 << 24) - 0.5) * 0.01;
    v[t] = int16_t(std::lround(32767.0 * (amp * std::sin(2.0 * M_PI * hz * double(t) / kRate) + noise)));
  }
  return v;
}

void write_wav_file(const fs::path& p, const std::vector<int16_t>& s, int rate = kRate) {
  fs::create_directories(p.parent_path());
  write_wav(p.string(), Audio{rate, s});
}

// Two classes of three clips (low and high tones), one clip 0.7 s long; its signals, padded.
struct Clips {
  fs::path dir;
  std::vector<std::vector<int16_t>> padded;
};
Clips write_clips(const fs::path& dir) {
  Clips c{dir, {}};
  const struct {
    const char* cls;
    double hz;
  } kinds[] = {{"a_low", 300.0}, {"b_high", 2500.0}};
  for (const auto& k : kinds)
    for (int i = 0; i < 3; ++i) {
      std::vector<int16_t> s = tone(k.hz * (1.0 + 0.05 * i), 0.1 + 0.3 * i, i == 1 ? 11200 : kRate, uint32_t(i + 7));
      write_wav_file(dir / k.cls / fmt::format("{}.wav", i), s);
      s.resize(kRate, 0);
      c.padded.push_back(s);
    }
  return c;
}

TEST(AudioFeatures, ClassFoldersGiveTheFrontEndsInt8FeaturesAndLabels) {
  TempDir t;
  const Clips c = write_clips(t.path / "audio");
  const CliRun r = mote_cli("features " + (t.path / "audio").string() + " -o " + (t.path / "f").string());
  ASSERT_EQ(r.code, 0) << r.err;
  const Array x = load_array((t.path / "f/x.npy").string()), y = load_array((t.path / "f/y.npy").string());
  ASSERT_EQ(x.shape, (Shape{6, 1, 49, 10}));
  ASSERT_EQ(y.shape, (Shape{6}));
  const MfccSettings s;
  const MfccTables tables = mfcc_tables(s);
  for (size_t k = 0; k < 6; ++k) {
    EXPECT_EQ(y.as<int64_t>()[k], int64_t(k / 3));
    const Features f = compute_features(tables, c.padded[k].data(), c.padded[k].size());
    ASSERT_EQ(f.frames, 49);
    for (size_t i = 0; i < 490; ++i)
      ASSERT_EQ(x.as<float>()[k * 490 + i], float(s.mfcc_scale * (f.mfcc[i] - s.mfcc_zp))) << "clip " << k << " value " << i;
  }
  const nlohmann::json j = nlohmann::json::parse(slurp(t.path / "f/frontend.json"));
  EXPECT_EQ(j["classes"], nlohmann::json({"a_low", "b_high"}));
  EXPECT_EQ(j["counts"], nlohmann::json({3, 3}));
  EXPECT_EQ(j["padded_clips"], 2);
  EXPECT_EQ(j["frontend"]["n_mfcc"], 10);
  // --classes picks and orders the folders.
  const CliRun one = mote_cli("features " + (t.path / "audio").string() + " --classes b_high -o " + (t.path / "g").string());
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(load_array((t.path / "g/x.npy").string()).shape[0], 3);
}

TEST(AudioFeatures, AudioTheFrontEndCannotTakeIsRefusedInOneLine) {
  TempDir t;
  write_wav_file(t.path / "rate/yes/0.wav", tone(440, 0.3, 8000, 1), 8000);
  expect_clean_failure(mote_cli("features " + (t.path / "rate").string() + " -o " + (t.path / "o1").string()),
                       {"rate/yes/0.wav", "8000 Hz", "16000 Hz"}, t.path / "o1");
  {
    fs::create_directories(t.path / "stereo/yes");
    SF_INFO info{};
    info.samplerate = kRate;
    info.channels = 2;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* f = sf_open((t.path / "stereo/yes/0.wav").c_str(), SFM_WRITE, &info);
    ASSERT_NE(f, nullptr);
    const std::vector<int16_t> s = tone(440, 0.3, 2 * kRate, 2);
    sf_writef_short(f, s.data(), kRate);
    sf_close(f);
  }
  expect_clean_failure(mote_cli("features " + (t.path / "stereo").string() + " -o " + (t.path / "o2").string()),
                       {"stereo/yes/0.wav", "2 channels", "mono"}, t.path / "o2");
  write_wav_file(t.path / "long/yes/0.wav", tone(440, 0.3, 20000, 3));
  expect_clean_failure(mote_cli("features " + (t.path / "long").string() + " -o " + (t.path / "o3").string()),
                       {"long/yes/0.wav", "20000 samples", "longer than"}, t.path / "o3");
  spit(t.path / "bad.json", "{\"n_mels\": 40}");
  write_wav_file(t.path / "ok/yes/0.wav", tone(440, 0.3, kRate, 4));
  expect_clean_failure(mote_cli("features " + (t.path / "ok").string() + " --frontend " + (t.path / "bad.json").string() +
                                " -o " + (t.path / "o4").string()),
                       {"bad.json", "n_mels"}, t.path / "o4");
}

// A network that reads one second of MFCCs: Flatten, then a 12-way Gemm of fixed weights.
std::string kws_like_model(const fs::path& dir) {
  test::ModelBuilder b(13);
  b.input("mfcc", {1, 1, 49, 10}).output("logits");
  std::vector<float> w(12 * 490), bias(12);
  for (size_t k = 0; k < w.size(); ++k) w[k] = float(std::sin(0.37 * double(k))) * 0.05f;
  for (size_t k = 0; k < bias.size(); ++k) bias[k] = 0.1f * float(k % 3);
  b.init_f("w", {12, 490}, w);
  b.init_f("b", {12}, bias);
  b.node("Flatten", {"mfcc"}, {"flat"}, "flatten");
  test::set_attr(b.node("Gemm", {"flat", "w", "b"}, {"logits"}, "fc"), "transB", int64_t(1));
  const std::string path = (dir / "kws_like.onnx").string();
  test::write_bytes(path, b.model().SerializeAsString());
  return path;
}

// Reads one second of audio, writes its features (the input) and the posteriors.
const char* kClipApp = R"(#include <string.h>
#include "fw.h"
#include "kws.h"
#include "kws_frontend.h"
static int16_t audio[kws_SAMPLE_RATE];
static int8_t features[kws_INPUT_SIZE];
static int8_t posteriors[kws_OUTPUT_SIZE];
static union { uint8_t b[kws_FRONTEND_SCRATCH_BYTES]; uint32_t align; } scratch;
int main(void) {
  const int fin = mote_fw_open("input.bin", 1), fout = mote_fw_open("output.bin", 5), ffig = mote_fw_open("figures.txt", 5);
  int r;
  if (fin < 0 || fout < 0 || ffig < 0 || mote_fw_read(fin, audio, sizeof audio) != sizeof audio) {
    return MOTE_FW_IO;
  }
  mote_fw_timer_start(0xffffffu);
  for (r = 0; r < kws_FEATURE_FRAMES; ++r) {
    const uint32_t t0 = mote_fw_ticks();
    if (kws_features(audio + r * kws_HOP_SAMPLES, features + r * kws_FEATURES_PER_FRAME, scratch.b) != 0) {
      return MOTE_FW_STATUS;
    }
    mote_fw_put(ffig, "frontend_ticks", mote_fw_ticks() - t0);
    mote_fw_endl(ffig);
  }
  if (kws_invoke(features, posteriors) != 0) {
    return MOTE_FW_STATUS;
  }
  if (mote_fw_write(fout, features, sizeof features) != 0 || mote_fw_write(fout, posteriors, sizeof posteriors) != 0) {
    return MOTE_FW_IO;
  }
  mote_fw_close(fout);
  mote_fw_close(ffig);
  return MOTE_FW_OK;
}
)";

TEST(AudioFrontend, GeneratedBesideTheNetworkSameBytesOnHostAndCortexM4) {
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  TempDir t;
  const Clips c = write_clips(t.path / "audio");
  ASSERT_EQ(mote_cli("features " + (t.path / "audio").string() + " -o " + (t.path / "f").string()).code, 0);
  const std::string model = kws_like_model(t.path);
  const fs::path out = t.path / "kws";
  const CliRun r = mote_cli("compile " + model + " --calib " + (t.path / "f/x.npy").string() + " --frontend " +
                            (t.path / "f/frontend.json").string() + " --posteriors --name kws --target cortex-m4 -o " +
                            out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  // The network reads the front end's bytes as they are: its input quantization is theirs.
  const nlohmann::json rep = nlohmann::json::parse(slurp(out / "report.json"));
  EXPECT_FLOAT_EQ(rep["input"]["scale"].get<float>(), 0.65f);
  EXPECT_EQ(rep["input"]["zero_point"], 6);
  EXPECT_FLOAT_EQ(rep["output"]["scale"].get<float>(), 1.0f / 256);
  EXPECT_EQ(rep["frontend"]["frames"], 49);
  EXPECT_EQ(rep["frontend"]["scratch_bytes"], 2208);
  EXPECT_NE(slurp(out / "kws_frontend.h").find("#define kws_HOP_SAMPLES 320"), std::string::npos);
  EXPECT_NE(slurp(out / "CMakeLists.txt").find("kws_frontend.c"), std::string::npos);
  // Both compilers take the generated front end with every warning an error.
  for (const char* cc : kCompilers) {
    std::string log;
    EXPECT_EQ(shell(std::string(cc) + kFlags + " -c '" + (out / "kws_frontend.c").string() + "' -I '" + out.string() +
                        "' -o '" + (t.path / "fe.o").string() + "'",
                    t.path / "cc.log", &log),
              0)
        << cc << ": " << log;
  }
  spit(t.path / "clip_app.c", kClipApp);
  std::string audio(reinterpret_cast<const char*>(c.padded[4].data()), 2 * size_t(kRate));
  const CliRun host = mote_cli("run " + out.string() + " --app " + (t.path / "clip_app.c").string() +
                               " --target host --input " + [&] {
                                 spit(t.path / "clip.raw", audio);
                                 return (t.path / "clip.raw").string();
                               }() + " --output " + (t.path / "host.bin").string());
  ASSERT_EQ(host.code, 0) << host.err;
  const CliRun m4 = mote_cli("run " + out.string() + " --app " + (t.path / "clip_app.c").string() + " --input " +
                             (t.path / "clip.raw").string() + " --output " + (t.path / "m4.bin").string() + " --json " +
                             (t.path / "m4.json").string());
  ASSERT_EQ(m4.code, 0) << m4.err;
  const std::string hb = slurp(t.path / "host.bin"), mb = slurp(t.path / "m4.bin");
  ASSERT_EQ(hb.size(), 490u + 12u);
  EXPECT_EQ(hb, mb) << "the host and the Cortex-M4 builds disagree";
  // The features are the compiler's own (mote features'), quantized with the same parameters.
  const Features f = compute_features(mfcc_tables(MfccSettings{}), c.padded[4].data(), c.padded[4].size());
  EXPECT_EQ(0, std::memcmp(hb.data(), f.mfcc.data(), 490));
  // The posteriors sum to about one (int8, scale 1/256, zero point -128).
  int sum = 0;
  for (size_t k = 490; k < hb.size(); ++k) sum += int(int8_t(hb[k])) + 128;
  EXPECT_NEAR(sum, 256, 12);
  // The front end costs what the kernel tests measured, per 20 ms frame, on the M4.
  const nlohmann::json fig = nlohmann::json::parse(slurp(t.path / "m4.json"));
  EXPECT_EQ(fig["records"]["frontend_instructions"]["count"], 49);
  EXPECT_GT(fig["records"]["frontend_instructions"]["min"].get<int64_t>(), 5000);
  EXPECT_LT(fig["records"]["frontend_instructions"]["max"].get<int64_t>(), 150000);
  EXPECT_GT(fig["flash"].get<int64_t>(), 5422);  // at least the front end's tables
}

TEST(AudioFrontend, KeywordFirmwareExampleGivesTheSameLinesOnHostAndCortexM4) {
  MOTE_REQUIRE(have_cortex_m_tools()) << "arm-none-eabi-gcc and qemu-system-arm are needed";
  TempDir t;
  write_clips(t.path / "audio");
  ASSERT_EQ(mote_cli("features " + (t.path / "audio").string() + " -o " + (t.path / "f").string()).code, 0);
  const fs::path out = t.path / "kws";
  ASSERT_EQ(mote_cli("compile " + kws_like_model(t.path) + " --calib " + (t.path / "f/x.npy").string() + " --frontend " +
                     (t.path / "f/frontend.json").string() + " --posteriors --name kws --target cortex-m4 -o " + out.string())
                .code,
            0);
  // Three seconds of tones that change every half second.
  std::vector<int16_t> s;
  for (int k = 0; k < 6; ++k) {
    const std::vector<int16_t> part = tone(200.0 + 700.0 * k, 0.05 + 0.1 * k, kRate / 2, uint32_t(k));
    s.insert(s.end(), part.begin(), part.end());
  }
  spit(t.path / "stream.raw", std::string(reinterpret_cast<const char*>(s.data()), 2 * s.size()));
  const std::string app = std::string(MOTE_SOURCE_DIR) + "/examples/kws/main.c";
  const CliRun host = mote_cli("run " + out.string() + " --app " + app + " --target host --input " +
                               (t.path / "stream.raw").string() + " --output " + (t.path / "host.txt").string());
  ASSERT_EQ(host.code, 0) << host.err;
  const CliRun m4 = mote_cli("run " + out.string() + " --app " + app + " --input " + (t.path / "stream.raw").string() +
                             " --output " + (t.path / "m4.txt").string() + " --json " + (t.path / "m4.json").string());
  ASSERT_EQ(m4.code, 0) << m4.err;
  EXPECT_EQ(slurp(t.path / "host.txt"), slurp(t.path / "m4.txt"));
  const nlohmann::json fig = nlohmann::json::parse(slurp(t.path / "m4.json"));
  EXPECT_EQ(fig["records"]["frontend_instructions"]["count"], 3 * 50 - 1);  // one frame a hop after the first
  // an inference every 4th hop once the ring holds a second (49 frames: from hop 49 on)
  int inferences = 0;
  for (int hop = 49; hop < 150; ++hop) inferences += hop % 4 == 0;
  EXPECT_EQ(fig["records"]["invoke_instructions"]["count"], inferences);
}

}  // namespace
}  // namespace mote
