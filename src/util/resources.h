// Where mote finds its data files: the runtime sources, the target profiles, the firmware
// sources and the runtime sizes measured at build time.
#pragma once
#include <string>

namespace mote {

// The file or folder `rel` (e.g. "runtime", "target/profiles.json") among mote's data. Looked up
// in $MOTE_DATA_DIR if set, else in PREFIX/share/mote when mote runs installed in PREFIX/bin,
// else in the source tree (and its src/) and the build tree it was built from. Throws
// mote::Error naming `rel` and the places searched when none has it.
std::string data_path(const std::string& rel);

}  // namespace mote
