// The audio front end generated beside the network: NAME_frontend.h / NAME_frontend.c hold the
// tables of the runtime's fixed-point MFCC / log-mel front end (mote/audio.h) as const data and
// NAME_features(), which turns one frame of audio into one row of NAME's input, already in the
// input's int8 quantization.
#pragma once
#include <map>
#include <string>

#include "dsp/mfcc.h"
#include "ir/ir.h"

namespace mote {

// The features of one inference must fill `g`'s input: frames x coefficients values, one frame
// per row (NHWC [1, frames, coefficients, 1] or any shape of that size whose rows are frames).
// Throws naming the model when they do not.
int64_t frontend_frames(const MfccTables& t, const Graph& g);

// The two files, and the runtime sources they call (by output-relative path).
std::map<std::string, std::string> frontend_sources(const MfccTables& t, const std::string& name, const Graph& g);

}  // namespace mote
