// Audio files (WAV, FLAC, AIFF, ... through libsndfile) as int16 samples for the front end.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mote {

struct Audio {
  int32_t sample_rate = 0;
  std::vector<int16_t> samples;  // mono
};

// Reads `path`, which must be mono and recorded at `sample_rate` Hz (the front end does not
// resample: a model trained at one rate hears other rates as other words). Samples of any
// format (8-32 bit PCM, float) come back as int16. Throws mote::Error naming the file and
// what is wrong, with the fix.
Audio read_audio(const std::string& path, int32_t sample_rate);

// Writes mono int16 samples as a 16-bit PCM WAV file atomically (temp file, then rename).
void write_wav(const std::string& path, const Audio& a);

}  // namespace mote
