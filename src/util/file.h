#pragma once
#include <string>

namespace mote {

// The whole file as bytes; throws mote::Error "PATH: cannot open: REASON" or "PATH: cannot read".
std::string read_file(const std::string& path);

// Writes `content` to `path` through a temp file in the same directory and a rename, so readers
// never see a half-written file and a failure leaves nothing behind.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace mote
