// Training and validation features of recorded signals, computed by the fixed-point front end
// the device runs (mote/audio.h), so that the network trains on the bits it will see.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsp/mfcc.h"
#include "io/array.h"

namespace mote {

struct FeatureSet {
  MfccSettings settings;
  std::vector<std::string> classes;  // label k's name; empty for signals read from .npy
  std::vector<int64_t> counts;       // clips per class
  Array x;  // float32 [N, 1, frames, coefficients]: the int8 features, dequantized
  Array y;  // int64 [N] class of each clip; empty for signals read from .npy
  int64_t padded = 0;  // clips shorter than the clip length, padded with silence
  double scale() const;  // the features' int8 quantization (MFCC or log-mel)
  int32_t zero_point() const;
  // frontend.json: the settings, the clip length, the classes and counts, the shape.
  nlohmann::json to_json() const;
};

// The features of `input`: a folder with one subfolder of audio files per class (Speech
// Commands' layout; classes in the order of their names, or `classes` when given), each file
// mono at the settings' rate and at most `clip_samples` long (shorter ones are padded with
// silence at the end); or an int16 .npy of signals [N, T] at the settings' rate (T >=
// the window). Throws mote::Error naming the file and what is wrong.
FeatureSet compute_feature_set(const std::string& input, const MfccSettings& s, int64_t clip_samples,
                               const std::vector<std::string>& classes = {});

// The front end settings of a frontend.json (as FeatureSet::to_json writes it); `where` names it.
MfccSettings frontend_settings(const nlohmann::json& j, const std::string& where);

}  // namespace mote
