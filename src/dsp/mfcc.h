// The audio front end of keyword spotting on the compiler's side: the tables of the runtime's
// fixed-point log-mel / MFCC front end (runtime/include/mote/audio.h) computed from the feature
// settings, a float64 reference of the same features to check it against, and the host run of
// the fixed-point front end over a whole signal (the training features, so that training and
// the device see the same bits).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mote/audio.h"

namespace mote {

// The defaults are MLPerf Tiny's keyword spotting features: 16 kHz, 30 ms windows every 20 ms,
// a 512-point FFT, 40 mel filters from 20 Hz to 4 kHz (TF's micro frontend upper limit for
// that benchmark) and 10 MFCCs.
struct MfccSettings {
  int32_t sample_rate = 16000;
  int32_t window = 480;  // samples per frame (periodic Hann window)
  int32_t stride = 320;  // samples between frame starts
  int32_t fft = 512;     // FFT size: a power of two in [16, 4096], >= window
  int32_t n_mel = 40;
  int32_t n_mfcc = 10;   // 0: log-mel only
  double low_hz = 20.0, high_hz = 4000.0;
  // Energies are the power spectrum |FFT|^2 of the windowed frame with samples as q / 32768,
  // through TF's mel filters (triangles linear in HTK mel, 2595 log10(1 + f / 700)); the log-mel
  // features are ln(max(energy, floor)) and the MFCCs their orthonormal DCT-II.
  double floor = 1e-6;
  // int8 outputs (the network's input quantization): real = scale * (q - zero_point). The
  // defaults cover ln(floor) .. ln of a full-scale tone (-13.8 .. 11.7) and c0's range.
  double mel_scale = 0.1;
  int32_t mel_zp = 10;
  double mfcc_scale = 0.65;
  int32_t mfcc_zp = 6;
};

// The settings as JSON (every field, by its name here: "sample_rate", "window", ...) and back:
// keys missing from `j` keep their defaults; an unknown key or a value of the wrong type is an
// error naming `where` and the key.
nlohmann::json to_json(const MfccSettings& s);
MfccSettings mfcc_settings_from_json(const nlohmann::json& j, const std::string& where);

// The float mel filterbank: weights[m][k] for filter m < n_mel, FFT bin k <= fft / 2.
std::vector<std::vector<double>> mel_filterbank(const MfccSettings& s);

// The runtime's tables; params() points into this object's vectors.
struct MfccTables {
  MfccSettings settings;
  std::vector<int16_t> mel_first, mel_count, mel_weight, dct;
  std::vector<int32_t> window, twiddle;
  mote_mfcc_params params() const;
  size_t table_bytes() const;  // the constant tables' bytes in flash
};

// Throws mote::Error (one line naming the setting) on settings the front end cannot run.
MfccTables mfcc_tables(const MfccSettings& s);

// One frame (s.window samples) in float64.
struct MfccFrame {
  std::vector<double> log_mel, mfcc;  // natural-log units
};
MfccFrame mfcc_reference(const MfccSettings& s, const int16_t* frame);

// real -> int8 as the runtime's outputs are quantized (round half away from zero, saturate).
int8_t quantize_feature(double real, double scale, int32_t zp);

// The fixed-point front end over a signal: one frame every stride samples while a whole window
// fits ([frames][n_mel] and [frames][n_mfcc], int8).
struct Features {
  int64_t frames = 0;
  std::vector<int8_t> mel, mfcc;
};
Features compute_features(const MfccTables& t, const int16_t* signal, size_t n);

}  // namespace mote
