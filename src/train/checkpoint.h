// The file around a training checkpoint: a magic, the payload's length, the payload (libtorch's
// archive of the run's state) and a checksum, so that a truncated or damaged file is refused in
// one line before any training, and a rename makes each write atomic.
#pragma once
#include <string>

namespace mote::train {

void write_checkpoint(const std::string& path, const std::string& payload);
// The payload; throws "PATH: truncated checkpoint (...)" / "PATH: damaged checkpoint (...)".
std::string read_checkpoint(const std::string& path);

}  // namespace mote::train
