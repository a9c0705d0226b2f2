#include "train/checkpoint.h"

#include <cstdint>
#include <cstring>

#include "util/error.h"
#include "util/file.h"

namespace mote::train {
namespace {

constexpr char kMagic[8] = {'M', 'O', 'T', 'E', 'C', 'K', 'P', '1'};
constexpr size_t kHeader = sizeof(kMagic) + sizeof(uint64_t);

// FNV-1a, 64 bits: cheap, and any truncation or flipped byte changes it.
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

void put_u64(std::string& out, uint64_t v) {
  for (int k = 0; k < 8; ++k) out += char((v >> (8 * k)) & 0xff);
}

uint64_t get_u64(const std::string& in, size_t at) {
  uint64_t v = 0;
  for (int k = 0; k < 8; ++k) v |= uint64_t(static_cast<unsigned char>(in[at + size_t(k)])) << (8 * k);
  return v;
}

}  // namespace

void write_checkpoint(const std::string& path, const std::string& payload) {
  std::string file(kMagic, sizeof(kMagic));
  put_u64(file, payload.size());
  file += payload;
  put_u64(file, fnv1a(payload));
  write_file_atomic(path, file);
}

std::string read_checkpoint(const std::string& path) {
  const std::string file = read_file(path);
  if (file.size() < sizeof(kMagic) || std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0)
    fail("{}: not a mote checkpoint{}", path, file.size() < sizeof(kMagic) ? " (truncated)" : "");
  if (file.size() < kHeader) fail("{}: truncated checkpoint ({} bytes)", path, file.size());
  const uint64_t len = get_u64(file, sizeof(kMagic));
  const uint64_t want = kHeader + len + 8;
  if (len > file.size() || file.size() < want) fail("{}: truncated checkpoint ({} of {} bytes)", path, file.size(), want);
  if (file.size() > want) fail("{}: damaged checkpoint ({} bytes after its end)", path, file.size() - want);
  std::string payload = file.substr(kHeader, size_t(len));
  if (fnv1a(payload) != get_u64(file, kHeader + size_t(len))) fail("{}: damaged checkpoint (checksum mismatch)", path);
  return payload;
}

}  // namespace mote::train
