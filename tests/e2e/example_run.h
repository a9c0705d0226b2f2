// Running an example's run.sh small: its pipeline.yaml with fewer epochs, the options that
// shrink the data, everything in a temporary folder.
#pragma once
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/e2e_util.h"

namespace mote::test {

// The example's pipeline file with every "epochs: N" set to `epochs`, written to `to`.
inline void write_short_pipeline(const std::string& example, int epochs, const fs::path& to) {
  std::string p = slurp(std::string(MOTE_SOURCE_DIR) + "/examples/" + example + "/pipeline.yaml");
  const std::string key = "epochs: ";
  for (size_t at = p.find(key); at != std::string::npos; at = p.find(key, at + 1)) {
    const size_t end = p.find_first_not_of("0123456789", at + key.size());
    p.replace(at + key.size(), end - at - key.size(), std::to_string(epochs));
  }
  spit(to, p);
}

// bash examples/EXAMPLE/run.sh BUILD OUT with the environment `env` ("NAME=value ..."); returns
// its exit status and its output in *log.
inline int run_example(const std::string& example, const std::string& env, const fs::path& out, std::string* log) {
  const std::string build = fs::path(MOTE_CLI).parent_path().string();
  return shell(env + " bash " + std::string(MOTE_SOURCE_DIR) + "/examples/" + example + "/run.sh '" + build + "' '" +
                   out.string() + "'",
               out.parent_path() / "run.log", log);
}

// The lines of a text file, split into their words.
inline std::vector<std::vector<std::string>> words_of_lines(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream text(slurp(p));
  for (std::string line; std::getline(text, line);) {
    std::istringstream s(line);
    rows.emplace_back();
    for (std::string w; s >> w;) rows.back().push_back(w);
  }
  return rows;
}

inline nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(slurp(p)); }

}  // namespace mote::test
