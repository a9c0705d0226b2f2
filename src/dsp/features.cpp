#include "dsp/features.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "io/audio.h"
#include "util/error.h"

namespace mote {

namespace fs = std::filesystem;

namespace {

bool is_audio_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".wav" || ext == ".flac" || ext == ".aif" || ext == ".aiff" || ext == ".ogg";
}

// Runs body(k) for k < n on every core; the first error is rethrown (the others are dropped).
template <typename F>
void parallel_for(size_t n, F body) {
  const size_t workers = std::max<size_t>(1, std::min<size_t>(n, std::thread::hardware_concurrency()));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w)
    pool.emplace_back([&] {
      for (size_t k; !failed && (k = next++) < n;) try {
          body(k);
        } catch (...) {
          if (!failed.exchange(true)) error = std::current_exception();
        }
    });
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

double FeatureSet::scale() const { return settings.n_mfcc ? settings.mfcc_scale : settings.mel_scale; }
int32_t FeatureSet::zero_point() const { return settings.n_mfcc ? settings.mfcc_zp : settings.mel_zp; }

nlohmann::json FeatureSet::to_json() const {
  nlohmann::json j;
  j["frontend"] = mote::to_json(settings);
  j["kind"] = settings.n_mfcc ? "mfcc" : "logmel";
  j["shape"] = x.shape;
  j["input_scale"] = scale();
  j["input_zero_point"] = zero_point();
  j["padded_clips"] = padded;
  if (!classes.empty()) {
    j["classes"] = classes;
    j["counts"] = counts;
  }
  return j;
}

MfccSettings frontend_settings(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("frontend"))
    fail("{}: no 'frontend' settings (write the file with mote features)", where);
  return mfcc_settings_from_json(j["frontend"], where);
}

FeatureSet compute_feature_set(const std::string& input, const MfccSettings& s, int64_t clip_samples,
                               const std::vector<std::string>& classes) {
  const MfccTables tables = mfcc_tables(s);
  FeatureSet fs_out;
  fs_out.settings = s;
  // The signals, one per clip, and their classes.
  std::vector<std::vector<int16_t>> clips;
  std::vector<int64_t> labels;
  std::vector<std::string> files;
  if (fs::is_directory(input)) {
    std::vector<std::string> names = classes;
    if (names.empty()) {
      for (const auto& e : fs::directory_iterator(input))
        if (e.is_directory()) names.push_back(e.path().filename().string());
      std::sort(names.begin(), names.end());
    }
    if (names.empty()) fail("{}: no class folders (expected one folder of audio files per class)", input);
    for (size_t c = 0; c < names.size(); ++c) {
      const fs::path dir = fs::path(input) / names[c];
      if (!fs::is_directory(dir)) fail("{}: class '{}' has no folder", input, names[c]);
      std::vector<std::string> here;
      for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && is_audio_file(e.path())) here.push_back(e.path().string());
      if (here.empty()) fail("{}: no audio files (.wav, .flac, .aif, .aiff, .ogg)", dir.string());
      std::sort(here.begin(), here.end());
      for (const std::string& f : here) {
        files.push_back(f);
        labels.push_back(int64_t(c));
      }
      fs_out.counts.push_back(int64_t(here.size()));
    }
    fs_out.classes = names;
    clips.resize(files.size());
    std::atomic<int64_t> padded{0};
    parallel_for(files.size(), [&](size_t k) {
      Audio a = read_audio(files[k], s.sample_rate);
      if (int64_t(a.samples.size()) > clip_samples)
        fail("{}: {} samples, longer than the clip length ({} samples, {:g} s)", files[k], a.samples.size(), clip_samples,
             double(clip_samples) / s.sample_rate);
      if (int64_t(a.samples.size()) < clip_samples) ++padded;
      a.samples.resize(size_t(clip_samples), 0);
      clips[k] = std::move(a.samples);
    });
    fs_out.padded = padded;
  } else {
    // .npy int16 arrives widened to int32 (io/array.h); any integer array within int16 is taken.
    const Array a = load_array(input);
    if ((a.dtype != DType::I16 && a.dtype != DType::I32) || a.shape.size() != 2)
      fail("{}: expected int16 signals [N, T] (or a folder of audio files per class), got {} {}", input,
           dtype_name(a.dtype), shape_str(a.shape));
    const size_t n = size_t(a.shape[0]), t = size_t(a.shape[1]);
    for (size_t k = 0; k < n; ++k) {
      std::vector<int16_t> c(t);
      for (size_t i = 0; i < t; ++i) {
        const float v = a.get_f32(int64_t(k * t + i));
        if (v < -32768.0f || v > 32767.0f) fail("{}: signal {} sample {} is {}, outside int16", input, k, i, v);
        c[i] = int16_t(v);
      }
      clips.push_back(std::move(c));
    }
  }
  if (clips.empty()) fail("{}: no signals", input);
  const size_t len = clips[0].size();
  if (len < size_t(s.window))
    fail("{}: signals of {} samples are shorter than one window ({} samples)", input, len, s.window);

  // The int8 features of every clip, dequantized.
  const int64_t frames = int64_t(1 + (len - size_t(s.window)) / size_t(s.stride));
  const int64_t coeffs = s.n_mfcc ? s.n_mfcc : s.n_mel;
  const int64_t per_clip = frames * coeffs;
  fs_out.x.dtype = DType::F32;
  fs_out.x.shape = {int64_t(clips.size()), 1, frames, coeffs};
  fs_out.x.bytes.resize(clips.size() * size_t(per_clip) * 4);
  float* out = fs_out.x.as_mut<float>();
  const double scale = fs_out.scale();
  const int32_t zp = fs_out.zero_point();
  parallel_for(clips.size(), [&](size_t k) {
    const Features f = compute_features(tables, clips[k].data(), clips[k].size());
    const std::vector<int8_t>& q = s.n_mfcc ? f.mfcc : f.mel;
    for (int64_t i = 0; i < per_clip; ++i) out[k * size_t(per_clip) + size_t(i)] = float(scale * (q[size_t(i)] - zp));
  });
  if (!labels.empty()) {
    fs_out.y.dtype = DType::I64;
    fs_out.y.shape = {int64_t(labels.size())};
    fs_out.y.bytes.resize(labels.size() * 8);
    std::memcpy(fs_out.y.bytes.data(), labels.data(), labels.size() * 8);
  }
  return fs_out;
}

}  // namespace mote
