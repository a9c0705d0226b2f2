#include "target/profiles.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/file.h"
#include "util/resources.h"

namespace mote {

namespace {

struct Data {
  std::vector<Profile> profiles;
  std::vector<Board> boards;
};

// Reads a field and names the file and the entry when it is missing or of the wrong type.
template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) fail("{}: {} has no '{}'", data_path("target/profiles.json"), where, key);
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    fail("{}: {} has a '{}' of the wrong type", data_path("target/profiles.json"), where, key);
  }
}

std::optional<double> optional_number(const nlohmann::json& j, const char* key, const std::string& where) {
  if (j.contains(key) && j.at(key).is_null()) return std::nullopt;
  return field<double>(j, key, where);
}

Data load() {
  const std::string path = data_path("target/profiles.json");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail("{} is not valid JSON: {}", path, e.what());
  }
  Data d;
  for (const nlohmann::json& b : field<nlohmann::json>(j, "boards", "the file")) {
    Board x;
    x.name = field<std::string>(b, "name", "a board");
    const std::string w = "board '" + x.name + "'";
    x.cpu = field<std::string>(b, "cpu", w);
    x.linker_script = field<std::string>(b, "linker_script", w);
    x.note = field<std::string>(b, "note", w);
    x.systick_hz = field<double>(b, "systick_hz", w);
    d.boards.push_back(x);
  }
  for (const nlohmann::json& p : field<nlohmann::json>(j, "profiles", "the file")) {
    Profile x;
    x.target = field<std::string>(p, "target", "a profile");
    const std::string w = "profile '" + x.target + "'";
    x.title = field<std::string>(p, "title", w);
    x.cflags = field<std::vector<std::string>>(p, "cflags", w);
    x.board = field<std::string>(p, "board", w);
    if (std::none_of(d.boards.begin(), d.boards.end(), [&](const Board& b) { return b.name == x.board; }))
      fail("{}: {} names board '{}', which the file does not define", path, w, x.board);
    for (const nlohmann::json& q : field<nlohmann::json>(p, "parts", w)) {
      Part r;
      r.name = field<std::string>(q, "name", w + " part");
      const std::string wp = w + " part '" + r.name + "'";
      r.flash_bytes = field<int64_t>(q, "flash_kib", wp) * 1024;
      r.sram_bytes = field<int64_t>(q, "sram_kib", wp) * 1024;
      r.clock_mhz = field<double>(q, "clock_mhz", wp);
      r.active_ua_per_mhz = optional_number(q, "active_ua_per_mhz", wp);
      r.sleep_ua = optional_number(q, "sleep_ua", wp);
      r.sleep_mode = field<std::string>(q, "sleep_mode", wp);
      r.vdd = field<double>(q, "vdd", wp);
      r.source = field<std::string>(q, "source", wp);
      r.checked = field<std::string>(q, "checked", wp);
      if (r.flash_bytes <= 0 || r.sram_bytes <= 0 || r.clock_mhz <= 0 || r.vdd <= 0)
        fail("{}: {} needs positive flash, SRAM, clock and supply", path, wp);
      x.parts.push_back(r);
    }
    if (x.parts.empty()) fail("{}: {} lists no parts", path, w);
    d.profiles.push_back(x);
  }
  return d;
}

const Data& data() {
  static const Data d = load();
  return d;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const std::vector<Profile>& profiles() { return data().profiles; }
const std::vector<Board>& boards() { return data().boards; }

const Profile& profile_for(const std::string& target) {
  std::string known;
  for (const Profile& p : profiles()) {
    if (p.target == target) return p;
    known += (known.empty() ? "" : ", ") + p.target;
  }
  fail("target '{}' has no Cortex-M profile (profiles: {})", target, known);
}

const Board& board_of(const Profile& p) {
  for (const Board& b : boards())
    if (b.name == p.board) return b;
  fail("profile '{}' names board '{}', which is not defined", p.target, p.board);
}

const Part& part_named(const Profile& p, const std::string& name) {
  std::string known;
  for (const Part& q : p.parts) {
    if (lower(q.name) == lower(name)) return q;
    known += (known.empty() ? "" : ", ") + q.name;
  }
  fail("part '{}' is not a {} part (parts: {})", name, p.target, known);
}

}  // namespace mote
