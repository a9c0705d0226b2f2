#include "io/audio.h"

#include <sndfile.h>

#include <filesystem>

#include "util/error.h"

namespace mote {

namespace {

// Closes a libsndfile handle on every path out.
struct SndFile {
  SNDFILE* f = nullptr;
  ~SndFile() {
    if (f) sf_close(f);
  }
};

}  // namespace

Audio read_audio(const std::string& path, int32_t sample_rate) {
  SF_INFO info{};
  SndFile sf;
  sf.f = sf_open(path.c_str(), SFM_READ, &info);
  if (!sf.f) fail("{}: cannot read audio: {}", path, sf_strerror(nullptr));
  if (info.channels != 1)
    fail("{}: {} channels; the front end takes mono audio (mix it down, e.g. sox IN -c 1 OUT)", path, info.channels);
  if (info.samplerate != sample_rate)
    fail("{}: recorded at {} Hz; the front end takes {} Hz (resample it, e.g. sox IN -r {} OUT)", path, info.samplerate,
         sample_rate, sample_rate);
  Audio a;
  a.sample_rate = info.samplerate;
  a.samples.resize(size_t(info.frames));
  // Float files scale by 32767 and clip, instead of wrapping, on the way to int16.
  sf_command(sf.f, SFC_SET_SCALE_FLOAT_INT_READ, nullptr, SF_TRUE);
  const sf_count_t got = sf_read_short(sf.f, a.samples.data(), sf_count_t(a.samples.size()));
  if (got != info.frames) fail("{}: read {} of its {} samples: {}", path, int64_t(got), int64_t(info.frames), sf_strerror(sf.f));
  return a;
}

void write_wav(const std::string& path, const Audio& a) {
  const std::string tmp = path + ".tmp";
  SF_INFO info{};
  info.samplerate = a.sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  {
    SndFile sf;
    sf.f = sf_open(tmp.c_str(), SFM_WRITE, &info);
    if (!sf.f) fail("{}: cannot write audio: {}", path, sf_strerror(nullptr));
    if (sf_write_short(sf.f, a.samples.data(), sf_count_t(a.samples.size())) != sf_count_t(a.samples.size())) {
      const std::string why = sf_strerror(sf.f);
      std::filesystem::remove(tmp);
      fail("{}: writing failed: {}", path, why);
    }
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace mote
