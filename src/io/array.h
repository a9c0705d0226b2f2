// N-d arrays read from and written to data files: .npy, .npz (stored or deflated members, via libzip),
// IDX (the MNIST format, optionally gzip-compressed).
#pragma once
#include <string>
#include <vector>

#include "ir/ir.h"

namespace mote {

struct Array {
  DType dtype = DType::F32;
  Shape shape;
  std::vector<uint8_t> bytes;  // row-major, little-endian
  int64_t numel() const { return mote::numel(shape); }
  template <typename T> const T* as() const { return reinterpret_cast<const T*>(bytes.data()); }
  template <typename T> T* as_mut() { return reinterpret_cast<T*>(bytes.data()); }
  // Element k converted to float (any dtype).
  float get_f32(int64_t k) const;
};

// Reads .npy, .idx/-ubyte (optionally .gz) files; for .npz, the member `key` (or the only /
// first member when key is empty). Throws mote::Error naming the file and the problem.
Array load_array(const std::string& path, const std::string& key = "");
// The same for a file's bytes already in memory; `path` only names it in errors.
Array parse_array(const std::string& bytes, const std::string& path, const std::string& key = "");
// The bytes of `a` as a .npy file; `path` only names it in errors.
std::string npy_bytes(const Array& a, const std::string& path);
// Writes a .npy file atomically (temp file, then rename).
void save_npy(const std::string& path, const Array& a);

}  // namespace mote
